"""An outage is not a permanent failure: refused connections are retried for --outage-timeout, and
transient failures are sent again by --resume --retry-failed with ownership checks."""

import json
import threading
import time
from pathlib import Path

import pytest

from gigya_migrate.errors import GigyaConnectionError
from gigya_migrate.flows.outage import Outage
from gigya_migrate.flows.runner import RecordResult, RunOptions, run
from mock_gigya import defaults

SITE = ["--api-key", defaults.DEFAULT_API_KEY, "--user-key", defaults.DEFAULT_USER_KEY,
        "--secret", defaults.DEFAULT_SECRET]


class DownFor:
    """A writer whose site refuses connections until ``seconds`` after the first call."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.started, self.written = seconds, None, []
        self.lock = threading.Lock()

    def __call__(self, record: dict) -> RecordResult:
        with self.lock:
            self.started = self.started or time.monotonic()
            down = time.monotonic() - self.started < self.seconds
            if not down:
                self.written.append(record["k"])
        if down:
            raise GigyaConnectionError("connection refused", maybe_applied=False)
        return RecordResult(record["k"], ok=True)


def _records(n):
    return ({"k": f"r{i}"} for i in range(n))


def test_the_runner_waits_out_a_short_outage():
    writer = DownFor(1.5)
    report = run(_records(20), name="t", key=lambda r: r["k"], write=writer,
                 options=RunOptions(concurrency=4, outage_timeout=30, backoff_base=0.01))
    assert report.ok == 20 and report.failed == 0
    assert sorted(writer.written) == sorted(f"r{i}" for i in range(20))


def test_without_an_outage_budget_the_records_fail():
    report = run(_records(5), name="t", key=lambda r: r["k"], write=DownFor(60),
                 options=RunOptions(concurrency=2, outage_timeout=0, backoff_base=0.01))
    assert report.failed == 5 and dict(report.failed_by_code) == {500026: 5}


def test_a_long_outage_fails_the_records_after_about_the_budget_not_per_record():
    started = time.monotonic()
    report = run(_records(40), name="t", key=lambda r: r["k"], write=DownFor(600),
                 options=RunOptions(concurrency=4, outage_timeout=1.0, backoff_base=0.01))
    assert report.failed == 40
    assert time.monotonic() - started < 15  # 40 records x 1 s would be 10 s per worker at least


def test_outage_clock_and_delays():
    now = [0.0]
    outage = Outage(10, base=0.5, cap=4, clock=lambda: now[0])
    assert outage.refused() and outage.delay(1) == 0.5 and outage.delay(5) == 4
    now[0] = 9.0
    assert outage.refused() and outage.delay(5) == pytest.approx(1.0)  # never past the budget
    now[0] = 10.0
    assert not outage.refused()
    outage.answered()
    assert outage.refused()  # a new outage starts a new clock


# The real thing (the mock process SIGKILLed and restarted during an import) is part of test_chaos.py.


def _users(path: Path, count: int) -> Path:
    path.write_text("email,name\n" + "".join(f"user{i}@example.com,U{i}\n" for i in range(count)), encoding="utf-8")
    return path


def test_retry_failed_sends_transient_failures_again_without_writing_twice(tmp_path, gigya_server):
    from click.testing import CliRunner

    from gigya_migrate.cli import main

    users = _users(tmp_path / "users.csv", 12)
    outputs = ["--report", tmp_path / "report.json", "--errors", tmp_path / "errors.jsonl",
               "--journal", tmp_path / "journal.sqlite"]
    args = ["import", users, "--base-url", gigya_server.url, *SITE, "--policy", "insert", "--skip-preflight",
            "--no-lookup", "--concurrency", "2", "--backoff", "0.01", *outputs]
    # every importFullAccount is carried out, then its connection dropped: written, but never confirmed
    gigya_server.faults.drop(times=12 * 4, method="importFullAccount", processed=True)
    first = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in first.output
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["records"]["failed"] == 12, report
    assert gigya_server.accounts(defaults.DEFAULT_API_KEY).count() == 12  # written by the lost attempts
    gigya_server.faults.clear()
    again = CliRunner().invoke(main, [str(a) for a in args] + ["--resume", "--retry-failed"])
    assert again.exit_code == 0, again.output
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["records"]["ok"] == 12 and report["records"]["failed"] == 0, report
    assert gigya_server.accounts(defaults.DEFAULT_API_KEY).count() == 12


def test_retry_failed_needs_resume(tmp_path):
    from click.testing import CliRunner

    from gigya_migrate.cli import main

    result = CliRunner().invoke(main, ["import", str(_users(tmp_path / "u.csv", 1)), "--mock", "--retry-failed"])
    assert result.exit_code == 2 and "--retry-failed goes with --resume" in result.output


@pytest.mark.parametrize("command", ["copy", "update", "flagged-deletions", "import"])
def test_site_jobs_take_the_outage_timeout(command):
    from click.testing import CliRunner

    from gigya_migrate.cli import main

    assert "--outage-timeout" in CliRunner().invoke(main, [command, "--help"]).output


def test_the_site_jobs_pass_it_to_the_runner(tmp_path):
    from gigya_migrate.commands.site_jobs import _run_options

    options = _run_options("update", "3_k", 4, None, True, False, tmp_path / "e.jsonl", tmp_path / "r.json", None,
                           outage_timeout=7.5)
    assert options.outage_timeout == 7.5
