"""Site jobs: copy, reconcile, export, update, deletions, flagged-deletions.

Each command parses its options, calls one flow in ``gigya_migrate.flows`` and prints its report.
Library errors exit 1 with a message, bad usage exits 2, never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any, Callable

import click

from gigya_migrate.commands._common import library_errors, scheduling_option, site_options, time_ms
from gigya_migrate.commands._locations import Location, publish_remote
from gigya_migrate.commands._exit import already_finished, exit_for_failures, exit_records_failed, fail_on_errors_option
from gigya_migrate.commands.html_report import html_option, publish

__all__ = ["COMMANDS"]

COMMANDS: list[click.Command] = []

DEFAULT_STATE = Path(".gigya-migrate") / "state.json"


def _command(name: str, **settings: Any) -> Callable:
    """``click.command`` that registers the command in ``COMMANDS``."""

    def decorate(function: Callable) -> click.Command:
        command = click.command(name, **settings)(function)
        COMMANDS.append(command)
        return command

    return decorate


def _job_errors(function: Callable) -> Callable:
    """The shared clean exit 1, plus this family's downstream and state-file errors and bad values;
    a --where that Gigya cannot parse is bad usage (exit 2), shown with a caret under the spot."""
    from gigya_migrate.flows.downstream import DownstreamError
    from gigya_migrate.flows.state import StateError

    @functools.wraps(function)
    def refused_where(*args: Any, **kwargs: Any) -> Any:
        from gigya_migrate.flows.export import QueryError

        try:
            return function(*args, **kwargs)
        except QueryError as exc:
            raise click.BadParameter(str(exc), param_hint="'--where'") from None

    return library_errors(DownstreamError, StateError, ValueError)(refused_where)


def _progress(label: str) -> Callable[[int], None] | None:
    """A one-line counter on a terminal (nothing when stderr is not a terminal)."""
    if not sys.stderr.isatty():
        return None

    def show(done: int) -> None:
        click.echo(f"\r  {label}: {done:,}", nl=False, err=True)

    return show


def _write_json(path: Path | None, document: dict[str, Any]) -> None:
    if path is not None:
        from gigya_migrate.flows.state import write_json_atomic

        write_json_atomic(path, document)


def _parse_headers(values: tuple[str, ...]) -> dict[str, str]:
    headers = {}
    for value in values:
        name, sep, text = value.partition(":")
        if not sep or not name.strip():
            # never echo the text: it is typically "Authorization Bearer <token>" with the colon missing
            raise click.BadParameter(f"expected 'Name: value' (e.g. 'Authorization: Bearer ...'), got "
                                     f"{len(value)} characters without a colon (not shown: it may hold a token)",
                                     param_hint="--header")
        headers[name.strip()] = text.strip()
    return headers


def _downstream_options(function: Callable | None = None, *, dead_letter: bool = True) -> Callable:
    """Options naming where deletions go: --out FILE and/or --post URL, the dead-letter file (only
    where refused deletions are parked: ``dead_letter=False`` leaves it out of the command and its help)."""
    if function is None:
        return functools.partial(_downstream_options, dead_letter=dead_letter)
    parked = "parked in the dead-letter file" if dead_letter else "left flagged for the next run"
    options = [
        click.option("--out", "out_paths", multiple=True, type=Location(click.Path(dir_okay=False, path_type=Path)),
                     help="Append deletions to this file (.csv or .jsonl). Repeatable."),
        click.option("--post", "post_url", help="POST deletions as JSON to this URL (the 'generic writer')."),
        click.option("--post-mode", type=click.Choice(["record", "batch"]), default="record", show_default=True,
                     help="One POST per deletion (an answer per UID) or one POST per batch (a JSON array)."),
        click.option("--header", "headers", multiple=True, metavar="'NAME: VALUE'",
                     help="HTTP header for --post (e.g. an Authorization token; never printed)."),
        click.option("--retries", type=click.IntRange(1, 20), default=5, show_default=True,
                     help=f"HTTP attempts per POST before the deletion is {parked}."),
    ]
    if dead_letter:
        options.append(click.option("--dead-letter", type=click.Path(dir_okay=False, path_type=Path),
                                    help="Where refused deletions wait for the next run [default: next to the state file]."))
    for option in reversed(options):
        function = option(function)
    return function


def _check_url(url: str) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise click.BadParameter(f"expected an http(s) URL such as https://crm.internal/hooks/gigya-delete, "
                                 f"got {url!r}", param_hint="'--post'")


def _build_downstream(out_paths, post_url, post_mode, headers, retries, dead_letter, key, fields=None):
    from gigya_migrate.flows.downstream import DeadLetter, Downstream, FileSink, HttpSink

    if post_url:
        _check_url(post_url)

    sinks = [FileSink(p, name=f"file:{p.name}", fields=fields) for p in out_paths]
    if post_url:
        sinks.append(HttpSink(post_url, mode=post_mode, headers=_parse_headers(headers), max_attempts=retries))
    if not sinks:
        raise click.UsageError("Nowhere to send deletions: give --out FILE and/or --post URL (or --dry-run).")
    return Downstream(sinks, dead_letter=DeadLetter(dead_letter) if dead_letter else None, key=key)


def _listen_writes_local_files(function: Callable) -> Callable:
    """deletions --listen refuses sftp:// and s3:// --out before anything connects (see deletion_listener)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("listen"):
            from gigya_migrate.commands.deletion_listener import refuse_remote_outputs

            refuse_remote_outputs(kwargs.get("out_paths") or ())
        return function(*args, **kwargs)

    return wrapper


