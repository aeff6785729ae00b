"""Standard input reads the same as a file for every command that takes an export (`mapping init -`
as `import -`), and a run leaves no empty files behind."""

from __future__ import annotations

import json

from click.testing import CliRunner

from gigya_migrate.cli import main

AUTH0_HASHES = [  # Auth0's password-hash export (NDJSON): the shape the auth0 preset reads
    {"_id": {"$oid": "60425da93519d90068f80001"}, "email": "zoe@auth0.example", "email_verified": True,
     "passwordHash": "$2b$10$Z4d9yA1LbnvOmZf8Bq7vGO8V9I8dXfK5qQ4Tg3e9O6lQ2oW4rR5yq", "tenant": "dev-x"},
]


def test_mapping_init_reads_standard_input_like_import():
    text = "".join(json.dumps(row) + "\n" for row in AUTH0_HASHES)
    result = CliRunner().invoke(main, ["mapping", "init", "--from", "auth0", "-"], input=text)
    assert result.exit_code == 0, result.output
    assert "read 1 record(s) of standard input" in result.output
    assert "# not mapped (columns of standard input): tenant" in result.output
    assert "passwordHash (bcrypt)" in result.output  # the hash format found in the record


def test_mapping_init_of_empty_standard_input_is_refused_by_name():
    result = CliRunner().invoke(main, ["mapping", "init", "--from", "auth0", "-"], input="")
    assert result.exit_code == 2 and "standard input holds no records the auth0 preset can read" in result.output


CLEAN = "email,given_name\nzoe@cognito.example,Zoë\nana@cognito.example,Ana\n"


def _files(folder):
    return sorted(p.name for p in folder.iterdir())


def test_a_clean_dry_run_leaves_only_its_report_from_a_file_or_standard_input(tmp_path):
    (tmp_path / "users.csv").write_text(CLEAN, encoding="utf-8")
    (tmp_path / "users.dry-run.errors.jsonl").write_text('{"stale": "from an earlier dry run"}\n')
    from_file = CliRunner().invoke(main, ["import", "users.csv", "--from", "cognito", "--dry-run"])
    from_stdin = CliRunner().invoke(main, ["import", "-", "--from", "cognito", "--dry-run"], input=CLEAN)
    for result in (from_file, from_stdin):
        assert result.exit_code == 0 and "2 would be written, 0 failed" in result.output, result.output
    assert _files(tmp_path) == ["stdin.dry-run.report.json", "users.csv", "users.dry-run.report.json"]
    report = json.loads((tmp_path / "stdin.dry-run.report.json").read_text())
    assert report["errors"] is None  # the report names no error file that does not exist


def test_a_dry_run_that_fails_records_keeps_them_in_its_error_file(tmp_path):
    text = CLEAN + "not-an-email,Bad\n"
    result = CliRunner().invoke(main, ["import", "-", "--from", "cognito", "--dry-run"], input=text)
    assert result.exit_code == 0 and "1 failed" in result.output, result.output
    [line] = (tmp_path / "stdin.dry-run.errors.jsonl").read_text().splitlines()
    assert json.loads(line)["email"] == "not-an-email"
    assert json.loads((tmp_path / "stdin.dry-run.report.json").read_text())["errors"] == "stdin.dry-run.errors.jsonl"
