"""Hostile first-use cases of the site jobs (engineer T2's pass): each test is a problem found by
using the CLI the way a migration engineer would, and the fix that keeps it from coming back."""

from __future__ import annotations

import json

from click.testing import CliRunner

from gigya_migrate.cli import main
from gigya_migrate.flows.downstream import DeadLetter, Downstream, FileSink, HttpSink


def _event(uid: str) -> dict:
    return {"uid": uid, "deletedAt": "2026-11-22T02:00:00.000Z", "endpoint": "accounts.deleteAccount"}


# --- dead letters: a debt to one sink is not settled by another -------------------------------------

def test_parked_for_the_endpoint_is_not_settled_by_a_run_without_post(tmp_path, downstream_http):
    """Before: a deletion parked for --post was sent to this run's --out file instead, then dropped
    from the dead-letter file: the endpoint never got it."""
    url, server = downstream_http
    dead = DeadLetter(tmp_path / "dead.jsonl")
    server.fail_next = [500, 500]
    first = Downstream([HttpSink(url, sleep=lambda s: None, max_attempts=2)], dead_letter=dead)
    assert first.deliver([_event("u1")]).parked == ["u1"]
    first.close()

    file_only = Downstream([FileSink(tmp_path / "deleted-day2.csv")], dead_letter=dead)
    outcome = file_only.retry_parked()
    file_only.close()
    assert outcome.accepted == [] and outcome.parked == ["u1"]
    assert [e["sinks"] for e in dead.entries()] == [["http"]]

    both = Downstream([FileSink(tmp_path / "deleted-day3.csv"), HttpSink(url, sleep=lambda s: None)],
                      dead_letter=dead)
    outcome = both.retry_parked()
    both.close()
    assert outcome.accepted == ["u1"] and dead.entries() == []
    assert server.accepted_uids() == ["u1"]
    assert not (tmp_path / "deleted-day3.csv").exists()  # the file never owed it


def test_parked_for_yesterdays_file_goes_to_todays_file(tmp_path):
    """A nightly --out deleted-<date>.csv has a new name each run: a file debt is paid to today's file."""
    dead = DeadLetter(tmp_path / "dead.jsonl")
    dead.park([{"key": "u2", "record": _event("u2"), "sinks": ["file:deleted-day1.csv"], "attempts": 1,
                "error": "file:deleted-day1.csv: disk full", "firstFailedAt": "2026-11-22T02:00:00.000Z"}])
    today = Downstream([FileSink(tmp_path / "deleted-day2.jsonl", name="file:deleted-day2.jsonl")], dead_letter=dead)
    assert today.retry_parked().accepted == ["u2"]
    today.close()
    assert [json.loads(x)["uid"] for x in (tmp_path / "deleted-day2.jsonl").read_text().splitlines()] == ["u2"]
    assert dead.entries() == []


def test_partly_owed_entry_keeps_the_sink_this_run_lacks(tmp_path, downstream_http):
    url, server = downstream_http
    dead = DeadLetter(tmp_path / "dead.jsonl")
    dead.park([{"key": "u3", "record": _event("u3"), "sinks": ["file:a.jsonl", "http"], "attempts": 1,
                "error": "x", "firstFailedAt": "2026-11-22T02:00:00.000Z"}])
    run = Downstream([FileSink(tmp_path / "b.jsonl", name="file:b.jsonl")], dead_letter=dead)
    outcome = run.retry_parked()
    run.close()
    assert outcome.parked == ["u3"] and [e["sinks"] for e in dead.entries()] == [["http"]]
    assert (tmp_path / "b.jsonl").read_text().count("u3") == 1


# --- CLI: what a first-time user types --------------------------------------------------------------

def _people(sites, count, seed=71):
    return sites.people(count, seed=seed, prefix="t2p", data={"tier": "gold"},
                        password={"hashedPassword": "X03MO1qnZdYdgyfeuILPmQ==",  # md5("password")
                                  "hashSettings": {"algorithm": "md5"}})


