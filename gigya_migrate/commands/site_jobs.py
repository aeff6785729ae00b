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

from gigya_migrate.commands._common import site_options

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


def _library_errors(function: Callable) -> Callable:
    """Turn library and I/O errors into a clean exit 1 with the message (no traceback)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from gigya_migrate.errors import GigyaError
        from gigya_migrate.flows.downstream import DownstreamError
        from gigya_migrate.flows.state import StateError

        try:
            return function(*args, **kwargs)
        except (GigyaError, DownstreamError, StateError, OSError, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


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
            raise click.BadParameter(f"expected 'Name: value', got {value!r}", param_hint="--header")
        headers[name.strip()] = text.strip()
    return headers


def _downstream_options(function: Callable) -> Callable:
    """Options naming where deletions go: --out FILE and/or --post URL, the dead-letter file."""
    options = [
        click.option("--out", "out_paths", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
                     help="Append deletions to this file (.csv or .jsonl). Repeatable."),
        click.option("--post", "post_url", help="POST deletions as JSON to this URL (the 'generic writer')."),
        click.option("--post-mode", type=click.Choice(["record", "batch"]), default="record", show_default=True,
                     help="One POST per deletion (an answer per UID) or one POST per batch (a JSON array)."),
        click.option("--header", "headers", multiple=True, metavar="'NAME: VALUE'",
                     help="HTTP header for --post (e.g. an Authorization token; never printed)."),
        click.option("--retries", type=click.IntRange(1, 20), default=5, show_default=True,
                     help="HTTP attempts per POST before the deletion is parked in the dead-letter file."),
        click.option("--dead-letter", type=click.Path(dir_okay=False, path_type=Path),
                     help="Where refused deletions wait for the next run [default: next to the state file]."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _build_downstream(out_paths, post_url, post_mode, headers, retries, dead_letter, key, fields=None):
    from gigya_migrate.flows.downstream import DeadLetter, Downstream, FileSink, HttpSink

    sinks = [FileSink(p, name=f"file:{p.name}", fields=fields) for p in out_paths]
    if post_url:
        sinks.append(HttpSink(post_url, mode=post_mode, headers=_parse_headers(headers), max_attempts=retries))
    if not sinks:
        raise click.UsageError("Nowhere to send deletions: give --out FILE and/or --post URL (or --dry-run).")
    return Downstream(sinks, dead_letter=DeadLetter(dead_letter), key=key)


@_command("deletions")
@site_options(label="the site whose audit log is read")
@_downstream_options
@click.option("--state", "state_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_STATE,
              show_default=True, help="JSON state file holding the watermark of the last successful run.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the run report (JSON) here; per-UID lines go to REPORT with .uids.jsonl.")
@click.option("--batch-size", type=click.IntRange(1, 10000), default=100, show_default=True,
              help="Deletions per downstream batch; the watermark advances after each settled batch.")
@click.option("--include-links", is_flag=True,
              help="Also send link/merge events (accounts.linkAccounts, socialize.linkAccounts, socialize.setUID, "
                   "accounts.login with loginMode=link): they may mean a UID disappeared.")
@click.option("--since", help="Start at this ISO time instead of the watermark (e.g. 2026-11-01T00:00:00Z).")
@click.option("--full", is_flag=True, help="First run: read the whole audit log instead of the last 24 hours.")
@click.option("--limit", type=click.IntRange(min=1), help="Send at most N deletions (a test run).")
@click.option("--dry-run", is_flag=True, help="List the deletions that would be sent; send nothing, keep the watermark.")
@_library_errors
def deletions_command(site, out_paths, post_url, post_mode, headers, retries, dead_letter, state_path, report_path,
                      batch_size, include_links, since, full, limit, dry_run):
    """Send accounts deleted in Gigya (found in the audit log) to downstream systems.

    Reads audit.search for accounts.deleteAccount, accounts.deleteLiteAccount, socialize.deleteAccount
    and ids.deleteAccount since the last successful run, and writes them to files (--out) and/or
    POSTs them as JSON (--post). The watermark in --state advances only once a batch is accepted
    downstream or parked in the dead-letter file, which the next run sends first.

    \b
    Examples (nightly, from cron):
      gigya-migrate deletions --out deleted-$(date +%F).csv --post https://crm.internal/hooks/gigya-delete
      gigya-migrate deletions --mock --dry-run --full
    """
    from gigya_migrate.flows.deletions import EVENT_FIELDS, DeletionOptions, event_key, propagate_deletions
    from gigya_migrate.flows.state import StateFile

    if since and full:
        raise click.UsageError("--since and --full contradict each other; give one.")
    downstream = None
    if not dry_run:
        dead_letter = dead_letter or state_path.with_name(f"deletions-{site.api_key}.dead-letter.jsonl")
        downstream = _build_downstream(out_paths, post_url, post_mode, headers, retries, dead_letter, event_key,
                                       list(EVENT_FIELDS))
    options = DeletionOptions(job=f"deletions:{site.api_key}", batch_size=batch_size, include_links=include_links,
                              full=full, since=since, limit=limit, dry_run=dry_run)
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
