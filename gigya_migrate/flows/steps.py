"""Readers, transforms and file writers: the components of a flow (IdentitySync's building blocks).

Readers yield plain dicts one at a time and never hold a whole file: CSV/DSV with any separator,
JSON arrays (parsed incrementally), JSON Lines, each optionally gzip-compressed (``.gz``). A row
that cannot be parsed is not an exception: the reader yields a ``BadRecord`` that the runner sends
to the error output with its reason, and reading goes on.

Writers (``JsonlWriter``, ``CsvWriter``, ``open_writer``) write records as they come and hold
nothing but the open file; the runner's error output and export flows use them.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import zlib
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from gigya_migrate import control_chars
from gigya_migrate.flows import phpmyadmin
from gigya_migrate.flows.runner import BadRecord
from gigya_migrate.flows.values import column_label

__all__ = [
    "FORMATS",
    "CsvWriter",
    "InputError",
    "count_in_background",
    "csv_header",
    "detect_format",
    "JsonlWriter",
    "open_text",
    "open_writer",
    "read_csv",
    "read_json_array",
    "read_jsonl",
    "read_records",
    "readable_input",
    "spool_stdin",
    "STDIN",
]


# ---------------------------------------------------------------------------------------------
# opening files


class InputError(ValueError):
    """The input cannot be read on (a truncated or corrupt ``.gz``): the records before were read,
    nothing after can be. Raised by the readers in the middle of a run."""


_BROKEN_STREAM = (EOFError, zlib.error, gzip.BadGzipFile)
_UNDECODED = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)


def open_text(path: str | Path, mode: str = "r", *, encoding: str | None = None):
    """Open a text file for reading/writing/appending, through gzip when the name ends in .gz.

    Reading (UTF-8 unless ``encoding`` says otherwise) skips a byte-order mark and keeps bytes that
    are not valid UTF-8 as escapes, so a reader can fail that one row (``invalid-encoding``) and go on.
    """
    path = Path(path)
    reading = "r" in mode
    encoding = encoding or ("utf-8-sig" if reading else "utf-8")
    errors = "surrogateescape" if reading else "strict"
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, mode.replace("t", "") + "b"), encoding=encoding, errors=errors,
                                newline="")
    return open(path, mode, encoding=encoding, errors=errors, newline="")


def _undecoded(text: str) -> str | None:
    """The first byte of ``text`` that was not valid text (as ``0xe7``), or None."""
    found = _UNDECODED.search(text)
    return f"0x{ord(found.group()) - 0xDC00:02x}" if found else None


def _as_latin1(value: Any) -> Any:
    """``value`` with each undecodable byte read as Latin-1 (what a Windows export most likely meant)."""
    if isinstance(value, str):
        return _UNDECODED.sub(lambda m: chr(ord(m.group()) - 0xDC00), value)
    if isinstance(value, dict):
        return {_as_latin1(k): _as_latin1(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_latin1(v) for v in value]
    return value


def _encoding_error(raw: Any, byte: str, line: int | None) -> BadRecord:
    where = f"line {line}" if line is not None else "this record"
    return BadRecord(_as_latin1(raw), "invalid-encoding",
                     f"{where} is not UTF-8 (byte {byte}); the error output shows it read as Latin-1: check "
                     "the text and feed it back in, or re-run the file with --encoding latin-1 (or cp1252)",
                     line=line)


def _broken(path: str | Path, where: str, exc: BaseException) -> InputError:
    return InputError(f"{path}: the compressed file is truncated or corrupt ({type(exc).__name__}: {exc}) "
                      f"after {where}; nothing after that point can be read")


def count_in_background(path: str | Path, format: str) -> Callable[[], int | None]:
    """Count the records of a line-based input in a daemon thread, for the progress bar.

    Returns a function giving the count once known (``None`` before, and for a JSON array). CSV
    counts are lines minus the header: an estimate when quoted fields span lines.
    """
    if format not in ("csv", "tsv", "dsv", "jsonl"):
        return lambda: None
    found: list[int] = []

    def count() -> None:
        try:
            with gzip.open(path, "rb") if str(path).endswith(".gz") else open(path, "rb") as handle:
                lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
        except (OSError, EOFError, zlib.error):
            return  # the reader reports a broken file; the bar just stays a counter
        found.append(max(lines - (format != "jsonl"), 0))

    threading.Thread(target=count, name="count-records", daemon=True).start()
    return lambda: found[0] if found else None


def _base_suffix(path: Path) -> str:
    return Path(path.stem).suffix.lower() if path.suffix == ".gz" else path.suffix.lower()


# ---------------------------------------------------------------------------------------------
# readers

FORMATS = ("csv", "dsv", "tsv", "json", "jsonl")
"""Input formats ``read_records`` understands (plus ``.gz`` of each)."""


MAX_FIELD = 16 << 20  # a field of a legacy export may hold a JSON blob; 16 MB means the quoting is broken
MAX_DEPTH = 64  # an account nests a few levels; deeper is broken or hostile (and would recurse later on)


def _refused(value: Any, line: int | None, text: str | None = None) -> BadRecord | None:
    """A ``BadRecord`` when a parsed record nests deeper than MAX_DEPTH or holds a control character.

    Walks the value with an explicit stack (no recursion, so any depth is safe to inspect). A record
    too deep goes to the error output as its ``text`` (writing the structure would recurse).
    """
    stack = [(value, 1, "")]
    while stack:
        item, depth, where = stack.pop()
        if depth > MAX_DEPTH:
            return BadRecord(_clip(text) if text else "(nested too deep to show)", "too-deep",
                             f"the record nests deeper than {MAX_DEPTH} levels (at {where or 'the top'}): "
                             "an account is a few levels deep; check the export", line=line)
        pairs = item.items() if isinstance(item, dict) else enumerate(item) if isinstance(item, list) else ()
        for key, child in pairs:
            path = f"{where}.{key}" if where else str(key)
            for part in (key, child):
                if isinstance(part, str) and (code := control_chars.find(part)):
                    return BadRecord(value, "control-character",
                                     control_chars.describe(f"field {path!r}", code), line=line)
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1, path))
    return None


class _LineTap:
    """The lines the csv module reads, kept until the next row: a row it rejects keeps its text."""

    def __init__(self, handle) -> None:
        self._handle, self.lines = handle, []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._handle)
        self.lines.append(line)
        return line

    def take(self) -> str:
        """The text of the row just read (without its line ending), and start the next one."""
        text = "".join(self.lines).rstrip("\r\n")
        self.lines.clear()
        return text


def read_csv(path: str | Path, *, delimiter: str = ",", quotechar: str = '"',
             encoding: str | None = None, header: list[str] | None = None) -> Iterator[dict | BadRecord]:
    """Yield one dict per row of a CSV/DSV file (first row = header); values stay strings.

    ``header`` names the columns of a file without a header row (Firebase's CSV export): every
    row is data, and a row with fewer fields than ``header`` lacks the trailing optional columns.

    A row with a wrong number of fields, or that the csv module cannot parse, becomes a
    ``BadRecord("malformed-row", ...)`` carrying the row's original text and its line number; a
    row holding bytes that are not UTF-8 becomes ``BadRecord("invalid-encoding", ...)``. A
    truncated or corrupt ``.gz`` raises ``InputError`` after the rows before the damage.
    """
    if csv.field_size_limit() < MAX_FIELD:
        csv.field_size_limit(MAX_FIELD)
    rows = None
    try:
        with open_text(path, encoding=encoding) as handle:
            tap = _LineTap(handle)
            rows = csv.reader(tap, delimiter=delimiter, quotechar=quotechar, strict=True)
            fixed = header is not None
            if not fixed:
                header = _header(rows, path)
                tap.take()
            yield from _csv_rows(rows, list(header), delimiter, tap, pad=fixed)
    except _BROKEN_STREAM as exc:
        raise _broken(path, f"line {rows.line_num if rows else 0}", exc) from None


def csv_header(path: str | Path, *, delimiter: str = ",", encoding: str | None = None) -> list[str]:
    """The header row of a CSV/DSV file (to check a mapping before a run).

    ``ValueError`` when there is none to read: an empty file, a corrupt ``.gz``.
    """
    try:
        with open_text(path, encoding=encoding) as handle:
            header = _header(csv.reader(handle, delimiter=delimiter), path)
    except _BROKEN_STREAM as exc:
        raise ValueError(f"{path} cannot be read: the compressed file is corrupt ({exc})") from None
    if not header:
        raise ValueError(f"{path} is empty: a CSV/DSV input starts with a header row naming its columns")
    if byte := _undecoded("".join(header)):
        raise ValueError(f"{path}: the header is not UTF-8 (byte {byte}); re-run with --encoding latin-1 "
                         "(or cp1252), or convert the file to UTF-8")
    return header


def _header(rows, path) -> list[str]:
    try:
        header = next(rows)
    except StopIteration:
        return []
    except csv.Error as exc:  # a header the csv module rejects: the whole file is unreadable as CSV
        raise ValueError(f"{path}: the header row cannot be parsed as CSV ({exc}): fix its quoting, "
                         "or give the right --delimiter / --format") from None
    header = [name.strip().lstrip("\ufeff") for name in header]
    if len(set(header)) != len(header):
        repeated = ", ".join(repr(column_label(name)) for name in dict.fromkeys(header) if header.count(name) > 1)
        raise ValueError(f"{path}: the header repeats column names ({repeated}): is the first row a header? A CSV "
                         "without one (Firebase's) is read with --from; or give the right --format / --delimiter")
    return header


def _csv_rows(rows, header: list[str], delimiter: str, tap: _LineTap, pad: bool = False) -> Iterator[dict | BadRecord]:
    # a row's fields are pieces of its text: a text and header without a control character need
    # no walk through the fields (``_refused``), unless _extra brought back fields of its own
    header_clean = not any(control_chars.find(name) for name in header)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            yield BadRecord(_as_latin1(tap.take()), "malformed-row", f"unparseable CSV: {exc}", line=rows.line_num)
            continue
        text = tap.take()
        if not row or row == [""]:
            continue  # blank line
        if pad and len(row) < len(header):
            row = row + [""] * (len(header) - len(row))
        if len(row) != len(header):
            yield BadRecord(_as_latin1(text), "malformed-row",
                            f"{len(row)} fields where the header has {len(header)}", line=rows.line_num)
            continue
        plain = dict(zip(header, row))
        record = _with_extra(plain)
        if byte := _undecoded(text):
            yield _encoding_error(record, byte, rows.line_num)
            continue
        if record is plain and header_clean and not control_chars.IN_TEXT.search(text):
            yield record
            continue
        yield _refused(record, rows.line_num) or record


def _with_extra(record: dict) -> dict:
    """A row of a CSV error file (``CsvWriter``): the fields it kept in ``_extra`` (those outside the
    header of the first failed record) become columns again, so the file can be fed back in."""
    extra = record.get(CsvWriter.EXTRA)
    if not extra or not extra.startswith("{"):
        return record
    try:
        fields = json.loads(extra)
    except json.JSONDecodeError:
        return record
    if not isinstance(fields, dict):
        return record
    merged = {k: v for k, v in record.items() if k != CsvWriter.EXTRA and v != ""}
    for name, value in fields.items():
        merged.setdefault(name, value)
    return merged


def read_jsonl(path: str | Path, *, encoding: str | None = None) -> Iterator[dict | BadRecord]:
    """Yield one dict per line of a JSON Lines file; a bad line becomes a ``BadRecord``."""
    number = 0
    try:
        with open_text(path, encoding=encoding) as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                text = _as_latin1(line.rstrip("\r\n"))
                try:
                    value = json.loads(text)
                except json.JSONDecodeError as exc:
                    yield BadRecord(text, "malformed-json", f"invalid JSON: {exc.msg}", line=number)
                    continue
                except RecursionError:  # nested deeper than the parser can go: this line only
                    yield _too_deep(text, number)
                    continue
                if not isinstance(value, dict):
                    yield BadRecord(text, "malformed-json", "the line is not a JSON object", line=number)
                    continue
                if byte := _undecoded(line):
                    yield _encoding_error(value, byte, number)
                    continue
                yield _refused(value, number, text) or value
    except _BROKEN_STREAM as exc:
        raise _broken(path, f"line {number}", exc) from None


RECORD_KEYS = ("users", "accounts", "records", "items", "data", "results")
"""Members of a top-level JSON object that hold the records (Firebase ``{"users": [...]}``, a Keycloak
realm export's ``users``): the first of these whose value is an array is read, the others skipped."""


def _clip(text: str) -> str:
    return text[:200] + ("..." if len(text) > 200 else "")


def _too_deep(text: str, line: int | None, element: int | None = None) -> BadRecord:
    where = f" (array element {element})" if element is not None else ""
    return BadRecord(_clip(text), "too-deep",
                     f"the record nests deeper than the JSON parser allows{where}: an account is a few levels "
                     "deep; check the export", line=line)


def read_json_array(path: str | Path, *, chunk_size: int = 1 << 16, encoding: str | None = None,
                    table: str | None = None) -> Iterator[dict | BadRecord]:
    """Yield the objects of a top-level JSON array one at a time, parsing the file incrementally.

    The array may also be wrapped in a top-level object (``{"users": [...]}``, see ``RECORD_KEYS``).
    A phpMyAdmin JSON export yields the rows of its tables (of ``table`` only, when given; see
    ``flows.phpmyadmin``).
    Memory holds one chunk plus the element being parsed, never the whole array. A non-object
    element becomes a ``BadRecord``; a syntax error ends the array with one ``BadRecord`` saying
    where (nothing after it can be located reliably).
    """
    parser = None
    try:
        with open_text(path, encoding=encoding) as handle:
            parser = _ArrayParser(handle, chunk_size, table=table)
            yield from parser.records()
    except _BROKEN_STREAM as exc:
        raise _broken(path, f"array element {parser._index if parser else 0}", exc) from None


class _ArrayParser:
    """Incremental ``[obj, obj, ...]`` parser over a text stream, with ``json.raw_decode``."""

    def __init__(self, handle, chunk_size: int, *, table: str | None = None) -> None:
        self._handle, self._chunk = handle, chunk_size
        self._buf, self._pos, self._eof, self._index = "", 0, False, 0
        self._span = (0, 0)  # where the last decoded element is in the buffer
        self._decoder = json.JSONDecoder()
        self.table, self.phpmyadmin, self.broken = table, False, False
        self.tables: dict[str, int] = {}  # a phpMyAdmin export's tables -> rows, as they are read

    def _more(self) -> bool:
        if self._eof:
            return False
        chunk = self._handle.read(self._chunk)
        if not chunk:
            self._eof = True
            return False
        self._buf = self._buf[self._pos:] + chunk
        self._pos = 0
        return True

    def _peek(self) -> str:
        while True:
            while self._pos < len(self._buf) and self._buf[self._pos] in " \t\r\n":
                self._pos += 1
            if self._pos < len(self._buf) or not self._more():
                return self._buf[self._pos] if self._pos < len(self._buf) else ""

    def _bad(self, message: str) -> BadRecord:
        self.broken = True  # nothing after a syntax error can be located reliably
        return BadRecord(_as_latin1(self._buf[self._pos:self._pos + 80]), "malformed-json",
                         f"{message} (array element {self._index + 1})")

    def records(self) -> Iterator[dict | BadRecord]:
        """The array's elements, or those of the records array inside a top-level object."""
        if self._peek() == "{":
            yield from self._wrapped()
        else:
            yield from self.items()

    def member_name(self) -> Any:
        """The next member name of an object, its ':' read too; a ``BadRecord`` where the syntax breaks."""
        key = self._decode()
        if isinstance(key, BadRecord):
            return key
        if self._peek() != ":":
            return self._bad("expected ':' after a member name")
        self._pos += 1
        return key

    def _wrapped(self) -> Iterator[dict | BadRecord]:
        """Skip members of the top-level object up to the records array (``RECORD_KEYS``), then read it."""
        self._pos += 1
        seen = []
        while (char := self._peek()) == '"':
            key = self.member_name()
            if isinstance(key, BadRecord):
                yield key
                return
            if key in RECORD_KEYS and self._peek() == "[":
                yield from self.items()
                return
            seen.append(str(key))
            value = self._decode()  # another member (realm settings, clients...): read and dropped
            if isinstance(value, BadRecord):
                yield value
                return
            if self._peek() == ",":
                self._pos += 1
        if char not in ("}", ""):
            yield self._bad(f"expected a member name but found {char!r}")
            return
        yield self._bad(f"the file is a JSON object without a records array (one of {', '.join(RECORD_KEYS)}); "
                        f"its members: {', '.join(seen[:12]) or 'none'}")

    def items(self, *, top: bool = True) -> Iterator[dict | BadRecord]:
        first = self._peek()
        if first != "[":
            yield self._bad("the file is not a JSON array" if first else "the file is empty")
            return
        self._pos += 1
        if self._peek() == "]":
            return
        while True:
            value = self._decode()
            if isinstance(value, BadRecord):
                yield value
                return
            self._index += 1
            if top and self._index == 1 and phpmyadmin.is_header(value):
                self.phpmyadmin = True
                yield from phpmyadmin.rows(self, self.table)
                return
            if isinstance(value, _Skipped):
                yield _too_deep(value.text, None, self._index)
            elif not isinstance(value, dict):
                yield BadRecord(_as_latin1(json.dumps(value, ensure_ascii=False)), "malformed-json",
                                f"array element {self._index} is not an object")
            elif found := _UNDECODED.search(self._buf, *self._span):
                byte = f"0x{ord(found.group()) - 0xDC00:02x}"
                yield _encoding_error(value, byte, None)
            else:
                yield _refused(value, None, self._buf[self._span[0]:self._span[1]]) or value
            sep = self._peek()
            if sep not in (",", "]"):
                yield self._bad(f"expected ',' or ']' but found {sep!r}" if sep else "the array is not closed")
                return
            self._pos += 1
            if sep == "]":
                return

    MAX_ELEMENT = 16 << 20  # an account is kilobytes: a 16 MB element means the JSON is broken

    def _decode(self):
        self._peek()
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buf, self._pos)
            except RecursionError:  # too deep to parse: step over the element by its brackets
                end = _element_end(self._buf, self._pos)
                if end is None and len(self._buf) - self._pos < self.MAX_ELEMENT and self._more():
                    continue
                if end is None:
                    return self._bad("an element nests too deep to parse and does not end")
                value = _Skipped(self._buf[self._pos:end])
            except json.JSONDecodeError as exc:
                if len(self._buf) - self._pos < self.MAX_ELEMENT and self._more():
                    continue  # most likely the element continues in the next chunk
                return self._bad(f"invalid JSON: {exc.msg}")
            if end == len(self._buf) and not self._eof and self._buf[self._pos] not in "{[\"":
                # a number may continue in the next chunk
                if self._more():
                    continue
            self._span, self._pos = (self._pos, end), end
            return value


STDIN = "-"
"""The input name that means standard input (``gigya-migrate import -``)."""


def spool_stdin(directory: str | Path, *, format: str | None = None, stream=None) -> Path:
    """Copy standard input into a file in ``directory`` (private, deleted with it) and return its path.

    The readers open their input more than once (header check, first-record check, the run), which a
    pipe does not allow. The file is named for its format: ``format`` when given, else ``json`` when
    the text starts with ``[`` or ``{`` and ``csv`` otherwise; gzip input stays compressed (``.gz``).
    """
    source = stream if stream is not None else sys.stdin.buffer
    head = source.read(1 << 16)
    gz = head[:2] == b"\x1f\x8b"
    if format is None:
        sample = gzip.decompress(head) if gz and _whole_gzip(head) else _gunzip_head(head) if gz else head
        first = sample.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        format = "json" if first in (b"[", b"{") else "csv"
    target = Path(directory) / f"stdin.{format}{'.gz' if gz else ''}"
    with open(target, "wb") as out:
        os.chmod(target, 0o600)  # account data: readable by this user only
        out.write(head)
        shutil.copyfileobj(source, out, 1 << 20)
    return target


@contextlib.contextmanager
def readable_input(file: str, format: str | None = None) -> Iterator[str]:
    """``file``, or for ``-`` (``STDIN``) standard input spooled into a private temporary file
    (``spool_stdin``), removed afterwards."""
    if file != STDIN:
        yield file
        return
    with tempfile.TemporaryDirectory(prefix="gigya-migrate-stdin-") as folder:
        yield str(spool_stdin(folder, format=format.lower() if format else None))


def _whole_gzip(data: bytes) -> bool:
    try:
        gzip.decompress(data)
    except (EOFError, OSError, zlib.error):
        return False
    return True


def _gunzip_head(data: bytes) -> bytes:
    """The first bytes a partial gzip stream decompresses to (enough to see the format)."""
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, 4096)
    except zlib.error:
        return b""


