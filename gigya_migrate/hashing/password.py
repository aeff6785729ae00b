"""Gigya's ``password`` object: verify, hash and validate it for every importFullAccount algorithm.

The mock uses these for login and import; the flows use them to build import payloads.
"""

import os
from collections.abc import Mapping

from gigya_migrate.hashing._encoding import b64encode, preview
from gigya_migrate.hashing.algorithms import RAW_HANDLERS
from gigya_migrate.hashing.crypt import CRYPT_HANDLERS
from gigya_migrate.hashing.errors import HashSettingsError
from gigya_migrate.hashing.handler import Handler
from gigya_migrate.hashing.sap import SapAbap
from gigya_migrate.hashing.settings import PasswordNotEncoded, Settings, _suggest, parse_settings

__all__ = [
    "ALGORITHMS",
    "EXTRA_ALGORITHMS",
    "HANDLERS",
    "get_handler",
    "verify_password",
    "hash_password",
    "validate_password_object",
    "site_hash",
    "SITE_HASH_SIZE",
]

_ORDER = ("md5", "sha1", "sha1_hashbytes", "sha256", "sha512", "sha512Hexa", "md5_double_salted", "md5_crypt",
          "bcrypt", "pbkdf2", "pbkdf2_sha256", "pbkdf2_sha512", "drupal", "symphony2")
ALGORITHMS: tuple[str, ...] = _ORDER
"""The importFullAccount ``hashSettings.algorithm`` names of the brief (all verified here)."""

EXTRA_ALGORITHMS: tuple[str, ...] = ("sap_abap",)
"""Further names in current SAP docs that are verified here too (hash-algorithms.md §5)."""

HANDLERS: dict[str, Handler] = {
    **{h.name: h for h in sorted(RAW_HANDLERS + CRYPT_HANDLERS, key=lambda h: _ORDER.index(h.name))},
    "sap_abap": SapAbap(),
}
"""Algorithm name -> handler (the registry)."""

_NOT_IMPLEMENTED = {
    "custom": "a remote hash service at hashSettings.URL (its contract is not public)",
}
_PASSWORD_KEYS = ("hashedPassword", "compoundHashedPassword", "hashSettings", "secretQuestionAndAnswer")

SITE_HASH_SIZE = 16
"""Bytes of Gigya's own pbkdf2 hashes (128 bits: its validator's "pbkdf2 with sha1 [Gigya] (128 bits)")."""


def get_handler(algorithm: str) -> Handler:
    """The handler for ``algorithm``, or :class:`HashSettingsError` saying which names exist."""
    handler = HANDLERS.get(algorithm)
    if handler is not None:
        return handler
    if algorithm in _NOT_IMPLEMENTED:
        raise HashSettingsError(
            f"algorithm {algorithm!r} is accepted by Gigya but not verified by this toolkit: "
            f"{_NOT_IMPLEMENTED[algorithm]}. Test these users against a real Gigya site."
        )
    raise HashSettingsError(
        f"unknown hashSettings.algorithm {algorithm!r}.{_suggest(algorithm, tuple(HANDLERS))} "
        f"Gigya accepts: {', '.join(HANDLERS)}, custom (case-sensitive)."
    )


def _compound_handler(hashed: str) -> Handler | None:
    return next((h for h in CRYPT_HANDLERS if h.identify(hashed)), None)


def _resolve(hashed: object, s: Settings) -> Handler:
    if not isinstance(hashed, str) or not hashed:
        raise HashSettingsError("the stored hash is empty or not a string.")
    compound = _compound_handler(hashed)
    if s.algorithm is None:
        if compound is None:
            raise HashSettingsError(
                f"hashSettings has no algorithm and {preview(hashed)} is not a crypt string Gigya recognises "
                "($1$, $2a$/$2b$/$2y$, $S$, $P$, $H$); set hashSettings.algorithm."
            )
        return compound
    handler = get_handler(s.algorithm)
    if compound is not None and compound is not handler:
        raise HashSettingsError(
            f"{preview(hashed)} is a {compound.name} crypt string but hashSettings.algorithm is "
            f"{s.algorithm!r}; send it as compoundHashedPassword without an algorithm."
        )
    return handler


def verify_password(password: str, hashed_password: "str | Mapping", hash_settings: Mapping | None = None) -> bool:
    """True if ``password`` matches ``hashed_password`` under ``hash_settings`` as Gigya would check it.

    ``hashed_password`` is the stored hash (with ``hash_settings``), or a whole password object: what
    :func:`~gigya_migrate.hashing.to_gigya_password` returns (``hashedPassword`` + ``hashSettings``,
    or ``compoundHashedPassword``), or what getAccountInfo returns (``hash`` + ``hashSettings``, also
    as a ``PasswordInfo`` model), so ``verify_password(pw, to_gigya_password(stored))`` works.
    With no algorithm, the hash must be a compound crypt string ($1$, $2b$, $S$, $P$, $H$).
    A wrong password returns False; malformed settings or hashes raise :class:`HashSettingsError`.
    """
    if not isinstance(password, str):
        raise TypeError(f"password must be str, not {type(password).__name__}")
    if not isinstance(hashed_password, str) and hashed_password is not None:
        hashed_password, hash_settings = _unpack_password_object(hashed_password, hash_settings)
    s = parse_settings(hash_settings)
    handler = _resolve(hashed_password, s)
    try:
        return handler.verify(password, hashed_password, s)
    except (UnicodeEncodeError, PasswordNotEncoded):  # lone surrogates / not hex or base64 text for a
        return False  # $password:hex|base64 template: no such bytes, so it cannot be the stored password


_HASH_KEYS = ("hashedPassword", "compoundHashedPassword", "hash")


