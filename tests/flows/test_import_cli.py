"""`gigya-migrate import` end to end through the CLI against the loopback mock Gigya."""

from __future__ import annotations

import gzip
import json
import uuid

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from gigya_migrate.cli import main
from gigya_migrate.client import GigyaClient
from gigya_migrate.flows.import_accounts import _UID_NAMESPACE, derive_uid
from mock_gigya import defaults

from cli_run import invoke  # tests/flows/cli_run.py


API_KEY = defaults.DEFAULT_API_KEY


def client_for(server):
    return GigyaClient(API_KEY, user_key=defaults.DEFAULT_USER_KEY, secret=defaults.DEFAULT_SECRET,
                       base_url=server.url)


def lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_import_lands_accounts_whose_legacy_passwords_log_in(tmp_path, gigya_server, site_args, mapping_file, users, csv_of):
    rows, passwords = users(12)
    source = csv_of(tmp_path / "users.csv", rows)
    result = invoke("import", source, "--mapping", mapping_file, *site_args)
    assert result.exit_code == 0, result.output
    assert "12 records in, 12 ok, 0 failed" in result.output
    accounts = gigya_server.accounts(API_KEY)
    assert accounts.count() == 12
    first = accounts.find(email=rows[0]["email"])
    assert first["UID"] == derive_uid(API_KEY, rows[0]["email"])
    assert first["profile"]["firstName"] == rows[0]["first_name"]
    assert first["profile"]["birthYear"] == int(rows[0]["birth_year"])
    assert first["data"]["migratedFrom"] == "tests"
    assert first["loginIDs"]["emails"] == [rows[0]["email"]]
    with client_for(gigya_server) as client:  # every format logs in with the legacy cleartext
        for row in rows[:4]:
            assert client.login(row["email"], passwords[row["email"]]).uid
    report = json.loads((tmp_path / "users.report.json").read_text())
    assert report["records"] == {"in": 12, "ok": 12, "failed": 0, "skipped": 0, "recovered": 0, "dropped": 0}
    assert [s["step"] for s in report["steps"]] == ["read", "map", "hash", "write"]
    assert report["input"].endswith("users.csv") and report["throughputPerSecond"] > 0


def test_bad_input_ends_in_the_error_output_with_reasons(tmp_path, gigya_server, site_args, mapping_file, users, csv_of):
    rows, _ = users(6)
    good = rows[0]
    bad = [
        {**rows[1], "email": ""},                                       # missing login id
        {**rows[2], "email": good["email"].upper()},                   # duplicate email in the file
        {**rows[3], "hash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo", "scheme": ""},
        {**rows[4], "hash": "zz-not-hex", "scheme": "md5"},            # unreadable digest
        {**rows[5], "birth_year": "unknown"},                          # not an int
    ]
    source = csv_of(tmp_path / "users.csv", [good, *bad])
    with open(source, "a") as handle:
        handle.write("broken@example.com,only-two-fields\n")          # malformed row
    result = invoke("import", source, "--mapping", mapping_file, *site_args)
    assert result.exit_code == 0, result.output
    assert "7 records in, 1 ok, 6 failed" in result.output
    errors = {e["errorCode"]: e for e in lines(tmp_path / "users.errors.jsonl")}
    assert set(errors) == {"missing-login-id", "duplicate-login-id", "unsupported-hash", "invalid-hash",
                           "invalid-value", "malformed-row"}
    assert "argon2" in errors["unsupported-hash"]["errorMessage"]
    assert errors["duplicate-login-id"]["email"] == good["email"].upper()
    assert "record 1" in errors["duplicate-login-id"]["errorMessage"]
    assert errors["malformed-row"]["_line"] == 8
    assert "birth_year" in errors["invalid-value"]["errorMessage"]
    assert gigya_server.accounts(API_KEY).count() == 1


def test_dry_run_validates_everything_and_calls_nothing(tmp_path, gigya_server, site_args, mapping_file, users, csv_of):
    rows, _ = users(5)
    rows[2]["email"] = "not-an-email"
    source = csv_of(tmp_path / "users.csv", rows)
    result = invoke("import", source, "--mapping", mapping_file, "--dry-run", *site_args)
    assert result.exit_code == 0, result.output
    assert "5 records in, 4 would be written, 1 failed (invalid-login-id 1)" in result.output
    assert gigya_server.accounts(API_KEY).count() == 0
    # a dry run needs no site at all
    offline = invoke("import", source, "--mapping", mapping_file, "--dry-run", "--errors", "dry.jsonl")
    assert offline.exit_code == 0 and "4 would be written" in offline.output


