"""The query language on its own (parse + evaluate) and through accounts.search."""

from __future__ import annotations

import pytest

from mock_gigya.errors import MockGigyaError
from mock_gigya.query import parse_query, resolve, to_millis

DOC = {
    "UID": "u1",
    "created": "2020-03-01T10:00:00.000Z",
    "createdTimestamp": 1583056800000,
    "isActive": True,
    "profile": {"email": "Ann.Lee@Example.com", "firstName": "Ann", "age": 34, "zip": "0150"},
    "data": {"notes": "likes big_dogs and cats", "tags": ["vip", "beta"], "x": {"y": 3, "z": None},
             "orders": [{"sku": "A1", "qty": 2}, {"sku": "B7", "qty": 5}]},
    "identities": [{"provider": "facebook"}, {"provider": "google"}],
}


@pytest.mark.parametrize(
    "where, expected",
    [
        ('profile.firstName = "Ann"', True),
        ('profile.firstName = "ann"', False),  # = is case-sensitive
        ("profile.firstName = 'Ann'", True),
        ('profile.firstName != "Ann"', False),
        ('profile.missing != "x"', True),
        ("profile.age > 30", True),
        ("profile.age >= 34 AND profile.age <= 34", True),
        ("profile.age < 34", False),
        ('profile.zip = 150', True),  # numeric string vs number
        ("isActive = true", True),
        ("isActive = false", False),
        ('created > "2020-01-01"', True),
        ('created < "2020-03-01T09:59:59Z"', False),
        ("created >= 1583056800000", True),
        ('createdTimestamp < "2020-03-02T00:00:00Z"', True),
        ('data.notes contains "big"', True),
        ('data.notes contains "dogs"', True),
        ('data.notes contains "dog"', False),  # word-level: parts of words do not match
        ('data.notes contains "big_dogs"', True),
        ('data.notes contains "cats and"', False),
        ('data.notes not contains "horses"', True),
        ('data.tags contains "vip"', True),
        ('data.tags = "beta"', True),
        ('data.tags in ("alpha", "beta")', True),
        ('data.tags not in ("alpha")', True),
        ('profile.firstName in ("Bob", "Eve")', False),
        ("data.x.z is null", True),
        ("data.x.y is null", False),
        ("data.nothing is null", True),
        ("data.x.y is not null", True),
        ("data.x.y = null", False),
        ('data.orders.sku = "B7"', True),
        ("data.orders.qty > 4", True),
        ("data.orders[0].qty > 4", False),
        ('identities.provider = "google"', True),
        ('profile.firstName regex ("A.n")', True),
        ("profile.firstName regex ('An')", False),  # anchored to the whole value
        ('profile.firstName regex ("[A-Z][a-z]+")', True),
        ('profile.email = "ann.lee@example.com"', False),
        ('profile.email contains "ANN.LEE@EXAMPLE.COM"', True),  # encrypted: whole value, case-insensitive
        ('profile.email contains "Example"', False),
        ('NOT profile.firstName = "Ann"', False),
        ('! profile.firstName = "Bob"', True),
        ('profile.firstName = "Bob" OR profile.age = 34 AND isActive = true', True),
        ('(profile.firstName = "Bob" OR profile.age = 34) AND isActive = false', False),
        ('profile.firstName = "Bob" OR (profile.age = 34 AND NOT data.tags = "vip")', False),
        ('profile.firstName = "Ann" && data.x.y = 3 || UID = "zz"', True),
    ],
)
def test_where(where, expected):
    assert parse_query(f"select * from accounts where {where}").matches(DOC) is expected


@pytest.mark.parametrize(
    "text, needles",
    [
        ("select * from accounts where", ["position 28", "a field name"]),
        ("SELECT * FORM accounts", ["FORM", "FROM"]),
        ("select * from accounts where a = ", ["end of query", "a quoted string"]),
        ("select * from accounts limit 5 order by x", ["'order'", "end of query"]),
        ("select * from accounts where (a = 1", ["position 35", "unexpected end of query", "expected one of: )"]),
        ("select * from accounts where a = \"x", ["position 33", "unexpected '\"'"]),
        ("select * from accounts having a = 1", ["having"]),
        ("select * from people", ["FROM people"]),
        ("select * from accounts where profile.email > \"a\"", ["encrypted"]),
        ("select * from accounts where loginIDs.emails regex ('a.*')", ["encrypted"]),
        ("select * from accounts order by profile.email", ["encrypted"]),
        ("select * from accounts where a regex ('(')", ["invalid regex"]),
        ("select profile.age, count(*) from accounts", ["GROUP BY"]),
    ],
)
def test_query_errors_are_400006_with_position(text, needles):
    with pytest.raises(MockGigyaError) as info:
        parse_query(text)
    assert info.value.code == 400006
    for needle in needles:
        assert needle in info.value.details


def test_projection_alias_and_subtrees():
    q = parse_query("SELECT profile.firstName AS contactName, data.x, data.orders.sku, UID FROM accounts")
    assert q.project(DOC) == {
        "profile": {"contactName": "Ann"},
        "data": {"x": {"y": 3, "z": None}, "orders": [{"sku": "A1"}, {"sku": "B7"}]},
        "UID": "u1",
    }
    assert parse_query("select profile from accounts").project(DOC) == {"profile": DOC["profile"]}
    assert parse_query("select profile.missing, UID from accounts").project(DOC) == {"UID": "u1"}
    assert parse_query("select profile.age, profile.zip from accounts").project(DOC) == {"profile": {"age": 34, "zip": "0150"}}


def test_resolve_and_dates():
    assert resolve(DOC, "data.orders.qty") == [2, 5]
    assert resolve(DOC, "data.orders[1].sku") == ["B7"]
    assert resolve(DOC, "nothing.here") == []
    assert to_millis("2019-07-16T19:20:30Z") == 1563304830000
    assert to_millis("2019-07-16") == 1563235200000
    assert to_millis("not a date") is None


def test_keywords_are_case_insensitive_and_fields_may_look_like_keywords():
    q = parse_query('SeLeCt * FrOm AcCoUnTs WhErE data.order = 1 AnD data.notes = "x" oR data.nullable Is NoT NuLl '
                    "OrDeR bY data.order DeSc StArT 1 LiMiT 2")
    assert q.start == 1 and q.limit == 2 and q.order_by == [("data.order", True)]
    # HELP accounts.search: clause order is fixed and LIMIT is last ("Any other order is an error").
    with pytest.raises(MockGigyaError, match="LIMIT must be the last clause"):
        parse_query("select * from accounts limit 5 start 10")


def test_deeply_nested_query_is_an_error_not_a_crash():
    text = "select * from accounts where " + "(" * 5000 + "a = 1" + ")" * 5000
    with pytest.raises(MockGigyaError) as info:
        parse_query(text)
    assert info.value.code == 400006


def test_unverifiable_algorithm_is_refused_at_import(call):
    body = call("accounts.importFullAccount", UID="u1",
                password={"hashedPassword": "AAAA", "hashSettings": {"algorithm": "sap_abap"}})
    assert body["errorCode"] == 400006 and "sap_abap" in body["errorDetails"]
