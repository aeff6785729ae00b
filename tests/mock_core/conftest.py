"""Fixtures for the mock core tests: a backend with the default site and application key, a `call`
helper going through ``api.handle`` with userKey + secret, and a seeded Faker."""

from __future__ import annotations

import json
from typing import Any

import pytest
from faker import Faker

from mock_gigya import api
from mock_gigya.backend import Backend
from mock_gigya.defaults import DEFAULT_API_KEY, DEFAULT_SECRET, DEFAULT_USER_KEY

CREDS = {"apiKey": DEFAULT_API_KEY, "userKey": DEFAULT_USER_KEY, "secret": DEFAULT_SECRET}


class FakeClock:
    """A settable clock (Unix seconds) so lockouts and cursor expiry can be tested without sleeping."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def wire(params: dict[str, Any]) -> dict[str, str]:
    """Params as an SDK sends them: objects as JSON strings, booleans as true/false."""
    out = {}
    for key, value in params.items():
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, (dict, list)) or value is None:
            out[key] = json.dumps(value)
        else:
            out[key] = str(value)
    return out


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def backend(clock: FakeClock) -> Backend:
    b = Backend(clock=clock)
    b.add_default_site()
    yield b
    b.close()


@pytest.fixture
def call(backend: Backend):
    """``call(method, **params)`` -> response body (asserting HTTP 200), with default credentials."""

    def _call(method: str, _creds: dict | None = None, **params: Any) -> dict:
        status, body = api.handle(backend, method, {**(CREDS if _creds is None else _creds), **wire(params)})
        assert status == 200
        return body

    return _call


@pytest.fixture
def fake() -> Faker:
    faker = Faker()
    faker.seed_instance(20261123)
    return faker
