"""What a first real user tripped on (issue 14), import side: exit codes for automation, status
counting only logins after the import, a --resume of a finished run, the per-step wall-clock table."""

from __future__ import annotations

import json
import re
from pathlib import Path

from gigya_migrate.client import GigyaClient
from gigya_migrate.commands import _exit
from mock_gigya import defaults

from cli_run import invoke  # tests/flows/cli_run.py

API_KEY = defaults.DEFAULT_API_KEY
README = Path(__file__).resolve().parents[2] / "README.md"


def _client(server) -> GigyaClient:
    return GigyaClient(API_KEY, user_key=defaults.DEFAULT_USER_KEY, secret=defaults.DEFAULT_SECRET,
                       base_url=server.url)


def _with_a_bad_row(rows):
    return [*rows, {**rows[0], "email": "not-an-email", "hash": "zz-not-a-hash", "scheme": "md5"}]


# --- exit codes -------------------------------------------------------------------------------------


def test_failed_records_exit_0_by_default_and_3_with_fail_on_errors(tmp_path, gigya_server, site_args, users, csv_of,
                                                                     mapping_file):
    rows, _ = users(4, formats=("md5_hex",))
    source = csv_of(tmp_path / "users.csv", _with_a_bad_row(rows))
    default = invoke("import", source, "--mapping", mapping_file, "--dry-run")
    assert default.exit_code == 0, default.output
    assert "1 failed" in default.output
    strict = invoke("import", source, "--mapping", mapping_file, "--dry-run", "--fail-on-errors")
    assert strict.exit_code == 3, strict.output
    assert "1 record(s) failed: exit 3 (--fail-on-errors)" in strict.output
    clean = csv_of(tmp_path / "clean.csv", rows)
    assert invoke("import", clean, "--mapping", mapping_file, "--fail-on-errors", *site_args).exit_code == 0


def test_the_environment_turns_fail_on_errors_on_for_a_whole_cron_job(tmp_path, users, csv_of, mapping_file,
                                                                      monkeypatch):
    rows, _ = users(2, formats=("md5_hex",))
    source = csv_of(tmp_path / "users.csv", _with_a_bad_row(rows))
    monkeypatch.setenv("GIGYA_MIGRATE_FAIL_ON_ERRORS", "1")
    assert invoke("import", source, "--mapping", mapping_file, "--dry-run").exit_code == 3


def test_every_job_command_takes_fail_on_errors():
    for command in ("import", "validate-hashes", "copy", "reconcile", "export", "update", "deletions",
                    "flagged-deletions", "dataflow run"):
        result = invoke(*command.split(), "--help")
        assert "--fail-on-errors" in result.output, command


def test_copy_and_update_exit_3_on_failed_accounts_only_with_fail_on_errors(tmp_path, gigya_server, monkeypatch):
    # the README's table: 0 once the run completes, 3 with --fail-on-errors when records failed
    monkeypatch.chdir(tmp_path)
    gigya_server.add_site("3_target", user_key=defaults.DEFAULT_USER_KEY, secret=defaults.DEFAULT_SECRET)
    gigya_server.seed(API_KEY, 4, seed=1)
    keys = ["--user-key", defaults.DEFAULT_USER_KEY, "--secret", defaults.DEFAULT_SECRET]
    site = ["--base-url", gigya_server.url, "--api-key", API_KEY, *keys]
    copy = ["copy", "--full", "--from-base-url", gigya_server.url, "--from-api-key", API_KEY,
            *[f"--from-{k[2:]}" if k.startswith("--") else k for k in keys],
            "--to-base-url", gigya_server.url, "--to-api-key", "3_target",
            *[f"--to-{k[2:]}" if k.startswith("--") else k for k in keys]]
    for command, method in ((copy, "importFullAccount"), (["update", "--where", "isRegistered = true",
                                                           "--set", "data.segment=x", *site], "setAccountInfo")):
        for strict, expected in ((False, 0), (True, 3)):
            gigya_server.faults.script(method, times=1, error=400006)  # one account refused, not retried
            extra = ["--fail-on-errors"] if strict else []
            result = invoke(*command, *extra, "--state", tmp_path / f"{method}-{strict}.json") \
                if command is copy else invoke(*command, *extra)
            assert result.exit_code == expected, (command[0], strict, result.output)
            assert "failed" in result.output, result.output
        gigya_server.faults.clear()


