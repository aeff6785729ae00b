"""Mapping mistakes said once and up front; validate-hashes stops on a refused site and names missing columns."""

from __future__ import annotations

import csv

import pytest

from mock_gigya import defaults

from cli_run import invoke  # tests/flows/cli_run.py

API_KEY = defaults.DEFAULT_API_KEY


def _mapping(tmp_path, text):
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_unknown_default_scheme_is_refused_before_the_run(tmp_path, users, csv_of):
    rows, _ = users(2)
    source = csv_of(tmp_path / "users.csv", rows)
    mapping = _mapping(tmp_path, "login_id: email\npassword:\n  hash: hash\n  default_scheme: md55\n")
    result = invoke("import", source, "--mapping", mapping, "--dry-run")
    assert result.exit_code == 2
    assert "password.default_scheme: unknown scheme 'md55' (did you mean 'md5'?)" in result.output
    ok = _mapping(tmp_path, "login_id: email\npassword:\n  hash: hash\n  default_scheme: sha256($salt$password)\n")
    assert invoke("import", source, "--mapping", ok, "--dry-run").exit_code == 0


def test_a_wrong_field_type_is_said_once(tmp_path, users, csv_of):
    rows, _ = users(1)
    source = csv_of(tmp_path / "users.csv", rows)
    mapping = _mapping(tmp_path, "login_id: email\nfields:\n  birth_year: {to: profile.birthYear, type: integer}\n")
    result = invoke("import", source, "--mapping", mapping, "--dry-run")
    assert result.exit_code == 2
    assert "fields.birth_year.type: Input should be" in result.output
    assert "expected a Gigya field" not in result.output and "FieldSpec" not in result.output


def test_a_password_given_as_a_column_name_explains_the_section(tmp_path, users, csv_of):
    rows, _ = users(1)
    source = csv_of(tmp_path / "users.csv", rows)
    result = invoke("import", source, "--mapping", _mapping(tmp_path, "login_id: email\npassword: hash\n"), "--dry-run")
    assert result.exit_code == 2
    assert "password: expected a section naming columns" in result.output
    assert "PasswordMapping" not in result.output


def test_rounds_that_are_not_a_number_name_the_column(tmp_path, users, csv_of):
    rows, _ = users(2, formats=("md5_hex",))
    for row in rows:
        row["rounds"] = "ten"
    source = csv_of(tmp_path / "users.csv", rows)
    mapping = _mapping(tmp_path, "login_id: email\npassword:\n  hash: hash\n  scheme: scheme\n  rounds: rounds\n")
    result = invoke("import", source, "--mapping", mapping, "--dry-run")
    assert "2 failed (invalid-hash 2)" in result.output
    errors = (tmp_path / "users.dry-run.errors.jsonl").read_text()
    assert "rounds 'ten' in column 'rounds' is not a whole number" in errors
    assert "invalid literal" not in errors


def _sample(tmp_path, users, *, login="email"):
    rows, passwords = users(3, formats=("md5_hex", "bcrypt", "django"))
    path = tmp_path / "sample.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow([login, "password", "hash", "scheme", "salt"])
        for row in rows:
            out.writerow([row["email"], passwords[row["email"]], row["hash"], row["scheme"], row["salt"]])
    return path


def test_validate_hashes_names_a_missing_login_column_once(tmp_path, gigya_server, site_args, users):
    sample = _sample(tmp_path, users, login="user")
    result = invoke("validate-hashes", sample, *site_args)
    assert result.exit_code == 2
    assert "no column 'email' (--login-column)" in result.output
    passed = invoke("validate-hashes", sample, "--login-column", "user", *site_args)
    assert passed.exit_code == 0, passed.output
    assert "3/3 sample users passed" in passed.output


def test_validate_hashes_stops_on_a_wrong_secret(tmp_path, gigya_server, users):
    sample = _sample(tmp_path, users)
    wrong = ["--base-url", gigya_server.url, "--api-key", API_KEY, "--user-key", defaults.DEFAULT_USER_KEY,
             "--secret", "d3Jvbmctc2VjcmV0"]
    result = invoke("validate-hashes", sample, *wrong)
    assert result.exit_code == 1
    assert "403003" in result.output and "stopped at the first row" in result.output
    assert result.output.count("403003") == 1  # not one failure line per row
    assert "d3Jvbmctc2VjcmV0" not in result.output


def test_validate_hashes_says_why_an_existing_login_fails(tmp_path, gigya_server, site_args, users, csv_of,
                                                          mapping_file):
    sample = _sample(tmp_path, users)
    rows, _ = users(1, formats=("md5_hex",))  # the same seed: the sample's first user
    assert invoke("import", csv_of(tmp_path / "users.csv", rows), "--mapping", mapping_file,
                  *site_args).exit_code == 0
    result = invoke("validate-hashes", sample, *site_args)
    assert result.exit_code == 3
    assert "validate-hashes never overwrites one" in result.output
    assert gigya_server.accounts(API_KEY).count() == 1  # the real account stays, the test users are gone


def test_status_on_an_empty_site_says_so(gigya_server, site_args):
    result = invoke("status", *site_args)
    assert result.exit_code == 0, result.output
    assert "no accounts found" in result.output


def test_status_with_a_broken_where_quotes_the_query_it_sent(gigya_server, site_args):
    result = invoke("status", "--where", "bogus (((", *site_args)
    assert result.exit_code == 2
    assert "Query syntax error" in result.output
    assert "FROM accounts WHERE bogus (((" in result.output  # Gigya's position counts from SELECT


def test_an_unparsed_line_fed_back_from_an_error_file_says_what_to_do(tmp_path, mapping_file, users, csv_of):
    rows, _ = users(2)
    source = csv_of(tmp_path / "users.csv", rows)
    with open(source, "a", encoding="utf-8") as handle:
        handle.write("broken@example.com,only-two-fields\n")
    invoke("import", source, "--mapping", mapping_file, "--dry-run")
    again = invoke("import", tmp_path / "users.dry-run.errors.jsonl", "--mapping", mapping_file, "--dry-run")
    assert "1 failed (malformed-row 1)" in again.output, again.output
    assert "split it into the input's columns" in (tmp_path / "users.dry-run.errors.dry-run.errors.jsonl").read_text()


def test_validate_hashes_report_paths_are_checked_before_the_run(tmp_path, gigya_server, site_args, users):
    sample = _sample(tmp_path, users)
    before = sample.read_text()
    same = invoke("validate-hashes", sample, "--report", sample, *site_args)
    assert same.exit_code == 2 and sample.read_text() == before
    missing = invoke("validate-hashes", sample, "--report", tmp_path / "no" / "r.json", *site_args)
    assert missing.exit_code == 2 and "does not exist" in missing.output
    assert "sample users passed" not in missing.output  # refused before, not after, the work


@pytest.mark.parametrize("command", ["import", "validate-hashes", "status"])
def test_an_api_key_without_user_key_and_secret_is_bad_usage(tmp_path, gigya_server, command, users, csv_of,
                                                             mapping_file):
    rows, _ = users(1)
    source = csv_of(tmp_path / "users.csv", [{**rows[0], "password": "x"}])
    args = {"import": [source, "--mapping", mapping_file], "validate-hashes": [source], "status": []}[command]
    result = invoke(command, *args, "--base-url", gigya_server.url, "--api-key", API_KEY)
    assert result.exit_code == 2, result.output
    assert "--user-key and --secret" in result.output
    assert gigya_server.accounts(API_KEY).count() == 0
