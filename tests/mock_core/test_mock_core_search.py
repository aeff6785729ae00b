"""accounts.search / audit.search: windows, ORDER BY, GROUP BY, aggregates, cursors, and the audit log."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from mock_gigya.backend import Backend

API_KEY = "3_mock_site"


@pytest.fixture
def people(backend: Backend, fake):
    """25 seeded accounts with known ages, genders and dates; returns their public views."""
    rows = []
    for i in range(25):
        email = f"user{i:02d}@example.com"
        rows.append(backend.seed_account(
            API_KEY, UID=f"uid{i:02d}", loginIDs={"emails": [email]},
            profile={"email": email, "firstName": fake.first_name(), "age": 20 + i, "gender": "mf"[i % 2]},
            data={"points": i * 10, "tier": "gold" if i % 5 == 0 else "basic"},
            created=1_600_000_000_000 + i * 86_400_000,
        ))
    return rows


def test_select_star_where_and_counts(call, people):
    body = call("accounts.search", query='SELECT * FROM accounts WHERE data.tier = "gold"')
    assert body["errorCode"] == 0
    assert [r["UID"] for r in body["results"]] == ["uid00", "uid05", "uid10", "uid15", "uid20"]
    assert body["objectsCount"] == 5 and body["totalCount"] == 5
    assert "_" not in "".join(k[0] for k in body["results"][0])  # no mock-internal keys


def test_limit_start_and_order_by(call, people):
    body = call("accounts.search", query="SELECT UID, profile.age FROM accounts ORDER BY profile.age DESC START 2 LIMIT 3")
    assert [r["UID"] for r in body["results"]] == ["uid22", "uid21", "uid20"]
    assert body["results"][0] == {"UID": "uid22", "profile": {"age": 42}}
    assert body["totalCount"] == 25 and body["objectsCount"] == 3
    default = call("accounts.search", query="SELECT UID FROM accounts")
    assert default["objectsCount"] == 25
    dates = call("accounts.search", query='SELECT UID FROM accounts WHERE created >= "2020-09-20" ORDER BY created LIMIT 2')
    assert [r["UID"] for r in dates["results"]] == ["uid07", "uid08"]
    assert call("accounts.search", query="select * from accounts start 5001")["errorCode"] == 400006


def test_count_group_by_and_aggregates(call, people):
    count = call("accounts.search", query="SELECT count(*) FROM accounts WHERE profile.age >= 40")
    assert count["results"] == [{"count(*)": 5}] and count["totalCount"] == 5
    groups = call("accounts.search", query="SELECT profile.gender, count(*) FROM accounts GROUP BY profile.gender")
    assert groups["results"] == [{"profile": {"gender": "m"}, "count(*)": 13}, {"profile": {"gender": "f"}, "count(*)": 12}]
    assert groups["totalCount"] == 25
    stats = call("accounts.search", query='SELECT sum(data.points), max(data.points), min(data.points) FROM accounts')
    assert stats["results"] == [{"sum(data.points)": 3000, "max(data.points)": 240, "min(data.points)": 0}]
    empty = call("accounts.search", query='SELECT min(data.points) FROM accounts WHERE UID = "none"')
    assert empty["results"] == [{"min(data.points)": "infinity"}]


def test_pushdown_on_indexed_columns_matches_python(call, people):
    pushed = call("accounts.search", query="SELECT UID FROM accounts WHERE createdTimestamp >= 1601728000000 AND data.tier = 'basic'")
    assert [r["UID"] for r in pushed["results"]] == ["uid21", "uid22", "uid23", "uid24"]
    in_uids = call("accounts.search", query='SELECT count(*) FROM accounts WHERE UID in ("uid01", "uid02", "nope")')
    assert in_uids["results"] == [{"count(*)": 2}]


def _page_all(call, query, **first):
    body = call("accounts.search", query=query, openCursor=True, **first)
    pages = [body]
    while "nextCursorId" in pages[-1]:
        pages.append(call("accounts.search", cursorId=pages[-1]["nextCursorId"]))
        assert pages[-1]["errorCode"] == 0, pages[-1]
    return pages


@pytest.mark.parametrize("order", ["", " ORDER BY profile.age DESC"])
def test_cursor_paging(call, people, order):
    pages = _page_all(call, f"SELECT UID FROM accounts WHERE profile.age > 21{order} LIMIT 7")
    assert [p["objectsCount"] for p in pages] == [7, 7, 7, 2]
    assert all(p["totalCount"] == 23 for p in pages)
    uids = [r["UID"] for p in pages for r in p["results"]]
    expected = [f"uid{i:02d}" for i in range(2, 25)]
    assert uids == (expected[::-1] if order else expected)


def test_cursor_rules(call, people, clock):
    first = call("accounts.search", query="SELECT UID FROM accounts LIMIT 10", openCursor=True)
    cursor = first["nextCursorId"]
    again_a = call("accounts.search", cursorId=cursor)
    again_b = call("accounts.search", cursorId=cursor)  # re-sending a cursorId repeats the page
    assert again_a["results"] == again_b["results"] and again_a["results"][0]["UID"] == "uid10"
    both = call("accounts.search", query="SELECT * FROM accounts", cursorId=cursor)
    assert both["errorCode"] == 400006
    assert call("accounts.search", query="select * from accounts start 5", openCursor=True)["errorCode"] == 400006
    assert call("accounts.search", cursorId="nope")["errorCode"] == 400006
    clock.now += 301
    assert call("accounts.search", cursorId=cursor)["errorCode"] == 400006


def test_cursor_page_excludes_deleted_accounts(call, people):
    first = call("accounts.search", query="SELECT UID FROM accounts LIMIT 10", openCursor=True)
    call("accounts.deleteAccount", UID="uid11")
    second = call("accounts.search", cursorId=first["nextCursorId"])
    assert "uid11" not in [r["UID"] for r in second["results"]]


def test_search_syntax_error_is_an_envelope(call):
    body = call("accounts.search", query="SELECT * FROM accounts WHERE profile.age >")
    assert body["errorCode"] == 400006 and "position" in body["errorDetails"]
    assert body["validationErrors"][0]["fieldName"] == "query"
    assert call("accounts.search")["errorCode"] == 400002


def test_open_cursor_needs_server_credentials(call, people):
    anon = call("accounts.search", _creds={"apiKey": API_KEY}, query="select * from accounts", openCursor=True)
    assert anon["errorCode"] == 400006 and "server-side" in anon["errorDetails"]


# ------------------------------------------------------------------ audit log


def test_every_call_is_audited_without_secrets(call):
    # base64(sha1("password")): the SAP Help importFullAccount example
    call("accounts.importFullAccount", UID="u1", loginIDs={"emails": ["a@example.com"]},
         password={"hashedPassword": "W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "hashSettings": {"algorithm": "sha1"}})
    call("accounts.login", loginID="a@example.com", password="wrong")
    call("accounts.deleteAccount", UID="u1")
    call("accounts.deleteAccount", UID="u1")
    body = call("audit.search", query="SELECT * FROM auditLog")
    records = body["results"]
    assert [r["endpoint"] for r in records] == ["accounts.importFullAccount", "accounts.login",
                                                "accounts.deleteAccount", "accounts.deleteAccount"]
    assert [r["errCode"] for r in records] == ["0", "403042", "0", "403005"]
    assert [r.get("uid") for r in records] == ["u1", "u1", "u1", "u1"]
    for record in records:
        assert {"@timestamp", "callID", "params", "apiKey"} <= set(record)
        text = str(record)
        assert "bW9jay1naWd5YS1zZWNyZXQ=" not in text and "W6ph5Mm5" not in text and "wrong" not in text
        assert "secret" not in record["params"] and "password" not in record["params"]
    assert records[1]["params"]["loginID"] == "a@example.com"


def test_audit_search_finds_deletions_and_failures(call, clock):
    for uid in ("a", "b", "c"):
        call("accounts.importFullAccount", UID=uid)
    clock.now += 60
    call("accounts.deleteAccount", UID="b")
    call("accounts.getAccountInfo", UID="zzz")
    deletions = call("audit.search", query='SELECT * FROM auditLog WHERE endpoint in ("accounts.deleteAccount", '
                                           '"accounts.deleteLiteAccount") AND errCode = "0"')
    assert [r["uid"] for r in deletions["results"]] == ["b"]
    failures = call("audit.search", query="SELECT * FROM auditLog WHERE errCode != 0 ORDER BY @timestamp DESC")
    assert [r["endpoint"] for r in failures["results"]][0] == "accounts.getAccountInfo"
    recent = call("audit.search", query='SELECT * FROM auditLog WHERE @timestamp > "2023-11-14T22:13:30Z"')
    assert {r["endpoint"] for r in recent["results"]} == {"accounts.deleteAccount", "accounts.getAccountInfo", "audit.search"}
    by_param = call("audit.search", query='SELECT * FROM auditLog WHERE params.UID = "zzz"')
    assert by_param["totalCount"] == 1


def test_audit_search_paging_and_restrictions(call):
    for i in range(12):
        call("accounts.importFullAccount", UID=f"u{i}")
    first = call("audit.search", query='SELECT * FROM auditLog WHERE endpoint = "accounts.importFullAccount" LIMIT 5',
                 openCursor=True)
    seen = [r["uid"] for r in first["results"]]
    cursor = first.get("nextCursorId")
    while cursor:
        page = call("audit.search", cursorId=cursor)
        seen += [r["uid"] for r in page["results"]]
        cursor = page.get("nextCursorId")
    assert seen == [f"u{i}" for i in range(12)]
    assert call("audit.search", query="SELECT endpoint FROM auditLog")["errorCode"] == 400006
    assert call("audit.search", query="SELECT * FROM accounts")["errorCode"] == 400006


def test_audit_is_per_site(backend, call):
    backend.add_site("3_other")
    call("accounts.importFullAccount", UID="u1")
    other = {"apiKey": "3_other", "userKey": "AMockUserKey", "secret": "bW9jay1naWd5YS1zZWNyZXQ="}
    assert call("audit.search", _creds=other, query="SELECT * FROM auditLog")["totalCount"] == 0


def query_signature(query: str, exp_ms: int, secret: str) -> str:
    """base64(HMAC-SHA1(base64-decoded secret, "<query>_<expTime>")), by hand (gigya-api.md section 2.3)."""
    mac = hmac.new(base64.b64decode(secret), f"{query}_{exp_ms}".encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def test_client_side_search_with_query_signature(call, people, clock):
    query = 'SELECT UID FROM accounts WHERE data.tier = "gold"'
    exp = int(clock() * 1000) + 60_000
    sig = query_signature(query, exp, "bW9jay1naWd5YS1zZWNyZXQ=")
    anon = {"apiKey": API_KEY}
    body = call("accounts.search", _creds=anon, query=query, querySig=sig, expTime=exp)
    assert body["errorCode"] == 0 and body["totalCount"] == 5
    assert call("accounts.search", _creds=anon, query=query + " LIMIT 1", querySig=sig, expTime=exp)["errorCode"] == 403003
    old = int(clock() * 1000) - 1
    assert call("accounts.search", _creds=anon, query=query, expTime=old,
                querySig=query_signature(query, old, "bW9jay1naWd5YS1zZWNyZXQ="))["errorCode"] == 403002
    assert call("accounts.search", _creds=anon, query=query)["errorCode"] == 403007


def test_expired_cursors_are_forgotten(backend, call, people, clock):
    first = call("accounts.search", query="SELECT UID FROM accounts ORDER BY profile.age LIMIT 5", openCursor=True)
    assert backend.store._query("SELECT count(*) FROM cursor_rows")[0][0] == 25
    clock.now += 3 * 3600
    call("accounts.search", query="SELECT UID FROM accounts ORDER BY profile.age LIMIT 30", openCursor=True)
    assert backend.store._query("SELECT count(*) FROM cursor_rows")[0][0] == 25  # only the new cursor's rows
    assert call("accounts.search", cursorId=first["nextCursorId"])["errorCode"] == 400006


@pytest.mark.parametrize("where", [
    'data.tier = "gold"',
    'data.tags = "café \\"quoted\\""',
    'data.tags in ("x", "café \\"quoted\\"")',
    'data.tier = "gold" AND profile.age > 30',
    'data.tier = "gold" OR profile.age > 40',
    'profile.email = "user03@example.com"',
    'UID = "uid04" AND data.tier = "basic"',
    'created = "2020-09-13T12:26:40.000Z"',
])
def test_sql_prefilters_never_change_results(backend, call, people, where):
    from mock_gigya.query import parse_query

    backend.seed_account(API_KEY, UID="special", data={"tags": ["café \"quoted\"", "y"], "tier": "gold"})
    query = parse_query(f"SELECT * FROM accounts WHERE {where}")
    expected = [a["UID"] for a in backend.accounts(API_KEY).all() if query.matches(a)]
    body = call("accounts.search", query=f"SELECT UID FROM accounts WHERE {where} LIMIT 100")
    assert [r["UID"] for r in body["results"]] == expected and body["totalCount"] == len(expected)
