"""Bulk update: plant values in the accounts matching a query (seed 000's Gigya-to-Gigya job that
sets ``data.segment = "horrorFic"`` for fans of horror content, and seed 002's "initialize default
data to a field (e.g. set to null)"), through accounts.setAccountInfo on the shared runner.

``--set data.segment=horrorFic`` takes the value as JSON when it parses (``null``, ``true``,
``12``, ``["a","b"]``, ``"12"`` for the string), as text otherwise. setAccountInfo *merges*
``profile`` and ``data`` (docs/gigya-api.md §5), so only the named fields change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from gigya_migrate.flows.export import account_query, expand_time, search_accounts
from gigya_migrate.flows.runner import RecordResult, RunOptions, RunReport, run

__all__ = ["SETTABLE_ROOTS", "UpdateOptions", "nest_assignments", "parse_assignment", "update_accounts"]

SETTABLE_ROOTS = ("data", "profile", "preferences", "subscriptions")
"""Where ``--set`` may write: the setAccountInfo parameters that are merged objects."""

_TOP_LEVEL = {"isActive": "is_active", "isVerified": "is_verified"}


def parse_assignment(text: str) -> tuple[str, Any]:
    """``"data.segment=horrorFic"`` -> ``("data.segment", "horrorFic")``; ``data.x=null`` -> ``None``."""
    path, sep, raw = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise ValueError(f"--set expects FIELD=VALUE (e.g. data.segment=horrorFic), got {text!r}")
    if any(not part.strip() for part in path.split(".")):
        raise ValueError(f"--set {path}: empty field name between dots")
    root = path.split(".", 1)[0]
    if path not in _TOP_LEVEL and (root not in SETTABLE_ROOTS or "." not in path):
        raise ValueError(f"--set {path}: only {', '.join(r + '.<field>' for r in SETTABLE_ROOTS)}, "
                         f"isActive or isVerified can be set")
    try:
        value = json.loads(raw)
    except ValueError:
        value = raw
    return path, value


def nest_assignments(assignments: dict[str, Any]) -> dict[str, Any]:
    """``{"data.a.b": 1, "profile.c": 2}`` -> ``{"data": {"a": {"b": 1}}, "profile": {"c": 2}}``."""
    nested: dict[str, Any] = {}
    for path, value in assignments.items():
        *parents, leaf = path.split(".")
        node = nested
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ValueError(f"--set {path} conflicts with another --set on {part}")
        node[leaf] = value
    return nested


@dataclass
class UpdateOptions:
    """The query and the assignments; ``run`` holds the runner's options."""

    where: str
    assignments: dict[str, Any]
    page_size: int = 300
    run: RunOptions = field(default_factory=RunOptions)


def update_accounts(client: Any, options: UpdateOptions, *, now_ms: int | None = None) -> RunReport:
    """Set ``options.assignments`` on every account matching ``options.where``."""
    if not options.assignments:
        raise ValueError("nothing to set: give at least one --set FIELD=VALUE")
    where = expand_time(options.where, now_ms) if now_ms is not None else _expand_now(options.where)
    changes = nest_assignments(options.assignments)
    query = account_query(["UID"], where)
    accounts = search_accounts(client, query, where=where, page_size=options.page_size)
    return run(accounts, name="update", key=lambda a: a.get("UID"), write=_writer(client, changes),
               options=options.run)


def _expand_now(where: str) -> str:
    import time

    return expand_time(where, int(time.time() * 1000))


def _writer(client: Any, changes: dict[str, Any]):
    params = {_TOP_LEVEL.get(k, k): v for k, v in changes.items()}

    def write(account: dict) -> RecordResult:
        uid = account["UID"]
        client.set_account_info(uid, **params)
        return RecordResult(key=uid, ok=True, uid=uid)

    return write
