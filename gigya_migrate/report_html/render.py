"""A job's JSON report -> one self-contained HTML page (inline CSS and SVG charts, no network).

The page is built from the JSON document the CLI writes (``--report``), never from live objects,
so ``gigya-migrate report-html REPORT.json`` later draws exactly what ``--html`` drew at the time.
Sections appear when the document holds their data, whatever the job:

- headline counts: records in / ok / failed (or the job's own: exported, deletions accepted ...);
- failures by error code, with a redacted sample of failed records read from the error file the
  report names (at most ``SAMPLE_PER_CODE`` per code, see :mod:`.redact`);
- throughput over time and records finished so far (the runner's ``progress`` series);
- per-step timings; the hash formats seen and how each was verified (import: accepted by
  importFullAccount; validate-hashes: the per-algorithm pass/fail table; status: per stored
  algorithm) and the ``status`` history's re-hash share over days.
"""

from __future__ import annotations

import html
import json
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from gigya_migrate.report_html import charts
from gigya_migrate.report_html.redact import redact, scrub_text

__all__ = ["SAMPLE_PER_CODE", "failure_sample", "page", "render_report", "stylesheet", "table", "write_report"]

SAMPLE_PER_CODE = 3
SAMPLE_TOTAL = 30
_SCAN_LIMIT = 200_000  # error lines read at most while looking for samples of every code

_TITLES = {"import": "Import", "copy": "Copy between sites", "export": "Export", "update": "Bulk update",
           "deletions": "Deletions feed", "flagged-deletions": "Flagged deletions",
           "validate-hashes": "Hash validation", "status": "Re-hash status"}


def esc(value: Any) -> str:
    """HTML-escaped text of ``value`` (None -> empty)."""
    return "" if value is None else html.escape(str(value), quote=True)


def stylesheet() -> str:
    """The shared CSS (package data), inlined into every page."""
    return resources.files("gigya_migrate.report_html").joinpath("style.css").read_text(encoding="utf-8")


