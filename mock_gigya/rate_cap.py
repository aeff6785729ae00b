"""A per-API-key rate cap: what Gigya does to a key that calls faster than its allowance.

Gigya limits each API key to a number of calls per second (403048 "API Rate Limit Exceeded"), not
to a share of calls: a client calling under the rate is never refused, one calling over it sees
exactly its excess refused. :class:`RateCap` reproduces that with one token bucket per API key:

- the bucket refills at ``rate`` tokens per second and holds at most ``rate * burst_seconds``
  tokens (at least one), so a key idle for a while may send one burst that large;
- a call takes one token; with none left it is answered 403048 and takes nothing, so a client
  retrying at once only wastes its own calls and the key still gets ``rate`` calls/s through.

The rate is the site option ``rateCap`` (:mod:`mock_gigya.site_options`): a site's own
(``add_site(..., options={"rateCap": N})``, ``POST /__mock__/sites {"options": {"rateCap": N}}``)
or the server-wide one (``mock-gigya serve --rate-cap N``, the same as ``--site-option
rateCap=N``); 0, the default, is no cap. A key's rate is looked up at most once a second (the
lookup reads the site) and at once after :meth:`RateCap.forget` (the control plane calls it when
a site changes).
Gigya documents neither the numbers nor the window (gigya-api.md section 8, open point 8): the
bucket and its one-second burst are this mock's choice (see :data:`DECISIONS`). Only Gigya API
calls are counted, never the ``/__mock__/`` control plane.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["DECISIONS", "RateCap"]

DECISIONS: tuple[tuple[str, str], ...] = (
    ("Rate cap", "The site option `rateCap` = N (`mock-gigya serve --rate-cap N` server-wide) allows N calls per second per API key "
                 "through a token bucket holding one second of calls; a call over it answers 403048 (HTTP 200, "
                 "errorDetails 'Rate cap of N calls/s per API key exceeded (mock-gigya)') and does not count. "
                 "Gigya documents neither its per-key numbers nor their window, so the bucket shape is inferred."),
)


@dataclass
class _Bucket:
    rate: float
    tokens: float
    updated: float


class RateCap:
    """Token buckets per API key; thread-safe. ``admit(api_key, backend)`` says whether a call may proceed."""

    def __init__(self, rate: float | None = None, *, burst_seconds: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """``rate``: every key's cap whatever its site says (simulations, tests); None reads the sites."""
        if not burst_seconds > 0 or (rate is not None and not rate > 0):
            raise ValueError("a rate cap and its burst must be positive numbers")
        self.rate, self.burst_seconds = rate, burst_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._rates: dict[str, tuple[float | None, float]] = {}  # api key -> (rate, looked up at)
        self._buckets: dict[str, _Bucket] = {}
        self.refused: dict[str, int] = {}

    def rate_of(self, api_key: str | None, backend: Any = None) -> float | None:
        """The cap in force for ``api_key`` (its site's ``rateCap`` option); None when uncapped."""
        if self.rate is not None:
            return self.rate
        key = api_key or ""
        now = self._clock()
        cached = self._rates.get(key)
        if cached is not None and now - cached[1] < _LOOKUP_SECONDS:
            return cached[0]
        rate = _site_rate(backend, key) or None
        self._rates[key] = (rate, now)
        return rate

    def admit(self, api_key: str | None, backend: Any = None) -> bool:
        """Take a token for one call of ``api_key``; False (nothing taken) when the key is over its rate."""
        rate = self.rate_of(api_key, backend)
        if rate is None:
            return True
        key = api_key or ""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            capacity = max(1.0, rate * self.burst_seconds)
            if bucket is None or bucket.rate != rate:
                bucket = self._buckets[key] = _Bucket(rate, capacity, now)
            bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return True
            self.refused[key] = self.refused.get(key, 0) + 1
            return False

    def details(self, api_key: str | None) -> str:
        """The ``errorDetails`` of a refusal (names the cap, so a reader knows it is the mock's)."""
        rate = self.rate or self._rates.get(api_key or "", (None, 0.0))[0] or 0.0
        return f"Rate cap of {rate:g} calls/s per API key exceeded (mock-gigya)"

    def forget(self, api_key: str | None = None) -> None:
        """Look the site's rate up again on its next call (every site's with no ``api_key``)."""
        with self._lock:
            if api_key is None:
                self._rates.clear()
            else:
                self._rates.pop(api_key, None)

    def clear(self) -> None:
        """Forget every bucket, looked-up rate and count."""
        with self._lock:
            self._rates.clear()
            self._buckets.clear()
            self.refused.clear()

    def state(self) -> dict:
        """JSON-ready: the refusals per API key."""
        with self._lock:
            return {"refused": dict(self.refused)}


_LOOKUP_SECONDS = 1.0


def _site_rate(backend: Any, api_key: str) -> float:
    """The site's ``rateCap`` option (its own, else the server-wide one); 0 for no site."""
    if not api_key or not hasattr(backend, "site") or not backend.has_site(api_key):
        return 0.0
    from mock_gigya.site_options import option  # the backend's modules load lazily

    return float(option(backend, backend.site(api_key), "rateCap") or 0.0)
