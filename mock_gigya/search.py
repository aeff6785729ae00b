"""accounts.search and audit.search over the mock's store: the query language, SQL narrowing of a
WHERE clause, the START/LIMIT window and cursors. :class:`Searcher` is what ``Backend.search`` and
``Backend.audit_search`` delegate to (one per backend).

SQL narrows the rows a search reads (indexes for login IDs and emails, the numbers-only timestamp
columns, ``instr`` on the JSON text); the whole WHERE is still evaluated in Python on every row read,
so narrowing only saves work, never changes a result.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any, Iterator

from mock_gigya import query_limits
from mock_gigya.errors import MockGigyaError
from mock_gigya.query import ENCRYPTED_FIELDS, BoolOp, Condition, Query, exact_text, parse_query
from mock_gigya.store import INDEXED_FIELDS, Store

__all__ = ["CURSOR_TTL", "SEARCH_LIMIT_DEFAULT", "SEARCH_LIMIT_MAX", "SEARCH_WINDOW", "Searcher"]

CURSOR_TTL = 300
"""Seconds a cursorId stays valid between calls (HELP accounts.search)."""

SEARCH_LIMIT_DEFAULT, SEARCH_LIMIT_MAX, SEARCH_WINDOW = 300, 10000, 5000
_SEARCH_DENY_CURSOR = "openCursor cannot be combined with START or GROUP BY"


@dataclass(frozen=True)
class _Filter:
    """An SQL condition narrowing a search: ``sql`` selects a superset of the matching rows ("" means
    every row); ``exact`` when it selects exactly them, so counts need not read any JSON. ``among``,
    when set, is a SELECT of candidate UIDs (a superset, from indexes) for SQLite to start from."""

    sql: str = ""
    params: tuple = ()
    exact: bool = False
    among: tuple[str, tuple] | None = None


_TIMESTAMP_COLUMNS = {"createdTimestamp": "created_ts", "lastUpdatedTimestamp": "updated_ts"}
_AMONG_MAX = 5000
"""Most candidate UIDs a search starts from. Starting from the candidates means sorting those after
the cursor on every page, so a value shared by very many accounts (``profile.username = ""``) walks
the site in ``seq`` order instead, keeping cursor paging linear."""
_ORDERED_OPS = ("=", "<", "<=", ">", ">=")


def _narrow(node: Any, table: str, api_key: str, store: Store) -> _Filter | None:
    """The SQL filter for a WHERE tree, or None when SQL cannot narrow it (every row is a candidate).

    AND keeps whichever sides narrow (exact only when all do); OR narrows only when every side does;
    NOT and negated leaves (``!=``, ``not in``) are left to Python: a missing field matches them."""
    if isinstance(node, Condition):
        return _narrow_leaf(node, table, api_key, store)
    if isinstance(node, BoolOp):
        parts = [_narrow(child, table, api_key, store) for child in node.children]
        usable = [p for p in parts if p is not None]
        if node.op == "or" and len(usable) < len(parts) or not usable:
            return None
        joiner = " AND " if node.op == "and" else " OR "
        drivers = [p.among for p in usable if p.among is not None]
        among = None
        if drivers and node.op == "and":
            among = drivers[0]  # each is small (see _narrow_leaf); Python and SQL apply the other sides
        elif drivers and len(drivers) == len(parts):
            # OR: the union of the sides' candidates, when every side has some.
            among = (" UNION ".join(f"SELECT * FROM ({d[0]})" for d in drivers), tuple(v for d in drivers for v in d[1]))
        return _Filter(
            joiner.join(f"({p.sql})" for p in usable),
            tuple(v for p in usable for v in p.params),
            len(usable) == len(parts) and all(p.exact for p in usable),
            among,
        )
    return None


def _narrow_leaf(cond: Condition, table: str, api_key: str, store: Store) -> _Filter | None:
    if cond.negated or not cond.values or cond.op not in ("in", *_ORDERED_OPS):
        return None
    values = tuple(dict.fromkeys(cond.values))
    if table == "accounts" and cond.op in ("=", "in"):
        if cond.field in INDEXED_FIELDS and all(exact_text(v) for v in values):
            among = store.indexed_uids(api_key, cond.field, values)
            small = not store.selects_more_than(among, _AMONG_MAX)
            return _Filter(f"uid IN ({among[0]})", among[1], exact=True, among=among if small else None)
    column = _TIMESTAMP_COLUMNS.get(cond.field) if table == "accounts" else None
    if column and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        # Numbers against the numbers-only column compare exactly as _compare does; accounts whose
        # JSON holds a non-number there have a NULL column and must reach Python.
        op = "=" if cond.op == "in" else cond.op
        sql = f"{column} IN ({','.join('?' * len(values))})" if op == "=" else f"{column} {op} ?"
        params = values if op == "=" else values[:1]
        if not store.has_odd_timestamps(api_key):
            return _Filter(sql, params, exact=True)
        odd_sql, odd_params = store.odd_timestamps_uids(api_key)
        return _Filter(f"{sql} OR uid IN ({odd_sql})", (*params, *odd_params))
    if cond.op in ("=", "in") and all(_plain_text(v) for v in values) and len(values) <= query_limits.SQL_MAX_TERMS:
        # A superset: the JSON text holds the quoted string somewhere (any path, arrays included).
        return _Filter(" OR ".join("instr(doc, ?) > 0" for _ in values),
                       tuple(json.dumps(v, ensure_ascii=False) for v in values))
    return None


def _plain_text(value: Any) -> bool:
    """A string constant that can only equal an identical JSON string (not numeric, not a date)."""
    return bool(value) and exact_text(value)


class Searcher:
    """The searches of one backend (its store, clock and write-to-search delay)."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend

    def run(self, table: str, api_key: str, text: str | None, cursor_id: str | None, open_cursor: bool) -> dict:
        """One accounts.search (``table`` "accounts") or audit.search ("audit") call: a page of results."""
        if cursor_id:
            if text:
                raise MockGigyaError.invalid("cursorId", "cursorId cannot be sent together with query")
            return self._next_page(table, api_key, cursor_id)
        query = self._parse(table, text)
        if open_cursor:
            if query.start is not None or query.group_by:
                raise MockGigyaError.invalid("openCursor", _SEARCH_DENY_CURSOR)
            if query.aggregates:
                raise MockGigyaError.invalid("openCursor", "openCursor cannot be combined with count(*) or aggregates")
            return self._open_cursor(table, api_key, query)
        if query.count_only and (narrowed := self._filter(table, api_key, query)).exact:
            total = self.backend.store.count(table, api_key, narrowed.sql, narrowed.params, narrowed.among)
            return {"results": [{"count(*)": total}], "objectsCount": 1, "totalCount": total}
        if query.aggregates or query.group_by:
            rows, total = query.summarize(doc for _, doc in self._matching(table, api_key, query))
            return {"results": rows, "objectsCount": len(rows), "totalCount": total}
        return self._window(table, api_key, query)

    def _parse(self, table: str, text: str | None) -> Query:
        if table == "audit":
            query = parse_query(text, sources=("auditLog",), encrypted=frozenset())
            if not query.select_all or len(query.select) != 1:
                raise MockGigyaError.invalid("query", "audit.search supports SELECT * only")
            if query.group_by:
                raise MockGigyaError.invalid("query", "audit.search does not support GROUP BY")
            return query
        return parse_query(text, sources=("accounts",), encrypted=ENCRYPTED_FIELDS)

    def _filter(self, table: str, api_key: str, query: Query) -> _Filter:
        """The SQL narrowing of ``query``'s WHERE (see :func:`_narrow`)."""
        if self.backend.search_index.view(self.backend, table, api_key) is not None:
            return _Filter()  # a write-to-search delay changes what matches: every row goes through Python
        if query.where is None:
            return _Filter(exact=True)
        if query_limits.count_terms(query.where, values=False) > query_limits.SQL_MAX_TERMS:
            return _Filter()  # too deep for SQLite's parser: every row is a candidate, Python filters
        return _narrow(query.where, table, api_key, self.backend.store) or _Filter()

    def _matching(self, table: str, api_key: str, query: Query, *, after: int = 0) -> Iterator[tuple[int, dict]]:
        """Stream ``(seq, doc)`` of matching rows in ``seq`` order, ``batch`` rows per lock hold.

        SQL narrows the rows; the whole WHERE is still evaluated here on each one, so the narrowing
        can only save work, never change a result."""
        narrowed = self._filter(table, api_key, query)
        view = self.backend.search_index.view(self.backend, table, api_key)  # None unless a write-to-search delay applies
        while batch := self.backend.store.scan(table, api_key, after=after, where_sql=narrowed.sql, params=narrowed.params,
                                       among=narrowed.among):
            for seq, doc in batch:
                seen = doc if view is None else view(doc)
                if seen is not None and query.matches(seen):
                    yield seq, seen
            after = batch[-1][0]

    def _count(self, table: str, api_key: str, query: Query) -> int:
        narrowed = self._filter(table, api_key, query)
        if narrowed.exact:
            return self.backend.store.count(table, api_key, narrowed.sql, narrowed.params, narrowed.among)
        return sum(1 for _ in self._matching(table, api_key, query))

    def _window(self, table: str, api_key: str, query: Query) -> dict:
        start = query.start or 0
        if start > SEARCH_WINDOW:
            raise MockGigyaError.invalid("query", f"START must be at most {SEARCH_WINDOW}")
        limit = min(query.limit if query.limit is not None else SEARCH_LIMIT_DEFAULT, SEARCH_LIMIT_MAX)
        end = min(start + limit, SEARCH_WINDOW)
        narrowed = self._filter(table, api_key, query)
        if query.order_by:
            rows = sorted((doc for _, doc in self._matching(table, api_key, query)), key=query.sort_key)
            total, page = len(rows), rows[start:end]
        elif narrowed.exact:
            # SQL selects exactly the matches: count them there and read only the page's JSON.
            total = self.backend.store.count(table, api_key, narrowed.sql, narrowed.params, narrowed.among)
            batch = self.backend.store.scan(table, api_key, batch=end - start, skip=start, where_sql=narrowed.sql,
                                    params=narrowed.params, among=narrowed.among) if end > start else []
            page = [doc for _, doc in batch if query.matches(doc)]
        else:
            page, total = [], 0
            for _, doc in self._matching(table, api_key, query):
                if start <= total < end:
                    page.append(doc)
                total += 1
        results = [query.project(self._search_result(table, api_key, query, d)) for d in page]
        return {"results": results, "objectsCount": len(results), "totalCount": total}

    def _open_cursor(self, table: str, api_key: str, query: Query) -> dict:
        state = {"table": table, "query": query.text, "total": None, "after": 0, "pos": 0, "ordered": bool(query.order_by)}
        seqs = None
        if query.order_by:
            ordered = sorted(self._matching(table, api_key, query), key=lambda pair: query.sort_key(pair[1]))
            seqs = [seq for seq, _ in ordered]
            state["total"] = len(seqs)
        else:
            state["total"] = self._count(table, api_key, query)
        cursor = secrets.token_hex(16)
        self.backend.store.put_cursor(cursor, api_key, state, self._cursor_expiry(), seqs, opening=True)
        state["root"] = cursor
        return self._page(table, api_key, cursor, state, query)

    def _next_page(self, table: str, api_key: str, cursor_id: str) -> dict:
        found = self.backend.store.get_cursor(cursor_id)
        if found is None or found[0] != api_key or found[1].get("table") != table:
            raise MockGigyaError.invalid("cursorId", "unknown cursorId")
        _, state, expires = found
        if expires < self.backend.clock():
            raise MockGigyaError.invalid("cursorId", f"the cursor expired ({CURSOR_TTL} s between calls)")
        query = self._parse(table, state["query"])
        return self._page(table, api_key, cursor_id, state, query)

    def _page(self, table: str, api_key: str, cursor_id: str, state: dict, query: Query) -> dict:
        size = min(query.limit or SEARCH_LIMIT_DEFAULT, SEARCH_LIMIT_MAX)
        if state["ordered"]:
            root = state.get("root", cursor_id)
            seqs = self.backend.store.cursor_seqs(root, state["pos"], size)
            docs = self.backend.store.fetch_seqs(table, seqs)
            page = [docs[s] for s in seqs if s in docs]
            if (view := self.backend.search_index.view(self.backend, table, api_key)) is not None:  # write-to-search delay
                page = [seen for seen in map(view, page) if seen is not None]
            nxt = {**state, "root": root, "pos": state["pos"] + len(seqs)}
            more = nxt["pos"] < state["total"]
        else:
            pairs: list[tuple[int, dict]] = []
            for pair in self._matching(table, api_key, query, after=state["after"]):
                pairs.append(pair)
                if len(pairs) > size:
                    break
            more = len(pairs) > size
            pairs = pairs[:size]
            page = [doc for _, doc in pairs]
            nxt = {**state, "after": pairs[-1][0] if pairs else state["after"]}
        results = [query.project(self._search_result(table, api_key, query, d)) for d in page]
        out = {"results": results, "objectsCount": len(results), "totalCount": state["total"]}
        if more:
            next_id = secrets.token_hex(16)
            self.backend.store.put_cursor(next_id, api_key, nxt, self._cursor_expiry())
            out["nextCursorId"] = next_id
        return out

    def _search_result(self, table: str, api_key: str, query: Query, doc: dict) -> dict:
        from mock_gigya.backend import public_account
        from mock_gigya.search_index import result_view

        return result_view(self.backend, api_key, query, public_account(doc)) if table == "accounts" else doc

    def _cursor_expiry(self) -> int:
        return int(self.backend.clock()) + CURSOR_TTL
