"""The runner stopped by Ctrl+C, SIGTERM or an unexpected exception: it ends, says so, loses nothing.

Every test orchestrates the threads with events (no timing luck) and then resumes with the same
journal: every record must end up written exactly once, or in the error output, never lost.
A scripted ``Site`` counts writes per key, so a record sent twice shows up as a count of 2.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import sys
import threading
import time

import pytest
from faker import Faker

from gigya_migrate.flows import runner
from gigya_migrate.flows.runner import RecordError, RecordResult, RunInterrupted, RunOptions, Step, run
from gigya_migrate.flows.journal import RunAlreadyFinished

PAUSE = 60.0  # a rate-limit pause no test may wait out (the timeout is 10 s)


def faker_people(count: int, *, seed: int = 11) -> list[dict]:
    fake = Faker()
    fake.seed_instance(seed)
    return [{"email": f"{fake.user_name()}.{i}@example.com", "name": fake.name()} for i in range(count)]


def by_email(record: dict) -> str:
    return record["email"]


class Site:
    """A thread-safe fake Gigya: counts the writes per email; ``script(call_number, record)`` may
    answer instead (return a RecordResult, or raise)."""

    def __init__(self, script=None) -> None:
        self.script = script
        self.writes: dict[str, int] = {}
        self.calls = 0
        self._lock = threading.Lock()

    def write(self, record: dict) -> RecordResult:
        with self._lock:
            self.calls += 1
            number = self.calls
        if self.script is not None and (scripted := self.script(number, record)) is not None:
            return scripted
        with self._lock:
            self.writes[record["email"]] = self.writes.get(record["email"], 0) + 1
        return RecordResult(record["email"], ok=True)


def rate_limited(record: dict) -> RecordResult:
    return RecordResult(record["email"], ok=False, error_code=403048, message="API Rate Limit Exceeded")


class ThrottleSpy:
    """Replaces the runner's Throttle with one that tells which threads are inside ``acquire``."""

    def __init__(self, monkeypatch) -> None:
        self.inside: set[int] = set()
        self.entries = self.pausing = 0
        self.changed = threading.Condition()
        spy = self

        class SpiedThrottle(runner.Throttle):
            def acquire(self) -> float:
                with spy.changed:
                    spy.entries += 1
                    spy.inside.add(threading.get_ident())
                    spy.changed.notify_all()
                try:
                    return super().acquire()
                finally:
                    with spy.changed:
                        spy.inside.discard(threading.get_ident())
                        spy.changed.notify_all()

            def pause(self, seconds: float) -> None:
                with spy.changed:
                    spy.pausing += 1
                    spy.changed.notify_all()
                super().pause(seconds)

        monkeypatch.setattr(runner, "Throttle", SpiedThrottle)

    def wait_for(self, predicate, timeout: float = 3.0) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: predicate(self), timeout)


def resume_and_check(records, journal, site: Site, tmp_path, transforms=(), recover=None, **options):
    """Resume with a healthy site: the job finishes and every record is written exactly once or
    is in the error output (exactly once)."""
    errors = tmp_path / "errors.jsonl"
    report = run(iter(records), name="job", key=by_email, transforms=transforms, write=site.write, recover=recover,
                 options=RunOptions(journal_path=journal, resume=True, errors_path=errors, **options))
    assert not report.interrupted and report.journal_totals.get("pending", 0) == 0
    failed = [json.loads(line)["email"] for line in errors.read_text().splitlines()] if errors.exists() else []
    assert len(failed) == len(set(failed))
    assert set(site.writes.values()) <= {1}, f"written twice: {site.writes}"
    assert set(site.writes) | set(failed) == {r["email"] for r in records}
    assert not set(site.writes) & set(failed)
    return report, failed


def saved_report(tmp_path) -> dict:
    return json.loads((tmp_path / "report.json").read_text())


# ---------------------------------------------------------------------------------------------
# Ctrl+C / SIGTERM in the main thread while the workers are parked in the throttle


