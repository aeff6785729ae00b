"""The job runner every flow shares: records -> transforms -> write, with an error path.

Shape (IdentitySync's dataflow, as a library call)::

    report = run(records, name="import", key=lambda r: r["email"],
                 transforms=[Step("rename", rename), Step("lookup", lookup, network=True)],
                 write=import_one, recover=import_one_again, options=RunOptions(concurrency=16))

- ``records`` is any iterable of dicts (a reader); it is consumed lazily and never materialised.
  A reader may yield a ``BadRecord`` for input it could not parse: it goes to the error output.
- ``key(record)`` names the record (login id, UID). It must be stable across runs: the journal
  uses it to resume and to refuse a second record with the same key in one run (``duplicate-key``).
- ``transforms`` are ``Step``s; each takes a dict and returns a dict (or None to drop the record),
  or raises ``RecordError(code, message)`` to fail that record only. Steps with ``network=False``
  run in order on the main thread; steps with ``network=True`` (lookups) run on the worker threads
  with the writer, are throttled and retried like it, and are skipped in a dry run.
- ``write(record) -> RecordResult`` sends one record (it may also raise; a ``GigyaError``-like
  exception with ``error_code`` becomes a failed result). ``recover`` (default ``write``) is used
  instead for records that were in flight when an earlier run was killed (see "Guarantees") and
  for retries after a transient failure that may have been applied (a 5xx, a lost answer).
- Concurrency: ``options.concurrency`` worker threads, at most ``2 x concurrency`` records in
  flight. Nothing global is locked around a network call; the writer should share one pooled
  ``requests.Session`` (``GigyaClient``) across threads.
- Rate limiting: a 403048 (``RateLimited``) from a network step or the writer does not fail the
  record: it is retried (up to ``rate_limit_retries`` times, then it fails with 403048 and goes to
  the error output). The shared ``Throttle`` (``throttle.py``) measures the rate the site accepts
  when it refuses calls and paces every worker just under it; a 403048 share that does not depend
  on our rate is recognised and left alone; a site refusing everything pauses every worker for a
  backoff that doubles per event (``backoff_base`` .. ``backoff_max``). Other retryable errors (5xx-like codes,
  409030, 503001, network errors) are retried ``retries`` times with per-record backoff.
- Output: ``RunReport`` (records in / ok / failed by error code / skipped, per-step wall-clock and summed worker time,
  input, output, errors path, throughput) returned, and written as JSON to ``report_path``.
  Failed records go to ``errors_path`` (JSONL or CSV): the *original* input record plus
  ``errorCode``, ``errorMessage`` and ``errorStep``, so the file can be fixed and fed back in.
- Progress: a one-line counter on stderr when stderr is a terminal (``progress=None``).

Guarantees (journal, see ``journal.py``): a record is marked ``pending`` and committed before its
first network call; ``done``/``failed`` are committed at the next checkpoint, after the error lines
are flushed. After a kill at any point, ``resume=True`` skips ``done``/``failed`` records, sends
never-seen records normally and sends ``pending`` ones through ``recover``, because their call may
or may not have reached Gigya. So every record is written at least once and reported exactly once;
it is *written* exactly once when ``recover`` is idempotent: importFullAccount with
``importPolicy=upsert`` and a known UID is (the import flow derives a stable UID and treats its own
"UID exists" as success on recovery). An error line may repeat for a record in flight at kill time;
it is never lost.

Stopping (Ctrl-C or SIGTERM in the main thread, a ``KeyboardInterrupt``/``SystemExit`` raised in a
worker, or a run-level error: the journal, the error output, a writer returning no RecordResult):
``Throttle.stop`` wakes every worker waiting for a slot, out a rate-limit pause or a retry backoff,
and no call starts any more; calls already on the wire finish and their results are journaled; the
rest stays ``pending`` for ``resume``. The report (``interrupted``, and ``error`` for a run-level
error) is written however the run ends. A record's ``failed`` mark is committed only once its
error line is flushed: if the error output cannot be written, marks since the last checkpoint are
rolled back (resume takes those records again: the ones sent, pending, through ``recover``).
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from gigya_migrate.flows import scheduling
from gigya_migrate.flows.journal import DONE, FAILED, PENDING, Journal, JournalError
from gigya_migrate.flows.outage import Outage, never_connected
from gigya_migrate.flows.progress_series import ProgressSeries
from gigya_migrate.flows.throttle import Throttle, ThrottleStopped

__all__ = [
    "BadRecord",
    "JournalError",
    "RecordError",
    "RecordResult",
    "RunInterrupted",
    "RunOptions",
    "Tally",
    "RunReport",
    "Step",
    "StepMetrics",
    "Throttle",
    "ThrottleStopped",
    "run",
]

RATE_LIMIT_CODES = frozenset({403048})
# Retry with backoff (gigya-api.md section 7, column R): server errors, timeouts, per-UID limits.
RETRYABLE_CODES = frozenset({409030, 500000, 500001, 500026, 500028, 503001, 504001, 504002})
ERROR_FIELDS = ("errorCode", "errorMessage", "errorStep")
TRANSIENT_CODES = frozenset(str(code) for code in (*RATE_LIMIT_CODES, *RETRYABLE_CODES, 500026, 504002, "network-error"))
"""Failures ``retry_failed`` sends again (as the journal stores codes: text)."""


class RecordError(Exception):
    """Raised by a transform (or key function) to fail one record with a code and a reason."""

    def __init__(self, code: int | str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class RunInterrupted(Exception):
    """The run was stopped (Ctrl-C); the journal and report are saved and ``resume`` continues it."""

    def __init__(self, report: "RunReport") -> None:
        super().__init__("run interrupted; start it again with resume to finish it")
        self.report = report


@dataclass
class BadRecord:
    """What a reader yields for input it could not parse: it goes to the error output as is."""

    raw: Any
    code: str
    message: str
    line: int | None = None

    def as_error_record(self) -> dict:
        """The record written to the error output (the raw input and where it was)."""
        record = dict(self.raw) if isinstance(self.raw, dict) else {"_raw": self.raw}
        if self.line is not None:
            record["_line"] = self.line
        return record


@dataclass
class RecordResult:
    """The outcome of one record. ``record`` is the input record (for the error output)."""

    key: str | None
    ok: bool
    uid: str | None = None
    error_code: int | str | None = None
    message: str | None = None
    record: dict | None = None
    step: str | None = None


@dataclass
class Step:
    """A named transform: ``func(record) -> record | None``; ``network`` steps run on workers."""

    name: str
    func: Callable[[dict], dict | None]
    network: bool = False

    def __call__(self, record: dict) -> dict | None:
        return self.func(record)


@dataclass
class Tally:
    """A count of finished records by label, reported with the run (e.g. records written without a
    password, by reason). ``label(record)`` sees the record after the transforms; None = not counted."""

    name: str
    phrase: str
    label: Callable[[dict], str | None]


@dataclass
class RunOptions:
    """How a run behaves. Paths may be None: no journal (temporary), no error file, no report."""

    concurrency: int = 8
    limit: int | None = None
    dry_run: bool = False
    resume: bool = False
    journal_path: str | Path | None = None
    errors_path: str | Path | None = None
    errors_format: str = "jsonl"
    report_path: str | Path | None = None
    progress: bool | None = None
    expected: Callable[[], int | None] | None = None
    """How many records the input holds, when known (a line count made in the background): the
    progress line then shows a bar, the percentage and an ETA."""
    retries: int = 3
    rate_limit_retries: int = 30
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    checkpoint_seconds: float = 0.5
    outage_timeout: float = 0.0
    """Seconds to keep retrying refused connections (the site down, a proxy or mock restarting)
    before failing records (see ``outage.py``); 0: the ``retries`` only. The CLI defaults to 120."""
    retry_failed: bool = False
    """With ``resume``: records that failed for a transient reason (rate limit, 5xx, network; see
    ``TRANSIENT_CODES``) are sent again, through ``recover`` since they may have been applied."""
    input: str | None = None
    output: str | None = None
    tallies: Sequence[Tally] = ()
    """Counts of records written (or, in a dry run, that would be) by label: in the report under
    each tally's name and in the summary's first line, also when zero."""
    scheduling: str = "batch"
    """The CPU scheduling policy of the run's threads on Linux: ``batch`` (``SCHED_BATCH``: woken
    workers do not preempt the thread holding the interpreter lock) or ``normal`` (the process's
    own); see ``scheduling.py``."""
    details: dict = field(default_factory=dict)
    """Job-specific counts the flow fills in while it runs (JSON-ready, e.g. the import's hash
    formats); the report carries this same dict under ``details``."""


class StepMetrics:
    """Time, records in, out and failed for one step.

    Two times: ``wall`` is wall-clock time during which the step was working at all (the union of
    its calls' intervals, so eight workers writing for 10 s count 10 s, and no step exceeds the
    run); ``duration`` is the worker time summed over threads (eight workers for 10 s: 80 s).
    """

    _KEPT_SPANS = 512  # merged busy intervals kept exactly; older ones are folded into a total

    def __init__(self, name: str) -> None:
        self.name = name
        self.duration = 0.0
        self.input = self.output = self.errors = 0
        self._lock = threading.Lock()
        self._spans: list[list[float]] = []  # disjoint [start, end] busy intervals, sorted
        self._folded = 0.0
        self._folded_until = float("-inf")

    def add(self, seconds: float, *, ok: bool = True, out: int = 1, ended: float | None = None) -> None:
        """Count one record through this step: ``seconds`` of work ending at ``ended`` (perf_counter; now)."""
        end = time.perf_counter() if ended is None else ended
        with self._lock:
            self.duration += seconds
            self._cover(end - seconds, end)
            self.input += 1
            if ok:
                self.output += out
            else:
                self.errors += 1

    @property
    def wall(self) -> float:
        """Wall-clock seconds during which at least one call of this step was running."""
        with self._lock:
            return self._folded + sum(end - start for start, end in self._spans)

    def _cover(self, start: float, end: float) -> None:
        """Add [start, end] to the busy intervals (calls finish out of order: merge both ways)."""
        start = max(start, self._folded_until)
        if end <= start:
            return
        spans = self._spans
        i = len(spans)
        while i > 0 and spans[i - 1][0] > start:  # new intervals land near the end
            i -= 1
        spans.insert(i, [start, end])
        if i > 0 and spans[i - 1][1] >= start:
            spans[i - 1][1] = max(spans[i - 1][1], end)
            del spans[i]
            i -= 1
        while i + 1 < len(spans) and spans[i + 1][0] <= spans[i][1]:
            spans[i][1] = max(spans[i][1], spans[i + 1][1])
            del spans[i + 1]
        if len(spans) > self._KEPT_SPANS:  # a single-threaded step leaves one gap per record
            old, self._spans = spans[: self._KEPT_SPANS // 2], spans[self._KEPT_SPANS // 2:]
            self._folded += sum(e - s for s, e in old)
            self._folded_until = old[-1][1]

    def as_dict(self) -> dict:
        """JSON form (IdentitySync's step metrics: duration, input, output, errors); ``durationSeconds``
        is wall-clock time (``wallSeconds``), ``workerSeconds`` the time summed over worker threads."""
        wall = round(self.wall, 4)
        return {"step": self.name, "durationSeconds": wall, "wallSeconds": wall,
                "workerSeconds": round(self.duration, 4), "input": self.input, "output": self.output,
                "errors": self.errors}


@dataclass
class RunReport:
    """What a run did; ``as_dict()`` is the JSON report, ``summary()`` the printed one."""

    name: str
    input: str | None = None
    output: str | None = None
    errors_path: str | None = None
    report_path: str | None = None
    journal_path: str | None = None
    dry_run: bool = False
    resumed: bool = False
    interrupted: bool = False
    started_at: str = ""
    finished_at: str = ""
    duration: float = 0.0
    records_in: int = 0
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    recovered: int = 0
    dropped: int = 0
    failed_by_code: Counter = field(default_factory=Counter)
    steps: list[StepMetrics] = field(default_factory=list)
    rate_limited: int = 0
    retries: int = 0
    journal_totals: dict = field(default_factory=dict)
    error: str | None = None  # the run-level error that stopped the run (not set for Ctrl-C)
    tallies: dict[str, Counter] = field(default_factory=dict)
    tally_phrases: dict[str, str] = field(default_factory=dict)
    # progress over time for the HTML report's throughput chart (bounded: see ProgressSeries)
    progress: ProgressSeries = field(default_factory=ProgressSeries, repr=False)
    details: dict = field(default_factory=dict)  # RunOptions.details, the flow's own counts

    def sample_progress(self) -> None:
        """Note the ok / failed counts in the progress series (at most every sampling interval)."""
        self.progress.sample(self.ok, self.failed)

    @property
    def throughput(self) -> float:
        """Records finished (ok + failed) per second of wall time."""
        return (self.ok + self.failed) / self.duration if self.duration > 0 else 0.0

    def as_dict(self) -> dict:
        """The JSON report."""
        return {
            "name": self.name, "input": self.input, "output": self.output, "errors": self.errors_path,
            "journal": self.journal_path, "dryRun": self.dry_run, "resumed": self.resumed,
            "interrupted": self.interrupted, "startedAt": self.started_at, "finishedAt": self.finished_at,
            "durationSeconds": round(self.duration, 3),
            "records": {"in": self.records_in, "ok": self.ok, "failed": self.failed,
                        "skipped": self.skipped, "recovered": self.recovered, "dropped": self.dropped},
            "failedByCode": {str(k): v for k, v in self.failed_by_code.most_common()},
            "steps": [s.as_dict() for s in self.steps],
            "throughputPerSecond": round(self.throughput, 2),
            "rateLimited": self.rate_limited, "retries": self.retries,
            "journalTotals": self.journal_totals, "error": self.error,
            **{name: dict(counts.most_common()) for name, counts in self.tallies.items()},
            "progress": self.progress.as_list(self.duration, self.ok, self.failed),
            **({"details": self.details} if self.details else {}),
        }

    def summary(self) -> str:
        """A short human report (what a CLI prints)."""
        verb = "would be written" if self.dry_run else "ok"
        codes = ", ".join(f"{k} {v}" for k, v in self.failed_by_code.most_common())
        lines = [
            f"{self.name}: {self.records_in:,} records in, {self.ok:,} {verb}, {self.failed:,} failed"
            + (f" ({codes})" if codes else "")
            + "".join(f"; {self._tally_text(name)}" for name in self.tallies)
            + f"; {self.throughput:,.1f} records/s in {self.duration:,.1f} s",
        ]
        if self.skipped or self.resumed:
            lines.append(f"  resumed: {self.skipped:,} records finished by an earlier run skipped, "
                         f"{self.recovered:,} in-flight records re-sent")
        if self.rate_limited:
            lines.append(f"  rate limited {self.rate_limited:,} times (backed off and retried, nothing failed for it)")
        lines.append(f"  {'step':<22}{'wall s':>10}{'worker s (summed)':>19}{'input':>10}{'output':>10}{'errors':>10}")
        for s in self.steps:
            lines.append(f"  {s.name:<22}{s.wall:>10.3f}{s.duration:>19.3f}{s.input:>10,}{s.output:>10,}"
                         f"{s.errors:>10,}")
        where = [f"input {self.input}" if self.input else None,
                 f"output {self.output}" if self.output else None,
                 f"errors -> {self.errors_path}" if self.errors_path and self.failed else None,
                 f"report -> {self.report_path}" if self.report_path else None]
        if any(where):
            lines.append("  " + "; ".join(w for w in where if w))
        if self.error:
            lines.append(f"  stopped by an error: {self.error}")
        if self.interrupted:
            lines.append("  interrupted: run the same command with --resume to finish")
        return "\n".join(lines)

    def _tally_text(self, name: str) -> str:
        counts = self.tallies[name]
        labels = ", ".join(f"{label} {n:,}" for label, n in counts.most_common())
        return f"{sum(counts.values()):,} {self.tally_phrases.get(name, name)}" + (f" ({labels})" if labels else "")


# ---------------------------------------------------------------------------------------------
# the run


@dataclass
class _Item:
    seq: int
    key: str | None
    original: dict
    record: dict
    recovering: bool = False


def _classify(exc: BaseException) -> tuple[int | str, str, bool]:
    """(code, message, retryable) for an exception raised by a network step or a writer."""
    code = getattr(exc, "error_code", None)
    message = _explain(exc)
    if code is not None:
        retryable = code in RATE_LIMIT_CODES or code in RETRYABLE_CODES or bool(getattr(exc, "retryable", False))
        return code, message, retryable
    import requests  # local: only needed to recognise transport errors

    if getattr(exc, "retryable", False) or isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        return "network-error", message, True
    return "exception", f"{type(exc).__name__}: {message}", False


def _explain(exc: BaseException) -> str:
    """The error's own one-line reason when it has one (``GigyaError.reason``: message, errorDetails,
    validationErrors fields), else its message."""
    return getattr(exc, "reason", None) or getattr(exc, "message", None) or str(exc) or type(exc).__name__


def _failure(exc: Exception) -> RecordResult:
    """The failed result for an exception raised by a network step or a writer."""
    code, message, retryable = _classify(exc)
    value = RecordResult(None, ok=False, error_code=code, message=message)
    value._retryable = retryable  # type: ignore[attr-defined]
    value._unreachable = never_connected(exc)  # type: ignore[attr-defined]  # nothing sent: see outage.py
    return value


def _rate_limited(value: Any) -> bool:
    return isinstance(value, RecordResult) and not value.ok and value.error_code in RATE_LIMIT_CODES


class _ErrorSink:
    """The error output: each failed input record + errorCode/errorMessage/errorStep."""

    def __init__(self, path, fmt: str, append: bool, *, drop_if_empty: bool = False) -> None:
        from gigya_migrate.flows.steps import open_writer  # steps imports this module

        self.path, self.dropped, self._drop = path, False, drop_if_empty and not append
        self._writer = open_writer(path, format=fmt, append=append) if path else None

    def write(self, record: dict, result: RecordResult) -> None:
        if self._writer is None:
            return
        self._drop = False
        row = {k: v for k, v in record.items() if k not in ERROR_FIELDS}
        row.update(errorCode=result.error_code, errorMessage=result.message, errorStep=result.step)
        self._writer.write(row)

    def flush(self) -> None:
        if self._writer is not None:
            self._writer.flush()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            if self._drop:  # a dry run that failed nothing leaves no empty error file behind
                Path(self.path).unlink(missing_ok=True)
                self.dropped = True


class _Progress:
    """One line on stderr, redrawn at most 5 times a second; silent when not enabled. With an
    ``expected`` record count it draws a bar with the percentage and an ETA."""

    def __init__(self, enabled: bool | None, name: str, expected: Callable[[], int | None] | None = None,
                 limit: int | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.name, self._last, self._start = name, 0.0, time.monotonic()
        self._expected, self._limit = expected, limit

    def update(self, report: RunReport, *, final: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not final and now - self._last < 0.2):
            return
        self._last = now
        done = report.ok + report.failed
        rate = done / (now - self._start) if now > self._start else 0.0
        counts = f"{report.ok:,} ok {report.failed:,} failed {rate:,.0f}/s"
        total = self._total()
        if total and not final:
            line = f"{self.name} {progress_bar(report.records_in, total)} {counts}{eta(report.records_in, total, rate)}"
        else:
            line = f"{self.name}: {report.records_in:,} read {counts}"
        # one terminal row, or "\r" redraws only the wrapped tail and leaves the rest on screen
        width = shutil.get_terminal_size((100, 24)).columns - 1
        sys.stderr.write("\r" + line[:width].ljust(width) + ("\n" if final else ""))
        sys.stderr.flush()

    def _total(self) -> int | None:
        total = self._expected() if self._expected else None
        return min(total, self._limit) if total and self._limit else total


def progress_bar(done: int, total: int, width: int = 16) -> str:
    """``[#######.........] 181,204/412,118 44%``"""
    share = min(done / total, 1.0) if total else 0.0
    filled = int(share * width)
    return f"[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} {share:.0%}"


def eta(done: int, total: int, rate: float) -> str:
    """`` ETA 6m12s`` from the records still to read at the current rate (empty when unknown)."""
    if rate <= 0 or done >= total:
        return ""
    seconds = int((total - done) / rate)
    hours, rest = divmod(seconds, 3600)
    return f" ETA {hours}h{rest // 60:02d}m" if hours else f" ETA {rest // 60}m{rest % 60:02d}s"


GATHER_SECONDS = 0.02
"""How long the main thread lets answers gather when its window is full and none is back yet.
Woken for each answer instead, it switched twice per record (and the workers with it, queued behind
it for the interpreter lock): half the import's 6 context switches a record, 2.5 s of system CPU in
20,000 records. The window holds a concurrency's worth of queued records; the pause is shortened
so that they outlast it (``_Workers._gather_seconds``). At 64 connections and 100 ms: 47,000
switches instead of 115,000 per 20,000 records, and 626-627 records/s became 628-629 in
alternating runs."""

SUBMIT_BATCH = 16
"""Records prepared, checkpointed in the journal (pending) and handed to the workers together (at
most the concurrency). Preparing a whole concurrency's worth at once (64) held the interpreter for
10 ms at a time while answers waited for it: 64 connections at 100 ms sustained 618-624 records/s
with batches of 64 and 624-628 with 16 in alternating runs. A checkpoint is one cheap WAL commit."""


class _Run:
    """One execution of ``run``; holds the state the main thread owns."""

    def __init__(self, name, key, transforms, write, recover, options: RunOptions) -> None:
        self.name, self.key_of, self.options = name, key, options
        self.local_steps = [s for s in transforms if not s.network]
        self.network_steps = [s for s in transforms if s.network and not options.dry_run]
        self.write, self.recover = write, recover or write
        self.report = RunReport(name=name, input=options.input, output=options.output,
                                dry_run=options.dry_run, resumed=options.resume and not options.dry_run)
        self.read_metrics = StepMetrics("read")
        self.metrics = {s.name: StepMetrics(s.name) for s in transforms}
        self.write_metrics = StepMetrics("write" if not options.dry_run else "write (dry run)")
        self.report.steps = [self.read_metrics, *self.metrics.values(), self.write_metrics]
        self.report.tallies = {t.name: Counter() for t in options.tallies}
        self.report.tally_phrases = {t.name: t.phrase for t in options.tallies}
        self.throttle = Throttle(options.concurrency, base=options.backoff_base, cap=options.backoff_max)
        self.outage = Outage(options.outage_timeout)  # shared by the workers: see outage.py
        self._counter_lock = threading.Lock()
        self.progress = _Progress(options.progress, name, options.expected, options.limit)
        self.key_name = "key"

    # -- worker side (runs on pool threads) ----------------------------------------------------
    def _attempt(self, metrics: StepMetrics, call: Callable[[], Any],
                 on_retry: Callable[[], None] | None = None) -> Any:
        """Run one network call under the throttle, retrying rate limits and transient errors.

        ``on_retry`` runs before a retry after a transient (possibly applied) failure: the write
        then switches to the idempotent ``recover`` path.
        Raises ``ThrottleStopped`` when the run stops while the record waits (see ``Throttle.stop``).
        """
        tries = limited = waits = 0
        while True:
            value, elapsed = self._call_once(metrics, call)
            failed = isinstance(value, RecordResult) and not value.ok
            if getattr(value, "_unreachable", False) and self.outage.refused():  # outage: wait it out
                waits += 1
                self.throttle.pause(self.outage.delay(waits))
                continue
            if not getattr(value, "_unreachable", False):
                self.outage.answered()
            is_limited = _rate_limited(value)
            if is_limited and limited < self.options.rate_limit_retries:
                limited += 1
                self._count("rate_limited")
                continue
            retryable = failed and (getattr(value, "_retryable", False) or value.error_code in RETRYABLE_CODES)
            if retryable and not is_limited and tries < self.options.retries:
                tries += 1
                self._count("retries")
                if on_retry is not None:
                    on_retry()
                self.throttle.pause(min(self.options.backoff_max, self.options.backoff_base * 2 ** (tries - 1)))
                continue
            metrics.add(elapsed, ok=not failed)
            return value

    def _call_once(self, metrics: StepMetrics, call: Callable[[], Any]) -> tuple[Any, float]:
        """One call holding a throttle slot: (value, seconds); an exception becomes a failed result.

        The slot goes back however the call ends: a slot kept by a call that raised
        KeyboardInterrupt would leave the others waiting in ``acquire`` for ever once the cap had
        narrowed, and ``pool.shutdown`` with them. A KeyboardInterrupt or SystemExit in the call
        stops every worker; it reaches the main thread through the future.
        """
        started = self.throttle.acquire()
        t0 = time.perf_counter()
        value: Any = None
        try:
            value = call()
        except RecordError:
            metrics.add(time.perf_counter() - t0, ok=False)
            raise
        except Exception as exc:  # noqa: BLE001 - every failure becomes a record result
            value = _failure(exc)
        except BaseException:
            self.throttle.stop()
            raise
        finally:
            self.throttle.release(started, rate_limited=_rate_limited(value))
        return value, time.perf_counter() - t0

    def _count(self, name: str) -> None:
        with self._counter_lock:
            setattr(self.report, name, getattr(self.report, name) + 1)

    def _process(self, item: _Item) -> RecordResult | None:
        """Network steps then the write, for one record (on a worker thread); None when the run
        stopped before the record finished (it stays pending: resume sends it through recover)."""
        try:
            return self._send(item)
        except ThrottleStopped:
            return None

    def _send(self, item: _Item) -> RecordResult:
        record = item.record
        try:
            for step in self.network_steps:
                value = self._attempt(self.metrics[step.name], lambda s=step, r=record: s(r))
                if isinstance(value, RecordResult):  # a step that failed with a Gigya error
                    value.step = value.step or step.name
                    return value
                if value is None:
                    return RecordResult(item.key, ok=True, step=step.name, message="dropped")
                record = value
        except RecordError as err:
            return RecordResult(item.key, ok=False, error_code=err.code, message=err.message, step=step.name)
        uncertain = [item.recovering]  # an earlier attempt may have been applied: use recover

        def send() -> Any:
            return (self.recover if uncertain[0] else self.write)(record)

        try:
            result = self._attempt(self.write_metrics, send, on_retry=lambda: uncertain.__setitem__(0, True))
        except RecordError as err:
            return RecordResult(item.key, ok=False, error_code=err.code, message=err.message, step="write")
        if not isinstance(result, RecordResult):
            raise TypeError(f"write() must return a RecordResult, not {type(result).__name__}")
        result.step = result.step or ("write" if not result.ok else None)
        return result

    # -- main thread --------------------------------------------------------------------------
    def _prepare(self, seq: int, raw: Any, journal: Journal) -> _Item | RecordResult | None:
        """Key, journal check and local transforms for one input record (main thread)."""
        failure = key = None
        if isinstance(raw, BadRecord):
            failure = RecordResult(None, ok=False, error_code=raw.code, message=raw.message,
                                   record=raw.as_error_record(), step="read")
        else:
            try:
                key = self.key_of(raw)
            except RecordError as err:
                failure = RecordResult(None, ok=False, error_code=err.code, message=err.message, record=raw,
                                       step="key")
            except Exception as exc:  # noqa: BLE001 - a key function bug fails the record, like a transform's
                failure = RecordResult(None, ok=False, error_code="exception", record=raw, step="key",
                                       message=f"{type(exc).__name__}: {exc}")
            key = None if key in (None, "") else str(key)
            if key is None and failure is None:
                failure = RecordResult(None, ok=False, error_code=f"missing-{self.key_name}",
                                       message="the record has no key",
                                       record=raw, step="key")
        state = journal.state(seq, key)
        if state == FAILED and self.options.retry_failed and journal.code(seq) in TRANSIENT_CODES:
            state = PENDING  # sent again through recover: the failed attempt may have been applied
        if state in (DONE, FAILED):
            self.report.skipped += 1
            return None
        if failure is not None:
            return failure
        if state is None and (owner := journal.owner(key, seq)) is not None:
            return RecordResult(key, ok=False, error_code=f"duplicate-{self.key_name}",
                                message=f"{key!r} already appears in record {owner + 1} of this input",
                                record=raw, step="key")
        record = dict(raw)
        for step in self.local_steps:
            t0 = time.perf_counter()
            try:
                record = step(record)
            except RecordError as err:
                self.metrics[step.name].add(time.perf_counter() - t0, ok=False)
                return RecordResult(key, ok=False, error_code=err.code, message=err.message, record=raw, step=step.name)
            except Exception as exc:  # noqa: BLE001 - a transform bug fails the record, loudly
                self.metrics[step.name].add(time.perf_counter() - t0, ok=False)
                return RecordResult(key, ok=False, error_code="exception", record=raw, step=step.name,
                                    message=f"{type(exc).__name__}: {exc}")
            self.metrics[step.name].add(time.perf_counter() - t0, out=0 if record is None else 1)
            if record is None:
                self.report.dropped += 1
                return None
        return _Item(seq, key, raw, record, recovering=state == PENDING)

    def _finish(self, seq: int, key: str | None, original: dict, result: RecordResult,
                journal: Journal, sink: _ErrorSink) -> None:
        """Count, journal and (if failed) write the error line for one finished record."""
        if result.ok:
            self.report.ok += 1
        else:
            self.report.failed += 1
            self.report.failed_by_code[result.error_code] += 1
            sink.write(result.record or original, result)
        journal.mark(seq, key, DONE if result.ok else FAILED, result.error_code)
        self.report.sample_progress()
        self.progress.update(self.report)

    def _tally(self, record: dict) -> None:
        for tally in self.options.tallies:
            if (label := tally.label(record)) is not None:
                self.report.tallies[tally.name][label] += 1

    def _admit(self, seq: int, raw: Any, journal: Journal, sink: _ErrorSink) -> _Item | None:
        """Prepare one input record: finish it at once (failed, skipped, dry run) or return it to
        be sent, marked pending in the journal."""
        prepared = self._prepare(seq, raw, journal)
        if isinstance(prepared, RecordResult):
            self._finish(seq, prepared.key, prepared.record or {}, prepared, journal, sink)
            return None
        if prepared is None:
            return None
        if self.options.dry_run:
            self.write_metrics.add(0.0)
            self._tally(prepared.record)
            self._finish(seq, prepared.key, prepared.original, RecordResult(prepared.key, ok=True), journal, sink)
            return None
        journal.mark(seq, prepared.key, PENDING)
        return prepared

    def execute(self, records: Iterable[Any], journal: Journal, sink: _ErrorSink) -> None:
        """The main loop: read, prepare, submit under a bounded window, collect."""
        submit_batch = max(1, min(self.options.concurrency, SUBMIT_BATCH))
        batch: list[_Item] = []
        last_checkpoint = time.monotonic()
        workers = _Workers(max(1, self.options.concurrency), self.name, self._process)

        def checkpoint_and_submit() -> None:
            nonlocal last_checkpoint
            sink.flush()  # error lines reach the file before their records are marked failed
            journal.checkpoint()  # pending marks are durable before any call is made
            last_checkpoint = time.monotonic()
            for item in batch:
                workers.submit(item)
            batch.clear()

        def collect(block: bool) -> None:
            if not workers.in_flight:
                return
            raised = None
            for item, result, error in workers.take(block):  # a blocking take still lets Ctrl+C through
                if error is not None:  # Ctrl-C in a worker, or a bug: the record stays pending
                    raised = raised or error
                elif result is not None:
                    self._collected(item, result, journal, sink)
            if raised is not None:
                raise raised  # after the other finished records are journaled

        try:
            source = iter(records)
            seq = 0
            while self.options.limit is None or seq < self.options.limit:
                t0 = time.perf_counter()
                try:
                    raw = next(source)
                except StopIteration:
                    break
                self.read_metrics.add(time.perf_counter() - t0, ok=not isinstance(raw, BadRecord))
                self.report.records_in += 1
                if (item := self._admit(seq, raw, journal, sink)) is not None:
                    batch.append(item)
                seq += 1
                # a full batch is sent at once; otherwise marks (failures too) are committed
                # at least every checkpoint_seconds, so a kill repeats little work
                if len(batch) >= submit_batch or (
                    time.monotonic() - last_checkpoint > self.options.checkpoint_seconds
                ):
                    checkpoint_and_submit()
                collect(block=False)
                while workers.in_flight >= workers.window:
                    collect(block=True)
            checkpoint_and_submit()
            while workers.in_flight:
                collect(block=True)
        except BaseException:
            self.report.interrupted = True
            self._drain(workers, journal, sink)
            raise
        finally:
            workers.shutdown()
        sink.flush()  # error lines reach the file before their records are marked failed
        journal.checkpoint()

    def _collected(self, item: _Item, result: RecordResult, journal: Journal, sink: _ErrorSink) -> None:
        result.key = result.key or item.key
        if item.recovering:
            self.report.recovered += 1
        if result.ok:
            self._tally(item.record)
        self._finish(item.seq, item.key, item.original, result, journal, sink)

    def _drain(self, workers: _Workers, journal: Journal, sink: _ErrorSink) -> None:
        """Stop the workers (no call starts any more, waits end at once), let calls on the wire
        finish and journal what finished; records that did not finish stay pending."""
        self.throttle.stop()
        workers.shutdown()
        try:
            for item, result, error in workers.take(block=False):
                if error is None and result is not None:
                    self._collected(item, result, journal, sink)
        except Exception:  # noqa: BLE001 - the error output or journal is failing: what is left stays pending
            pass  # the error that stopped the run is the one to raise
        sink.flush()
        journal.checkpoint()


class _Workers:
    """The worker threads of a run: items go in through one ``SimpleQueue`` and come back as
    ``(item, result, exception)`` through another.

    What ``ThreadPoolExecutor`` + ``Future`` + a done-callback queue did, with less per record: no
    Future, Condition or callback, and queues that take no Python lock (an import hands a record
    over twice per call, from dozens of threads). Threads start as items come, up to ``size``.
    """

    def __init__(self, size: int, name: str, work: Callable[[_Item], RecordResult | None]) -> None:
        self._size, self._name, self._work = size, name, work
        self._todo: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._done: queue.SimpleQueue[tuple[_Item, RecordResult | None, BaseException | None]] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._started = time.monotonic()
        self._taken = 0  # items taken back so far
        self.in_flight = 0
        """Items submitted and not yet taken back (running, waiting, or finished but not taken)."""
        self.window = 2 * size
        """How many items the run keeps in flight: with this many, at least ``size`` are queued
        whenever none is finished (see ``wait``)."""

    def submit(self, item: _Item) -> None:
        """Queue ``item`` for the next free worker (starting one if all are busy)."""
        self.in_flight += 1
        if len(self._threads) < min(self._size, self.in_flight):
            thread = threading.Thread(target=self._loop, name=f"{self._name}_{len(self._threads)}")
            thread.start()
            self._threads.append(thread)
        self._todo.put(item)

    def take(self, block: bool) -> list[tuple[_Item, RecordResult | None, BaseException | None]]:
        """Every finished item now (waiting for the first one if ``block``; none if nothing runs)."""
        taken = []
        try:
            if block and self.in_flight:
                taken.append(self.wait())
            while True:
                taken.append(self._done.get_nowait())
        except queue.Empty:
            pass
        self.in_flight -= len(taken)
        self._taken += len(taken)
        return taken

    def wait(self) -> tuple[_Item, RecordResult | None, BaseException | None]:
        """The next finished item, waiting for it (a signal interrupts the wait). With a full
        window and none finished yet, ``size`` items are queued: the workers stay busy while
        answers gather for up to ``GATHER_SECONDS`` (see there)."""
        if self.in_flight >= self.window:
            try:
                return self._done.get_nowait()
            except queue.Empty:
                time.sleep(self._gather_seconds())
        return self._done.get()

    def _gather_seconds(self) -> float:
        """``GATHER_SECONDS``, or less when the queued items would not last twice that: half the
        time ``size`` items take at the run's pace so far (a fast local server answers thousands a
        second, and its workers must not run dry while the main thread sleeps)."""
        if not self._taken:
            return 0.0
        per_item = (time.monotonic() - self._started) / self._taken
        return min(GATHER_SECONDS, 0.5 * self._size * per_item)

    def shutdown(self) -> None:
        """Items not started yet are dropped (their records stay pending); calls running end as
        they do, then the threads end. Finished items can still be ``take``n."""
        while True:
            try:
                self._todo.get_nowait()
            except queue.Empty:
                break
            self.in_flight -= 1
        for _ in self._threads:
            self._todo.put(None)
        for thread in self._threads:
            thread.join()
        self._threads.clear()

    def _loop(self) -> None:
        while (item := self._todo.get()) is not None:
            try:
                result = self._work(item)
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread, which raises it
                self._done.put((item, None, exc))
            else:
                self._done.put((item, result, None))


def run(records: Iterable[Any], *, name: str, key: Callable[[dict], str | None], transforms: Sequence[Step] = (),
        write: Callable[[dict], RecordResult], recover: Callable[[dict], RecordResult] | None = None,
        options: RunOptions | None = None, key_name: str = "key") -> RunReport:
    """Run one job over ``records`` (see the module docstring); returns its ``RunReport``.

    ``key_name`` names the key in error codes: ``missing-<key_name>``, ``duplicate-<key_name>``.

    Raises ``JournalError`` before anything is sent when the journal does not fit the run, and
    ``RunInterrupted`` (holding the saved report) on Ctrl-C.
    """
    options = options or RunOptions()
    scheduling.check_policy(options.scheduling)
    job = _Run(name, key, list(transforms), write, recover, options)
    job.key_name = key_name
    report = job.report
    report.started_at = _now()
    report.details = options.details
    temp_dir = None
    if options.dry_run or options.journal_path is None:
        temp_dir = tempfile.TemporaryDirectory(prefix="gigya-migrate-")
        journal = Journal(Path(temp_dir.name) / "journal.sqlite", name=name, resume=False)
    else:
        journal = Journal(options.journal_path, name=name, resume=options.resume,
                          retry_failed=options.resume and options.retry_failed)
        report.journal_path = str(options.journal_path)
    append = bool(options.resume and not options.dry_run)
    sink = _ErrorSink(options.errors_path, options.errors_format, append, drop_if_empty=options.dry_run)
    report.errors_path = str(options.errors_path) if options.errors_path else None
    t0 = time.monotonic()
    interrupted = completed = False
    try:
        with scheduling.run_policy(options.scheduling):  # the workers execute starts inherit it
            job.execute(records, journal, sink)
        completed = True
    except KeyboardInterrupt:
        interrupted = True
    except BaseException as exc:  # a run-level error: said in the report, then raised as it is
        report.interrupted = True
        report.error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        # however the run ended (a second Ctrl-C, a broken error output...): close both outputs
        # and write the report
        report.duration = time.monotonic() - t0
        report.finished_at = _now()
        try:
            report.journal_totals = journal.totals() if temp_dir is None else {}
            _close(sink, journal, finished=completed)
            report.errors_path = None if sink.dropped else report.errors_path
        finally:
            if temp_dir is not None:
                temp_dir.cleanup()
            job.progress.update(report, final=True)
            if options.report_path:
                report.report_path = str(options.report_path)
                _write_json(options.report_path, report.as_dict())
    if interrupted:
        raise RunInterrupted(report)
    return report


def _close(sink: _ErrorSink, journal: Journal, *, finished: bool) -> None:
    """Close the error output, then the journal. Marks are committed only if the error lines
    reached the file: otherwise a record marked failed would have no error line anywhere, so the
    marks since the last checkpoint are rolled back (resume takes those records again)."""
    try:
        sink.close()
    except BaseException:
        journal.close(commit=False)
        raise
    if finished:
        journal.finish()
    else:
        journal.close()  # resumable


def _write_json(path: str | Path, data: dict) -> None:
    tmp = Path(f"{path}.tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
