"""What accounts.search and audit.search see, as opposed to what is stored.

- **Write-to-search delay** (site option ``searchDelaySeconds``, off by default). HELP accounts.search:
  "A short delay is possible between the writing of account data and its availability in queries"
  (about 1 s, at most 30 s); DEVA says the same of the audit log. With the option on, a search sees
  each account as it was ``searchDelaySeconds`` ago: an account created since is not found, an account
  changed since is found with its older content, and audit records newer than that are not found.
  Deleted accounts never match, at once (documented). The mock keeps the older versions in memory
  only (I: a restarted ``--db`` mock shows the stored version at once).
- **Fields search does not return**: ``subscriptions`` (HELP importFullAccount notes: "search does not
  return subscriptions"; read them with getAccountInfo).
- **Computed fields**: ``lockedUntil`` (the Account object's lockout end) is selectable when the query
  names it; it is left out for an account that is not locked (empty fields are omitted).
"""

from __future__ import annotations

import copy
import threading
from collections import deque
from typing import Any, Callable

from mock_gigya.query import Query, to_millis

__all__ = ["DECISIONS", "NOT_RETURNED_BY_SEARCH", "SearchIndex", "result_view"]

NOT_RETURNED_BY_SEARCH = ("subscriptions",)
"""Account fields accounts.search leaves out of its results (HELP importFullAccount notes)."""


class SearchIndex:
    """Per-backend memory of recent writes, so searches can lag behind them by the configured delay."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # (api_key, uid) -> [version before the first unindexed write (None: did not exist), [(ms, doc), ...]]
        self._pending: dict[tuple[str, str], list] = {}
        self._order: deque[tuple[int, tuple[str, str]]] = deque()  # (written ms, key), oldest first

    def delay_ms(self, backend: Any, api_key: str) -> int:
        """The site's write-to-search delay in milliseconds (0: searches see every write at once)."""
        return int(float(backend.site_option(api_key, "searchDelaySeconds")) * 1000)

    def note_write(self, backend: Any, api_key: str, uid: str, before: dict | None, after: dict, delay_ms: int) -> None:
        """Remember an account write (``before`` is the stored version it replaces, or None). Writes
        older than the delay are forgotten as new ones come, so memory holds at most one delay's worth."""
        now = backend.now_ms()
        with self._lock:
            self._forget_indexed(now - delay_ms)
            entry = self._pending.setdefault((api_key, uid), [copy.deepcopy(before), []])
            entry[1].append((now, copy.deepcopy(after)))
            self._order.append((now, (api_key, uid)))

    def _forget_indexed(self, cutoff: int) -> None:
        while self._order and self._order[0][0] <= cutoff:
            _, key = self._order.popleft()
            entry = self._pending.get(key)
            if entry is not None and entry[1][-1][0] <= cutoff:
                del self._pending[key]

    def view(self, backend: Any, table: str, api_key: str) -> Callable[[dict], dict | None] | None:
        """A function mapping a stored row to what search sees (None: not visible yet), or None
        when nothing is pending for the site (searches then run on the stored rows as they are)."""
        delay = self.delay_ms(backend, api_key)
        if delay <= 0:
            return None
        cutoff = backend.now_ms() - delay
        if table == "audit":
            return lambda doc: doc if (to_millis(doc.get("@timestamp")) or 0) <= cutoff else None
        visible = self._visible_versions(api_key, cutoff)
        if not visible:
            return None
        return lambda doc: visible.get(doc.get("UID"), doc)

    def _visible_versions(self, api_key: str, cutoff: int) -> dict[str, dict | None]:
        """UID -> the version search shows now, for accounts with writes newer than ``cutoff``."""
        out: dict[str, dict | None] = {}
        with self._lock:
            for (key, uid), (base, writes) in list(self._pending.items()):
                if key != api_key:
                    continue
                indexed = [doc for ms, doc in writes if ms <= cutoff]
                if len(indexed) == len(writes):
                    del self._pending[(key, uid)]  # all indexed: the stored row is what search sees
                    continue
                out[uid] = indexed[-1] if indexed else base
        return out

    def reset(self) -> None:
        """Forget every pending write (Backend.reset)."""
        with self._lock:
            self._pending.clear()
            self._order.clear()


def result_view(backend: Any, api_key: str, query: Query, doc: dict) -> dict:
    """One accounts.search result before projection: no subscriptions; lockedUntil when selected."""
    out = {k: v for k, v in doc.items() if k not in NOT_RETURNED_BY_SEARCH}
    if _selects(query, "lockedUntil"):
        from mock_gigya.backend import iso

        locked = backend.locked_until(api_key, doc.get("UID"))
        if locked > backend.now_ms():
            out["lockedUntil"] = iso(locked)
    return out


def _selects(query: Query, name: str) -> bool:
    return any(item.kind == "field" and item.field.split(".", 1)[0] == name for item in query.select)


DECISIONS: tuple[tuple[str, str], ...] = (
    ("Write-to-search delay", "Off by default; site option `searchDelaySeconds` makes accounts.search and audit.search "
                              "see the site as it was that many seconds ago: accounts created since are not found, "
                              "accounts changed since match and show their older content, audit records newer than "
                              "that are not found; deletions are immediate (\"deleted accounts never match\"). Older "
                              "versions live in memory only (I). While writes are pending every search scans the "
                              "site in Python (no SQL narrowing)."),
    ("Search result fields", "`subscriptions` are never returned by accounts.search (read them with getAccountInfo); "
                             "`lockedUntil` (ISO date) is returned when the query selects it and the account is "
                             "locked out."),
)