def storm_site(concurrency: int) -> Site:
    """The first ``concurrency`` calls arrive together and are all answered 403048; then all is well."""
    barrier = threading.Barrier(concurrency, timeout=3)

    def script(number, record):
        if number <= concurrency:
            barrier.wait()
            return rate_limited(record)
        return None

    return Site(script)


def parked_after_storm(concurrency: int):
    # every worker made its rate-limited call and is back in acquire: waiting for a slot (the cap
    # halved) or sleeping out the 30-60 s pause
    return lambda spy: spy.entries >= 2 * concurrency and len(spy.inside) == concurrency


@pytest.mark.timeout(10)
def test_ctrl_c_while_reading_and_every_worker_waits_out_a_rate_limit_pause(monkeypatch, tmp_path):
    spy = ThrottleSpy(monkeypatch)
    people, journal = faker_people(12), tmp_path / "journal.sqlite"
    site = storm_site(4)

    def reader():
        yield from people[:4]  # one batch: all four workers busy
        assert spy.wait_for(parked_after_storm(4)), "the workers never parked in the throttle"
        raise KeyboardInterrupt  # Ctrl+C arrives in the reading thread

    started = time.monotonic()
    with pytest.raises(RunInterrupted) as stopped:
        run(reader(), name="job", key=by_email, write=site.write,
            options=RunOptions(concurrency=4, journal_path=journal, report_path=tmp_path / "report.json",
                               backoff_base=PAUSE, backoff_max=PAUSE))
    assert time.monotonic() - started < 5  # did not wait out the pause
    report = stopped.value.report
    assert report.interrupted and report.rate_limited == 4 and report.ok == 0
    assert report.journal_totals == {"pending": 4}
    assert site.calls == 4  # no call started after the interrupt
    assert saved_report(tmp_path)["interrupted"] is True

    resumed, failed = resume_and_check(people, journal, site, tmp_path)
    assert (resumed.recovered, resumed.ok, failed) == (4, 12, [])


@pytest.mark.timeout(10)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_the_main_thread_waits_on_the_window_stops_the_run(monkeypatch, tmp_path, signum):
    # gigya_migrate.cli turns SIGTERM into KeyboardInterrupt in the main thread; Ctrl+C is SIGINT
    previous = signal.signal(signum, _raise_keyboard_interrupt)
    try:
        spy = ThrottleSpy(monkeypatch)
        people, journal = faker_people(10, seed=3), tmp_path / "journal.sqlite"
        site = storm_site(2)
        main = threading.main_thread().ident
        sent = threading.Event()

        def interrupt_when_parked():
            # two batches of two fill the window (2 x concurrency): the main thread blocks in wait()
            if spy.wait_for(parked_after_storm(2)) and waits_on_the_window(main):
                sent.set()
                signal.pthread_kill(main, signum)

        helper = threading.Thread(target=interrupt_when_parked, daemon=True)
        helper.start()
        with pytest.raises(RunInterrupted) as stopped:
            run(iter(people), name="job", key=by_email, write=site.write,
                options=RunOptions(concurrency=2, journal_path=journal, report_path=tmp_path / "report.json",
                                   backoff_base=PAUSE, backoff_max=PAUSE))
        helper.join(2)
        assert sent.is_set()
    finally:
        signal.signal(signum, previous)
    report = stopped.value.report
    assert report.interrupted and report.ok == 0 and site.calls == 2
    assert report.journal_totals == {"pending": 4}  # the two in the throttle and the two queued
    assert saved_report(tmp_path)["records"]["in"] == 4

    resumed, failed = resume_and_check(people, journal, site, tmp_path)
    assert (resumed.recovered, resumed.ok, failed) == (4, 10, [])


