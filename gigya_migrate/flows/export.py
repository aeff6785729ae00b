"""Exporting accounts that match a query to a file (seed 000: "send users who match a segment to
an ESP", "accounts unverified for over a week").

``export_accounts`` streams ``accounts.search`` through a cursor into CSV/DSV, JSON (one array),
or JSONL, each optionally ``.gz``. Nested fields are flattened to dotted columns on request, arrays
joined into one cell (IdentitySync's "flattening an array field into a string field"). With a delta
field (``lastUpdatedTimestamp``) the export is incremental, as IdentitySync's account reader is:
the first run takes the last 24 hours, later runs what changed since the last successful run.

This module also holds what ``copy`` shares with it: the search query builder, the ``${now-7d}``
time placeholders, and the delta window kept in the state file.
"""

from __future__ import annotations

import csv
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from gigya_migrate.flows.progress_series import ProgressSeries
from gigya_migrate.flows.state import StateFile, iso_from_ms, utc_now_iso

__all__ = [
    "DeltaWindow",
    "ExportOptions",
    "ExportReport",
    "QueryError",
    "account_query",
    "as_dict",
    "delta_window",
    "expand_time",
    "export_accounts",
    "flatten",
    "get_path",
    "query_error",
    "search_accounts",
]

DAY_MS = 24 * 3600 * 1000
_UNITS_MS = {"s": 1000, "m": 60_000, "h": 3_600_000, "d": DAY_MS, "w": 7 * DAY_MS}
_PLACEHOLDER = re.compile(r"\$\{now(?:\s*([-+])\s*(\d+)\s*([smhdw]))?\}")
_TRAILING = re.compile(r"\b(ORDER\s+BY|LIMIT|START|GROUP\s+BY|FILTER)\b", re.IGNORECASE)


def _now_ms() -> int:
    return int(time.time() * 1000)


def as_dict(item: Any) -> dict[str, Any]:
    """A search result as a plain dict in Gigya spelling (the client yields pydantic models)."""
    if isinstance(item, dict):
        return item
    return item.raw


def expand_time(text: str, now_ms: int) -> str:
    """Replace ``${now}``, ``${now-7d}``, ``${now-24h}`` ... with Unix milliseconds (for ``*Timestamp`` fields)."""

    def value(match: re.Match) -> str:
        sign, amount, unit = match.groups()
        offset = int(amount) * _UNITS_MS[unit] if amount else 0
        return str(now_ms - offset if sign == "-" else now_ms + offset)

    return _PLACEHOLDER.sub(value, text)


def account_query(fields: Iterable[str] | None, where: str | None = None, *, delta_field: str | None = None,
                  since_ms: int | None = None) -> str:
    """``SELECT <fields> FROM accounts [WHERE (<where>) AND <delta_field> >= <since_ms>]``.

    ``where`` is only the condition: ORDER BY, LIMIT and START cannot be combined with a cursor or
    an added delta condition, so they are refused here with a clear message.
    """
    if where and _TRAILING.search(_strip_strings(where)):
        raise ValueError("--where takes only the condition (no ORDER BY, LIMIT, START): "
                         "the job pages with a cursor and adds its own delta condition")
    select = ",".join(f.strip() for f in fields if f.strip()) if fields else "*"
    conditions = [f"({where})"] if where and where.strip() else []
    if delta_field and since_ms is not None:
        conditions.append(f"{delta_field} >= {int(since_ms)}")
    query = f"SELECT {select or '*'} FROM accounts"
    return query + (" WHERE " + " AND ".join(conditions) if conditions else "")


def _strip_strings(text: str) -> str:
    return re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', text)


class QueryError(ValueError):
    """Gigya refused the search query (400006); the message points at the spot in ``--where``."""


def search_accounts(client: Any, query: str, *, where: str | None = None,
                    page_size: int | None = None, **extra: Any) -> Iterator[dict[str, Any]]:
    """``client.search_all(query)`` as plain dicts. A query refused on the first page (a syntax
    error in ``--where``) raises ``QueryError`` showing the condition with a caret under the
    position Gigya names; the position counts in the whole query, which the user never typed.
    ``extra`` are further accounts.search parameters (``accountTypes="lite"``)."""
    from gigya_migrate.errors import GigyaError

    results = iter(client.search_all(query, page_size=page_size, **extra))
    try:
        first = next(results, None)
    except GigyaError as exc:
        if exc.error_code != 400006:
            raise
        raise query_error(exc, query, where) from None
    if first is None:
        return
    yield as_dict(first)
    for account in results:
        yield as_dict(account)


def query_error(exc: Any, query: str, where: str | None) -> QueryError:
    """A ``QueryError`` for Gigya's 400006 ``exc`` on ``query``, pointing into ``where`` when it can."""
    text = exc.details or exc.message or str(exc)
    found = re.search(r"position (\d+)", text)
    reason = re.sub(r"\s*at position \d+(\s*\(column \d+\))?", "", text)
    if not found:
        return QueryError(f"the search refused the query ({reason}): {query}")
    position = int(found.group(1))
    start = query.find(f"({where})") + 1 if where else 0
    if where and 0 < start <= position <= start + len(where) and "\n" not in where:
        return QueryError(f"{reason}\n  {where}\n  {' ' * (position - start)}^")
    return QueryError(f"{reason}\n  {query}\n  {' ' * position}^")