def test_a_journal_that_is_not_one_is_bad_usage_and_left_untouched(tmp_path, gigya_server, site_args, users,
                                                                     csv_of, mapping_file):
    # README: exit 2 for "a bad ... journal, refused before anything was sent" (it was exit 1, "file is not a database")
    rows, _ = users(2, formats=("md5_hex",))
    journal = tmp_path / "notes.txt"
    journal.write_text("my notes, given as --journal by mistake\n", encoding="utf-8")
    result = invoke("import", csv_of(tmp_path / "users.csv", rows), "--mapping", mapping_file, "--journal", journal,
                    *site_args)
    assert result.exit_code == 2 and f"journal {journal} cannot be used" in result.output, result.output
    assert journal.read_text(encoding="utf-8") == "my notes, given as --journal by mistake\n"
    assert gigya_server.accounts(API_KEY).count() == 0


def test_the_readme_exit_code_table_matches_the_code():
    text = README.read_text(encoding="utf-8")
    section = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    table = dict(re.findall(r"^\| `?(\d+)`? \| ([^|]+)\|", section, flags=re.M))
    assert set(table) == {"0", "1", "2", "3", "130"}
    assert int(next(k for k, v in table.items() if "records failed" in v.lower())) == _exit.RECORDS_FAILED
    assert int(next(k for k, v in table.items() if "interrupted" in v.lower())) == _exit.INTERRUPTED
    assert int(next(k for k, v in table.items() if "usage" in v.lower())) == _exit.BAD_USAGE


# --- status -------------------------------------------------------------------------------------------


def test_status_does_not_count_a_last_login_imported_from_the_legacy_system(tmp_path, gigya_server, site_args,
                                                                            users, csv_of):
    rows, passwords = users(10, formats=("md5_hex", "bcrypt"))
    for row in rows:  # the legacy system's own last login, imported with the account
        row["last_login"] = "2025-06-01T10:00:00Z"
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("login_id: email\nfields:\n  last_login: {to: lastLogin, type: date}\n"
                       "add:\n  data.migratedFrom: tests\npassword:\n  hash: hash\n  scheme: scheme\n  salt: salt\n",
                       encoding="utf-8")
    imported = invoke("import", csv_of(tmp_path / "users.csv", rows), "--mapping", mapping, *site_args)
    assert imported.exit_code == 0, imported.output
    assert gigya_server.accounts(API_KEY).find(email=rows[0]["email"])["lastLogin"].startswith("2025-06-01")
    with _client(gigya_server) as client:
        for row in rows[:3]:
            client.login(row["email"], passwords[row["email"]])
    result = invoke("status", "--report", "s.json", *site_args)
    assert result.exit_code == 0, result.output
    assert "10 accounts; 3 logged in and re-hashed (30%); 7 still on legacy hashes" in result.output
    counts = json.loads((tmp_path / "s.json").read_text())["algorithms"]
    assert counts["pbkdf2"]["loggedIn"] == 3
    legacy = {name: value for name, value in counts.items() if name != "pbkdf2"}
    assert sum(v["loggedIn"] for v in legacy.values()) == 0
    assert sum(v["legacyLastLoginOnly"] for v in legacy.values()) == 7
    assert "7 accounts with only a lastLogin from before it" in result.output
    for line in result.output.splitlines():  # the table never contradicts itself
        if "not logged in since import" in line:
            assert re.search(r"\s0\s+legacy: not logged in since import$", line), line


def test_status_imported_at_sets_the_boundary_and_a_bad_time_is_refused(tmp_path, gigya_server, site_args, users,
                                                                        csv_of, mapping_file):
    rows, passwords = users(4, formats=("md5_hex",))
    invoke("import", csv_of(tmp_path / "users.csv", rows), "--mapping", mapping_file, *site_args)
    with _client(gigya_server) as client:
        client.login(rows[0]["email"], passwords[rows[0]["email"]])
    before = invoke("status", "--imported-at", "2020-01-01T00:00:00Z", *site_args)
    assert "1 logged in and re-hashed" in before.output, before.output
    after = invoke("status", "--imported-at", "2999-01-01T00:00:00Z", *site_args)
    assert "0 logged in and re-hashed" in after.output, after.output
    bad = invoke("status", "--imported-at", "last tuesday", *site_args)
    assert bad.exit_code == 2 and "--imported-at" in bad.output


