"""accounts.search pushdown: SQL narrowing (indexed equality, timestamp ranges, AND/OR) never changes a
result. A differential test runs every query twice on the same data, once with pushdown and once with
the narrowing switched off (pure Python evaluation of every row), and compares whole responses."""

from __future__ import annotations

import contextlib
import random
import sqlite3

import pytest

from mock_gigya import api
from mock_gigya.backend import Backend
from mock_gigya.search import _Filter
from mock_gigya.query import Query
from mock_gigya.store import SCHEMA_VERSION, Store

from .conftest import CREDS

API_KEY = "3_mock_site"
BASE_MS = 1_600_000_000_000


# ---------------------------------------------------------------- data


def _swap_case(text: str) -> str:
    return text.swapcase() if text.swapcase() != text else text.upper() + "X"


def _people(backend: Backend, fake, n: int, *, odd: bool) -> dict[str, list]:
    """``n`` faker accounts with the shapes that matter to equality: several emails per account, mixed
    case, usernames that look like numbers or dates, profile.email differing from the login email,
    verified/unverified lists, booleans stored as strings. With ``odd``, a few accounts (inserted raw)
    hold timestamps that are ISO strings or lists, which the SQL columns cannot compare.
    Returns the pool of values per field, to build queries that hit."""
    rng = random.Random(7)
    taken: set[str] = set()
    pool: dict[str, list] = {}

    def unique(make) -> str:
        while True:
            value = make()
            if value.lower() not in taken:
                taken.add(value.lower())
                return value

    def remember(field: str, *values) -> None:
        pool.setdefault(field, []).extend(v for v in values if v is not None)

    for i in range(n):
        emails = [unique(fake.email) for _ in range(rng.choice((1, 1, 1, 2, 3)))]
        if rng.random() < 0.3:
            emails[0] = emails[0][0].upper() + emails[0][1:]  # stored with a capital: = is case-sensitive
        unverified = [unique(fake.email)] if rng.random() < 0.2 else []
        username = None
        if rng.random() < 0.4:
            username = unique(rng.choice((fake.user_name, lambda: str(rng.randint(1000, 99999)),
                                          lambda: fake.date(), lambda: fake.user_name().title())))
        login_ids = {"emails": emails, "unverifiedEmails": unverified}
        if username:
            login_ids["username"] = username
        profile_email = rng.choice((emails[0], emails[0].lower(), fake.email(), None))
        profile = {"firstName": fake.first_name(), "email": profile_email}
        if rng.random() < 0.2:
            profile["username"] = rng.choice((username or fake.user_name(), ""))
        fields = {
            "UID": rng.choice((fake.uuid4().replace("-", ""), f"{i:06d}", f"uid-{i}")),
            "loginIDs": login_ids,
            "emails": {"verified": emails[: rng.randint(0, len(emails))], "unverified": unverified},
            "profile": {k: v for k, v in profile.items() if v is not None},
            "data": {"tier": rng.choice(("gold", "basic", "Gold")),
                     "deleteUser": rng.choice((True, False, "true", None))},
            "isActive": rng.random() < 0.8,
            "created": BASE_MS + i * 1000,
            "lastUpdated": BASE_MS + rng.randint(0, n) * 1000,
        }
        if rng.random() < 0.3:
            fields["password"] = "Secret-123"
        backend.seed_account(API_KEY, **fields)
        remember("UID", fields["UID"])
        remember("loginIDs.emails", *emails)
        remember("loginIDs.unverifiedEmails", *unverified)
        remember("loginIDs.username", username)
        remember("emails.verified", *fields["emails"]["verified"])
        remember("profile.email", profile_email)
        remember("profile.username", profile.get("username"))
        remember("data.tier", fields["data"]["tier"])
        remember("lastUpdatedTimestamp", fields["lastUpdated"])
        remember("createdTimestamp", fields["created"])
    for uid, username in (("date-name", "2019-04-01"), ("number-name", "31337")):
        backend.seed_account(API_KEY, UID=uid, loginIDs={"emails": [f"{uid}@example.com"], "username": username},
                             profile={"username": username})
        remember("loginIDs.username", username)
    if odd:
        raw = [
            {"UID": "odd-iso", "loginIDs": {"emails": ["odd.iso@example.com"]},
             "lastUpdatedTimestamp": "2020-09-13T12:26:45Z", "createdTimestamp": "1600000000500"},
            {"UID": "odd-list", "loginIDs": {"emails": ["odd.list@example.com"]},
             "lastUpdatedTimestamp": [BASE_MS + 5000, BASE_MS + 9_000_000], "createdTimestamp": True},
            {"UID": "odd-number", "loginIDs": {"emails": ["odd.number@example.com"]},
             "profile": {"username": 4242, "email": ["odd.number@example.com", 7]}},
        ]
        backend.bulk_seed(API_KEY, raw)
        remember("loginIDs.emails", "odd.iso@example.com", "odd.list@example.com", "odd.number@example.com")
        remember("profile.username", "4242")
        remember("UID", "odd-iso", "odd-list", "odd-number")
    return pool


