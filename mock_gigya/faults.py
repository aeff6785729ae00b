"""Injected faults: what a real Gigya (or the network in front of it) does to a call on a bad day.

One :class:`FaultInjector` is consulted by both adapters (in-process and HTTP server) before a
call reaches ``api.handle``. It answers with a :class:`Decision`: how long to wait first and,
optionally, what goes wrong instead of the real answer:

- ``error``: a Gigya error envelope with the given ``errorCode`` (403048 rate limit, 500001 server
  error, 504001 timeout ...), HTTP 200 like real Gigya with ``httpStatusCodes=false``;
- ``http``: a bare non-JSON HTTP error (a load balancer's 502/503 page, not a Gigya envelope);
- ``timeout``: the answer comes too late: the server sleeps ``timeout_seconds`` before answering,
  the in-process mock raises ``requests.ReadTimeout`` at once;
- ``drop``: the connection is closed with no answer (``requests.ConnectionError`` in-process).

Faults are scripted ("the next 2 accounts.importFullAccount calls answer 403048"), consumed in the
order they were added, or random: every call draws from one ``random.Random(seed)``, so a run with
the same seed and the same call order sees the same faults.

A decision's ``delay`` (latency, jitter, a script's ``delay``, a timeout fault's wait) is a response
time: the adapters count it from when the request was read, the call's own processing included
(see :data:`DECISIONS`).
"""

from __future__ import annotations

import fnmatch
import random
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from mock_gigya.errors import ERROR_MESSAGES

_UNINTERRUPTED_SECONDS = 1.0
"""Waits up to this long sleep without watching for :meth:`FaultInjector.interrupt`."""

__all__ = ["DECISIONS", "Decision", "Fault", "FaultInjector", "FAULT_MESSAGES"]

KINDS = ("error", "http", "timeout", "drop")

# Messages as Gigya words them (gigya-api.md section 7, source GRAZE ErrorCode.php); the mock's
# table first, these for the transient codes it may not list.
FAULT_MESSAGES = {
    500000: "General security warning",
    500028: "Database error",
    **ERROR_MESSAGES,
}
RATE_LIMITED = 403048
SERVER_ERROR = 500001

DECISIONS: tuple[tuple[str, str], ...] = (
    ("Latency is a response time", "Injected latency (`--latency`, `--jitter`, a script's `delay`) and a timeout "
     "fault's wait count from when the mock has read the request in full, the call's own processing included: "
     "a call taking p to process under latency L is answered after max(L, p), not L + p (our decision: a "
     "latency measured against Gigya is its response time, which includes Gigya's own work). Never earlier "
     "than L after the request was read. On the event loop (Linux) \"read\" is the kernel's receive time of "
     "the request's last bytes (`SO_TIMESTAMPNS`), not when the loop got round to it: a request that waited "
     "in the socket while the loop was busy or waking does not start its clock late (our decision: Gigya's "
     "clock presumably starts when the request reaches it; without a usable kernel stamp, or after the "
     "realtime clock was stepped, it is the read). The loop's timed waits run with 1 ns of timer slack "
     "instead of Linux's default 50 us. An answer whose time has come is sent between two requests; and the "
     "loop does not start work on a call (about as long as its recent calls took) when an answer falls due "
     "before that work would end: it waits for that answer, sends it on time, then works, unless waiting "
     "would make the new call's own answer late (earliest deadline first; measured at 64 connections and "
     "100 ms: answers went out 153 us after their time on average, now 84 us). A request pipelined behind "
     "another counts from when the answer before it left (one call at a time per connection, as the threaded "
     "server)."),
)


@dataclass(frozen=True)
class Fault:
    """One thing going wrong with a call; ``kind`` is one of error, http, timeout, drop.

    ``processed`` (timeout and drop only): the call is carried out first and only its answer is
    lost, the case that makes a blind retry of a write answer "already exists".
    """

    kind: str
    error_code: int | None = None
    http_status: int | None = None
    processed: bool = False

    @property
    def message(self) -> str:
        """The Gigya error message for an ``error`` fault."""
        return FAULT_MESSAGES.get(self.error_code or 0, "Injected fault")


@dataclass(frozen=True)
class Decision:
    """What the injector decided for one call: answer ``delay`` seconds after the request was read
    (its processing included), with ``fault`` (or the real answer)."""

    delay: float = 0.0
    fault: Fault | None = None


@dataclass
class _Scripted:
    method: str
    remaining: int
    fault: Fault | None
    delay: float

    def matches(self, method: str) -> bool:
        return _method_matches(self.method, method)


