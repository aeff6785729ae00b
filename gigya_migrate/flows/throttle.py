"""The runner's shared rate limiter: converge to just under a site's rate cap.

Gigya limits each API key to a number of calls per second and answers 403048 (API Rate Limit
Exceeded) to the calls over it. Halving the concurrency and pausing every worker on each 403048
wastes most of the allowance: a steady 10% of random 403048 answers cut an import from 385 to
13-26 records/s. :class:`Throttle` instead *measures* the rate the site accepts and paces call
starts a little under it, and keeps the global pause for a site that accepts nothing at all.

- **Pacing.** ``rate`` (calls/s; ``None`` = unpaced, the start) spaces call starts: each
  ``acquire`` reserves the next start slot ``1 / rate`` after the previous one. Concurrency stays
  at most ``concurrency`` calls in flight.
- **Windows.** Outcomes are counted over windows of at least ``window`` seconds and ``min_calls``
  calls. A window's 403048 share is *excess* when it is above the background share (below) by
  more than sampling noise (3 standard deviations, at least 3 points).
- **Multiplicative decrease to a measured ceiling.** After an excess window the site has shown
  what it accepts: ``ceiling`` = successes per second in that window, counted from its first
  403048 when that came early enough to measure over (a token bucket is empty from then on, so
  the burst it had saved up does not inflate the figure), and calls are paced at
  ``(1 - margin) * ceiling``. Under a token-bucket cap the successes per second of a saturated
  window *are* the cap, so one or two windows land just under it.
- **Hold-back inside an unpaced window.** Once most of its own calls are refused (``min_calls``
  of them), the pace drops at once to about what the site let through since the first refusal,
  until the window closes: a client far faster than the cap no longer sends at full speed for
  half a second (see ``_hold_back``).
- **Is it us?** The window after a cut tells whether the cut helped. A share that stays the same
  (within noise) after a second, deeper cut does not depend on our rate (random 403048s, another client's burst): it becomes
  the ``background`` share and the rate before the cut comes back, so a steady 10% of random
  403048 answers costs about 10% of the throughput (their retries), not 95%. Clean windows keep
  the background up to date, except that while probing above the ceiling it may only fall, so
  an overshoot's refusals cannot pass for background.
- **Increase.** After a clean window in which pacing was the bound, the rate grows: halfway back
  to ``(1 - margin) * ceiling`` when below it, then by ``growth`` (2%) a window, 1.5 times more
  each clean window up to 5%, probing for a cap that rose (another client of the key stopped).
- **Hard block.** A 403048 before any call succeeded, or ``concurrency`` 403048s in a row with no
  success between them nor for ``_SILENCE`` of a window, means the site accepts nothing now (a
  capped site lets a call through every 1/cap seconds): every worker pauses for a backoff
  that doubles per event (``base`` .. ``cap`` seconds, jittered) and halves again as calls
  succeed; events from calls that started before the last pause do not count again.

``stop()`` ends all waiting at once (the run is stopping): a worker waiting for a slot, out a
pause or a backoff gets ``ThrottleStopped``. ``clock`` and ``sleep`` are injectable: the tests
drive the controller with a simulated clock and a simulated rate-capped site.
"""

from __future__ import annotations

import math
import random
import threading
import time
from typing import Any, Callable

__all__ = ["Throttle", "ThrottleStopped"]

_PRIOR = 4
"""An unpaced window held back paces at (calls accepted since its first refusal + ``_PRIOR``) per
second since then. The prior keeps the pace above what the site accepts, so the site, not the
hold-back, stays the bound and the window's close still measures the site; and the window's first,
lumpy figures (two successes in 20 ms) never book slots far ahead. Only unpaced windows are held
back: a paced one overshoots by at most its pace, and holding it back below the cap made the next
cut measure our own pace (a 400/s cap was taken for 150/s). A pace of 1.5 or 2 times that figure
refused more (in simulation and in-process) for no gain in throughput."""

_SILENCE = 0.2
"""A run of ``concurrency`` 403048s is a hard block only if no call succeeded for this share of a
window either: under a cap, a client sending 50 times the cap's rate sees runs of 50 refusals
between the cap's evenly spaced successes, and pausing every worker for each such run lost most
of the allowance."""


class ThrottleStopped(Exception):
    """Raised in a worker by ``Throttle.acquire``/``pause`` once ``Throttle.stop`` was called."""


