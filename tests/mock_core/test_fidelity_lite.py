"""Lite accounts on the mock: importLiteAccount, FROM emailAccounts, accountTypes=lite, deleteLiteAccount.

Documented (docs/gigya-api.md §4-5; hash-algorithms.md §2): importLiteAccount takes email, profile,
subscriptions, data and no password; emailAccounts results carry email, token, hasFullAccount,
hasLiteAccount, channel, subscriptions, profile, data, created/lastUpdated; accountTypes is
full (default) | lite | full,lite; deleteLiteAccount takes the emailAccountToken.
"""

from __future__ import annotations

SUBS = {"newsletter": {"email": {"isSubscribed": True}}}


def _lite(call, email, **extra):
    return call("accounts.importLiteAccount", email=email, **extra)


def test_email_accounts_results_have_the_documented_fields(call):
    assert _lite(call, "lite@example.com", profile={"firstName": "Lee"}, subscriptions=SUBS)["errorCode"] == 0
    (row,) = call("accounts.search", query="SELECT * FROM emailAccounts")["results"]
    for name in ("email", "token", "hasFullAccount", "hasLiteAccount", "channel", "subscriptions", "profile",
                 "created", "createdTimestamp", "lastUpdated", "lastUpdatedTimestamp"):
        assert name in row, name
    assert row["email"] == "lite@example.com" and row["hasFullAccount"] is False and row["subscriptions"] == SUBS


def test_lite_accounts_are_not_full_accounts(call):
    _lite(call, "lite@example.com")
    call("accounts.importFullAccount", UID="full1", loginIDs={"emails": ["full@example.com"]})
    full = call("accounts.search", query="SELECT UID FROM accounts")["results"]
    assert [r["UID"] for r in full] == ["full1"]  # accountTypes defaults to full
    lite = call("accounts.search", query="SELECT * FROM accounts", accountTypes="lite")["results"]
    assert [r["email"] for r in lite] == ["lite@example.com"] and "subscriptions" not in lite[0]
    assert call("accounts.login", loginID="lite@example.com", password="anything")["errorCode"] == 403042


def test_reimport_merges_into_the_same_lite_account(call):
    first = _lite(call, "lite@example.com", data={"a": 1})
    second = _lite(call, "LITE@example.com", data={"b": 2})
    assert first["UID"] == second["UID"]
    (row,) = call("accounts.search", query="SELECT * FROM emailAccounts")["results"]
    assert row["data"] == {"a": 1, "b": 2}


def test_cursor_pages_over_lite_accounts(call):
    for i in range(5):
        _lite(call, f"l{i}@example.com")
    page = call("accounts.search", query="SELECT email FROM accounts LIMIT 2", accountTypes="lite", openCursor=True)
    emails = [r["email"] for r in page["results"]]
    while page.get("nextCursorId"):
        page = call("accounts.search", cursorId=page["nextCursorId"], accountTypes="lite")
        emails += [r["email"] for r in page["results"]]
    assert emails == [f"l{i}@example.com" for i in range(5)]


def test_delete_lite_account_by_token_is_audited(call):
    uid = _lite(call, "lite@example.com")["UID"]
    (row,) = call("accounts.search", query="SELECT * FROM emailAccounts")["results"]
    assert call("accounts.deleteLiteAccount", emailAccountToken=row["token"])["errorCode"] == 0
    assert call("accounts.search", query="SELECT * FROM emailAccounts")["totalCount"] == 0
    assert call("accounts.deleteLiteAccount", emailAccountToken=row["token"])["errorCode"] == 403005
    audit = call("audit.search", query='SELECT * FROM auditLog WHERE endpoint = "accounts.deleteLiteAccount" '
                                       'AND errCode = "0"')["results"]
    assert audit[0]["uid"] == uid and audit[0]["params"]["emailAccountToken"] == row["token"]


def test_what_is_not_supported_answers_400006_naming_it(call):
    _lite(call, "lite@example.com")
    both = call("accounts.search", query="SELECT * FROM accounts", accountTypes="full,lite")
    assert both["errorCode"] == 400006 and "full,lite" in both["errorDetails"]
    grouped = call("accounts.search", query="SELECT count(*) FROM emailAccounts GROUP BY channel")
    assert grouped["errorCode"] == 400006 and "GROUP BY" in grouped["errorDetails"]
    assert call("accounts.search", query="SELECT count(*) FROM emailAccounts")["results"] == [{"count(*)": 1}]
    assert call("accounts.search", query="SELECT * FROM accounts", accountTypes="guest")["errorCode"] == 400006


def test_a_string_saying_emailaccounts_does_not_make_a_lite_search(call):
    _lite(call, "lite@example.com")
    call("accounts.importFullAccount", UID="full1", loginIDs={"emails": ["full@example.com"]},
         data={"note": "from emailAccounts"})
    rows = call("accounts.search", query='SELECT UID FROM accounts WHERE data.note = "from emailAccounts"')["results"]
    assert rows == [{"UID": "full1"}]
