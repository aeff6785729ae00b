"""accounts.search result content: what HELP says search does and does not return.

HELP importFullAccount notes: search "does not return subscriptions" (read them with getAccountInfo);
the Account object has ``lockedUntil`` (docs/gigya-api.md §4-5).
"""

from __future__ import annotations

SUBSCRIPTIONS = {"newsletter": {"email": {"isSubscribed": True}}}


def test_search_does_not_return_subscriptions(call):
    call("accounts.importFullAccount", UID="u1", loginIDs={"emails": ["a@example.com"]}, subscriptions=SUBSCRIPTIONS,
         profile={"firstName": "Ada"})
    for query in ("SELECT * FROM accounts", "SELECT subscriptions, profile FROM accounts"):
        (result,) = call("accounts.search", query=query)["results"]
        assert "subscriptions" not in result and result["profile"]["firstName"] == "Ada"
    info = call("accounts.getAccountInfo", UID="u1", include="subscriptions")
    assert info["subscriptions"] == SUBSCRIPTIONS  # getAccountInfo does


def test_locked_until_is_selectable(call, clock):
    call("accounts.importFullAccount", UID="u1", loginIDs={"emails": ["a@example.com"]},
         password={"hashedPassword": "W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "hashSettings": {"algorithm": "sha1"}})
    call("accounts.importFullAccount", UID="u2", loginIDs={"emails": ["b@example.com"]})
    for _ in range(3):  # the default policy locks after 3 failures for 60 s (seed 003's RBA sample)
        call("accounts.login", loginID="a@example.com", password="wrong")
    rows = call("accounts.search", query="SELECT UID, lockedUntil FROM accounts")["results"]
    locked = {r["UID"]: r.get("lockedUntil") for r in rows}
    assert locked["u2"] is None  # not locked: the field is omitted, not ""
    assert locked["u1"] == "2023-11-14T22:14:20.000Z"  # clock 1_700_000_000 s + 60 s lockout