class Throttle:
    """Shared by all workers: paces call starts under a measured rate cap (see the module docstring)."""

    def __init__(self, concurrency: int, *, base: float = 0.5, cap: float = 30.0,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], Any] | None = None,
                 jitter: Callable[[], float] = random.random, window: float = 0.5, min_calls: int = 20,
                 margin: float = 0.05, growth: float = 0.02) -> None:
        self.max_limit = self.limit = max(1, concurrency)
        self.base, self.cap = base, cap
        self.window, self.min_calls, self.margin, self.growth = window, min_calls, margin, growth
        self.delay = 0.0
        self.resume_at = 0.0
        self.last_penalty = float("-inf")
        self.active = 0
        self.rate: float | None = None  # paced calls/s; None: unpaced
        self._rate_before: float | None = None  # the pace set by the windows (a hold-back aside)
        self.ceiling: float | None = None  # successes/s the site accepted when it last refused our excess
        self.background = 0.0  # share of 403048 answers that does not depend on our rate
        self.cuts = 0  # times the rate was cut to a measured ceiling (for reports and tests)
        self._step = growth
        self._next_slot = float("-inf")
        # after a cut: (403048 share before it, rate before it, whether a second cut was made)
        self._probe: tuple[float, float | None, bool] | None = None
        self._ok_total = self._limited_run = self._successes = 0
        self._last_ok = float("-inf")  # when a call last succeeded
        self._stopped = threading.Event()
        self._clock, self._sleep, self._jitter = clock, sleep or self._stopped.wait, jitter
        self._cond = threading.Condition()
        self._open_window(clock())

    # -- the workers' side -----------------------------------------------------------------------
    def acquire(self) -> float:
        """Wait for a free slot, any pause and this call's paced start; returns the start time.

        Raises ``ThrottleStopped`` (holding no slot) if ``stop()`` is or gets called.
        """
        with self._cond:
            while self.active >= self.limit and not self._stopped.is_set():
                self._cond.wait()
            if self._stopped.is_set():
                raise ThrottleStopped
            self.active += 1
            slot = self._reserve(self._clock())
        while (wait_for := max(self.resume_at, slot) - self._clock()) > 0 and not self._stopped.is_set():
            self._sleep(wait_for)
        if self._stopped.is_set():
            with self._cond:
                self.active -= 1
                self._cond.notify_all()
            raise ThrottleStopped
        return self._clock()

    def release(self, started: float, *, rate_limited: bool = False) -> None:
        """Give the slot back; ``rate_limited`` reports a 403048 for the call started at ``started``."""
        with self._cond:
            self.active -= 1
            now = self._clock()
            self._calls += 1
            own = started >= self._window_start  # a call this window started (see _hold_back)
            if rate_limited:
                self._limited += 1
                self._limited_run += 1
                if own:
                    if self._first_refusal is None:
                        self._first_refusal = now
                    self._limited_after += 1
                if self._ok_total == 0 or (self._limited_run >= self.max_limit
                                           and now - self._last_ok >= _SILENCE * self.window):
                    self._pause_all(started, now)
            else:
                self._limited_run = 0
                self._last_ok = now
                self._ok_total += 1
                self._ok_after += own and self._first_refusal is not None
                self._reward()
            if now - self._window_start >= self.window and self._calls >= self.min_calls:
                self._close_window(now)
            elif (self._rate_before is None and self._limited_after >= self.min_calls
                  and self._limited_after >= self._ok_after):
                self._hold_back(now)
            self._cond.notify_all()

    def pause(self, seconds: float) -> None:
        """Sleep ``seconds`` (one record's retry backoff); raises ``ThrottleStopped`` on ``stop()``."""
        if seconds > 0 and not self._stopped.is_set():
            self._sleep(seconds)
        if self._stopped.is_set():
            raise ThrottleStopped

    def stop(self) -> None:
        """Stop the run's calls: every waiting and later ``acquire``/``pause`` raises ``ThrottleStopped``."""
        with self._cond:
            self._stopped.set()
            self._cond.notify_all()

    # -- pacing ----------------------------------------------------------------------------------
    def _reserve(self, now: float) -> float:
        """The start time of the next call: now when unpaced, else the next free slot (no saved-up
        burst: a slot missed while every worker was busy is gone)."""
        if self.rate is None:
            return now
        slot = max(self._next_slot, now)
        self._next_slot = slot + 1.0 / self.rate
        return slot

    def _set_rate(self, rate: float | None, now: float, *, hold_back: bool = False) -> None:
        self.rate = None if rate is None else max(rate, 1.0 / max(self.window, 1e-9), 0.1)
        if not hold_back:
            self._rate_before = self.rate
        # slots already handed out stay booked: workers wait for them (up to concurrency / rate
        # seconds ahead); the new spacing starts after the last one
        self._next_slot = max(self._next_slot, now) if self.rate is not None else float("-inf")

    # -- windows ---------------------------------------------------------------------------------
    def _open_window(self, now: float) -> None:
        self._window_start, self._calls, self._limited = now, 0, 0
        self._first_refusal: float | None = None  # when this window's first 403048 came back
        self._ok_after = self._limited_after = 0  # answers since then

    def _hold_back(self, now: float) -> None:
        """Inside an unpaced window that is mostly refused, pace at what the site let through since
        the first 403048 (plus ``_PRIOR`` calls, so the pace errs high; see there).

        Without it a client sends at its full speed until the window closes: 16 connections
        answered in 2 ms send 8,000 calls/s, over 3,000 of them refused in half a second against
        a 150/s cap. The window's close still makes the measured cut (``_cut``). Only calls the
        window itself started count: answers to calls sent before a pause say nothing about now.
        """
        since = now - self._first_refusal
        if since <= 0:
            return
        rate = (self._ok_after + _PRIOR) / since
        if self.rate is None or rate < self.rate:
            self._set_rate(rate, now, hold_back=True)

    def _end_hold_back(self, now: float) -> None:
        """Back to the window's own pace: a hold-back lasts for its window only (the close or a
        pause decides what comes next)."""
        if self.rate != self._rate_before:
            self._set_rate(self._rate_before, now)

    def _accepted_rate(self, now: float, seconds: float, calls: int, limited: int) -> float:
        """What the site let through, in calls/s: counted from the window's first 403048 when
        that was early enough in the window to measure over (a token bucket is empty from then
        on, so the burst it had saved up before does not inflate the figure), else over the whole
        window."""
        if self._first_refusal is not None and now - self._first_refusal >= 0.5 * self.window:
            return self._ok_after / (now - self._first_refusal)
        return (calls - limited) / seconds

    def _tolerance(self, share: float, calls: int) -> float:
        return max(0.03, 3 * math.sqrt(max(share, 0.01) * (1 - min(share, 0.99)) / calls))

    def _close_window(self, now: float) -> None:
        seconds = max(now - self._window_start, 1e-9)
        calls, limited = self._calls, self._limited
        share = limited / calls
        accepted, attempted = self._accepted_rate(now, seconds, calls, limited), calls / seconds
        self._end_hold_back(now)
        self._open_window(now)
        excess = share - self.background > self._tolerance(self.background, calls)
        probe, self._probe = self._probe, None
        if probe is not None and abs(share - probe[0]) <= self._tolerance(max(share, probe[0]), calls):
            if probe[2]:  # two cuts did not change the share: these 403048s are not about our rate
                self.background = (share + probe[0]) / 2
                self._set_rate(probe[1], now)
                return
            # once more, deeper: a cap whose first estimate a saved-up burst inflated shows now
            self._cut(accepted, (probe[0], probe[1], True), now)
            return
        if excess and limited == calls:
            return  # nothing accepted: a hard block, which the pause handles; no rate to learn
        if excess:
            self._cut(accepted, (share, self.rate, False), now)
            return
        probing_above = self.rate is not None and self.ceiling is not None and self.rate > self.ceiling
        if share < self.background or not probing_above:  # an overshoot must not raise the background
            self.background += 0.3 * (share - self.background)
        if self.rate is not None and attempted >= 0.85 * self.rate:
            self._grow(now)

    def _cut(self, accepted: float, probe: tuple[float, float | None, bool], now: float) -> None:
        """Pace a margin under what the site let through: the successes per second, plus the
        background share of them that the cap also passed."""
        self.ceiling = accepted / (1 - min(self.background, 0.5))
        self._probe = probe
        self.cuts += 1
        self._step = self.growth
        self._set_rate(self.ceiling * (1 - self.margin), now)

    def _grow(self, now: float) -> None:
        target = (self.ceiling or 0.0) * (1 - self.margin)
        if self.rate < target:
            self._set_rate(max(self.rate * (1 + self.growth), (self.rate + target) / 2), now)
            return
        # probing above the ceiling: 2%, 3%, 4.5%, 5% a clean window, so a cap that
        # rose is found in seconds; a cut starts the probe over
        self._set_rate(self.rate * (1 + self._step), now)
        self._step = min(0.05, self._step * 1.5)

    # -- hard block ------------------------------------------------------------------------------
    def _pause_all(self, started: float, now: float) -> None:
        if started <= self.last_penalty:
            return  # the same burst: already paused for it
        self.delay = min(self.cap, max(self.base, self.delay * 2))
        self.resume_at = max(self.resume_at, now + self.delay * (0.5 + self._jitter() / 2))
        self.last_penalty = now
        self._successes = 0
        if self._calls >= self.min_calls and self._limited < self._calls:  # what the site accepted
            # so far (if anything) still sets the pace after the pause
            self._close_window(now)
        self._end_hold_back(now)
        self._open_window(self.resume_at)  # the pause is not a window of refusals

    def _reward(self) -> None:
        self._successes += 1
        if self._successes >= self.max_limit:
            self._successes = 0
            self.delay = self.delay / 2 if self.delay / 2 >= self.base else 0.0
