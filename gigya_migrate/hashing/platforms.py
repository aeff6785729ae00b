"""Password stores of identity platforms that are not one self-describing string.

* Auth0 ``custom_password_hash`` objects (bulk user import schema): ``{algorithm, hash: {value,
  encoding, digest, key}, salt: {value, encoding, position}, password: {encoding}}``;
* Keycloak realm-export credentials: the old flat form (``hashedSaltedValue``, ``salt``,
  ``hashIterations``, ``algorithm``) and the newer one whose ``secretData``/``credentialData`` are
  JSON text;
* platform schemes named in a mapping (``force_scheme``) because the value alone cannot say what it
  is: ``firebase_scrypt`` (Firebase's modified scrypt, never importable).

:func:`convert_structured` turns such a value into a :class:`~gigya_migrate.hashing.legacy.Conversion`,
raises :class:`UnsupportedHash` (named) for what Gigya cannot verify and :class:`NoPassword` for a
user that has no password at all.
"""

from __future__ import annotations

import json
from typing import Any

from gigya_migrate.hashing.errors import HashSettingsError, NoPassword, UnsupportedHash
from gigya_migrate.hashing.legacy import Conversion, _b64, _compound, _raw, _unhex, to_gigya_password
from gigya_migrate.hashing.password import validate_password_object

__all__ = ["PLATFORM_SCHEMES", "FIREBASE_OPTIONS", "convert_structured", "platform_scheme"]

FIREBASE_OPTIONS = (
    "import the users without passwords and send each a password-reset email",
    "keep Firebase as a login fallback (lazy migration): on a user's first Gigya login, check the password "
    "with Firebase and set it in Gigya (accounts.setAccountInfo newPassword)",
)
"""What a Firebase migration can do instead of importing its scrypt hashes."""

PLATFORM_SCHEMES = ("auth0", "keycloak", "firebase_scrypt")
"""Scheme names (``password.force_scheme``) for platform stores; see :func:`platform_scheme`."""


def platform_scheme(value: Any, scheme: str) -> Conversion:
    """Read ``value`` as the platform scheme ``scheme`` (one of :data:`PLATFORM_SCHEMES`)."""
    if scheme == "firebase_scrypt":
        raise UnsupportedHash("firebase scrypt", "Firebase's modified scrypt (signer key, salt separator, rounds, "
                              "mem_cost) is not among Gigya's hash algorithms", alternatives=FIREBASE_OPTIONS)
    if scheme == "auth0":
        return auth0_custom(_object(value, "auth0 custom_password_hash"))
    if scheme == "keycloak":
        return keycloak(value)
    raise HashSettingsError(f"unknown platform scheme {scheme!r}; use one of {', '.join(PLATFORM_SCHEMES)}.")


def convert_structured(value: Any) -> Conversion:
    """A structured password value (a dict or list, or JSON text of one) by its shape."""
    value = _parsed(value)
    if isinstance(value, dict) and "algorithm" in value and "hash" in value:
        return auth0_custom(value)
    if isinstance(value, (dict, list)):
        return keycloak(value)
    raise HashSettingsError(f"a {type(value).__name__} is not a password structure this toolkit reads "
                            "(an Auth0 custom_password_hash or Keycloak credentials).")


# ---------------------------------------------------------------------------------------------
# Auth0 custom_password_hash


_AUTH0_DIGESTS = {"md5": "md5", "sha1": "sha1", "sha256": "sha256", "sha512": "sha512"}
_PBKDF2 = {"sha1": "pbkdf2", "sha256": "pbkdf2_sha256", "sha512": "pbkdf2_sha512"}
# Auth0's password.encoding -> the binaryFormat token encoding (utf8 unless said otherwise)
_PASSWORD_ENCODINGS = {None: "utf8", "utf8": "utf8", "ascii": "utf8", "utf16le": "utf16", "ucs2": "utf16"}


def auth0_custom(spec: dict) -> Conversion:
    """An Auth0 ``custom_password_hash`` object -> Gigya password (or ``UnsupportedHash`` naming it)."""
    algorithm = str(spec.get("algorithm") or "").lower()
    hash_spec = spec.get("hash") if isinstance(spec.get("hash"), dict) else {}
    value = hash_spec.get("value")
    if not isinstance(value, str) or not value:
        raise HashSettingsError("auth0 custom_password_hash has no hash.value.")
    if algorithm in ("bcrypt", "ldap"):
        password = _compound(value) if algorithm == "bcrypt" else to_gigya_password(value)
        return _checked(f"auth0 {algorithm}", password)
    if algorithm == "pbkdf2":
        return _checked("auth0 pbkdf2", _auth0_pbkdf2(value))
    if algorithm == "hmac":
        digest = hash_spec.get("digest", "?")
        raise UnsupportedHash(f"auth0 hmac-{digest}", "a keyed HMAC: Gigya's algorithms take no secret key")
    if algorithm not in _AUTH0_DIGESTS:
        detail = {"argon2": "memory-hard KDF, not an importFullAccount algorithm",
                  "md4": "MD4 is not in Gigya's list"}.get(algorithm, "not in Gigya's list")
        raise UnsupportedHash(f"auth0 {algorithm or 'unknown algorithm'}", detail)
    return _checked(f"auth0 {algorithm}", _auth0_digest(algorithm, value, hash_spec, spec))


