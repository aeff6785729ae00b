"""`gigya-migrate import` with hostile inputs and options: nothing lost, no traceback, the right exit code."""

from __future__ import annotations

import gzip
import json
import pytest

from click.testing import CliRunner

from gigya_migrate.cli import main
from mock_gigya import defaults

import cli_run  # tests/flows/cli_run.py

API_KEY = defaults.DEFAULT_API_KEY


def invoke(*args):
    result = cli_run.invoke(*args)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    return result


def lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# -- outputs that would destroy something -------------------------------------------------------


def test_errors_path_on_the_mapping_file_is_refused_and_the_mapping_survives(tmp_path, gigya_server, site_args,
                                                                            mapping_file, users, csv_of):
    rows, _ = users(3)
    source = csv_of(tmp_path / "users.csv", rows)
    before = mapping_file.read_text()
    result = invoke("import", source, "--mapping", mapping_file, "--errors", mapping_file, *site_args)
    assert result.exit_code == 2
    assert "is the --mapping file" in result.output
    assert mapping_file.read_text() == before
    assert gigya_server.accounts(API_KEY).count() == 0


def test_report_in_a_missing_folder_is_refused_before_anything_is_sent(tmp_path, gigya_server, site_args,
                                                                       mapping_file, users, csv_of):
    rows, _ = users(3)
    source = csv_of(tmp_path / "users.csv", rows)
    result = invoke("import", source, "--mapping", mapping_file, "--report", tmp_path / "nodir" / "r.json",
                    *site_args)
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert gigya_server.accounts(API_KEY).count() == 0  # (it used to import, then fail on the report)


def test_errors_and_report_on_the_same_path_are_refused(tmp_path, mapping_file, users, csv_of):
    rows, _ = users(2)
    source = csv_of(tmp_path / "users.csv", rows)
    result = invoke("import", source, "--mapping", mapping_file, "--dry-run", "--errors", "out.json",
                    "--report", "out.json")
    assert result.exit_code == 2
    assert "--report out.json is also the --errors path" in result.output


