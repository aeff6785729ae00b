"""Garbage in, Gigya envelope out: api.handle never raises and never answers 500001 for bad input."""

from __future__ import annotations

import random

import pytest

from mock_gigya import api
from mock_gigya.backend import Backend

CREDS = {"apiKey": "3_mock_site", "userKey": "AMockUserKey", "secret": "bW9jay1naWd5YS1zZWNyZXQ="}
NASTY = ["", "null", "{", "[]", "{}", "[1,", '{"a":', "true", "0", "-1", "1e309", "NaN", "\x00", "💥" * 50,
         '{"emails": "x"}', '{"hashedPassword": 5}', '{"hashSettings": []}', '[{"provider": null}]',
         "select", "SELECT * FROM accounts WHERE", "a" * 5000, '{"' + "a" * 100 + '": {"b": null}}',
         "[" * 2000 + "]" * 2000, '{"verified": [1, 2]}', '{"username": ["x"]}', "2019-13-45T99:99:99Z"]


@pytest.mark.parametrize("method", sorted(api.DISPATCH) + ["accounts.unknown", "", "/", "a.b.c.d"])
def test_random_parameters_never_crash(backend: Backend, method):
    rng = random.Random(f"h3-{method}")
    backend.seed_account("3_mock_site", UID="u1", loginIDs={"emails": ["a@example.com"]}, password="Passw0rd!")
    names = [p.name for p in api.DISPATCH[method].params] if method in api.DISPATCH else ["x"]
    names += ["UID", "uid", "query", "cursorId", "password", "include", "sections", "httpStatusCodes", "context"]
    for _ in range(60):
        params = dict(CREDS)
        for name in rng.sample(names, k=min(len(names), rng.randint(1, 4))):
            params[name] = rng.choice(NASTY)
        status, body = api.handle(backend, method, params)
        assert isinstance(body["errorCode"], int) and body["callId"] and body["time"]
        assert body["errorCode"] != 500001, (method, params, body)
        assert status == 200 or params.get("httpStatusCodes") in ("true", "1")
