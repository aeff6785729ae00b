"""Sending records to downstream systems: a file, an HTTP endpoint, and a dead-letter file.

This is our counterpart of IdentitySync's file writers and its "generic writer"
(``datasource.write.external.generic``, seed 000). The generic writer's parameters are not
published (docs/gigya-api.md open question 10), so the HTTP contract here is our decision (I):

- each record is POSTed as one JSON object (``mode="record"``, the default, so every UID gets its
  own answer), or each batch as a JSON array (``mode="batch"``, one answer shared by the batch);
- a 2xx answer means accepted; 408, 425, 429 and 5xx answers, timeouts and connection errors are
  retried with exponential backoff (``Retry-After`` seconds are honoured); any other answer is a
  refusal and is not retried within the run.

A record that a sink did not accept is *parked* in the dead-letter file with the names of the
sinks still owing it; the next run sends parked records first, only to those sinks, so nothing is
lost and nothing already accepted is sent twice.
"""

from __future__ import annotations

import csv
import json
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol

import requests

from gigya_migrate.flows.state import utc_now_iso

__all__ = [
    "DeadLetter",
    "Delivery",
    "Downstream",
    "DownstreamError",
    "FileSink",
    "HttpSink",
    "Outcome",
    "Sink",
    "backoff_seconds",
]

_ANSWER_CHARS = 200
_RETRY_STATUSES = frozenset({408, 425, 429})


class DownstreamError(RuntimeError):
    """A run-level downstream failure: a record could neither be delivered nor parked."""


@dataclass
class Delivery:
    """What one sink answered for one record."""

    key: str
    sink: str
    ok: bool
    status: int | None = None
    answer: str = ""
    attempts: int = 1
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The delivery as a JSON-ready dict (for the per-UID report)."""
        return asdict(self)


class Sink(Protocol):
    """A downstream destination: ``send`` a batch, get one ``Delivery`` per record back."""

    name: str

    def send(self, records: list[dict[str, Any]], keys: list[str]) -> list[Delivery]:
        """Deliver ``records`` (``keys[i]`` names ``records[i]``); never raises for a refusal."""
        ...

    def close(self) -> None:
        """Release files and connections."""
        ...


def backoff_seconds(attempt: int, *, base: float = 0.5, cap: float = 30.0) -> float:
    """Wait before retry number ``attempt`` (1-based): ``base * 2**(attempt-1)``, at most ``cap``."""
    return min(cap, base * (2 ** max(0, attempt - 1)))


class FileSink:
    """Appends records to a CSV or JSONL file, flushed to disk after every batch.

    The format follows the extension (``.csv``, ``.jsonl``/``.ndjson``) unless ``fmt`` is given.
    CSV columns are ``fields`` (default: the keys of the first record); nested values are written
    as JSON text. The header is written only when the file is new or empty, so a nightly job can
    append to the same file.
    """

    def __init__(self, path: Path | str, *, fmt: str | None = None, fields: list[str] | None = None,
                 name: str = "file") -> None:
        self.path = Path(path)
        self.fmt = fmt or _format_from_suffix(self.path)
        self.fields = list(fields) if fields else None
        self.name = name
        self._handle = None
        self._writer = None
        self._lock = threading.Lock()  # a runner may deliver from several worker threads

    def send(self, records: list[dict[str, Any]], keys: list[str]) -> list[Delivery]:
        """Write the batch; a disk error refuses every record of the batch."""
        try:
            with self._lock:
                self._write(records)
        except OSError as exc:
            return [Delivery(k, self.name, False, error=f"cannot write {self.path}: {exc}") for k in keys]
        return [Delivery(k, self.name, True, answer="written") for k in keys]

    def close(self) -> None:
        """Close the file."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def _write(self, records: list[dict[str, Any]]) -> None:
        handle = self._open(records)
        for record in records:
            if self.fmt == "jsonl":
                handle.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            else:
                self._writer.writerow({k: _cell(record.get(k)) for k in self.fields})
        handle.flush()
        os.fsync(handle.fileno())

    def _open(self, records: list[dict[str, Any]]):
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fresh = not self.path.exists() or self.path.stat().st_size == 0
            self._handle = self.path.open("a", encoding="utf-8", newline="")
            if self.fmt == "csv":
                self.fields = self.fields or (list(records[0]) if records else [])
                self._writer = csv.DictWriter(self._handle, fieldnames=self.fields, extrasaction="ignore")
                if fresh:
                    self._writer.writeheader()
        return self._handle


