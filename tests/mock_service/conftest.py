"""Fixtures for the mock-as-a-service tests.

Adapter tests run against :func:`echo_handle`, a stand-in for ``api.handle`` that echoes what the
adapter passed (method, params, headers, URL), so they check the adapters alone. Behaviour tests
use the real ``mock_gigya.api`` through the same adapters.
"""

from __future__ import annotations

import threading
from types import SimpleNamespace

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
        self.site_map: dict[str, dict] = {}
        self.keys: dict[str, dict] = {}
        self.rows: dict[str, list[dict]] = {}
        self.policies: dict[str, dict] = {}

    def add_site(self, api_key, *, data_center="us1", partner_id="p1", secret=None, policies=None, schema=None):
        self.site_map[api_key] = SimpleNamespace(api_key=api_key, data_center=data_center, partner_id=partner_id)
        self.rows.setdefault(api_key, [])
        return self.site_map[api_key]

    def sites(self):
        return list(self.site_map.values())

    def has_site(self, api_key):
        return api_key in self.site_map

    def site(self, api_key):
        return self.site_map[api_key]

    def add_app_key(self, user_key, secret=None, *, partner_id="p1", public_key=None):
        self.keys[user_key] = {"partnerId": partner_id, "secret": secret, "publicKey": public_key}

    def app_key(self, user_key):
        return self.keys.get(user_key)

    def app_keys(self):
        return [{"userKey": k, **v} for k, v in sorted(self.keys.items())]

    def set_policies(self, api_key, policies):
        self.policies.setdefault(api_key, {}).update(policies)

    def seed_account(self, api_key, **fields):
        with self.lock:
            self.rows[api_key].append(fields)
        return fields

    def accounts(self, api_key):
        return EchoAccounts(self.rows[api_key])


def echo_handle(backend, method, params, *, headers=None, url=None, remote_addr=None):
    """Answer like api.handle would be called: unknown apiKey -> 400093, else echo the call."""
    if params.get("apiKey") not in backend.site_map:
        return 200, {"errorCode": 400093, "errorMessage": "Invalid ApiKey parameter", "statusCode": 400}
    if method == "crash.now":
        raise RuntimeError("boom")
    return 200, {"errorCode": 0, "statusCode": 200, "method": method, "params": params,
                 "headers": dict(headers or {}), "url": url, "remoteAddr": remote_addr}


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
