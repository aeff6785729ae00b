"""Gigya request signatures (OAuth1-style HMAC-SHA1) and the SigUtils signature checks.

Everything here is a pure function of its inputs (the clock and the nonce source are parameters),
so the client uses it to sign and the mock uses the same functions to verify.

Facts (docs/gigya-api.md §2.2, §2.3; SAP Python/Java/.NET SDKs ``SigUtils``):

* base string = ``HTTP_METHOD & enc(normalised URL) & enc(sorted "k=enc(v)" joined by "&")``;
  ``enc`` percent-encodes UTF-8 leaving only ``A-Z a-z 0-9 - _ . ~``, hex upper-case;
* the normalised URL is lower-case scheme and host, the port only when not the scheme's default,
  and the path (no query string);
* ``sig = base64(HMAC-SHA1(key=base64decode(secret), base string))``; ``sig`` itself is never part
  of the base string; a parameter whose value is ``None`` is left out;
* ``timestamp`` is in Unix **seconds** (I: the Node SDK's milliseconds are treated as a quirk);
* UIDSignature = ``HMAC-SHA1(secret, f"{signatureTimestamp}_{UID}")``, accepted within 180 s.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from typing import Callable, Mapping
from urllib.parse import quote, urlsplit

__all__ = [
    "SIGNATURE_MAX_AGE",
    "base_string",
    "calc_signature",
    "friend_signature",
    "make_nonce",
    "normalize_url",
    "percent_encode",
    "query_signature",
    "sign_params",
    "signature_for",
    "uid_signature",
    "validate_friend_signature",
    "validate_uid_signature",
    "verify_signature",
    "webhook_signature",
]

SIGNATURE_MAX_AGE = 180
"""Seconds a UIDSignature / friend signature stays valid (PHP SigUtils, GRAZE TIMESTAMP_OFFSET)."""

_DEFAULT_PORTS = {"http": 80, "https": 443}


def percent_encode(value: str) -> str:
    """Percent-encode ``value`` as UTF-8, leaving only ``A-Z a-z 0-9 - _ . ~`` unescaped."""
    # quote() always keeps letters, digits and "_.-~"; safe="" makes it escape "/" too.
    return quote(str(value), safe="")


def normalize_url(url: str) -> str:
    """The URL as it enters the base string: lower scheme and host, non-default port, path only."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    return f"{scheme}://{netloc}{parts.path or '/'}"


