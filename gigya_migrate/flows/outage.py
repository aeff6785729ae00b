"""Riding out an outage: a site (or the proxy, or the mock) that refuses connections for a while.

A refused connection means the request never left this machine, so it is safe to send again for
any call. During a run the workers share one :class:`Outage`: the first refused connection starts
the clock, every later one retries with backoff while the clock is under ``timeout`` seconds, and
any answer from the site stops the clock. Once ``timeout`` has passed with no answer at all, calls
fail at once (no more waiting, so a dead site fails the run's records within about ``timeout``
seconds, not ``timeout`` per record); they go to the error output with code ``500026`` and are sent
again by ``--resume --retry-failed`` (the runner's ``retry_failed``).

Only connections that never opened count (``GigyaConnectionError(maybe_applied=False)``): a call
whose answer was lost may have been applied and follows the flow's recover path instead.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

__all__ = ["DEFAULT_OUTAGE_TIMEOUT", "Outage", "never_connected"]

DEFAULT_OUTAGE_TIMEOUT = 120.0
"""Seconds a run keeps retrying refused connections before failing records (``--outage-timeout``)."""


def never_connected(exc: BaseException) -> bool:
    """True when ``exc`` is a connection that never opened (nothing was sent)."""
    from gigya_migrate.errors import GigyaConnectionError

    return isinstance(exc, GigyaConnectionError) and not exc.maybe_applied


class Outage:
    """Since when the site has refused every connection, shared by one run's workers (thread-safe)."""

    def __init__(self, timeout: float = DEFAULT_OUTAGE_TIMEOUT, *, base: float = 0.25, cap: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.timeout, self.base, self.cap = max(0.0, timeout), base, cap
        self._clock = clock
        self._since: float | None = None
        self._lock = threading.Lock()
        self.waits = 0  # retries made because of the outage (reported)

    def refused(self) -> bool:
        """Note a refused connection; True while the outage is young enough to wait and retry."""
        with self._lock:
            now = self._clock()
            if self._since is None:
                self._since = now
            if now - self._since >= self.timeout:
                return False
            self.waits += 1
            return True

    def answered(self) -> None:
        """The site answered (anything at all): the outage, if any, is over."""
        if self._since is not None:
            with self._lock:
                self._since = None

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry ``attempt`` (1-based): doubling from ``base``, at most ``cap``,
        and never past the end of the outage budget."""
        wait = min(self.cap, self.base * 2 ** max(0, attempt - 1))
        with self._lock:
            left = self.timeout - (self._clock() - self._since) if self._since is not None else wait
        return max(0.0, min(wait, left))