@dataclass
class DeltaWindow:
    """Which changes an incremental run reads: ``delta_field >= since_ms`` (everything when ``None``)."""

    job: str
    delta_field: str | None
    since_ms: int | None
    started_ms: int

    def describe(self) -> str:
        """For reports: 'all accounts' or 'lastUpdatedTimestamp >= 2026-11-22T02:00:00.000Z'."""
        if not self.delta_field or self.since_ms is None:
            return "all accounts"
        return f"{self.delta_field} >= {iso_from_ms(self.since_ms)}"

    def commit(self, state: StateFile, **extra: Any) -> None:
        """Record a successful run: the next one reads changes from this run's start."""
        if self.delta_field:
            state.set_watermark(self.job, self.started_ms, deltaField=self.delta_field, lastSuccess=utc_now_iso(),
                                **extra)


def delta_window(state: StateFile, job: str, *, delta_field: str | None, full: bool = False,
                 since_ms: int | None = None, overlap_ms: int = 30_000, now_ms: int | None = None) -> DeltaWindow:
    """The window of an incremental run (IdentitySync's rules, seed 000 "Pull all records"):

    ``full`` reads everything; an explicit ``since_ms`` wins; else the watermark (the start of the
    last successful run) minus ``overlap_ms``, because new writes reach search after up to 30 s
    (docs/gigya-api.md §4); a first run reads the last 24 hours.
    """
    now = _now_ms() if now_ms is None else now_ms
    if not delta_field or full:
        return DeltaWindow(job, delta_field, None, now)
    if since_ms is None:
        mark = state.watermark(job)
        since_ms = int(mark) - overlap_ms if mark is not None else now - DAY_MS
    return DeltaWindow(job, delta_field, since_ms, now)


