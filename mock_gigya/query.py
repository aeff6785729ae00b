"""The accounts.search / audit.search query language: parse once (lark grammar ``query.lark``), then
evaluate against plain account or audit-record dicts.

Semantics (docs/gigya-api.md §4, §6; each inferred point is listed in SUPPORTED.md):

* a path walks nested objects and fans out over arrays (``identities.provider``); a comparison on a
  path holding several values matches when **any** value matches; ``!=`` / ``not ...`` are the exact
  negation of their positive form, so a missing field matches ``!=``;
* ``=`` is case-sensitive; strings that look like ISO dates compare as dates, against ISO strings or
  Unix ms numbers; numeric strings compare numerically with numbers (audit ``errCode`` is a string);
* ``contains`` is word-level (words split on anything but letters and digits, so ``_`` separates);
  on encrypted fields (emails, usernames) it is a whole-value, case-insensitive match;
* ``regex`` is anchored to the whole value; range operators, regex and ORDER BY are refused on
  encrypted fields, as Gigya does.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

from lark import Lark, Token, Transformer
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from mock_gigya import query_limits
from mock_gigya.errors import MockGigyaError

__all__ = ["Query", "QueryError", "exact_text", "parse_query", "resolve", "to_millis"]

_GRAMMAR = (Path(__file__).with_name("query.lark")).read_text(encoding="utf-8")
_PARSER = Lark(_GRAMMAR, parser="lalr", maybe_placeholders=False)

ENCRYPTED_FIELDS = frozenset(
    {
        "profile.email",
        "profile.username",
        "loginIDs.emails",
        "loginIDs.unverifiedEmails",
        "loginIDs.username",
        "emails.verified",
        "emails.unverified",
    }
)
"""Fields Gigya encrypts by default (usernames and emails): only =, != and whole-value contains."""

_RANGE_OPS = {"<", "<=", ">", ">="}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_AGG_FUNCS = ("sum", "min", "max", "avg", "sum_of_squares", "variance", "std")


class QueryError(MockGigyaError):
    """A query that does not parse or cannot run: 400006 with the position and what was expected."""

    def __init__(self, details: str) -> None:
        super().__init__(
            400006,
            details=details,
            validation_errors=[{"errorCode": 400006, "message": details, "fieldName": "query"}],
        )


# ---------------------------------------------------------------- values and dates


def to_millis(value: Any) -> int | None:
    """Unix ms for an ISO-8601 date string (``Z``, offsets, date-only) or a number; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str) and _ISO_DATE.match(value):
        text = value.replace(" ", "T").replace("Z", "+00:00")
        try:
            parsed = _dt.datetime.fromisoformat(text)
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=_dt.timezone.utc)
        return int(parsed.timestamp() * 1000)
    return None


def exact_text(value: Any) -> bool:
    """True for a string constant that ``=`` matches only against the identical stored string.

    Per :func:`_comparable`, a string that is neither numeric nor an ISO date never equals a number,
    a bool or a differently spelled string, so an exact (case-sensitive) index lookup finds precisely
    the values the evaluator would match; numeric and date-like strings are left to Python.
    """
    return isinstance(value, str) and _number(value) is None and to_millis(value) is None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _comparable(left: Any, right: Any) -> tuple[Any, Any] | None:
    """A pair that Python can order, after Gigya-like coercion; None when the types never match."""
    if left is None or right is None:
        return None
    if isinstance(left, bool) or isinstance(right, bool):
        if isinstance(left, bool) and isinstance(right, bool):
            return left, right
        if isinstance(left, str) and left.lower() in ("true", "false"):
            return left.lower() == "true", right
        return None
    both_numbers = isinstance(left, (int, float)) and isinstance(right, (int, float))
    if both_numbers:
        return left, right
    if isinstance(left, str) and isinstance(right, str):
        dates = to_millis(left), to_millis(right)
        if None not in dates and not (_number(left) is not None and _number(right) is not None):
            return dates
        return left, right
    # One side a number, the other a string: a date string against ms, or a numeric string.
    text = left if isinstance(left, str) else right
    millis = to_millis(text) if _number(text) is None else None
    converted = millis if millis is not None else _number(text)
    if converted is None:
        return None
    return (converted, right) if isinstance(left, str) else (left, converted)


def _compare(left: Any, op: str, right: Any) -> bool:
    pair = _comparable(left, right)
    if pair is None:
        return False
    a, b = pair
    if op == "=":
        return a == b
    try:
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    except TypeError:
        return False