def _unpack_password_object(value: object, hash_settings: Mapping | None) -> tuple[object, Mapping | None]:
    """(hash, settings) of a password object (a mapping, or a model with ``model_dump``)."""
    if hasattr(value, "model_dump"):  # gigya_migrate.models.PasswordInfo (getAccountInfo's password)
        value = value.model_dump(by_alias=True, exclude_none=True)
    if not isinstance(value, Mapping):
        raise TypeError(f"hashed_password must be a str or a password object, not {type(value).__name__}")
    given = [k for k in _HASH_KEYS if value.get(k)]
    if len(given) != 1:
        raise HashSettingsError(
            f"the password object needs exactly one of {', '.join(_HASH_KEYS)}; got {' and '.join(given) or 'none'}.")
    if hash_settings is not None:
        raise HashSettingsError("hash_settings is given twice: pass a password object alone, or a hash with "
                                "hash_settings.")
    return value[given[0]], value.get("hashSettings") or None


def hash_password(password: str, hash_settings: Mapping) -> str:
    """Hash ``password`` as Gigya would store it under ``hash_settings`` (base64, or a crypt string for
    md5_crypt, drupal and bcrypt without a salt)."""
    if not isinstance(password, str):
        raise TypeError(f"password must be str, not {type(password).__name__}")
    s = parse_settings(hash_settings)
    if s.algorithm is None:
        raise HashSettingsError("hashSettings.algorithm is required to hash a password.")
    try:
        return get_handler(s.algorithm).hash(password, s)
    except UnicodeEncodeError:
        raise HashSettingsError("the password is not valid Unicode text (it has lone surrogates).") from None


def validate_password_object(password: Mapping) -> None:
    """Check an importFullAccount ``password`` object; raise :class:`HashSettingsError` saying what to fix.

    Accepted shapes: ``{"hashedPassword": <base64>, "hashSettings": {"algorithm": ..., ...}}`` or
    ``{"compoundHashedPassword": "$2b$..."}`` (hashSettings absent or without an algorithm).
    """
    if not isinstance(password, Mapping):
        raise HashSettingsError(f"password must be an object, not {type(password).__name__}.")
    _check_password_keys(password)
    settings = password.get("hashSettings")
    if "compoundHashedPassword" in password:
        _validate_compound(password["compoundHashedPassword"], settings)
        return
    s = parse_settings(settings)
    if s.algorithm is None:
        raise HashSettingsError(
            "password.hashSettings.algorithm is required with hashedPassword (e.g. {\"algorithm\": \"sha1\"}); "
            "for a crypt string ($1$, $2b$, $S$...) use compoundHashedPassword instead."
        )
    hashed = password["hashedPassword"]
    handler = _resolve(hashed, s)
    if handler.identify(hashed):
        raise HashSettingsError(
            f"hashedPassword {preview(hashed)} is a whole {handler.name} crypt string; send it as "
            "compoundHashedPassword with no hashSettings."
        )
    handler.validate(hashed, s)


def _check_password_keys(password: Mapping) -> None:
    for key in password:
        if key == "hash":
            raise HashSettingsError(
                "password has 'hash' (the getAccountInfo export key); importFullAccount expects 'hashedPassword'."
            )
        if key not in _PASSWORD_KEYS:
            raise HashSettingsError(
                f"password has an unknown key {key!r}.{_suggest(str(key), _PASSWORD_KEYS)} "
                f"Known keys: {', '.join(_PASSWORD_KEYS)}."
            )
    _check_secret_question(password.get("secretQuestionAndAnswer"))
    given = [k for k in ("hashedPassword", "compoundHashedPassword") if k in password]
    if len(given) != 1:
        raise HashSettingsError(
            "password needs exactly one of hashedPassword (with hashSettings) or compoundHashedPassword; "
            f"got {' and '.join(given) or 'neither'}."
        )


def _check_secret_question(value: object) -> None:
    """``secretQuestionAndAnswer{secretQuestion, secretAnswer}`` (SAP importFullAccount reference), both text."""
    if value is None:
        return
    keys = ("secretQuestion", "secretAnswer")
    if not isinstance(value, Mapping) or set(value) - set(keys) or not all(isinstance(value.get(k), str) for k in keys):
        raise HashSettingsError(
            "password.secretQuestionAndAnswer must be {\"secretQuestion\": <text>, \"secretAnswer\": <text>}."
        )


def _validate_compound(hashed: object, settings: Mapping | None) -> None:
    s = parse_settings(settings)
    if s.algorithm is not None:
        raise HashSettingsError(
            "hashSettings.algorithm is not accepted together with compoundHashedPassword (SAP docs); "
            "drop hashSettings: the crypt string names its own algorithm."
        )
    handler = _resolve(hashed, s)
    handler.validate(hashed, s)


def site_hash(password: str, *, algorithm: str = "pbkdf2", rounds: int = 3000) -> dict:
    """Gigya's first-login re-hash: ``{"hash": ..., "hashSettings": {"algorithm", "rounds", "salt"}}``.

    *Inferred* parameters: Gigya re-hashes with "its algorithm of the day", pbkdf2 (seed 004, SAP CX
    Works); getAccountInfo's example shows pbkdf2 with 3000 rounds and a 16-byte hash. The salt size
    (16 random bytes) is not documented.
    """
    if algorithm not in ("pbkdf2", "pbkdf2_sha256", "pbkdf2_sha512"):
        raise HashSettingsError(f"site_hash supports the pbkdf2 family only, not {algorithm!r}.")
    settings = {"algorithm": algorithm, "rounds": rounds, "salt": b64encode(os.urandom(16))}
    handler = get_handler(algorithm)
    s = parse_settings(settings)
    handler.check_settings(s)
    digest = handler.compute(password, s, SITE_HASH_SIZE)
    return {"hash": b64encode(digest), "hashSettings": settings}
