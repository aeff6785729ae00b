"""Copying accounts from one Gigya site to another (seed 000, "Copying Accounts From One Site to
Another"), on the shared runner.

The steps are the sample dataflow's: ``account`` (accounts.search on the source through a cursor,
a WHERE clause and a field selection, batch 300, delta field ``lastUpdatedTimestamp``) ->
``rename`` (``UID`` -> ``uid``, ``password.hash`` -> ``password.hashedPassword`` with its
``hashSettings``) -> ``importAccount`` (accounts.importFullAccount on the target, ``insert`` or
``upsert``, ``handleIdentityConflicts``).

What this adds to IdentitySync's copy:

- source and target are two clients, so they may sit in **different data centers** (IdentitySync
  requires the same one, seed 000);
- a preflight before anything is written: the target's email verification policy must be off, and
  the fields being copied must exist in the target's schema (both from seed 000's checklist);
- the watermark (start of the last successful run) lives in a state file; a run advances it only
  when every account of its window was copied, so a failed account is re-read next time;
- a reconciliation at the end (``reconcile.py``): counts on both sides, UIDs missing, fields that differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from gigya_migrate.flows.export import DeltaWindow, account_query, as_dict, delta_window, expand_time, search_accounts
from gigya_migrate.flows.reconcile import ReconcileReport, reconcile_sites
from gigya_migrate.flows.runner import RecordError, RecordResult, RunOptions, RunReport, Step, run
from gigya_migrate.flows.state import StateFile

__all__ = [
    "COPY_FIELDS",
    "CopyOptions",
    "CopyReport",
    "PreflightError",
    "copy_accounts",
    "preflight",
    "to_import_record",
]

COPY_FIELDS = ("UID,created,data,emails,identities,isActive,isRegistered,isVerified,lastLogin,lastUpdated,"
               "loginIDs,password,preferences,profile,registered,regSource,subscriptions,verified,lang").split(",")
"""The ``select`` of seed 000's "Copy Accounts" sample dataflow."""

IMPORTABLE = frozenset({
    "created", "lastLogin", "lastUpdated", "registered", "verified", "isActive", "isRegistered", "isVerified",
    "loginIDs", "emails", "phoneNumber", "password", "profile", "data", "subscriptions", "preferences",
    "communications", "identities", "regSource", "lang",
})
"""importFullAccount parameters an account read from search can fill (docs/gigya-api.md §3)."""

_NEVER_LOGGED_IN = "0001-01-01T00:00:00Z"
_SCHEMA_SECTIONS = {"profile": "profileSchema", "data": "dataSchema", "subscriptions": "subscriptionsSchema",
                    "preferences": "preferencesSchema"}


class PreflightError(RuntimeError):
    """The target site is not ready for the copy (the message says what to change)."""


@dataclass
class CopyOptions:
    """What to copy and how. ``run`` carries the runner's options (concurrency, limit, resume...)."""

    job: str
    where: str | None = None
    fields: list[str] = field(default_factory=lambda: list(COPY_FIELDS))
    import_policy: str = "insert"
    identity_conflicts: str = "error"
    delta_field: str | None = "lastUpdatedTimestamp"
    full: bool = False
    since_ms: int | None = None
    overlap_ms: int = 30_000
    page_size: int = 300
    check_schema: bool = True
    reconcile: bool = True
    run: RunOptions = field(default_factory=RunOptions)


@dataclass
class CopyReport:
    """The copy's run report, its window, preflight warnings, the reconciliation, the watermark."""

    query: str
    window: str
    run: RunReport
    warnings: list[str] = field(default_factory=list)
    reconciliation: ReconcileReport | None = None
    watermark_advanced: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"query": self.query, "window": self.window, "run": self.run.as_dict(), "warnings": self.warnings,
                "watermarkAdvanced": self.watermark_advanced,
                "reconciliation": self.reconciliation.to_dict() if self.reconciliation else None}

    def summary(self) -> str:
        """What the CLI prints."""
        lines = [f"copy ({self.window}): {self.query}"] + [f"  warning: {w}" for w in self.warnings]
        lines.append(self.run.summary())
        if self.run.dropped:
            lines.append(f"  {self.run.dropped:,} account(s) re-read in the overlap window and unchanged since the "
                         "previous run copied them: skipped")
        if self.run.failed_by_code.get(400003):
            lines.append("  400003 'Unique identifier exists': the UID is already on the target; "
                         "run again with --policy upsert to overwrite those accounts")
        if not self.run.dry_run:
            lines.append("  watermark advanced" if self.watermark_advanced else
                         "  watermark kept: the next run reads this window again (failed accounts, or --limit)")
        if self.reconciliation is not None:
            lines.append("reconciliation:\n" + self.reconciliation.summary())
        return "\n".join(lines)


