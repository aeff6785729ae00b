"""When to retry a Gigya call and how long to wait: small pure functions, jitter injectable.

A Gigya answer is one of three kinds for retrying (docs/gigya-api.md §7, §8):

* **refused**: Gigya said no before doing anything (403048 rate limit, 409030 concurrent updates,
  503001 per-UID limit, or a connection that never opened). Retrying is safe for every call.
* **ambiguous**: the call may have been applied (500xxx/504xxx answers, a read timeout, a connection
  dropped after sending). Retried only for calls that are safe to replay (reads, idempotent writes,
  and writes whose "already done" answer the caller can recognise).
* **final**: anything else; never retried.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

from gigya_migrate.errors import GigyaConnectionError, GigyaError, Throttled

__all__ = ["RetryPolicy", "backoff_delay", "is_ambiguous", "should_retry"]


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter: attempt ``n`` waits about ``base * multiplier**(n-1)``, capped.

    The wait is drawn in ``[delay * (1 - jitter), delay]`` so that many workers hitting the same
    rate limit do not come back in lock-step.
    """

    base_delay: float = 1.0
    max_delay: float = 30.0
    multiplier: float = 2.0
    jitter: float = 0.5


def backoff_delay(retry_number: int, policy: RetryPolicy, rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait before retry ``retry_number`` (1 for the first retry)."""
    delay = min(policy.max_delay, policy.base_delay * policy.multiplier ** max(0, retry_number - 1))
    return delay * (1.0 - policy.jitter * rand())


def is_ambiguous(error: GigyaError) -> bool:
    """True when the failed call may nevertheless have been applied by Gigya."""
    if isinstance(error, GigyaConnectionError):
        return error.maybe_applied
    return error.retryable and not isinstance(error, Throttled)


def should_retry(error: GigyaError, *, replay_safe: bool) -> bool:
    """Whether a call that failed with ``error`` may be sent again.

    ``replay_safe`` says the call may be repeated even if the first attempt was applied.
    """
    if not error.retryable:
        return False
    return replay_safe or not is_ambiguous(error)
