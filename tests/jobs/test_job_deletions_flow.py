"""The deletions flow over an in-memory audit log: watermark, overlap, dead letters, no loss, no duplicates.

The end-to-end tests against the mock Gigya live in test_job_deletions_e2e.py; these pin the flow's
own rules with an audit log we control to the millisecond.
"""

from __future__ import annotations

import csv
import re

import pytest
from faker import Faker

from gigya_migrate.flows.deletions import DeletionOptions, audit_query, deletion_event, event_key, propagate_deletions
from gigya_migrate.flows.downstream import DeadLetter, Downstream, DownstreamError, FileSink, HttpSink
from gigya_migrate.flows.state import StateFile, iso_from_ms, ms_from_iso

NOW = ms_from_iso("2026-11-23T02:00:00Z")
HOUR = 3600 * 1000


class AuditLog:
    """Audit records in memory; answers the ``@timestamp >= "..."`` part of the flow's query."""

    def __init__(self):
        self.records = []
        self.queries = []
        self.fake = Faker()
        self.fake.seed_instance(42)

    def add(self, at_ms, endpoint="accounts.deleteAccount", err="0", **params):
        uid = params.pop("uid", self.fake.hexify("^" * 32))
        record = {"@timestamp": iso_from_ms(at_ms), "callID": self.fake.hexify("^" * 32), "endpoint": endpoint,
                  "errCode": err, "uid": uid, "apiKey": "3_src", "params": {"UID": uid, **params}}
        self.records.append(record)
        return record

    def audit_search_all(self, query):
        self.queries.append(query)
        since = re.search(r'@timestamp >= "([^"]+)"', query).group(1)
        endpoints = set(re.findall(r'"([a-z]+\.[A-Za-z]+)"', query))
        hits = [r for r in self.records if r["@timestamp"] >= since and r["endpoint"] in endpoints]
        yield from sorted(hits, key=lambda r: r["@timestamp"])


def _options(**kw):
    return DeletionOptions(job="deletions:3_src", now_ms=lambda: NOW, **kw)


def _downstream(tmp_path, url=None, file_name="deleted.csv"):
    sinks = [FileSink(tmp_path / file_name, fields=["uid", "endpoint", "deletedAt", "callId"])]
    if url:
        sinks.append(HttpSink(url, sleep=lambda s: None, max_attempts=3))
    return Downstream(sinks, dead_letter=DeadLetter(tmp_path / "dead.jsonl"), key=event_key)


def _file_uids(path):
    return [row["uid"] for row in csv.DictReader(path.open())]


def test_query_names_every_deletion_endpoint_and_links_only_on_request():
    plain = audit_query("2026-11-22T02:00:00.000Z")
    for endpoint in ("accounts.deleteAccount", "accounts.deleteLiteAccount", "socialize.deleteAccount",
                     "ids.deleteAccount"):
        assert f'"{endpoint}"' in plain
    assert "linkAccounts" not in plain and plain.endswith("ORDER BY @timestamp ASC")
    linked = audit_query("2026-11-22T02:00:00.000Z", include_links=True)
    assert '"socialize.setUID"' in linked and 'params.loginMode = "link"' in linked


def test_event_keeps_identifiers_and_drops_other_params():
    record = {"@timestamp": "2026-11-22T03:00:00.000Z", "callID": "c1", "endpoint": "accounts.login", "errCode": 0,
              "params": {"loginID": "a@b.c", "password": "Secret-1", "loginMode": "link", "UID": "u1"}}
    event = deletion_event(record)
    assert event == {"uid": "u1", "endpoint": "accounts.login", "deletedAt": "2026-11-22T03:00:00.000Z",
                     "callId": "c1", "apiKey": "", "loginMode": "link"}
    assert deletion_event({**record, "errCode": "403005"}) is None


def test_first_run_takes_the_last_24_hours_then_continues_from_the_watermark(tmp_path, downstream_http):
    url, server = downstream_http
    log = AuditLog()
    old = log.add(NOW - 30 * HOUR)
    recent = [log.add(NOW - h * HOUR) for h in (20, 5, 1)]
    log.add(NOW - 2 * HOUR, err="403005")  # a failed delete is not a deletion
    state = StateFile(tmp_path / "state.json")

    report = propagate_deletions(log, _downstream(tmp_path, url), state, _options(batch_size=2))
    assert report.since == iso_from_ms(NOW - 24 * HOUR)
    assert (report.found, report.accepted, report.parked) == (3, 3, 0)
    assert server.accepted_uids() == [r["uid"] for r in recent] == _file_uids(tmp_path / "deleted.csv")
    assert old["uid"] not in server.accepted_uids()
    assert state.watermark("deletions:3_src") == recent[-1]["@timestamp"]

    newer = log.add(NOW + HOUR)
    again = propagate_deletions(log, _downstream(tmp_path, url), state, _options())
    assert (again.found, again.skipped_duplicates) == (1, 1)  # the overlap re-read the last one, skipped it
    assert server.accepted_uids() == [r["uid"] for r in recent + [newer]]