def resolve(doc: Any, path: str) -> list[Any]:
    """Every value at ``path`` in ``doc``: objects are walked, arrays fanned out, ``[i]`` indexes."""
    values = [doc]
    for part in _split_path(path):
        nxt: list[Any] = []
        for value in values:
            if isinstance(part, int):
                if isinstance(value, list) and -len(value) <= part < len(value):
                    nxt.append(value[part])
                continue
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict) and part in item:
                    nxt.append(item[part])
        values = nxt
    flat: list[Any] = []
    for value in values:
        flat.extend(value if isinstance(value, list) else [value])
    return flat


@lru_cache(maxsize=1024)
def _split_path(path: str) -> tuple[str | int, ...]:
    parts: list[str | int] = []
    for piece in path.split("."):
        name, *indexes = re.split(r"\[(\d+)\]", piece)
        if name:
            parts.append(name)
        parts.extend(int(i) for i in indexes if i != "")
    return tuple(parts)


# ---------------------------------------------------------------- predicates


Predicate = Callable[[dict], bool]


@dataclass
class Condition:
    """One WHERE leaf, kept as data so storage can push simple ones down to SQL."""

    field: str
    op: str  # "=", "!=", "<", "<=", ">", ">=", "contains", "in", "null", "regex"
    values: tuple[Any, ...] = ()
    negated: bool = False
    encrypted: bool = False
    pattern: Any = None  # a compiled RE2 pattern (query_limits.compile_regex)

    def __call__(self, doc: dict) -> bool:
        return self._positive(doc) != self.negated

    def _positive(self, doc: dict) -> bool:
        found = [v for v in resolve(doc, self.field) if v is not None]
        if self.op == "null":
            return not found
        if self.op in ("=", "in"):
            return any(self._equals(v, c) for v in found for c in self.values)
        if self.op in _RANGE_OPS:
            return any(_compare(v, self.op, self.values[0]) for v in found)
        if self.op == "contains":
            return any(self._contains(v, self.values[0]) for v in found)
        if self.op == "regex":
            return any(isinstance(v, str) and self.pattern.fullmatch(v) for v in found)
        raise AssertionError(self.op)

    def _equals(self, value: Any, constant: Any) -> bool:
        if constant is None:
            return False
        return _compare(value, "=", constant)

    def _contains(self, value: Any, constant: Any) -> bool:
        if not isinstance(value, str) or constant is None:
            return _compare(value, "=", constant)
        text = str(constant)
        if self.encrypted:
            return value.lower() == text.lower()
        wanted = _WORD.findall(text)
        words = _WORD.findall(value)
        if not wanted:
            return False
        span = len(wanted)
        return any(words[i : i + span] == wanted for i in range(len(words) - span + 1))


@dataclass
class BoolOp:
    """AND / OR over child predicates, evaluated left to right with short-circuit."""

    op: str  # "and" | "or"
    children: list[Any]

    def __call__(self, doc: dict) -> bool:
        if self.op == "and":
            return all(child(doc) for child in self.children)
        return any(child(doc) for child in self.children)


@dataclass
class Not:
    """NOT applied to the single statement on its right."""

    child: Any

    def __call__(self, doc: dict) -> bool:
        return not self.child(doc)


# ---------------------------------------------------------------- the parsed query


@dataclass
class SelectItem:
    """One SELECT entry: ``kind`` is ``*``, ``count``, ``field`` or an aggregate name."""

    kind: str
    field: str | None = None
    alias: str | None = None

    @property
    def label(self) -> str:
        """The result key of an aggregate, e.g. ``count(*)`` or ``sum(data.points)``."""
        return "count(*)" if self.kind == "count" else f"{self.kind}({self.field})"