def to_import_record(account: dict[str, Any], *, identity_conflicts: str = "error") -> dict[str, Any]:
    """The rename step: a search result -> importFullAccount parameters.

    ``password.hash`` becomes ``password.hashedPassword`` and keeps its ``hashSettings`` (the user
    keeps the password, seed 000). ``identity_conflicts="ignore"`` drops the social identities
    (our option, I: the account is copied without them rather than refused).
    """
    uid = account.get("UID") or account.get("uid")
    if not uid:
        raise RecordError("no-uid", "the source account has no UID (select UID)")
    record = {k: v for k, v in account.items() if k in IMPORTABLE and v is not None}
    record["UID"] = uid
    if record.get("lastLogin") == _NEVER_LOGGED_IN:
        del record["lastLogin"]
    password = _password(account.get("password"))
    record.pop("password", None)
    if password:
        record["password"] = password
    if identity_conflicts == "ignore":
        record.pop("identities", None)
    return record


def _password(source: Any) -> dict[str, Any] | None:
    if not isinstance(source, dict) or not source.get("hash"):
        return None
    if str(source["hash"]).startswith("$"):
        # A whole MCF string ($2b$..., $1$..., $S$...) goes back as compoundHashedPassword, which
        # must not be combined with hashSettings.algorithm (docs/gigya-api.md §3). I: how real
        # search returns such hashes is not documented.
        return {"compoundHashedPassword": source["hash"]}
    settings = {k: v for k, v in (source.get("hashSettings") or {}).items() if v not in (None, "")}
    password = {"hashedPassword": source["hash"]}
    if settings:
        password["hashSettings"] = settings
    return password


def preflight(source: Any, target: Any, fields: list[str], *, check_schema: bool = True) -> list[str]:
    """Check the target before anything is copied; raise ``PreflightError`` or return warnings."""
    warnings: list[str] = []
    _check_email_verification(target)
    if check_schema:
        warnings += _check_schema(source, target, fields)
    return warnings


def _check_email_verification(target: Any) -> None:
    # I: seed 000's "email verification policy" is read as accountOptions.verifyEmail, the flag
    # getPolicies documents (docs/gigya-api.md §5); the mock refuses imports on the same flag.
    policies = as_dict(target.get_policies(["accountOptions", "emailVerification"]))
    options = policies.get("accountOptions") or {}
    if options.get("verifyEmail"):
        raise PreflightError(
            "the target site's email verification policy is on (accountOptions.verifyEmail = true): "
            "importFullAccount fails while it is (seed 000/004). Turn it off on the target for the copy "
            "(the source may keep it), then run again.")


def _check_schema(source: Any, target: Any, fields: list[str]) -> list[str]:
    from gigya_migrate.errors import GigyaError

    include = ",".join(_SCHEMA_SECTIONS.values())
    try:
        wanted = _schema_fields(as_dict(source.get_schema(include=include)))
        present = _schema_fields(as_dict(target.get_schema(include=include)))
        dynamic = bool((as_dict(target.get_schema(include="dataSchema")).get("dataSchema") or {}).get("dynamicSchema"))
    except GigyaError as exc:
        return [f"schema check skipped ({exc}); make sure every copied field exists on the target"]
    selected = [f for f in fields if f != "*"]
    wanted = {p for p in wanted if "*" in fields or any(p == f or p.startswith(f + ".") or f.startswith(p + ".")
                                                        for f in selected)}
    missing = sorted(wanted - present)
    data_missing = [p for p in missing if p.startswith("data.")]
    if dynamic:
        missing = [p for p in missing if not p.startswith("data.")]
    if missing:
        raise PreflightError(
            f"{len(missing)} copied field(s) do not exist in the target site's schema: {', '.join(missing[:20])}"
            + (" ..." if len(missing) > 20 else "")
            + ". Add them to the target (e.g. with the Configuration Copy Tool) or leave them out of --fields.")
    if dynamic and data_missing:
        return [f"{len(data_missing)} data field(s) are new on the target and will be created by its dynamic "
                f"schema: {', '.join(data_missing)}"]  # every one: the user checks each name
    return []


