"""The mock Gigya inside the test process: ``requests`` calls to Gigya hosts never leave it.

::

    with mock_gigya() as gigya:                 # or @mock_gigya(), or m = mock_gigya(); m.start() ... m.stop()
        gigya.add_site("3_test", user_key="AK", secret="c2VjcmV0")
        client = GigyaClient("3_test", user_key="AK", secret="c2VjcmV0")
        client.search("SELECT * FROM accounts")     # answered by the same api.handle as the server
        gigya.faults.rate_limit(times=2, method="importFullAccount")

Interception uses ``responses``: one ``CallbackResponse`` per HTTP verb whose URL is a regular
expression for every ``<namespace>.<dc>.gigya.com``, ``*.gigya-api.cn`` and ``*.sapcdm.cn`` host
(and ``base_url`` when given); every other URL passes through to the network, so a loopback server
in the same test still works. Faults are enacted in-process: latency sleeps (what is left of it once
the call was answered: a response time), a ``timeout`` raises ``requests.ReadTimeout`` at once and a
``drop`` raises ``requests.ConnectionError``.
"""

from __future__ import annotations

import functools
import inspect
import re
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlsplit

from mock_gigya import transport
from mock_gigya.control import CONTROL_PREFIX, MockControl
from mock_gigya.faults import FaultInjector

__all__ = ["Call", "MockGigya", "mock_gigya"]

GIGYA_URL = re.compile(r"^https?://(?:[a-z0-9-]+\.)+(?:gigya\.com|gigya-api\.cn|sapcdm\.cn)\.?(?::\d+)?(?:[/?].*)?$",
                       re.IGNORECASE)
_VERBS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")  # none may pass through to Gigya
_HIDDEN = {"secret", "password", "newPassword", "sig", "oauth_token", "secretAnswer"}


@dataclass(frozen=True)
class Call:
    """One intercepted API call: method, params (secrets and passwords masked), HTTP status, errorCode."""

    method: str
    params: dict[str, str]
    status: int
    error_code: int | None


def _default_handle() -> Callable[..., tuple[int, dict]]:
    from mock_gigya import api  # lazy: importing this module must stay cheap for the pytest plugin

    return api.handle


class MockGigya(MockControl):
    """An in-process mock Gigya; see the module docstring. Use :func:`mock_gigya` to make one."""

    def __init__(
        self,
        *,
        backend: Any = None,
        faults: FaultInjector | None = None,
        base_url: str | None = None,
        default_site: bool = True,
        db_path: str = ":memory:",
        handle: Callable[..., tuple[int, dict]] | None = None,
    ) -> None:
        super().__init__(backend, faults, db_path=db_path, default_site=default_site)
        self.base_url = base_url.rstrip("/") if base_url else None
        self._handle = handle
        self._responses: Any = None
        self._lock = threading.Lock()
        self.calls: list[Call] = []

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> "MockGigya":
        """Begin intercepting; calling it twice is an error (stop first)."""
        try:
            import responses  # lazy, see _default_handle
        except ImportError:  # a dev extra of gigya-migrate, not a runtime dependency
            raise RuntimeError("the in-process mock needs the `responses` package: pip install responses") from None
        if self._responses is not None:
            raise RuntimeError("this mock_gigya is already started")
        if self._handle is None:
            self._handle = _default_handle()
        mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        for pattern in self._patterns():
            for verb in _VERBS:
                mock.add_callback(verb, pattern, callback=self._callback)
        mock.add_passthru(re.compile(r".*"))  # only reached by URLs none of the patterns took
        mock.start()
        self._responses = mock
        return self

    def stop(self) -> None:
        """Stop intercepting (state is kept: assertions may follow)."""
        if self._responses is not None:
            self._responses.stop()
            self._responses.reset()
            self._responses = None

    def __enter__(self) -> "MockGigya":
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def __call__(self, func: Callable) -> Callable:
        """Decorate a test: each call of ``func`` runs with this mock reset and started."""
        if inspect.iscoroutinefunction(func):
            raise TypeError("mock_gigya decorates plain functions; use `with mock_gigya()` in async code")

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.reset()
            self.calls.clear()
            with self:
                return func(*args, **kwargs)

        return wrapper

    # -- interception ----------------------------------------------------------------------------
    def _patterns(self) -> list[re.Pattern]:
        patterns = [GIGYA_URL]
        if self.base_url:
            patterns.insert(0, re.compile("^" + re.escape(self.base_url) + r"(?:[/?].*)?$"))
        return patterns

    def _callback(self, request: Any) -> tuple[int, dict, bytes]:
        started = time.monotonic()
        parts = urlsplit(request.url)
        body = _body_bytes(request.body)
        if parts.path.startswith(CONTROL_PREFIX):
            status, payload = self.handle_control(request.method, parts.path, body)
            return status, {"Content-Type": "application/json"}, transport.json_bytes(payload)
        status, headers, payload = self._enact(self._answer(request, parts, body), started)
        return status, headers, b"" if request.method == "HEAD" else payload

    def _answer(self, request: Any, parts: Any, body: bytes) -> transport.Answer:
        method = transport.method_from_path(parts.path)
        try:
            params = transport.decode_params(parts.query, body)
        except (transport.BadRequest, UnicodeDecodeError, ValueError) as exc:
            return transport.error_answer(transport.INVALID_REQUEST_FORMAT, "Invalid request format", None,
                                          details=str(exc))
        url = f"{parts.scheme}://{parts.netloc}{parts.path}"
        answer = transport.dispatch(self._handle, self.backend, self.faults, method, params,
                                    headers=dict(request.headers), url=url, rate_cap=self.rate_cap)
        self._record(method, params, answer)
        return answer

    def _enact(self, answer: transport.Answer, started: float) -> tuple[int, dict, bytes]:
        import requests

        if answer.delay > 0:  # a response time: the call's own processing counts towards it
            time.sleep(max(0.0, answer.delay - (time.monotonic() - started)))
        if answer.fault is not None and answer.fault.kind == "timeout":
            raise requests.exceptions.ReadTimeout("mock-gigya: injected timeout (no answer in time)")
        if answer.fault is not None and answer.fault.kind == "drop":
            raise requests.exceptions.ConnectionError("mock-gigya: injected dropped connection")
        headers = {"Content-Type": answer.content_type, "Date": transport.http_date(self.backend)}
        return answer.status, headers, answer.encoded()

    def _record(self, method: str, params: dict[str, str], answer: transport.Answer) -> None:
        masked = {k: ("***" if k in _HIDDEN else v) for k, v in params.items()}
        code = answer.body.get("errorCode") if isinstance(answer.body, dict) else None
        with self._lock:
            self.calls.append(Call(method, masked, answer.status, code))


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if hasattr(body, "read"):
        return body.read()
    return b"".join(body)  # a generator body (chunked upload)


def mock_gigya(**options: Any) -> MockGigya:
    """A new in-process mock: ``with mock_gigya() as gigya``, ``@mock_gigya()``, or ``start()``/``stop()``.

    Options: ``backend``, ``faults``, ``base_url`` (also intercept this address, e.g. the CLI's
    ``--base-url``), ``default_site`` (create :mod:`mock_gigya.defaults`' site and key, default True),
    ``db_path`` (SQLite file instead of memory).
    """
    return MockGigya(**options)
