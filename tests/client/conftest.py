"""Fixtures for the client tests: a `responses` mock, a fake clock, and a client factory."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import responses

sys.path.insert(0, str(Path(__file__).parent))

from client_wire import API_KEY, SECRET, USER_KEY, FakeClock  # noqa: E402

from gigya_migrate.client import GigyaClient  # noqa: E402


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def make_client(clock):
    """Build a client with the fake clock, no real sleeping and a fixed jitter draw."""

    def build(**options) -> GigyaClient:
        options.setdefault("user_key", USER_KEY)
        options.setdefault("secret", SECRET)
        options.setdefault("max_retries", 3)
        return GigyaClient(API_KEY, clock=clock.time, sleep=clock.sleep, rand=lambda: 0.0, **options)

    return build


@pytest.fixture
def client(make_client):
    return make_client()
