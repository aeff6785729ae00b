"""Sessions and tokens: the ``sessionInfo`` a login opens, accounts.logout, accounts.verifyLogin's
session check, and the RS256 ``id_token`` of accounts.getJWT with the key of accounts.getJWTPublicKey.

Facts (docs/gigya-api.md §2.4, §5): login answers ``sessionInfo{cookieName, cookieValue}`` for
``targetEnv=browser`` (the default) and ``{sessionToken, sessionSecret}`` for ``mobile``; CDC
``id_token``s are RS256, issuer ``https://fidm.gigya.com/jwt/<apiKey>/``, ``sub`` = UID, verified with
the key accounts.getJWTPublicKey returns (``V2=true``: a JWKS ``{"keys": [...]}``).

Choices (I, listed in SUPPORTED.md): one RSA key per data center, as the real ``kid`` is shared by
sites (a sample header carries ``"dc": "eu1"``); getJWT's ``expiration`` defaults to 300 s; sessions
are kept until logout (``sessionExpiration`` seconds when given > 0).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from typing import Any

from mock_gigya.errors import MockGigyaError

__all__ = ["JWT_DEFAULT_EXPIRATION", "end_sessions", "get_jwt", "get_jwt_public_key", "has_session", "issuer",
           "open_session", "sign_jwt", "signing_key"]

SESSION = "session"
JWT_KEY = "jwtKey"
MAX_SESSIONS = 50
"""Sessions kept per UID; opening one more ends the oldest (I: bounds storage in long rehearsals)."""
JWT_DEFAULT_EXPIRATION = 300
"""Seconds an accounts.getJWT id_token lives unless ``expiration`` says otherwise (I)."""

_KEYS: dict[str, tuple[str, str]] = {}  # data center -> (private PEM, kid): one RSA generation per process
_KEYS_LOCK = threading.Lock()

DECISIONS: tuple[tuple[str, str], ...] = (
    ("Sessions", "Each successful login, finalizeRegistration or verifyLogin-by-regToken opens a session: "
                 "`sessionInfo{cookieName: glt_<apiKey>, cookieValue}` (browser) or `{sessionToken, sessionSecret}` "
                 "(`targetEnv=mobile`). Sessions last until accounts.logout (which ends all of the UID's) or "
                 f"`sessionExpiration` seconds when > 0 (I); at most {MAX_SESSIONS} per UID are kept (the oldest "
                 "ends, I). They are observable through accounts.verifyLogin with `UID`; `oauth_token` calls are "
                 "still refused."),
    ("getJWT", f"`targetUID` (or `UID`) -> `id_token`: RS256, header `{{alg, typ, kid, dc}}`, claims `iss` = "
               f"`https://fidm.gigya.com/jwt/<apiKey>/`, `apiKey`, `sub` = UID, `iat`, `exp` = iat + `expiration` "
               f"(default {JWT_DEFAULT_EXPIRATION} s, I), `aud` from `audience`; `fields=profile.email,...` adds "
               "claims named by the last path part (I). An unknown UID answers 403005."),
    ("getJWTPublicKey", "apiKey-only. One RSA-2048 key per data center (I: the real `kid` is shared by a data "
                        "center's sites), kept in the store; the answer is the JWK `{kty, n, e, alg: RS256, use: "
                        "sig, kid}`, or with `V2=true` a JWKS `{keys: [jwk]}`."),
)
"""Choices rendered into SUPPORTED.md."""


def issuer(api_key: str) -> str:
    """The ``iss`` of a CDC-issued JWT (JAUTH ``verifyJwt``)."""
    return f"https://fidm.gigya.com/jwt/{api_key}/"


# ------------------------------------------------------------------ sessions


def open_session(backend: Any, site: Any, uid: str, params: dict) -> dict:
    """A new session for ``uid``: the ``sessionInfo`` object the login response carries."""
    if (params.get("targetEnv") or "browser") == "mobile":
        token = "st2." + secrets.token_urlsafe(24)
        info = {"sessionToken": token, "sessionSecret": secrets.token_urlsafe(20)}
    else:
        token = "st2." + secrets.token_urlsafe(32)
        info = {"cookieName": f"glt_{site.api_key}", "cookieValue": token}
    seconds = _int(params.get("sessionExpiration"))
    expires = int(backend.clock()) + seconds if seconds and seconds > 0 else None
    backend.store.put_token(SESSION, token, site.api_key, {"targetEnv": params.get("targetEnv") or "browser"},
                            uid=uid, expires=expires)
    open_ones = backend.store.list_tokens(SESSION, api_key=site.api_key, uid=uid)
    for old in open_ones[:-MAX_SESSIONS]:
        backend.store.delete_tokens(SESSION, token=old["token"])
    return info


def has_session(backend: Any, api_key: str, uid: str) -> bool:
    """True when ``uid`` has a session that is neither logged out nor expired."""
    now = int(backend.clock())
    return any(t["expires"] is None or t["expires"] > now
               for t in backend.store.list_tokens(SESSION, api_key=api_key, uid=uid))


def end_sessions(backend: Any, api_key: str, uid: str) -> int:
    """accounts.logout: forget every session of ``uid``; returns how many ended."""
    return backend.store.delete_tokens(SESSION, api_key=api_key, uid=uid)


# ------------------------------------------------------------------ JWT


def signing_key(backend: Any, data_center: str) -> tuple[str, str]:
    """``(private PEM, kid)`` of the data center's RSA key, kept in the store so ``--db`` files keep it."""
    stored = backend.store.get_token(JWT_KEY, data_center)
    if stored is not None:
        return stored["doc"]["pem"], stored["doc"]["kid"]
    with _KEYS_LOCK:
        if data_center not in _KEYS:
            _KEYS[data_center] = _new_key()
    pem, kid = _KEYS[data_center]
    backend.store.put_token(JWT_KEY, data_center, "*", {"pem": pem, "kid": kid})
    return pem, kid


