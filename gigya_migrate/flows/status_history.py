"""``status`` over time: one row per run in a local SQLite file, and the re-hash share it implies.

After go-live a team runs ``gigya-migrate status`` daily and watches one number: how many of the
imported users have logged in and been re-hashed, per legacy algorithm. A run only sees the
accounts *still* on each legacy algorithm (a re-hashed account moves to the site's algorithm), so
the share is derived from the history: for algorithm ``a`` at run ``i``,

    share(a, i) = 1 - accounts on a at i / most accounts ever seen on a up to i

(the most seen is the import's size; taking the maximum keeps a later, larger import from showing a
negative share). "all legacy algorithms" is the same over their sum. Rows are kept per site and
``--where`` (a history of one query is not comparable with another's).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

__all__ = ["ALL_LEGACY", "DEFAULT_HISTORY", "StatusHistory", "rehash_shares"]

DEFAULT_HISTORY = Path(".gigya-migrate") / "status-history.sqlite"
ALL_LEGACY = "all legacy algorithms"
NO_PASSWORD = "(no password)"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS status_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,                -- ISO UTC time of the run
    site TEXT NOT NULL,              -- api key @ data center / base URL
    query TEXT NOT NULL,             -- the --where clause ('' for all accounts)
    site_algorithm TEXT NOT NULL,
    total INTEGER NOT NULL,
    rehashed INTEGER NOT NULL,
    legacy INTEGER NOT NULL,
    algorithms TEXT NOT NULL         -- JSON: {name: {"accounts": n, "loggedIn": n}}
);
CREATE INDEX IF NOT EXISTS status_runs_site ON status_runs (site, query, at);
"""


class StatusHistory:
    """The history file: ``record`` a run, read ``rows`` back (oldest first)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path)
        connection.executescript(_SCHEMA)
        return connection

    def record(self, site: str, status: dict[str, Any], *, where: str | None = None,
               at: datetime | None = None) -> None:
        """Append one run; ``status`` is ``HashStatus.as_dict()`` (the JSON report)."""
        when = (at or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat(timespec="seconds")
        row = (when.replace("+00:00", "Z"), site, where or "", status.get("siteAlgorithm", ""),
               int(status.get("total", 0)), int(status.get("rehashed", 0)), int(status.get("legacy", 0)),
               json.dumps(status.get("algorithms", {}), sort_keys=True))
        with self._connect() as connection:
            connection.execute("INSERT INTO status_runs (at, site, query, site_algorithm, total, rehashed, legacy, "
                               "algorithms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
        connection.close()

    def rows(self, site: str, *, where: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        """The last ``limit`` runs for ``site`` and ``where``, oldest first, as JSON-ready dicts."""
        if not self.path.exists():
            return []
        with self._connect() as connection:
            found = connection.execute(
                "SELECT at, site_algorithm, total, rehashed, legacy, algorithms FROM status_runs "
                "WHERE site = ? AND query = ? ORDER BY at DESC, id DESC LIMIT ?", (site, where or "", limit)).fetchall()
        connection.close()
        return [{"at": at, "siteAlgorithm": algo, "total": total, "rehashed": rehashed, "legacy": legacy,
                 "algorithms": json.loads(algorithms)} for at, algo, total, rehashed, legacy, algorithms in reversed(found)]


def rehash_shares(rows: list[dict[str, Any]]) -> dict[str, list[tuple[datetime, float]]]:
    """Per legacy algorithm (and ``ALL_LEGACY``), ``(time, share re-hashed 0..1)`` for each run.

    See the module docstring for the formula. The site's own algorithm and accounts without a
    password are not legacy and get no line.
    """
    most: dict[str, int] = {}
    series: dict[str, list[tuple[datetime, float]]] = {}
    for row in rows:
        when = datetime.fromisoformat(str(row["at"]).replace("Z", "+00:00"))
        counts = {name: int(v.get("accounts", 0)) for name, v in (row.get("algorithms") or {}).items()
                  if name not in (row.get("siteAlgorithm"), NO_PASSWORD)}
        for name in set(most) - {ALL_LEGACY}:  # an algorithm gone from the site is fully re-hashed
            counts.setdefault(name, 0)
        counts[ALL_LEGACY] = sum(counts.values())
        for name, now in counts.items():
            most[name] = max(most.get(name, 0), now)
            if most[name]:
                series.setdefault(name, []).append((when, 1 - now / most[name]))
    return series