@_command("deletions")
@site_options(label="the site whose audit log is read")
@_downstream_options
@click.option("--state", "state_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_STATE,
              show_default=True, help="JSON state file holding the watermark of the last successful run.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("deletions-report.json"), show_default=True,
              help="Run report (JSON); the per-UID lines (what was sent, what downstream answered) go "
                   "next to it, in <report>.uids.jsonl.")
@click.option("--batch-size", type=click.IntRange(1, 10000), default=100, show_default=True,
              help="Deletions per downstream batch; the watermark advances after each settled batch.")
@click.option("--include-links", is_flag=True,
              help="Also send link/merge events (accounts.linkAccounts, socialize.linkAccounts, socialize.setUID, "
                   "accounts.login with loginMode=link): they may mean a UID disappeared.")
@click.option("--include-flagged", is_flag=True,
              help="Also send accounts deleted by gigya-migrate flagged-deletions (skipped by default: that job "
                   "sent them downstream before deleting them; it marks its calls with cid "
                   "'gigya-migrate:flagged-deletions').")
@click.option("--since", help="Start at this ISO time instead of the watermark (e.g. 2026-11-01T00:00:00Z).")
@click.option("--full", is_flag=True, help="First run: read the whole audit log instead of the last 24 hours.")
@click.option("--job", help="Name of this feed in the state file, one per downstream system "
                            "[default: deletions:<api key>].")
@click.option("--limit", type=click.IntRange(min=1), help="Send at most N deletions (a test run).")
@click.option("--dry-run", is_flag=True, help="List the deletions that would be sent; send nothing, keep the watermark.")
@click.option("--listen", metavar="[HOST]:PORT",
              help="Instead of reading the audit log, receive Gigya's accountDeleted webhooks on this address "
                   "(HOST defaults to 127.0.0.1; port 0 picks a free one) until Ctrl+C.")
@click.option("--webhook-secret", envvar="GIGYA_WEBHOOK_SECRET",
              help="--listen: base64 secret that signs the webhooks (the webhook's signingUserKey secret, or the "
                   "partner secret) [default: --secret]. Never printed.")
@click.option("--max-age", type=click.IntRange(60, 86400), default=3900, show_default=True,
              help="--listen: refuse notifications signed longer ago than this many seconds (Gigya resends for an hour).")
@click.option("--retry-every", type=click.FloatRange(0.1, 86400), default=300, show_default=True,
              help="--listen: seconds between retries of the parked (dead-letter) deletions.")
