"""Lite accounts: email-only accounts with no credentials, enough to rehearse exporting them and
propagating their deletions.

Documented (docs/gigya-api.md §4-5, docs/hash-algorithms.md §2): ``accounts.importLiteAccount`` takes
``email``, ``profile``, ``subscriptions`` and ``data`` and no password; ``FROM emailAccounts`` returns
``email, token, hasFullAccount, hasLiteAccount, channel, subscriptions, profile, data,
created[Timestamp], lastUpdated[Timestamp]``; ``accountTypes`` = ``full`` (default) | ``lite`` |
``full,lite``; ``accounts.deleteLiteAccount`` takes the ``emailAccountToken`` (the ``token`` of an
emailAccounts result) and is one of the audit log's deletion endpoints.

Mock choices (inferred, SUPPORTED.md): one lite account per email per site, re-importing an email
merges into it; each lite account has a UID (shown by ``accountTypes=lite`` searches and written to the
audit log of its deletion) and a random token; ``accountTypes=full,lite`` in one query, GROUP BY and
aggregates over lite accounts answer 400006 naming what is not supported (query each type apart).
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from mock_gigya.errors import MockGigyaError
from mock_gigya.query import Query, parse_query

__all__ = ["DECISIONS", "delete_lite_account", "import_lite_account", "is_lite_search", "search"]

KIND = "lite"
"""The store's token kind holding lite accounts (token = emailAccountToken)."""
_CURSOR_TABLE = "lite"
_GROUPS = ("profile", "data", "subscriptions")


def import_lite_account(backend: Any, api_key: str, params: dict) -> dict:
    """accounts.importLiteAccount: create the lite account of ``email``, or merge into it."""
    from mock_gigya.backend import _check_email, _check_schema, _deep_merge, _require_object, _set_date

    site = backend.site(api_key)
    email = params.get("email")
    if not email:
        raise MockGigyaError.missing("email")
    _check_email("email", email)
    found = _find_by_email(backend, api_key, email)
    now = backend.now_ms()
    doc = found["doc"] if found else {"UID": uuid.uuid4().hex, "email": email, "hasLiteAccount": True,
                                      "channel": "email"}
    if not found:
        _set_date(doc, "created", now)
    for name in _GROUPS:
        if params.get(name) is not None:
            changes = _require_object(name, params[name])
            if name != "subscriptions":
                _check_schema(site, name, changes)
            doc[name] = _deep_merge(doc.get(name) or {}, changes)
    _set_date(doc, "lastUpdated", now)
    token = found["token"] if found else "lt." + secrets.token_urlsafe(24)
    backend.store.put_token(KIND, token, api_key, {**doc, "token": token}, uid=doc["UID"])
    return {"UID": doc["UID"]}


def delete_lite_account(backend: Any, api_key: str, params: dict) -> dict:
    """accounts.deleteLiteAccount: remove the lite account whose token is ``emailAccountToken``."""
    backend.site(api_key)
    token = params.get("emailAccountToken")
    if not token:
        raise MockGigyaError.missing("emailAccountToken")
    found = backend.store.get_token(KIND, str(token))
    if found is None or found["apiKey"] != api_key:
        raise MockGigyaError(403005, details="No lite account with this emailAccountToken on this site")
    backend.store.delete_tokens(KIND, token=str(token))
    return {"UID": found["uid"]}  # I: lets the audit record carry the lite account's uid


def is_lite_search(backend: Any, params: dict) -> bool:
    """True when an accounts.search call is about lite accounts (accountTypes, FROM emailAccounts, its cursor)."""
    types = _account_types(params.get("accountTypes"))
    if "lite" in types:
        return True
    query = params.get("query")
    if isinstance(query, str) and "emailaccounts" in query.lower():
        try:  # the FROM clause decides, not a string constant that happens to say emailAccounts
            return _parse(query).source == "emailAccounts"
        except MockGigyaError:
            return False  # the accounts path reports the syntax error
    cursor = params.get("cursorId")
    found = backend.store.get_cursor(str(cursor)) if cursor else None
    return bool(found and found[1].get("table") == _CURSOR_TABLE)


