"""Parameters the mock refuses before any handler runs: NUL and control characters.

One rule with the toolkit's readers (:mod:`gigya_migrate.control_chars`): a NUL anywhere (a raw
form value, or a string inside a JSON parameter) and any control character in an identifier (UID,
login ID, email, username) or a C0 control other than tab/LF/CR in a query answer 400006 Invalid
parameter value, naming the parameter. Gigya documents nothing here (*inferred*: it validates
login IDs as emails/usernames, which cannot hold control characters); refusing keeps bytes that
C-string code truncates at out of the store and the audit log.
"""

from __future__ import annotations

from typing import Any, Mapping

from gigya_migrate import control_chars
from mock_gigya.errors import MockGigyaError

__all__ = ["IDENTIFIER_PARAMS", "check_params"]

IDENTIFIER_PARAMS = frozenset({"UID", "uid", "loginID", "username", "email", "newEmail", "cursorId"})
"""Parameters that name an account or a cursor: no control character at all."""

_TEXT_PARAMS = frozenset({"query"})
_LOGIN_ID_KEYS = ("emails", "username", "unverifiedEmails")


def check_params(params: Mapping[str, Any], raw: Mapping[str, Any] | None = None) -> None:
    """Raise ``MockGigyaError`` 400006 for the first refused parameter value (decoded params).

    ``raw``, the same parameters as received (form strings), lets a value whose text holds neither a
    NUL nor a JSON ``\\u0000`` escape skip the walk through its decoded objects: it cannot hold a NUL."""
    for name, value in params.items():
        if not isinstance(name, str):
            continue
        pattern = (control_chars.IN_IDENTIFIER if name in IDENTIFIER_PARAMS
                   else control_chars.IN_TEXT if name in _TEXT_PARAMS else None)
        if isinstance(value, str) and pattern is not None and (code := control_chars.find(value, pattern)):
            raise MockGigyaError.invalid(name, control_chars.describe(name, code))
        if name == "loginIDs" and isinstance(value, Mapping):
            _check_login_ids(value)
        text = raw.get(name) if raw is not None else None
        if type(text) is str and "\x00" not in text and "\\u0000" not in text:
            continue
        if (where := _nul_in(value)) is not None:
            raise MockGigyaError.invalid(name, control_chars.describe(f"{name}{where}", "U+0000"))


def _check_login_ids(value: Mapping) -> None:
    for key in _LOGIN_ID_KEYS:
        items = value.get(key)
        for item in items if isinstance(items, list) else [items]:
            if isinstance(item, str) and (code := control_chars.find(item, control_chars.IN_IDENTIFIER)):
                raise MockGigyaError.invalid("loginIDs", control_chars.describe(f"loginIDs.{key}", code))


def _nul_in(value: Any) -> str | None:
    """Where a NUL is inside ``value`` ("" for the value itself, ".a.b" inside JSON), or None; no recursion."""
    stack = [(value, "")]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return where
        elif isinstance(item, Mapping):
            stack.extend((v, f"{where}.{k}") for k, v in item.items())
            stack.extend((k, f"{where}.{k}") for k in item if isinstance(k, str))
        elif isinstance(item, list):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(item))
    return None