def test_a_dry_run_keeps_the_error_file_of_the_real_run(tmp_path, gigya_server, site_args, mapping_file, users,
                                                        csv_of):
    rows, _ = users(4)
    source = csv_of(tmp_path / "users.csv", rows)
    first = invoke("import", source, "--mapping", mapping_file, "--policy", "insert", *site_args)
    assert first.exit_code == 0, first.output
    again = invoke("import", source, "--mapping", mapping_file, "--policy", "insert", "--no-lookup", *site_args)
    assert "4 failed" in again.output  # insert on existing accounts: write-step failures only a real run sees
    real_errors = (tmp_path / "users.errors.jsonl").read_text()
    assert len(real_errors.splitlines()) == 4
    dry = invoke("import", source, "--mapping", mapping_file, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert (tmp_path / "users.errors.jsonl").read_text() == real_errors
    assert (tmp_path / "users.dry-run.report.json").exists()
    assert "report -> users.dry-run.report.json" in dry.output


# -- rows the csv module rejects keep their text --------------------------------------------------


def test_a_row_with_broken_quoting_keeps_its_text_in_the_error_output(tmp_path, mapping_file, users, csv_of):
    rows, _ = users(3)
    source = csv_of(tmp_path / "users.csv", rows)
    bad = 'broken@example.com,"Ann"e,1990,x,md5,\n'
    with open(source, "a", encoding="utf-8") as handle:
        handle.write(bad)
    result = invoke("import", source, "--mapping", mapping_file, "--dry-run")
    assert "4 records in, 3 would be written, 1 failed (malformed-row 1)" in result.output
    (error,) = lines(tmp_path / "users.dry-run.errors.jsonl")
    assert error["_raw"] == bad.rstrip("\n")  # it used to be "(line 5)": the row itself was gone
    assert error["_line"] == 5


def test_a_field_over_the_csv_module_default_limit_is_read(tmp_path, mapping_file, users, csv_of):
    rows, _ = users(3)
    rows[1]["first_name"] = "x" * 200_000  # csv's default field limit is 131,072
    source = csv_of(tmp_path / "users.csv", rows)
    result = invoke("import", source, "--mapping", mapping_file, "--dry-run")
    assert "3 records in, 3 would be written, 0 failed" in result.output


# -- encodings ------------------------------------------------------------------------------------


def _latin1_export(tmp_path, rows):
    header = ",".join(rows[0])
    body = "\n".join(",".join(row.values()) for row in rows)
    path = tmp_path / "latin.csv"
    path.write_bytes((header + "\n" + body + "\n").encode("latin-1"))
    return path


def test_a_latin1_row_fails_alone_and_its_error_line_can_be_fed_back(tmp_path, gigya_server, site_args,
                                                                     mapping_file, users):
    rows, _ = users(4)
    rows[2]["first_name"] = "François"
    source = _latin1_export(tmp_path, rows)
    result = invoke("import", source, "--mapping", mapping_file, *site_args)
    assert result.exit_code == 0, result.output
    assert "4 records in, 3 ok, 1 failed (invalid-encoding 1)" in result.output
    (error,) = lines(tmp_path / "latin.errors.jsonl")
    assert error["first_name"] == "François" and error["_line"] == 4
    assert "--encoding latin-1" in error["errorMessage"]
    again = invoke("import", tmp_path / "latin.errors.jsonl", "--mapping", mapping_file, *site_args)
    assert "1 records in, 1 ok, 0 failed" in again.output, again.output
    account = gigya_server.accounts(API_KEY).find(email=rows[2]["email"])
    assert account["profile"]["firstName"] == "François"
    assert "errorCode" not in json.dumps(account)


def test_encoding_option_reads_a_latin1_export(tmp_path, mapping_file, users):
    rows, _ = users(3)
    rows[0]["first_name"] = "Zoë"
    source = _latin1_export(tmp_path, rows)
    result = invoke("import", source, "--mapping", mapping_file, "--dry-run", "--encoding", "latin-1")
    assert "3 records in, 3 would be written, 0 failed" in result.output
    assert invoke("import", source, "--mapping", mapping_file, "--dry-run", "--encoding", "nope").exit_code == 2


def test_jsonl_with_a_byte_order_mark_reads_its_first_record(tmp_path, mapping_file, users):
    rows, _ = users(2)
    path = tmp_path / "users.jsonl"
    path.write_text("\ufeff" + "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = invoke("import", path, "--mapping", mapping_file, "--dry-run")
    assert "2 records in, 2 would be written, 0 failed" in result.output


# -- files that are not what they say -------------------------------------------------------------


def test_semicolon_export_gets_a_delimiter_hint(tmp_path, mapping_file, users, csv_of):
    rows, _ = users(2)
    source = csv_of(tmp_path / "users.csv", rows, delimiter=";")
    result = invoke("import", source, "--mapping", mapping_file, "--dry-run")
    assert result.exit_code == 2
    assert "pass --delimiter ';'" in result.output
    assert "2 records in" in invoke("import", source, "--mapping", mapping_file, "--dry-run",
                                    "--delimiter", ";").output


def test_empty_file_says_it_is_empty(tmp_path, mapping_file):
    (tmp_path / "users.csv").write_text("")
    result = invoke("import", tmp_path / "users.csv", "--mapping", mapping_file, "--dry-run")
    assert result.exit_code == 2
    assert "users.csv is empty" in result.output


@pytest.mark.parametrize("indent", [2, None])
def test_json_object_wrapping_the_users_is_read(tmp_path, mapping_file, users, indent):
    # Firebase auth:export writes {"users": [...]}, pretty-printed or on one line
    rows, _ = users(2)
    (tmp_path / "users.json").write_text(json.dumps({"users": rows}, indent=indent))
    result = invoke("import", tmp_path / "users.json", "--mapping", mapping_file, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "2 records in, 2 would be written, 0 failed" in result.output


def test_json_object_without_users_says_what_it_holds(tmp_path, mapping_file):
    (tmp_path / "users.json").write_text(json.dumps({"realm": "shop", "clients": [{"id": 1}]}, indent=2))
    result = invoke("import", tmp_path / "users.json", "--mapping", mapping_file, "--dry-run")
    assert "1 failed (malformed-json 1)" in result.output
    error = json.loads((tmp_path / "users.dry-run.errors.jsonl").read_text())
    assert "without a records array" in error["errorMessage"] and "realm, clients" in error["errorMessage"]


def test_corrupt_gzip_is_refused_before_the_run(tmp_path, mapping_file, users, csv_of):
    rows, _ = users(50)
    data = gzip.compress(csv_of(tmp_path / "plain.csv", rows).read_bytes())
    (tmp_path / "users.csv.gz").write_bytes(data[:20] + b"garbage" * 50)
    result = invoke("import", tmp_path / "users.csv.gz", "--mapping", mapping_file, "--dry-run")
    assert result.exit_code == 2
    assert "corrupt" in result.output


def test_truncated_gzip_stops_with_a_message_and_resume_finishes_it(tmp_path, gigya_server, site_args,
                                                                    mapping_file, users, csv_of):
    rows, _ = users(400, formats=("md5_hex",))
    full = gzip.compress(csv_of(tmp_path / "plain.csv", rows).read_bytes())
    source = tmp_path / "users.csv.gz"
    source.write_bytes(full[:len(full) // 2])
    cut = invoke("import", source, "--mapping", mapping_file, *site_args)
    assert cut.exit_code == 1  # it used to end in "Aborted!" (a bare EOFError)
    assert "truncated or corrupt" in cut.output and "--resume" in cut.output
    written = gigya_server.accounts(API_KEY).count()
    assert 0 < written < 400
    source.write_bytes(full)  # the complete download
    resumed = invoke("import", source, "--mapping", mapping_file, "--resume", *site_args)
    assert resumed.exit_code == 0, resumed.output
    assert gigya_server.accounts(API_KEY).count() == 400


# -- a site that refuses the run itself -----------------------------------------------------------


def test_wrong_secret_stops_the_run_at_the_first_refusal(tmp_path, gigya_server, mapping_file, users, csv_of):
    rows, _ = users(200, formats=("md5_hex",))
    source = csv_of(tmp_path / "users.csv", rows)
    wrong = ["--base-url", gigya_server.url, "--api-key", API_KEY, "--user-key", defaults.DEFAULT_USER_KEY,
             "--secret", "d3Jvbmctc2VjcmV0"]
    result = invoke("import", source, "--mapping", mapping_file, "--skip-preflight", "--no-lookup", *wrong)
    assert result.exit_code == 1
    assert "403003" in result.output and "--resume" in result.output
    assert "d3Jvbmctc2VjcmV0" not in result.output
    assert not (tmp_path / "users.errors.jsonl").read_text()  # not 200 identical error lines
    report = json.loads((tmp_path / "users.report.json").read_text())
    assert report["records"]["in"] < 50
    fixed = ["--base-url", gigya_server.url, "--api-key", API_KEY, "--user-key", defaults.DEFAULT_USER_KEY,
             "--secret", defaults.DEFAULT_SECRET]
    resumed = invoke("import", source, "--mapping", mapping_file, "--resume", *fixed)
    assert resumed.exit_code == 0, resumed.output
    assert gigya_server.accounts(API_KEY).count() == 200


# -- journey 3: the error file, fixed and fed back in ---------------------------------------------


def test_a_csv_error_file_led_by_an_unparsed_line_can_be_fixed_and_fed_back(tmp_path, gigya_server, site_args,
                                                                             mapping_file, users, csv_of):
    rows, passwords = users(4, formats=("md5_hex",))
    good_email = rows[1]["email"]
    rows[1]["email"] = good_email.replace("@", "@@")  # a typo the import must refuse
    source = csv_of(tmp_path / "users.csv", rows)
    text = source.read_text().splitlines(keepends=True)
    source.write_text(text[0] + "only,two\n" + "".join(text[1:]))  # the first failure is an unparsed line
    first = invoke("import", source, "--mapping", mapping_file, "--errors", "failed.csv", *site_args)
    assert "5 records in, 3 ok, 2 failed (malformed-row 1, invalid-login-id 1)" in first.output, first.output
    # the CSV error file's header came from the unparsed line: the other row's columns sit in _extra
    fixed = (tmp_path / "failed.csv").read_text().replace(good_email.replace("@", "@@"), good_email)
    (tmp_path / "failed.csv").write_text(fixed)
    again = invoke("import", "failed.csv", "--mapping", mapping_file, *site_args)
    assert again.exit_code == 0, again.output
    assert "2 records in, 1 ok, 1 failed (malformed-row 1)" in again.output
    assert "errorCode" not in again.output  # not warned about as an unread data column
    account = gigya_server.accounts(API_KEY).find(email=good_email)
    assert account["profile"]["firstName"] == rows[1]["first_name"]
    assert "errorCode" not in json.dumps(account) and "_extra" not in json.dumps(account)


def test_a_typo_in_a_json_inputs_column_is_warned_before_the_run(tmp_path, users):
    rows, _ = users(2)
    path = tmp_path / "users.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    mapping = tmp_path / "m.yaml"
    mapping.write_text("login_id: mail\npassword:\n  hash: hash\n  scheme: scheme\n")
    result = CliRunner().invoke(main, ["import", str(path), "--mapping", str(mapping), "--dry-run"])
    assert "warning: the first record has no 'mail'" in result.output
    assert "2 failed (missing-login-id 2)" in result.output


def test_resume_without_a_journal_says_it_starts_from_the_first_record(tmp_path, gigya_server, site_args,
                                                                       mapping_file, users, csv_of):
    rows, _ = users(3)
    source = csv_of(tmp_path / "users.csv", rows)
    result = invoke("import", source, "--mapping", mapping_file, "--resume", *site_args)
    assert result.exit_code == 0, result.output
    assert "nothing to resume" in result.output
    assert gigya_server.accounts(API_KEY).count() == 3