# --- resume of a finished run --------------------------------------------------------------------------


def test_resume_of_a_finished_run_says_so_and_keeps_its_report(tmp_path, gigya_server, site_args, users, csv_of,
                                                                mapping_file):
    rows, _ = users(5, formats=("md5_hex",))
    source = csv_of(tmp_path / "users.csv", _with_a_bad_row(rows))
    first = invoke("import", source, "--mapping", mapping_file, *site_args)
    assert first.exit_code == 0, first.output
    report = tmp_path / "users.report.json"
    finished = report.read_text()
    assert json.loads(finished)["records"]["ok"] == 5
    again = invoke("import", source, "--mapping", mapping_file, "--resume", *site_args)
    assert again.exit_code == 0, again.output
    assert "nothing to resume" in again.output and "already finished (5 done, 1 failed)" in again.output
    assert report.read_text() == finished  # the finished run's report, not an empty one
    strict = invoke("import", source, "--mapping", mapping_file, "--resume", "--fail-on-errors", *site_args)
    assert strict.exit_code == 3 and report.read_text() == finished
    page = tmp_path / "finished.html"
    drawn = invoke("import", source, "--mapping", mapping_file, "--resume", "--html", page, *site_args)
    assert drawn.exit_code == 0, drawn.output
    assert report.read_text() == finished
    text = page.read_text()  # the finished run's counts, not an empty run's
    assert '<div class="value">5</div><div class="label">ok</div>' in text


# --- per-step table ----------------------------------------------------------------------------------


def test_the_step_table_shows_wall_clock_seconds_and_labels_summed_worker_time(tmp_path, gigya_server, site_args,
                                                                                users, csv_of, mapping_file):
    rows, _ = users(40, formats=("md5_hex",))
    gigya_server.faults.configure(latency=0.02)
    result = invoke("import", csv_of(tmp_path / "users.csv", rows), "--mapping", mapping_file,
                    "--concurrency", "8", *site_args)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "users.report.json").read_text())
    write = next(s for s in report["steps"] if s["step"] == "write")
    # 40 calls of >= 20 ms on 8 workers: summed worker time >= 0.8 s, wall clock well below it
    assert write["workerSeconds"] >= 0.8
    assert write["wallSeconds"] <= report["durationSeconds"] + 0.01
    assert write["wallSeconds"] < write["workerSeconds"]
    header = next(line for line in result.output.splitlines() if line.strip().startswith("step"))
    assert "wall s" in header and "worker s (summed)" in header


# --- validate-hashes test users are not real deletions -------------------------------------------------


def test_deletions_skips_the_test_users_validate_hashes_removed(tmp_path, gigya_server, site_args, users, csv_of):
    rows, passwords = users(3, seed=3, formats=("md5_hex", "bcrypt", "django"))
    sample = csv_of(tmp_path / "sample.csv", [{"email": r["email"], "password": passwords[r["email"]],
                                               "hash": r["hash"], "scheme": r["scheme"], "salt": r["salt"]}
                                              for r in rows])
    checked = invoke("validate-hashes", sample, *site_args)
    assert checked.exit_code == 0 and "3/3 sample users passed" in checked.output, checked.output
    gigya_server.seed_account(API_KEY, UID="real-user", profile={"email": "real@example.com"})
    with _client(gigya_server) as client:
        client.delete_account("real-user")  # a real deletion, next to the three test users'
    out = tmp_path / "deleted.jsonl"
    result = invoke("deletions", "--full", "--out", out, "--report", tmp_path / "d.json", *site_args)
    assert result.exit_code == 0, result.output
    sent = [json.loads(line)["uid"] for line in out.read_text().splitlines()]
    assert sent == ["real-user"]
    assert "3 validate-hashes test users skipped" in result.output
    assert json.loads((tmp_path / "d.json").read_text())["skipped_test_users"] == 3
