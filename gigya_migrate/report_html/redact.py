"""What a person may see of a record: no secret, no cleartext password, no full password hash.

Used by the HTML run report (a sample of failed records) and the mock's web console (audit log
parameters, account pages). Two rules, applied together:

- a field whose *name* says it holds a credential (password, hash, salt, secret, token ...) is
  replaced by ``[redacted]`` whatever its value;
- any other text that *looks* like a hash (a crypt string ``$2b$...``, a Django/PHC string, a long
  hex or base64 run) keeps its first characters and loses the rest, so a hash that landed in an
  unexpected column (a shifted CSV row, an error message quoting it) is not shown whole either.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["REDACTED", "is_secret_name", "redact", "scrub_text"]

REDACTED = "[redacted]"

# name fragments, compared case-insensitively against the field name without separators
_SECRET_PARTS = ("password", "passwd", "pwd", "pw", "hash", "salt", "secret", "token", "credential", "privatekey",
                 "securityanswer", "secretanswer", "otp", "pin")  # parts of 3 letters or fewer match the whole name
_NOT_SECRET = frozenset({"hashsettings", "hashformat", "hashformats", "hashalgorithm", "haspassword",
                         "passwordalgorithm", "opt", "spinner"})
_DESCRIBES = ("scheme", "algorithm", "format", "settings", "policy", "count", "rehash", "less")  # about a secret, not one
_KEEP = 6  # characters of a hash-like text that stay visible
# identifiers that look like hex digests (a UID is often 32 hex characters) but are shown whole
_ID_NAMES = frozenset({"uid", "callid", "id", "provideruid", "apikey", "userkey"})

_HASHLIKE = re.compile(
    r"\$[0-9a-z]{1,10}\$[^\s\"',;]{8,}"                     # crypt / PHC: $2b$10$..., $argon2id$v=19$...
    r"|\b[a-z0-9_]+\$\d+\$[^\s\"',;$]+\$[^\s\"',;]{8,}"     # django pbkdf2_sha256$260000$salt$hash
    r"|\b[0-9a-fA-F]{24,}\b"                                 # hex digests (md5 and longer)
    r"|(?<![\w/+])[A-Za-z0-9+/]{24,}={0,2}(?![\w/+=])",      # base64 digests and keys
    re.IGNORECASE,
)


def is_secret_name(name: str) -> bool:
    """True when a field called ``name`` holds a credential (``password``, ``hashedPassword``, ...)."""
    folded = re.sub(r"[^a-z]", "", str(name).lower())
    if folded in _NOT_SECRET or any(part in folded for part in _DESCRIBES):
        return False
    words = set(re.split(r"[^a-z]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name)).lower()))  # user_pw, userPw
    return any(part == folded or part in words or (len(part) > 3 and part in folded) for part in _SECRET_PARTS)


def scrub_text(text: str) -> str:
    """``text`` with every hash-like run cut to its first characters (``$2b$10…``)."""
    return _HASHLIKE.sub(lambda m: m.group(0)[:_KEEP] + "…", text)


def redact(value: Any, *, name: str = "") -> Any:
    """A copy of ``value`` (dicts, lists, scalars) safe to show: see the module docstring."""
    if name and is_secret_name(name):
        return REDACTED if value not in (None, "", [], {}) else value
    if isinstance(value, dict):
        return {key: redact(item, name=str(key)) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(item) for item in value]
    if isinstance(value, str):
        return value if re.sub(r"[^a-z]", "", name.lower()) in _ID_NAMES else scrub_text(value)
    return value