def search(backend: Any, api_key: str, params: dict) -> dict:
    """accounts.search over lite accounts (``accountTypes=lite`` or ``FROM emailAccounts``), with cursors."""
    backend.site(api_key)
    types = _account_types(params.get("accountTypes"))
    if "full" in types and "lite" in types:
        raise MockGigyaError.invalid("accountTypes", "mock_gigya does not support full,lite in one search: "
                                                     "search accountTypes=full and accountTypes=lite apart")
    if params.get("cursorId"):
        if params.get("query"):
            raise MockGigyaError.invalid("cursorId", "cursorId cannot be sent together with query")
        return _next_page(backend, api_key, str(params["cursorId"]))
    query = _parse(params.get("query"))
    if query.group_by or query.aggregates and not query.count_only:
        raise MockGigyaError.invalid("query", "mock_gigya does not support GROUP BY or aggregates over lite accounts")
    rows = _matching(backend, api_key, query)
    if query.count_only:
        return {"results": [{"count(*)": len(rows)}], "objectsCount": 1, "totalCount": len(rows)}
    if params.get("openCursor"):
        if query.start is not None:
            raise MockGigyaError.invalid("openCursor", "openCursor cannot be combined with START or GROUP BY")
        return _page(backend, api_key, query, {"table": _CURSOR_TABLE, "query": query.text, "offset": 0}, rows)
    start = query.start or 0
    page = rows[start:start + (query.limit or 300)]
    return {"results": [query.project(_shown(query, d)) for d in page], "objectsCount": len(page),
            "totalCount": len(rows)}


def _parse(text: Any) -> Query:
    return parse_query(text, sources=("accounts", "emailAccounts"), encrypted=frozenset({"email"}))


def _account_types(value: Any) -> set[str]:
    types = {t.strip() for t in str(value or "full").split(",") if t.strip()}
    unknown = types - {"full", "lite"}
    if unknown:
        raise MockGigyaError.invalid("accountTypes", f"must be full, lite or full,lite, not {value!r}")
    return types


def _find_by_email(backend: Any, api_key: str, email: str) -> dict | None:
    wanted = email.strip().lower()
    return next((t for t in backend.store.list_tokens(KIND, api_key=api_key)
                 if str(t["doc"].get("email", "")).lower() == wanted), None)


def _matching(backend: Any, api_key: str, query: Query) -> list[dict]:
    docs = []
    for token in backend.store.list_tokens(KIND, api_key=api_key):
        doc = dict(token["doc"])
        doc["hasFullAccount"] = backend.store.uid_for_login_id(api_key, str(doc.get("email", "")).lower()) is not None
        if query.matches(doc):
            docs.append(doc)
    return sorted(docs, key=query.sort_key) if query.order_by else docs


def _shown(query: Query, doc: dict) -> dict:
    """emailAccounts shows everything; accounts.search (accountTypes=lite) leaves subscriptions out as for full ones."""
    if query.source == "emailAccounts":
        return doc
    return {k: v for k, v in doc.items() if k not in ("subscriptions", "token")}


def _page(backend: Any, api_key: str, query: Query, state: dict, rows: list[dict]) -> dict:
    from mock_gigya.backend import CURSOR_TTL, SEARCH_LIMIT_DEFAULT, SEARCH_LIMIT_MAX

    size = min(query.limit or SEARCH_LIMIT_DEFAULT, SEARCH_LIMIT_MAX)
    offset = state["offset"]
    page = rows[offset:offset + size]
    out = {"results": [query.project(_shown(query, d)) for d in page], "objectsCount": len(page),
           "totalCount": len(rows)}
    if offset + size < len(rows):
        next_id = secrets.token_hex(16)
        backend.store.put_cursor(next_id, api_key, {**state, "offset": offset + size}, int(backend.clock()) + CURSOR_TTL)
        out["nextCursorId"] = next_id
    return out


def _next_page(backend: Any, api_key: str, cursor_id: str) -> dict:
    found = backend.store.get_cursor(cursor_id)
    if found is None or found[0] != api_key or found[1].get("table") != _CURSOR_TABLE:
        raise MockGigyaError.invalid("cursorId", "unknown cursorId")
    if found[2] < backend.clock():
        raise MockGigyaError.invalid("cursorId", "the cursor expired")
    query = _parse(found[1]["query"])
    return _page(backend, api_key, query, found[1], _matching(backend, api_key, query))


DECISIONS: tuple[tuple[str, str], ...] = (
    ("Lite accounts", "accounts.importLiteAccount (email, profile, data, subscriptions; no password) creates one lite "
                      "account per email per site, or merges into it; each has a UID and an `emailAccountToken`. "
                      "They are found by `FROM emailAccounts` (with `token`, `hasFullAccount`, `hasLiteAccount`, "
                      "`channel`, `subscriptions`) and by `FROM accounts` with `accountTypes=lite` (without "
                      "subscriptions), cursors included; accounts.deleteLiteAccount(emailAccountToken) removes one "
                      "and is audited with its `uid`. Not supported (400006 naming it): `accountTypes=full,lite` in "
                      "one search, GROUP BY and aggregates other than count(*) over lite accounts. Lite accounts "
                      "never log in."),
)
