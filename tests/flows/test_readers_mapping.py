"""Readers (streamed, bad rows as values) and the mapping (validation, conversion) without a site."""

from __future__ import annotations

import gzip
import json

import pytest

from gigya_migrate.flows.mapping import Mapping, MappingError, load_mapping
from gigya_migrate.flows.runner import BadRecord, RecordError
from gigya_migrate.flows.steps import read_json_array, read_records

TRICKY = [{"a": "x], {\"b\": 1}", "n": 12345678901234567890}, {"nested": {"list": [1, 2, {"c": "]"}]}},
          {"unicode": "Zoë ✓", "esc": "quote \" backslash \\\\"}, {}]


@pytest.mark.parametrize("chunk", [1, 3, 7, 64, 1 << 16])
def test_json_array_is_parsed_incrementally_across_chunk_boundaries(tmp_path, chunk):
    path = tmp_path / "a.json"
    path.write_text(json.dumps(TRICKY, indent=1, ensure_ascii=False), encoding="utf-8")
    assert list(read_json_array(path, chunk_size=chunk)) == TRICKY


@pytest.mark.parametrize("text, expected_ok, message", [
    ('[{"a": 1}, 2, {"b": 2}]', 2, "is not an object"),
    ('[{"a": 1} {"b": 2}]', 1, "expected ','"),
    ('[{"a": 1}, {"b": ', 1, "invalid JSON"),
    ('{"a": 1}', 0, "a JSON object without a records array (one of users,"),
    ('3', 0, "not a JSON array"),
    ('{"realm": "r", "groups": [{"x": 1}], "users": [{"a": 1}, {"b": ', 1, "invalid JSON"),
    ('', 0, "empty"),
])
def test_broken_json_arrays_yield_bad_records(tmp_path, text, expected_ok, message):
    path = tmp_path / "a.json"
    path.write_text(text)
    items = list(read_json_array(path, chunk_size=4))
    assert sum(isinstance(i, dict) for i in items) == expected_ok
    bad = [i for i in items if isinstance(i, BadRecord)]
    assert len(bad) == 1 and message in bad[0].message and bad[0].code == "malformed-json"


def test_jsonl_csv_dsv_and_gzip(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"email": "a@x.org"}\n\nnot json\n[1]\n{"email": "b@x.org"}\n')
    items = list(read_records(tmp_path / "a.jsonl"))
    assert [i["email"] for i in items if isinstance(i, dict)] == ["a@x.org", "b@x.org"]
    assert [(i.line, i.code) for i in items if isinstance(i, BadRecord)] == [(3, "malformed-json"), (4, "malformed-json")]
    with gzip.open(tmp_path / "b.csv.gz", "wt", encoding="utf-8") as handle:
        handle.write('\ufeffemail,name\na@x.org,"Doe, Jane"\nb@x.org\n')
    rows = list(read_records(tmp_path / "b.csv.gz"))
    assert rows[0] == {"email": "a@x.org", "name": "Doe, Jane"}  # BOM stripped, quoted separator kept
    assert isinstance(rows[1], BadRecord) and rows[1].line == 3
    (tmp_path / "c.txt").write_text("email|name\na@x.org|A\n")
    assert list(read_records(tmp_path / "c.txt")) == [{"email": "a@x.org", "name": "A"}]
    (tmp_path / "d.json").write_text('{"email": "a@x.org"}\n')  # a .json file of JSON lines
    assert list(read_records(tmp_path / "d.json")) == [{"email": "a@x.org"}]


def test_readers_are_generators_that_do_not_read_ahead(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps({"email": "u0@x.org"}) + "\n")
    reader = read_records(path)
    assert iter(reader) is reader  # an iterator, not a list built up front
    assert next(reader) == {"email": "u0@x.org"}
    # a line appended after the first record was handed out is still read: the file is consumed as the
    # records are asked for (a reader that listed the file first would stop after u0)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"email": "u1@x.org"}) + "\n")
    assert list(reader) == [{"email": "u1@x.org"}]


