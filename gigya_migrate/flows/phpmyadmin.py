"""phpMyAdmin's JSON export: the rows of one table of a MySQL database (WordPress ``wp_users``, ...).

phpMyAdmin (Export -> Format: JSON, its ``ExportJson`` plugin) writes one top-level array: a header
object, then per database a ``{"type": "database", "name": ...}`` object and per table
``{"type": "table", "name": ..., "database": ..., "data": [{row}, ...]}``, each row an object of
column -> value (strings, ``null`` for SQL NULL); the export of a query's results holds one
``{"type": "raw", "data": [...]}`` instead (read as the table ``RAW``)::

    [
    {"type":"header","version":"5.2.1","comment":"Export to JSON plugin for PHPMyAdmin"},
    {"type":"database","name":"wordpress"},
    {"type":"table","name":"wp_users","database":"wordpress","data":
    [
    {"ID":"1","user_login":"admin","user_pass":"$P$B...","user_email":"admin@example.com",...}
    ]
    }
    ]

The JSON reader (``steps.read_json_array``) recognises the header and yields the rows of the tables
instead of the export's own objects, still one row at a time (a table's ``data`` is never held
whole). A database export holds every table (``wp_options``, ``wp_posts``...): ``choose_table``
picks the one to import, and the commands refuse, naming the tables, when the choice is not clear.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from gigya_migrate.flows.runner import BadRecord

if TYPE_CHECKING:  # the parser lives with the other readers
    from gigya_migrate.flows.steps import _ArrayParser

__all__ = ["RAW", "choose_table", "is_header", "list_tables", "rows", "table_to_read"]

RAW = "raw-query"
"""The name given to the rows of an exported SQL query (``{"type": "raw", "data": [...]}``: phpMyAdmin's
export of a query's results), which have no table name."""


def is_header(value: object) -> bool:
    """True for the first object of a phpMyAdmin JSON export (``{"type": "header", "version": ...}``)."""
    if not isinstance(value, dict) or value.get("type") != "header":
        return False
    return "phpmyadmin" in str(value.get("comment", "")).lower() or set(value) <= {"type", "version", "comment"}


def rows(parser: "_ArrayParser", table: str | None) -> Iterator[dict | BadRecord]:
    """The rows of ``table`` (every table's when None), reading on after the header object.

    ``parser.tables`` collects each table's name and row count as it goes. A syntax error ends the
    reading with one ``BadRecord``, as for any JSON array; a ``table`` the file does not hold yields
    one ``BadRecord`` naming the tables it does.
    """
    while (sep := parser._peek()) == ",":
        parser._pos += 1
        if parser._peek() != "{":
            yield parser._bad("expected an object of the phpMyAdmin export (header, database or table)")
            return
        yield from _element(parser, table)
        if parser.broken:
            return
    if sep != "]":
        yield parser._bad(f"expected ',' or ']' but found {sep!r}" if sep else "the array is not closed")
        return
    parser._pos += 1
    if table is not None and table not in parser.tables:
        yield BadRecord({"_table": table}, "no-such-table",
                        f"the phpMyAdmin export has no table {table!r}; its tables: {_names(parser.tables)}")


def _element(parser: "_ArrayParser", table: str | None) -> Iterator[dict | BadRecord]:
    """One object of the export, member by member: a table's ``data`` is read row by row."""
    parser._pos += 1
    meta: dict = {}
    while (char := parser._peek()) == '"':
        key = parser.member_name()
        if isinstance(key, BadRecord):
            yield key
            return
        if key == "data" and meta.get("type") in ("table", "raw") and parser._peek() == "[":
            name = str(meta.get("name")) if meta.get("type") == "table" else RAW
            yield from _table_rows(parser, name, table)
        else:
            meta[key] = parser._decode()
            if isinstance(meta[key], BadRecord):
                yield meta[key]
                return
        if parser.broken:
            return
        if parser._peek() == ",":
            parser._pos += 1
    if char != "}":
        yield parser._bad(f"expected a member name but found {char!r}" if char else "the object is not closed")
        return
    parser._pos += 1


def _table_rows(parser: "_ArrayParser", name: str, table: str | None) -> Iterator[dict | BadRecord]:
    """A table's rows: yielded when it is the chosen one, else parsed and dropped (only counted)."""
    parser.tables.setdefault(name, 0)
    parser._index = 0  # "array element N" counts the rows of this table
    chosen = table is None or name == table
    for row in parser.items(top=False):
        if isinstance(row, dict):
            parser.tables[name] += 1
        if chosen or parser.broken:
            yield row


def _names(tables: dict[str, int]) -> str:
    return ", ".join(f"{name} ({count:,} row{'s' * (count != 1)})" for name, count in tables.items()) or "none"


def list_tables(path: str | Path, *, format: str | None = None,
                encoding: str | None = None) -> dict[str, int] | None:
    """The tables of a phpMyAdmin JSON export at ``path`` and their row counts (a read-only pass),
    or None when the file is not one (any other JSON or CSV: nothing more is read)."""
    from gigya_migrate.flows.steps import _BROKEN_STREAM, _ArrayParser, _first_char, detect_format, open_text

    try:
        if (format or detect_format(path)).lower() != "json" or _first_char(path, encoding) != "[":
            return None
    except ValueError:  # no format known, or a corrupt .gz: the run reports it
        return None
    try:
        with open_text(path, encoding=encoding) as handle:
            parser = _ArrayParser(handle, 1 << 16)
            for _ in parser.records():
                if not parser.phpmyadmin:
                    return None
    except _BROKEN_STREAM:  # a corrupt .gz: the run reports it, with what it could read
        return None
    return parser.tables if parser.phpmyadmin else None


def choose_table(tables: dict[str, int], wanted: str | None, default: str | None = None) -> str:
    """The table to import: ``wanted`` (``--table``, a name or a shell pattern such as ``*users``),
    else the one table matching ``default`` (a preset's, WordPress ``*users``), else the only table.

    ``ValueError`` naming the export's tables when that is not exactly one table.
    """
    if wanted is not None:
        found = [name for name in tables if fnmatchcase(name, wanted)]
        if len(found) == 1:
            return found[0]
        what = "no table matches" if not found else f"{len(found)} tables match"
        raise ValueError(f"{what} --table {wanted!r} in the phpMyAdmin export; its tables: {_names(tables)}")
    found = [name for name in tables if default and fnmatchcase(name, default)]
    if len(found) == 1:
        return found[0]
    if len(tables) == 1:
        return next(iter(tables))
    if not tables:
        raise ValueError("the phpMyAdmin export holds no table")
    raise ValueError(f"the phpMyAdmin export holds {len(tables)} tables: {_names(tables)}; choose the one with "
                     "the users with --table NAME (e.g. --table wp_users)")


def table_to_read(path: str | Path, wanted: str | None, default: str | None = None, *, format: str | None = None,
                  encoding: str | None = None, name: str | None = None) -> tuple[str | None, str | None]:
    """For the commands: the table of the phpMyAdmin export at ``path`` to read and a line saying so,
    or ``(None, None)`` for any other input. ``ValueError`` when the choice is not one table, or when
    ``wanted`` (``--table``) is given for a file that is not such an export (``name``: how to call it).
    """
    tables = list_tables(path, format=format, encoding=encoding)
    if tables is None:
        if wanted is not None:
            raise ValueError(f"{name or path} is not a phpMyAdmin JSON export: --table picks a table of one")
        return None, None
    chosen = choose_table(tables, wanted, default)
    others = [table for table in tables if table != chosen]
    return chosen, (f"phpMyAdmin export: reading table {chosen} ({tables[chosen]:,} row{'s' * (tables[chosen] != 1)})"
                    + (f"; not read: {', '.join(others)}" if others else ""))
