"""Control characters in identities: one rule for the readers and the mock.

A NUL or another C0 control character (and DEL) in a login ID, a UID or a query is never data: it is
a broken export, an injection attempt, or a byte the next system truncates at (C strings, some
databases). Tab, line feed and carriage return are allowed in free text (a note, a multi-line query)
but not in identifiers. The readers turn a record holding one into an error record
(``control-character``); the mock answers 400006.
"""

from __future__ import annotations

import re

__all__ = ["IN_IDENTIFIER", "IN_TEXT", "describe", "find"]

IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Refused anywhere (free text keeps tab, LF and CR)."""
IN_IDENTIFIER = re.compile("[\x00-\x1f\x7f]")
"""Refused in a UID, login ID, email or username."""


def find(text: str, pattern: re.Pattern = IN_TEXT) -> str | None:
    """The first refused character of ``text`` as ``U+0000``, or None."""
    found = pattern.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def describe(where: str, code_point: str) -> str:
    """The reason given for a refused value."""
    return (f"{where} holds the control character {code_point} (NUL or another non-printing character): "
            "fix the source data; it is never part of a valid value")