def _cli(*args, **kwargs):
    return CliRunner().invoke(main, [str(a) for a in args], **kwargs)


def test_a_where_syntax_error_points_into_the_where_and_exits_2(sites, tmp_path, monkeypatch):
    """Before: 'position 241' counted in the generated SELECT the user never saw, exit 1."""
    monkeypatch.chdir(tmp_path)
    _people(sites, 2)
    src, dst = sites.cli_args("", "3_src", "us1"), sites.cli_args("to", "3_dst", "eu1")
    bad = "isRegistered = = true"
    runs = {
        "copy": _cli("copy", *sites.cli_args("from", "3_src", "us1"), *dst, "--full", "--where", bad),
        "export": _cli("export", *src, "--where", bad, "--out", tmp_path / "x.csv"),
        "update": _cli("update", *src, "--where", bad, "--set", "data.x=1"),
        "reconcile": _cli("reconcile", *sites.cli_args("from", "3_src", "us1"), *dst, "--where", bad),
    }
    for name, result in runs.items():
        assert result.exit_code == 2, (name, result.output)
        lines = result.output.splitlines()
        at = lines.index(f"  {bad}")
        assert lines[at + 1] == "  " + " " * bad.index("= true") + "^", (name, result.output)
        assert "position" not in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.csv").exists()


def test_a_misspelt_copy_field_is_refused_before_anything_is_copied(sites, tmp_path, monkeypatch):
    """Before: --fields UID,profile,pasword copied every account without its password, exit 0."""
    monkeypatch.chdir(tmp_path)
    _people(sites, 2)
    result = _cli("copy", *sites.cli_args("from", "3_src", "us1"), *sites.cli_args("to", "3_dst", "eu1"),
                  "--full", "--fields", "UID,profile,pasword,loginIDs")
    assert result.exit_code == 2 and "did you mean password?" in result.output
    assert sites.dst.search("SELECT count(*) FROM accounts").raw["results"][0]["count(*)"] == 0


