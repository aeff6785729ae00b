"""Offline check of a sample of legacy users: cleartext + stored hash -> will it log in after import?

Reads CSV or JSON/JSONL rows (``password`` and ``hash`` columns; optional ``scheme``, ``salt``,
``rounds``, ``salt_encoding``, ``id``), converts each stored hash with :func:`convert`, verifies the
cleartext against the Gigya object exactly as the mock's login does, and diagnoses failures.
Nothing goes over the network; the ``gigya-migrate check-hashes`` command prints the report.
"""

import csv
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gigya_migrate.hashing.diagnosis import diagnose
from gigya_migrate.hashing.errors import HashSettingsError, UnsupportedHash
from gigya_migrate.hashing.legacy import convert
from gigya_migrate.hashing.password import validate_password_object, verify_password

__all__ = ["SampleError", "RowResult", "FormatSummary", "read_sample", "check_row", "check_sample", "summarize",
           "gigya_algorithm", "COLUMNS"]

COLUMNS = {
    "password": ("password", "cleartext", "plaintext", "clear_password"),
    "hash": ("hash", "stored", "stored_hash", "hashedPassword", "hashed_password", "compoundHashedPassword"),
    "scheme": ("scheme", "format"),
    "salt": ("salt",),
    "rounds": ("rounds", "iterations"),
    "salt_encoding": ("salt_encoding",),
    "id": ("id", "uid", "UID", "email", "username", "user"),
}
"""Canonical column -> accepted header names (first match wins)."""


class SampleError(ValueError):
    """The sample file cannot be read as rows of cleartext + stored hash."""


@dataclass(frozen=True)
class RowResult:
    """One sample row: ``status`` is "ok", "fail" (does not verify), "unsupported" or "invalid"."""

    row: int
    label: str
    format_name: str
    status: str
    password: dict | None = None
    cause: str | None = None
    message: str | None = None

    @property
    def ok(self) -> bool:
        """True if the row will log in after import."""
        return self.status == "ok"


@dataclass
class FormatSummary:
    """Per-format counts for the report."""

    format_name: str
    rows: int = 0
    verified: int = 0
    gigya: Counter = field(default_factory=Counter)
    causes: Counter = field(default_factory=Counter)


def _resolve_columns(header: Iterable[str], source: str) -> dict[str, str]:
    header = list(header)
    found = {}
    for canonical, names in COLUMNS.items():
        match = next((name for name in names if name in header), None)
        if match:
            found[canonical] = match
    missing = [c for c in ("password", "hash") if c not in found]
    if missing:
        wanted = "; ".join(f"{c}: one of {', '.join(COLUMNS[c])}" for c in missing)
        raise SampleError(
            f"{source} has no {' or '.join(missing)} column ({wanted}). Columns found: {', '.join(header) or 'none'}."
        )
    return found


def read_sample(path: str | Path) -> Iterator[dict]:
    """Rows as ``{"password", "hash", "scheme", "salt", "rounds", "salt_encoding", "id"}`` dicts
    (JSON rows may instead carry a Gigya ``hashSettings`` object next to the hash)."""
    path = Path(path)
    if path.suffix.lower() in (".json", ".jsonl", ".ndjson"):
        yield from _read_json(path)
    else:
        yield from _read_csv(path)


def _read_csv(path: Path) -> Iterator[dict]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        sample = handle.read(4096)
        handle.seek(0)
        dialect = _dialect(sample)
        reader = csv.DictReader(handle, dialect=dialect)
        columns = _resolve_columns(reader.fieldnames or [], path.name)
        for raw in reader:
            yield {canonical: raw.get(name) for canonical, name in columns.items()}


def _dialect(sample: str) -> type[csv.Dialect]:
    """Comma, semicolon, tab or pipe: whichever the header line uses most (hashes never decide it)."""
    header = sample.splitlines()[0] if sample else ""
    delimiter = max(",;\t|", key=header.count) if header else ","

    class Dialect(csv.excel):
        pass

    Dialect.delimiter = delimiter if header.count(delimiter) else ","
    return Dialect


