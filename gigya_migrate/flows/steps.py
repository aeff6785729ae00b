"""Readers, transforms and file writers: the components of a flow (IdentitySync's building blocks).

Readers yield plain dicts one at a time and never hold a whole file: CSV/DSV with any separator,
JSON arrays (parsed incrementally), JSON Lines, each optionally gzip-compressed (``.gz``). A row
that cannot be parsed is not an exception: the reader yields a ``BadRecord`` that the runner sends
to the error output with its reason, and reading goes on.

Writers (``JsonlWriter``, ``CsvWriter``, ``open_writer``) write records as they come and hold
nothing but the open file; the runner's error output and export flows use them.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path
from typing import Any, Iterable, Iterator

from gigya_migrate.flows.runner import BadRecord

__all__ = [
    "CsvWriter",
    "JsonlWriter",
    "open_text",
    "open_writer",
    "read_csv",
    "read_json_array",
    "read_jsonl",
    "read_records",
]


# ---------------------------------------------------------------------------------------------
# opening files


def open_text(path: str | Path, mode: str = "r"):
    """Open a text file for reading/writing/appending, through gzip when the name ends in .gz."""
    path = Path(path)
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, mode.replace("t", "") + "b"), encoding="utf-8", newline="")
    return open(path, mode, encoding="utf-8", newline="")


def _base_suffix(path: Path) -> str:
    return Path(path.stem).suffix.lower() if path.suffix == ".gz" else path.suffix.lower()


# ---------------------------------------------------------------------------------------------
# writers


class JsonlWriter:
    """Write one JSON object per line; ``append`` continues an existing file (resume)."""

    def __init__(self, path: str | Path, *, append: bool = False) -> None:
        self.path = Path(path)
        self._file = open_text(self.path, "a" if append else "w")

    def write(self, record: dict) -> None:
        """Write one record."""
        self._file.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")

    def flush(self) -> None:
        """Push written lines to the OS (survives a killed process)."""
        self._file.flush()

    def close(self) -> None:
        """Flush and close."""
        self._file.close()


class CsvWriter:
    """Write records as CSV rows. Nested values are written as JSON text.

    The header is ``fields`` when given, else the first record's keys. A later record with a key
    outside the header does not lose it: such keys go, as a JSON object, into an ``_extra`` column.
    Appending to an existing file reuses its header.
    """

    EXTRA = "_extra"

    def __init__(self, path: str | Path, *, fields: Iterable[str] | None = None, delimiter: str = ",",
                 append: bool = False) -> None:
        self.path = Path(path)
        self._delimiter = delimiter
        self._fields = list(fields) if fields else None
        if append and self.path.exists() and self.path.stat().st_size:
            with open_text(self.path) as existing:
                self._fields = next(csv.reader(existing, delimiter=delimiter))
            self._header_written = True
        else:
            append, self._header_written = False, False
        self._file = open_text(self.path, "a" if append else "w")
        self._csv = csv.writer(self._file, delimiter=delimiter)

    def write(self, record: dict) -> None:
        """Write one record (the header first, on the first call)."""
        if self._fields is None:
            self._fields = list(record)
        if not self._header_written:
            if self.EXTRA not in self._fields:
                self._fields.append(self.EXTRA)
            self._csv.writerow(self._fields)
            self._header_written = True
        extra = {k: v for k, v in record.items() if k not in self._fields}
        row = [_cell(record.get(name)) for name in self._fields]
        if extra:
            row[self._fields.index(self.EXTRA)] = json.dumps(extra, ensure_ascii=False, default=str)
        self._csv.writerow(row)

    def flush(self) -> None:
        """Push written rows to the OS."""
        self._file.flush()

    def close(self) -> None:
        """Flush and close."""
        self._file.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list, bool)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def open_writer(path: str | Path, *, format: str | None = None, append: bool = False, **options: Any):
    """A ``JsonlWriter`` or ``CsvWriter`` for ``path``; the format comes from the name unless given."""
    path = Path(path)
    fmt = (format or _base_suffix(path).lstrip(".") or "jsonl").lower()
    if fmt in ("csv", "dsv", "tsv"):
        if fmt == "tsv":
            options.setdefault("delimiter", "\t")
        return CsvWriter(path, append=append, **options)
    if fmt in ("jsonl", "ndjson", "json"):
        return JsonlWriter(path, append=append)
    raise ValueError(f"unknown output format {fmt!r} (csv or jsonl)")
