"""Reconciling two sites after a copy: counts on both sides, UIDs missing on the target, fields
that differ.

The source is streamed with a cursor; its UIDs are looked up on the target in batches
(``UID in (...)``), so memory holds one batch, not the site. Fields that a copy cannot keep equal
are left out of the comparison: timestamps the target sets itself (``lastUpdated``...) and the
password, which is re-hashed at the first login (seed 004) and never belongs in a report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from gigya_migrate.flows.export import account_query, as_dict, flatten, get_path, query_error
from gigya_migrate.errors import GigyaError
from gigya_migrate.flows.state import utc_now_iso

__all__ = ["COMPARED_FIELDS", "ReconcileReport", "count_accounts", "reconcile_sites"]

COMPARED_FIELDS = ("profile", "data", "loginIDs", "emails", "isActive", "isRegistered", "isVerified",
                   "preferences", "subscriptions")
"""What ``reconcile`` compares by default (the copyable parts of an account)."""

_LOOKUP_BATCH = 100
_VALUE_CHARS = 80


@dataclass
class ReconcileReport:
    """Counts on both sides and the first ``max_listed`` missing UIDs and differing accounts."""

    source_count: int | None
    target_count: int | None
    where: str | None
    compared_fields: list[str]
    checked: int = 0
    missing_count: int = 0
    differing_count: int = 0
    missing: list[str] = field(default_factory=list)
    differing: list[dict[str, Any]] = field(default_factory=list)
    finished_at: str | None = None

    @property
    def ok(self) -> bool:
        """Nothing missing, nothing different."""
        return not self.missing_count and not self.differing_count

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {**self.__dict__, "ok": self.ok}

    def summary(self) -> str:
        """A few lines for the terminal."""
        lines = [f"source: {self.source_count} accounts; target: {self.target_count} accounts"
                 + (f" (where {self.where})" if self.where else ""),
                 f"checked {self.checked} source accounts: {self.missing_count} missing on the target, "
                 f"{self.differing_count} with different fields"]
        extra = (self.target_count or 0) - (self.source_count or 0)
        if self.source_count is not None and self.target_count is not None and extra > 0:
            lines.append(f"  the target has {extra} account(s) more than the source: created there, or deleted on "
                         "the source (copy does not delete; see `gigya-migrate deletions`)")
        lines += [f"  missing: {uid}" for uid in self.missing[:10]]
        lines += [f"  differs: {d['uid']}: {', '.join(sorted(d['fields']))}" for d in self.differing[:10]]
        return "\n".join(lines)


def count_accounts(client: Any, where: str | None = None) -> int | None:
    """``SELECT count(*)`` on a site (``None`` when the site does not answer a count)."""
    query = account_query(["count(*)"], where)
    try:
        body = as_dict(client.search(query))
    except GigyaError as exc:
        if exc.error_code != 400006:
            raise
        raise query_error(exc, query, where) from None
    results = body.get("results") or []
    if results and "count(*)" in as_dict(results[0]):
        return int(as_dict(results[0])["count(*)"])
    total = body.get("totalCount")
    return int(total) if total is not None else None


def reconcile_sites(source: Any, target: Any, *, where: str | None = None, check_where: str | None = None,
                    fields: Iterable[str] = COMPARED_FIELDS, uids: Iterable[str] | None = None,
                    max_listed: int = 1000, page_size: int = 300, limit: int | None = None,
                    progress: Callable[[int], None] | None = None) -> ReconcileReport:
    """Compare ``source`` and ``target`` (GigyaClients): counts of the accounts matching ``where`` on
    both sides; then each source account matching ``check_where`` (default ``where``; ``copy``
    passes its delta window) or listed in ``uids`` is looked up on the target and compared;
    ``limit`` checks only the first N (a sample of a large site)."""
    fields = [f for f in fields if f and f != "UID"]
    report = ReconcileReport(count_accounts(source, where), count_accounts(target, where), where, fields)
    checked = check_where if check_where is not None else where
    accounts = _source_accounts(source, checked, fields, uids, page_size)
    if limit is not None:
        accounts = (a for _, a in zip(range(limit), accounts))
    for batch in _batches(accounts, _LOOKUP_BATCH):
        found = {a["UID"]: a for a in _lookup(target, [a["UID"] for a in batch], fields)}
        for account in batch:
            other = found.get(account["UID"])
            if "subscriptions" in fields:
                account, other = _with_subscriptions(source, account), other and _with_subscriptions(target, other)
            _compare(account, other, fields, report, max_listed)
        if progress:
            progress(report.checked)
    report.finished_at = utc_now_iso()
    return report


def _source_accounts(source: Any, where: str | None, fields: list[str], uids: Iterable[str] | None,
                     page_size: int) -> Iterator[dict]:
    if uids is None:
        yield from map(as_dict, source.search_all(account_query(["UID", *fields], where), page_size=page_size))
        return
    for batch in _batches(iter(uids), _LOOKUP_BATCH):
        yield from _lookup(source, batch, fields)


def _lookup(client: Any, uids: list[str], fields: list[str]) -> Iterator[dict]:
    if not uids:
        return
    listed = ", ".join(json.dumps(uid) for uid in uids)
    query = account_query(["UID", *fields], f"UID in ({listed})")
    yield from map(as_dict, client.search_all(query, page_size=len(uids)))


def _with_subscriptions(client: Any, account: dict) -> dict:
    """accounts.search does not return subscriptions (HELP importFullAccount notes): read them with
    getAccountInfo, one call per account and side, so they are really compared."""
    if "subscriptions" in account:
        return account
    info = as_dict(client.get_account_info(account["UID"], include=["subscriptions"]))
    return {**account, "subscriptions": info.get("subscriptions") or {}}


def _batches(items: Iterator, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _compare(source: dict, target: dict | None, fields: list[str], report: ReconcileReport, max_listed: int) -> None:
    report.checked += 1
    uid = source["UID"]
    if target is None:
        report.missing_count += 1
        if len(report.missing) < max_listed:
            report.missing.append(uid)
        return
    left, right = _comparable(source, fields), _comparable(target, fields)
    differences = {path: {"source": _short(left.get(path)), "target": _short(right.get(path))}
                   for path in sorted(set(left) | set(right)) if left.get(path) != right.get(path)}
    if differences:
        report.differing_count += 1
        if len(report.differing) < max_listed:
            report.differing.append({"uid": uid, "fields": differences})


def _comparable(account: dict, fields: list[str]) -> dict[str, Any]:
    picked = {f: get_path(account, f) for f in fields if not f.startswith("password")}
    flat = flatten(picked, array_separator="\u241f")
    return {k: v for k, v in flat.items() if v not in (None, "", {}) and not k.startswith("password")}


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > _VALUE_CHARS:
        return value[:_VALUE_CHARS] + "..."
    return value