@dataclass
class _RandomConfig:
    latency: float = 0.0
    jitter: float = 0.0
    rate_limit_prob: float = 0.0
    error_prob: float = 0.0
    timeout_prob: float = 0.0
    drop_prob: float = 0.0
    error_code: int = SERVER_ERROR
    seed: int | None = None
    methods: list[str] = field(default_factory=lambda: ["*"])


def _method_matches(pattern: str, method: str) -> bool:
    """``*`` / glob / full name / name without its namespace, case-insensitively (Gigya ignores case)."""
    if pattern == "*":  # the default (every method): asked on every call, nothing to lower or split
        return True
    pattern, method = pattern.lower(), method.lower()
    short = method.split(".", 1)[-1]
    return pattern in (method, short) or fnmatch.fnmatchcase(method, pattern)


def _fault(error: int | None, http_status: int | None, timeout: bool, drop: bool,
           processed: bool = False) -> Fault | None:
    chosen = [k for k, on in (("error", error), ("http", http_status), ("timeout", timeout), ("drop", drop)) if on]
    if len(chosen) > 1:
        raise ValueError(f"one fault per script entry, got {', '.join(chosen)}")
    if not chosen:
        return None
    if processed and chosen[0] not in ("timeout", "drop"):
        raise ValueError("processed=True applies to timeout and drop faults only")
    return Fault(chosen[0], error_code=int(error) if error else None, http_status=http_status, processed=processed)


