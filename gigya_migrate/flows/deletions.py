"""Propagating account deletions downstream, from the audit log (seed 000, "Account Deletion").

``propagate_deletions`` reads the audit log for the deletion endpoints since the job's watermark
and hands the deletions to a ``Downstream`` (file and/or HTTP, with a dead-letter file) in batches.
Its guarantees:

- the watermark moves only after a batch is *settled*: every deletion in it was accepted by every
  sink, or durably parked in the dead-letter file that the next run sends first; a crash or a
  downstream outage never skips a deletion;
- each run re-reads an overlap window before the watermark (the audit log shows writes after a
  short delay, docs/gigya-api.md §6) and skips the ``callID`` values it already settled, so
  nothing is sent twice;
- the first run with no watermark takes the last 24 hours, as an IdentitySync run-once dataflow
  does (seeds 000/002); ``full=True`` reads everything the log still holds (12 months by default).

Delivery is at least once: a crash between a sink's answer and the watermark write sends that
batch again, so every record carries the audit ``callId`` for downstream to recognise a repeat.

Only successful calls (``errCode`` 0) count as deletions. The audit record's ``params`` are not
copied downstream except for a few identifying keys: a login call's params hold a password.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from gigya_migrate.flows.progress_series import ProgressSeries
from gigya_migrate.flows.downstream import Downstream, DownstreamError, Outcome
from gigya_migrate.flows.state import StateFile, iso_from_ms, ms_from_iso, utc_now_iso

__all__ = [
    "DELETION_ENDPOINTS",
    "EVENT_FIELDS",
    "LINK_ENDPOINTS",
    "TEST_USER_CID",
    "DeletionOptions",
    "DeletionReport",
    "FlaggedOptions",
    "flagged_deletions",
    "flagged_query",
    "audit_query",
    "deletion_event",
    "event_key",
    "propagate_deletions",
]

DELETION_ENDPOINTS = (
    "accounts.deleteAccount",
    "accounts.deleteLiteAccount",
    "socialize.deleteAccount",
    "ids.deleteAccount",
)
"""Audit-log endpoints that indicate an account deletion (seed 000, C)."""

LINK_ENDPOINTS = ("accounts.linkAccounts", "socialize.linkAccounts", "socialize.setUID")
"""Endpoints that *may* indicate a deletion when two UIDs merge (seed 000); with ``accounts.login``
in ``loginMode = link``. Opt-in: whether they mean a deletion depends on the site (seed 000)."""

EVENT_FIELDS = ("uid", "endpoint", "deletedAt", "callId", "apiKey", "emailAccountToken", "loginMode", "siteUID",
                "provider")
"""Columns of a deletions CSV file (the keys ``deletion_event`` may produce)."""

FLAGGED_CID = "gigya-migrate:flagged-deletions"
"""The ``cid`` (Gigya's free reporting parameter, kept in the audit log's params) that
``flagged_deletions`` sends with each deleteAccount: those accounts were already sent downstream
before being deleted, so the ``deletions`` feed skips them unless told otherwise."""

TEST_USER_CID = "gigya-migrate:validate-hashes"
"""The ``cid`` ``validate-hashes`` sends with the deleteAccount that removes each of its test users:
those accounts never existed anywhere downstream, so the ``deletions`` feed always skips them."""

_DAY_MS = 24 * 3600 * 1000
_KEPT_PARAMS = ("UID", "emailAccountToken", "loginMode", "siteUID", "provider")


@dataclass
class DeletionOptions:
    """How one deletions run behaves. ``job`` names its section in the state file."""

    job: str
    batch_size: int = 100
    include_links: bool = False
    full: bool = False
    since: str | None = None
    overlap_ms: int = 10 * 60 * 1000
    limit: int | None = None
    dry_run: bool = False
    now_ms: Callable[[], int] | None = None
    include_flagged: bool = False


@dataclass
class DeletionReport:
    """What a run did: counts, the watermark before and after, the dead letters retried."""

    job: str
    since: str
    found: int = 0
    accepted: int = 0
    parked: int = 0
    skipped_duplicates: int = 0
    skipped_flagged: int = 0
    skipped_test_users: int = 0
    retried_accepted: int = 0
    retried_still_parked: int = 0
    watermark_before: str | None = None
    watermark_after: str | None = None
    dry_run: bool = False
    would_send: list[dict[str, Any]] = field(default_factory=list)
    started_at: str = field(default_factory=utc_now_iso)
    finished_at: str | None = None
    progress: list[dict] = field(default_factory=list)  # accepted (ok) / parked (failed) over time

    def to_dict(self) -> dict[str, Any]:
        """The report as a JSON-ready dict (``would_send`` left out; it goes to the listing)."""
        data = {k: v for k, v in self.__dict__.items() if k != "would_send"}
        return data

    def summary(self) -> str:
        """One line for the terminal, in the spirit of user-journeys §5."""
        if self.dry_run:
            return f"{self.found} deletions since {self.since} would be sent (dry run: nothing sent, watermark kept)"
        line = f"{self.found} deletions since {self.since}; {self.accepted} accepted downstream"
        if self.parked:
            line += f", {self.parked} parked in the dead-letter file (retried next run)"
        if self.retried_accepted or self.retried_still_parked:
            line += f"; dead letters: {self.retried_accepted} now accepted, {self.retried_still_parked} still parked"
        if self.skipped_flagged:
            line += f"; {self.skipped_flagged} skipped (already sent by flagged-deletions)"
        if self.skipped_test_users:
            line += f"; {self.skipped_test_users} validate-hashes test users skipped"
        moved = self.watermark_after != self.watermark_before
        return line + ("; watermark advanced" if moved else "; watermark unchanged")


def audit_query(since_iso: str, *, include_links: bool = False) -> str:
    """The audit.search query for deletion events at or after ``since_iso``, oldest first."""
    endpoints = ", ".join(f'"{e}"' for e in DELETION_ENDPOINTS + (LINK_ENDPOINTS if include_links else ()))
    which = f"endpoint in ({endpoints})"
    if include_links:
        which = f'({which} OR (endpoint = "accounts.login" AND params.loginMode = "link"))'
    return f'SELECT * FROM auditLog WHERE {which} AND @timestamp >= "{since_iso}" ORDER BY @timestamp ASC'


def deletion_event(record: dict[str, Any]) -> dict[str, Any] | None:
    """The downstream record for one audit-log entry, or ``None`` when the call failed."""
    if str(record.get("errCode", "0")) != "0":
        return None
    params = _params(record)
    uid = record.get("uid") or params.get("UID") or params.get("uid") or ""
    event = {
        "uid": uid,
        "endpoint": record.get("endpoint", ""),
        "deletedAt": record.get("@timestamp", ""),
        "callId": record.get("callID") or record.get("callId") or "",
        "apiKey": record.get("apiKey") or record.get("apikey") or "",
    }
    event.update({k: params[k] for k in _KEPT_PARAMS if k in params and k != "UID"})
    return event


def _params(record: dict[str, Any]) -> dict[str, Any]:
    params = record.get("params") or {}  # some log shapes keep params as a JSON string (I)
    return _json_or_empty(params) if isinstance(params, str) else params


def _json_or_empty(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def event_key(event: dict[str, Any]) -> str:
    """How a deletion is named in reports and the dead-letter file: its UID, else its callId."""
    return event.get("uid") or f"callId:{event.get('callId', '')}"


def propagate_deletions(client: Any, downstream: Downstream | None, state: StateFile, options: DeletionOptions, *,
                        uid_report: Path | None = None,
                        progress: Callable[[int], None] | None = None) -> DeletionReport:
    """Send deletions from the audit log downstream, batch by batch, advancing the watermark safely."""
    now_ms = (options.now_ms or _now_ms)()
    section = state.job(options.job)
    since_ms = _start_ms(section, options, now_ms)
    report = DeletionReport(job=options.job, since=iso_from_ms(since_ms), dry_run=options.dry_run,
                            watermark_before=section.get("watermark"))
    recent: dict[str, int] = dict(section.get("recentCallIds", {}))
    report_out = _UidReport(uid_report)
    series = ProgressSeries()  # accepted / parked over time, for the HTML report's chart
    try:
        if downstream is not None and not options.dry_run:
            _retry_dead_letters(downstream, report, report_out)
        query = audit_query(iso_from_ms(max(0, since_ms - options.overlap_ms)), include_links=options.include_links)
        events = _new_events(client.audit_search_all(query), recent, report,
                             skip_cid=None if options.include_flagged else FLAGGED_CID)
        for batch in _batches(events, options.batch_size, options.limit):
            _settle(batch, downstream, state, options, report, recent, report_out)
            series.sample(report.accepted, report.parked)
            if progress:
                progress(report.found)
    finally:
        report_out.close()
    report.watermark_after = state.job(options.job).get("watermark")
    report.finished_at = utc_now_iso()
    report.progress = series.as_list(series.elapsed(), report.accepted, report.parked)
    return report


def _now_ms() -> int:
    return ms_from_iso(utc_now_iso())


def _start_ms(section: dict[str, Any], options: DeletionOptions, now_ms: int) -> int:
    if options.since:
        return ms_from_iso(options.since)
    if section.get("watermark"):
        return ms_from_iso(section["watermark"])
    return 0 if options.full else now_ms - _DAY_MS


def _new_events(records: Iterable[dict[str, Any]], recent: dict[str, int], report: DeletionReport, *,
                skip_cid: str | None = None) -> Iterator[dict]:
    seen: set[str] = set()
    for record in records:
        record = record if isinstance(record, dict) else record.raw
        event = deletion_event(record)
        if event is None:
            continue
        cid = _params(record).get("cid")
        if skip_cid and cid == skip_cid:
            report.skipped_flagged += 1  # flagged-deletions sent it downstream before deleting it
            continue
        if cid == TEST_USER_CID:
            report.skipped_test_users += 1  # a validate-hashes test user: never a real account
            continue
        call_id = event["callId"]
        if call_id and (call_id in recent or call_id in seen):
            report.skipped_duplicates += 1
            continue
        seen.add(call_id)
        yield event


def _batches(events: Iterator[dict], size: int, limit: int | None) -> Iterator[list[dict]]:
    batch: list[dict] = []
    taken = 0
    for event in events:
        if limit is not None and taken >= limit:
            break
        batch.append(event)
        taken += 1
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _settle(batch: list[dict], downstream: Downstream | None, state: StateFile, options: DeletionOptions,
            report: DeletionReport, recent: dict[str, int], report_out: "_UidReport") -> None:
    report.found += len(batch)
    if options.dry_run or downstream is None:
        report.would_send += batch
        return
    outcome = downstream.deliver(batch)  # raises DownstreamError if a refusal cannot be parked
    report.accepted += len(outcome.accepted)
    report.parked += len(outcome.parked)
    report_out.write(batch, outcome, "sent")
    _advance(state, options, batch, recent)


def _advance(state: StateFile, options: DeletionOptions, batch: list[dict], recent: dict[str, int]) -> None:
    stamps = [(e["callId"], ms_from_iso(e["deletedAt"])) for e in batch if e.get("deletedAt")]
    if not stamps:
        return
    current = state.job(options.job).get("watermark")
    newest = max([ms for _, ms in stamps] + ([ms_from_iso(current)] if current else []))
    recent.update({cid: ms for cid, ms in stamps if cid})
    floor = newest - options.overlap_ms
    for cid in [c for c, ms in recent.items() if ms < floor]:
        del recent[cid]
    state.update(options.job, watermark=iso_from_ms(newest), recentCallIds=recent, lastSuccess=utc_now_iso())


def _retry_dead_letters(downstream: Downstream, report: DeletionReport, report_out: "_UidReport") -> None:
    if downstream.dead_letter is None:
        return
    parked = downstream.dead_letter.entries()
    if not parked:
        return
    outcome = downstream.retry_parked()
    report.retried_accepted += len(outcome.accepted)
    report.retried_still_parked += len(outcome.parked)
    report_out.write([e["record"] for e in parked], outcome, "retried")


class _UidReport:
    """Per-UID lines (JSONL): what was sent, to which sink, what each sink answered."""

    def __init__(self, path: Path | None) -> None:
        self._handle = None
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._handle = Path(path).open("w", encoding="utf-8")  # one file per run, like the report

    def write(self, events: list[dict], outcome: Outcome, how: str) -> None:
        if self._handle is None:
            return
        answers: dict[str, list] = {}
        for delivery in outcome.deliveries:
            answers.setdefault(delivery.key, []).append(
                {k: v for k, v in delivery.to_dict().items() if k != "key"})
        parked = set(outcome.parked)
        for event in events:
            key = event_key(event)
            line = {"key": key, "via": how, "event": event, "result": "parked" if key in parked else "accepted",
                    "downstream": answers.get(key, [])}
            self._handle.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
        self._handle.flush()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


# --- the flagged-deletion business flow (seed 000, "Account Deletion Propagation") ----------------


@dataclass
class FlaggedOptions:
    """Which accounts are flagged (``isActive = false`` and ``flag = flag_value``), and the run options."""

    flag: str = "data.deleteUser"
    flag_value: Any = True
    where: str | None = None
    page_size: int = 300
    run: Any = None  # RunOptions; typed loosely so importing this module does not need the runner


def flagged_query(options: FlaggedOptions) -> str:
    """``SELECT UID, profile.email, loginIDs FROM accounts WHERE isActive = false AND <flag> = <value>``."""
    from gigya_migrate.flows.export import account_query

    condition = f"isActive = false AND {options.flag} = {json.dumps(options.flag_value)}"
    if options.where:
        condition += f" AND ({options.where})"
    return account_query(["UID", "profile.email", "loginIDs", "lastUpdated", options.flag], condition)


def flagged_event(account: dict[str, Any], flag: str) -> dict[str, Any]:
    """The downstream record for one flagged account."""
    emails = ((account.get("loginIDs") or {}).get("emails") or [])
    return {"uid": account.get("UID", ""), "email": (account.get("profile") or {}).get("email") or
            (emails[0] if emails else ""), "reason": f"flagged ({flag})", "flaggedAt": account.get("lastUpdated", "")}


def flagged_deletions(client: Any, downstream: Downstream | None, options: FlaggedOptions, *,
                      listed: Callable[[dict], None] | None = None):
    """Send each deactivated, flagged account downstream and only then delete it in Gigya.

    A refusal downstream fails the record (it goes to the error output) and the account is *not*
    deleted: it stays flagged, so the next run tries again. A dry run lists, sends and deletes
    nothing. Returns the runner's ``RunReport``.
    """
    from gigya_migrate.flows.export import search_accounts
    from gigya_migrate.flows.runner import RecordError, RecordResult, RunOptions, Step, run

    run_options = options.run or RunOptions()
    accounts = search_accounts(client, flagged_query(options), where=options.where, page_size=options.page_size)

    def to_event(account: dict) -> dict:
        event = flagged_event(account, options.flag)
        if run_options.dry_run and listed:
            listed(event)
        return event

    delivered: set[str] = set()  # a retried delete (rate limit) must not notify downstream twice

    def write(event: dict) -> RecordResult:
        if downstream is not None and event["uid"] not in delivered:
            try:
                downstream.deliver([event])
            except DownstreamError as exc:
                raise RecordError("downstream-refused", f"{exc}; account not deleted, still flagged") from exc
            delivered.add(event["uid"])
        client.delete_account(event["uid"], cid=FLAGGED_CID)  # so the deletions feed does not send it again
        return RecordResult(key=event["uid"], ok=True, uid=event["uid"])

    return run(accounts, name="flagged-deletions", key=lambda a: a.get("UID") or a.get("uid"),
               transforms=[Step("downstream-record", to_event)], write=write, options=run_options)
