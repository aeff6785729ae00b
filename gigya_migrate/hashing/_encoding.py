"""Byte/text encodings shared by the hash handlers: strict and lenient base64, bcrypt's and phpass's
base64 alphabets, and a safe preview of a hash for error messages."""

import base64
import binascii
import re

from gigya_migrate.hashing.errors import HashSettingsError

__all__ = [
    "b64encode",
    "decode_hash_b64",
    "decode_salt_b64",
    "bcrypt64_encode",
    "bcrypt64_decode",
    "looks_hex",
    "preview",
]

_STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_BCRYPT = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_TO_BCRYPT = str.maketrans(_STD, _BCRYPT)
_FROM_BCRYPT = str.maketrans(_BCRYPT, _STD)
_B64_BODY = re.compile(r"[A-Za-z0-9+/]*")
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")


def preview(value: object, keep: int = 6) -> str:
    """A short, quoted prefix of a hash for messages: never the whole value."""
    text = str(value)
    if len(text) <= keep:
        return repr(text) if len(text) < 4 else repr(text[:2] + "…")
    return repr(text[:keep] + "…") + f" ({len(text)} chars)"


def looks_hex(text: str) -> bool:
    """True if ``text`` is an even-length run of hex digits (a hex-encoded digest)."""
    return bool(_HEX.fullmatch(text))


def b64encode(data: bytes) -> str:
    """Standard (RFC 4648, ``+/``, padded) base64 text, as Gigya stores hashes and salts."""
    return base64.b64encode(data).decode("ascii")


def _alphabet_problem(text: str) -> str | None:
    body = text.rstrip("=")
    if _B64_BODY.fullmatch(body):
        return None
    if any(c.isspace() for c in body):
        return "it contains whitespace; remove it"
    if any(c in "-_" for c in body):
        return "it uses the URL-safe alphabet (- and _); use standard base64 with + and /"
    if "=" in body:
        return "it has '=' in the middle; padding may only end the value"
    bad = sorted({c for c in body if not (c.isascii() and (c.isalnum() or c in "+/"))})
    return f"it contains characters outside the base64 alphabet ({''.join(bad)[:10]!r})"


def decode_hash_b64(text: str, *, field: str = "hashedPassword") -> bytes:
    """Decode a hash that must be strict standard base64 (as Gigya's importer requires)."""
    if not isinstance(text, str) or not text:
        raise HashSettingsError(f"{field} is empty or not a string; give the base64 of the raw digest")
    problem = _alphabet_problem(text)
    if problem is None and len(text) % 4:
        problem = f"its length {len(text)} is not a multiple of 4 (missing or extra '=' padding)"
    if problem is None and len(text) - len(text.rstrip("=")) > 2:
        problem = "it ends with more than two '='"
    if problem:
        raise HashSettingsError(f"{field} {preview(text)} is not valid base64: {problem}.")
    return base64.b64decode(text, validate=True)


def decode_salt_b64(text: str, *, field: str = "hashSettings.salt") -> bytes:
    """Decode a base64 salt leniently about padding: real Gigya exports carry surplus '=' (doc §3.7)."""
    problem = _alphabet_problem(text)
    body = text.rstrip("=")
    if problem is None and len(body) % 4 == 1:
        problem = f"{len(body)} base64 characters cannot encode whole bytes (one too many or too few)"
    if problem:
        raise HashSettingsError(
            f"{field} {text[:12]!r} is not valid base64: {problem}. Without a format template the salt "
            "must be the base64 of the salt bytes (e.g. base64.b64encode(salt_bytes))."
        )
    return base64.b64decode(body + "=" * (-len(body) % 4))


def bcrypt64_encode(data: bytes) -> str:
    """bcrypt's base64 (alphabet ``./A-Za-z0-9``, big-endian bit order, no padding)."""
    return b64encode(data).rstrip("=").translate(_TO_BCRYPT)


def bcrypt64_decode(text: str) -> bytes:
    """Inverse of :func:`bcrypt64_encode`."""
    body = text.translate(_FROM_BCRYPT)
    try:
        return base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except binascii.Error as exc:
        raise HashSettingsError(f"bcrypt text {preview(text)} is not bcrypt-base64: {exc}") from None