def get_path(record: dict[str, Any], path: str) -> Any:
    """The value at a dotted path (``profile.email``), or ``None``; a literal dotted key wins."""
    if path in record:
        return record[path]
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def flatten(record: dict[str, Any], *, array_separator: str = ";", prefix: str = "") -> dict[str, Any]:
    """Nested objects to dotted keys; arrays of plain values joined with ``array_separator``,
    arrays holding objects kept as JSON text (their shape would not survive a join)."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten(value, array_separator=array_separator, prefix=f"{name}."))
        elif isinstance(value, list):
            flat[name] = _join(value, array_separator)
        else:
            flat[name] = value
    return flat


def _join(values: list, separator: str) -> str:
    if any(isinstance(v, (dict, list)) for v in values):
        return json.dumps(values, ensure_ascii=False, sort_keys=True)
    return separator.join(_text(v) for v in values)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


@dataclass
class ExportOptions:
    """What to export and how. ``fmt`` defaults from the file name (``.csv``, ``.tsv``, ``.json``, ``.jsonl``)."""

    out: Path
    where: str | None = None
    fields: list[str] | None = None
    fmt: str | None = None
    separator: str | None = None
    flatten: bool = False
    array_separator: str = ";"
    delta_field: str | None = None
    full: bool = False
    since_ms: int | None = None
    job: str = "export"
    page_size: int = 300
    limit: int | None = None
    dry_run: bool = False
    account_types: str | None = None  # accounts.search accountTypes: "lite" exports lite accounts


@dataclass
class ExportReport:
    """What an export did."""

    out: str
    query: str
    window: str
    format: str
    exported: int = 0
    columns: list[str] = field(default_factory=list)
    dry_run: bool = False
    started_at: str = field(default_factory=utc_now_iso)
    finished_at: str | None = None
    seconds: float = 0.0
    progress: list[dict] = field(default_factory=list)  # accounts exported over time (ProgressSeries)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return dict(self.__dict__)

    def summary(self) -> str:
        """One line for the terminal."""
        if self.dry_run:
            return f"{self.exported} accounts match ({self.window}); dry run: nothing written"
        return f"{self.exported} accounts exported to {self.out} ({self.format}, {self.window}) in {self.seconds:.1f}s"


def export_accounts(client: Any, state: StateFile, options: ExportOptions, *,
                    progress: Callable[[int], None] | None = None, now_ms: int | None = None) -> ExportReport:
    """Stream the accounts matching ``options`` into ``options.out``; advance the delta watermark on success."""
    started = time.monotonic()
    now = _now_ms() if now_ms is None else now_ms
    fmt = _format(options)
    window = delta_window(state, options.job, delta_field=options.delta_field, full=options.full,
                          since_ms=options.since_ms, now_ms=now)
    where = expand_time(options.where, now) if options.where else None
    query = account_query(options.fields, where, delta_field=window.delta_field, since_ms=window.since_ms)
    report = ExportReport(out=str(options.out), query=query, window=window.describe(), format=fmt,
                          dry_run=options.dry_run)
    types = {"accountTypes": options.account_types} if options.account_types else {}
    found = search_accounts(client, query, where=where, page_size=options.page_size, **types)
    if not options.fields:  # the default export is for an ESP or a CRM: no password hashes in it
        found = ({k: v for k, v in record.items() if k != "password"} for record in found)
    series = ProgressSeries()  # the HTML report's throughput chart
    records = _counted(_limited(found, options.limit), report, progress, series)
    if options.dry_run:
        for _ in records:
            pass
    else:
        report.columns = _write(records, options, fmt)
        if options.limit is None or report.exported < options.limit:  # a --limit run is a test run
            window.commit(state, query=query, out=str(options.out.resolve()))
    report.finished_at, report.seconds = utc_now_iso(), round(time.monotonic() - started, 3)
    report.progress = series.as_list(report.seconds, report.exported)
    return report


def _base_suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    return suffixes[-1].lstrip(".") if suffixes else ""


def _format(options: ExportOptions) -> str:
    if options.fmt:
        return options.fmt.lower()
    suffix = _base_suffix(options.out)
    known = {"csv": "csv", "dsv": "dsv", "tsv": "dsv", "txt": "dsv", "json": "json", "jsonl": "jsonl", "ndjson": "jsonl"}
    if suffix not in known:
        raise ValueError(f"{options.out}: cannot tell the format from the name; use .csv, .tsv, .json, .jsonl "
                         "(optionally .gz) or --format")
    return known[suffix]


def _limited(records: Iterable[dict], limit: int | None) -> Iterator[dict]:
    for count, record in enumerate(records):
        if limit is not None and count >= limit:
            return
        yield record


def _counted(records: Iterable[dict], report: ExportReport, progress: Callable[[int], None] | None,
             series: ProgressSeries) -> Iterator[dict]:
    for record in records:
        report.exported += 1
        series.sample(report.exported)
        if progress and report.exported % 500 == 0:
            progress(report.exported)
        yield record


def _write(records: Iterator[dict], options: ExportOptions, fmt: str) -> list[str]:
    """Write into a hidden partial file next to ``out`` and rename it at the end: a failed run
    leaves the previous file (or none), never half an export."""
    options.out.parent.mkdir(parents=True, exist_ok=True)
    partial = options.out.with_name(f".partial-{options.out.name}")  # keeps the .gz suffix
    try:
        columns = _write_to(partial, records, options, fmt)
        os.replace(partial, options.out)
    finally:
        if partial.exists():
            partial.unlink()
    return columns


def _write_to(path: Path, records: Iterator[dict], options: ExportOptions, fmt: str) -> list[str]:
    from gigya_migrate.flows.steps import open_text  # the shared .gz-aware opener

    shape = _shaper(options)
    if fmt in ("csv", "dsv"):
        separator = options.separator or ("\t" if _base_suffix(options.out) == "tsv" else ",")
        return _write_dsv((shape(r) for r in records), path, options, separator, open_text)
    with open_text(path, "w") as handle:
        if fmt == "jsonl":
            for record in records:
                handle.write(json.dumps(shape(record), ensure_ascii=False, sort_keys=True) + "\n")
        else:
            _write_json_array(handle, (shape(r) for r in records))
    return []


def _shaper(options: ExportOptions) -> Callable[[dict], dict]:
    if not options.flatten:
        return lambda record: record
    return lambda record: flatten(record, array_separator=options.array_separator)


def _write_json_array(handle, records: Iterator[dict]) -> None:
    handle.write("[")
    for index, record in enumerate(records):
        handle.write(("," if index else "") + "\n" + json.dumps(record, ensure_ascii=False, sort_keys=True))
    handle.write("\n]\n")


def _write_dsv(records: Iterator[dict], path: Path, options: ExportOptions, separator: str, open_text) -> list[str]:
    """Rows are spooled to a temporary JSONL file while the columns are learnt, then written with
    one header: memory stays flat however many accounts there are."""
    preset = [] if options.flatten else [c for c in (options.fields or []) if c != "*"]
    columns: dict[str, None] = dict.fromkeys(preset)
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        for record in records:
            row = _row(record, options)
            columns.update((c, None) for c in row if c not in columns)
            spool.write(json.dumps(row, ensure_ascii=False) + "\n")
        names = _order(list(columns), options.fields)
        spool.seek(0)
        with open_text(path, "w") as handle:
            writer = csv.writer(handle, delimiter=separator)
            writer.writerow(names)
            for line in spool:
                row = json.loads(line)
                writer.writerow([_text(row.get(name)) for name in names])
    return names


def _row(record: dict, options: ExportOptions) -> dict:
    if options.flatten:
        return record  # already flattened by the shaper
    if options.fields and "*" not in options.fields:
        return {f: get_path(record, f) for f in options.fields}
    return record


def _order(columns: list[str], fields: list[str] | None) -> list[str]:
    """Columns in the order of the --fields that produced them (``profile`` -> ``profile.*``)."""
    if not fields:
        return columns

    def rank(column: str) -> int:
        for index, name in enumerate(fields):
            if column == name or column.startswith(name + "."):
                return index
        return len(fields)

    return sorted(columns, key=rank)  # sorted() is stable: first-seen order inside one field
