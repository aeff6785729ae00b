"""Job history and incremental state in one local SQLite file (IdentitySync's Job History screen).

Per job: status (running, succeeded, failed, stopped), start and end times, processed and total
records, per-step metrics (duration, input, output, errors), errors by step and code, and a trace
of at most 1,000 entries (seed 000: "The job trace is limited to 1000 entries per job").

Watermarks (the dataflow's "Last Successful Run") are stored per dataflow and reader step; the
``watermark``/``set_watermark`` pair is the same duck type as ``flows.state.StateFile``, so the
shared ``flows.export.delta_window`` computes the window for both.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gigya_migrate.flows.state import utc_now_iso

__all__ = ["DEFAULT_HISTORY", "History", "JobRecord", "TRACE_LIMIT"]

DEFAULT_HISTORY = Path(".gigya-migrate") / "jobs.sqlite"
TRACE_LIMIT = 1000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY, flow TEXT NOT NULL, flow_key TEXT NOT NULL, status TEXT NOT NULL,
  started_at TEXT NOT NULL, ended_at TEXT, processed INTEGER DEFAULT 0, total INTEGER DEFAULT 0,
  max_records INTEGER, full_extract INTEGER DEFAULT 0, log_level TEXT, steps TEXT DEFAULT '[]',
  errors TEXT DEFAULT '[]', message TEXT, trace_dropped INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS trace (
  job_id TEXT NOT NULL, seq INTEGER NOT NULL, time TEXT NOT NULL, level TEXT NOT NULL, step TEXT,
  message TEXT NOT NULL, data TEXT, PRIMARY KEY (job_id, seq));
CREATE TABLE IF NOT EXISTS watermarks (
  name TEXT PRIMARY KEY, value TEXT NOT NULL, extra TEXT, updated_at TEXT NOT NULL);
"""


@dataclass
class JobRecord:
    """One row of the job history."""

    id: str
    flow: str
    status: str
    started_at: str
    ended_at: str | None
    processed: int
    total: int
    max_records: int | None
    full: bool
    log_level: str | None
    steps: list[dict]
    errors: list[dict]
    message: str | None
    trace_dropped: int

    def as_dict(self) -> dict[str, Any]:
        """JSON form (what ``jobs show --json`` prints)."""
        return {"jobId": self.id, "dataflow": self.flow, "status": self.status, "startTime": self.started_at,
                "endTime": self.ended_at, "processed": self.processed, "total": self.total,
                "maxRecords": self.max_records, "pullAllRecords": self.full, "logLevel": self.log_level,
                "stepMetrics": self.steps, "errors": self.errors, "message": self.message,
                "traceDropped": self.trace_dropped}


class History:
    """The SQLite file; every method commits, so a killed run leaves a readable history."""

    def __init__(self, path: str | Path = DEFAULT_HISTORY) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
        self._db.executescript(_SCHEMA)
        self._trace_count: dict[str, int] = {}
        self._dropped: dict[str, int] = {}

    def close(self) -> None:
        """Commit what is pending (trace lines) and close the file."""
        self._db.commit()
        self._db.close()

    # --- jobs --------------------------------------------------------------------------------------
    def start(self, flow: str, flow_key: str, *, max_records: int | None, full: bool, log_level: str) -> str:
        """A new running job; returns its id (32 hex characters, like IdentitySync's job ids)."""
        job_id = uuid.uuid4().hex
        with self._db:
            self._db.execute("INSERT INTO jobs (id, flow, flow_key, status, started_at, max_records, full_extract, "
                             "log_level) VALUES (?, ?, ?, 'running', ?, ?, ?, ?)",
                             (job_id, flow, flow_key, utc_now_iso(), max_records, int(full), log_level))
        self._trace_count[job_id] = 0
        return job_id

    def finish(self, job_id: str, *, status: str, processed: int, total: int, steps: list[dict],
               errors: list[dict], message: str | None = None) -> None:
        """Close a job with its outcome and metrics."""
        with self._db:
            self._db.execute("UPDATE jobs SET status = ?, ended_at = ?, processed = ?, total = ?, steps = ?, "
                             "errors = ?, message = ?, trace_dropped = ? WHERE id = ?",
                             (status, utc_now_iso(), processed, total, json.dumps(steps), json.dumps(errors),
                              message, self._dropped.pop(job_id, 0), job_id))

    def trace(self, job_id: str, level: str, step: str | None, message: str, data: Any = None) -> bool:
        """Add a trace entry; False (and counted as dropped) once the job has 1,000. Entries are
        committed in groups (and by ``finish``): one commit per line would slow a job down."""
        seq = self._trace_count.get(job_id, 0)
        if seq >= TRACE_LIMIT:
            self._dropped[job_id] = self._dropped.get(job_id, 0) + 1
            return False
        self._trace_count[job_id] = seq + 1
        self._db.execute("INSERT INTO trace VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (job_id, seq, utc_now_iso(), level, step, message,
                          None if data is None else json.dumps(data, default=str)))
        if seq % 100 == 99:
            self._db.commit()
        return True

    def jobs(self, flow: str | None = None, limit: int = 50) -> list[JobRecord]:
        """The most recent jobs first (of one dataflow when ``flow`` is given)."""
        sql = "SELECT * FROM jobs" + (" WHERE flow = ?" if flow else "") + " ORDER BY started_at DESC, rowid DESC LIMIT ?"
        rows = self._db.execute(sql, (flow, limit) if flow else (limit,)).fetchall()
        return [self._job(row) for row in rows]

    def job(self, job_id: str) -> JobRecord | None:
        """One job by id (a unique prefix of at least 6 characters works too)."""
        rows = self._db.execute("SELECT * FROM jobs WHERE id LIKE ? ORDER BY started_at DESC",
                                (f"{job_id}%",)).fetchall() if len(job_id) >= 6 else []
        return self._job(rows[0]) if len(rows) == 1 else None

    def trace_of(self, job_id: str) -> list[dict[str, Any]]:
        """The trace entries of a job, in order."""
        rows = self._db.execute("SELECT time, level, step, message, data FROM trace WHERE job_id = ? ORDER BY seq",
                                (job_id,)).fetchall()
        return [{"time": t, "level": lv, "step": s, "message": m, "data": json.loads(d) if d else None}
                for t, lv, s, m, d in rows]

    @staticmethod
    def _job(row: tuple) -> JobRecord:
        (job_id, flow, _key, status, started, ended, processed, total, max_records, full, level, steps, errors,
         message, dropped) = row
        return JobRecord(job_id, flow, status, started, ended, processed or 0, total or 0, max_records, bool(full),
                         level, json.loads(steps or "[]"), json.loads(errors or "[]"), message, dropped or 0)

    # --- watermarks (StateFile's duck type) --------------------------------------------------------
    def watermark(self, name: str, default: Any = None) -> Any:
        """The stored watermark of ``name`` (Unix ms), or ``default``."""
        row = self._db.execute("SELECT value FROM watermarks WHERE name = ?", (name,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_watermark(self, name: str, value: Any, **extra: Any) -> None:
        """Record a successful run's watermark."""
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO watermarks VALUES (?, ?, ?, ?)",
                             (name, json.dumps(value), json.dumps(extra, default=str), utc_now_iso()))