def _auth0_digest(algorithm: str, value: str, hash_spec: dict, spec: dict) -> dict:
    digest = _decode(value, hash_spec.get("encoding") or "hex", "hash.value")
    password_spec = spec.get("password") if isinstance(spec.get("password"), dict) else {}
    encoding = password_spec.get("encoding")
    if encoding not in _PASSWORD_ENCODINGS:
        raise UnsupportedHash(f"auth0 {algorithm} with password.encoding {encoding}",
                              "Gigya encodes the password as utf8, utf16 or utf32 only")
    token = _PASSWORD_ENCODINGS[encoding]
    salt_spec = spec.get("salt") if isinstance(spec.get("salt"), dict) else None
    if not salt_spec or not salt_spec.get("value"):
        return _raw(algorithm, digest, binaryFormat=None if token == "utf8" else f"$password:{token}")
    salt = _decode(salt_spec["value"], salt_spec.get("encoding") or "utf8", "salt.value")
    position = salt_spec.get("position") or "prefix"
    if position not in ("prefix", "suffix"):
        raise HashSettingsError(f"auth0 salt.position is prefix or suffix, not {position!r}.")
    parts = ["$salt:hex", f"$password:{token}"]
    template = "".join(parts if position == "prefix" else parts[::-1])
    return _raw(algorithm, digest, salt=salt.hex(), binaryFormat=template)


def _auth0_pbkdf2(value: str) -> dict:
    """``$pbkdf2-<digest>$i=<iterations>,l=<length>$<B64 salt>$<B64 hash>`` (PHC string format)."""
    parts = value.split("$")
    if len(parts) != 5 or parts[0] or not parts[1].startswith("pbkdf2-"):
        raise HashSettingsError("auth0 pbkdf2 values are PHC strings $pbkdf2-<digest>$i=<n>,l=<len>$<salt>$<hash>.")
    digest = parts[1].removeprefix("pbkdf2-")
    if digest not in _PBKDF2:
        raise UnsupportedHash(f"auth0 pbkdf2-{digest}", "Gigya's PBKDF2 uses HMAC-SHA1, -SHA256 or -SHA512 only")
    params = dict(p.split("=", 1) for p in parts[2].split(",") if "=" in p)
    if not params.get("i", "").isdigit():
        raise HashSettingsError("auth0 pbkdf2 value has no i=<iterations> parameter.")
    salt, key = _b64(parts[3], "pbkdf2 salt"), _b64(parts[4], "pbkdf2 hash")
    return _raw(_PBKDF2[digest], key, rounds=int(params["i"]), salt=salt)


# ---------------------------------------------------------------------------------------------
# Keycloak


_KEYCLOAK = {"pbkdf2": "pbkdf2", "pbkdf2-sha256": "pbkdf2_sha256", "pbkdf2-sha512": "pbkdf2_sha512"}


def keycloak(value: Any) -> Conversion:
    """Keycloak ``credentials`` (the list, or one credential) -> Gigya password; a user without a
    password credential raises ``NoPassword``."""
    value = _parsed(value)
    credentials = value if isinstance(value, list) else [value]
    found = next((c for c in credentials if isinstance(c, dict) and c.get("type", "password") == "password"), None)
    if found is None:
        raise NoPassword("no password credential")
    secret, data = _parsed(found.get("secretData")) or {}, _parsed(found.get("credentialData")) or {}
    stored = secret.get("value") or found.get("hashedSaltedValue") or found.get("value")
    salt = secret.get("salt") or found.get("salt")
    rounds = data.get("hashIterations") or found.get("hashIterations")
    algorithm = str(data.get("algorithm") or found.get("algorithm") or "pbkdf2-sha256")
    if not stored:
        raise NoPassword("no password credential")
    if str(stored).startswith("$2"):
        return _checked("keycloak bcrypt", _compound(stored))
    if algorithm not in _KEYCLOAK:
        raise UnsupportedHash(f"keycloak {algorithm}", "not an importFullAccount algorithm")
    if not salt or not str(rounds).isdigit():
        raise HashSettingsError(f"keycloak {algorithm} credential lacks its salt or hashIterations.")
    password = _raw(_KEYCLOAK[algorithm], _b64(str(stored).strip(), "keycloak value"), rounds=int(rounds),
                    salt=_b64(str(salt).strip(), "keycloak salt"))
    return _checked(f"keycloak {algorithm}", password)


# ---------------------------------------------------------------------------------------------
# helpers


def _checked(name: str, password: dict) -> Conversion:
    validate_password_object(password)
    return Conversion(name, password)


def _parsed(value: Any) -> Any:
    """JSON text of an object or array, parsed (Keycloak's secretData); anything else as it is."""
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise HashSettingsError("a password field holds text that looks like JSON but is not.") from None
    return value


def _object(value: Any, what: str) -> dict:
    value = _parsed(value)
    if not isinstance(value, dict):
        raise HashSettingsError(f"{what} must be an object, not {type(value).__name__}.")
    return value


def _decode(text: str, encoding: str, what: str) -> bytes:
    if encoding == "hex":
        return _unhex(text, f"auth0 {what}")
    if encoding == "base64":
        return _b64(text, f"auth0 {what}")
    if encoding == "utf8":
        return text.encode("utf-8")
    raise HashSettingsError(f"auth0 {what}: unknown encoding {encoding!r} (hex, base64 or utf8).")
