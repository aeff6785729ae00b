"""The mapping language (docs/mapping.md), one feature per test: paths into JSON, JSON text, whole
objects, per-row email verification, conversions, value maps, prefix fields, scheme fallback vs force;
and the readers around it: a top-level object wrapping the array, standard input, mapping init."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gigya_migrate.cli import main
from gigya_migrate.flows.import_accounts import ImportJob
from gigya_migrate.flows.mapping import Mapping, RecordError, load_mapping
from gigya_migrate.flows.presets import get_preset
from gigya_migrate.hashing import verify_password

from cli_run import invoke  # tests/flows/cli_run.py
from platform_exports import rng, wordpress_hash

DOC = Path(__file__).resolve().parents[2] / "docs" / "mapping.md"


def apply(fields: dict, row: dict, **extra) -> dict:
    return Mapping.model_validate({"fields": fields, **extra}).apply(row)


def test_nested_paths_list_indexes_selectors_and_json_text():
    row = {"user_metadata": {"plan": "gold"}, "identities": [{"provider": "google-oauth2"}],
           "credentials": [{"type": "otp"}, {"type": "password", "secretData": '{"value": "abc", "salt": "s"}'}],
           "custom_password_hash": {"hash": {"value": "9f86d081"}}, "a.b": "flat column wins"}
    account = apply({"user_metadata.plan": "data.plan", "identities[0].provider": "data.provider",
                     "credentials[1].secretData.value": "data.value",
                     "credentials[type=password].secretData.salt": "data.salt",
                     "custom_password_hash.hash.value": "data.hash", "a.b": "data.ab",
                     "missing.path[3].x": "data.none"}, row)
    assert account == {"data": {"plan": "gold", "provider": "google-oauth2", "value": "abc", "salt": "s",
                                "hash": "9f86d081", "ab": "flat column wins"}}


def test_whole_objects_and_json_text_go_to_data():
    row = {"user_metadata": {"plan": "gold", "tags": ["a"]}, "prefs": '{"terms": true}'}
    account = apply({"user_metadata": "data.userMetadata", "prefs": {"to": "data.prefs", "type": "json"}}, row)
    assert account["data"] == {"userMetadata": {"plan": "gold", "tags": ["a"]}, "prefs": {"terms": True}}


@pytest.mark.parametrize("value, verified", [(True, True), ("true", True), ("1", True), ("yes", True),
                                             (False, False), ("false", False), ("", False), (None, False),
                                             ("maybe", False)])
def test_email_verification_per_row(value, verified):
    job = ImportJob(Mapping.model_validate({"email_verified": "email_verified"}), None, "3_k")
    row = {"email": "ada@example.com", **({} if value is None else {"email_verified": value})}
    account = job.map_row(row)["account"]
    assert account["isVerified"] is verified
    assert account["emails"] == {("verified" if verified else "unverified"): ["ada@example.com"]}


# Expected instants computed independently (time.gmtime) and written out.
@pytest.mark.parametrize("value, fmt, expected", [
    ("1486324027", "epoch_s", "2017-02-05T19:47:07Z"),
    (1486324027, "epoch_s", "2017-02-05T19:47:07Z"),
    ("1486324027123", "epoch_ms", "2017-02-05T19:47:07.123Z"),
    (1486324027001, None, "2017-02-05T19:47:07.001Z"),          # no format: >= 10^11 is milliseconds
    ("2017-02-05T19:47:07.123Z", "iso8601", "2017-02-05T19:47:07.123Z"),
    ("2017-02-05T21:47:07+02:00", None, "2017-02-05T19:47:07Z"),  # the same instant, in UTC
    ("05/02/2017 19:47", "%d/%m/%Y %H:%M", "2017-02-05T19:47:00Z"),  # no zone in a pattern: UTC
    ("2020-09-13 12:26:40", "%Y-%m-%d %H:%M:%S", "2020-09-13T12:26:40Z"),
])
def test_dates(value, fmt, expected):
    spec = {"to": "created", "type": "date", **({"format": fmt} if fmt else {})}
    assert apply({"d": spec}, {"d": value}) == {"created": expected}


def test_bad_date_fails_the_row_with_the_format():
    with pytest.raises(RecordError, match=r"'next week' is not a valid date \(epoch_ms\)"):
        apply({"d": {"to": "created", "type": "date", "format": "epoch_ms"}}, {"d": "next week"})


@pytest.mark.parametrize("value, active", [(True, False), (False, True), ("true", False), ("0", True)])
def test_inverted_booleans(value, active):
    assert apply({"disabled": {"to": "isActive", "type": "bool", "invert": True}}, {"disabled": value}) == \
        {"isActive": active}


def test_lists_split_on_a_separator_and_value_maps():
    account = apply({"roles": {"to": "data.roles", "type": "list", "separator": ";"},
                     "status": {"to": "isActive", "type": "bool", "values": {"SUSPENDED": False, "*": True}},
                     "gender": {"to": "profile.gender", "values": {"1": "m", "2": "f", "*": None}}},
                    {"roles": "admin; editor;;", "status": "SUSPENDED", "gender": "9"})
    assert account == {"data": {"roles": ["admin", "editor"]}, "isActive": False}


def test_prefix_fields_map_every_matching_column():
    account = apply({"custom:*": "data.*", "custom:plan": "data.tier"},
                    {"custom:plan": "gold", "custom:tenant": "7", "other": "x"})
    assert account == {"data": {"tier": "gold", "tenant": "7"}}


@pytest.mark.parametrize("spec, problem", [
    ({"to": "data.x", "format": "epoch_ms"}, "format applies to type date"),
    ({"to": "data.x", "type": "date", "format": "yesterday"}, "is not epoch_s, epoch_ms, iso8601 nor a strptime"),
    ({"to": "data.x", "invert": True}, "invert applies to type bool"),
    ({"to": "data.x", "type": "int", "separator": ";"}, "separator applies to type list"),
])
def test_option_mistakes_are_refused_before_the_run(tmp_path, spec, problem):
    path = tmp_path / "m.yaml"
    path.write_text(json.dumps({"fields": {"col": spec}}))
    with pytest.raises(ValueError, match=problem):
        load_mapping(path)


def test_default_scheme_is_a_fallback_and_force_scheme_forces():
    # a WordPress export mixing phpass and bare md5: the fallback reads only what detection cannot
    r = rng(21)
    rows = [{"email": f"u{i}@x.org", "pw": f"secret-{i}", "hash": wordpress_hash(kind, f"secret-{i}", r)}
            for i, kind in enumerate(["phpass", "md5", "phpass", "md5"])]
    fallback = Mapping.model_validate({"password": {"hash": "hash", "default_scheme": "md5"}})
    for row in rows:
        obj = fallback.password_object(row)
        stored = obj.get("compoundHashedPassword") or obj["hashedPassword"]
        assert verify_password(row["pw"], stored, obj.get("hashSettings")), row["hash"][:3]
    forced = Mapping.model_validate({"password": {"hash": "hash", "force_scheme": "md5"}})
    assert forced.password_object(rows[1])["hashSettings"]["algorithm"] == "md5"
    with pytest.raises(RecordError):  # a phpass string is not an md5 digest: forcing says so
        forced.password_object(rows[0])


@pytest.mark.parametrize("row, reason", [({}, "no hash column"), ({"hash": ""}, "empty hash"),
                                         ({"hash": "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA"},
                                          "unsupported scheme: argon2")])
def test_why_a_row_has_no_password(row, reason):
    mapping = Mapping.model_validate({"password": {"hash": "hash", "required": False}})
    assert mapping.password_for({"email": "a@x.org", **row}) == (None, reason)
    assert Mapping().password_for({}) == (None, "no password section in the mapping")


def test_every_run_counts_passwordless_records_in_report_and_summary(tmp_path, csv_of):
    csv_of(tmp_path / "users.csv", [{"email": "a@x.org", "hash": "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0"},
                                    {"email": "b@x.org", "hash": ""},
                                    {"email": "c@x.org", "hash": "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA"}])
    (tmp_path / "m.yaml").write_text("password: {hash: hash, required: false}\n")
    result = invoke("import", tmp_path / "users.csv", "--mapping", tmp_path / "m.yaml", "--dry-run")
    assert "3 would be written, 0 failed; 2 without a password (empty hash 1, unsupported scheme: argon2 1)" \
        in result.output
    report = json.loads((tmp_path / "users.dry-run.report.json").read_text())
    assert report["passwordless"] == {"empty hash": 1, "unsupported scheme: argon2": 1}
    (tmp_path / "plain.yaml").write_text("login_id: email\n")
    plain = invoke("import", tmp_path / "users.csv", "--mapping", tmp_path / "plain.yaml", "--dry-run")
    assert "3 without a password (no password section in the mapping 3)" in plain.output


@pytest.mark.parametrize("compress", [False, True])
def test_import_reads_standard_input(tmp_path, compress):
    lines = "".join(json.dumps({"email": f"u{i}@x.org", "email_verified": True}) + "\n" for i in range(3))
    data = gzip.compress(lines.encode()) if compress else lines.encode()
    result = CliRunner().invoke(main, ["import", "-", "--from", "auth0", "--dry-run"], input=data)
    assert result.exit_code == 0, result.output
    assert "3 records in, 3 would be written, 0 failed; 3 without a password (no hash column 3)" in result.output
    report = json.loads((tmp_path / "stdin.dry-run.report.json").read_text())
    assert report["input"] == "stdin" and report["passwordless"] == {"no hash column": 3}


def test_mapping_init_prints_the_preset_and_lists_unmapped_columns(tmp_path):
    export = tmp_path / "password-hashes.json"
    export.write_text(json.dumps({"_id": {"$oid": "60425da9"}, "email": "a@x.org", "email_verified": False,
                                  "passwordHash": "$2b$10$C9hRp9HtoTXpGcnOD5rg4eTO/2vLWoFrYxqZRdl0ILXPc/Lk8Tuk2",
                                  "tenant": "dev", "connection": "Username-Password-Authentication",
                                  "_tmp_is_unique": True}) + "\n")
    result = CliRunner().invoke(main, ["mapping", "init", "--from", "auth0", str(export)])
    assert result.exit_code == 0, result.output
    assert "mapped: _id, email, email_verified, passwordHash (bcrypt)" in result.output
    assert "not mapped: tenant, connection, _tmp_is_unique" in result.output
    assert "mapped:" not in result.stdout  # the findings go to stderr: stdout is the mapping alone
    mapping_file = tmp_path / "mapping.yaml"
    mapping_file.write_text(result.stdout)
    assert result.stdout.rstrip().endswith("# not mapped (columns of password-hashes.json): tenant, connection, "
                                           "_tmp_is_unique")
    assert load_mapping(mapping_file).model_dump() == get_preset("auth0").to_mapping().model_dump()


def test_mapping_doc_has_an_example_per_feature_and_is_linked():
    text = DOC.read_text(encoding="utf-8")
    for feature in ("user_metadata.plan", "credentials[0].secretData", "data.userMetadata", "email_verified:",
                    "epoch_s", "epoch_ms", "iso8601", "%d/%m/%Y", "invert: true", "separator:", "default_scheme",
                    "force_scheme", "values:", "custom:*", "--from", "mapping init", "import -"):
        assert feature in text, feature
    readme = (DOC.parents[1] / "README.md").read_text(encoding="utf-8")
    assert "docs/mapping.md" in readme
    assert "docs/mapping.md" in invoke("import", "--help").output


def test_json_lines_are_not_mistaken_for_a_wrapper(tmp_path):
    from gigya_migrate.flows.steps import read_records

    lines = [json.dumps({"email": "a@x.org", "data": [1, 2]}), '{"email": "b@x.org", "na', json.dumps({"email": "c@x.org"})]
    path = tmp_path / "users.json"
    path.write_text("\n".join(lines) + "\n")
    records = list(read_records(path))
    assert [r.get("email") for r in records if isinstance(r, dict)] == ["a@x.org", "c@x.org"]  # nothing after is lost
    path.write_text('{"email": "b@x.org", "na\n' + lines[2] + "\n")  # a broken first line too
    assert [r.get("email") for r in read_records(path) if isinstance(r, dict)] == ["c@x.org"]
    path.write_text(json.dumps({"users": [{"email": "a@x.org"}, {"email": "b@x.org"}]}))  # minified wrapper
    assert [r["email"] for r in read_records(path)] == ["a@x.org", "b@x.org"]


@pytest.mark.parametrize("name", ["auth0", "firebase", "keycloak", "cognito", "okta", "magento2", "wordpress",
                                  "django"])
def test_every_preset_prints_a_mapping_that_loads_back_unchanged(tmp_path, name):
    result = CliRunner().invoke(main, ["mapping", "init", "--from", name])
    assert result.exit_code == 0, result.output
    (tmp_path / "mapping.yaml").write_text(result.stdout, encoding="utf-8")
    assert load_mapping(tmp_path / "mapping.yaml").model_dump() == get_preset(name).to_mapping().model_dump()


def test_empty_standard_input_is_refused_by_name():
    result = CliRunner().invoke(main, ["import", "-", "--from", "auth0", "--dry-run"], input=b"")
    assert result.exit_code == 2 and "standard input is empty" in result.output
    assert "gigya-migrate-stdin" not in result.output  # the temporary copy is not what the user gave


def test_a_csv_without_a_header_row_never_prints_its_first_users_hash(tmp_path):
    # the first row is read as the header: the refusal names columns, and a "column" here is a user's
    # hash (md5 of "password", RFC 1321-style published digest) that must not reach the terminal
    digest = "5f4dcc3b5aa765d61d8327deb882cf99"
    path = tmp_path / "users.csv"
    path.write_text(f"ana@example.org,{digest}\nbob@example.org,{digest}\n", encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("login_id: email\npassword:\n  hash: password\n  default_scheme: md5\n", encoding="utf-8")
    result = invoke("import", path, "--mapping", mapping, "--dry-run")
    assert result.exit_code == 2 and "does not have: 'email'" in result.output, result.output
    assert digest not in result.output and digest[:20] in result.output  # clipped, still recognisable
    path.write_text(f"ana@example.org,{digest},{digest}\n", encoding="utf-8")  # a repeated "name"
    result = invoke("import", path, "--mapping", mapping, "--dry-run")
    assert result.exit_code == 2 and "repeats column names" in result.output, result.output
    assert digest not in result.output