def page(title: str, body: str, *, subtitle: str = "", nav: str = "", footer: str = "") -> str:
    """A complete HTML document with the stylesheet inlined."""
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{esc(title)}</title><style>{stylesheet()}</style></head><body>"
            f"<header class=\"top\"><h1>{esc(title)}</h1><div class=\"sub\">{subtitle}</div></header>{nav}"
            f"<main>{body}</main><footer>{footer}</footer></body></html>\n")


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, numeric: Iterable[int] = (),
          raw: Iterable[int] = (), css: str = "") -> str:
    """An HTML table; cells are escaped except the columns in ``raw`` (already HTML)."""
    numeric, raw = set(numeric), set(raw)
    head = "".join(f"<th{' class=num' if i in numeric else ''}>{esc(h)}</th>" for i, h in enumerate(headers))
    body = []
    for row in rows:
        cells = "".join(f"<td{' class=num' if i in numeric else ''}>{cell if i in raw else esc(_fmt(cell))}</td>"
                        for i, cell in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    return f"<table class=\"{css}\"><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _fmt(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return "" if value is None else ("yes" if value else "no")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return value


def _section(title: str, *parts: str) -> str:
    content = "".join(p for p in parts if p)
    return f"<section><h2>{esc(title)}</h2>{content}</section>" if content else ""


def _chart(svg: str) -> str:
    return f"<div class=\"chart\">{svg}</div>" if svg else ""


# ---------------------------------------------------------------------------------------------
# reading the document


def _run_part(document: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The runner's report inside ``document`` (top level, or ``run`` for copy)."""
    if isinstance(document.get("run"), Mapping) and "records" in document["run"]:
        return document["run"]
    return document if isinstance(document.get("records"), Mapping) else None


def failure_sample(errors_path: str | Path | None, codes: Iterable[Any] = (), *,
                   per_code: int = SAMPLE_PER_CODE, total: int = SAMPLE_TOTAL) -> list[dict]:
    """Up to ``per_code`` failed records per error code from the error file, redacted; [] if unreadable."""
    if not errors_path or not Path(errors_path).is_file():
        return []
    from gigya_migrate.flows.steps import read_records

    wanted = {str(c) for c in codes}
    taken: dict[str, int] = {}
    sample: list[dict] = []
    try:
        for index, record in enumerate(read_records(str(errors_path))):
            if index >= _SCAN_LIMIT or len(sample) >= total:
                break
            if not isinstance(record, dict):
                continue
            code = str(record.get("errorCode"))
            if taken.get(code, 0) >= per_code:
                continue
            taken[code] = taken.get(code, 0) + 1
            sample.append(redact(record))
            if wanted and all(taken.get(c, 0) >= per_code for c in wanted):
                break
    except Exception:  # noqa: BLE001 - a broken error file must not cost the report itself
        return sample
    return sample


# ---------------------------------------------------------------------------------------------
# sections


def _kpis(document: Mapping[str, Any], run: Mapping[str, Any] | None) -> str:
    cards: list[tuple[str, Any, str]] = []
    if run is not None:
        records = run["records"]
        cards += [("records in", records.get("in", 0), ""),
                  ("would be written" if run.get("dryRun") else "ok", records.get("ok", 0), "ok"),
                  ("failed", records.get("failed", 0), "bad" if records.get("failed") else "")]
        if records.get("skipped"):
            cards.append(("skipped (done by an earlier run)", records["skipped"], ""))
        cards += [("seconds", run.get("durationSeconds", 0), ""), ("records / s", run.get("throughputPerSecond", 0), "")]
    elif "exported" in document:
        cards += [("accounts matched" if document.get("dry_run") else "accounts exported", document["exported"], "ok"),
                  ("seconds", document.get("seconds", 0), "")]
    elif "found" in document and "accepted" in document:
        cards += [("deletions found", document["found"], ""), ("accepted downstream", document["accepted"], "ok"),
                  ("parked (retried next run)", document.get("parked", 0), "bad" if document.get("parked") else "")]
    elif _is_validation(document):
        rows = sum(int(a.get("rows", 0)) for a in document["algorithms"].values())
        passed = sum(int(a.get("passed", 0)) for a in document["algorithms"].values())
        cards += [("sample users", rows, ""), ("passed", passed, "ok"),
                  ("failed", rows - passed, "bad" if rows - passed else "")]
    elif _is_status(document):
        cards += [("accounts", document.get("total", 0), ""), ("logged in and re-hashed", document.get("rehashed", 0), "ok"),
                  ("still on legacy hashes", document.get("legacy", 0), "warn" if document.get("legacy") else ""),
                  ("no password", document.get("noPassword", 0), "")]
    items = "".join(f"<div class=\"kpi {css}\"><div class=\"value\">{esc(_fmt(value))}</div>"
                    f"<div class=\"label\">{esc(label)}</div></div>" for label, value, css in cards)
    return f"<div class=\"kpis\">{items}</div>" if items else ""


def _is_validation(document: Mapping[str, Any]) -> bool:
    algorithms = document.get("algorithms")
    return isinstance(algorithms, Mapping) and all(isinstance(v, Mapping) and "passed" in v for v in algorithms.values()) \
        and "failures" in document


def _is_status(document: Mapping[str, Any]) -> bool:
    return "siteAlgorithm" in document and isinstance(document.get("algorithms"), Mapping)


_SKIP_FIELDS = {"passwordless", "records", "failedByCode", "steps", "progress", "details", "algorithms", "failures", "history",
                "journalTotals", "run", "reconciliation", "warnings", "columns"}


def _overview(document: Mapping[str, Any], run: Mapping[str, Any] | None) -> str:
    rows = []
    for source in ([document] + ([run] if run is not None and run is not document else [])):
        for key, value in source.items():
            if key in _SKIP_FIELDS or isinstance(value, (dict, list)) or value in (None, ""):
                continue
            rows.append((key, scrub_text(value) if isinstance(value, str) else value))  # our own counters
    if isinstance(document.get("columns"), list) and document["columns"]:
        rows.append(("columns", ", ".join(map(str, document["columns"]))))
    warnings = "".join(f"<div class=\"note\">{esc(scrub_text(str(w)))}</div>" for w in document.get("warnings") or [])
    error = run.get("error") if run is not None else None
    stopped = f"<div class=\"error\">Stopped by an error: {esc(scrub_text(str(error)))}</div>" if error else ""
    interrupted = ("<div class=\"note\">This run was interrupted: run the same command with --resume to finish it."
                   "</div>") if run is not None and run.get("interrupted") and not error else ""
    return _section("Run", stopped, interrupted, warnings, table(["field", "value"], rows) if rows else "")


def _failures(run: Mapping[str, Any] | None, sample: list[dict]) -> str:
    if run is None:
        return ""
    by_code = run.get("failedByCode") or {}
    if not by_code:
        return _section("Failures", "<p class=\"pass\">No record failed.</p>")
    first_message = {}
    for record in sample:
        first_message.setdefault(str(record.get("errorCode")), record.get("errorMessage"))
    codes = table(["error code", "records", "example message"],
                  [(code, count, scrub_text(str(first_message.get(str(code)) or ""))) for code, count in by_code.items()],
                  numeric=[1])
    rows = [(r.get("errorCode"), r.get("errorStep"), r.get("errorMessage"),
             f"<pre>{esc(json.dumps({k: v for k, v in r.items() if k not in ('errorCode', 'errorMessage', 'errorStep')}, ensure_ascii=False, default=str))}</pre>")
            for r in sample]
    note = ("<p class=\"muted small\">Sample of failed records from the error file (at most "
            f"{SAMPLE_PER_CODE} per code). Passwords, hashes, salts, secrets and tokens are redacted; "
            "hash-like text is cut to its first characters. The full records are in the error file.</p>")
    detail = table(["error code", "step", "message", "record (redacted)"], rows, raw=[3]) if rows else (
        "<p class=\"muted\">No error file to sample (it was not written, or moved).</p>")
    return _section("Failures by error code", codes, note, detail)


def _throughput(document: Mapping[str, Any], run: Mapping[str, Any] | None) -> str:
    source = run if run is not None else document
    progress = source.get("progress")
    if not isinstance(progress, list):
        return ""
    charts_html = _chart(charts.throughput_chart(progress)) + _chart(charts.cumulative_chart(progress))
    if run is not None:
        average = (f"<p>Average: <b>{_fmt(float(run.get('throughputPerSecond', 0)))}</b> records per second over "
                   f"{_fmt(float(run.get('durationSeconds', 0)))} s; rate limited "
                   f"{_fmt(int(run.get('rateLimited', 0)))} times, {_fmt(int(run.get('retries', 0)))} retries.</p>")
    else:
        last = progress[-1] if progress else {}
        seconds, done = float(document.get("seconds") or last.get("seconds") or 0), int(last.get("ok", 0))
        average = f"<p>Average: <b>{_fmt(done / seconds if seconds else 0.0)}</b> records per second over " \
                  f"{_fmt(seconds)} s.</p>"
    if not charts_html:
        charts_html = "<p class=\"muted\">The run was too short for a time series.</p>"
    return _section("Throughput over time", average, charts_html)


def _steps(run: Mapping[str, Any] | None) -> str:
    steps = (run or {}).get("steps") or []
    if not steps:
        return ""
    rows = [(s.get("step"), float(s.get("durationSeconds", 0)), s.get("input", 0), s.get("output", 0),
             s.get("errors", 0)) for s in steps]
    return _section("Per-step timings", table(["step", "seconds", "input", "output", "errors"], rows,
                                               numeric=[1, 2, 3, 4]), _chart(charts.steps_chart(steps)))


def _passwordless(run: Mapping[str, Any] | None) -> str:
    """The import's records written without a password, by reason (never silent)."""
    reasons = (run or {}).get("passwordless")
    if not isinstance(reasons, Mapping) or not reasons:
        return ""
    return f"<div class=\"note\">{sum(int(n) for n in reasons.values()):,} record(s) without a password: " + \
        esc(", ".join(f"{reason} {n:,}" for reason, n in reasons.items())) + "</div>"


def _hash_formats(run: Mapping[str, Any] | None) -> str:
    formats = ((run or {}).get("details") or {}).get("hashFormats") or {}
    if not formats:
        return _section("Hash formats seen", _passwordless(run))
    dry = bool((run or {}).get("dryRun"))
    if dry:  # nothing was sent: the records whose hash converted are the ones that would be imported
        headers = ["legacy format", "Gigya algorithm", "records converted"]
        rows = [(name, v.get("gigyaAlgorithm"), v.get("records", 0)) for name, v in formats.items()]
    else:
        headers = ["legacy format", "Gigya algorithm", "records", "imported", "not imported"]
        rows = [(name, v.get("gigyaAlgorithm"), v.get("records", 0), v.get("ok", 0),
                 int(v.get("records", 0)) - int(v.get("ok", 0))) for name, v in formats.items()]
    how = ("<p class=\"muted small\">Each legacy hash was converted to the Gigya password object shown "
           + ("(dry run: converted and checked locally, nothing sent)." if dry else
              "and sent with importFullAccount; <i>imported</i> counts the accounts Gigya accepted.")
           + " Gigya verifies an imported hash at the user's first login and then re-hashes it: prove each format "
             "beforehand with <code>gigya-migrate validate-hashes</code>.</p>")
    return _section("Hash formats seen", table(headers, rows, numeric=[2, 3, 4]), how, _passwordless(run))


def _validation(document: Mapping[str, Any]) -> str:
    if not _is_validation(document):
        return ""
    rows = []
    for name, v in document["algorithms"].items():
        passed, total = int(v.get("passed", 0)), int(v.get("rows", 0))
        verdict = "<span class=\"pass\">PASS</span>" if passed == total else "<span class=\"fail\">FAIL</span>"
        rows.append((name, total, passed, total - passed, verdict))
    how = ("<p class=\"muted small\">Each sample user was imported with its legacy hash, logged in with its "
           "cleartext password, checked for the first-login re-hash, logged in again and removed.</p>")
    failures = [(f.get("loginID"), f.get("algorithm"), f.get("stage"), scrub_text(str(f.get("message") or "")))
                for f in document.get("failures") or []]
    failed = table(["login ID", "algorithm", "failed at", "reason"], failures) if failures else ""
    return _section("Per-algorithm pass / fail", table(["format / algorithm", "rows", "pass", "fail", "result"], rows,
                                                       numeric=[1, 2, 3], raw=[4]), how,
                    _chart(charts.validation_chart(document["algorithms"])), failed)


def _status(document: Mapping[str, Any]) -> str:
    if not _is_status(document):
        return ""
    site = document.get("siteAlgorithm")
    rows = []
    for name, v in document["algorithms"].items():
        state = ("site hash (re-hashed or native)" if name == site else "no password" if name == "(no password)"
                 else "legacy: not logged in since import")
        rows.append((name, v.get("accounts", 0), v.get("loggedIn", 0), state))
    return _section("Accounts per stored hash algorithm",
                    table(["stored algorithm", "accounts", "logged in", "state"], rows, numeric=[1, 2]))


def _history(document: Mapping[str, Any]) -> str:
    history = document.get("history")
    if not isinstance(history, list) or not history:
        return ""
    from gigya_migrate.flows.status_history import rehash_shares

    shares = rehash_shares(history)
    chart = _chart(charts.rehash_history_chart(shares)) or (
        f"<p class=\"muted\" id=\"one-run\">One run so far ({esc(history[-1].get('at'))}): the re-hash share is "
        "drawn over time from the next <code>status</code> run on.</p>")
    how = ("<p class=\"muted small\">Share re-hashed for algorithm <i>a</i> = 1 &minus; accounts still on <i>a</i> / "
           "the most accounts ever counted on <i>a</i> (the import). Each point is one <code>status</code> run.</p>")
    rows = [(r.get("at"), r.get("total", 0), r.get("rehashed", 0), r.get("legacy", 0)) for r in history[-30:]]
    return _section("Re-hash progress over time", chart, how,
                    table(["run (UTC)", "accounts", "re-hashed", "legacy"], rows, numeric=[1, 2, 3]))


def _reconciliation(document: Mapping[str, Any]) -> str:
    found = document.get("reconciliation")
    if not isinstance(found, Mapping):
        return ""
    rows = [(k, scrub_text(v) if isinstance(v, str) else v) for k, v in found.items() if not isinstance(v, (dict, list))]
    lists = [(k, len(v)) for k, v in found.items() if isinstance(v, list)]
    return _section("Reconciliation", table(["field", "value"], rows + [(f"{k} (listed)", n) for k, n in lists]))


# ---------------------------------------------------------------------------------------------


def render_report(document: Mapping[str, Any], *, kind: str | None = None, source: str | None = None,
                  sample: list[dict] | None = None) -> str:
    """The HTML page for one JSON report. ``sample``: failed records to show (default: read from the
    error file the report names)."""
    run = _run_part(document)
    kind = kind or str((run or {}).get("name") or "report")
    if sample is None and run is not None:
        sample = failure_sample(run.get("errors"), (run.get("failedByCode") or {}).keys())
    body = "".join([
        _kpis(document, run), _overview(document, run), _failures(run, sample or []), _validation(document),
        _hash_formats(run), _status(document), _history(document), _throughput(document, run), _steps(run),
        _reconciliation(document),
    ])
    generated = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    subtitle = f"gigya-migrate {esc(kind)} report" + (f" &middot; from {esc(source)}" if source else "")
    footer = (f"Generated {esc(generated)} by gigya-migrate from its JSON report. One self-contained file: no "
              "script, no network; charts drawn with pygal.")
    return page(f"{_TITLES.get(kind, kind.title())} report", body, subtitle=subtitle, footer=footer)


def write_report(path: str | Path, document: Mapping[str, Any], *, kind: str | None = None,
                 source: str | None = None) -> Path:
    """Render ``document`` to ``path`` (written whole: a temporary file, then renamed)."""
    import os

    path = Path(path)
    text = render_report(document, kind=kind, source=source)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path