def _format_from_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    raise ValueError(f"{path}: cannot tell the format from the extension; use .csv or .jsonl")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class HttpSink:
    """POSTs JSON to an endpoint with retries and backoff (see the module docstring for the contract).

    ``sleep`` and ``backoff`` are injectable so tests do not wait; ``headers`` (for example an
    ``Authorization`` header) are sent but never written to reports.
    """

    def __init__(self, url: str, *, mode: str = "record", session: requests.Session | None = None,
                 headers: dict[str, str] | None = None, max_attempts: int = 5, timeout: float = 30.0,
                 sleep: Callable[[float], None] = time.sleep,
                 backoff: Callable[[int], float] = backoff_seconds, name: str = "http") -> None:
        if mode not in ("record", "batch"):
            raise ValueError("mode must be 'record' or 'batch'")
        self.url, self.mode, self.name = url, mode, name
        self.session = session or requests.Session()
        self.headers = {"Content-Type": "application/json", **(headers or {})}
        self.max_attempts, self.timeout = max(1, max_attempts), timeout
        self._sleep, self._backoff = sleep, backoff

    def send(self, records: list[dict[str, Any]], keys: list[str]) -> list[Delivery]:
        """POST the batch (one request per record, or one for all) and report per key."""
        if self.mode == "batch":
            status, answer, attempts, error = self._post(records)
            return [self._delivery(k, status, answer, attempts, error) for k in keys]
        results = []
        for record, key in zip(records, keys):
            status, answer, attempts, error = self._post(record)
            results.append(self._delivery(key, status, answer, attempts, error))
        return results

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()

    def _delivery(self, key: str, status: int | None, answer: str, attempts: int, error: str | None) -> Delivery:
        ok = status is not None and 200 <= status < 300
        return Delivery(key, self.name, ok, status, answer, attempts, None if ok else error or f"HTTP {status}")

    def _post(self, body: Any) -> tuple[int | None, str, int, str | None]:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        status, answer, error, attempt = None, "", None, 0
        for attempt in range(1, self.max_attempts + 1):
            status, answer, error, wait = self._attempt(data)
            if not _should_retry(status) or attempt == self.max_attempts:
                break
            self._sleep(wait if wait is not None else self._backoff(attempt))
        return status, answer, attempt, error

    def _attempt(self, data: bytes) -> tuple[int | None, str, str | None, float | None]:
        try:
            response = self.session.post(self.url, data=data, headers=self.headers, timeout=self.timeout)
        except requests.RequestException as exc:
            return None, "", f"{type(exc).__name__}: {exc}"[:_ANSWER_CHARS], None
        answer = response.text[:_ANSWER_CHARS]
        error = None if response.ok else f"HTTP {response.status_code}: {answer}"
        return response.status_code, answer, error, _retry_after(response)


def _should_retry(status: int | None) -> bool:
    return status is None or status in _RETRY_STATUSES or status >= 500


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return min(60.0, max(0.0, float(value)))
    except ValueError:
        return None


class DeadLetter:
    """A JSONL file of parked records: ``{"key", "record", "sinks", "error", "attempts", ...}``.

    ``park`` appends and syncs to disk before returning; ``replace`` rewrites the file atomically
    with what is still owed after a retry.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def entries(self) -> list[dict[str, Any]]:
        """Everything parked (dead letters are few by nature, so they are read whole)."""
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]

    def park(self, entries: Iterable[dict[str, Any]]) -> None:
        """Append ``entries`` durably."""
        entries = list(entries)
        if not entries:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            for entry in entries:
                handle.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def replace(self, entries: list[dict[str, Any]]) -> None:
        """Rewrite the file with ``entries`` (removing it when nothing is owed any more)."""
        if not entries:
            if self.path.exists():
                self.path.unlink()
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            for entry in entries:
                handle.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)


@dataclass
class Outcome:
    """The result of delivering one batch: every sink's answer, what was accepted, what was parked."""

    deliveries: list[Delivery] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    parked: list[str] = field(default_factory=list)

    def extend(self, other: "Outcome") -> None:
        """Add another batch's outcome to this one."""
        self.deliveries += other.deliveries
        self.accepted += other.accepted
        self.parked += other.parked