@fail_on_errors_option
@_job_errors
@_listen_writes_local_files
@publish_remote("out_paths", append=True)
@html_option("deletions")
def deletions_command(site, out_paths, post_url, post_mode, headers, retries, dead_letter, state_path, report_path,
                      batch_size, include_links, include_flagged, since, full, job, limit, dry_run, listen,
                      webhook_secret, max_age, retry_every, fail_on_errors):
    """Send accounts deleted in Gigya (found in the audit log) to downstream systems.

    Reads audit.search for accounts.deleteAccount, accounts.deleteLiteAccount, socialize.deleteAccount
    and ids.deleteAccount since the last successful run, and writes them to files (--out) and/or
    POSTs them as JSON (--post). The watermark in --state advances only once a batch is accepted
    downstream or parked in the dead-letter file, which the next run sends first.

    With --listen it receives Gigya's accountDeleted webhooks instead (signature checked, unsigned
    or stale notifications refused) and sends them to the same downstream with the same guarantees:
    a notification is acknowledged only once settled downstream or in the dead-letter file.

    \b
    Examples (nightly, from cron):
      gigya-migrate deletions --out deleted-$(date +%F).csv --post https://crm.internal/hooks/gigya-delete
      gigya-migrate deletions --mock --dry-run --full
    Examples (a webhook receiver, behind your HTTPS proxy):
      gigya-migrate deletions --listen 127.0.0.1:8099 --out deleted.jsonl --post https://crm.internal/hooks/gigya-delete
    """
    from gigya_migrate.flows.deletions import EVENT_FIELDS, DeletionOptions, event_key, propagate_deletions
    from gigya_migrate.flows.state import StateFile

    if listen:
        if since or full or dry_run or limit or include_links:
            raise click.UsageError("--listen receives webhooks as they come: --since, --full, --dry-run, --limit "
                                   "and --include-links apply to the audit-log feed only.")
        from gigya_migrate.commands.deletion_listener import listen_for_deletions

        job = job or f"deletion-webhooks:{site.api_key}"
        downstream = _build_downstream(out_paths, post_url, post_mode, headers, retries,
                                       dead_letter or _dead_letter_path(state_path, job), event_key,
                                       list(EVENT_FIELDS) + ["eventId"])
        return listen_for_deletions(site, downstream, StateFile(state_path), job=job, address=listen,
                                    secret=webhook_secret or site.secret, max_age=max_age, retry_every=retry_every,
                                    report_path=report_path)
    if since and full:
        raise click.UsageError("--since and --full contradict each other; give one.")
    if since:  # refused here when it is not a time; Unix ms accepted as for copy and export
        from gigya_migrate.flows.state import iso_from_ms

        since = iso_from_ms(_since_ms(since))
    job = job or f"deletions:{site.api_key}"
    downstream = None
    if not dry_run:
        dead_letter = dead_letter or _dead_letter_path(state_path, job)
        downstream = _build_downstream(out_paths, post_url, post_mode, headers, retries, dead_letter, event_key,
                                       list(EVENT_FIELDS))
    options = DeletionOptions(job=job, batch_size=batch_size, include_links=include_links,
                              include_flagged=include_flagged, full=full, since=since, limit=limit, dry_run=dry_run)
    uid_report = report_path.with_suffix(".uids.jsonl") if report_path else None
    try:
        report = propagate_deletions(site.client(), downstream, StateFile(state_path), options,
                                     uid_report=uid_report, progress=_progress("deletions"))
    finally:
        if downstream is not None:
            downstream.close()
    if dry_run:
        for event in report.would_send:
            click.echo(json.dumps(event, sort_keys=True))
    _write_json(report_path, report.to_dict())
    click.echo(report.summary(), err=dry_run)  # a dry run keeps stdout for the JSONL listing
    publish(report.to_dict())
    # refused downstream (parked in the dead-letter file, retried next run): the records that failed
    exit_for_failures(report.parked + report.retried_still_parked, fail_on_errors,
                      what="deletion(s) refused downstream (parked for the next run)")


def _dead_letter_path(state_path: Path, job: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in job)
    return state_path.with_name(f"{safe}.dead-letter.jsonl")


# --- runner-based commands: shared options ---------------------------------------------------------


