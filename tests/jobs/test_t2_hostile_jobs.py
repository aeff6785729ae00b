"""Hostile first-use cases of the site jobs (engineer T2's pass): each test is a problem found by
using the CLI the way a migration engineer would, and the fix that keeps it from coming back."""

from __future__ import annotations

import json

from click.testing import CliRunner
from faker import Faker

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
