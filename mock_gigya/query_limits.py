"""Bounds on accounts.search / audit.search queries, so no query can freeze or crash the mock.

- ``regex`` runs on RE2 (google-re2): linear time in the length of the value, whatever the pattern,
  so ``regex "(a|a)*b"`` against a long value cannot stall other clients. RE2 has no
  backreferences or lookaround; neither has Gigya's engine (Elasticsearch/Lucene regular
  expressions are automata too), so a pattern using them is refused with 400006 as before.
  RE2's own memory cap bounds huge repetitions (``(a{1000}){1000}``): refused, not built.
- A query with more than :data:`MAX_TERMS` conditions (each ``IN`` value counts) answers 400006.
  Gigya documents no limit (*inferred*: Elasticsearch's default ``max_clause_count`` is 1,024 to
  4,096 depending on version; the mock allows a little more so real-world generated queries pass).
- A WHERE tree with more than :data:`SQL_MAX_TERMS` conditions (or an ``IN`` list that would
  become more than that many SQL ORs) is not pushed down to SQLite, whose parser refuses expression
  trees deeper than 1,000: it is evaluated in Python instead, so 500 ORs answer a result, never
  500001.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MAX_TERMS", "SQL_MAX_TERMS", "RegexError", "compile_regex", "count_terms"]

MAX_TERMS = 5_000
"""Most conditions one query may hold (IN values included); more answers 400006 (inferred)."""

SQL_MAX_TERMS = 200
"""Most conditions pushed down to SQLite as one expression (deeper trees are filtered in Python)."""

_REGEX_MAX_MEMORY = 8 << 20  # bytes RE2 may use to compile one pattern


class RegexError(ValueError):
    """A pattern RE2 refuses (syntax it does not support, or too large to compile)."""


def compile_regex(pattern: str) -> Any:
    """The pattern compiled by RE2 with ``.`` matching newlines (as the mock's re.DOTALL did)."""
    import re2  # google-re2

    options = re2.Options()
    options.dot_nl = True
    options.log_errors = False  # refused patterns are the client's error, not log noise
    options.max_mem = _REGEX_MAX_MEMORY
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        detail = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise RegexError(detail) from None


def count_terms(node: Any, *, values: bool = True) -> int:
    """Conditions in a WHERE tree, walked without recursion. With ``values`` an ``IN`` list counts
    each value (the query's size); without, one (the depth of the SQL it becomes, as ``IN (...)``)."""
    total, stack = 0, [node]
    while stack:
        item = stack.pop()
        if item is None:
            continue
        children = getattr(item, "children", None)
        if isinstance(children, list):  # BoolOp
            stack.extend(children)
        elif hasattr(item, "child"):  # Not
            stack.append(item.child)
        else:  # Condition
            total += max(1, len(getattr(item, "values", ()) or ())) if values else 1
    return total