class Downstream:
    """Several sinks behind one ``deliver`` call, with a dead-letter file for what they refuse.

    A record counts as accepted once every sink accepted it. Without a dead-letter file a refusal
    raises ``DownstreamError`` (the caller must not advance its watermark).
    """

    def __init__(self, sinks: list[Sink], *, dead_letter: DeadLetter | None = None,
                 key: Callable[[dict[str, Any]], str] = lambda r: str(r.get("uid", ""))) -> None:
        if not sinks:
            raise ValueError("no downstream: give at least one file or HTTP endpoint")
        self.sinks = {sink.name: sink for sink in sinks}
        self.dead_letter = dead_letter
        self._key = key

    def deliver(self, records: list[dict[str, Any]]) -> Outcome:
        """Send a batch to every sink; park what a sink refused; say what happened per key."""
        outcome, entries = self._deliver([(r, list(self.sinks), 0, None) for r in records])
        self._park(entries)
        return outcome

    def retry_parked(self) -> Outcome:
        """Send parked records again, each only to the sinks that still owe it; keep the rest parked.

        The dead-letter file is rewritten once, at the end, with what is still owed; a crash in
        between leaves the old file, so a record may be re-sent (at least once), never dropped.
        """
        if self.dead_letter is None:
            return Outcome()
        entries = self.dead_letter.entries()
        if not entries:
            return Outcome()
        items, absent, untouched = [], [], []
        for entry in entries:
            here = [self._sink_for(name) for name in entry["sinks"]]
            if not any(here):
                untouched.append(entry)  # no sink of this run owes it: it waits, it is not dropped
                continue
            items.append((entry["record"], list(dict.fromkeys(h for h in here if h)),
                          int(entry.get("attempts", 0)), entry.get("firstFailedAt")))
            absent.append((entry, [n for n, h in zip(entry["sinks"], here) if not h]))
        outcome, still_owed = self._deliver(items)
        still_owed = self._add_absent(still_owed, items, absent, outcome) + untouched
        outcome.parked += [self._key(e["record"]) for e in untouched]
        try:
            self.dead_letter.replace(still_owed)
        except OSError as exc:
            raise DownstreamError(f"cannot rewrite the dead-letter file {self.dead_letter.path}: {exc}") from exc
        return outcome

    def _sink_for(self, owed: str) -> str | None:
        """The sink of this run that settles a debt to ``owed``: the same name, else the same kind
        (a nightly ``--out deleted-<date>.csv`` is a new file name each run); None when this run has
        no sink of that kind (a run without ``--post`` must not settle what the endpoint is owed)."""
        if owed in self.sinks:
            return owed
        kind = owed.split(":", 1)[0]
        return next((name for name in self.sinks if name.split(":", 1)[0] == kind), None)

    def _add_absent(self, still_owed: list[dict], items: list[tuple], absent: list[tuple],
                    outcome: Outcome) -> list[dict]:
        """``still_owed`` plus the owed sinks this run does not have: their records stay parked."""
        by_key = {e["key"]: e for e in still_owed}
        for (record, *_), (entry, names) in zip(items, absent):
            if not names:
                continue
            key = self._key(record)
            if key in by_key:
                by_key[key]["sinks"] += [n for n in names if n not in by_key[key]["sinks"]]
                continue
            still_owed.append({**entry, "sinks": names})
            if key in outcome.accepted:
                outcome.accepted.remove(key)
                outcome.parked.append(key)
        return still_owed

    def close(self) -> None:
        """Close every sink."""
        for sink in self.sinks.values():
            sink.close()

    def _deliver(self, items: list[tuple]) -> tuple[Outcome, list[dict]]:
        outcome = Outcome()
        failures: dict[int, list[Delivery]] = {}
        for name, sink in self.sinks.items():
            indexes = [i for i, item in enumerate(items) if name in item[1]]
            if not indexes:
                continue
            answers = sink.send([items[i][0] for i in indexes], [self._key(items[i][0]) for i in indexes])
            outcome.deliveries += answers
            for i, answer in zip(indexes, answers):
                if not answer.ok:
                    failures.setdefault(i, []).append(answer)
        for i, item in enumerate(items):
            (outcome.parked if i in failures else outcome.accepted).append(self._key(item[0]))
        return outcome, [self._entry(items[i], failures[i]) for i in sorted(failures)]

    def _entry(self, item: tuple, failed: list[Delivery]) -> dict:
        record, _, runs, first = item
        now = utc_now_iso()
        first = first or now
        return {"key": self._key(record), "record": record, "sinks": [d.sink for d in failed],
                "error": "; ".join(f"{d.sink}: {d.error}" for d in failed), "attempts": runs + 1,
                "firstFailedAt": first, "lastFailedAt": now}

    def _park(self, entries: list[dict]) -> None:
        if not entries:
            return
        if self.dead_letter is None:
            raise DownstreamError(f"downstream refused {len(entries)} record(s): {entries[0]['error']}")
        try:
            self.dead_letter.park(entries)
        except OSError as exc:
            raise DownstreamError(f"cannot write the dead-letter file {self.dead_letter.path}: {exc}") from exc