# ---------------------------------------------------------------- queries


def _quote(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


_TEXT_FIELDS = ("UID", "loginIDs.emails", "loginIDs.unverifiedEmails", "loginIDs.username", "emails.verified",
                "emails.unverified", "profile.email", "profile.username", "data.tier")
_NUMBER_FIELDS = ("lastUpdatedTimestamp", "createdTimestamp")


def _text_value(rng: random.Random, pool: dict, field: str):
    values = pool.get(field) or ["nobody@example.com"]
    value = rng.choice(values)
    roll = rng.random()
    if roll < 0.55:
        return value
    if roll < 0.75:
        return _swap_case(str(value))
    # strings the evaluator compares as numbers or dates: an index lookup must not answer these
    return rng.choice(("missing@example.com", "", "12345", "4242.0", "2020-01-01", str(value) + "T00:00:00Z",
                       str(value) + " "))


def _leaf(rng: random.Random, pool: dict) -> str:
    if rng.random() < 0.3:
        field = rng.choice(_NUMBER_FIELDS)
        number = rng.choice(pool[field]) + rng.choice((-1, 0, 0, 1))
        op = rng.choice(("=", ">", ">=", "<", "<=", "!=", "in"))
        if op == "in":
            return f"{field} IN ({number}, {rng.choice(pool[field])})"
        return f"{field} {op} {number}"
    field = rng.choice(_TEXT_FIELDS)
    shape = rng.random()
    if shape < 0.55:
        return f"{field} = {_quote(_text_value(rng, pool, field))}"
    if shape < 0.7:
        return f"{field} IN ({_quote(_text_value(rng, pool, field))}, {_quote(_text_value(rng, pool, field))})"
    if shape < 0.8:
        return f"{field} != {_quote(_text_value(rng, pool, field))}"
    if shape < 0.87:
        return f"{field} contains {_quote(_text_value(rng, pool, field))}"
    if shape < 0.93:
        return f"{field} is {rng.choice(('null', 'not null'))}"
    return rng.choice(("isActive = false", "data.deleteUser = true", 'data.deleteUser = "true"'))


def _where(rng: random.Random, pool: dict, depth: int = 0) -> str:
    roll = rng.random()
    if depth >= 2 or roll < 0.4:
        return _leaf(rng, pool)
    if roll < 0.5:
        return f"NOT ({_where(rng, pool, depth + 1)})"
    joiner = rng.choice((" AND ", " OR "))
    return "(" + joiner.join(_where(rng, pool, depth + 1) for _ in range(rng.randint(2, 3))) + ")"


FIXED_QUERIES = [
    # the import flow's existence check, and the other shapes the flows send (status, copy, export)
    'SELECT UID FROM accounts WHERE loginIDs.emails = "{email}" LIMIT 2',
    'SELECT UID FROM accounts WHERE loginIDs.emails = "{email_swapped}" LIMIT 2',
    'SELECT * FROM accounts WHERE UID = "{uid}"',
    'SELECT UID FROM accounts WHERE loginIDs.username = "{username}"',
    'SELECT UID FROM accounts WHERE emails.verified = "{email}" OR emails.unverified = "{email}"',
    'SELECT UID FROM accounts WHERE profile.email = "{email}"',
    'SELECT UID FROM accounts WHERE loginIDs.emails = "{email}" AND isActive = true',
    'SELECT UID FROM accounts WHERE loginIDs.emails IN ("{email}", "{email_swapped}", "odd.iso@example.com")',
    "SELECT count(*) FROM accounts",
    "SELECT * FROM accounts LIMIT 10",
    "SELECT * FROM accounts START 7 LIMIT 5",
    "SELECT UID FROM accounts WHERE lastUpdatedTimestamp > {mid}",
    "SELECT count(*) FROM accounts WHERE lastUpdatedTimestamp > {mid}",
    "SELECT count(*) FROM accounts WHERE createdTimestamp >= {mid} AND createdTimestamp < {late}",
    "SELECT count(*) FROM accounts GROUP BY password.hashSettings.algorithm",
    "SELECT UID FROM accounts WHERE isActive = false AND data.deleteUser = true",
    'SELECT count(*) FROM accounts WHERE loginIDs.emails = "{email}" OR lastUpdatedTimestamp < {mid}',
    'SELECT UID FROM accounts WHERE NOT loginIDs.emails = "{email}" START 3 LIMIT 4',
    'SELECT UID FROM accounts WHERE UID IN ("{uid}", "nope") ORDER BY lastUpdatedTimestamp DESC',
    # constants the evaluator compares as dates or numbers: equal to differently spelled values
    'SELECT UID FROM accounts WHERE loginIDs.username = "2019-04-01T00:00:00Z"',
    'SELECT UID FROM accounts WHERE profile.username IN ("2019-04-01", "31337.0")',
    'SELECT UID FROM accounts WHERE profile.username = "4242.0" OR profile.email = "7"',
]


@contextlib.contextmanager
def _pure_python(backend: Backend):
    """Switch the SQL narrowing off: every row of the site reaches the Python evaluator."""
    backend.searcher._filter = lambda table, api_key, query: _Filter()
    try:
        yield
    finally:
        del backend.searcher._filter


def _search(backend: Backend, **params) -> dict:
    status, body = api.handle(backend, "accounts.search", {**CREDS, **params})
    assert status == 200
    return {k: v for k, v in body.items() if k not in ("callId", "time")}  # differ on every call


def _all_pages(backend: Backend, query: str) -> tuple[list, list]:
    """Every result through openCursor/cursorId, and the totalCount of each page."""
    body = _search(backend, query=query, openCursor="true")
    results, totals = list(body.get("results", [body])), [body.get("totalCount")]
    while "nextCursorId" in body:
        body = _search(backend, cursorId=body["nextCursorId"])
        results += body["results"]
        totals.append(body["totalCount"])
    return results, totals


def _compare(backend: Backend, query: str) -> dict:
    pushed = _search(backend, query=query)
    with _pure_python(backend):
        pure = _search(backend, query=query)
    assert pushed == pure, query
    return pushed


@pytest.mark.parametrize("odd", [False, True], ids=["numeric-timestamps", "odd-timestamps"])
def test_pushdown_matches_pure_python_evaluation(backend, fake, odd):
    pool = _people(backend, fake, 160, odd=odd)
    rng = random.Random(11 if odd else 5)
    stamps = sorted(pool["lastUpdatedTimestamp"])
    hits = 0
    for template in FIXED_QUERIES * 3:
        email = rng.choice(pool["loginIDs.emails"])
        text = template.format(
            email=email, email_swapped=_swap_case(email), uid=rng.choice(pool["UID"]),
            username=rng.choice(pool["loginIDs.username"]), mid=stamps[len(stamps) // 2],
            late=stamps[-len(stamps) // 5],
        )
        body = _compare(backend, text)
        hits += body["errorCode"] == 0 and body["totalCount"] > 0
    for _ in range(250):
        where = _where(rng, pool)
        select = rng.choice(("SELECT UID, loginIDs", "SELECT *", "SELECT count(*)"))
        paging = rng.choice(("", " LIMIT 5", " START 2 LIMIT 3", " LIMIT 1000"))
        body = _compare(backend, f"{select} FROM accounts WHERE {where}{'' if 'count' in select else paging}")
        assert body["errorCode"] in (0, 400006), body
        hits += body["errorCode"] == 0 and body["totalCount"] > 0
    assert hits > 100  # the table exercises matches, not just empty results


@pytest.mark.parametrize("odd", [False, True], ids=["numeric-timestamps", "odd-timestamps"])
def test_cursor_paging_with_pushdown_matches_pure_python(backend, fake, odd):
    pool = _people(backend, fake, 120, odd=odd)
    emails = pool["loginIDs.emails"][:9]
    queries = [
        "SELECT UID FROM accounts WHERE loginIDs.emails IN (" + ", ".join(_quote(e) for e in emails) + ") LIMIT 2",
        f"SELECT UID FROM accounts WHERE lastUpdatedTimestamp > {BASE_MS + 30_000} LIMIT 7",
        f'SELECT UID FROM accounts WHERE profile.email = {_quote(emails[0])} OR createdTimestamp < {BASE_MS + 9000} LIMIT 3',
        "SELECT UID FROM accounts WHERE UID IN (" + ", ".join(_quote(u) for u in pool["UID"][::10]) + ") LIMIT 4",
    ]
    for query in queries:
        pushed = _all_pages(backend, query)
        with _pure_python(backend):
            pure = _all_pages(backend, query)
        assert pushed == pure, query
        assert pushed[0], query


def test_many_candidates_walk_the_site_with_the_same_results(backend, fake, monkeypatch):
    """Above _AMONG_MAX candidates SQLite walks rows in seq order instead of starting from the UIDs."""
    monkeypatch.setattr("mock_gigya.search._AMONG_MAX", 2)
    pool = _people(backend, fake, 60, odd=False)
    emails = pool["loginIDs.emails"][:6]
    listed = ", ".join(_quote(e) for e in emails)
    for query in (f"SELECT UID FROM accounts WHERE loginIDs.emails IN ({listed}) LIMIT 2",
                  f'SELECT UID FROM accounts WHERE loginIDs.emails IN ({listed}) OR UID = "{pool["UID"][9]}" LIMIT 3',
                  f"SELECT UID FROM accounts WHERE emails.verified IN ({listed}) AND isActive = true LIMIT 2"):
        pushed = _all_pages(backend, query)
        with _pure_python(backend):
            pure = _all_pages(backend, query)
        assert pushed == pure and pushed[0], query
    narrowed = backend.searcher._filter("accounts", API_KEY, backend.searcher._parse("accounts", f"SELECT * FROM accounts WHERE "
                                                                               f"loginIDs.emails IN ({listed})"))
    assert narrowed.exact and narrowed.among is None


# ---------------------------------------------------------------- the narrowing really happens


@pytest.fixture
def evaluated(monkeypatch):
    """Counts the rows the Python WHERE evaluator sees."""
    seen = {"rows": 0}
    original = Query.matches

    def counting(self, doc):
        seen["rows"] += 1
        return original(self, doc)

    monkeypatch.setattr(Query, "matches", counting)
    return seen


def test_email_lookup_reads_only_the_matching_account(backend, fake, evaluated):
    _people(backend, fake, 200, odd=False)
    target = backend.accounts(API_KEY).all()[57]
    email = target["loginIDs"]["emails"][0]
    body = _search(backend, query=f'SELECT UID FROM accounts WHERE loginIDs.emails = "{email}" LIMIT 2')
    assert [r["UID"] for r in body["results"]] == [target["UID"]] and body["totalCount"] == 1
    assert evaluated["rows"] == 1
    evaluated["rows"] = 0
    body = _search(backend, query=f'SELECT UID FROM accounts WHERE loginIDs.emails = "{_swap_case(email)}"')
    assert body["results"] == [] and body["totalCount"] == 0 and evaluated["rows"] == 0


def test_counts_answer_without_reading_accounts(backend, fake, evaluated):
    _people(backend, fake, 150, odd=False)
    uids = [a["UID"] for a in backend.accounts(API_KEY).all()]  # read directly, not through search
    assert _search(backend, query="SELECT count(*) FROM accounts")["results"] == [{"count(*)": len(uids)}]
    page = _search(backend, query="SELECT * FROM accounts START 20 LIMIT 10")
    assert page["totalCount"] == len(uids) == 152 and [r["UID"] for r in page["results"]] == uids[20:30]
    assert evaluated["rows"] == 10  # only the page's rows were read; the total came from SQL
    evaluated["rows"] = 0
    body = _search(backend, query=f'SELECT count(*) FROM accounts WHERE UID = "{uids[3]}" OR UID = "{uids[140]}"')
    assert body["results"] == [{"count(*)": 2}] and evaluated["rows"] == 0


def test_odd_timestamps_fall_back_to_python(backend, evaluated):
    backend.bulk_seed(API_KEY, [
        {"UID": "n1", "loginIDs": {"emails": ["n1@example.com"]}, "lastUpdatedTimestamp": BASE_MS},
        {"UID": "s1", "loginIDs": {"emails": ["s1@example.com"]}, "lastUpdatedTimestamp": "2030-01-01T00:00:00Z"},
    ])
    body = _search(backend, query=f"SELECT UID FROM accounts WHERE lastUpdatedTimestamp > {BASE_MS}")
    assert [r["UID"] for r in body["results"]] == ["s1"]  # the ISO string compares as a date (Python)
    assert evaluated["rows"] == 1  # n1 stayed in SQL; only the account SQL cannot judge reached Python


def test_updates_and_deletes_keep_the_index_current(backend, call):
    call("accounts.importFullAccount", UID="u1", loginIDs={"emails": ["Old@Example.com"]},
         profile={"email": "Old@Example.com"})
    assert _search(backend, query='SELECT UID FROM accounts WHERE loginIDs.emails = "Old@Example.com"')["totalCount"] == 1
    call("accounts.setAccountInfo", UID="u1", removeLoginEmails="Old@Example.com", addLoginEmails="new@example.com")
    gone = _search(backend, query='SELECT UID FROM accounts WHERE loginIDs.emails = "Old@Example.com"')
    found = _search(backend, query='SELECT UID FROM accounts WHERE loginIDs.emails = "new@example.com"')
    assert gone["totalCount"] == 0 and [r["UID"] for r in found["results"]] == ["u1"]
    call("accounts.deleteAccount", UID="u1")
    assert _search(backend, query='SELECT count(*) FROM accounts WHERE profile.email = "Old@Example.com"')[
        "results"] == [{"count(*)": 0}]


# ---------------------------------------------------------------- a file made by the previous schema


def _downgrade(path: str) -> None:
    """Make ``path`` look like a file written before schema version 1: no index table, version 0, and
    timestamp columns holding whatever the JSON held."""
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE account_values")
    conn.execute("UPDATE accounts SET updated_ts = '2030-01-01T00:00:00Z' WHERE uid = 's1'")
    conn.execute("PRAGMA user_version = 0")
    conn.commit()
    conn.close()


def test_a_file_from_the_previous_schema_is_indexed_at_open(tmp_path):
    path = str(tmp_path / "mock.db")
    first = Backend(path)
    first.add_default_site()
    first.seed_account(API_KEY, UID="a1", loginIDs={"emails": ["Ann@example.com"], "username": "ann"})
    first.bulk_seed(API_KEY, [{"UID": "s1", "loginIDs": {"emails": ["s1@example.com"]},
                               "lastUpdatedTimestamp": "2030-01-01T00:00:00Z"}])
    first.close()
    _downgrade(path)

    second = Backend(path)
    try:
        assert second.store._conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        lookup = _search(second, query='SELECT UID FROM accounts WHERE loginIDs.emails = "Ann@example.com"')
        assert [r["UID"] for r in lookup["results"]] == ["a1"]
        assert _search(second, query='SELECT UID FROM accounts WHERE loginIDs.username = "ann"')["totalCount"] == 1
        later = _search(second, query=f"SELECT UID FROM accounts WHERE lastUpdatedTimestamp > {BASE_MS}")
        assert [r["UID"] for r in later["results"]] == ["a1", "s1"]  # the string column was cleared at open
    finally:
        second.close()
    again = Store(path)  # reopening an upgraded file changes nothing
    try:
        assert again._conn.execute("SELECT count(*) FROM account_values WHERE uid = 'a1'").fetchone()[0] == 2
    finally:
        again.close()
