"""The request side both adapters share: decode what a client sent, apply faults, call ``api.handle``.

The in-process mock (``inprocess.py``) and the HTTP server (``server.py``) differ only in how a
request arrives and how an answer leaves. Everything between (form decoding, naming the method,
the URL the client addressed, consulting the :class:`~mock_gigya.faults.FaultInjector`, turning
a crash into a Gigya envelope) is here, written once.

Choices made here where no public source decides are listed in :data:`DECISIONS` (topic, text), in
the form ``mock_gigya.supported`` renders into SUPPORTED.md.
"""

from __future__ import annotations

import functools
import re
import sys
import time
import traceback
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import formatdate
from http import HTTPStatus
from typing import Any, Callable, Mapping
from urllib.parse import unquote_plus

from mock_gigya import json_text
from mock_gigya.errors import STATUS_REASONS, status_code_of
from mock_gigya.faults import FAULT_MESSAGES, RATE_LIMITED, Decision, Fault, FaultInjector

__all__ = [
    "GIGYA_HOST",
    "MAX_BODY_BYTES",
    "Answer",
    "BadRequest",
    "DECISIONS",
    "decode_params",
    "dispatch",
    "error_answer",
    "error_envelope",
    "http_date",
    "is_gigya_host",
    "json_bytes",
    "method_from_path",
]

MAX_BODY_BYTES = 8 * 1024 * 1024
# <namespace>.<dc>.gigya.com, global/fidm hosts, and the China domains (NODE: gigya-api.cn, TK: sapcdm.cn).
GIGYA_HOST = re.compile(r"^(?:[a-z0-9-]+\.)+(?:gigya\.com|gigya-api\.cn|sapcdm\.cn)\.?$", re.IGNORECASE)
INVALID_REQUEST_FORMAT = 400001
GENERAL_SERVER_ERROR = 500001

Handle = Callable[..., tuple[int, dict]]

DECISIONS: tuple[tuple[str, str], ...] = (
    ("Request body", f"Form fields and the URL query are merged (the body wins; a repeated field keeps its last "
                     f"value). A body over {MAX_BODY_BYTES // (1024 * 1024)} MiB, bytes that are not UTF-8 once "
                     "percent-decoded, or malformed HTTP answer 400001 Invalid request format (GRAZE: 'various "
                     "faults in the request') as a Gigya envelope; malformed HTTP keeps its HTTP status (400, 414, "
                     "431, 505) because its httpStatusCodes cannot be read."),
    ("Addressing", "The last path segment names the method, whatever the host. The URL given to signature checks "
                   "is the one the client addressed: a proxy request line's absolute URI as sent; a Host header "
                   "naming a Gigya host is taken as https (SDK default, unknowable on loopback) unless "
                   "X-Forwarded-Proto says otherwise; otherwise the mock's own http address."),
    ("HTTPS proxy", "CONNECT to a Gigya host is answered with TLS from a throwaway per-run CA (EC P-256, 7 days) "
                    "the client must trust; CONNECT to any other host answers 501: the mock tunnels nowhere."),
    ("Injected faults", "Error faults answer the Gigya envelope with HTTP 200 (or statusCode with "
                        "httpStatusCodes=true) and errorDetails 'Injected by mock-gigya faults'; a timeout fault "
                        "answers only after timeout_seconds (65 s by default) on the server and raises "
                        "requests.ReadTimeout in-process; a drop closes the connection unanswered "
                        "(requests.ConnectionError in-process); 'processed' timeouts and drops run the call first."),
)


class BadRequest(Exception):
    """The request cannot be read at all; answered with a 400001 envelope."""


@dataclass(frozen=True)
class Answer:
    """What an adapter sends back: an HTTP status and JSON body, or a transport fault to enact."""

    status: int
    body: dict[str, Any] | None
    delay: float = 0.0
    fault: Fault | None = None
    raw: bytes | None = None

    def encoded(self) -> bytes:
        """The body as bytes (JSON, or the raw text of an injected HTTP error)."""
        if self.raw is not None:
            return self.raw
        return json_bytes(self.body)

    @property
    def content_type(self) -> str:
        """The Content-Type header for :meth:`encoded`."""
        return "text/html; charset=utf-8" if self.raw is not None else "application/json; charset=utf-8"


def is_gigya_host(host: str | None) -> bool:
    """Whether ``host`` (port allowed) names a Gigya API host the mock answers for."""
    if not host:
        return False
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return bool(GIGYA_HOST.match(name))


def method_from_path(path: str) -> str:
    """``/accounts.search`` -> ``accounts.search``; the last path segment names the method."""
    return path.rstrip("/").rsplit("/", 1)[-1]


def decode_params(query: str | bytes | None, body: str | bytes | None) -> dict[str, str]:
    """Merge URL query and ``application/x-www-form-urlencoded`` body into one ``{name: value}``.

    Raises :class:`BadRequest` for bytes that are not UTF-8 once percent-decoded or an oversized body.
    """
    params: dict[str, str] = {}
    for part in (query, body):
        if not part:
            continue
        if len(part) > MAX_BODY_BYTES:
            raise BadRequest(f"Request body too large: over {MAX_BODY_BYTES} bytes")
        try:
            text = part.decode("utf-8") if isinstance(part, bytes) else part
            params.update(_form_pairs(text))
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadRequest(f"Parameters are not UTF-8 form encoding: {exc}") from None
    return params