@dataclass
class Query:
    """A parsed query: what to select, from where, the WHERE predicate and the paging clauses."""

    text: str
    select: list[SelectItem]
    source: str
    where: Any = None
    group_by: list[str] = field(default_factory=list)
    order_by: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    start: int | None = None
    limit: int | None = None

    @property
    def select_all(self) -> bool:
        """True when the result objects are whole records (``*``)."""
        return any(item.kind == "*" for item in self.select) and not self.aggregates

    @property
    def aggregates(self) -> list[SelectItem]:
        """count(*) and the numeric functions: these turn the result into one summary row."""
        return [item for item in self.select if item.kind not in ("*", "field")]

    @property
    def count_only(self) -> bool:
        """True for ``SELECT count(*)`` without GROUP BY: the result row is just the number of matches."""
        return bool(self.aggregates) and not self.group_by and all(i.kind == "count" for i in self.aggregates)

    def matches(self, doc: dict) -> bool:
        """True when ``doc`` satisfies the WHERE clause (always, when there is none)."""
        return True if self.where is None else bool(self.where(doc))

    def project(self, doc: dict) -> dict:
        """The result object for one matching record: ``*``, or the selected paths/aliases."""
        if any(item.kind == "*" for item in self.select):
            return doc
        out: dict = {}
        for item in self.select:
            if item.kind == "field":
                _project_into(out, doc, _split_path(item.field), item.alias)
        return out

    def sort_key(self, doc: dict) -> tuple:
        """A key for ORDER BY: missing values last in ascending order (I)."""
        key = []
        for path, descending in self.order_by:
            values = [v for v in resolve(doc, path) if v is not None]
            key.append(_SortValue(values[0] if values else None, descending))
        return tuple(key)

    def summarize(self, docs: Iterable[dict]) -> tuple[list[dict], int]:
        """The aggregate result rows (GROUP BY groups, or one row) and the number of matches."""
        groups: dict[tuple, list] = {}
        total = 0
        keep_docs = self._needs_docs  # count(*) alone keeps only a placeholder per member
        for doc in docs:
            total += 1
            key = tuple(_group_value(doc, path) for path in self.group_by)
            groups.setdefault(key, []).append(doc if keep_docs else None)
        if not self.group_by:
            return [self._aggregate_row(groups.get((), []), {})], total
        rows = []
        for key, members in groups.items():
            row: dict = {}
            for path, value in zip(self.group_by, key):
                _set_path(row, _split_path(path), value)
            rows.append(self._aggregate_row(members, row))
        rows.sort(key=lambda r: -r.get("count(*)", 0))
        return rows, total

    @property
    def _needs_docs(self) -> bool:
        return any(item.kind in _AGG_FUNCS for item in self.select)

    def _aggregate_row(self, members: list, row: dict) -> dict:
        row["count(*)"] = len(members)
        for item in self.aggregates:
            if item.kind in _AGG_FUNCS:
                numbers = [n for d in members for v in resolve(d, item.field) if (n := _number(v)) is not None]
                row[item.label] = _aggregate(item.kind, numbers)
        if not any(item.kind == "count" for item in self.select) and self.aggregates:
            row.pop("count(*)")
        return row


class _SortValue:
    """Orders mixed types deterministically; None sorts last ascending, first descending."""

    __slots__ = ("value", "descending", "rank")

    def __init__(self, value: Any, descending: bool) -> None:
        self.value = value
        self.descending = descending
        if value is None:
            self.rank = (1, 0, "")
        elif isinstance(value, bool):
            self.rank = (0, 0, int(value))
        elif isinstance(value, (int, float)):
            self.rank = (0, 1, value)
        elif isinstance(value, str):
            millis = to_millis(value) if _ISO_DATE.match(value) else None
            self.rank = (0, 1, millis) if millis is not None else (0, 2, value)
        else:
            self.rank = (0, 3, repr(value))

    def __lt__(self, other: "_SortValue") -> bool:
        if self.rank[0] != other.rank[0]:
            return self.rank[0] < other.rank[0]
        if self.rank == other.rank:
            return False
        less = self.rank < other.rank
        return not less if self.descending else less

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _SortValue) and self.rank == other.rank


def _aggregate(kind: str, numbers: list[float]) -> Any:
    if not numbers:
        return {"min": "infinity", "max": "-infinity"}.get(kind, 0)
    n = len(numbers)
    mean = sum(numbers) / n
    variance = sum((x - mean) ** 2 for x in numbers) / n
    return {
        "sum": sum(numbers),
        "min": min(numbers),
        "max": max(numbers),
        "avg": mean,
        "sum_of_squares": sum(x * x for x in numbers),
        "variance": variance,
        "std": math.sqrt(variance),
    }[kind]


def _group_value(doc: dict, path: str) -> Any:
    values = resolve(doc, path)
    value = values[0] if values else None
    return value if isinstance(value, (str, int, float, bool)) or value is None else repr(value)


def _set_path(out: dict, parts: tuple, value: Any) -> None:
    *parents, last = [p for p in parts if isinstance(p, str)]
    for part in parents:
        out = out.setdefault(part, {})
    out[last] = value


