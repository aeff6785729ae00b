"""Who is calling: the credential checks every API call goes through before its handler runs.

Modes (docs/gigya-api.md §2.1): userKey + secret in the body; a signed request (``timestamp``,
``nonce``, ``sig`` with the application secret, verified with :mod:`gigya_migrate.signing`); an RS256
JWT bearer token (``Authorization: Bearer``, ``kid`` = userKey, verified with the public key registered
by ``backend.add_app_key(user_key, public_key=PEM)``); and anonymous (``apiKey`` only) for the calls a
client-side SDK may make. Decisions on points the docs leave open are listed in SUPPORTED.md.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urlsplit

from mock_gigya.errors import MockGigyaError

__all__ = ["Caller", "TIMESTAMP_TOLERANCE", "authenticate", "default_url"]

TIMESTAMP_TOLERANCE = 120
"""Seconds a signed request's ``timestamp`` or a JWT's ``iat`` may differ from the mock's clock (I: .NET SDK's ±2 min)."""

_GIGYA_HOST = re.compile(r"^(?P<ns>[a-z0-9_]+)\.(?P<dc>[a-z0-9]+)\.(gigya\.com|sapcdm\.cn|gigya-api\.cn)$")


@dataclass(frozen=True)
class Caller:
    """The authenticated caller: site apiKey, credential ``mode`` and the application key if any."""

    api_key: str
    mode: str  # "secret" | "signed" | "bearer" | "anonymous"
    user_key: str | None = None
    source_ip: str | None = None

    @property
    def server_side(self) -> bool:
        """True for calls carrying application credentials (not client-side rate-limited)."""
        return self.mode != "anonymous"


def default_url(method: str, data_center: str) -> str:
    """The URL an SDK would address for ``method`` on ``data_center`` (used when the caller gave none)."""
    namespace = method.split(".", 1)[0]
    return f"https://{namespace}.{_api_domain(data_center)}/{method}"


def _api_domain(data_center: str) -> str:
    """The client's own table (cn1 -> cn1.sapcdm.cn); an unknown name follows the <dc>.gigya.com rule."""
    from gigya_migrate.datacenters import domain_for

    try:
        return domain_for(data_center)
    except ValueError:
        return f"{data_center}.gigya.com"


@functools.lru_cache(maxsize=256)  # asked on every call with a secret; the answer never changes
def _is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return value
    return None


def authenticate(
    backend: Any,
    method: str,
    params: Mapping[str, Any],
    *,
    headers: Mapping[str, str] | None = None,
    url: str | None = None,
    client_allowed: bool = False,
    secure_channel: bool | None = None,
) -> Caller:
    """Check the credentials of one call; return the :class:`Caller` or raise a Gigya error.

    ``secure_channel`` is what the server saw of the connection (TLS, or a loopback peer); None
    in-process, where only the addressed URL is known. A secret on an insecure channel is 403006
    whatever the ``Host`` header says.
    """
    api_key = params.get("apiKey")
    if not api_key:
        raise MockGigyaError.missing("apiKey")
    site = backend.site_view(str(api_key))  # 400093 when unknown; read only
    _check_data_center(site, method, url)
    url = url or default_url(method, site.data_center)
    authorization = _header(headers, "Authorization") or ""
    if authorization.lower().startswith("bearer "):
        return _bearer(backend, site, authorization[7:].strip())
    if params.get("sig"):
        return _signed(backend, site, method, params, url)
    if params.get("secret"):
        return _secret(backend, site, params, url, secure_channel)
    if params.get("userKey"):
        raise MockGigyaError(400002, details="Missing required parameter: secret (or sign the request)")
    if params.get("oauth_token"):
        raise MockGigyaError(403005, details="oauth_token sessions are not supported by mock_gigya")
    if not client_allowed:
        raise MockGigyaError(
            403007,
            details=f"{method} is a server-side call: send userKey + secret, a signature or a bearer token",
        )
    return Caller(site.api_key, "anonymous")


def _check_data_center(site: Any, method: str, url: str | None) -> None:
    """301001 when the call reached another data center's host, with ``apiDomain`` and ``location``
    (Gigya's Response Codes page: the base domain of the right data center, and the full URL to
    redirect to, as in an HTTP 301 ``Location``)."""
    host = (urlsplit(url).hostname or "").lower() if url else ""
    match = _GIGYA_HOST.match(host)
    if match and match["dc"] not in ("global", "mtls") and match["dc"] != site.data_center:
        raise MockGigyaError(
            301001,
            details=f"Invalid data center: site {site.api_key} lives in {site.data_center}, not {match['dc']}",
            fields={"apiDomain": _api_domain(site.data_center), "location": default_url(method, site.data_center)},
        )


