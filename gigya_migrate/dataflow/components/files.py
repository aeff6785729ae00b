"""File components: parse and format DSV/JSON, gzip, and a local folder (gigya-migrate's own).

Parsers stream: the shared readers of ``flows.steps`` read one row at a time, a row they cannot
parse fails (``malformed-row``, ``malformed-json``, ``invalid-encoding``) and reading goes on.
A DSV header with dotted names (``profile.email``) gives nested records, the shape the Gigya
writers take (our choice; IdentitySync does not document it). Formatters spool records to disk
and write the file when the input ends, so the file's columns are every field seen.

``datasource.read.file`` and ``datasource.write.file`` are not IdentitySync components: they let
a dataflow read and write this machine's folders, which IdentitySync's cloud cannot do.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import shutil
from pathlib import Path
from typing import Any, Iterator

from gigya_migrate.dataflow.components.base import (FILES, NOTHING, Component, DataFile, Failure, Output, Param,
                                                    ParamError, register, set_path)
from gigya_migrate.dataflow.components.fields import expand_placeholders
from gigya_migrate.flows.runner import BadRecord

__all__ = ["BATCH", "listed_files"]

BATCH = 300


def _unflatten(record: dict) -> dict:
    out: dict = {}
    for key, value in record.items():
        if "." in key and not key.startswith(".") and not key.endswith("."):
            set_path(out, key, value)
        else:
            out[key] = value
    return out


def _infer(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if value in ("true", "false"):
        return value == "true"
    if re.fullmatch(r"-?(0|[1-9]\d{0,17})", value):
        return int(value)
    if re.fullmatch(r"-?\d+\.\d+", value):
        return float(value)
    return value


def _batches(rows: Iterator, name: str, add_filename: bool, shape) -> Iterator[Output]:
    out = Output()
    for row in rows:
        if isinstance(row, BadRecord):
            record = row.as_error_record()
            if add_filename:
                record["fileName"] = name
            out.failed.append(Failure(record, row.code, f"{name}: {row.message}"))
        else:
            record = shape(row)
            if add_filename:
                record["fileName"] = name
            out.items.append(record)
        if len(out.items) + len(out.failed) >= BATCH:
            yield out
            out = Output()
    if out.items or out.failed:
        yield out


class _Parser(Component):
    takes = FILES
    counts_records = True

    def process(self, items: list) -> Iterator[Output]:
        for file in items:
            yield from _batches(self.rows(file), file.name, self.p["addFilename"], self.shape)

    def rows(self, file: DataFile) -> Iterator:
        raise NotImplementedError

    def shape(self, row: dict) -> dict:
        return row


_CHARSETS = {"UTF-8": "utf-8-sig", "auto-detect": None, "ISO-8859-1": "latin-1", "windows-1252": "cp1252"}


@register
class ParseDsv(_Parser):
    """Parse delimiter-separated files (first row = header) into records."""

    type = "file.parse.dsv"
    summary = "Parse DSV/CSV files into records (header row; dotted column names become nested fields)."
    params = (
        Param("columnSeparator", default=",", doc="field separator"),
        Param("fileCharset", default="UTF-8", doc="UTF-8, ISO-8859-1, windows-1252 or auto-detect (= UTF-8)"),
        Param("inferTypes", "boolean", default=False, doc="numbers and true/false become JSON types"),
        Param("addFilename", "boolean", default=False, doc="add the file's name as field fileName"),
        Param("quoteChar", default='"', doc="quote character", documented=False),
    )

    @classmethod
    def check(cls, params: dict) -> None:
        if params["fileCharset"] not in _CHARSETS:
            raise ParamError("fileCharset", f"one of {', '.join(_CHARSETS)}")
        if len(params["columnSeparator"].replace("\\t", "\t")) != 1:
            raise ParamError("columnSeparator", "must be one character (\\t for a tab)")

    def rows(self, file: DataFile) -> Iterator:
        from gigya_migrate.flows.steps import read_csv

        return read_csv(file.path, delimiter=self.p["columnSeparator"].replace("\\t", "\t"),
                        quotechar=self.p["quoteChar"], encoding=_CHARSETS[self.p["fileCharset"]])

    def shape(self, row: dict) -> dict:
        if self.p["inferTypes"]:
            row = {k: _infer(v) for k, v in row.items()}
        return _unflatten(row)


@register
class ParseJson(_Parser):
    """Parse JSON files (an array of objects, or one object per line) into records."""

    type = "file.parse.json"
    summary = "Parse JSON files (array of objects or JSON Lines) into records."
    params = (Param("addFilename", "boolean", default=False, doc="add the file's name as field fileName"),)

    def rows(self, file: DataFile) -> Iterator:
        from gigya_migrate.flows.steps import read_records

        try:
            return read_records(file.path, format="json")
        except ValueError as exc:
            return iter([BadRecord({"fileName": file.name}, "malformed-json", str(exc))])


class _Formatter(Component):
    """Spools records to a JSON Lines file; ``finish`` writes the formatted file."""

    gives = FILES
    default_name = "file_${now}"

    def setup(self) -> None:
        self.spool = self.job.scratch("spool.jsonl")
        self.handle = open(self.spool, "w", encoding="utf-8")
        self.count = 0

    def process(self, items: list) -> Output:
        for record in items:
            self.handle.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        self.count += len(items)
        return Output()

    def records(self) -> Iterator[dict]:
        with open(self.spool, encoding="utf-8") as handle:
            for line in handle:
                yield json.loads(line)

    def finish(self) -> list:
        self.handle.close()
        if not self.count and not self.p["createEmptyFile"]:
            self.job.log("info", self.step_id, "no records: no file created (createEmptyFile is false)")
            return []
        name = expand_placeholders(self.p["fileName"], self.job)
        target = self.job.scratch(name)
        self.write(target)
        self.job.log("info", self.step_id, f"{name}: {self.count} records")
        return [DataFile(name, target)]

    def write(self, target: Path) -> None:
        raise NotImplementedError

    def close(self) -> None:
        if not self.handle.closed:
            self.handle.close()


def _flat(record: dict, prefix: str = "") -> dict:
    out: dict = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(_flat(value, f"{name}."))
        else:
            out[name] = value
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@register
class FormatDsv(_Formatter):
    """Write the records into one DSV file (nested fields as dotted columns)."""

    type = "file.format.dsv"
    summary = "Format records as one DSV/CSV file (columns: every field seen, nested ones dotted)."
    params = (
        Param("fileName", default="file_${now}.csv", doc="output file name; ${now}, ${jobId} expanded"),
        Param("columnSeparator", default=",", doc="field separator"),
        Param("escapeCharacter", default='"', doc="quote/escape character"),
        Param("writeHeader", "boolean", default=True, doc="first row names the columns"),
        Param("lineEnd", default="\n", doc="line ending"),
        Param("quoteFields", "boolean", default=False, doc="quote every field (else only when needed)"),
        Param("createEmptyFile", "boolean", default=False, doc="write a file even with no records"),
        Param("fields", "array", doc="columns and their order (default: every field seen)", documented=False),
    )

    def write(self, target: Path) -> None:
        columns = list(self.p["fields"] or self._columns())
        quoting = csv.QUOTE_ALL if self.p["quoteFields"] else csv.QUOTE_MINIMAL
        with open(target, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter=self.p["columnSeparator"].replace("\\t", "\t"),
                                quotechar=self.p["escapeCharacter"], lineterminator=self.p["lineEnd"], quoting=quoting)
            if self.p["writeHeader"]:
                writer.writerow(columns)
            for record in self.records():
                flat = _flat(record)
                writer.writerow([_cell(flat.get(c)) for c in columns])

    def _columns(self) -> list[str]:
        seen: dict[str, None] = {}
        for record in self.records():
            seen.update(dict.fromkeys(_flat(record)))
        return list(seen)


@register
class FormatJson(_Formatter):
    """Write the records into one JSON file: an array, or ``{wrapField: [...]}``."""

    type = "file.format.json"
    summary = "Format records as one JSON file: an array of records, or {wrapField: [...]}."
    params = (
        Param("fileName", default="file_${now}.json", doc="output file name; ${now}, ${jobId} expanded"),
        Param("createEmptyFile", "boolean", default=False, doc="write a file even with no records"),
        Param("wrapField", doc="wrap the array in an object under this field"),
    )

    def write(self, target: Path) -> None:
        with open(target, "w", encoding="utf-8") as handle:
            if self.p["wrapField"]:
                handle.write("{" + json.dumps(self.p["wrapField"]) + ": ")
            handle.write("[")
            for index, record in enumerate(self.records()):
                handle.write(("," if index else "") + "\n" + json.dumps(record, ensure_ascii=False, default=str))
            handle.write("\n]" + ("}" if self.p["wrapField"] else "") + "\n")


@register
class EmptyFile(_Formatter):
    """One empty file (a marker such as ``gigya.ok``) once the input has ended."""

    type = "file.empty"
    summary = "Emit one empty file (a completion marker like gigya.ok) when the input ends."
    params = (Param("fileName", required=True, doc="the marker's name"),
              Param("createEmptyFile", "boolean", default=True, doc="also when no record came", documented=False))

    def write(self, target: Path) -> None:
        target.write_bytes(b"")


@register
class CompressGzip(Component):
    """Gzip each file (name + .gz)."""

    type = "file.compress.gzip"
    summary = "Compress each file with gzip (the name gets .gz)."
    takes = gives = FILES

    def process(self, items: list) -> Output:
        return _recoded(self.job, items, lambda name: f"{name}.gz", open, gzip.open)


@register
class UncompressGzip(Component):
    """Gunzip each file (the .gz is dropped from the name)."""

    type = "file.uncompress.gzip"
    summary = "Uncompress each gzip file (.gz dropped from the name)."
    takes = gives = FILES

    def process(self, items: list) -> Output:
        def unzipped(name: str) -> str:
            return name[:-3] if name.endswith(".gz") else f"{name}.out"

        return _recoded(self.job, items, unzipped, gzip.open, open, broken="is not a complete gzip file")


def _recoded(job, items: list, rename, read, write, broken: str | None = None) -> Output:
    """Each file copied through ``read`` -> ``write`` openers into the job's scratch under ``rename(name)``;
    with ``broken``, a file that cannot be read fails as ``<name> <broken>: <reason>``."""
    out = []
    for file in items:
        name = rename(file.name)
        target = job.scratch(name)
        try:
            with read(file.path, "rb") as source, write(target, "wb") as sink:
                shutil.copyfileobj(source, sink)
        except (OSError, EOFError) as exc:
            if broken is None:
                raise
            raise OSError(f"{file.name} {broken}: {exc}") from None
        out.append(DataFile(name, target))
    return Output(out)


def listed_files(files: list, regex: str | None, sort_by: str, sort_order: str) -> list:
    """``RemoteFile``-like entries (``name``, ``mtime``) filtered by ``regex`` on the name and sorted."""
    pattern = re.compile(regex) if regex else None
    chosen = [f for f in files if pattern is None or pattern.search(f.name)]
    key = (lambda f: f.mtime) if sort_by == "time" else (lambda f: f.name)
    return sorted(chosen, key=key, reverse=sort_order.upper() == "DESC")


def _regex(params: dict) -> None:
    if params.get("fileNameRegex"):
        try:
            re.compile(params["fileNameRegex"])
        except re.error as exc:
            raise ParamError("fileNameRegex", f"not a valid regular expression: {exc}") from None


FILE_LISTING = (
    Param("fileNameRegex", doc="read only files whose name matches"),
    Param("sortBy", default="time", choices=("time", "name"), doc="order of reading"),
    Param("sortOrder", default="ASC", choices=("ASC", "DESC", "asc", "desc"), doc="ASC or DESC"),
)


@register
class ReadFile(Component):
    """Read files from a local folder (or one file)."""

    type = "datasource.read.file"
    role = "reader"
    summary = "gigya-migrate only: read a local file, or the files of a folder, as files."
    takes, gives = NOTHING, FILES
    params = (Param("path", required=True, doc="a file or a folder", documented=False),
              *[Param(p.name, p.kind, p.required, p.default, p.doc, p.choices, False) for p in FILE_LISTING])
    check = classmethod(lambda cls, params: _regex(params))

    def read(self) -> Iterator[list]:
        from gigya_migrate.transports.local import LocalTransport

        path = Path(self.p["path"]).expanduser()
        if path.is_file():
            yield [DataFile(path.name, path)]
            return
        listed = LocalTransport().list(str(path))
        for entry in listed_files(listed, self.p["fileNameRegex"], self.p["sortBy"], self.p["sortOrder"]):
            self.job.log("info", self.step_id, f"reading {entry.name}")
            yield [DataFile(entry.name, Path(entry.path))]  # read in place: no component changes a file


@register
class WriteFile(Component):
    """Write each file into a local folder (or to one path), whole or not at all."""

    type = "datasource.write.file"
    role = "writer"
    summary = "gigya-migrate only: write each file to a local folder (or to one file path)."
    takes, gives = FILES, NOTHING
    params = (Param("path", required=True, doc="a folder (ending in /) or a file path", documented=False),)

    def process(self, items: list) -> Output:
        from gigya_migrate.transports.local import LocalTransport

        target = Path(self.p["path"]).expanduser()
        for file in items:
            dest = target / file.name if (self.p["path"].endswith("/") or target.is_dir()) else target
            LocalTransport().upload(file.path, str(dest))
            self.job.log("info", self.step_id, f"wrote {dest}")
        return Output()
