"""How much audit log the mock keeps: a count per site and an age, so a long-running rehearsal server
does not grow without limit (every API call writes one record).

Gigya keeps audit records for a retention period of its own (not something a client sets); the
mock's defaults keep far more than a rehearsal reads back (``deletions`` reads the log since its
watermark) while bounding the store: :data:`DEFAULT_MAX_RECORDS` per site and
:data:`DEFAULT_MAX_AGE_DAYS` days. ``mock-gigya serve --audit-max-records N --audit-max-age-days D``
changes them (0 = no limit); in Python, ``backend.audit_retention.configure(...)``.

Pruning runs inside the write path but only every ``check_every`` writes of a site (the oldest
records go first, by ``seq``), so a write costs one counter increment almost always. The age rule
deletes through the ``(api_key, ts)`` index; the count rule walks ``max_records`` index entries to
find its cut-off only when the site's ``seq`` span says it may hold more (before both, each prune
scanned the whole site: 500,000 rows every 1,000 writes once a long rehearsal had filled it).
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["DEFAULT_MAX_AGE_DAYS", "DEFAULT_MAX_RECORDS", "AuditRetention"]

DEFAULT_MAX_RECORDS = 500_000
"""Audit records kept per site by default (older ones are deleted)."""
DEFAULT_MAX_AGE_DAYS = 30.0
"""Days an audit record is kept by default."""


class AuditRetention:
    """The retention rule of one backend's audit log (thread-safe)."""

    def __init__(self, max_records: int | None = DEFAULT_MAX_RECORDS, max_age_days: float | None = DEFAULT_MAX_AGE_DAYS,
                 *, check_every: int = 1000) -> None:
        self._lock = threading.Lock()
        self._writes: dict[str, int] = {}
        self.configure(max_records=max_records, max_age_days=max_age_days, check_every=check_every)

    def configure(self, *, max_records: int | None = None, max_age_days: float | None = None,
                  check_every: int | None = None) -> "AuditRetention":
        """Set the limits (0 or None = no limit); ``check_every``: prune after this many writes of a site."""
        if (max_records or 0) < 0 or (max_age_days or 0) < 0:
            raise ValueError("audit retention limits cannot be negative")
        self.max_records = max_records or None
        self.max_age_days = max_age_days or None
        if check_every is not None:
            self.check_every = max(1, check_every)
        return self

    def state(self) -> dict:
        """The limits, for the control plane's state."""
        return {"maxRecords": self.max_records, "maxAgeDays": self.max_age_days}

    def written(self, backend: Any, api_key: str) -> None:
        """Called after each audit write: prune the site's log every ``check_every`` writes."""
        if self.max_records is None and self.max_age_days is None:
            return
        with self._lock:
            count = self._writes.get(api_key, 0) + 1
            self._writes[api_key] = count % self.check_every
        if count >= self.check_every:
            self.prune(backend, api_key)

    def prune(self, backend: Any, api_key: str) -> int:
        """Delete the site's records beyond the count and older than the age; returns how many."""
        removed = 0
        with backend.store.tx() as conn:
            if self.max_age_days is not None:
                cutoff = backend.now_ms() - int(self.max_age_days * 86_400_000)
                removed += conn.execute("DELETE FROM audit WHERE api_key = ? AND ts < ?", (api_key, cutoff)).rowcount
            if self.max_records is not None and self._may_exceed(conn, api_key):
                row = conn.execute("SELECT seq FROM audit WHERE api_key = ? ORDER BY seq DESC LIMIT 1 OFFSET ?",
                                   (api_key, self.max_records)).fetchone()
                if row is not None:
                    removed += conn.execute("DELETE FROM audit WHERE api_key = ? AND seq <= ?",
                                            (api_key, row[0])).rowcount
        return removed

    def _may_exceed(self, conn: Any, api_key: str) -> bool:
        """Whether the site can hold more than ``max_records`` records: its newest and oldest ``seq``
        (two index lookups) are further apart than that. Finding the cut-off itself walks
        ``max_records`` index entries, which a site under the limit never needs."""
        # two queries: SQLite reads one index entry for a lone MIN or MAX, but the whole site for
        # both in one query (500,000 records: 100 ms)
        newest = conn.execute("SELECT MAX(seq) FROM audit WHERE api_key = ?", (api_key,)).fetchone()[0]
        oldest = conn.execute("SELECT MIN(seq) FROM audit WHERE api_key = ?", (api_key,)).fetchone()[0]
        return newest is not None and newest - oldest >= self.max_records
