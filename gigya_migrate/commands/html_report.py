"""``--html FILE`` for every job command, and ``report-html`` to draw a saved JSON report again.

A job command decorated with :func:`html_option` returns the JSON document it wrote (or would have
written) as its report; the decorator renders that document to ``--html``. A run stopped by Ctrl-C
still gets its page (the report then says "interrupted"), like its JSON report.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Callable

import click

__all__ = ["COMMANDS", "html_option", "publish", "report_html_command"]

_KEY = "gigya_migrate.report_document"


def publish(document: dict) -> dict:
    """Hand the command's JSON report to ``--html`` (call it before any exit: status 3 included)."""
    click.get_current_context().meta[_KEY] = document
    return document


def _check(path: Path | None) -> None:
    if path is not None and not path.resolve().parent.is_dir():
        raise click.BadParameter(f"the folder {path.resolve().parent} does not exist", param_hint="'--html'")


def _write(path: Path, document: Any, kind: str) -> None:
    from gigya_migrate.report_html import write_report

    write_report(path, document, kind=kind)
    click.echo(f"html report -> {path}", err=True)


def html_option(kind: str) -> Callable:
    """Add ``--html FILE`` to a job command that :func:`publish` es its JSON report.

    The page is written however the command ends once a report exists: completed, exit 3 for
    failed records, or stopped by Ctrl-C (then from the runner's saved report).
    """

    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def wrapper(*args: Any, html_path: Path | None = None, **kwargs: Any) -> Any:
            from gigya_migrate.flows.runner import RunInterrupted

            _check(html_path)
            meta = click.get_current_context().meta
            try:
                return function(*args, **kwargs)
            except RunInterrupted as stopped:
                meta.setdefault(_KEY, stopped.report.as_dict())
                raise
            finally:
                if html_path is not None and isinstance(meta.get(_KEY), dict):
                    _write(html_path, meta.pop(_KEY), kind)

        return click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
                            help="Also write the report as one self-contained HTML page (charts, failures by "
                                 "code with a redacted sample), e.g. --html report.html.")(wrapper)

    return decorate


@click.command("report-html")
@click.argument("report", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path),
              help="HTML file to write [default: the report's name with .html].")
@click.option("--kind", type=click.Choice(["import", "copy", "export", "update", "deletions", "flagged-deletions",
                                           "validate-hashes", "status"]),
              help="Which job wrote the report [default: read from it].")
def report_html_command(report: Path, out_path: Path | None, kind: str | None) -> None:
    """Draw a saved JSON run report as one self-contained HTML page.

    \b
    Examples:
      gigya-migrate report-html users.report.json                 # -> users.report.html
      gigya-migrate report-html copy-report.json --out copy.html
    """
    try:
        document = json.loads(report.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.BadParameter(f"not a JSON report: {exc}", param_hint="REPORT") from None
    if not isinstance(document, dict):
        raise click.BadParameter("not a JSON report (expected an object)", param_hint="REPORT")
    out_path = out_path or report.with_suffix(".html")
    if out_path.resolve() == report.resolve():
        raise click.BadParameter("is the REPORT itself; choose another path", param_hint="'--out'")
    _check(out_path)
    try:
        _write(out_path, document, kind or _guess_kind(document))
    except (TypeError, AttributeError, KeyError, ValueError) as exc:  # a report edited by hand, or another tool's
        raise click.BadParameter(f"not a gigya-migrate run report: a field has an unexpected shape "
                                 f"({type(exc).__name__}: {exc})", param_hint="REPORT") from None


def _guess_kind(document: dict) -> str:
    if isinstance(document.get("run"), dict):
        return str(document["run"].get("name") or "copy")
    if "records" in document:
        return str(document.get("name") or "import")
    for key, kind in (("exported", "export"), ("accepted", "deletions"), ("failures", "validate-hashes"),
                      ("siteAlgorithm", "status")):
        if key in document:
            return kind
    return "report"


COMMANDS: list[click.Command] = [report_html_command]