def test_limit_is_a_test_run(tmp_path, gigya_server, site_args, mapping_file, users, csv_of):
    rows, _ = users(30)
    source = csv_of(tmp_path / "users.csv", rows)
    result = invoke("import", source, "--mapping", mapping_file, "--limit", "10", *site_args)
    assert "10 records in, 10 ok" in result.output
    assert gigya_server.accounts(API_KEY).count() == 10


@pytest.mark.parametrize("kind", ["jsonl", "json", "json.gz", "dsv", "csv.gz"])
def test_every_input_format(tmp_path, gigya_server, site_args, mapping_file, kind, users, csv_of):
    rows, passwords = users(6)
    path = tmp_path / f"users.{kind}"
    if kind.startswith("jsonl"):
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    elif kind.startswith("json"):
        with (gzip.open(path, "wt") if kind.endswith(".gz") else open(path, "w")) as handle:
            json.dump(rows, handle)
    elif kind == "dsv":
        csv_of(path, rows, delimiter=";")
    else:
        plain = csv_of(tmp_path / "plain.csv", rows)
        path.write_bytes(gzip.compress(plain.read_bytes()))
    extra = ["--delimiter", ";"] if kind == "dsv" else []
    result = invoke("import", path, "--mapping", mapping_file, *extra, *site_args)
    assert "6 records in, 6 ok, 0 failed" in result.output, result.output
    with client_for(gigya_server) as client:
        assert client.login(rows[5]["email"], passwords[rows[5]["email"]]).uid


def test_lookup_by_email_reuses_the_existing_uid(tmp_path, gigya_server, site_args, mapping_file, users, csv_of):
    rows, passwords = users(3)
    gigya_server.seed_account(API_KEY, UID="existing-uid-1",
                              loginIDs={"emails": [rows[0]["email"]], "username": "old-username"},
                              profile={"email": rows[0]["email"], "firstName": "Old"}, isVerified=False)
    source = csv_of(tmp_path / "users.csv", rows)
    inserted = invoke("import", source, "--mapping", mapping_file, "--policy", "insert", "--journal", "j1.sqlite",
                      *site_args)
    assert "3 records in, 2 ok, 1 failed (account-exists 1)" in inserted.output, inserted.output
    result = invoke("import", source, "--mapping", mapping_file, "--journal", "j2.sqlite", *site_args)
    assert "3 records in, 3 ok, 0 failed" in result.output, result.output
    accounts = gigya_server.accounts(API_KEY)
    assert accounts.count() == 3
    updated = accounts.find(email=rows[0]["email"])
    assert updated["UID"] == "existing-uid-1" and updated["profile"]["firstName"] == rows[0]["first_name"]
    # the defaulted login ids and flags were not sent: the existing username and state survive
    assert updated["loginIDs"]["username"] == "old-username" and updated["isVerified"] is False
    report = json.loads((tmp_path / "users.report.json").read_text())
    assert "lookup" in [s["step"] for s in report["steps"]]
    with client_for(gigya_server) as client:
        assert client.login(rows[0]["email"], passwords[rows[0]["email"]]).uid == "existing-uid-1"


def test_fixed_errors_feed_back_in(tmp_path, gigya_server, site_args, mapping_file, users, csv_of):
    rows, _ = users(4)
    rows[1]["birth_year"] = "19x0"
    rows[3]["birth_year"] = "later"
    source = csv_of(tmp_path / "users.csv", rows)
    invoke("import", source, "--mapping", mapping_file, *site_args)
    errors = lines(tmp_path / "users.errors.jsonl")
    assert [e["errorCode"] for e in errors] == ["invalid-value", "invalid-value"]
    fixed = tmp_path / "fixed.jsonl"
    fixed.write_text("".join(json.dumps({**e, "birth_year": "1980"}) + "\n" for e in errors))
    again = invoke("import", fixed, "--mapping", mapping_file, *site_args)
    assert "2 records in, 2 ok, 0 failed" in again.output, again.output
    assert gigya_server.accounts(API_KEY).find(email=rows[3]["email"])["profile"]["birthYear"] == 1980
    assert "errorCode" not in gigya_server.accounts(API_KEY).find(email=rows[3]["email"]).get("data", {})


def test_csv_error_output_feeds_back_in_too(tmp_path, gigya_server, site_args, mapping_file, users, csv_of):
    rows, _ = users(3)
    rows[0]["hash"], rows[0]["scheme"] = "", ""
    source = csv_of(tmp_path / "users.csv", rows)
    invoke("import", source, "--mapping", mapping_file, "--errors", "failed.csv", *site_args)
    text = (tmp_path / "failed.csv").read_text()
    assert text.splitlines()[0].startswith("email,first_name,birth_year,hash,scheme,salt,errorCode,errorMessage")
    assert "missing-password" in text
    again = invoke("import", tmp_path / "failed.csv", "--mapping", mapping_file, "--errors", "again.csv", *site_args)
    assert "1 records in, 0 ok, 1 failed (missing-password 1)" in again.output