def test_full_reads_everything_and_since_overrides(tmp_path):
    log = AuditLog()
    records = [log.add(NOW - d * 24 * HOUR) for d in (300, 40, 2)]
    report = propagate_deletions(log, _downstream(tmp_path), StateFile(tmp_path / "s.json"), _options(full=True))
    assert report.found == 3
    since = propagate_deletions(log, _downstream(tmp_path, file_name="b.csv"), StateFile(tmp_path / "t.json"),
                                _options(since=records[1]["@timestamp"]))
    assert since.found == 2


def test_late_audit_write_inside_the_overlap_is_not_lost(tmp_path):
    log = AuditLog()
    log.add(NOW - HOUR)
    state = StateFile(tmp_path / "state.json")
    propagate_deletions(log, _downstream(tmp_path), state, _options())
    late = log.add(NOW - HOUR - 60_000)  # shows up in the log after the run, one minute *before* the watermark
    report = propagate_deletions(log, _downstream(tmp_path), state, _options())
    assert report.found == 1 and _file_uids(tmp_path / "deleted.csv")[-1] == late["uid"]


def test_downstream_failure_is_parked_and_retried_next_run_without_loss_or_duplicates(tmp_path, downstream_http):
    url, server = downstream_http
    log = AuditLog()
    events = [log.add(NOW - h * HOUR) for h in (6, 5, 4, 3)]
    flaky = events[1]["uid"]
    server.refuse_uids = {flaky: 503}
    state = StateFile(tmp_path / "state.json")
    report_path = tmp_path / "uids.jsonl"

    first = propagate_deletions(log, _downstream(tmp_path, url), state, _options(batch_size=2), uid_report=report_path)
    assert (first.accepted, first.parked) == (3, 1)
    assert state.watermark("deletions:3_src") == events[-1]["@timestamp"]  # parked = settled; nothing skipped
    assert [e["key"] for e in DeadLetter(tmp_path / "dead.jsonl").entries()] == [flaky]
    lines = [__import__("json").loads(x) for x in report_path.read_text().splitlines()]
    refused = next(x for x in lines if x["key"] == flaky)
    http = next(d for d in refused["downstream"] if d["sink"] == "http")
    assert refused["result"] == "parked" and http["status"] == 503 and http["attempts"] == 3

    server.refuse_uids = {}
    newer = log.add(NOW + HOUR)
    second = propagate_deletions(log, _downstream(tmp_path, url), state, _options(), uid_report=report_path)
    assert (second.retried_accepted, second.retried_still_parked, second.found) == (1, 0, 1)
    expected = sorted(e["uid"] for e in events + [newer])
    assert sorted(server.accepted_uids()) == expected  # every deletion exactly once over HTTP
    assert sorted(_file_uids(tmp_path / "deleted.csv")) == expected  # and exactly once in the file
    assert not (tmp_path / "dead.jsonl").exists()


def test_when_nothing_can_be_parked_the_watermark_stays(tmp_path, downstream_http):
    url, server = downstream_http
    log = AuditLog()
    log.add(NOW - HOUR)
    server.refuse_uids = {log.records[0]["uid"]: 500}
    (tmp_path / "blocker").write_text("a file where the dead-letter folder should be")
    downstream = Downstream([HttpSink(url, sleep=lambda s: None, max_attempts=2)],
                            dead_letter=DeadLetter(tmp_path / "blocker" / "dead.jsonl"), key=event_key)
    state = StateFile(tmp_path / "state.json")
    with pytest.raises(DownstreamError, match="dead-letter"):
        propagate_deletions(log, downstream, state, _options())
    assert state.watermark("deletions:3_src") is None


def test_dry_run_lists_and_sends_nothing_and_limit_caps(tmp_path):
    log = AuditLog()
    for h in (4, 3, 2, 1):
        log.add(NOW - h * HOUR)
    state = StateFile(tmp_path / "state.json")
    dry = propagate_deletions(log, None, state, _options(dry_run=True))
    assert dry.found == 4 and len(dry.would_send) == 4 and state.watermark("deletions:3_src") is None
    limited = propagate_deletions(log, _downstream(tmp_path), state, _options(limit=2))
    assert limited.found == 2
    assert state.watermark("deletions:3_src") == log.records[1]["@timestamp"]
    rest = propagate_deletions(log, _downstream(tmp_path), state, _options())
    assert rest.found == 2 and len(_file_uids(tmp_path / "deleted.csv")) == 4


def test_lite_account_deletion_has_no_uid_and_is_named_by_its_call():
    record = {"@timestamp": "2026-11-22T03:00:00.000Z", "callID": "c9", "endpoint": "accounts.deleteLiteAccount",
              "errCode": "0", "apikey": "3_src", "params": '{"emailAccountToken": "tok-1"}'}
    event = deletion_event(record)
    assert event["uid"] == "" and event["emailAccountToken"] == "tok-1" and event["apiKey"] == "3_src"
    assert event_key(event) == "callId:c9"