def _runner_options(name: str) -> Callable:
    """--concurrency, --limit, --dry-run, --resume, --errors, --report, --journal (the import's set)."""

    def decorate(function: Callable) -> Callable:
        options = [
            click.option("--concurrency", type=click.IntRange(1, 256), default=8, show_default=True,
                         help="Calls in flight at once (the runner halves it on rate limits)."),
            click.option("--limit", type=click.IntRange(min=1), help="Stop after N accounts (a test run)."),
            click.option("--dry-run", is_flag=True, help="Read and check everything, write nothing."),
            click.option("--resume", is_flag=True, help="Continue an interrupted run from its journal."),
            click.option("--errors", "errors_path", type=click.Path(dir_okay=False, path_type=Path),
                         default=Path(f"{name}-errors.jsonl"), show_default=True,
                         help="Failed accounts with errorCode and errorMessage (.jsonl or .csv)."),
            click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
                         default=Path(f"{name}-report.json"), show_default=True, help="Run report (JSON)."),
            click.option("--journal", "journal_path", type=click.Path(dir_okay=False, path_type=Path),
                         help=f"Checkpoint journal for --resume [default: .gigya-migrate/{name}-<site>-<job hash>"
                              ".journal.sqlite]."),
            click.option("--outage-timeout", type=click.FloatRange(0, 86400), default=120.0, show_default=True,
                         help="Seconds to keep retrying refused connections (the site or a proxy restarting) "
                              "before accounts fail with 500026; 0 turns it off."),
            scheduling_option,
        ]
        for option in reversed(options):
            function = option(function)
        return fail_on_errors_option(function)

    return decorate


def _run_options(name: str, site_key: str, concurrency, limit, dry_run, resume, errors_path, report_path,
                 journal_path, fail_on_errors=False, outage_timeout=120.0, scheduling="batch", *,
                 source: str | None = None, target: str | None = None, job: Any = None):
    """The runner's options. The default journal is named after the job's definition (``job``:
    query, assignments...), so --resume continues *this* job and never skips records because a
    different job once finished them."""
    import hashlib

    from gigya_migrate.flows.runner import RunOptions

    digest = hashlib.sha256(json.dumps(job, sort_keys=True, default=str).encode()).hexdigest()[:10]
    journal = journal_path or DEFAULT_STATE.with_name(f"{name}-{site_key}-{digest}.journal.sqlite")
    if not dry_run:
        Path(journal).parent.mkdir(parents=True, exist_ok=True)
    fmt = "csv" if errors_path.suffix.lower() == ".csv" else "jsonl"
    return RunOptions(concurrency=concurrency, limit=limit, dry_run=dry_run, resume=resume, journal_path=journal,
                      errors_path=errors_path, errors_format=fmt, report_path=report_path, input=source, output=target,
                      outage_timeout=outage_timeout, scheduling=scheduling)


