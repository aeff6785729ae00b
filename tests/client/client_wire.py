"""Shared helpers of the client tests (importable: conftest.py puts this folder on sys.path)."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs

API_KEY = "3_test_site"
USER_KEY = "ATestUserKey"
SECRET = base64.b64encode(b"client-tests-secret-value").decode()
BASE = "https://accounts.us1.gigya.com"


class FakeClock:
    """A clock that only moves when the client sleeps; records every sleep."""

    def __init__(self, start: float = 1_763_900_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def ok(**fields):
    """A successful Gigya envelope plus ``fields``."""
    return {"callId": "c0ffee", "errorCode": 0, "statusCode": 200, "statusReason": "OK", "apiVersion": 2,
            "time": "2026-11-23T10:00:00.000Z", **fields}


def fail(code: int, message: str = "error", **fields):
    """A Gigya error envelope (HTTP 200, as with httpStatusCodes=false)."""
    return {"callId": f"call{code}", "errorCode": code, "errorMessage": message, "statusCode": code // 1000,
            "statusReason": "Error", "time": "2026-11-23T10:00:00.000Z", **fields}


def sent(call) -> dict[str, str]:
    """The form parameters of a recorded request, one value per key."""
    return {k: v[0] for k, v in parse_qs(call.request.body, keep_blank_values=True).items()}
