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


def test_search_delay_with_an_ordered_cursor_shows_the_older_version(backend, call, clock):
    """HELP accounts.search: writes reach search after a short delay (site option searchDelaySeconds)."""
    from mock_gigya.defaults import DEFAULT_API_KEY

    site = backend.site(DEFAULT_API_KEY)
    site.options["searchDelaySeconds"] = 5
    backend.save_site(site)
    for i in range(3):
        call("accounts.importFullAccount", UID=f"u{i}", loginIDs={"emails": [f"{i}@example.com"]}, data={"n": i})
    clock.now += 6
    call("accounts.setAccountInfo", UID="u1", data={"n": 10})
    page = call("accounts.search", query="SELECT UID, data.n FROM accounts ORDER BY data.n DESC LIMIT 2", openCursor=True)
    seen = [(r["UID"], r["data"]["n"]) for r in page["results"]]
    page = call("accounts.search", cursorId=page["nextCursorId"])
    seen += [(r["UID"], r["data"]["n"]) for r in page["results"]]
    assert seen == [("u2", 2), ("u1", 1), ("u0", 0)]  # the index still holds u1's n=1
    clock.now += 6
    rows = call("accounts.search", query="SELECT UID FROM accounts ORDER BY data.n DESC")["results"]
    assert [r["UID"] for r in rows] == ["u1", "u2", "u0"]


def test_search_delay_memory_holds_only_one_delay_of_writes(backend, call, clock):
    from mock_gigya.defaults import DEFAULT_API_KEY

    site = backend.site(DEFAULT_API_KEY)
    site.options["searchDelaySeconds"] = 1
    backend.save_site(site)
    for i in range(50):
        call("accounts.importFullAccount", UID=f"u{i}", loginIDs={"emails": [f"{i}@example.com"]})
        clock.now += 0.5
    assert len(backend.search_index._pending) <= 3  # the writes of the last second, not all 50
