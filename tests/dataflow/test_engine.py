"""The engine's run-level outcomes: Ctrl-C records a stopped job, debug traces mask passwords."""

from __future__ import annotations

import pytest

from gigya_migrate.dataflow import History, RunSettings, Variables, parse_dataflow, run_dataflow
from gigya_migrate.dataflow.components import COMPONENTS, NOTHING, Component, Output


class _Records(Component):
    type = "test.read"
    role = "reader"
    takes = NOTHING
    counts_records = True

    def read(self):
        yield [{"UID": "u1", "password": {"hash": "c2VjcmV0aGFzaA==", "hashSettings": {"algorithm": "sha1"}},
                "profile": {"email": "a@example.com"}}]
        yield [{"UID": "u2"}, {"UID": "u3"}, {"UID": "u4"}]


class _Interrupt(Component):
    type = "test.interrupt"

    def process(self, items):
        if any(r["UID"] == "u2" for r in items):
            raise KeyboardInterrupt
        return Output(items)


@pytest.fixture
def test_components(monkeypatch):
    monkeypatch.setitem(COMPONENTS, "test.read", _Records)
    monkeypatch.setitem(COMPONENTS, "test.interrupt", _Interrupt)


def _flow():
    return parse_dataflow({"name": "eng", "steps": [{"id": "r", "type": "test.read", "next": ["i"]},
                                                    {"id": "i", "type": "test.interrupt"}]}, Variables())


def test_ctrl_c_records_a_stopped_job(test_components, tmp_path):
    history = History(tmp_path / "jobs.sqlite")
    with pytest.raises(KeyboardInterrupt):
        run_dataflow(_flow(), site=None, history=history, settings=RunSettings())
    job = history.jobs()[0]
    assert (job.status, job.total, job.message) == ("stopped", 4, "stopped by the user (Ctrl-C)")
    assert job.ended_at is not None


def test_debug_traces_three_records_per_step_with_passwords_masked(test_components, tmp_path, monkeypatch):
    monkeypatch.setattr(_Interrupt, "process", lambda self, items: Output(items))
    history = History(tmp_path / "jobs.sqlite")
    result = run_dataflow(_flow(), site=None, history=history, settings=RunSettings(log_level="debug"))
    assert result.status == "succeeded" and result.processed == 4
    debug = [t for t in history.trace_of(result.job_id) if t["level"] == "DEBUG"]
    assert sorted((t["step"], t["data"]["UID"]) for t in debug) == [  # 3 records per step (seed 000)
        ("i", "u1"), ("i", "u2"), ("i", "u3"), ("r", "u1"), ("r", "u2"), ("r", "u3")]
    assert debug[0]["data"]["password"] == "<masked>" and debug[0]["data"]["profile"]["email"] == "a@example.com"
    assert "c2VjcmV0aGFzaA==" not in str(history.trace_of(result.job_id))


def test_a_variable_value_carried_by_a_record_is_redacted_in_debug_traces(tmp_path):
    data = tmp_path / "in.csv"
    data.write_text("a\n1\n")
    flow = parse_dataflow({"name": "v", "steps": [
        {"id": "f", "type": "datasource.read.file", "params": {"path": str(data)}, "next": ["p"]},
        {"id": "p", "type": "file.parse.dsv", "next": ["add"]},
        {"id": "add", "type": "field.add", "params": {"fields": [{"field": "token", "value": "Bearer <$tok$>"}]}}]},
        Variables({"tok": "abc-secret-123"}))
    history = History(tmp_path / "jobs.sqlite")
    result = run_dataflow(flow, site=None, history=history, settings=RunSettings(log_level="debug"),
                          variables=Variables({"tok": "abc-secret-123"}))
    trace = history.trace_of(result.job_id)
    assert "abc-secret-123" not in str(trace)
    assert any(t["data"] and t["data"].get("token") == "Bearer <$tok$>" for t in trace)


def test_a_job_that_fails_midway_counts_only_what_completed(test_components, tmp_path, monkeypatch):
    def process(self, items):
        if any(r["UID"] == "u2" for r in items):
            raise RuntimeError("the target went away")
        return Output(items)

    monkeypatch.setattr(_Interrupt, "process", process)
    history = History(tmp_path / "jobs.sqlite")
    result = run_dataflow(_flow(), site=None, history=history, settings=RunSettings())
    assert (result.status, result.total, result.processed) == ("failed", 4, 1)
    assert result.message == "RuntimeError: the target went away"
    assert not result.watermark_committed


def test_a_site_nobody_answers_fails_the_job_once_not_every_record(tmp_path):
    import socket

    from gigya_migrate.commands._common import SiteTarget

    with socket.socket() as probe:  # a loopback port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = tmp_path / "in.csv"
    data.write_text("uid,email\nu1,a@example.com\nu2,b@example.com\n")
    flow = parse_dataflow({"name": "down", "steps": [
        {"id": "f", "type": "datasource.read.file", "params": {"path": str(data)}, "next": ["p"]},
        {"id": "p", "type": "file.parse.dsv", "next": ["w"]},
        {"id": "w", "type": "datasource.write.gigya.importaccount"}]}, Variables())
    site = SiteTarget("3_x", user_key="AK", secret="c2VjcmV0", base_url=f"http://127.0.0.1:{port}")
    result = run_dataflow(flow, site=site, history=History(tmp_path / "jobs.sqlite"),
                          settings=RunSettings(client_options={"max_retries": 0}))
    assert result.status == "failed" and "cannot connect to" in result.message
    assert result.errors == []  # no per-record error lines: the job stopped at the first refusal