def _app_key_for(backend: Any, site: Any, user_key: Any) -> dict:
    app = backend.app_key_view(str(user_key)) if user_key else None  # read only
    if app is None or app.get("partnerId") != site.partner_id:
        raise MockGigyaError(403005, details=f"Unauthorized user: userKey {user_key!r} is not valid for this site")
    return app


def _secret(backend: Any, site: Any, params: Mapping[str, Any], url: str, secure_channel: bool | None) -> Caller:
    parts = urlsplit(url)
    addressed_plain = parts.scheme.lower() == "http" and not _is_loopback((parts.hostname or "").lower())
    if addressed_plain or secure_channel is False:
        raise MockGigyaError(403006, details="The secret must be sent over HTTPS (or sign the request instead)")
    if not params.get("userKey"):
        raise MockGigyaError(
            403005, details="A secret without userKey (partner secret) is no longer accepted: send an application key"
        )
    app = _app_key_for(backend, site, params["userKey"])
    if not app.get("secret") or app["secret"] != params["secret"]:
        raise MockGigyaError(403003, details="Invalid request signature: the secret does not match the userKey")
    return Caller(site.api_key, "secret", str(params["userKey"]))


def _timestamp_seconds(value: Any) -> float:
    try:
        stamp = float(value)
    except (TypeError, ValueError):
        raise MockGigyaError.invalid("timestamp", "must be Unix time in seconds") from None
    # The Node SDK sends milliseconds (docs §2.2): anything past year 5138 in seconds is read as ms.
    return stamp / 1000 if stamp > 1e11 else stamp


def _check_fresh(backend: Any, stamp: float) -> None:
    if abs(backend.clock() - stamp) > TIMESTAMP_TOLERANCE:
        raise MockGigyaError(403002, details=f"Request has expired: timestamp is more than {TIMESTAMP_TOLERANCE} s off")


def _signed(backend: Any, site: Any, method: str, params: Mapping[str, Any], url: str) -> Caller:
    from gigya_migrate.signing import verify_signature

    for name in ("userKey", "timestamp", "nonce"):
        if not params.get(name):
            raise MockGigyaError.missing(name)
    app = _app_key_for(backend, site, params["userKey"])
    _check_fresh(backend, _timestamp_seconds(params["timestamp"]))
    if not app.get("secret"):
        raise MockGigyaError(403003, details="Invalid request signature: this application key has no secret")
    signed = {k: v for k, v in params.items() if v is not None}
    candidates = dict.fromkeys([url] + [_swap_scheme(url, s) for s in ("https", "http")])
    try:
        valid = any(verify_signature("POST", candidate, signed, app["secret"]) for candidate in candidates)
    except ValueError:
        valid = False
    if not valid:
        raise MockGigyaError(403003, details="Invalid request signature")
    if not backend.store.use_nonce(f"{params['userKey']}:{params['nonce']}", int(backend.clock())):
        raise MockGigyaError(403004, details="Duplicate nonce")
    return Caller(site.api_key, "signed", str(params["userKey"]))


def _swap_scheme(url: str, scheme: str) -> str:
    parts = urlsplit(url)
    return parts._replace(scheme=scheme).geturl()


def _bearer(backend: Any, site: Any, token: str) -> Caller:
    import jwt

    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise MockGigyaError(403003, details="Invalid request signature: malformed bearer token") from None
    app = _app_key_for(backend, site, header.get("kid"))
    if not app.get("publicKey"):
        raise MockGigyaError(403003, details="Invalid request signature: no public key registered for this userKey")
    try:
        claims = jwt.decode(token, app["publicKey"], algorithms=["RS256"], options={"require": ["iat"], "verify_aud": False,
                                                                                  "verify_iat": False})
    except jwt.PyJWTError as exc:
        raise MockGigyaError(403003, details=f"Invalid request signature: {exc}") from None
    _check_fresh(backend, float(claims["iat"]))
    if claims.get("jti") and not backend.store.use_nonce(f"jwt:{header.get('kid')}:{claims['jti']}", int(backend.clock())):
        raise MockGigyaError(403004, details="Duplicate nonce (JWT jti already used)")
    return Caller(site.api_key, "bearer", str(header.get("kid")))