def _schema_fields(body: dict[str, Any]) -> set[str]:
    # I: field names in <section>Schema.fields may or may not carry the section prefix
    # ("email" or "profile.email"); both are read as profile.email.
    paths = set()
    for prefix, section in _SCHEMA_SECTIONS.items():
        for name in ((body.get(section) or {}).get("fields") or {}):
            paths.add(name if name.startswith(prefix + ".") else f"{prefix}.{name}")
    return paths


def copy_accounts(source: Any, target: Any, state: StateFile, options: CopyOptions, *,
                  now_ms: int | None = None) -> CopyReport:
    """Preflight, then copy the window's accounts from ``source`` to ``target`` on the runner."""
    warnings = preflight(source, target, options.fields, check_schema=options.check_schema)
    window = _window(state, options, now_ms)
    where = expand_time(options.where, window.started_ms) if options.where else None
    fields = list(options.fields)
    if window.delta_field and "*" not in fields and window.delta_field not in fields:
        fields.append(window.delta_field)  # read, to skip overlap re-reads; never imported
    query = account_query(fields, where, delta_field=window.delta_field, since_ms=window.since_ms)
    passwords = _HeldPasswords()
    accounts = passwords.hold(search_accounts(source, query, where=where, page_size=options.page_size))
    seen = _Overlap(state.job(options.job).get("overlapCopied") or {}, window, options.overlap_ms)
    steps = [passwords.step(), seen.step(), *_fill_step(source, options.fields), _rename_step(options)]
    report = run(accounts, name="copy", key=lambda a: a.get("UID"), transforms=steps,
                 write=_writer(target, options), options=options.run)
    result = CopyReport(query=query, window=window.describe(), run=report, warnings=warnings)
    if not options.run.dry_run:
        limited = options.run.limit is not None and report.records_in >= options.run.limit
        result.watermark_advanced = _finish_window(state, window, report, seen.copied, limited)
        if options.reconcile:
            check = account_query(["UID"], where, delta_field=window.delta_field, since_ms=window.since_ms)
            result.reconciliation = reconcile_sites(source, target, where=where, check_where=_where_of(check),
                                                    fields=_compared(options.fields))
    return result


class _HeldPasswords:
    """Keeps each account's password aside between the read and the first step, so the runner's
    record of what was read (what a failed account's error line shows) holds no password hash.

    The runner runs local steps on a record right after reading it; the bound only drops what a
    resumed run skips without running steps. Should a password ever miss its record, the
    fill step reads it again with getAccountInfo: never copied without one."""

    _BOUND = 10_000

    def __init__(self) -> None:
        from collections import OrderedDict

        self._held: "OrderedDict[str, Any]" = OrderedDict()

    def hold(self, accounts: Iterable[dict]) -> Iterator[dict]:
        for account in accounts:
            uid = account.get("UID")
            if uid and "password" in account:
                account = dict(account)
                self._held[uid] = account.pop("password")
                while len(self._held) > self._BOUND:
                    self._held.popitem(last=False)
            yield account

    def step(self) -> Step:
        return Step("restore-password", self._restore)

    def _restore(self, account: dict) -> dict:
        uid = account.get("UID")
        if uid in self._held:
            return {**account, "password": self._held.pop(uid)}
        return account


class _Overlap:
    """Each incremental run re-reads ``overlap_ms`` before its watermark (search shows writes after
    up to 30 s). An account read then is skipped when its delta value is the one the previous run
    copied, so an ``insert`` copy does not fail on it; the accounts near this run's end are kept
    for the next run to do the same."""

    def __init__(self, previous: dict[str, int], window: DeltaWindow, overlap_ms: int) -> None:
        self.previous = previous
        self.field = window.delta_field
        self.floor = window.started_ms - overlap_ms
        self.copied: dict[str, int] = {}

    def step(self) -> Step:
        return Step("skip-overlap", self._check)

    def _check(self, account: dict) -> dict | None:
        stamp = account.get(self.field) if self.field else None
        uid = account.get("UID")
        if stamp is None or not uid:
            return account
        if self.previous.get(uid) == stamp:
            return None  # copied by the previous run, unchanged since
        if stamp >= self.floor:
            self.copied[uid] = stamp
        return account


