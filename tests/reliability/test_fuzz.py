"""Hypothesis fuzz tests with a per-case deadline: the query language, every mock method's
parameters, the hashing API and the readers. Each input answers a result or a clear refusal (a Gigya
error code other than 500001, HashSettingsError, a BadRecord / ValueError), never a crash or a hang."""

from __future__ import annotations

import json
import string
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gigya_migrate.hashing import HashSettingsError, UnsupportedHash, to_gigya_password, verify_password
from gigya_migrate.hashing.password import validate_password_object
from mock_gigya import api, defaults
from mock_gigya.backend import Backend
from mock_gigya.control import MockControl

DEADLINE = timedelta(seconds=3)  # per case: a slower answer is a failure (a hang would be found here)
FUZZ = settings(deadline=DEADLINE, max_examples=120, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
CREDS = {"apiKey": defaults.DEFAULT_API_KEY, "userKey": defaults.DEFAULT_USER_KEY, "secret": defaults.DEFAULT_SECRET}

# characters chosen to hurt: quotes, escapes, brackets, regex metacharacters, control characters, non-ASCII
NASTY = st.text(alphabet=st.sampled_from(list(string.printable) + ["\x00", "\x1b", "\u00e9", "\u202e", "\ud7ff",
                                                                   "\\", "'", '"', "(", ")", "[", "]", "*", "|"]),
                max_size=40)


@pytest.fixture(scope="module")
def backend():
    control = MockControl(Backend())  # the default site and key
    control.seed(defaults.DEFAULT_API_KEY, 15, seed=3)
    return control.backend


# -- the query language ------------------------------------------------------------------------------------

FIELDS = st.sampled_from(["UID", "profile.email", "profile.firstName", "data.x", "data.a.b[0]", "created",
                          "lastUpdatedTimestamp", "isActive", "loginIDs.emails", "password.hash", "x"])
VALUES = st.one_of(st.integers(-10**12, 10**12).map(str), NASTY.map(json.dumps), st.sampled_from(
    ["true", "false", "null", "'it''s'", '"2024-01-01T00:00:00Z"', "1e309", "-0", '"\\u0000"']))
OPS = st.sampled_from(["=", "!=", "<", ">=", "<>", "contains", "not contains", "is null", "is not null", "in",
                       "regex", "not regex"])


@st.composite
def conditions(draw, depth=0):
    if depth < 3 and draw(st.booleans()):
        joiner = draw(st.sampled_from([" AND ", " OR ", " && ", " || "]))
        parts = draw(st.lists(conditions(depth + 1), min_size=2, max_size=4))
        text = joiner.join(parts)
        return f"NOT ({text})" if draw(st.booleans()) else f"({text})"
    field, op = draw(FIELDS), draw(OPS)
    if op.startswith("is"):
        return f"{field} {op}"
    if op == "in":
        return f"{field} in ({', '.join(draw(st.lists(VALUES, min_size=1, max_size=5)))})"
    if op.endswith("regex"):
        pattern = draw(st.sampled_from(["(a|a)*b", ".*", "[", "(?=x)", "a{1000}{1000}", "\\\\d+", "é+"]) | NASTY)
        return f"{field} {op} {json.dumps(pattern)}"
    return f"{field} {op} {draw(VALUES)}"


QUERIES = st.one_of(
    st.builds(lambda s, w, t: f"SELECT {s} FROM accounts{w}{t}",
              st.sampled_from(["*", "UID, profile.email", "count(*)", "sum(data.n)", "UID AS u"]),
              st.one_of(st.just(""), conditions().map(lambda c: f" WHERE {c}")),
              st.sampled_from(["", " ORDER BY UID DESC", " LIMIT 3", " START 2 LIMIT 1", " GROUP BY data.x",
                               " LIMIT 99999999999999999999", " ORDER BY profile.email"])),
    NASTY,
)


def _answer(backend, method, **params) -> dict:
    status, body = api.handle(backend, method, {**CREDS, **params})
    assert isinstance(body.get("errorCode"), int)
    assert body["errorCode"] != 500001, (method, params, body)
    return body


@FUZZ
@given(query=QUERIES)
def test_any_query_answers_a_result_or_400006(backend, query):
    body = _answer(backend, "accounts.search", query=query)
    assert body["errorCode"] in (0, 400006, 400002), body


@FUZZ
@given(query=QUERIES.map(lambda q: q.replace("FROM accounts", "FROM auditLog").replace("UID, profile.email", "*")))
def test_any_audit_query_answers_a_result_or_400006(backend, query):
    body = _answer(backend, "audit.search", query=query)
    assert body["errorCode"] in (0, 400006, 400002), body


# -- every mock method's parameters ------------------------------------------------------------------------

PARAM_VALUES = st.one_of(
    NASTY,
    st.integers(-2**63, 2**63).map(str),
    st.sampled_from(["true", "false", "null", "{}", "[]", "{", '{"emails": ["a@example.com"]}', "[1, {}]",
                     '{"hashedPassword": "x", "hashSettings": {"algorithm": "bcrypt", "rounds": 99999999}}',
                     '{"compoundHashedPassword": "$2b$31$' + "a" * 53 + '"}', '{"a": ' * 200 + "1" + "}" * 200]),
    st.dictionaries(NASTY, st.one_of(NASTY, st.integers(), st.booleans(), st.none()), max_size=3).map(json.dumps),
)


@st.composite
def method_calls(draw):
    method = draw(st.sampled_from(sorted(api.DISPATCH)))
    declared = [p.name for p in api.DISPATCH[method].params]
    names = draw(st.lists(st.sampled_from(declared), unique=True, max_size=len(declared))) if declared else []
    return method, {name: draw(PARAM_VALUES) for name in names}


@FUZZ
@given(call=method_calls())
def test_every_method_answers_random_parameters_without_500001(backend, call):
    method, params = call
    _answer(backend, method, **params)


# -- the hashing API ---------------------------------------------------------------------------------------

STORED = st.one_of(
    NASTY,
    st.sampled_from(["$2b$31$" + "a" * 53, "$2y$04$" + "a" * 53, "$S$Z" + "a" * 51, "$P$B" + "a" * 30, "$1$x$" + "a" * 22,
                     "pbkdf2_sha256$999999999$salt$aGFzaA==", "{x-issha, 1024}AAAA", "{SSHA}AAAA", "sha1$$x",
                     "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", "5f4dcc3b5aa765d61d8327deb882cf99"]),
)
SCHEMES = st.one_of(st.none(), st.sampled_from(["md5", "sha1", "sha256($salt$password)", "sap_abap", "pbkdf2",
                                                "symphony2", "bcrypt", "nope", "md5_double_salted"]), NASTY)


@FUZZ
@given(stored=STORED, scheme=SCHEMES, salt=st.one_of(st.none(), NASTY),
       rounds=st.one_of(st.none(), st.integers(-5, 2**40)))
def test_to_gigya_password_answers_an_object_or_a_clear_refusal(stored, scheme, salt, rounds):
    try:
        password = to_gigya_password(stored, scheme=scheme, salt=salt, rounds=rounds)
    except (HashSettingsError, UnsupportedHash) as refused:
        assert str(refused)
        return
    assert isinstance(password, dict)


@FUZZ
@given(password=NASTY, stored=STORED, settings_=st.one_of(st.none(), st.dictionaries(
    st.sampled_from(["algorithm", "rounds", "salt", "format", "binaryFormat"]),
    st.one_of(NASTY, st.integers(-5, 2**40), st.sampled_from(["bcrypt", "pbkdf2", "drupal", "md5", "sap_abap"])),
    max_size=4)))
def test_verify_and_validate_answer_or_refuse(password, stored, settings_):
    try:
        assert verify_password(password, stored, settings_) in (True, False)
    except HashSettingsError:
        pass
    try:
        validate_password_object({"hashedPassword": stored, **({"hashSettings": settings_} if settings_ else {})})
    except HashSettingsError:
        pass


# -- the readers -------------------------------------------------------------------------------------------

@FUZZ
@given(data=st.binary(max_size=400) | NASTY.map(str.encode), fmt=st.sampled_from(["csv", "tsv", "jsonl", "json"]),
       header=st.booleans())
def test_readers_yield_records_or_error_records(tmp_path_factory, data, fmt, header):
    from gigya_migrate.flows.runner import BadRecord
    from gigya_migrate.flows.steps import InputError, read_records

    path = tmp_path_factory.mktemp("fuzz") / f"input.{fmt}"
    path.write_bytes((b"email,name\n" if header and fmt in ("csv", "tsv") else b"") + data)
    try:
        for record in read_records(path):
            assert isinstance(record, (dict, BadRecord))
    except (InputError, ValueError):
        pass  # a file-level refusal with a message (empty header, not JSON records...)
