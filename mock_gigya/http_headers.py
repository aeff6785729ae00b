"""Reading an HTTP/1.1 request's header block for ``mock-gigya serve``, without ``email.parser``.

``http.server`` hands the header block to ``email.parser`` (a MIME parser) through
``http.client.parse_headers``: about a third of the server's Python work per call. :func:`read_headers`
reads the same lines with the same limits (a line over 65,536 bytes raises ``LineTooLong``, more than
100 headers ``HTTPException``) and gives what ``email.message.Message`` gave the server: ``get`` is
case-insensitive and answers the first of a repeated header, ``items`` lists every header in order.
It keeps the parser's leniency: a folded (continued) line joins the header before it, and a line
that is not ``name: value`` ends the headers (the parser took the rest for a body).
"""

from __future__ import annotations

import re
from http.client import HTTPException, LineTooLong
from typing import Any, BinaryIO, Iterator

__all__ = ["MAX_HEADERS", "MAX_LINE", "RequestHeaders", "read_headers"]

MAX_LINE = 65536
"""Longest header line (``http.client._MAXLINE``)."""
MAX_HEADERS = 100
"""Most header lines (``http.client._MAXHEADERS``)."""

_HEADER_LINE = re.compile(r"[\x21-\x39\x3b-\x7e]*:")  # email.feedparser's headerRE, less "From "
_END = (b"\r\n", b"\n", b"")


class RequestHeaders:
    """A request's headers: ``get(name, default)`` (case-insensitive, first of a repeated header),
    ``items()``, ``keys()``, ``values()``, ``get_all(name)``, ``name in headers``, ``headers[name]``
    (None when absent), as ``email.message.Message`` offers them."""

    __slots__ = ("_items", "_first")

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._items = items
        self._first: dict[str, str] = {}
        for name, value in items:
            self._first.setdefault(name.lower(), value)

    def get(self, name: str, default: Any = None) -> Any:
        """The first value of ``name`` (any case), or ``default``."""
        return self._first.get(name.lower(), default)

    def __getitem__(self, name: str) -> str | None:
        return self._first.get(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._first

    def get_all(self, name: str, failobj: Any = None) -> list[str] | Any:
        """Every value of ``name`` (any case) in order, or ``failobj``."""
        found = [value for key, value in self._items if key.lower() == name.lower()]
        return found or failobj

    def items(self) -> list[tuple[str, str]]:
        """``(name, value)`` of every header, in order."""
        return list(self._items)

    def keys(self) -> list[str]:
        """Every header name, in order."""
        return [name for name, _ in self._items]

    def values(self) -> list[str]:
        """Every header value, in order."""
        return [value for _, value in self._items]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._items)

    def __str__(self) -> str:
        return "".join(f"{name}: {value}\n" for name, value in self._items) + "\n"


def read_headers(rfile: BinaryIO) -> RequestHeaders:
    """Read the header block (through its empty line) from ``rfile``; raises ``LineTooLong`` or
    ``HTTPException`` (too many headers) as ``http.client.parse_headers`` does."""
    lines = []
    while True:
        line = rfile.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise LineTooLong("header line")
        lines.append(line)
        if len(lines) > MAX_HEADERS:
            raise HTTPException(f"got more than {MAX_HEADERS} headers")
        if line in _END:
            break
    # split again as the email parser does: a lone CR ends a line there too
    return RequestHeaders(_parsed(b"".join(lines[:-1]).splitlines(keepends=True)))


def _parsed(lines: list[bytes]) -> list[tuple[str, str]]:
    """``(name, value)`` pairs as ``email.feedparser`` + the compat32 policy build them."""
    items: list[tuple[str, str]] = []
    folding = False  # whether a folded line would continue the last header
    for raw in lines:
        line = raw.decode("iso-8859-1")
        if line[:1] in (" ", "\t"):  # a folded line continues the header just before it (if any)
            if folding:
                items[-1] = (items[-1][0], items[-1][1] + line)
            continue
        folding = False
        if line.startswith("From "):  # a Unix "From " line: the parser sets it aside
            continue
        if not _HEADER_LINE.match(line):
            break  # not a header: the parser ended the headers here
        name, value = line.split(":", 1)
        if name:  # ":value" has no name: the parser dropped it
            items.append((name, value.lstrip(" \t")))
            folding = True
    return [(name, value.rstrip("\r\n")) for name, value in items]
