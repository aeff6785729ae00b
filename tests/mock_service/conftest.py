"""Fixtures for the mock-as-a-service tests.

Adapter tests run against :func:`echo_handle`, a stand-in for ``api.handle`` that echoes what the
adapter passed (method, params, headers, URL), so they check the adapters alone. Behaviour tests
use the real ``mock_gigya.api`` through the same adapters.
"""

from __future__ import annotations

import threading

import pytest

from mock_gigya.inprocess import MockGigya
from mock_gigya.server import MockServer


class EchoAccounts:
    """The accounts of one site in :class:`EchoBackend`."""

    def __init__(self, rows: list[dict]) -> None:
        self.rows = rows

    def all(self) -> list[dict]:
        return list(self.rows)

    def count(self) -> int:
        return len(self.rows)

    def find(self, **criteria: str) -> list[dict]:
        return [r for r in self.rows if all(r.get("profile", {}).get(k) == v for k, v in criteria.items())]


class EchoBackend:
    """Just enough backend for the adapters and the control plane: sites, keys, stored accounts."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.sites: dict[str, dict] = {}
        self.keys: dict[str, dict] = {}
        self.rows: dict[str, list[dict]] = {}
        self.policies: dict[str, dict] = {}

    def add_site(self, api_key, *, data_center="us1", partner_id=1, secret=None, policies=None, schema=None):
        self.sites[api_key] = {"dataCenter": data_center, "partnerId": partner_id}
        self.rows.setdefault(api_key, [])
        return self.sites[api_key]

    def add_app_key(self, user_key, secret, *, partner_id=1, public_key=None):
        self.keys[user_key] = {"partnerId": partner_id}

    def set_policies(self, api_key, policies):
        self.policies.setdefault(api_key, {}).update(policies)

    def seed_account(self, api_key, **fields):
        with self.lock:
            self.rows[api_key].append(fields)
        return fields

    def accounts(self, api_key):
        return EchoAccounts(self.rows[api_key])

    def describe(self):
        return {"sites": [{"apiKey": k, **v, "accounts": len(self.rows[k])} for k, v in self.sites.items()],
                "appKeys": sorted(self.keys)}


def echo_handle(backend, method, params, *, headers=None, url=None):
    """Answer like api.handle would be called: unknown apiKey -> 400093, else echo the call."""
    if params.get("apiKey") not in backend.sites:
        return 200, {"errorCode": 400093, "errorMessage": "Invalid ApiKey parameter", "statusCode": 400}
    if method == "crash.now":
        raise RuntimeError("boom")
    return 200, {"errorCode": 0, "statusCode": 200, "method": method, "params": params,
                 "headers": dict(headers or {}), "url": url}


@pytest.fixture
def echo_mock():
    """An in-process mock whose api.handle is :func:`echo_handle`."""
    with MockGigya(backend=EchoBackend(), handle=echo_handle) as mock:
        yield mock


@pytest.fixture
def echo_server():
    """A loopback MockServer whose api.handle is :func:`echo_handle`."""
    with MockServer(backend=EchoBackend(), handle=echo_handle) as server:
        yield server