def _form_pairs(text: str) -> list[tuple[str, str]]:
    """``parse_qsl(text, keep_blank_values=True, errors="strict")`` (pairs split on ``&``, a name
    without ``=`` has the value ""), but a piece with neither ``%`` nor ``+`` is taken as it is
    instead of going through ``unquote_plus``: most of a form, and most of the mock's CPU per call."""
    pairs = []
    for piece in text.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        pairs.append((_unquoted(name), _unquoted(value)))
    return pairs


def _unquoted(text: str) -> str:
    if "%" not in text and "+" not in text:
        return text
    return unquote_plus(text, encoding="utf-8", errors="strict")


def http_date(backend: Any) -> str:
    """The ``Date`` header from the mock's clock (``backend.clock``, injectable in tests), as real
    Gigya sends it: the Java and .NET SDKs, and our client, resync a skewed clock from it on 403002."""
    clock = getattr(backend, "clock", None)
    return _date_of_second(int((clock() if callable(clock) else time.time()) // 1))


@functools.lru_cache(maxsize=64)  # formatted once per second, not once per call
def _date_of_second(second: int) -> str:
    return formatdate(second, usegmt=True)


def json_bytes(payload: Any) -> bytes:
    """``payload`` as UTF-8 JSON (``json.dumps(payload, ensure_ascii=False)``)."""
    return json_text.spaced(payload).encode("utf-8")


def error_envelope(code: int, message: str, details: str | None = None, *, context: str | None = None) -> dict:
    """A Gigya error envelope for failures found before ``api.handle`` (faults, unreadable requests)."""
    status = status_code_of(code)
    envelope = {
        "callId": uuid.uuid4().hex,
        "errorCode": code,
        "errorMessage": message,
        "statusCode": status,
        "statusReason": STATUS_REASONS.get(status, "Error"),
        "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "apiVersion": 2,
    }
    if details:
        envelope["errorDetails"] = details
    if context is not None:
        envelope["context"] = context
    return envelope


def _wants_http_status(params: Mapping[str, str]) -> bool:
    return str(params.get("httpStatusCodes", "")).lower() in ("true", "1")


def error_answer(code: int, message: str, params: Mapping[str, str] | None = None, **extra: Any) -> Answer:
    """An :class:`Answer` carrying :func:`error_envelope`; HTTP status follows ``httpStatusCodes``."""
    params = params or {}
    body = error_envelope(code, message, context=params.get("context"), **extra)
    return Answer(body["statusCode"] if _wants_http_status(params) else 200, body)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _fault_answer(decision: Decision, params: Mapping[str, str]) -> Answer:
    fault = decision.fault
    if fault.kind == "error":
        answer = error_answer(fault.error_code, fault.message, params, details="Injected by mock-gigya faults")
        return Answer(answer.status, answer.body, delay=decision.delay)
    if fault.kind == "http":
        status = fault.http_status
        raw = f"<html><body><h1>{status} {_phrase(status)}</h1></body></html>".encode()
        return Answer(status, None, delay=decision.delay, raw=raw)
    return Answer(0, None, delay=decision.delay, fault=fault)


def dispatch(
    handle: Handle,
    backend: Any,
    faults: FaultInjector | None,
    method: str,
    params: Mapping[str, str],
    *,
    headers: Mapping[str, str] | None = None,
    url: str | None = None,
    remote_addr: str | None = None,
    secure_channel: bool | None = None,
    rate_cap: Any = None,
) -> Answer:
    """Consult ``rate_cap`` (a :class:`~mock_gigya.rate_cap.RateCap`) and ``faults`` for ``method``,
    then call ``handle`` (``api.handle``) unless one of them answers instead.

    A crash inside ``handle`` is a bug of the mock: it is printed to stderr with its traceback and
    the client gets a 500001 envelope, never a traceback.
    """
    if rate_cap is not None and not rate_cap.admit(params.get("apiKey"), backend):
        api_key = params.get("apiKey")
        return error_answer(RATE_LIMITED, FAULT_MESSAGES[RATE_LIMITED], params, details=rate_cap.details(api_key))
    decision = faults.decide(method) if faults else Decision()
    if decision.fault and not decision.fault.processed:
        return _fault_answer(decision, params)
    try:
        # secure_channel only when known (the server): custom handlers written before it keep working
        extra = {} if secure_channel is None else {"secure_channel": secure_channel}
        status, body = handle(backend, method, dict(params), headers=dict(headers or {}), url=url,
                              remote_addr=remote_addr, **extra)
    except Exception as exc:  # the client must see an envelope; the operator sees the traceback
        print(f"mock-gigya: internal error in {method}: {exc!r}", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)
        answer = error_answer(GENERAL_SERVER_ERROR, "General Server Error", params, details=type(exc).__name__)
        return Answer(answer.status, answer.body, delay=decision.delay)
    return Answer(status, body, delay=decision.delay, fault=decision.fault)
