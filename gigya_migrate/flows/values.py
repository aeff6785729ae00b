"""Values out of source records: paths into JSON records and the conversions a mapping applies.

``lookup(row, "credentials[type=password].secretData.value")`` walks into a record (parsing JSON
text met on the way); ``convert(value, spec, column)`` turns a value into the type a mapping field
asks for (``int``, ``bool`` with ``invert``, ``list`` with ``separator``, ``date`` with ``format``,
``values`` maps), raising ``RecordError`` for one bad row. ``to_gigya_date`` writes Gigya's date text.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from gigya_migrate.flows.runner import RecordError

__all__ = ["FALSE", "TRUE", "blank", "convert", "flat_items", "lookup", "root", "to_gigya_date"]

TRUE = {"true", "1", "yes", "y", "t"}
FALSE = {"false", "0", "no", "n", "f"}


def flat_items(row: dict, prefix: str):
    """(``a.b``, value) for the members of the object at ``a`` (``profile.*`` on nested JSON), and the
    row's own columns (``profile.x`` on a CSV)."""
    yield from row.items()
    parent = lookup(row, prefix.rstrip("."))
    if isinstance(parent, dict):
        yield from ((f"{prefix}{name}", value) for name, value in parent.items())


def _mapped_value(value: Any, spec: Any) -> Any:
    key = str(value).strip() if not isinstance(value, bool) else str(value).lower()
    return spec.values[key] if key in spec.values else spec.values.get("*", value)


def convert(value: Any, spec: Any, column: str) -> Any:
    """``value`` (CSV text or a typed JSON value) as ``spec.type``; ``RecordError`` if it is not one."""
    if spec.values:
        value = _mapped_value(value, spec)
    try:
        converted = _CONVERTERS[spec.type](value, spec)
    except (ValueError, TypeError, OverflowError):
        shown = value.strip()[:40] if isinstance(value, str) else value
        kind = f"{spec.type} ({spec.format})" if spec.format else spec.type
        raise RecordError("invalid-value", f"column {column!r}: {shown!r} is not a valid {kind}") from None
    return (not converted) if spec.invert else converted


def _to_bool(value: Any, spec: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE | FALSE:
        return text in TRUE
    raise ValueError(text)


def _to_list(value: Any, spec: Any) -> list:
    if isinstance(value, list):
        return value
    return [part.strip() for part in str(value).split(spec.separator) if part.strip()]


def _to_json(value: Any, spec: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _typed(kind: type) -> Any:
    def convert(value: Any, spec: Any) -> Any:
        if isinstance(value, bool) or (isinstance(value, str) and not value.strip()):
            raise ValueError(value)
        return kind(value.strip() if isinstance(value, str) else value)
    return convert


def _keep(value: Any, spec: Any) -> Any:
    return value  # JSON input arrives typed; CSV text is kept as text


def to_gigya_date(value: Any, fmt: str | None = None) -> str:
    """A source date as Gigya's ISO-8601 UTC text (``2020-01-02T03:04:05Z``, with ``.mmm`` when the
    source has milliseconds): the same instant as the source.

    ``fmt``: ``epoch_s``, ``epoch_ms``, ``iso8601``, a ``strptime`` pattern, or None to read ISO 8601
    text and epoch numbers (seconds below 10^11, else milliseconds). A date without a timezone is UTC.
    """
    moment = _parse_date(value, fmt)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    millis = moment.microsecond // 1000
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{millis:03d}Z" if millis else "Z")


def _parse_date(value: Any, fmt: str | None) -> datetime:
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    text = "" if numeric else str(value).strip()
    if fmt in ("epoch_s", "epoch_ms") or (fmt is None and (numeric or re.fullmatch(r"-?\d+(\.\d+)?", text))):
        number = float(value) if numeric else float(text)
        ms = fmt == "epoch_ms" or (fmt is None and abs(number) >= 1e11)
        # whole milliseconds: a float of seconds would round 1.001 s to 1.000999 s
        millis = round(number) if ms else round(number * 1000)
        return datetime.fromtimestamp(millis // 1000, tz=timezone.utc).replace(microsecond=(millis % 1000) * 1000)
    if fmt is None or fmt == "iso8601":
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return datetime.strptime(text, fmt)


def _to_date(value: Any, spec: Any) -> str:
    return to_gigya_date(value, spec.format)


_CONVERTERS = {"str": _keep, "int": _typed(int), "float": _typed(float), "bool": _to_bool, "json": _to_json,
               "list": _to_list, "date": _to_date}


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+|[^\]=]+=[^\]]*)\]")


def root(path: str) -> str:
    """The top-level source field of a path (``credentials`` for ``credentials[0].value``)."""
    match = _PATH_PART.match(path)
    return match.group(1) if match and match.group(1) else path


def lookup(row: dict, path: str) -> Any:
    """The value at ``path`` in ``row`` (None if absent).

    A column named exactly ``path`` wins (CSV headers may contain dots). Otherwise ``path`` walks
    into the record: ``a.b`` (object member), ``a[0]`` (list element), ``a[type=password]`` (the
    first list element whose ``type`` is ``password``); a text value met on the way that holds JSON
    (Keycloak's ``secretData``) is parsed first.
    """
    if path in row:
        return row[path]
    node: Any = row
    for name, index in _PATH_PART.findall(path):
        node = _parse_json_text(node)
        if name:
            node = node.get(name) if isinstance(node, dict) else None
        elif index.isdigit():
            node = node[int(index)] if isinstance(node, list) and int(index) < len(node) else None
        else:
            key, _, wanted = index.partition("=")
            items = node if isinstance(node, list) else []
            node = next((i for i in items if isinstance(i, dict) and str(i.get(key)) == wanted), None)
        if node is None:
            return None
    return node


def _parse_json_text(node: Any) -> Any:
    if isinstance(node, str) and node.strip()[:1] in ("{", "["):
        try:
            return json.loads(node)
        except json.JSONDecodeError:
            return node
    return node


def blank(value: Any) -> bool:
    # an empty list/object is a value: Keycloak's "credentials": [] says "no password credential"
    return value is None or (isinstance(value, str) and not value.strip())


LABEL_CHARS = 24
"""How much of a column name a message shows: a data row read as a header (a CSV without one) would
otherwise print a user's whole password hash or salt as a "column name"."""


def column_label(name: str) -> str:
    """``name`` as error messages show it: clipped to ``LABEL_CHARS`` characters."""
    return name if len(name) <= LABEL_CHARS else name[:LABEL_CHARS - 1] + "\u2026"