def test_copy_without_password_says_the_users_lose_it(sites, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _people(sites, 2)
    result = _cli("copy", *sites.cli_args("from", "3_src", "us1"), *sites.cli_args("to", "3_dst", "eu1"),
                  "--full", "--fields", "UID,profile,loginIDs")
    assert result.exit_code == 0, result.output
    assert "no 'password'" in result.output


def test_bad_set_paths_are_refused_before_any_write(sites, tmp_path, monkeypatch):
    """Before: --set data..x=1 and data.=1 wrote a field named '' into every matching account."""
    monkeypatch.chdir(tmp_path)
    (uid,) = _people(sites, 1)
    src = sites.cli_args("", "3_src", "us1")
    for sets in (["data..x=1"], ["data.=1"], ["data.a=1", "data.a.b=2"], ["data.a=1", "data.a=2"]):
        args = [a for s in sets for a in ("--set", s)]
        result = _cli("update", *src, "--where", "isRegistered = true", *args)
        assert result.exit_code == 2, (sets, result.output)
        assert "Invalid value for --set" in result.output
    assert sites.src.get_account_info(uid).raw["data"] == {"tier": "gold"}


def test_an_interrupted_copy_exits_130_and_resumes(sites, tmp_path, monkeypatch):
    """Before: Ctrl+C/SIGTERM made copy exit 1 with the resume hint printed twice."""
    from gigya_migrate.client import GigyaClient

    monkeypatch.chdir(tmp_path)
    people = _people(sites, 6)
    real = GigyaClient.import_full_account
    calls = {"n": 0}

    def stop_on_the_third(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    monkeypatch.setattr(GigyaClient, "import_full_account", stop_on_the_third)
    args = ["copy", *sites.cli_args("from", "3_src", "us1"), *sites.cli_args("to", "3_dst", "eu1"), "--full",
            "--concurrency", "1", "--policy", "upsert"]
    stopped = _cli(*args)
    assert stopped.exit_code == 130, stopped.output
    assert stopped.output.count("--resume") == 1
    resumed = _cli(*args, "--resume")
    assert resumed.exit_code == 0, resumed.output
    copied = sites.dst.search("SELECT UID FROM accounts").raw["results"]
    assert sorted(a["UID"] for a in copied) == sorted(people)


def test_a_malformed_post_url_is_refused_before_the_audit_log_is_read(sites, tmp_path, monkeypatch):
    """Before: the deletions were 'parked' with 'No connection adapters' and the run exited 0."""
    monkeypatch.chdir(tmp_path)
    for url in ("htp:/bad url", "crm.internal/hook", "http://"):
        result = _cli("deletions", *sites.cli_args("", "3_src", "us1"), "--post", url, "--full")
        assert result.exit_code == 2 and "expected an http(s) URL" in result.output, (url, result.output)
    assert not (tmp_path / ".gigya-migrate").exists()


def test_export_does_not_overwrite_a_file_it_did_not_write(sites, tmp_path):
    """Before: --out users.csv replaced whatever file had that name (a legacy export, say)."""
    _people(sites, 2)
    src, out, state = sites.cli_args("", "3_src", "us1"), tmp_path / "users.csv", tmp_path / "s.json"
    out.write_text("the legacy export\n")
    refused = _cli("export", *src, "--out", out, "--state", state)
    assert refused.exit_code == 2 and "--overwrite" in refused.output
    assert out.read_text() == "the legacy export\n"
    assert _cli("export", *src, "--out", out, "--state", state, "--overwrite").exit_code == 0
    assert out.read_text().startswith("UID,")
    # an incremental job replaces the file its own last run wrote, without --overwrite (nightly cron)
    nightly = ["export", *src, "--out", tmp_path / "delta.jsonl", "--state", state,
               "--delta-field", "lastUpdatedTimestamp"]
    assert _cli(*nightly).exit_code == 0
    again = _cli(*nightly)
    assert again.exit_code == 0, again.output


def test_the_default_export_leaves_password_hashes_out(sites, tmp_path):
    _people(sites, 2)
    src = sites.cli_args("", "3_src", "us1")
    assert _cli("export", *src, "--out", tmp_path / "all.jsonl").exit_code == 0
    rows = [json.loads(x) for x in (tmp_path / "all.jsonl").read_text().splitlines()]
    assert len(rows) == 2 and all("password" not in r and r["profile"]["email"] for r in rows)
    assert _cli("export", *src, "--fields", "UID,password", "--out", tmp_path / "hashes.jsonl").exit_code == 0
    assert "X03MO1qnZdYdgyfeuILPmQ==" in (tmp_path / "hashes.jsonl").read_text()  # asked for by name


def test_a_failed_copy_line_holds_no_password_hash_and_an_upsert_fixes_it(sites, tmp_path, monkeypatch):
    """Before: every failed account's line in copy-errors.jsonl carried its full password hash."""
    monkeypatch.chdir(tmp_path)
    people = _people(sites, 3)
    for uid in people[:2]:
        sites.dst.import_full_account(uid, login_ids={"emails": [f"{uid}@example.org"]})
    args = ["copy", *sites.cli_args("from", "3_src", "us1"), *sites.cli_args("to", "3_dst", "eu1"), "--full"]
    result = _cli(*args)
    assert result.exit_code == 0 and "400003" in result.output
    lines = [json.loads(x) for x in (tmp_path / "copy-errors.jsonl").read_text().splitlines()]
    assert sorted(x["UID"] for x in lines) == sorted(people[:2])
    assert all("password" not in x for x in lines)
    assert "X03MO1qnZdYdgyfeuILPmQ==" not in (tmp_path / "copy-errors.jsonl").read_text()
    # the password still travels: an upsert copies it and the user logs in with it
    assert _cli(*args, "--policy", "upsert").exit_code == 0
    email = sites.src.get_account_info(people[0]).raw["profile"]["email"]
    assert sites.dst.login(email, "password").raw["UID"] == people[0]


def test_copy_says_how_many_accounts_the_overlap_skipped(sites, tmp_path, monkeypatch):
    """Before: a second run printed '5 records in, 0 ok, 0 failed' and nothing about the 5."""
    monkeypatch.chdir(tmp_path)
    _people(sites, 2)
    args = ["copy", *sites.cli_args("from", "3_src", "us1"), *sites.cli_args("to", "3_dst", "eu1")]
    assert _cli(*args).exit_code == 0
    again = _cli(*args)
    assert again.exit_code == 0 and "2 account(s) re-read in the overlap window" in again.output, again.output


def test_reconcile_names_extra_target_accounts_and_the_report(sites, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    people = _people(sites, 2)
    sites.dst.import_full_account("t2-only-on-target", login_ids={"emails": ["only@example.org"]})
    for uid in people:
        sites.dst.import_full_account(uid, profile={"email": "changed@example.org"},
                                      login_ids={"emails": [f"{uid}@example.org"]})
    result = _cli("reconcile", *sites.cli_args("from", "3_src", "us1"), *sites.cli_args("to", "3_dst", "eu1"),
                  "--strict", "--report", tmp_path / "rec.json")
    assert result.exit_code == 3  # --strict: the sites differ
    assert "the target has 1 account(s) more than the source" in result.output
    assert f"see {tmp_path / 'rec.json'}" in result.output


def test_update_says_when_the_where_matches_nothing(sites, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _people(sites, 1)
    result = _cli("update", *sites.cli_args("", "3_src", "us1"), "--where", 'profile.email = "nobody@x.org"',
                  "--set", "data.x=1")
    assert result.exit_code == 0 and "no account matches --where" in result.output


def test_flagged_deletions_refuses_a_bad_flag_and_points_into_a_bad_where(sites, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    src = sites.cli_args("", "3_src", "us1")
    flag = _cli("flagged-deletions", *src, "--flag", "data..deleteUser", "--dry-run")
    assert flag.exit_code == 2 and "'--flag'" in flag.output, flag.output
    where = _cli("flagged-deletions", *src, "--where", "x = = 1", "--dry-run")
    assert where.exit_code == 2 and "  x = = 1\n      ^" in where.output, where.output


def test_export_separator_must_be_one_character(sites, tmp_path):
    """Before: --separator '||' ended in a TypeError traceback from the csv module."""
    _people(sites, 1)
    src = sites.cli_args("", "3_src", "us1")
    for bad in ("||", ""):
        result = _cli("export", *src, "--out", tmp_path / "x.csv", "--separator", bad)
        assert result.exit_code == 2 and "'--separator'" in result.output, (bad, result.output)
        assert not isinstance(result.exception, TypeError)
    tab = _cli("export", *src, "--out", tmp_path / "x.dsv", "--fields", "UID,profile.email", "--separator", "\\t")
    assert tab.exit_code == 0 and (tmp_path / "x.dsv").read_text().startswith("UID\tprofile.email")


def test_deletions_since_is_checked_and_a_bad_header_is_not_echoed(sites, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    src = sites.cli_args("", "3_src", "us1")
    since = _cli("deletions", *src, "--out", "d.csv", "--since", "yesterday")
    assert since.exit_code == 2 and "--since" in since.output, since.output
    assert _cli("deletions", *src, "--out", "d.csv", "--since", "1763000000000", "--dry-run").exit_code == 0
    header = _cli("deletions", *src, "--post", "http://127.0.0.1:9/x", "--header", "Authorization Bearer s3cr3tT0ken")
    assert header.exit_code == 2 and "s3cr3tT0ken" not in header.output, header.output


def test_copying_a_site_onto_itself_is_refused(sites, tmp_path, monkeypatch):
    """Before: --to-api-key equal to --from-api-key re-imported every account over itself, exit 0."""
    monkeypatch.chdir(tmp_path)
    _people(sites, 1)
    result = _cli("copy", *sites.cli_args("from", "3_src", "us1"), *sites.cli_args("to", "3_src", "us1"),
                  "--full", "--policy", "upsert")
    assert result.exit_code == 2 and "same site" in result.output, result.output
    assert not (tmp_path / "copy-report.json").exists()
