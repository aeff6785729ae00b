"""A run's threads under Linux's SCHED_BATCH (gigya_migrate/flows/scheduling.py), and --scheduling.

The policy a thread runs under is read back from the kernel (``os.sched_getscheduler``) in the
threads that do the work: the runner's workers, the main thread's transforms, the thread making an
import's HTTP call."""

from __future__ import annotations

import os
import threading

import pytest

from gigya_migrate.client import GigyaClient
from gigya_migrate.flows import scheduling
from gigya_migrate.flows.runner import RecordResult, RunOptions, Step, run

from cli_run import invoke  # tests/flows/cli_run.py

pytestmark = pytest.mark.skipif(not hasattr(os, "sched_setscheduler") or not hasattr(os, "SCHED_BATCH"),
                                reason="CPU scheduling policies are a Linux feature (os.sched_setscheduler)")


@pytest.fixture
def policy_before():
    """The test thread's policy, which every run must hand back unchanged."""
    before = os.sched_getscheduler(0)
    if before not in (os.SCHED_OTHER, os.SCHED_BATCH):
        pytest.skip(f"the tests run under scheduling policy {before}, not SCHED_OTHER or SCHED_BATCH")
    yield before
    os.sched_setscheduler(0, before, os.sched_param(0))


def _policies_seen(scheduling_option: str | None) -> tuple[set[int], set[int]]:
    """(policies seen by the write calls, policies seen by the main thread's transform) of a run."""
    seen_write, seen_step, lock = set(), set(), threading.Lock()

    def write(record: dict) -> RecordResult:
        with lock:
            seen_write.add(os.sched_getscheduler(0))
        return RecordResult(record["id"], ok=True)

    def step(record: dict) -> dict:
        seen_step.add(os.sched_getscheduler(0))
        return record

    options = RunOptions(concurrency=4) if scheduling_option is None else RunOptions(concurrency=4,
                                                                                      scheduling=scheduling_option)
    report = run(({"id": f"r{i}"} for i in range(40)), name="t", key=lambda r: r["id"], transforms=[Step("s", step)],
                 write=write, options=options)
    assert report.ok == 40
    return seen_write, seen_step


def test_a_run_works_under_sched_batch_by_default_and_hands_the_policy_back(policy_before):
    os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
    seen_write, seen_step = _policies_seen(None)
    assert seen_write == {os.SCHED_BATCH}  # every worker thread
    assert seen_step == {os.SCHED_BATCH}  # the run's own (main) thread
    assert os.sched_getscheduler(0) == os.SCHED_OTHER  # given back when the run ends


def test_a_run_that_fails_hands_the_policy_back_too(policy_before):
    os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))

    def broken_input():
        yield {"id": "r0"}
        raise OSError("the input broke")

    with pytest.raises(OSError, match="the input broke"):
        run(broken_input(), name="t", key=lambda r: r["id"], write=lambda r: RecordResult(r["id"], ok=True),
            options=RunOptions(concurrency=2))
    assert os.sched_getscheduler(0) == os.SCHED_OTHER


def test_normal_leaves_the_threads_as_the_process_runs_them(policy_before):
    os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
    seen_write, seen_step = _policies_seen("normal")
    assert seen_write == seen_step == {os.SCHED_OTHER}
    assert os.sched_getscheduler(0) == os.SCHED_OTHER


def test_a_caller_already_under_sched_batch_stays_there(policy_before):
    os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
    seen_write, _ = _policies_seen(None)
    assert seen_write == {os.SCHED_BATCH}
    assert os.sched_getscheduler(0) == os.SCHED_BATCH  # not "restored" to a policy it never had


def test_a_thread_under_another_policy_is_left_as_it_is():
    """SCHED_IDLE (which any thread may choose) is not the run's to change. In a thread of its own,
    which ends still idle: going back from SCHED_IDLE may need a privilege the tests lack."""
    seen: dict[str, object] = {}

    def idle_thread() -> None:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        seen["moved"] = scheduling.batch_thread()
        with scheduling.run_policy("batch") as batch:
            seen["batch"] = batch
            seen["inside"] = os.sched_getscheduler(0)
        seen["after"] = os.sched_getscheduler(0)

    thread = threading.Thread(target=idle_thread)
    thread.start()
    thread.join()
    assert seen == {"moved": False, "batch": False, "inside": os.SCHED_IDLE, "after": os.SCHED_IDLE}


def test_an_unknown_policy_is_refused_before_anything_runs(tmp_path):
    calls = []
    with pytest.raises(ValueError, match="scheduling must be one of batch, normal, not 'fast'"):
        run(({"id": f"r{i}"} for i in range(3)), name="t", key=lambda r: r["id"],
            write=lambda r: calls.append(r) or RecordResult(r["id"], ok=True),
            options=RunOptions(scheduling="fast", journal_path=tmp_path / "j.sqlite"))
    assert calls == [] and not (tmp_path / "j.sqlite").exists()


@pytest.fixture
def call_policies(monkeypatch):
    """The policy of each thread that makes an importFullAccount call."""
    seen, lock, real = set(), threading.Lock(), GigyaClient.import_full_account

    def recording(self, *args, **kwargs):
        with lock:
            seen.add(os.sched_getscheduler(0))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(GigyaClient, "import_full_account", recording)
    return seen


@pytest.mark.parametrize("option, expected", [((), os.SCHED_BATCH), (("--scheduling", "batch"), os.SCHED_BATCH),
                                              (("--scheduling", "normal"), os.SCHED_OTHER)])
def test_import_makes_its_calls_under_the_scheduling_asked_for(tmp_path, gigya_server, site_args, mapping_file, users,
                                                               csv_of, call_policies, policy_before, option, expected):
    os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
    rows, _ = users(6)
    result = invoke("import", csv_of(tmp_path / "users.csv", rows), "--mapping", mapping_file, "--concurrency", "3",
                    *option, *site_args)
    assert result.exit_code == 0, result.output
    assert "6 records in, 6 ok, 0 failed" in result.output
    assert call_policies == {expected}
    assert os.sched_getscheduler(0) == os.SCHED_OTHER


@pytest.mark.parametrize("command", ["import", "copy", "update", "flagged-deletions"])
def test_scheduling_is_offered_and_checked_by_the_bulk_commands(command):
    assert "--scheduling [batch|normal]" in invoke(command, "--help").output
    result = invoke(command, "--scheduling", "fast")
    assert result.exit_code == 2
    assert "Invalid value for '--scheduling': 'fast' is not one of 'batch', 'normal'" in result.output