def _window(state: StateFile, options: CopyOptions, now_ms: int | None) -> DeltaWindow:
    """The run's window; a resumed run reuses the window of the run it continues."""
    pending = state.job(options.job).get("pendingWindow")
    if options.run.resume and pending:
        return DeltaWindow(options.job, pending["deltaField"], pending["sinceMs"], pending["startedMs"])
    window = delta_window(state, options.job, delta_field=options.delta_field, full=options.full,
                          since_ms=options.since_ms, overlap_ms=options.overlap_ms, now_ms=now_ms)
    if not options.run.dry_run:
        state.update(options.job, pendingWindow={"deltaField": window.delta_field, "sinceMs": window.since_ms,
                                                 "startedMs": window.started_ms})
    return window


def _finish_window(state: StateFile, window: DeltaWindow, report: RunReport, copied: dict[str, int],
                   limited: bool) -> bool:
    # A --limit run is a test run: the accounts it did not reach must be read next time. (Here we
    # differ from IdentitySync, whose 10-record test run counts as the "Last Successful Run".)
    if report.failed or report.interrupted or limited:
        return False
    state.update(window.job, pendingWindow=None, overlapCopied=copied if window.delta_field else {})
    window.commit(state)
    return bool(window.delta_field)


def _fill_step(source: Any, fields: list[str]) -> list[Step]:
    """Groups accounts.search does not return are read again with getAccountInfo before the import.

    ``subscriptions``: HELP's importFullAccount notes say search does not return them and point to
    getAccountInfo (docs/gigya-api.md §4); the mock follows that. ``password``: the same notes say so
    too, while HELP's search samples show it (open question 7), so an account that has login IDs (it
    can have a password) but comes without one is read again. One getAccountInfo per account covers
    both; an account that needs neither costs no extra call."""
    wanted = [g for g in ("password", "subscriptions") if g in fields or "*" in fields]
    if not wanted:
        return []

    def fill(record: dict) -> dict:
        # Runs on the workers, after the rename step (the runner runs local steps first), so what is
        # read here is put in import shape here.
        missing = [g for g in wanted if g not in record and (g != "password" or _has_login_ids(record))]
        if not missing or not record.get("UID"):
            return record
        found = as_dict(source.get_account_info(record["UID"], include=missing))
        if "password" in missing and _password(found.get("password")):
            record["password"] = _password(found["password"])
        if "subscriptions" in missing and found.get("subscriptions"):
            record["subscriptions"] = found["subscriptions"]
        return record

    return [Step("fill-from-getAccountInfo", fill, network=True)]


def _has_login_ids(record: dict) -> bool:
    ids = record.get("loginIDs") or {}
    return bool(ids.get("emails") or ids.get("username") or ids.get("unverifiedEmails"))


def _rename_step(options: CopyOptions) -> Step:
    return Step("rename", lambda a: to_import_record(a, identity_conflicts=options.identity_conflicts))


def _writer(target: Any, options: CopyOptions) -> Callable[[dict], RecordResult]:
    conflicts = options.identity_conflicts if options.identity_conflicts in ("error", "connect") else None

    def write(record: dict) -> RecordResult:
        result = target.import_full_account(account=record, import_policy=options.import_policy,
                                            handle_identity_conflicts=conflicts)
        return RecordResult(key=record["UID"], ok=True, uid=record["UID"],
                            message=getattr(result, "note", None))

    return write


def _where_of(query: str) -> str | None:
    _, sep, where = query.partition(" WHERE ")
    return where if sep else None


def _compared(fields: list[str]) -> list[str]:
    skip = {"UID", "password", "created", "lastLogin", "lastUpdated", "registered", "verified", "identities"}
    return [f for f in fields if f not in skip and f != "*"] or ["profile", "data"]
