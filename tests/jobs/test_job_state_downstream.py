"""State file (watermarks, atomic writes) and downstream sinks (file, loopback HTTP, dead letter)."""

from __future__ import annotations

import csv
import json

import pytest
from faker import Faker

from gigya_migrate.flows.downstream import (
    DeadLetter,
    Downstream,
    DownstreamError,
    FileSink,
    HttpSink,
    backoff_seconds,
)
from gigya_migrate.flows.state import StateError, StateFile, iso_from_ms, ms_from_iso


def _events(n, seed=8):
    fake = Faker()
    fake.seed_instance(seed)
    return [{"uid": fake.uuid4().replace("-", ""), "endpoint": "accounts.deleteAccount",
             "email": fake.email()} for _ in range(n)]


# --- state ---------------------------------------------------------------------------------------

def test_state_file_round_trips_watermarks_per_job(tmp_path):
    state = StateFile(tmp_path / "state.json")
    assert state.watermark("copy:a->b") is None
    state.set_watermark("copy:a->b", 1763900000000, lastRun="ok")
    state.set_watermark("deletions:a", "2026-11-22T02:00:00.000Z")
    again = StateFile(tmp_path / "state.json")
    assert again.watermark("copy:a->b") == 1763900000000
    assert again.job("copy:a->b")["lastRun"] == "ok"
    assert again.watermark("deletions:a") == "2026-11-22T02:00:00.000Z"
    assert not list(tmp_path.glob(".state.json.*"))  # no temp file left behind


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"jobs": []}'])
def test_state_file_refuses_garbage_with_a_clear_error(tmp_path, content):
    path = tmp_path / "state.json"
    path.write_text(content)
    with pytest.raises(StateError, match="state file"):
        StateFile(path).load()
    assert path.read_text() == content  # nothing overwritten