def waits_on_the_window(thread_id: int, timeout: float = 3.0) -> bool:
    """True once the thread is blocked in the runner's collect(), waiting for a finished record."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frame, names = sys._current_frames().get(thread_id), []
        while frame is not None:
            names.append(frame.f_code.co_name)
            frame = frame.f_back
        if "collect" in names and "wait" in names[: names.index("collect")]:
            return True
        time.sleep(0.005)
    return False


def _raise_keyboard_interrupt(signum, frame):  # noqa: ARG001 - what gigya_migrate.cli installs
    raise KeyboardInterrupt


@pytest.mark.timeout(10)
def test_ctrl_c_while_workers_sleep_in_a_retry_backoff(monkeypatch, tmp_path):
    spy = ThrottleSpy(monkeypatch)
    people, journal = faker_people(6, seed=4), tmp_path / "journal.sqlite"
    barrier = threading.Barrier(2, timeout=3)

    def script(number, record):
        if number <= 2:  # both first writes: a 5xx, possibly applied, retried after a backoff
            barrier.wait()
            return RecordResult(record["email"], ok=False, error_code=500001, message="General Server Error")
        return None

    site = Site(script)
    recovered = []

    def recover(record):
        recovered.append(record["email"])
        return site.write(record)

    def reader():
        yield from people[:2]
        assert spy.wait_for(lambda s: s.pausing == 2), "the workers never backed off"
        raise KeyboardInterrupt

    started = time.monotonic()
    with pytest.raises(RunInterrupted) as stopped:
        run(reader(), name="job", key=by_email, write=site.write, recover=recover,
            options=RunOptions(concurrency=2, journal_path=journal, backoff_base=PAUSE, backoff_max=PAUSE))
    assert time.monotonic() - started < 5 and site.calls == 2 and recovered == []
    assert stopped.value.report.retries == 2 and stopped.value.report.journal_totals == {"pending": 2}
    # the 5xx may have been applied: resume sends those two through recover, the others through write
    resumed, failed = resume_and_check(people, journal, site, tmp_path, recover=recover)
    assert sorted(recovered) == sorted(p["email"] for p in people[:2]) and resumed.recovered == 2


# ---------------------------------------------------------------------------------------------
# KeyboardInterrupt raised inside a worker (the reported hang)


@pytest.mark.timeout(10)
def test_keyboard_interrupt_in_the_writer_after_a_network_step_does_not_strand_the_other_worker(
        monkeypatch, tmp_path):
    spy = ThrottleSpy(monkeypatch)
    people, journal = faker_people(8, seed=5), tmp_path / "journal.sqlite"
    looked_up = []

    def lookup(record):
        looked_up.append(record["email"])
        return record

    barrier = threading.Barrier(2, timeout=3)

    def script(number, record):
        # the first two writes are on the wire together (after their lookups): one is answered
        # 403048, and so is its retry (a concurrency's worth in a row and nothing accepted for a
        # while: the site refuses everything, every worker pauses); the other is interrupted once
        # that worker is back in acquire, waiting out the pause
        if number > 3:
            return None
        if number == 3:
            return rate_limited(record)
        barrier.wait()
        if number == 2:
            time.sleep(0.15)  # a run of refusals right after successes is a cap's, not a block (_SILENCE)
            return rate_limited(record)
        me = threading.get_ident()
        assert spy.wait_for(lambda s: bool(s.inside - {me})), "the other worker never waited"
        raise KeyboardInterrupt

    site = Site(script)
    with pytest.raises(RunInterrupted) as stopped:
        run(iter(people), name="job", key=by_email, transforms=[Step("lookup", lookup, network=True)],
            write=site.write, options=RunOptions(concurrency=2, journal_path=journal, backoff_base=PAUSE,
                                                 backoff_max=PAUSE, report_path=tmp_path / "report.json"))
    report = stopped.value.report
    assert report.interrupted and report.rate_limited == 2 and len(looked_up) >= 2
    assert saved_report(tmp_path)["interrupted"] is True
    # the record whose write was interrupted may or may not have reached Gigya: it stays pending
    assert report.journal_totals["pending"] >= 1
    assert report.journal_totals.get("done", 0) == report.ok == sum(site.writes.values())

    site.script = None
    resumed, failed = resume_and_check(people, journal, site, tmp_path, concurrency=2)
    assert failed == [] and resumed.skipped == report.ok


@pytest.mark.timeout(10)
def test_system_exit_in_the_writer_stops_the_run_and_is_raised(tmp_path):
    people, journal = faker_people(8, seed=6), tmp_path / "journal.sqlite"

    def script(number, record):
        if number == 3:
            raise SystemExit(3)
        return None

    site = Site(script)
    with pytest.raises(SystemExit):
        run(iter(people), name="job", key=by_email, write=site.write,
            options=RunOptions(concurrency=2, journal_path=journal, report_path=tmp_path / "report.json"))
    saved = saved_report(tmp_path)
    assert saved["interrupted"] is True and saved["error"] == "SystemExit: 3"
    assert saved["journalTotals"].get("done", 0) == sum(site.writes.values())
    site.script = None
    resume_and_check(people, journal, site, tmp_path)


# ---------------------------------------------------------------------------------------------
# unexpected exceptions: the writer, transforms, the key, the error output, the journal


@pytest.mark.timeout(10)
def test_a_writer_that_raises_fails_that_record_only(tmp_path):
    people, journal = faker_people(10, seed=7), tmp_path / "journal.sqlite"
    broken = people[3]["email"]

    def script(number, record):
        if record["email"] == broken:
            raise RuntimeError("socket closed by a proxy")
        return None

    site = Site(script)
    errors = tmp_path / "errors.jsonl"
    report = run(iter(people), name="job", key=by_email, write=site.write,
                 options=RunOptions(concurrency=3, journal_path=journal, errors_path=errors,
                                    report_path=tmp_path / "report.json"))
    assert (report.ok, report.failed, report.interrupted) == (9, 1, False)
    assert report.failed_by_code == {"exception": 1}
    [row] = [json.loads(line) for line in errors.read_text().splitlines()]
    assert row["email"] == broken and row["errorStep"] == "write"
    assert row["errorMessage"] == "RuntimeError: socket closed by a proxy"
    assert saved_report(tmp_path)["failedByCode"] == {"exception": 1}
    # the same journal again: nothing is re-sent (the failed record is in the error output), and
    # the finished run is said to be finished, its report kept (issue 14)
    kept = (tmp_path / "report.json").read_text()
    with pytest.raises(RunAlreadyFinished, match=r"already finished \(9 done, 1 failed\)"):
        run(iter(people), name="job", key=by_email, write=site.write,
            options=RunOptions(journal_path=journal, resume=True, report_path=tmp_path / "report.json"))
    assert site.calls == 10 and (tmp_path / "report.json").read_text() == kept


@pytest.mark.timeout(10)
def test_a_writer_returning_no_result_stops_the_run_and_journals_what_finished(tmp_path):
    people, journal = faker_people(12, seed=8), tmp_path / "journal.sqlite"
    bad = people[2]["email"]  # in the first batch, with three slow calls beside it
    gate = threading.Event()

    def script(number, record):
        if record["email"] == bad:
            gate.set()
            return "ok"  # a flow bug: not a RecordResult
        gate.wait(2)  # every other call finishes after the bad one: their results must be kept
        return None

    site = Site(script)
    with pytest.raises(TypeError, match="RecordResult"):
        run(iter(people), name="job", key=by_email, write=site.write,
            options=RunOptions(concurrency=4, journal_path=journal, report_path=tmp_path / "report.json"))
    saved = saved_report(tmp_path)
    assert saved["interrupted"] is True and saved["error"].startswith("TypeError: write() must return")
    # every write that happened is journaled done: resume sends only the bad record and the unsent ones
    assert saved["journalTotals"]["done"] == saved["records"]["ok"] == sum(site.writes.values())
    assert saved["journalTotals"]["pending"] >= 1

    site.script = None
    resume_and_check(people, journal, site, tmp_path)


@pytest.mark.timeout(10)
def test_transform_and_key_exceptions_fail_their_record_and_the_run_goes_on(tmp_path):
    people, journal = faker_people(10, seed=9), tmp_path / "journal.sqlite"
    local_bad, network_bad, keyless = people[1]["email"], people[4]["email"], people[7]["email"]

    def normalise(record):
        if record["email"] == local_bad:
            raise ValueError("bad birth date")
        return record

    def lookup(record):
        if record["email"] == network_bad:
            raise KeyError("profile")
        return record

    def key(record):
        if record["email"] == keyless:
            raise AttributeError("'NoneType' object has no attribute 'lower'")
        return record["email"]

    site, errors = Site(), tmp_path / "errors.jsonl"
    report = run(iter(people), name="job", key=key,
                 transforms=[Step("normalise", normalise), Step("lookup", lookup, network=True)],
                 write=site.write, options=RunOptions(concurrency=3, journal_path=journal, errors_path=errors))
    assert (report.ok, report.failed, report.interrupted) == (7, 3, False)
    rows = {json.loads(line)["email"]: json.loads(line) for line in errors.read_text().splitlines()}
    assert {email: row["errorStep"] for email, row in rows.items()} == {
        local_bad: "normalise", network_bad: "lookup", keyless: "key"}
    assert rows[keyless]["errorMessage"].startswith("AttributeError")
    assert set(site.writes.values()) == {1} and len(site.writes) == 7
    with pytest.raises(RunAlreadyFinished):  # a finished run is not run again
        run(iter(people), name="job", key=key, write=site.write, options=RunOptions(journal_path=journal, resume=True))
    assert site.calls == 7


@pytest.mark.timeout(10)
def test_ctrl_c_inside_a_transform_stops_and_resume_finishes(tmp_path):
    people, journal = faker_people(20, seed=10), tmp_path / "journal.sqlite"
    stop_at = people[13]["email"]

    def normalise(record, armed=[True]):
        if record["email"] == stop_at and armed[0]:
            armed[0] = False
            raise KeyboardInterrupt
        return record

    site = Site()
    with pytest.raises(RunInterrupted) as stopped:
        run(iter(people), name="job", key=by_email, transforms=[Step("normalise", normalise)], write=site.write,
            options=RunOptions(concurrency=2, journal_path=journal))
    assert stopped.value.report.interrupted and stopped.value.report.records_in == 14
    resumed, failed = resume_and_check(people, journal, site, tmp_path, concurrency=2)
    assert failed == [] and resumed.ok + resumed.skipped == 20


@pytest.mark.timeout(10)
def test_an_error_output_that_cannot_be_written_stops_the_run_and_loses_no_error_line(monkeypatch, tmp_path):
    people, journal = faker_people(10, seed=12), tmp_path / "journal.sqlite"
    rejected = {people[2]["email"], people[6]["email"]}

    def check(record):
        if record["email"] in rejected:
            raise RecordError("bad-email", "refused by the test")
        return record

    real_write, full = runner._ErrorSink.write, [True]

    def disk_full(self, record, result):
        if full[0]:
            raise OSError(28, "No space left on device")
        return real_write(self, record, result)

    monkeypatch.setattr(runner._ErrorSink, "write", disk_full)
    site = Site()
    with pytest.raises(OSError, match="No space"):
        run(iter(people), name="job", key=by_email, transforms=[Step("check", check)], write=site.write,
            options=RunOptions(concurrency=2, journal_path=journal, errors_path=tmp_path / "errors.jsonl",
                               report_path=tmp_path / "report.json"))
    saved = saved_report(tmp_path)
    assert saved["interrupted"] is True and "No space left" in saved["error"]
    assert saved["journalTotals"].get("failed", 0) == 0  # no record marked failed without its line

    full[0] = False
    resumed, failed = resume_and_check(people, journal, site, tmp_path, [Step("check", check)], concurrency=2)
    assert set(failed) == rejected


@pytest.mark.timeout(10)
def test_a_journal_failure_stops_the_run_and_resume_finishes(monkeypatch, tmp_path):
    people, journal = faker_people(16, seed=13), tmp_path / "journal.sqlite"
    real_mark, marks = runner.Journal.mark, [0]

    def flaky_mark(self, seq, key, state, code=None):
        if state == "done":
            marks[0] += 1
            if marks[0] == 5:
                raise sqlite3.OperationalError("disk I/O error")
        return real_mark(self, seq, key, state, code)

    monkeypatch.setattr(runner.Journal, "mark", flaky_mark)
    site = Site()
    with pytest.raises(sqlite3.OperationalError):
        run(iter(people), name="job", key=by_email, write=site.write,
            options=RunOptions(concurrency=2, journal_path=journal, report_path=tmp_path / "report.json"))
    assert saved_report(tmp_path)["error"] == "OperationalError: disk I/O error"
    monkeypatch.setattr(runner.Journal, "mark", real_mark)
    # the record whose done mark failed stays pending: resume re-sends it through recover (the
    # docstring's at-least-once); recover here only counts, so every other record is written once
    recovered = []

    def recover(record):
        recovered.append(record["email"])
        return RecordResult(record["email"], ok=True)

    report = run(iter(people), name="job", key=by_email, write=site.write, recover=recover,
                 options=RunOptions(journal_path=journal, resume=True))
    assert report.journal_totals == {"done": 16}
    assert set(site.writes.values()) == {1}
    assert set(site.writes) | set(recovered) == {p["email"] for p in people}
    assert len(recovered) == report.recovered >= 1


@pytest.mark.timeout(10)
def test_error_lines_lost_at_flush_leave_their_records_unmarked(monkeypatch, tmp_path):
    """The disk fills up after the first checkpoint: later error lines never reach the file and
    flush/close fail. The journal must not keep those records as failed (they would be in no error
    output): the marks since the last checkpoint are rolled back."""
    people, journal = faker_people(12, seed=14), tmp_path / "journal.sqlite"
    rejected = {p["email"] for p in people[::3]}

    def check(record):
        if record["email"] in rejected:
            raise RecordError("bad-email", "refused by the test")
        return record

    real_write, real_flush, real_close = runner._ErrorSink.write, runner._ErrorSink.flush, runner._ErrorSink.close
    disk = {"full": False, "fixed": False}

    def write(self, record, result):
        if not disk["full"]:
            real_write(self, record, result)  # once full, the line is lost with the buffer

    def flush(self):
        if disk["full"]:
            raise OSError(28, "No space left on device")
        real_flush(self)
        disk["full"] = not disk["fixed"]  # full right after the first checkpoint

    def close(self):
        real_close(self)
        if disk["full"]:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(runner._ErrorSink, "write", write)
    monkeypatch.setattr(runner._ErrorSink, "flush", flush)
    monkeypatch.setattr(runner._ErrorSink, "close", close)
    site, errors = Site(), tmp_path / "errors.jsonl"
    with pytest.raises(OSError, match="No space"):
        run(iter(people), name="job", key=by_email, transforms=[Step("check", check)], write=site.write,
            options=RunOptions(concurrency=2, journal_path=journal, errors_path=errors,
                               report_path=tmp_path / "report.json"))
    assert "No space left" in saved_report(tmp_path)["error"]
    first_lines = [json.loads(line)["email"] for line in errors.read_text().splitlines()]
    committed_failed = {key for (key,) in sqlite3.connect(journal).execute(
        "SELECT key FROM records WHERE state = 'failed'")}
    assert committed_failed == set(first_lines)  # failed in the journal only with its error line

    disk.update(full=False, fixed=True)
    recovered = []

    def recover(record):  # done marks rolled back too: those records come back as pending
        recovered.append(record["email"])
        return RecordResult(record["email"], ok=True)

    run(iter(people), name="job", key=by_email, transforms=[Step("check", check)], write=site.write,
        recover=recover, options=RunOptions(journal_path=journal, resume=True, errors_path=errors))
    lines = [json.loads(line)["email"] for line in errors.read_text().splitlines()]
    assert sorted(lines) == sorted(rejected)  # every rejected record reported exactly once
    assert set(site.writes.values()) == {1}
    assert set(site.writes) | set(recovered) == {p["email"] for p in people} - rejected
