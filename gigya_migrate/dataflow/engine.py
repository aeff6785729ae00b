"""Running a checked dataflow: batches pushed from the entry reader along ``next``, failures along ``error``.

How a job runs (our engine; IdentitySync's internals are not published):

1. Every step's component is built (no call is made yet). The entry reader yields batches.
2. A batch goes through a step's ``process``; what it passes on is pushed to each ``next`` step
   (a split gives every branch its own copy), and the records it failed are pushed to its
   ``error`` steps with ``errorCode``, ``errorMessage`` and ``errorStep`` added. A failure with no
   ``error`` step is *unhandled*: it is counted, traced and written to the job's error file, and
   the run goes on (nothing is lost).
3. When the reader is exhausted, each step's ``finish`` runs in topological order, so a
   formatter emits its file only after every record reached it and a writer then uploads it.
4. The job is recorded in the history (status, processed/total, step metrics, errors by code,
   trace). Readers' watermarks are committed only when the job succeeded with no unhandled
   failure and was not a ``--limit`` test run.

``--limit N`` caps the records entering the flow (from a Gigya reader or a file parser): the
console's "run test" is ``--limit 10``. Variable values never reach the trace or the error
messages (``Variables.redact``), and debug traces mask password fields.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gigya_migrate.dataflow.components import RECORDS, Component, Failure, Output
from gigya_migrate.dataflow.history import History
from gigya_migrate.dataflow.model import Dataflow
from gigya_migrate.dataflow.variables import Variables
from gigya_migrate.flows.runner import StepMetrics

__all__ = ["JobContext", "JobResult", "LOG_LEVELS", "RunSettings", "run_dataflow"]

LOG_LEVELS = ("error", "info", "debug")
DEBUG_RECORDS = 3  # seed 000: debug logs records "limited to a batch of 3 records"
_SECRET_FIELDS = {"password", "hashedPassword", "hash", "compoundHashedPassword", "secret", "newPassword"}


@dataclass
class RunSettings:
    """How a job runs (the schedule's options in the console)."""

    limit: int | None = None
    full: bool = False
    log_level: str = "info"
    errors_path: Path | None = None
    script_timeout_ms: int = 1000
    progress: Any = None  # called with the number of records read so far, after each batch
    client_options: dict = field(default_factory=dict)  # passed to every GigyaClient (max_retries...)


@dataclass
class JobResult:
    """What a job did; ``summary()`` is what ``dataflow run`` prints."""

    job_id: str
    flow: str
    status: str
    total: int = 0
    processed: int = 0
    unhandled: int = 0
    steps: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    errors_path: str | None = None
    message: str | None = None
    watermark_committed: bool = False
    seconds: float = 0.0

    def summary(self) -> str:
        """Status line, step metrics and errors by code."""
        lines = [f"job {self.job_id} ({self.flow}): {self.status}; {self.processed:,} of {self.total:,} records "
                 f"processed in {self.seconds:.1f}s"]
        lines.append(f"  {'step':<22}{'seconds':>10}{'input':>10}{'output':>10}{'errors':>10}")
        for s in self.steps:
            lines.append(f"  {s['step']:<22}{s['durationSeconds']:>10.3f}{s['input']:>10,}{s['output']:>10,}"
                         f"{s['errors']:>10,}")
        for e in self.errors:
            lines.append(f"  error {e['step']} {e['errorCode']} x{e['count']}: {e['errorMessage']}")
        if self.unhandled and self.errors_path:
            lines.append(f"  {self.unhandled:,} failed records had no error step: written to {self.errors_path}")
        if self.message:
            lines.append(f"  {self.message}")
        return "\n".join(lines)


class JobContext:
    """What components may use: the site, clients, a scratch folder, the trace, the settings."""

    def __init__(self, flow: Dataflow, *, site: Any, history: History, settings: RunSettings, variables: Variables,
                 job_id: str, flow_key: str) -> None:
        self.flow, self.site, self.history, self.settings = flow, site, history, settings
        self.variables, self.job_id, self.flow_key = variables, job_id, flow_key
        self.workdir = Path(tempfile.mkdtemp(prefix=f"gigya-dataflow-{job_id[:8]}-"))
        self.started_ms = int(time.time() * 1000)
        self._clients: dict[tuple, Any] = {}

    @property
    def full(self) -> bool:
        """``--full``: ignore watermarks (the console's "Pull all records")."""
        return self.settings.full

    def client(self, api_key: str | None = None, user_key: str | None = None, secret: str | None = None) -> Any:
        """A client for the run's site, or for another site (``apiKey``/``userKey``/``secret`` params)
        reached the same way (same data center and base URL, as IdentitySync requires)."""
        if self.site is None:
            raise RuntimeError("this dataflow reads or writes Gigya: give the site (--api-key, --user-key, "
                               "--secret, --data-center, or --mock)")
        key = (api_key, user_key, secret)
        if key not in self._clients:
            from gigya_migrate.client import GigyaClient

            site = self.site
            self._clients[key] = GigyaClient(
                api_key or site.api_key, user_key=user_key or site.user_key, secret=secret or site.secret,
                data_center=site.data_center, base_url=site.base_url, sign_requests=site.sign_requests,
                **self.settings.client_options)
        return self._clients[key]

    def scratch(self, name: str) -> Path:
        """A fresh path in the job's scratch folder for a file named ``name``."""
        folder = Path(tempfile.mkdtemp(dir=self.workdir))
        return folder / (Path(name).name or "file")

    def log(self, level: str, step: str | None, message: str, data: Any = None) -> None:
        """A trace entry, kept when ``level`` is within the job's log level; variable values redacted."""
        if LOG_LEVELS.index(level) <= LOG_LEVELS.index(self.settings.log_level):
            self.history.trace(self.job_id, level.upper(), step, self.variables.redact(message),
                               _redacted(data, self.variables.redact))

    def close(self) -> None:
        """Close clients and remove the scratch folder."""
        for client in self._clients.values():
            client.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


class _Job:
    def __init__(self, flow: Dataflow, context: JobContext) -> None:
        self.flow, self.ctx = flow, context
        self.components: dict[str, Component] = {}
        self.metrics = {s: StepMetrics(s) for s in flow.order}
        self.errors: Counter = Counter()
        self.first_message: dict[tuple, str] = {}
        self.remaining = context.settings.limit
        self.total = self.failed_main = self.unhandled = 0
        self.main_path = _success_path(flow)
        self.terminals = {s for s in self.main_path if flow.steps[s].component.takes == RECORDS
                          and (not flow.steps[s].next or flow.steps[s].component.gives != RECORDS)}
        self.completed: Counter = Counter()
        self.debugged: Counter = Counter()
        self._sink = None

    def build(self) -> None:
        for step_id in self.flow.order:
            step = self.flow.steps[step_id]
            self.components[step_id] = step.component(step_id, step.params, self.ctx)

    def run(self) -> None:
        entry = self.flow.entry
        reader = self.components[entry]
        self.ctx.log("info", entry, f"reading ({reader.type})")
        self._drain(entry, reader.read())
        for step_id in self.flow.order:
            started = time.perf_counter()
            items = self.components[step_id].finish()
            self.metrics[step_id].duration += time.perf_counter() - started
            if items:
                self.metrics[step_id].output += len(items)
                self._route(step_id, Output(items))

    def _push(self, step_id: str, items: list) -> None:
        if not items:
            return
        metrics = self.metrics[step_id]
        metrics.input += len(items)
        before = (metrics.output, metrics.errors)
        self._drain(step_id, self.components[step_id].process(items))
        if step_id in self.terminals:  # records that completed the success path here
            passed = metrics.output - before[0]
            self.completed[step_id] += passed if self.components[step_id].gives == RECORDS else (
                len(items) - (metrics.errors - before[1]))

    def _drain(self, step_id: str, result: Any) -> None:
        """Route what a step produced: one ``Output``, or batches (``Output`` or lists) from a
        generator, timed without the time spent downstream."""
        metrics, counts = self.metrics[step_id], self.components[step_id].counts_records
        outputs = iter([result]) if isinstance(result, Output) else iter(result)
        while True:
            if self.remaining == 0 and counts:
                self.ctx.log("info", step_id, f"record limit {self.ctx.settings.limit} reached")
                return
            started = time.perf_counter()
            batch = next(outputs, None)
            metrics.duration += time.perf_counter() - started
            if batch is None:
                return
            out = batch if isinstance(batch, Output) else Output(list(batch))
            if counts:
                out.items = self._take(out.items)
                if self.ctx.settings.progress is not None:
                    self.ctx.settings.progress(self.total)
            if step_id == self.flow.entry:
                metrics.input += len(out.items) + len(out.failed)
            metrics.output += len(out.items)
            metrics.errors += len(out.failed)
            self._route(step_id, out)

    def _route(self, step_id: str, out: Output) -> None:
        step = self.flow.steps[step_id]
        self._debug(step_id, out.items)
        for index, target in enumerate(step.next):
            last = index == len(step.next) - 1
            self._push(target, out.items if last else copy.deepcopy(out.items))
        if out.failed:
            self._fail(step_id, out.failed)

    def _take(self, items: list) -> list:
        if self.remaining is not None:
            items = items[:self.remaining]
            self.remaining -= len(items)
        self.total += len(items)
        return items

    def _fail(self, step_id: str, failures: list[Failure]) -> None:
        step = self.flow.steps[step_id]
        redact = self.ctx.variables.redact
        for failure in failures:
            key = (step_id, str(failure.code))
            self.errors[key] += 1
            message = redact(str(failure.message))
            self.first_message.setdefault(key, message)
            self.ctx.log("error", step_id, f"record failed: {failure.code}: {message}")
        if step_id in self.main_path:
            self.failed_main += len(failures)
        records = [{**f.record, "errorCode": f.code, "errorMessage": redact(str(f.message)), "errorStep": step_id}
                   for f in failures]
        if step.error:
            for index, target in enumerate(step.error):
                self._push(target, records if index == len(step.error) - 1 else copy.deepcopy(records))
            return
        self.unhandled += len(records)
        self._write_unhandled(records)

    def _write_unhandled(self, records: list[dict]) -> None:
        path = self.ctx.settings.errors_path
        if path is None:
            return
        if self._sink is None:
            from gigya_migrate.flows.steps import JsonlWriter

            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._sink = JsonlWriter(path)
        for record in records:
            self._sink.write(record)
        self._sink.flush()

    def _debug(self, step_id: str, items: list) -> None:
        if self.ctx.settings.log_level != "debug" or self.debugged[step_id] >= DEBUG_RECORDS:
            return
        for item in items[:DEBUG_RECORDS - self.debugged[step_id]]:
            self.debugged[step_id] += 1
            data = _masked(item) if isinstance(item, dict) else {"file": getattr(item, "name", str(item))}
            self.ctx.log("debug", step_id, "output", data)

    def close(self) -> None:
        if self._sink is not None:
            self._sink.close()
        for component in self.components.values():
            try:
                component.close()
            except Exception:  # noqa: BLE001 - closing must not hide the job's own outcome
                pass

    def processed(self) -> int:
        """Records that completed the flow: those that entered it, less those failed on the success
        path, and (for a job that stopped early) no more than the most that reached an end step."""
        done = max(self.completed.values(), default=0)
        return max(min(self.total - self.failed_main, done), 0)

    def error_rows(self) -> list[dict]:
        return [{"step": s, "errorCode": c, "errorMessage": self.first_message[(s, c)], "count": n}
                for (s, c), n in self.errors.most_common()]


def _success_path(flow: Dataflow) -> set[str]:
    """Steps reached from the entry through ``next`` only (not through an error branch)."""
    seen, todo = set(), [flow.entry]
    while todo:
        step_id = todo.pop()
        if step_id not in seen:
            seen.add(step_id)
            todo.extend(flow.steps[step_id].next)
    return seen


def _redacted(value: Any, redact: Any) -> Any:
    """``value`` with variable values replaced in every string (a record may carry one)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redacted(v, redact) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v, redact) for v in value]
    return value


def _masked(record: dict) -> dict:
    """A copy for the trace with password material replaced (never log a hash)."""
    return {k: ("<masked>" if k in _SECRET_FIELDS else _masked(v) if isinstance(v, dict) else v)
            for k, v in record.items()}


def run_dataflow(flow: Dataflow, *, site: Any, history: History, settings: RunSettings,
                 variables: Variables | None = None, flow_key: str | None = None) -> JobResult:
    """Run ``flow`` once; the job is recorded in ``history`` however it ends. A run-level failure
    (a refused login, an unreachable server) gives status ``failed`` with its message; Ctrl-C
    gives ``stopped`` and is raised again after the history is written."""
    variables = variables or Variables()
    flow_key = flow_key or f"{flow.name}@{getattr(site, 'api_key', 'local')}"
    job_id = history.start(flow.name, flow_key, max_records=settings.limit, full=settings.full,
                           log_level=settings.log_level)
    ctx = JobContext(flow, site=site, history=history, settings=settings, variables=variables, job_id=job_id,
                     flow_key=flow_key)
    job = _Job(flow, ctx)
    result = JobResult(job_id, flow.name, "running",
                       errors_path=str(settings.errors_path) if settings.errors_path else None)
    started = time.monotonic()
    interrupted: BaseException | None = None
    ctx.log("info", "System", f"job started: {flow.outline()}" + (f" (limit {settings.limit})" if settings.limit else ""))
    try:
        job.build()
        job.run()
        result.status = "succeeded"
    except KeyboardInterrupt as exc:
        result.status, result.message, interrupted = "stopped", "stopped by the user (Ctrl-C)", exc
    except Exception as exc:  # noqa: BLE001 - a run-level failure is the job's outcome, recorded
        result.status = "failed"
        result.message = variables.redact(f"{type(exc).__name__}: {exc}")
        ctx.log("error", "System", result.message)
        ctx.log("error", "System", "Job has failed.")
    finally:
        job.close()
    result.total, result.unhandled = job.total, job.unhandled
    result.processed = job.processed()
    result.steps = [m.as_dict() for m in job.metrics.values()]
    result.errors = job.error_rows()
    if result.status == "succeeded" and not job.unhandled and settings.limit is None:
        for component in job.components.values():
            component.commit()
        result.watermark_committed = True
    if result.status == "succeeded":
        ctx.log("info", "System", "Job has succeeded.")
    result.seconds = time.monotonic() - started
    history.finish(job_id, status=result.status, processed=result.processed, total=result.total,
                   steps=result.steps, errors=result.errors, message=result.message)
    ctx.close()
    if interrupted is not None:
        raise interrupted
    return result