def test_state_write_failure_keeps_the_old_state(tmp_path, monkeypatch):
    state = StateFile(tmp_path / "state.json")
    state.set_watermark("job", 1)
    import gigya_migrate.flows.state as module

    def broken_dump(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(module.json, "dump", broken_dump)
    with pytest.raises(StateError, match="disk full"):
        state.set_watermark("job", 2)
    monkeypatch.undo()
    assert state.watermark("job") == 1


@pytest.mark.parametrize("ms, iso", [(0, "1970-01-01T00:00:00.000Z"), (1763900000123, "2025-11-23T12:13:20.123Z")])
def test_iso_and_ms_conversions(ms, iso):
    assert iso_from_ms(ms) == iso
    assert ms_from_iso(iso) == ms


# --- sinks ---------------------------------------------------------------------------------------

def test_backoff_doubles_and_caps():
    assert [backoff_seconds(a, base=1, cap=5) for a in (1, 2, 3, 4)] == [1, 2, 4, 5]


def test_file_sink_csv_appends_without_repeating_the_header(tmp_path):
    path = tmp_path / "deleted.csv"
    records = _events(5)
    for chunk in (records[:3], records[3:]):
        sink = FileSink(path, fields=["uid", "endpoint", "email"])
        out = sink.send(chunk, [r["uid"] for r in chunk])
        sink.close()
        assert all(d.ok for d in out)
    rows = list(csv.DictReader(path.open()))
    assert [r["uid"] for r in rows] == [r["uid"] for r in records]
    assert rows[0]["email"] == records[0]["email"]


def test_file_sink_jsonl_and_unknown_extension(tmp_path):
    records = _events(2)
    sink = FileSink(tmp_path / "d.jsonl")
    sink.send(records, [r["uid"] for r in records])
    sink.close()
    assert [json.loads(x) for x in (tmp_path / "d.jsonl").read_text().splitlines()] == records
    with pytest.raises(ValueError, match=".csv or .jsonl"):
        FileSink(tmp_path / "d.txt")


def test_http_sink_posts_each_record_and_reports_per_uid(downstream_http):
    url, server = downstream_http
    records = _events(3)
    out = HttpSink(url, sleep=lambda s: None).send(records, [r["uid"] for r in records])
    assert [(d.key, d.ok, d.status, d.attempts) for d in out] == [(r["uid"], True, 200, 1) for r in records]
    assert server.received == records
    assert json.loads(out[0].answer) == {"ok": True, "status": 200}


def test_http_sink_retries_transient_failures_with_backoff(downstream_http):
    url, server = downstream_http
    server.fail_next = [503, 429, 500]
    waits = []
    record = _events(1)[0]
    out = HttpSink(url, sleep=waits.append, max_attempts=5).send([record], [record["uid"]])
    assert out[0].ok and out[0].attempts == 4
    assert waits == [0.5, 1.0, 2.0]
    assert server.received == [record]


def test_http_sink_does_not_retry_a_refusal(downstream_http):
    url, server = downstream_http
    server.fail_next = [400]
    record = _events(1)[0]
    out = HttpSink(url, sleep=lambda s: None).send([record], [record["uid"]])
    assert not out[0].ok and out[0].status == 400 and out[0].attempts == 1
    assert "HTTP 400" in out[0].error
    assert server.requests == 1


def test_http_sink_unreachable_endpoint_gives_up_after_max_attempts():
    waits = []
    record = _events(1)[0]
    out = HttpSink("http://127.0.0.1:9/none", sleep=waits.append, max_attempts=3, timeout=2).send(
        [record], [record["uid"]])
    assert not out[0].ok and out[0].status is None and out[0].attempts == 3
    assert len(waits) == 2 and "ConnectionError" in out[0].error


def test_http_sink_batch_mode_posts_one_array(downstream_http):
    url, server = downstream_http
    records = _events(4)
    out = HttpSink(url, mode="batch").send(records, [r["uid"] for r in records])
    assert server.requests == 1 and server.received == [records]
    assert all(d.ok for d in out)


# --- downstream + dead letter --------------------------------------------------------------------

def test_refused_records_are_parked_and_retried_only_where_owed(tmp_path, downstream_http):
    url, server = downstream_http
    records = _events(4)
    bad = records[1]["uid"]
    server.refuse_uids = {bad: 503}
    file_path = tmp_path / "deleted.jsonl"
    dead = DeadLetter(tmp_path / "dead.jsonl")

    def downstream():
        return Downstream([FileSink(file_path), HttpSink(url, sleep=lambda s: None, max_attempts=2)],
                          dead_letter=dead)

    first = downstream()
    outcome = first.deliver(records)
    first.close()
    assert outcome.parked == [bad]
    assert outcome.accepted == [r["uid"] for r in records if r["uid"] != bad]
    (entry,) = dead.entries()
    assert entry["sinks"] == ["http"] and entry["record"] == records[1] and "503" in entry["error"]

    server.refuse_uids = {}
    second = downstream()
    retried = second.retry_parked()
    second.close()
    assert retried.accepted == [bad] and dead.entries() == []
    # The file got every record exactly once (the retry did not re-write it); HTTP too.
    lines = [json.loads(x)["uid"] for x in file_path.read_text().splitlines()]
    assert sorted(lines) == sorted(r["uid"] for r in records)
    assert sorted(server.accepted_uids()) == sorted(r["uid"] for r in records)


def test_still_failing_parked_records_stay_parked_with_attempt_count(tmp_path, downstream_http):
    url, server = downstream_http
    record = _events(1)[0]
    server.refuse_uids = {record["uid"]: 400}
    dead = DeadLetter(tmp_path / "dead.jsonl")
    ds = Downstream([HttpSink(url, sleep=lambda s: None)], dead_letter=dead)
    ds.deliver([record])
    first = dead.entries()[0]
    ds.retry_parked()
    (again,) = dead.entries()
    assert again["attempts"] == 2 and again["firstFailedAt"] == first["firstFailedAt"]


def test_without_dead_letter_a_refusal_is_a_run_level_error(downstream_http):
    url, server = downstream_http
    server.fail_next = [400]
    with pytest.raises(DownstreamError, match="refused 1 record"):
        Downstream([HttpSink(url)]).deliver(_events(1))