def _wire_value(value: object) -> str:
    """A parameter value as it is sent: booleans as ``true``/``false``, everything else ``str``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def base_string(http_method: str, url: str, params: Mapping[str, object]) -> str:
    """The OAuth1 base string Gigya signs; ``sig`` and ``None`` values are left out."""
    pairs = sorted((k, _wire_value(v)) for k, v in params.items() if v is not None and k != "sig")
    query = "&".join(f"{k}={percent_encode(v)}" for k, v in pairs)
    return "&".join((http_method.upper(), percent_encode(normalize_url(url)), percent_encode(query)))


def _secret_bytes(secret_b64: str) -> bytes:
    try:
        return base64.b64decode(secret_b64, validate=True)
    except (binascii.Error, ValueError, TypeError):
        # The message never repeats the secret itself.
        raise ValueError("the secret is not valid base64 (Gigya secrets are base64 strings)") from None


def calc_signature(text: str, secret_b64: str) -> str:
    """``base64(HMAC-SHA1(base64decode(secret_b64), utf8(text)))``, as SigUtils.calcSignature."""
    return webhook_signature(text.encode("utf-8"), secret_b64)


def webhook_signature(body: bytes, secret_b64: str) -> str:
    """``X-Gigya-Sig-Hmac-Sha1`` of a webhook notification: ``base64(HMAC-SHA1(base64decode(secret_b64),
    raw body))`` (SAP Help's PHP receiver sample); also the core of :func:`calc_signature`."""
    digest = hmac.new(_secret_bytes(secret_b64), body, hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_for(http_method: str, url: str, params: Mapping[str, object], secret: str) -> str:
    """The ``sig`` value for a request with these parameters (any ``sig`` already present is ignored)."""
    return calc_signature(base_string(http_method, url, params), secret)


def verify_signature(http_method: str, url: str, params: Mapping[str, object], secret: str) -> bool:
    """True when ``params["sig"]`` is the right signature for this request (constant-time compare).

    Freshness of ``timestamp`` and uniqueness of ``nonce`` are the verifier's job (403002 / 403004).
    """
    sent = params.get("sig")
    if not isinstance(sent, str) or not sent:
        return False
    return hmac.compare_digest(sent.encode(), signature_for(http_method, url, params, secret).encode())


def make_nonce() -> str:
    """A fresh, unguessable nonce (the SDKs use time + random; 128 random bits is at least as unique)."""
    return f"{time.time_ns() // 1_000_000}{secrets.token_hex(8)}"


def sign_params(
    params: Mapping[str, object],
    url: str,
    secret: str,
    *,
    http_method: str = "POST",
    now: Callable[[], float] = time.time,
    clock_offset: float = 0.0,
    nonce: str | None = None,
) -> dict[str, object]:
    """A copy of ``params`` with a fresh ``timestamp`` (seconds), ``nonce`` and ``sig``.

    ``secret`` and any old ``sig``/``timestamp``/``nonce`` are dropped: the secret is never sent.
    ``clock_offset`` (seconds) corrects a local clock that disagrees with Gigya's (see 403002).
    """
    signed = {k: v for k, v in params.items() if k not in ("secret", "sig", "timestamp", "nonce")}
    signed["timestamp"] = str(int(now() + clock_offset))
    signed["nonce"] = nonce or make_nonce()
    signed["sig"] = signature_for(http_method, url, signed, secret)
    return signed


def uid_signature(uid: str, timestamp: str | int, secret: str) -> str:
    """The UIDSignature Gigya returns with login / getAccountInfo: HMAC over ``f"{timestamp}_{uid}"``."""
    return calc_signature(f"{timestamp}_{uid}", secret)


def friend_signature(uid: str, friend_uid: str, timestamp: str | int, secret: str) -> str:
    """The friendship signature: HMAC over ``f"{timestamp}_{friend_uid}_{uid}"``."""
    return calc_signature(f"{timestamp}_{friend_uid}_{uid}", secret)


def query_signature(query: str, exp_time_ms: int, secret: str) -> str:
    """The ``querySig`` for a client-side accounts.search: HMAC over ``f"{query}_{exp_time_ms}"``."""
    return calc_signature(f"{query}_{exp_time_ms}", secret)


def _fresh(timestamp: str | int, max_age: float, now: Callable[[], float]) -> bool:
    try:
        return abs(now() - int(timestamp)) <= max_age
    except (TypeError, ValueError):
        return False


def validate_uid_signature(
    uid: str,
    timestamp: str | int,
    secret: str,
    signature: str,
    *,
    max_age: float = SIGNATURE_MAX_AGE,
    now: Callable[[], float] = time.time,
) -> bool:
    """True when ``signature`` is the UIDSignature of ``uid`` at ``timestamp`` and is fresh.

    Note (HELP, DEVSEC): server-to-server calls made with a userKey no longer receive UIDSignature;
    the default signature is made with the partner secret.
    """
    if not signature or not _fresh(timestamp, max_age, now):
        return False
    return hmac.compare_digest(signature.encode(), uid_signature(uid, timestamp, secret).encode())


def validate_friend_signature(
    uid: str,
    friend_uid: str,
    timestamp: str | int,
    secret: str,
    signature: str,
    *,
    max_age: float = SIGNATURE_MAX_AGE,
    now: Callable[[], float] = time.time,
) -> bool:
    """True when ``signature`` is the friendship signature of (``uid``, ``friend_uid``) and is fresh."""
    if not signature or not _fresh(timestamp, max_age, now):
        return False
    expected = friend_signature(uid, friend_uid, timestamp, secret)
    return hmac.compare_digest(signature.encode(), expected.encode())