def _new_key() -> tuple[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    kid = base64.urlsafe_b64encode(hashlib.sha1(der).hexdigest().upper().encode()).decode().rstrip("=")
    return pem, kid


def sign_jwt(backend: Any, site: Any, claims: dict) -> str:
    """``claims`` signed RS256 with the site's data-center key; header ``{alg, typ, kid, dc}``."""
    import jwt

    pem, kid = signing_key(backend, site.data_center)
    return jwt.encode(claims, pem, algorithm="RS256", headers={"kid": kid, "dc": site.data_center})


def get_jwt(backend: Any, api_key: str, params: dict) -> dict:
    """accounts.getJWT: an ``id_token`` for ``targetUID`` (``fields`` adds account fields as claims)."""
    site = backend.site(api_key)
    uid = params.get("targetUID") or params.get("UID")
    if not uid:
        raise MockGigyaError.missing("targetUID")
    doc = backend.get_account_info(api_key, uid, "profile,data,emails,loginIDs,preferences,subscriptions")
    expiration = _int(params.get("expiration")) or JWT_DEFAULT_EXPIRATION
    if expiration <= 0:
        raise MockGigyaError.invalid("expiration", "must be a positive number of seconds")
    now = int(backend.clock())
    claims = {"iss": issuer(api_key), "apiKey": api_key, "iat": now, "exp": now + expiration, "sub": uid}
    if params.get("audience"):
        claims["aud"] = str(params["audience"])
    claims.update(_field_claims(doc, params.get("fields")))
    return {"id_token": sign_jwt(backend, site, claims)}


def _field_claims(doc: dict, fields: Any) -> dict:
    """``fields=profile.email,data.tier`` -> ``{"email": ..., "tier": ...}`` (I: claim = last path part)."""
    out = {}
    for path in [f.strip() for f in str(fields or "").split(",") if f.strip()]:
        value: Any = doc
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is not None:
            out[path.rsplit(".", 1)[-1]] = value
    return out


def get_jwt_public_key(backend: Any, api_key: str, params: dict) -> dict:
    """accounts.getJWTPublicKey: the JWK (``V2=true``: a JWKS ``{"keys": [jwk]}``)."""
    import json

    from cryptography.hazmat.primitives import serialization
    from jwt.algorithms import RSAAlgorithm

    site = backend.site(api_key)
    pem, kid = signing_key(backend, site.data_center)
    public = serialization.load_pem_private_key(pem.encode(), password=None).public_key()
    jwk = {**json.loads(RSAAlgorithm.to_jwk(public)), "alg": "RS256", "use": "sig", "kid": kid}
    return {"keys": [jwk]} if params.get("V2") else jwk


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