@pytest.mark.parametrize("mapping, message", [
    ("fields:\n  first_name: profile.firstname\n", "did you mean 'firstName'"),
    ("fields:\n  first_name: nickname\n", "not a Gigya account field"),
    ("fields:\n  hash: password.hashedPassword\n", "cannot be mapped; use the `password:` section"),
    ("login_id: email\nfeilds: {}\n", "unknown key 'feilds'"),
    ("fields:\n  no_such_column: profile.lastName\n", "no_such_column"),
    ("password:\n  scheme: scheme\n", "password.hash: Field required"),
    ("- not\n- a mapping\n", "a mapping file is an object"),
    ("fields: {first_name: {to: data.x, type: integer}}\n", "type: Input should be 'str', 'int'"),
])
def test_invalid_mappings_stop_before_the_run(tmp_path, gigya_server, site_args, mapping, message, users, csv_of):
    rows, _ = users(2)
    source = csv_of(tmp_path / "users.csv", rows)
    (tmp_path / "bad.yaml").write_text(mapping)
    result = invoke("import", source, "--mapping", tmp_path / "bad.yaml", *site_args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert gigya_server.accounts(API_KEY).count() == 0
    assert not (tmp_path / "users.journal.sqlite").exists()


def test_bad_options_are_refused(tmp_path, gigya_server, site_args, mapping_file, users, csv_of):
    rows, _ = users(2)
    source = csv_of(tmp_path / "users.csv", rows)
    assert invoke("import", source, "--mapping", mapping_file).exit_code == 2  # no site, no dry run
    same = invoke("import", source, "--mapping", mapping_file, "--errors", source, *site_args)
    assert same.exit_code == 2 and "is the input file" in same.output
    assert invoke("import", source, "--delimiter", "::", "--dry-run").exit_code == 2
    assert invoke("import", tmp_path / "missing.csv", *site_args).exit_code == 2
    weird = tmp_path / "users.xlsx"
    weird.write_text("x")
    assert "cannot tell the format" in invoke("import", weird, *site_args).output


def test_email_verification_policy_stops_the_import(tmp_path, gigya_server, site_args, mapping_file, users, csv_of):
    gigya_server.set_policies(API_KEY, {"accountOptions": {"verifyEmail": True}})
    rows, _ = users(2)
    result = invoke("import", csv_of(tmp_path / "users.csv", rows), "--mapping", mapping_file, *site_args)
    assert result.exit_code == 1 and "email verification policy is on" in result.output
    assert gigya_server.accounts(API_KEY).count() == 0


def test_scripted_rate_limiting_slows_the_job_and_loses_nothing(tmp_path, gigya_server, site_args, mapping_file, users, csv_of):
    rows, _ = users(40, formats=("md5_hex",))
    source = csv_of(tmp_path / "users.csv", rows)
    # 8 scripted 403048s: the shared pause doubles per burst (0.02 s, 0.04 s, ...), so each extra fault
    # past the first bursts doubles the test's wall time; 15 of them took 5-18 s (random jitter)
    gigya_server.faults.rate_limit(times=8, method="importFullAccount")
    result = invoke("import", source, "--mapping", mapping_file, "--concurrency", "8", "--backoff", "0.02",
                    *site_args)
    assert "40 records in, 40 ok, 0 failed" in result.output, result.output
    assert "rate limited 8 times" in result.output
    assert gigya_server.accounts(API_KEY).count() == 40
    assert json.loads((tmp_path / "users.report.json").read_text())["rateLimited"] == 8
    assert (tmp_path / "users.errors.jsonl").read_text() == ""


def test_transient_server_errors_are_retried(tmp_path, gigya_server, site_args, mapping_file, users, csv_of):
    rows, _ = users(10, formats=("md5_hex",))
    gigya_server.faults.server_error(times=3, method="importFullAccount")
    result = invoke("import", csv_of(tmp_path / "users.csv", rows), "--mapping", mapping_file,
                    "--backoff", "0.01", "--policy", "insert", *site_args)
    assert "10 records in, 10 ok, 0 failed" in result.output, result.output


def test_credentials_and_site_come_from_the_environment(tmp_path, gigya_server, mapping_file, users, csv_of,
                                                        monkeypatch):
    rows, _ = users(3)
    monkeypatch.setenv("GIGYA_API_KEY", API_KEY)
    monkeypatch.setenv("GIGYA_USER_KEY", defaults.DEFAULT_USER_KEY)
    monkeypatch.setenv("GIGYA_SECRET", defaults.DEFAULT_SECRET)
    monkeypatch.setenv("GIGYA_DATA_CENTER", "eu1")
    monkeypatch.setenv("GIGYA_BASE_URL", gigya_server.url)
    result = invoke("import", csv_of(tmp_path / "users.csv", rows), "--mapping", mapping_file)
    assert "3 records in, 3 ok" in result.output, result.output
    assert defaults.DEFAULT_SECRET not in result.output


def test_an_insert_whose_answer_was_lost_is_confirmed_not_failed(tmp_path, gigya_server, site_args, mapping_file,
                                                                 users, csv_of):
    rows, _ = users(5, formats=("md5_hex",))
    # the mock applies the first import, then drops the connection: the answer is lost
    gigya_server.faults.drop(times=1, method="importFullAccount", processed=True)
    result = invoke("import", csv_of(tmp_path / "users.csv", rows), "--mapping", mapping_file,
                    "--policy", "insert", "--backoff", "0.01", *site_args)
    assert "5 records in, 5 ok, 0 failed" in result.output, result.output
    assert gigya_server.accounts(API_KEY).count() == 5
    assert json.loads((tmp_path / "users.report.json").read_text())["retries"] == 1  # re-sent through recover


def test_progress_line_on_request(tmp_path, gigya_server, site_args, mapping_file, users, csv_of):
    rows, _ = users(4)
    result = CliRunner().invoke(
        main, ["import", str(csv_of(tmp_path / "users.csv", rows)), "--mapping", str(mapping_file), "--progress",
               *site_args])
    assert "import: 4 read 4 ok 0 failed" in result.stderr
    quiet = CliRunner().invoke(
        main, ["import", str(tmp_path / "users.csv"), "--mapping", str(mapping_file), "--journal", "q.sqlite",
               "--report", "q.json", *site_args])
    assert " read " not in quiet.stderr  # not a terminal: no progress line


def test_ctrl_c_saves_the_run_and_resume_finishes_it(tmp_path, gigya_server, site_args, mapping_file, users, csv_of,
                                                      monkeypatch):
    from gigya_migrate.flows.import_accounts import ImportJob

    rows, _ = users(30, formats=("md5_hex",))
    source = csv_of(tmp_path / "users.csv", rows)
    real_write, calls = ImportJob.write, []

    def interrupted_write(self, item):
        calls.append(1)
        if len(calls) == 12:
            raise KeyboardInterrupt  # what Ctrl-C does to the main thread, here from inside the job
        return real_write(self, item)

    monkeypatch.setattr(ImportJob, "write", interrupted_write)
    stopped = invoke("import", source, "--mapping", mapping_file, "--concurrency", "1", *site_args)
    assert stopped.exit_code == 130, stopped.output
    assert "interrupted: run the same command with --resume to finish" in stopped.output
    monkeypatch.setattr(ImportJob, "write", real_write)
    resumed = invoke("import", source, "--mapping", mapping_file, "--resume", *site_args)
    assert resumed.exit_code == 0 and "resumed:" in resumed.output, resumed.output
    assert gigya_server.accounts(API_KEY).count() == 30


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=12), st.text(max_size=40))
def test_derived_uids_are_rfc_4122_name_based_uuids(api_key, email):
    """derive_uid is the version-5 (SHA-1) UUID of the site and lower-cased email in the toolkit's
    namespace, as the standard library builds it, in hex."""
    name = f"{api_key}\n{email.lower()}"
    try:
        expected = uuid.uuid5(_UID_NAMESPACE, name).hex
    except UnicodeEncodeError:  # a lone surrogate: no UTF-8 bytes, refused by both
        with pytest.raises(UnicodeEncodeError):
            derive_uid(api_key, email)
        return
    assert derive_uid(api_key, email) == expected


def test_derived_uids_are_stable_per_site_and_email():
    """The import test above compares with derive_uid itself; this pins derive_uid's own contract."""
    uid = derive_uid("3_site_a", "Ann@Example.com")
    assert len(uid) == 32 and set(uid) <= set("0123456789abcdef")
    assert uid == derive_uid("3_site_a", "ann@example.com")  # the login email's case does not matter
    assert uid != derive_uid("3_site_b", "ann@example.com")  # another site, another UID
    assert uid != derive_uid("3_site_a", "bob@example.com")