def _project_into(out: dict, doc: Any, parts: tuple, alias: str | None) -> None:
    """Copy ``doc``'s value at ``parts`` into ``out`` keeping the nesting (arrays kept as arrays)."""
    head, rest = parts[0], parts[1:]
    if isinstance(head, int) or not isinstance(doc, dict) or head not in doc:
        return
    value = doc[head]
    if not rest:
        out[alias or head] = value
        return
    if isinstance(value, list):
        items = []
        for element in value:
            sub: dict = {}
            _project_into(sub, element, rest, alias)
            if sub:
                items.append(sub)
        if items:
            out[head] = items
        return
    sub = out[head] if isinstance(out.get(head), dict) else {}
    _project_into(sub, value, rest, alias)
    if sub:
        out[head] = sub


# ---------------------------------------------------------------- parse tree -> Query


class _Build(Transformer):
    """Parse tree -> :class:`Query` parts; one callback per grammar rule alias."""

    def __init__(self, encrypted: frozenset[str]) -> None:
        super().__init__()
        self.encrypted = encrypted

    # values
    def string(self, items):
        raw = items[0][1:-1]
        return re.sub(r"\\(.)", r"\1", raw)

    def number(self, items):
        text = str(items[0])
        return float(text) if any(c in text for c in ".eE") else int(text)

    def true(self, _):
        return True

    def false(self, _):
        return False

    def null(self, _):
        return None

    # predicates
    def _encrypted(self, name: str) -> bool:
        return str(name) in self.encrypted

    def compare(self, items):
        name, op, value = str(items[0]), str(items[1]), items[2]
        op = "!=" if op == "<>" else op
        if value is None and op in ("=", "!="):
            return Condition(name, "null", negated=(op == "!="))
        if op in _RANGE_OPS and self._encrypted(name):
            raise QueryError(f"operator {op} cannot be used on the encrypted field {name}")
        negated = op == "!="
        return Condition(name, "=" if negated else op, (value,), negated, self._encrypted(name))

    def contains(self, items):
        negated = any(isinstance(t, Token) and t.type == "NOT" for t in items)
        return Condition(str(items[0]), "contains", (items[-1],), negated, self._encrypted(items[0]))

    def is_null(self, items):
        return Condition(str(items[0]), "null")

    def is_not_null(self, items):
        return Condition(str(items[0]), "null", negated=True)

    def in_(self, items):
        negated = any(isinstance(t, Token) and t.type == "NOT" for t in items)
        values = tuple(i for i in items[1:] if not (isinstance(i, Token) and i.type == "NOT"))
        return Condition(str(items[0]), "in", values, negated, self._encrypted(items[0]))

    def regex(self, items):
        name = str(items[0])
        if self._encrypted(name):
            raise QueryError(f"regex cannot be used on the encrypted field {name}")
        negated = any(isinstance(t, Token) and t.type == "NOT" for t in items)
        pattern_text = self.string([items[-1]]) if isinstance(items[-1], Token) else items[-1]
        try:  # RE2: linear time, so no pattern can stall the mock (see query_limits)
            pattern = query_limits.compile_regex(pattern_text)
        except query_limits.RegexError as exc:
            raise QueryError(f"invalid regex {pattern_text!r}: {exc}") from None
        return Condition(name, "regex", (pattern_text,), negated, False, pattern)

    def or_(self, items):
        return items[0] if len(items) == 1 else BoolOp("or", list(items))

    def and_(self, items):
        return items[0] if len(items) == 1 else BoolOp("and", list(items))

    def not_(self, items):
        return Not(items[-1])

    # clauses
    def star_item(self, _):
        return SelectItem("*")

    def count_item(self, _):
        return SelectItem("count")

    def agg_item(self, items):
        alias = items[2] if len(items) > 2 else None
        return SelectItem(str(items[0]).lower(), str(items[1]), alias)

    def field_item(self, items):
        return SelectItem("field", str(items[0]), items[1] if len(items) > 1 else None)

    def alias(self, items):
        return str(items[0])

    def select_list(self, items):
        return list(items)

    def select_clause(self, items):
        return ("select", items[0])

    def from_clause(self, items):
        return ("from", str(items[0]))

    def where_clause(self, items):
        return ("where", items[0])

    def group_clause(self, items):
        return ("group", [str(i) for i in items])

    def order_item(self, items):
        name = str(items[0])
        if self._encrypted(name):
            raise QueryError(f"ORDER BY cannot be used on the encrypted field {name}")
        return (name, len(items) > 1 and str(items[1]).lower() == "desc")

    def order_clause(self, items):
        return ("order", list(items))

    def start_part(self, items):
        return ("start", int(items[0]))

    def limit_part(self, items):
        return ("limit", int(items[0]))

    def paging(self, items):
        names = [name for name, _ in items]
        if names == ["limit", "start"]:
            # HELP accounts.search and DEVA audit.search: ORDER BY, START, LIMIT in that order.
            raise QueryError("LIMIT must be the last clause: write START n LIMIT m, not LIMIT m START n")
        return ("paging", dict(items))