class FaultInjector:
    """Thread-safe source of :class:`Decision` s for calls; scripted faults win over random ones."""

    def __init__(self, *, seed: int | None = None, timeout_seconds: float = 65.0) -> None:
        self._lock = threading.Lock()
        self._scripts: list[_Scripted] = []
        self._random = _RandomConfig(seed=seed)
        self._rng = random.Random(seed)
        self._stopping = threading.Event()
        self._initial_timeout = timeout_seconds
        self.timeout_seconds = timeout_seconds
        self.injected: dict[str, int] = {}

    # -- scripting -------------------------------------------------------------------------------
    def script(
        self,
        method: str = "*",
        *,
        times: int = 1,
        error: int | None = None,
        http_status: int | None = None,
        timeout: bool = False,
        drop: bool = False,
        delay: float = 0.0,
        processed: bool = False,
    ) -> "FaultInjector":
        """The next ``times`` calls matching ``method`` get this fault (and/or ``delay`` seconds).

        ``method`` is ``*``, a full name (``accounts.importFullAccount``), the name without its
        namespace (``importFullAccount``) or a glob (``accounts.*``). ``processed`` makes a timeout
        or drop happen after the call was carried out. Returns self, for chaining.
        """
        if times < 1:
            raise ValueError("times must be at least 1")
        if delay < 0:
            raise ValueError("delay must not be negative")
        entry = _Scripted(method, int(times), _fault(error, http_status, timeout, drop, processed),
                          float(delay))
        with self._lock:
            self._scripts.append(entry)
        return self

    def rate_limit(self, times: int = 1, method: str = "*") -> "FaultInjector":
        """The next ``times`` matching calls answer 403048 ("Api rate limit exceeded")."""
        return self.script(method, times=times, error=RATE_LIMITED)

    def server_error(self, times: int = 1, method: str = "*", code: int = SERVER_ERROR) -> "FaultInjector":
        """The next ``times`` matching calls answer a transient server error (500001 by default)."""
        return self.script(method, times=times, error=code)

    def timeout(self, times: int = 1, method: str = "*", *, processed: bool = False) -> "FaultInjector":
        """The next ``times`` matching calls answer too late for the client (see ``timeout_seconds``)."""
        return self.script(method, times=times, timeout=True, processed=processed)

    def drop(self, times: int = 1, method: str = "*", *, processed: bool = False) -> "FaultInjector":
        """The next ``times`` matching calls lose their connection before any answer."""
        return self.script(method, times=times, drop=True, processed=processed)

    def configure(self, **options: Any) -> "FaultInjector":
        """Set random faults: ``latency`` + uniform ``jitter`` seconds, ``rate_limit_prob``,
        ``error_prob`` (answers ``error_code``, 500001 by default), ``timeout_prob``, ``drop_prob``,
        ``methods`` (patterns they apply to) and ``seed`` (re-seeds the generator)."""
        with self._lock:
            merged = {**asdict(self._random), **options}
            config = _RandomConfig(**merged)
            _check_random(config)
            self._random = config
            if "seed" in options:
                self._rng = random.Random(config.seed)
        return self

    def clear(self) -> None:
        """Forget every script, random setting and timeout change (the generator keeps its seed)."""
        with self._lock:
            self.timeout_seconds = self._initial_timeout
            self._scripts.clear()
            self._random = _RandomConfig(seed=self._random.seed)
            self._rng = random.Random(self._random.seed)
            self.injected.clear()

    # -- consulting ------------------------------------------------------------------------------
    def decide(self, method: str) -> Decision:
        """Consume the first matching script, or draw the random faults, for one call of ``method``."""
        with self._lock:
            decision = self._scripted(method) or self._drawn(method)
            if decision.fault:
                key = f"{decision.fault.kind}:{decision.fault.error_code or decision.fault.http_status or ''}"
                self.injected[key.rstrip(":")] = self.injected.get(key.rstrip(":"), 0) + 1
            return decision

    def least_delay(self, method: str) -> float:
        """The least ``delay`` a call of ``method`` can be given now, consuming nothing: the random
        latency where the random settings apply to the method, else 0 (jitter and scripts only add)."""
        config = self._random  # replaced whole by configure/clear, never changed in place
        return config.latency if any(_method_matches(p, method) for p in config.methods) else 0.0

    def wait(self, seconds: float) -> None:
        """Sleep ``seconds`` unless the owner is shutting down (servers call :meth:`interrupt`).

        A short wait (injected latency) is a plain sleep: waiting on the shared Event made every
        sleeping call re-take one lock when it woke (64 connections queued on it); only a long
        wait (a timeout fault) has to be cut short by :meth:`interrupt`."""
        if seconds <= 0 or self._stopping.is_set():
            return
        if seconds <= _UNINTERRUPTED_SECONDS:
            time.sleep(seconds)
        else:
            self._stopping.wait(seconds)

    def interrupt(self) -> None:
        """Wake every pending :meth:`wait` at once (server shutdown)."""
        self._stopping.set()

    def resume(self) -> None:
        """Let :meth:`wait` sleep again after :meth:`interrupt` (a server started anew)."""
        self._stopping.clear()

    def state(self) -> dict[str, Any]:
        """JSON-ready (camelCase, like the control plane's input): pending scripts, random settings,
        counts of injected faults per ``kind:code``, and ``timeoutSeconds``."""
        with self._lock:
            scripts = [_camel({"method": s.method, "remaining": s.remaining, "delay": s.delay,
                               **({k: v for k, v in asdict(s.fault).items() if v is not None} if s.fault else {})})
                       for s in self._scripts]
            return {"scripts": scripts, "random": _camel(asdict(self._random)), "injected": dict(self.injected),
                    "timeoutSeconds": self.timeout_seconds}

    def _scripted(self, method: str) -> Decision | None:
        for entry in self._scripts:
            if entry.matches(method):
                entry.remaining -= 1
                if entry.remaining <= 0:
                    self._scripts.remove(entry)
                return Decision(entry.delay + self._latency(), entry.fault)
        return None

    def _drawn(self, method: str) -> Decision:
        config = self._random
        if not any(_method_matches(p, method) for p in config.methods):
            return Decision()
        delay = self._latency()
        draw = self._rng.random()
        for probability, kind in ((config.rate_limit_prob, "rate"), (config.error_prob, "error"),
                                  (config.timeout_prob, "timeout"), (config.drop_prob, "drop")):
            if draw < probability:  # the Fault is made only when drawn: most calls draw none
                return Decision(delay, _drawn_fault(kind, config))
            draw -= probability
        return Decision(delay)

    def _latency(self) -> float:
        config = self._random
        jitter = self._rng.uniform(0.0, config.jitter) if config.jitter else 0.0
        return config.latency + jitter


def _drawn_fault(kind: str, config: Any) -> Fault:
    if kind == "rate":
        return Fault("error", error_code=RATE_LIMITED)
    if kind == "error":
        return Fault("error", error_code=config.error_code)
    return Fault(kind)


def _camel(values: dict[str, Any]) -> dict[str, Any]:
    return {"".join(w.capitalize() if i else w for i, w in enumerate(k.split("_"))): v for k, v in values.items()}


def _check_random(config: _RandomConfig) -> None:
    probabilities = (config.rate_limit_prob, config.error_prob, config.timeout_prob, config.drop_prob)
    if any(p < 0 or p > 1 for p in probabilities) or sum(probabilities) > 1:
        raise ValueError("fault probabilities must each be within 0..1 and add up to at most 1")
    if config.latency < 0 or config.jitter < 0:
        raise ValueError("latency and jitter must not be negative")
    if isinstance(config.methods, str):
        config.methods = [config.methods]