def _read_json(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8-sig") as handle:  # a BOM is not part of the JSON
        text = handle.read()
    try:
        data = json.loads(text)
        records = data if isinstance(data, list) else [data]
    except json.JSONDecodeError:
        records = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise SampleError(f"{path.name} is neither JSON nor JSON Lines: {exc.msg} (line {number}).") from None
    for record in records:
        if not isinstance(record, Mapping):
            raise SampleError(f"{path.name}: every JSON row must be an object with password and hash fields.")
        columns = _resolve_columns(record.keys(), path.name)
        row = {canonical: record.get(name) for canonical, name in columns.items()}
        if isinstance(record.get("hashSettings"), Mapping):
            row["hashSettings"] = dict(record["hashSettings"])
        yield row


def _rounds(value: object) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise HashSettingsError(f"rounds {str(value)[:12]!r} is not a whole number.") from None


def _label(number: int, row: Mapping) -> str:
    return str(row.get("id") or f"row {number}")


def _to_object(row: Mapping, scheme: str | None, encoding: str | None, salt_encoding: str):
    stored = row.get("hash") or ""
    if isinstance(row.get("hashSettings"), Mapping):
        settings = row["hashSettings"]
        key = "compoundHashedPassword" if "algorithm" not in settings else "hashedPassword"
        obj = {key: stored, **({"hashSettings": settings} if settings else {})}
        validate_password_object(obj)
        return f"gigya {settings.get('algorithm', 'compound')}", obj
    result = convert(stored, scheme=row.get("scheme") or scheme, salt=row.get("salt") or None,
                     rounds=_rounds(row.get("rounds")), salt_encoding=row.get("salt_encoding") or salt_encoding,
                     encoding=encoding)
    return result.format_name, result.password


def check_row(number: int, row: Mapping, *, scheme: str | None = None, encoding: str | None = None,
              salt_encoding: str = "text") -> RowResult:
    """Convert, verify and (on failure) diagnose one sample row."""
    label, password = _label(number, row), row.get("password")
    if password is None or str(password) == "":  # an empty CSV cell: nothing to verify the hash with
        return RowResult(number, label, "?", "invalid", message="no cleartext password in this row.")
    try:
        format_name, obj = _to_object(row, scheme, encoding, salt_encoding)
    except UnsupportedHash as exc:
        return RowResult(number, label, exc.format_name, "unsupported", cause="unsupported", message=str(exc))
    except HashSettingsError as exc:
        message = str(exc)
        if not (row.get("scheme") or scheme) and (guess := _guess_scheme(str(password), row, encoding, salt_encoding)):
            message += f" With this row's cleartext it verifies as {guess!r}: re-run with --scheme '{guess}' " \
                       "(or add a scheme column)."
        return RowResult(number, label, row.get("scheme") or scheme or "?", "invalid", cause="invalid", message=message)
    stored = obj.get("hashedPassword") or obj["compoundHashedPassword"]
    if verify_password(str(password), stored, obj.get("hashSettings")):
        return RowResult(number, label, format_name, "ok", obj)
    diagnosis = diagnose(str(password), stored, obj.get("hashSettings"))
    return RowResult(number, label, format_name, "fail", obj, diagnosis.cause, diagnosis.message)


_GUESS_DIGESTS = ("md5", "sha1", "sha256", "sha512", "sha1_hashbytes")


def _guess_scheme(password: str, row: Mapping, encoding: str | None, salt_encoding: str) -> str | None:
    """The declared scheme that makes this bare digest verify with the row's own cleartext, if any.

    Only the plain digests (and, with a salt column, the salt before or after the password) are
    tried: a bare digest says nothing else about how it was made.
    """
    candidates = list(_GUESS_DIGESTS)
    if row.get("salt"):
        candidates = [f"{d}({order})" for d in _GUESS_DIGESTS for order in ("$salt$password", "$password$salt")]
    for candidate in candidates:
        try:
            result = convert(row.get("hash") or "", scheme=candidate, salt=row.get("salt") or None,
                             rounds=_rounds(row.get("rounds")),
                             salt_encoding=row.get("salt_encoding") or salt_encoding, encoding=encoding)
        except (HashSettingsError, UnsupportedHash):
            continue
        obj = result.password
        if verify_password(password, obj.get("hashedPassword") or "", obj.get("hashSettings")):
            return candidate
    return None


def check_sample(path: str | Path, **options) -> Iterator[RowResult]:
    """:func:`check_row` for every row of the sample file (streamed)."""
    for number, row in enumerate(read_sample(path), start=1):
        yield check_row(number, row, **options)


def gigya_algorithm(obj: Mapping | None) -> str:
    """"pbkdf2_sha256 (rounds 390000)", "bcrypt (compound)" ... for the summary table."""
    if not obj:
        return "-"
    if "compoundHashedPassword" in obj:
        value = obj["compoundHashedPassword"]
        name = "md5_crypt" if value.startswith("$1$") else "bcrypt" if value.startswith("$2") else "drupal"
        return f"{name} (compound)"
    settings = obj["hashSettings"]
    rounds = settings.get("rounds")
    return settings["algorithm"] + (f" (rounds {rounds})" if rounds not in (None, 1) else "")


def summarize(results: Iterable[RowResult]) -> list[FormatSummary]:
    """Group results by detected format, in first-seen order."""
    groups: dict[str, FormatSummary] = {}
    for result in results:
        group = groups.setdefault(result.format_name, FormatSummary(result.format_name))
        group.rows += 1
        group.verified += result.ok
        group.gigya[gigya_algorithm(result.password)] += 1
        if not result.ok:
            group.causes[result.message or result.status] += 1
    return list(groups.values())