def _runner_errors(function: Callable) -> Callable:
    """The runner's run-level failures, as clean exits: Ctrl-C saves the journal, a bad journal explains."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from gigya_migrate.flows.copy_site import PreflightError
        from gigya_migrate.flows.journal import RunAlreadyFinished
        from gigya_migrate.flows.runner import JournalError, RunInterrupted

        try:
            return function(*args, **kwargs)
        except RunAlreadyFinished as finished:  # --resume of a finished run: its report is kept
            return already_finished(finished, kwargs.get("fail_on_errors", False))
        except RunInterrupted as stop:
            # the summary ends with "interrupted: run the same command with --resume to finish";
            # 130 is the exit status of a run stopped by Ctrl+C or SIGTERM (as `import` does)
            click.echo(stop.report.summary(), err=True)
            raise click.exceptions.Exit(130) from None
        except (JournalError, PreflightError) as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


def _split_fields(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [f.strip() for f in value.split(",") if f.strip()]


def _separator(value: str | None) -> str | None:
    r"""--separator: one character; ``\t`` (as typed in a shell) means a tab."""
    if value is None:
        return None
    value = {"\\t": "\t", "tab": "\t"}.get(value, value)
    if len(value) != 1:
        raise click.BadParameter(f"expected one character (',', ';', '|', '\\t' for a tab), got {value!r}",
                                 param_hint="'--separator'")
    return value


def _since_ms(since: str | None) -> int | None:
    return time_ms(since, "--since")


# --- copy ------------------------------------------------------------------------------------------

_READ_ONLY_ROOTS = ("UID", "createdTimestamp", "lastUpdatedTimestamp", "lastLoginTimestamp", "registeredTimestamp",
                    "verifiedTimestamp", "oldestDataUpdated", "oldestDataUpdatedTimestamp", "socialProviders",
                    "loginProvider", "isLockedOut", "lastLoginLocation", "rbaPolicy", "userInfo")
"""Account fields search returns that importFullAccount does not take (read, then left out)."""


def _copy_fields(fields: str | None) -> list[str]:
    """--fields checked before anything is read: a misspelt root ('pasword') is refused, because the
    copy would otherwise succeed and leave every copied account without it; leaving password out
    on purpose is said out loud (the users will have to reset their passwords)."""
    import difflib

    from gigya_migrate.flows.copy_site import COPY_FIELDS, IMPORTABLE

    chosen = _split_fields(fields) or list(COPY_FIELDS)
    known = sorted(IMPORTABLE | set(_READ_ONLY_ROOTS))
    for name in chosen:
        root = name.split(".", 1)[0]
        if name == "*" or root in known:
            continue
        close = difflib.get_close_matches(root, known, n=1, cutoff=0.75)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise click.BadParameter(f"{root!r} is not an account field the copy can read or write{hint}; "
                                 f"known: {', '.join(known)}", param_hint="'--fields'")
    if "*" not in chosen and "password" not in chosen:
        click.echo("warning: --fields has no 'password': the copied accounts get no password and their "
                   "users will have to reset it", err=True)
    return chosen



@_command("copy")
@site_options("from", label="the source site")
@site_options("to", label="the target site")
@click.option("--where", help="accounts.search condition on the source (e.g. 'isRegistered = true').")
@click.option("--fields", help="Comma-separated fields to copy [default: the seed's Copy Accounts select].")
@click.option("--policy", "import_policy", type=click.Choice(["insert", "upsert"]), default="insert",
              show_default=True, help="importFullAccount importPolicy: insert fails on an existing UID.")
@click.option("--identity-conflicts", type=click.Choice(["error", "connect", "ignore"]), default="error",
              show_default=True, help="error/connect: sent as handleIdentityConflicts; ignore: copy without "
                                      "social identities.")
@click.option("--full", is_flag=True, help="Copy every matching account (IdentitySync's 'Pull all records').")
@click.option("--since", help="Copy changes since this ISO time or Unix ms, instead of the watermark.")
@click.option("--delta-field", default="lastUpdatedTimestamp", show_default=True,
              help="Field the incremental window filters on.")
@click.option("--batch-size", type=click.IntRange(1, 1000), default=300, show_default=True,
              help="Accounts per search page (the cursor's LIMIT).")
@click.option("--state", "state_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_STATE,
              show_default=True, help="State file holding the watermark of the last successful run.")
@click.option("--skip-schema-check", is_flag=True, help="Do not compare the source and target schemas first.")
@click.option("--no-reconcile", is_flag=True, help="Skip the reconciliation at the end.")
@_runner_options("copy")
@_job_errors
@_runner_errors
@html_option("copy")
def copy_command(from_site, to_site, where, fields, import_policy, identity_conflicts, full, since, delta_field,
                 batch_size, state_path, skip_schema_check, no_reconcile, **run_args):
    """Copy accounts from one site to another, passwords included, across data centers too.

    Reads the source with accounts.search (a cursor, --where, --fields, 300 per page), renames
    password.hash to password.hashedPassword with its hashSettings, and writes each account to the
    target with accounts.importFullAccount. Without --full, the first run copies the last 24 hours
    of changes (lastUpdatedTimestamp) and later runs what changed since the last successful run.
    Preflight: the target's email verification policy must be off and the copied fields must exist
    in its schema. Ends with a reconciliation (see `gigya-migrate reconcile`).

    \b
    Examples:
      gigya-migrate copy --from-api-key 3_src --from-data-center us1 --to-api-key 3_dst --to-data-center eu1 \\
          --where 'isRegistered = true' --full
      gigya-migrate copy --from-api-key 3_src --to-api-key 3_dst --policy upsert     # nightly changes
    """
    from gigya_migrate.flows.copy_site import CopyOptions, copy_accounts
    from gigya_migrate.flows.state import StateFile

    if full and since:
        raise click.UsageError("--full and --since contradict each other; give one.")
    if from_site.describe() == to_site.describe():
        raise click.UsageError(f"source and target are the same site ({from_site.describe()}); "
                               "give the target with --to-api-key (and --to-data-center / --to-base-url).")
    job = f"copy:{from_site.api_key}->{to_site.api_key}"
    options = CopyOptions(
        job=job, where=where, fields=_copy_fields(fields), import_policy=import_policy,
        identity_conflicts=identity_conflicts, delta_field=delta_field or None, full=full, since_ms=_since_ms(since),
        page_size=batch_size, check_schema=not skip_schema_check, reconcile=not no_reconcile,
        run=_run_options("copy", f"{from_site.api_key}-{to_site.api_key}", **run_args,
                         source=from_site.describe(), target=to_site.describe(),
                         job=[where, fields, import_policy, identity_conflicts, delta_field]))  # window: state file
    report = copy_accounts(from_site.client(), to_site.client(), StateFile(state_path), options)
    _write_json(run_args["report_path"], report.to_dict())
    click.echo(report.summary())
    if report.run.failed:
        click.echo(f"{report.run.failed} account(s) failed -> {run_args['errors_path']}", err=True)
    publish(report.to_dict())
    exit_for_failures(report.run.failed, run_args["fail_on_errors"], what="account(s) failed")


# --- reconcile -------------------------------------------------------------------------------------


@_command("reconcile")
@site_options("from", label="the source site")
@site_options("to", label="the target site")
@click.option("--where", help="Compare only the accounts matching this condition (on both sides).")
@click.option("--fields", help="Comma-separated fields to compare [default: profile,data,loginIDs,emails,...].")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("reconcile-report.json"), show_default=True, help="Full report (JSON).")
@click.option("--max-listed", type=click.IntRange(0), default=1000, show_default=True,
              help="List at most N missing UIDs and N differing accounts in the report.")
@click.option("--limit", type=click.IntRange(min=1), help="Check only the first N source accounts (counts stay whole).")
@click.option("--strict", "--fail-on-errors", "strict", is_flag=True, envvar="GIGYA_MIGRATE_FAIL_ON_ERRORS",
              help="Exit 3 when an account is missing or differs (for CI).")
@_job_errors
def reconcile_command(from_site, to_site, where, fields, report_path, max_listed, limit, strict):
    """Compare two sites: counts on both sides, UIDs missing on the target, fields that differ.

    Passwords are never compared or printed (they are re-hashed at the first login).

    \b
    Example:
      gigya-migrate reconcile --from-api-key 3_src --to-api-key 3_dst --where 'isRegistered = true'
    """
    from gigya_migrate.flows.reconcile import COMPARED_FIELDS, reconcile_sites

    report = reconcile_sites(from_site.client(), to_site.client(), where=where,
                             fields=_split_fields(fields) or COMPARED_FIELDS, max_listed=max_listed,
                             limit=limit, progress=_progress("checked"))
    _write_json(report_path, report.to_dict())
    click.echo(report.summary())
    if strict and not report.ok:
        exit_records_failed(f"the sites differ (see {report_path or 'the report'})")


# --- export ----------------------------------------------------------------------------------------


@_command("export")
@site_options(label="the site to export from")
@click.option("--where", help="accounts.search condition; ${now-7d} style placeholders become Unix ms.")
@click.option("--fields", help="Comma-separated fields (columns), e.g. UID,profile.email,profile.firstName "
                                "[default: every field but password; name password or * to include it].")
@click.option("--out", "out_path", required=True, type=Location(click.Path(dir_okay=False, path_type=Path)),
              help="Output file: .csv, .tsv, .dsv, .json, .jsonl, optionally .gz.")
@click.option("--overwrite", is_flag=True, help="Replace --out if it exists (an incremental export replaces "
                                                "the file its previous run wrote without it).")
@click.option("--format", "fmt", type=click.Choice(["csv", "dsv", "json", "jsonl"]),
              help="Override the format the file name implies.")
@click.option("--separator", help="Column separator for CSV/DSV [default: ',' (tab for .tsv)].")
@click.option("--flatten", is_flag=True, help="Nested fields to dotted columns; arrays joined into one cell.")
@click.option("--array-separator", default=";", show_default=True, help="Joins array values when flattening.")
@click.option("--delta-field", help="Make the export incremental on this field (e.g. lastUpdatedTimestamp).")
@click.option("--full", is_flag=True, help="With --delta-field: export everything this time.")
@click.option("--since", help="With --delta-field: changes since this ISO time or Unix ms.")
@click.option("--job", help="Name of this export in the state file [default: export:<api key>:<file name>].")
@click.option("--state", "state_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_STATE,
              show_default=True, help="State file holding the incremental watermark.")
@click.option("--batch-size", type=click.IntRange(1, 1000), default=300, show_default=True,
              help="Accounts per search page.")
@click.option("--limit", type=click.IntRange(min=1), help="Export at most N accounts (a test run).")
@click.option("--dry-run", is_flag=True, help="Count the matching accounts; write nothing.")
@click.option("--account-types", type=click.Choice(["full", "lite"]), default="full", show_default=True,
              help="lite: export lite accounts (email-only, accounts.search accountTypes=lite).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the run report (JSON) here.")
@click.option("--fail-on-errors", is_flag=True, envvar="GIGYA_MIGRATE_FAIL_ON_ERRORS",
              help="Accepted like on every job; an export has no per-record failures: it writes the whole file "
                   "or stops with exit 1.")
@_job_errors
@publish_remote("out_path")
@html_option("export")
def export_command(site, where, fields, out_path, overwrite, fmt, separator, flatten, array_separator, delta_field,
                   full, since, job, state_path, batch_size, limit, dry_run, account_types, report_path,
                   fail_on_errors):
    """Export the accounts matching a query to a file (for an ESP, a CRM, a marketing system).

    The file is written whole or not at all; an incremental export (--delta-field) advances its
    watermark only after the file is complete, so a failed run is simply run again.

    \b
    Examples:
      gigya-migrate export --where 'isVerified = false AND createdTimestamp < ${now-7d}' \\
          --fields UID,profile.email,profile.firstName --out follow-up.csv
      gigya-migrate export --where 'data.segment = "horrorFic"' --fields UID,profile,data --flatten \\
          --out campaign.jsonl.gz --delta-field lastUpdatedTimestamp
    """
    from gigya_migrate.flows.export import ExportOptions, export_accounts
    from gigya_migrate.flows.state import StateFile

    if (full or since) and not delta_field:
        raise click.UsageError("--full and --since need --delta-field (an export is complete without it).")
    separator = _separator(separator)
    job = job or f"export:{site.api_key}:{out_path.name}"
    if out_path.exists() and not (overwrite or dry_run):
        previous = StateFile(state_path).job(job).get("out")
        if previous != str(out_path.resolve()):  # not the file this job's last run wrote
            raise click.BadParameter(f"{out_path} exists; give another file name, or --overwrite to replace it",
                                     param_hint="'--out'")
    options = ExportOptions(out=out_path, where=where, fields=_split_fields(fields), fmt=fmt, separator=separator,
                            flatten=flatten, array_separator=array_separator, delta_field=delta_field, full=full,
                            since_ms=_since_ms(since), job=job,
                            page_size=batch_size, limit=limit, dry_run=dry_run,
                            account_types=None if account_types == "full" else account_types)
    report = export_accounts(site.client(), StateFile(state_path), options, progress=_progress("exported"))
    _write_json(report_path, report.to_dict())
    click.echo(report.summary())
    publish(report.to_dict())


# --- update ----------------------------------------------------------------------------------------


@_command("update")
@site_options(label="the site to update")
@click.option("--where", required=True, help="accounts.search condition selecting the accounts to update.")
@click.option("--set", "assignments", multiple=True, required=True, metavar="FIELD=VALUE",
              help="Value to plant (JSON when it parses: null, true, 3; text otherwise). Repeatable.")
@click.option("--batch-size", type=click.IntRange(1, 1000), default=300, show_default=True,
              help="Accounts per search page.")
@_runner_options("update")
@_job_errors
@_runner_errors
@html_option("update")
def update_command(site, where, assignments, batch_size, **run_args):
    """Set fields on every account matching a query, through accounts.setAccountInfo.

    \b
    Examples:
      gigya-migrate update --where 'data.likes contains "horror"' --set data.segment=horrorFic
      gigya-migrate update --where 'isRegistered = true' --set data.progressiveProfile=null --dry-run
    """
    from gigya_migrate.flows.update import UpdateOptions, nest_assignments, parse_assignment, update_accounts

    try:
        pairs = [parse_assignment(text) for text in assignments]
        parsed = dict(pairs)
        if len(parsed) < len(pairs):
            twice = sorted({p for p, _ in pairs if sum(q == p for q, _ in pairs) > 1})
            raise ValueError(f"--set {', '.join(twice)} given more than once")
        nest_assignments(parsed)  # refuses data.a=1 with data.a.b=2 here, before anything is read
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--set") from exc
    options = UpdateOptions(where=where, assignments=parsed, page_size=batch_size,
                            run=_run_options("update", site.api_key, **run_args, target=site.describe(),
                                             job=[where, parsed]))
    report = update_accounts(site.client(), options)
    click.echo(report.summary())
    publish(report.as_dict())
    exit_for_failures(report.failed, run_args["fail_on_errors"], what="account(s) failed")
    if not report.records_in and not report.skipped:
        click.echo(f"no account matches --where {where!r}: nothing to update", err=True)


# --- flagged-deletions -----------------------------------------------------------------------------


@_command("flagged-deletions")
@site_options(label="the site whose flagged accounts are deleted")
@click.option("--flag", default="data.deleteUser", show_default=True, help="The deletion flag field.")
@click.option("--flag-value", default="true", show_default=True, help="Value of the flag (JSON).")
@click.option("--where", help="An extra condition on the flagged accounts.")
@_downstream_options(dead_letter=False)
@_runner_options("flagged-deletions")
@_job_errors
@_runner_errors
@publish_remote("out_paths", append=True)
@html_option("flagged-deletions")
def flagged_deletions_command(site, flag, flag_value, where, out_paths, post_url, post_mode, headers, retries,
                              **run_args):
    """Delete deactivated accounts flagged for deletion, after telling downstream systems.

    Finds accounts with isActive = false and the flag set (seed: data.deleteUser = true), sends each
    downstream (--out and/or --post) and only once downstream accepted it calls accounts.deleteAccount.
    A refused account is not deleted: it stays flagged and goes to the error output; the next run
    tries it again. --dry-run lists what would be deleted. Each deleteAccount carries the cid
    'gigya-migrate:flagged-deletions', so a `gigya-migrate deletions` feed reading the audit log
    does not send these accounts downstream a second time (unless --include-flagged).

    \b
    Examples:
      gigya-migrate flagged-deletions --dry-run
      gigya-migrate flagged-deletions --post https://crm.internal/hooks/gigya-delete --out deleted.csv
    """
    from gigya_migrate.flows.deletions import FlaggedOptions, flagged_deletions

    import re

    if not re.fullmatch(r"[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)+", flag):
        raise click.BadParameter(f"expected a dotted account field such as data.deleteUser, got {flag!r}",
                                 param_hint="'--flag'")
    try:
        value = json.loads(flag_value)
    except ValueError:
        value = flag_value
    downstream = None
    if not run_args["dry_run"]:
        downstream = _build_downstream(out_paths, post_url, post_mode, headers, retries, None,
                                       lambda r: str(r.get("uid", "")), ["uid", "email", "reason", "flaggedAt"])
    options = FlaggedOptions(flag=flag, flag_value=value, where=where,
                             run=_run_options("flagged-deletions", site.api_key, **run_args,
                                              source=site.describe(), job=[flag, value, where]))
    listed = (lambda event: click.echo(json.dumps(event, sort_keys=True))) if run_args["dry_run"] else None
    try:
        report = flagged_deletions(site.client(), downstream, options, listed=listed)
    finally:
        if downstream is not None:
            downstream.close()
    click.echo(report.summary(), err=run_args["dry_run"])
    publish(report.as_dict())
    exit_for_failures(report.failed, run_args["fail_on_errors"], what="flagged account(s) failed")
