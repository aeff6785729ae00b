"""The CPU scheduling policy of a run's threads: Linux's ``SCHED_BATCH`` by default.

A run is a batch job: one main thread and ``--concurrency`` workers, each of which sleeps in a
socket read for most of a call and then needs Python's interpreter lock for a few hundred
microseconds. Under Linux's default policy (``SCHED_OTHER``) a thread that wakes is let run at
once when it has slept more than the thread on the CPU, and a worker always has: its answer's
arrival, or the lock being handed to it, preempts the thread that holds the interpreter lock.
The woken worker then finds the lock taken and sleeps again, while the holder waits for a CPU:
at 630 calls/s and 64 connections the importer's threads were switched about four times per call.

``SCHED_BATCH`` (sched(7)) is the same fair scheduler, with the same nice value and share of the
CPU, without that wakeup preemption: a woken thread runs on an idle CPU or when the running one
stops or uses up its slice. The run's threads stop preempting the lock holder, and other programs
on the machine (a mock server, a browser) stop being preempted by them. Measured on the 2-core
machine the benchmarks run on, with the sustained import (20,000 calls, 64 connections, 100 ms):
the workers were switched 4.1 times per call under ``SCHED_OTHER`` and 2.4 times under
``SCHED_BATCH``; the mock server on the same machine waited 1.7 s for a CPU in 20 s instead of
0.65 s; and seven alternating pairs of runs gave 628.0-630.3 calls/s (mean 628.8) under
``SCHED_OTHER`` and 630.7-632.4 (mean 631.5) under ``SCHED_BATCH``. A client that does almost
nothing per call (benchmarks/bare_client.py) gave 636 under either: the gain is the run's own
threads no longer getting in each other's way.

Any thread may move between ``SCHED_OTHER`` and ``SCHED_BATCH`` without privileges. Where the
policy cannot be read or set (not Linux, a sandbox refusing the call), the run keeps the policy
it has and says nothing: this is speed, never correctness.
"""

from __future__ import annotations

import contextlib
import os
from typing import Iterator

__all__ = ["BATCH", "NORMAL", "POLICIES", "batch_thread", "check_policy", "run_policy"]

BATCH, NORMAL = "batch", "normal"
POLICIES = (BATCH, NORMAL)


def check_policy(policy: str) -> None:
    """Refuse a policy name that is not one of ``POLICIES`` (ValueError)."""
    if policy not in POLICIES:
        raise ValueError(f"scheduling must be one of {', '.join(POLICIES)}, not {policy!r}")


def _current() -> int | None:
    """The calling thread's policy, None where this Python cannot read or set policies."""
    if not hasattr(os, "sched_setscheduler") or not hasattr(os, "SCHED_BATCH"):
        return None
    try:
        return os.sched_getscheduler(0)
    except OSError:
        return None


def _set(policy: int) -> bool:
    """Put the calling thread under ``policy``; whether the kernel took it."""
    try:
        os.sched_setscheduler(0, policy, os.sched_param(0))
    except OSError:
        return False
    return True


def batch_thread() -> bool:
    """Move the calling thread from ``SCHED_OTHER`` to ``SCHED_BATCH``; whether it now runs so.
    A thread under any other policy (real-time, idle) is left as it is."""
    current = _current()
    return current is not None and (current == os.SCHED_BATCH
                                    or (current == os.SCHED_OTHER and _set(os.SCHED_BATCH)))


@contextlib.contextmanager
def run_policy(policy: str) -> Iterator[bool]:
    """Within the block the calling thread (and the threads it starts, which inherit it) runs under
    ``policy``: ``"batch"`` moves it to ``SCHED_BATCH`` and back afterwards; ``"normal"`` changes
    nothing. Yields whether the block runs under ``SCHED_BATCH``."""
    check_policy(policy)
    before = _current() if policy == BATCH else None
    moved = before is not None and before == os.SCHED_OTHER and _set(os.SCHED_BATCH)
    try:
        yield moved or (before is not None and before == os.SCHED_BATCH)
    finally:
        if moved:
            _set(os.SCHED_OTHER)
