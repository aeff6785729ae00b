"""The checkpoint journal of a run: one SQLite row per input record, so a killed job can resume.

Each input record is identified by its position in the input (``seq``) and by its key (a login
id, a UID...). A row moves ``pending`` -> ``done`` | ``failed``. The runner writes ``pending``
and commits it *before* the record's first network call, and writes ``done``/``failed`` lazily
(committed at the next checkpoint). So after a kill at any point:

- a ``done``/``failed`` row is final: resume skips the record;
- a ``pending`` row means "the call may or may not have reached Gigya": resume sends it again
  through the flow's idempotent ``recover`` path (see ``runner``);
- a missing row means the record was never sent: resume processes it normally.

The journal also answers "is this key already owned by an earlier record of this run?", which is
how duplicate keys in one input file are caught without holding every key in memory.

Only the runner's main thread touches the connection (SQLite objects are not shared across
threads), and WAL mode with ``synchronous=NORMAL`` keeps commits cheap while surviving a killed
process (an OS crash may lose the last commits; those records then resume as ``pending``).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

__all__ = ["Journal", "JournalError", "RunAlreadyFinished"]

PENDING, DONE, FAILED = "pending", "done", "failed"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY,
    key TEXT,
    state TEXT NOT NULL,
    code TEXT
);
CREATE INDEX IF NOT EXISTS records_key ON records(key);
"""


class JournalError(Exception):
    """The journal cannot be used for this run (unfinished run without resume, changed input...)."""


class RunAlreadyFinished(JournalError):
    """``resume`` of a journal whose run already finished: there is nothing to continue, and the
    finished run's report must stay as it is (a resumed run would replace it with one that skipped
    every record)."""

    def __init__(self, path: Path, counts: dict[str, int]) -> None:
        super().__init__(
            f"nothing to resume: the run in journal {path} already finished ({counts.get(DONE, 0):,} done, "
            f"{counts.get(FAILED, 0):,} failed); its report is kept. Run without --resume to start over, or "
            "feed the error file back in to retry the failed records"
        )
        self.counts = counts


class Journal:
    """A run's checkpoint journal in one SQLite file (see module docstring)."""

    def __init__(self, path: str | Path, *, name: str, resume: bool, retry_failed: bool = False) -> None:
        """``retry_failed`` (with ``resume``) reopens a finished run too: its transient failures are sent again."""
        self.path = Path(path)
        self._retry_failed = retry_failed
        self._db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:  # another file given as --journal: name it (exit 2), not "file is not a database"
            self._db.close()
            raise JournalError(f"journal {self.path} cannot be used ({exc}): it is not a gigya-migrate journal, or "
                               "another run holds it; give another --journal path") from None
        # a run that starts afresh holds only the rows it marks itself: no row above the highest
        # record it marked, so ``state`` needs no query for the next record (one statement fewer a record)
        self._marked_up_to: int | None = -1 if not resume else None
        self._open_run(name, resume)
        self._db.execute("BEGIN")

    # -- life cycle -------------------------------------------------------------------------
    def _open_run(self, name: str, resume: bool) -> None:
        meta = dict(self._db.execute("SELECT name, value FROM meta"))
        has_rows = self._db.execute("SELECT 1 FROM records LIMIT 1").fetchone() is not None
        if resume:
            if has_rows and meta.get("finished") == "1" and meta.get("job") in (None, name) and not self._retry_failed:
                counts = self._counts()
                self._db.close()
                raise RunAlreadyFinished(self.path, counts)
            if has_rows and meta.get("job") not in (None, name):
                raise JournalError(
                    f"journal {self.path} belongs to job {meta.get('job')!r}, not {name!r}; "
                    "give another --journal path or delete it"
                )
        elif has_rows and meta.get("finished") != "1":
            counts = self._counts()
            raise JournalError(
                f"journal {self.path} holds an unfinished run ({counts.get(DONE, 0)} done, "
                f"{counts.get(PENDING, 0)} in flight): pass --resume to continue it, "
                "or delete the file to start over"
            )
        else:
            self._db.execute("DELETE FROM records")
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('job', ?)", (name,))
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('finished', '0')")
        self.resumed_counts = self._counts() if resume else {}

    def _counts(self) -> dict[str, int]:
        return dict(self._db.execute("SELECT state, count(*) FROM records GROUP BY state"))

    def checkpoint(self) -> None:
        """Commit everything marked so far (the runner calls this before sending new records)."""
        if self._db.in_transaction:  # not after a Ctrl-C that landed between COMMIT and BEGIN
            self._db.execute("COMMIT")
        self._db.execute("BEGIN")

    def finish(self) -> None:
        """Mark the run complete (a later run without --resume starts afresh) and close."""
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('finished', '1')")
        self.close()

    def close(self, *, commit: bool = True) -> None:
        """Commit and close, leaving the run resumable. ``commit=False`` drops the marks made since
        the last checkpoint instead (the runner does when the error lines could not be written)."""
        if self._db.in_transaction:
            self._db.execute("COMMIT" if commit else "ROLLBACK")
        self._db.close()

    # -- records ----------------------------------------------------------------------------
    def state(self, seq: int, key: str | None) -> str | None:
        """The recorded state of record ``seq`` (None if never seen); refuses a changed input."""
        if self._marked_up_to is not None and seq > self._marked_up_to:
            return None
        row = self._db.execute("SELECT key, state FROM records WHERE seq = ?", (seq,)).fetchone()
        if row is None:
            return None
        if row[0] != key:
            raise JournalError(
                f"record {seq + 1} of the input has key {key!r} but the journal recorded {row[0]!r}: "
                "the input changed since the interrupted run; resume needs the same input"
            )
        return row[1]

    def code(self, seq: int) -> str | None:
        """The error code recorded for record ``seq`` (None if it has none)."""
        row = self._db.execute("SELECT code FROM records WHERE seq = ?", (seq,)).fetchone()
        return None if row is None else row[0]

    def owner(self, key: str, seq: int) -> int | None:
        """The position of another record of this run holding ``key`` (pending or done), if any."""
        row = self._db.execute(
            "SELECT seq FROM records WHERE key = ? AND seq != ? AND state != ? LIMIT 1", (key, seq, FAILED)
        ).fetchone()
        return None if row is None else row[0]

    def mark(self, seq: int, key: str | None, state: str, code: object = None) -> None:
        """Record the state of record ``seq`` (committed at the next checkpoint)."""
        if not self._db.in_transaction:  # never autocommit a mark ahead of its error line
            self._db.execute("BEGIN")
        if self._marked_up_to is not None and seq > self._marked_up_to:
            self._marked_up_to = seq
        self._db.execute(
            "INSERT OR REPLACE INTO records (seq, key, state, code) VALUES (?, ?, ?, ?)",
            (seq, key, state, None if code is None else str(code)),
        )

    def totals(self) -> dict[str, int]:
        """Records per state over the whole job, this run and the interrupted ones before it."""
        return self._counts()
