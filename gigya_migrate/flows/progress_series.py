"""Progress over time, kept small: the series behind the HTML reports' throughput charts.

A job calls :meth:`ProgressSeries.sample` as records finish (cheap: it returns at once until the
sampling interval has passed). At most ``points`` samples are kept: when full, every other one is
dropped and the interval doubles, so a run of any length ends with an evenly spread series of
bounded size.
"""

from __future__ import annotations

import time
from typing import Callable

__all__ = ["ProgressSeries"]


class ProgressSeries:
    """``(seconds since start, ok, failed)`` samples of one job."""

    def __init__(self, *, points: int = 120, every: float = 0.1,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.points, self._every, self._clock = points, every, clock
        self._started = clock()
        self._next = 0.0
        self.samples: list[tuple[float, int, int]] = []

    def sample(self, ok: int, failed: int = 0) -> None:
        """Note the counts if the sampling interval has passed."""
        now = self._clock() - self._started
        if now < self._next:
            return
        self.samples.append((round(now, 3), ok, failed))
        if len(self.samples) > self.points:
            self.samples = self.samples[::2]
            self._every *= 2
        self._next = now + self._every

    def elapsed(self) -> float:
        """Seconds since the series started."""
        return round(self._clock() - self._started, 3)

    def as_list(self, seconds: float, ok: int, failed: int = 0) -> list[dict]:
        """JSON form, from (0, 0, 0) to the final counts at ``seconds`` (the job's duration)."""
        points = [(0.0, 0, 0)] + [p for p in self.samples if p[0] > 0]
        if points[-1][1:] != (ok, failed):
            points.append((round(max(seconds, points[-1][0]), 3), ok, failed))
        return [{"seconds": s, "ok": o, "failed": f} for s, o, f in points]
