"""Fixtures for the flow tests: a fake thread-safe Gigya writer that needs no network."""

from __future__ import annotations

import threading
import time

import pytest

from gigya_migrate.flows.runner import RecordResult


class FakeSite:
    """Remembers what was written per key; can be scripted to rate-limit or to be slow."""

    def __init__(self, *, latency: float = 0.0, rate_limit_first: int = 0) -> None:
        self.latency = latency
        self.rate_limit_left = rate_limit_first
        self.writes: dict[str, int] = {}
        self.calls = 0
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()

    def write(self, record: dict) -> RecordResult:
        with self._lock:
            self.calls += 1
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            limited = self.rate_limit_left > 0
            if limited:
                self.rate_limit_left -= 1
        try:
            if self.latency:
                time.sleep(self.latency)
            if limited:
                return RecordResult(record["email"], ok=False, error_code=403048, message="API Rate Limit Exceeded")
            with self._lock:
                self.writes[record["email"]] = self.writes.get(record["email"], 0) + 1
            return RecordResult(record["email"], ok=True, uid="uid-" + record["email"])
        finally:
            with self._lock:
                self.active -= 1


@pytest.fixture
def fake_site():
    return FakeSite()


@pytest.fixture
def make_site():
    return FakeSite
