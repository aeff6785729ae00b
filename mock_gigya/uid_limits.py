"""Gigya's per-UID limits, off by default (site option ``uidLimits``; ``serve --site-option uidLimits=true``).

Documented (SAP Help, importFullAccount and getAccountInfo notes; docs/gigya-api.md §3, §8):
- at most **5 calls per UID per minute**; more answer **503001** "Service unavailable for this operation";
- more than **5 concurrent requests** for one UID answer **409030** "Too many requests for same user".

Choices where the docs are silent (inferred, listed in SUPPORTED.md): only writes (importFullAccount,
setAccountInfo, deleteAccount) count towards the per-minute limit, so a rehearsal's reads do not
starve its writes; a refused call does not count; the window slides (the oldest write leaves it
after ``uidWindowSeconds``). Concurrency counts every call naming a UID, reads included. This is
separate from the per-API-key rate cap (403048), which is a different limit in Gigya too.
"""

from __future__ import annotations

import threading
from collections import deque
from contextlib import contextmanager, nullcontext
from typing import Any, ContextManager, Iterator

from mock_gigya.errors import MockGigyaError

__all__ = ["DECISIONS", "UID_WRITES", "UidLimits", "uid_of"]

UID_WRITES = frozenset({"accounts.importFullAccount", "accounts.setAccountInfo", "accounts.deleteAccount"})
"""Calls that count towards the per-UID write limit."""


def uid_of(params: dict) -> str | None:
    """The UID a call is about: ``UID`` (or, for importFullAccount, any casing of it)."""
    for key, value in params.items():
        if isinstance(key, str) and key.lower() == "uid" and isinstance(value, str) and value:
            return value
    return None


_UNLIMITED = nullcontext()


class UidLimits:
    """Thread-safe per-(site, UID) write windows and in-flight call counts for one backend."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._writes: dict[tuple[str, str], deque[float]] = {}
        self._order: deque[tuple[float, tuple[str, str]]] = deque()  # every counted write, oldest first
        self._active: dict[tuple[str, str], int] = {}

    def call(self, backend: Any, api_key: str, method: str, params: dict) -> ContextManager[None]:
        """Hold one of the UID's concurrency slots for the call, or raise 409030 / 503001 (on entry)."""
        uid = uid_of(params)
        if uid is None or not backend.site_option(api_key, "uidLimits"):
            return _UNLIMITED  # the switch is off by default: no generator made for every call
        return self._held(backend, (api_key, uid), method)

    @contextmanager
    def _held(self, backend: Any, key: tuple[str, str], method: str) -> Iterator[None]:
        self._enter(backend, key, method in UID_WRITES)
        try:
            yield
        finally:
            with self._lock:
                self._active[key] -= 1
                if not self._active[key]:
                    del self._active[key]

    def _enter(self, backend: Any, key: tuple[str, str], write: bool) -> None:
        now = backend.clock()
        allowed = int(backend.site_option(key[0], "uidConcurrency"))
        with self._lock:
            if self._active.get(key, 0) >= allowed:
                raise MockGigyaError(409030, details=f"More than {allowed} concurrent requests for UID {key[1]!r}",
                                     uid=key[1])
            if write:
                self._count_write(backend, key, now)
            self._active[key] = self._active.get(key, 0) + 1

    def _count_write(self, backend: Any, key: tuple[str, str], now: float) -> None:
        window = float(backend.site_option(key[0], "uidWindowSeconds"))
        limit = int(backend.site_option(key[0], "uidWritesPerMinute"))
        self._forget_before(now - window)
        times = self._writes.setdefault(key, deque())
        while times and times[0] <= now - window:
            times.popleft()
        if len(times) >= limit:
            raise MockGigyaError(503001, details=f"Too many calls for UID {key[1]!r}: at most {limit} writes per "
                                                 f"{window:g} s; retry later", uid=key[1])
        times.append(now)
        self._order.append((now, key))

    def _forget_before(self, cutoff: float) -> None:
        """Drop the windows of UIDs not written since ``cutoff``: memory holds one window of writes."""
        while self._order and self._order[0][0] <= cutoff:
            _, key = self._order.popleft()
            times = self._writes.get(key)
            if times is not None and (not times or times[-1] <= cutoff):
                del self._writes[key]

    def hold(self, api_key: str, uid: str, slots: int) -> None:
        """Occupy ``slots`` concurrency slots of a UID (tests: simulate other callers in flight)."""
        with self._lock:
            self._active[(api_key, uid)] = self._active.get((api_key, uid), 0) + slots

    def release(self, api_key: str, uid: str, slots: int) -> None:
        """Give back slots taken with :meth:`hold`."""
        with self._lock:
            key = (api_key, uid)
            self._active[key] = max(0, self._active.get(key, 0) - slots)
            if not self._active[key]:
                del self._active[key]


DECISIONS: tuple[tuple[str, str], ...] = (
    ("Per-UID limits", "Off by default; site option `uidLimits` turns them on. More than `uidWritesPerMinute` (5) "
                       "importFullAccount/setAccountInfo/deleteAccount calls for one UID within `uidWindowSeconds` "
                       "(60, sliding) answer 503001; a refused call does not count; reads do not count (I). More than "
                       "`uidConcurrency` (5) calls in flight for one UID, reads included, answer 409030. Kept apart "
                       "from the per-API-key rate cap (403048)."),
)
