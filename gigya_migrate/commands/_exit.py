"""Exit statuses of every ``gigya-migrate`` command, for cron, CI and shell scripts.

| status | meaning |
|--------|---------|
| 0      | the run completed (failed records, if any, are in the error file and the report) |
| 1      | a library, site or I/O error stopped the command (message on stderr) |
| 2      | bad usage: a bad option, mapping or input refused before anything was sent |
| 3      | records failed: with ``--fail-on-errors`` on a job, or a check (check-hashes, validate-hashes, reconcile --strict) found failures |
| 130    | interrupted (Ctrl+C or SIGTERM): the journal is saved, ``--resume`` continues |

The README's "Exit codes" table says the same; a test keeps both in step with these constants.
"""

from __future__ import annotations

from typing import Callable

import click

__all__ = ["already_finished", "BAD_USAGE", "INTERRUPTED", "LIBRARY_ERROR", "OK", "RECORDS_FAILED", "exit_for_failures",
           "exit_records_failed", "fail_on_errors_option"]

OK, LIBRARY_ERROR, BAD_USAGE, RECORDS_FAILED, INTERRUPTED = 0, 1, 2, 3, 130


def fail_on_errors_option(function: Callable) -> Callable:
    """Add ``--fail-on-errors`` (also ``GIGYA_MIGRATE_FAIL_ON_ERRORS=1``): exit 3 when records failed."""
    return click.option(
        "--fail-on-errors", is_flag=True, envvar="GIGYA_MIGRATE_FAIL_ON_ERRORS",
        help="Exit 3 when any record failed (for cron and CI). Default: exit 0 once the run completes; "
             "the error file and the report say what failed.",
    )(function)


def exit_for_failures(failed: int, fail_on_errors: bool, *, what: str = "record(s) failed") -> None:
    """With ``fail_on_errors``, end the command with status 3 when ``failed`` is not zero (said on stderr)."""
    if failed and fail_on_errors:
        click.echo(f"{failed:,} {what}: exit {RECORDS_FAILED} (--fail-on-errors)", err=True)
        raise click.exceptions.Exit(RECORDS_FAILED)


def exit_records_failed(message: str) -> None:
    """A check found failures: say so on stderr and exit 3 (check-hashes, validate-hashes, reconcile --strict)."""
    click.echo(f"Error: {message}", err=True)
    raise click.exceptions.Exit(RECORDS_FAILED)


def already_finished(finished: Exception, fail_on_errors: bool) -> None:
    """``--resume`` of a run that finished (``RunAlreadyFinished``): say so and keep its report; with
    ``fail_on_errors`` exit 3 when that run had failed records, as it did then."""
    click.echo(str(finished), err=True)
    exit_for_failures(getattr(finished, "counts", {}).get("failed", 0), fail_on_errors)
