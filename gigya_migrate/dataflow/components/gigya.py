"""Gigya components: read accounts and the audit log, look accounts up, import and write accounts.

Parameter names are IdentitySync's (seed 000's copy-accounts sample, docs/gigya-api.md section 9).
They call the run's site, or another site of the same data center when a step gives ``apiKey``,
``userKey`` and ``secret`` (the copy sample reads the source site that way).

Incremental reads (``deltaField``): the window starts at the start of the last successful run
(minus 30 s, because a write takes up to 30 s to reach search), or the last 24 hours on a first
run (seed 000, "Pull all records" unchecked, run once); ``--full`` reads everything. The window's
start is recorded only when the whole job succeeds (``commit``); the shared
``flows.export.delta_window`` computes it, as for ``copy`` and ``export``.

A Gigya error on one record fails that record (its ``errorCode`` and message go with it to the
error path); a refusal of the credentials or the site (``SITE_REFUSAL_CODES``), or a site that
cannot be reached at all, stops the job, since every record would fail the same way.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

from gigya_migrate.dataflow.components.base import (NOTHING, Component, Failure, Output, Param, ParamError,
                                                    each_concurrently, get_path, register)
from gigya_migrate.errors import GigyaConnectionError, GigyaError
from gigya_migrate.flows.export import account_query, as_dict, delta_window, search_accounts
from gigya_migrate.flows.import_accounts import SITE_REFUSAL_CODES

__all__ = ["ImportAccount", "LookupAccount", "ReadAccount", "ReadAudit", "WriteAccount"]

_OTHER_SITE = (
    Param("apiKey", doc="read another site: its API key"),
    Param("userKey", doc="application key with rights on that site"),
    Param("secret", doc="that application's secret"),
)


def _site_client(component: Component) -> Any:
    p = component.p
    return component.job.client(p.get("apiKey"), p.get("userKey"), p.get("secret"))


def _check_site(params: dict) -> None:
    if bool(params.get("userKey")) != bool(params.get("secret")):
        raise ParamError("secret" if params.get("userKey") else "userKey", "userKey and secret go together")


def _failure(record: dict, exc: Exception) -> Failure:
    if isinstance(exc, GigyaError):
        if exc.error_code in SITE_REFUSAL_CODES or (isinstance(exc, GigyaConnectionError) and not exc.maybe_applied):
            raise exc  # the job stops: every record would be refused (or find nobody answering) the same way
        return Failure(record, exc.error_code if exc.error_code is not None else "gigya-error", exc.reason)
    return Failure(record, "invalid-record", str(exc))


class _Incremental(Component):
    """A reader with an optional ``deltaField`` window recorded on success."""

    role = "reader"
    takes = NOTHING
    counts_records = True
    window = None

    def open_window(self) -> Any:
        key = f"{self.job.flow_key}:{self.step_id}"
        self.window = delta_window(self.job.history, key, delta_field=self.p["deltaField"], full=self.job.full,
                                   now_ms=self.job.started_ms)
        if self.p["deltaField"]:
            first = self.job.history.watermark(key) is None and not self.job.full
            self.job.log("info", self.step_id, f"reading {self.window.describe()}"
                         + (" (first run: the last 24 hours; --full reads everything)" if first else ""))
        return self.window

    def commit(self) -> None:
        if self.window is not None and self.window.delta_field:
            self.window.commit(self.job.history)


@register
class ReadAccount(_Incremental):
    """accounts.search through a cursor, in batches."""

    type = "datasource.read.gigya.account"
    summary = "Read accounts with accounts.search (cursor): select/from/where, deltaField, another site's keys."
    params = (
        Param("select", default="*", doc="comma-separated fields (UID,profile,data...)"),
        Param("from", default="accounts", choices=("accounts", "emailAccounts"), doc="accounts or emailAccounts"),
        Param("where", doc="search condition (without WHERE)"),
        Param("deltaField", doc="incremental field, e.g. lastUpdatedTimestamp"),
        Param("keepFieldNamesWithDotAsIs", "boolean", default=False,
              doc="records keep Gigya's nesting; a key holding a dot is never split here"),
        Param("batchSize", "integer", default=300, doc="accounts per search page"),
        Param("maxConcurrency", "integer", default=1, doc="one cursor is read in order (accepted)"),
        *_OTHER_SITE,
    )
    aliases = {"fields": "select", "whereClause": "where"}  # the names of seed 002's older sample

    @classmethod
    def check(cls, params: dict) -> None:
        _check_site(params)
        if not 1 <= params["batchSize"] <= 10000:
            raise ParamError("batchSize", "between 1 and 10000")

    def read(self) -> Iterator[list]:
        window = self.open_window()
        fields = [f.strip() for f in self.p["select"].split(",") if f.strip()]
        if window.delta_field and "*" not in fields and window.delta_field not in fields:
            fields.append(window.delta_field)
        query = account_query(fields, self.p["where"], delta_field=window.delta_field, since_ms=window.since_ms)
        query = query.replace(" FROM accounts", f" FROM {self.p['from']}", 1)
        client = _site_client(self)
        wants_password = "password" in fields or "*" in fields
        batch: list[dict] = []
        for account in search_accounts(client, query, where=self.p["where"], page_size=self.p["batchSize"]):
            batch.append(_with_password(client, account) if wants_password else account)
            if len(batch) >= self.p["batchSize"]:
                yield batch
                batch = []
        if batch:
            yield batch


def _with_password(client: Any, account: dict) -> dict:
    """accounts.search may not return ``password`` (docs/gigya-api.md open question 7): an account
    with login IDs that came without one is read again with getAccountInfo, as ``copy`` does."""
    ids = account.get("loginIDs") or {}
    if "password" in account or not account.get("UID") or not (ids.get("emails") or ids.get("username")):
        return account
    found = as_dict(client.get_account_info(account["UID"], include=["password"]))
    if isinstance(found.get("password"), dict) and found["password"].get("hash"):
        account["password"] = found["password"]
    return account


@register
class ReadAudit(_Incremental):
    """audit.search through a cursor (e.g. the deletion endpoints of seed 000)."""

    type = "datasource.read.gigya.audit"
    summary = "Read audit-log records with audit.search (cursor): select/where, deltaField (@timestamp)."
    params = (
        Param("select", default="*", doc="fields of the audit records"),
        Param("where", doc="condition, e.g. endpoint = \"accounts.deleteAccount\"", documented=False),
        Param("deltaField", doc="incremental field (@timestamp)", documented=False),
        Param("batchSize", "integer", default=300, doc="records per page", documented=False),
        *_OTHER_SITE,
    )

    @classmethod
    def check(cls, params: dict) -> None:
        _check_site(params)

    def read(self) -> Iterator[list]:
        from gigya_migrate.flows.state import iso_from_ms

        window = self.open_window()
        conditions = [f"({self.p['where']})"] if self.p["where"] else []
        if window.delta_field and window.since_ms is not None:
            conditions.append(f'{window.delta_field} >= "{iso_from_ms(window.since_ms)}"')
        query = f"SELECT {self.p['select']} FROM auditLog" + (" WHERE " + " AND ".join(conditions) if conditions else "")
        batch: list[dict] = []
        for record in _site_client(self).audit_search_all(query, page_size=self.p["batchSize"]):
            batch.append(as_dict(record))
            if len(batch) >= self.p["batchSize"]:
                yield batch
                batch = []
        if batch:
            yield batch


_BEHAVIOURS = ("process", "remove", "error")
_PASSWORD_KEYS = ("hashedPassword", "compoundHashedPassword", "hashSettings")


@register
class LookupAccount(Component):
    """Find each record's account by some of its fields and merge the account's fields into it."""

    type = "datasource.lookup.gigya.account"
    role = "lookup"
    summary = "Look each record up in accounts (lookupFields) and merge the found account's select fields."
    params = (
        Param("select", default="UID", doc="fields of the found account to merge into the record"),
        Param("from", default="accounts", choices=("accounts", "emailAccounts"), doc="accounts or emailAccounts"),
        Param("lookupFields", "array", required=True, doc="[{sourceField, gigyaField}]"),
        Param("lookupFieldsOperator", default="AND", choices=("AND", "OR"), doc="AND or OR"),
        Param("handleFieldConflicts", default="take_lookup", choices=("take_lookup", "take_source"),
              doc="which value wins when both have a field"),
        Param("matchBehavior", default="process", choices=_BEHAVIOURS, doc="found: process, remove or error"),
        Param("mismatchBehavior", default="process", choices=_BEHAVIOURS, doc="not found: process, remove or error"),
        Param("multiMatchBehavior", default="error", choices=_BEHAVIOURS, doc="several found"),
        Param("isCaseSensitive", "boolean", default=True, doc="false: values are lower-cased before the lookup"),
        Param("batchSize", "integer", default=200, doc="records per batch"),
        Param("maxConcurrency", "integer", default=1, doc="parallel lookups"),
        *_OTHER_SITE,
    )

    @classmethod
    def check(cls, params: dict) -> None:
        _check_site(params)
        for index, item in enumerate(params["lookupFields"]):
            if not isinstance(item, dict) or not item.get("sourceField") or not item.get("gigyaField"):
                raise ParamError("lookupFields", f"item {index + 1} must be an object with sourceField and gigyaField")

    def process(self, items: list) -> Output:
        client = _site_client(self)
        found = each_concurrently(items, lambda r: self._find(client, r), self.p["maxConcurrency"])
        out = Output()
        for record, result in zip(items, found):
            self._decide(record, result, out)
        return out

    def _find(self, client: Any, record: dict) -> list[dict] | Failure:
        conditions = []
        for item in self.p["lookupFields"]:
            value = get_path(record, item["sourceField"])
            if value in (None, ""):
                continue
            if isinstance(value, str) and not self.p["isCaseSensitive"]:
                value = value.lower()
            conditions.append(f"{item['gigyaField']} = {json.dumps(value)}")
        if not conditions or (self.p["lookupFieldsOperator"] == "AND" and len(conditions) < len(self.p["lookupFields"])):
            return []
        where = f" {self.p['lookupFieldsOperator']} ".join(conditions)
        query = f"SELECT {self.p['select']} FROM {self.p['from']} WHERE {where} LIMIT 2"
        try:
            return [as_dict(a) for a in client.search(query).results]
        except (GigyaError, ValueError) as exc:
            return _failure(record, exc)

    def _decide(self, record: dict, result: list[dict] | Failure, out: Output) -> None:
        if isinstance(result, Failure):
            out.failed.append(result)
            return
        behaviour = {0: "mismatchBehavior", 1: "matchBehavior"}.get(len(result), "multiMatchBehavior")
        action = self.p[behaviour]
        if action == "remove":
            return
        if action == "error":
            reason = {"mismatchBehavior": "no account matches", "matchBehavior": "an account matches",
                      "multiMatchBehavior": f"{len(result)} accounts match"}[behaviour]
            out.failed.append(Failure(record, f"lookup-{behaviour.removesuffix('Behavior')}", reason))
            return
        if len(result) == 1:
            record = _merge(record, result[0], lookup_wins=self.p["handleFieldConflicts"] == "take_lookup")
        out.items.append(record)


def _merge(record: dict, found: dict, *, lookup_wins: bool) -> dict:
    for key, value in found.items():
        if isinstance(value, dict) and isinstance(record.get(key), dict):
            record[key] = _merge(record[key], value, lookup_wins=lookup_wins)
        elif key not in record or lookup_wins:
            record[key] = value
    return record


class _Writer(Component):
    role = "writer"

    def process(self, items: list) -> Output:
        client = _site_client(self)
        results = each_concurrently(items, lambda r: self._one(client, r), self.p["maxConnections"])
        out = Output()
        for record, result in zip(items, results):
            if isinstance(result, Failure):
                out.failed.append(result)
                continue
            if self.p["addResponse"]:
                record["_response"] = as_dict(result) if result is not None else None
            out.items.append(record)
        return out

    def _one(self, client: Any, record: dict) -> Any:
        try:
            return self.write(client, {k: v for k, v in record.items() if not k.startswith("_") and v is not None})
        except (GigyaError, ValueError, TypeError) as exc:
            return _failure(record, exc)

    def write(self, client: Any, record: dict) -> Any:
        raise NotImplementedError


@register
class ImportAccount(_Writer):
    """accounts.importFullAccount per record (the record holds its parameters: uid, password...)."""

    type = "datasource.write.gigya.importaccount"
    summary = "Import each record with accounts.importFullAccount (importPolicy, handleIdentityConflicts)."
    params = (
        Param("importPolicy", default="insert", choices=("insert", "upsert"), doc="insert or upsert"),
        Param("handleIdentityConflicts", default="error", choices=("error", "connect"), doc="error or connect"),
        Param("maxConnections", "integer", default=10, doc="parallel calls"),
        Param("addResponse", "boolean", default=False, doc="add Gigya's answer to the record as _response"),
    )

    def write(self, client: Any, record: dict) -> Any:
        password = record.get("password")
        if isinstance(password, dict):
            # search returns password.created beside the hash; importFullAccount takes only these keys
            # (docs/gigya-api.md section 3), so the copy sample's renamed object is trimmed to them
            record = {**record, "password": {k: v for k, v in password.items() if k in _PASSWORD_KEYS}}
        # a record without a UID (a new user of a legacy import) gets one from Gigya (createUID)
        new = not any(k in record for k in ("UID", "uid", "Uid"))
        return client.import_full_account(account=record, import_policy=self.p["importPolicy"],
                                          handle_identity_conflicts=self.p["handleIdentityConflicts"],
                                          create_uid=True if new else None)


@register
class WriteAccount(_Writer):
    """accounts.setAccountInfo per record (UID plus the fields to set)."""

    type = "datasource.write.gigya.account"
    summary = "Update each record's account with accounts.setAccountInfo (UID + profile/data/... fields)."
    params = (
        Param("maxConnections", "integer", default=10, doc="parallel calls"),
        Param("addResponse", "boolean", default=False, doc="add Gigya's answer as _response", documented=False),
    )

    def write(self, client: Any, record: dict) -> Any:
        record = dict(record)
        uid = record.pop("UID", None) or record.pop("uid", None)
        if not uid:
            raise ValueError("the record has no UID")
        return client.set_account_info(uid, **record)