def _describe(exc: UnexpectedInput, text: str) -> str:
    position = getattr(exc, "pos_in_stream", None)
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        position = len(text)
    column = getattr(exc, "column", None)
    if isinstance(exc, UnexpectedToken):
        found = "end of query" if exc.token.type == "$END" else repr(str(exc.token))
        expected = sorted(_readable(t) for t in exc.accepts or exc.expected)
    elif isinstance(exc, UnexpectedCharacters):
        found = repr(text[exc.pos_in_stream]) if exc.pos_in_stream < len(text) else "end of query"
        expected = sorted(_readable(t) for t in (exc.allowed or ()))
    else:
        found, expected = "unexpected input", []
    where = f"position {position}" if position is not None else "the end"
    if column is not None and column != "?" and not (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        where += f" (column {column})"
    wanted = f"; expected one of: {', '.join(dict.fromkeys(expected))}" if expected else ""
    return f"Query syntax error at {where}: unexpected {found}{wanted}"


_TERMINAL_NAMES = {
    "FIELD": "a field name",
    "STRING": "a quoted string",
    "NUMBER": "a number",
    "INT": "an integer",
    "CMP": "a comparison operator",
    "STAR": "*",
    "COUNT_STAR": "count(*)",
    "AGG": "an aggregate function",
    "NAME": "a name",
    "LPAR": "(",
    "RPAR": ")",
    "COMMA": ",",
    "$END": "end of query",
}


def _readable(terminal: str) -> str:
    if terminal in _TERMINAL_NAMES:
        return _TERMINAL_NAMES[terminal]
    try:
        pattern = _PARSER.get_terminal(terminal).pattern
        value = pattern.value
        if pattern.type == "str":
            return value.upper()
        return terminal.lstrip("_").upper()
    except KeyError:
        return terminal


def parse_query(text: str, *, sources: Iterable[str] = ("accounts",), encrypted: frozenset[str] | None = None) -> Query:
    """Parse ``text`` into a :class:`Query`; raise :class:`QueryError` (400006) on any problem.

    ``sources`` lists the FROM names allowed (case-insensitive); ``encrypted`` the fields limited to
    =, != and whole-value contains (defaults to the accounts defaults).
    """
    if not isinstance(text, str) or not text.strip():
        raise MockGigyaError.missing("query")
    try:
        tree = _PARSER.parse(text)
        clauses = dict(_Build(ENCRYPTED_FIELDS if encrypted is None else encrypted).transform(tree).children)
    except UnexpectedInput as exc:
        raise QueryError(_describe(exc, text)) from None
    except RecursionError:
        raise QueryError("Query is nested too deeply") from None
    except LarkError as exc:
        inner = getattr(exc, "orig_exc", None)
        if isinstance(inner, MockGigyaError):
            raise inner from None
        raise QueryError(f"Query could not be parsed: {exc}") from None
    allowed = {s.lower(): s for s in sources}
    source = clauses["from"]
    if source.lower() not in allowed:
        raise QueryError(f"FROM {source} is not supported here; expected one of: {', '.join(allowed.values())}")
    paging = clauses.get("paging", {})
    query = Query(
        text=text,
        select=clauses["select"],
        source=allowed[source.lower()],
        where=clauses.get("where"),
        group_by=clauses.get("group", []),
        order_by=clauses.get("order", []),
        start=paging.get("start"),
        limit=paging.get("limit"),
    )
    _check_select(query)
    if (terms := query_limits.count_terms(query.where)) > query_limits.MAX_TERMS:
        raise QueryError(f"Query has {terms} conditions; at most {query_limits.MAX_TERMS} are accepted "
                         "(split it, or use IN lists on an indexed field)")
    return query


def _check_select(query: Query) -> None:
    functions = {item.field for item in query.select if item.kind in _AGG_FUNCS}
    if len(functions) > 1:
        raise QueryError("the numeric functions must all be applied to the same field")
    if query.aggregates and any(item.kind == "field" for item in query.select) and not query.group_by:
        raise QueryError("fields cannot be selected together with count(*) or aggregates without GROUP BY")