def test_mapping_converts_adds_drops_and_passes_through():
    mapping = Mapping.model_validate({
        "fields": {"born": {"to": "profile.birthYear", "type": "int"}, "optin": {"to": "data.optIn", "type": "bool"},
                   "since": {"to": "registered", "type": "date"}, "tags": {"to": "data.tags", "type": "list"},
                   "prefs": {"to": "preferences", "type": "json"}},
        "add": {"data.source": "crm", "isVerified": False},
        "drop": ["data.secret"],
        "passthrough": True,
    })
    assert mapping.problems() == []
    account = mapping.apply({"email": "a@x.org", "born": " 1980 ", "optin": "Yes", "since": "2020-01-02T03:04:05+00:00",
                             "tags": "a, b,", "prefs": '{"terms": {"isConsentGranted": true}}',
                             "data.secret": "x", "data.kept": "y", "errorCode": "old-error"})
    assert account["profile"] == {"birthYear": 1980}
    assert account["data"] == {"optIn": True, "tags": ["a", "b"], "source": "crm", "kept": "y"}
    assert account["registered"] == "2020-01-02T03:04:05Z" and account["isVerified"] is False
    assert account["preferences"] == {"terms": {"isConsentGranted": True}}
    assert "errorCode" not in account and "email" not in account  # reserved and mapped columns do not leak
    with pytest.raises(RecordError, match="not a valid bool"):
        mapping.apply({"optin": "maybe"})


@pytest.mark.parametrize("email, code", [("", "missing-login-id"), ("  ", "missing-login-id"),
                                          ("no-at-sign", "invalid-login-id"), ("a@localhost", "invalid-login-id"),
                                          ("a b@x.org", "invalid-login-id")])
def test_login_ids_are_checked(email, code):
    with pytest.raises(RecordError) as caught:
        Mapping().login_of({"email": email})
    assert caught.value.code == code


def test_login_ids_are_normalised():
    assert Mapping().login_of({"email": "  Ada@Example.COM "}) == "ada@example.com"


def test_mapping_file_errors_are_collected(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("fields:\n  a: profile.frist\n  b: profile.frist\n  c: UID\nadd:\n  custom: 1\n")
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    text = str(caught.value)
    assert "profile.frist is not a Gigya profile field" in text
    assert "two columns map to profile.frist" in text
    assert "set `uid:`" in text and "use e.g. data.custom" in text
    with pytest.raises(MappingError, match="cannot read"):
        load_mapping(tmp_path / "missing.yaml")
    (tmp_path / "broken.yaml").write_text("fields: [unclosed\n")
    with pytest.raises(MappingError, match="not valid YAML"):
        load_mapping(tmp_path / "broken.yaml")


def test_mapping_checks_columns_against_the_header():
    mapping = Mapping.model_validate({"fields": {"first": "profile.firstName"}, "password": {"hash": "pw"}})
    with pytest.raises(MappingError, match=r"'first' \(did you mean 'first_name'\?\).*'pw'"):
        mapping.check_columns(["email", "first_name", "password"])


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f"])
def test_a_control_character_in_the_csv_header_or_in_a_quoted_field_fails_the_rows(tmp_path, char):
    """Rows are refused for a control character wherever it sits: in a column name (every row), in
    a quoted field, or in a field an error file's ``_extra`` brings back."""
    header = tmp_path / "header.csv"
    header.write_text(f"email,na{char}me\na@example.com,A\nb@example.com,B\n", encoding="utf-8")
    assert [r.code for r in read_records(header)] == ["control-character"] * 2
    quoted = tmp_path / "quoted.csv"
    quoted.write_text(f'email,name\na@example.com,"x, y{char}"\nb@example.com,"B, b"\n', encoding="utf-8")
    records = list(read_records(quoted))
    assert isinstance(records[0], BadRecord) and records[0].code == "control-character"
    assert records[1] == {"email": "b@example.com", "name": "B, b"}
    extra = tmp_path / "extra.csv"
    extra.write_text('email,_extra\na@example.com,"{""note"": ""n\\u0000""}"\nb@example.com,"{""note"": ""ok""}"\n',
                     encoding="utf-8")
    records = list(read_records(extra))
    assert isinstance(records[0], BadRecord) and records[0].code == "control-character"
    assert records[1] == {"email": "b@example.com", "note": "ok"}