class _Skipped:
    """An array element stepped over unparsed (too deep for the JSON parser)."""

    def __init__(self, text: str) -> None:
        self.text = text


def _element_end(buf: str, pos: int) -> int | None:
    """Where the JSON value starting at ``buf[pos]`` (an object or array) ends, counting brackets
    outside strings; None when it does not end within ``buf``."""
    depth, in_string, escaped = 0, False, False
    for index in range(pos, len(buf)):
        char = buf[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return index + 1
    return None


def detect_format(path: str | Path) -> str:
    """``csv``, ``tsv``, ``dsv``, ``json`` or ``jsonl`` from the file name (``.gz`` ignored)."""
    suffix = _base_suffix(Path(path)).lstrip(".")
    if suffix in ("ndjson",):
        return "jsonl"
    if suffix in ("txt", "psv"):
        return "dsv"
    if suffix in FORMATS:
        return suffix
    raise ValueError(f"cannot tell the format of {path}: name it .csv/.tsv/.dsv/.json/.jsonl (or .gz) "
                     "or give the format")


def read_records(path: str | Path, *, format: str | None = None, delimiter: str | None = None,
                 encoding: str | None = None, header: list[str] | None = None,
                 table: str | None = None) -> Iterator[dict | BadRecord]:
    """Stream the records of ``path`` in any supported format (see ``FORMATS``), gzip or not.

    A ``.json`` file may hold a JSON array or, if its first character is not ``[``, JSON Lines.
    ``encoding`` is the input's text encoding (default UTF-8, with or without a byte-order mark);
    ``header`` the columns of a CSV without a header row; ``table`` the table of a phpMyAdmin JSON
    export to read (default: every table's rows; ``phpmyadmin.choose_table`` picks one).
    """
    fmt = (format or detect_format(path)).lower()
    if fmt in ("csv", "dsv", "tsv"):
        sep = delimiter or {"csv": ",", "tsv": "\t", "dsv": "|"}[fmt]
        return read_csv(path, delimiter=sep, encoding=encoding, header=header)
    if fmt == "jsonl":
        return read_jsonl(path, encoding=encoding)
    if fmt == "json":
        if _first_char(path, encoding) in ("[", "") or _first_line_is_wrapper(path, encoding):
            return read_json_array(path, encoding=encoding, table=table)
        return read_jsonl(path, encoding=encoding)
    raise ValueError(f"unknown input format {fmt!r}: use one of {', '.join(FORMATS)}")


def _first_char(path: str | Path, encoding: str | None = None) -> str:
    try:
        with open_text(path, encoding=encoding) as handle:
            while (char := handle.read(1)) and char.isspace():
                pass
            return char
    except _BROKEN_STREAM as exc:
        raise ValueError(f"{path} cannot be read: the compressed file is corrupt ({exc})") from None


def _first_line_is_wrapper(path: str | Path, encoding: str | None = None) -> bool:
    """True when a file starting with ``{`` is one document wrapping the records (``{"users": [...]}``),
    False for JSON Lines (one account object per line).

    A wrapper is pretty-printed (its first line is an unfinished ``{``, ``{"users": [`` or
    ``{"realm": "x",``) or minified on the only line of the file. A JSON Lines file whose first line
    is broken or whose first account has a ``data`` list stays JSON Lines: its other lines are read.
    """
    try:
        with open_text(path, encoding=encoding) as handle:
            line = next((text for text in handle if text.strip()), "")
            more = next((text for text in handle if text.strip()), None) is not None
    except _BROKEN_STREAM:
        return False  # the reader reports it with its line
    try:
        value = json.loads(line)
    except json.JSONDecodeError:
        return line.strip() == "{" or line.strip().endswith(("[", "{", ","))
    return not more and isinstance(value, dict) and any(isinstance(value.get(k), list) for k in RECORD_KEYS)


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
