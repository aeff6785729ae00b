"""``import``, ``validate-hashes`` and ``status``: land a legacy export in Gigya and prove the passwords.

Each command parses its options, calls one flow and prints its report. Bad options, an invalid
mapping or a journal that needs ``--resume`` stop the run before anything is sent (exit 2); site
or library errors exit 1 with a message; records that fail go to the error output, not to a
traceback (exit 0: the run completed and the report says what failed; exit 3 with
--fail-on-errors). The codes: gigya_migrate.commands._exit.
"""

from __future__ import annotations

import json

from pathlib import Path
from typing import Any

import click

from gigya_migrate.commands._common import library_errors, scheduling_option, site_options, time_ms
from gigya_migrate.commands._locations import Location, fetch_remote
from gigya_migrate.commands._exit import (already_finished, exit_for_failures, exit_records_failed,
                                          fail_on_errors_option)
from gigya_migrate.commands.html_report import html_option, publish

__all__ = ["COMMANDS", "import_command", "status_command", "validate_hashes_command"]

_DEFAULT_HISTORY = ".gigya-migrate/status-history.sqlite"  # status_history.DEFAULT_HISTORY, without importing it
_FORMATS = click.Choice(["csv", "tsv", "dsv", "json", "jsonl"], case_sensitive=False)


def _publish_kept(report: Path) -> None:
    """Hand a finished run's saved JSON report to ``--html`` (a file that is missing or not a JSON
    object is left for ``report-html`` to refuse; the resume itself still says what it found)."""
    try:
        document = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(document, dict):
        publish(document)


def _default_path(input_path: str, suffix: str) -> Path:
    """``users.csv.gz`` -> ``users.<suffix>`` in the current directory."""
    name = Path(input_path).name
    for ext in (".gz",):
        name = name.removesuffix(ext)
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return Path(f"{stem}.{suffix}")


def _require_credentials(site: Any) -> None:
    """These commands make server-side calls only: an API key alone gets 403007 on every one of them."""
    if site is not None and not site.secret:
        raise click.UsageError("--api-key alone cannot make server-side calls (importFullAccount, search): give "
                               "--user-key and --secret too (or GIGYA_USER_KEY / GIGYA_SECRET), or --mock.")


def _ensure_distinct(input_path: str, mapping_path: str | None, **paths: Path) -> None:
    """Refuse outputs that would overwrite the input, the mapping or each other, or that land in
    a folder that does not exist (found before anything is sent, not after the run)."""
    taken = {Path(input_path).resolve(): "the input file"}
    if mapping_path:
        taken.setdefault(Path(mapping_path).resolve(), "the --mapping file")
    for option, path in paths.items():
        resolved = Path(path).resolve()
        if resolved in taken:
            raise click.UsageError(f"--{option} {path} is {taken[resolved]}; choose another path")
        if not resolved.parent.is_dir():
            raise click.UsageError(f"--{option} {path}: the folder {resolved.parent} does not exist")
        taken[resolved] = f"also the --{option} path"


_PRESETS = ("auth0", "firebase", "keycloak", "cognito", "okta", "magento2", "wordpress", "django")
MAPPING_DOC = "docs/mapping.md"


@click.command("import")
@click.argument("file", type=Location(click.Path(exists=True, dir_okay=False, allow_dash=True)))
@click.option("--mapping", "mapping_path", type=click.Path(exists=True, dir_okay=False),
              help=f"Mapping file (YAML/JSON): columns -> Gigya fields, constants, drops, password columns; "
                   f"the language, with an example per feature: {MAPPING_DOC}.")
@click.option("--from", "preset_name", type=click.Choice(_PRESETS),
              help="Read the export of this platform with its preset mapping (a --mapping file replaces the "
                   "mapping; start one with `gigya-migrate mapping init --from NAME FILE`).")
@click.option("--format", "fmt", type=_FORMATS, help="Input format (default: from the file name; .gz is read too).")
@click.option("--delimiter", help="Field separator of a CSV/DSV file (default , for csv, TAB for tsv, | for dsv).")
@click.option("--encoding", default=None, metavar="NAME",
              help="Text encoding of the input (default UTF-8, with or without BOM; e.g. latin-1, cp1252).")
@click.option("--table", metavar="NAME",
              help="The table to import from a phpMyAdmin JSON export of several tables (a name or a pattern "
                   "such as 'wp_*users'; default: the only table, or the preset's: WordPress '*users').")
@click.option("--policy", type=click.Choice(["upsert", "insert"]), default="upsert", show_default=True,
              help="insert fails for existing accounts; upsert updates the passed fields.")
@click.option("--lookup/--no-lookup", default=None,
              help="Look up existing accounts by login email, reusing their UID (default: on, unless the "
                   "site has no accounts yet).")
@click.option("--dry-run", is_flag=True, help="Validate every record and the mapping, call nothing, report.")
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N records (a test run: --limit 10).")
@click.option("--concurrency", type=click.IntRange(1, 256), default=8, show_default=True,
              help="Parallel importFullAccount calls (connections).")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False),
              help="Failed records with errorCode/errorMessage (default <input>.errors.jsonl; "
                   "<input>.dry-run.errors.jsonl for a dry run).")
@click.option("--errors-format", type=click.Choice(["jsonl", "csv"]), default=None,
              help="Error output format (default: from --errors' name, else jsonl).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False),
              help="Run report as JSON (default <input>.report.json; <input>.dry-run.report.json for a dry run).")
@click.option("--journal", "journal_path", type=click.Path(dir_okay=False),
              help="Checkpoint journal (SQLite; default <input>.journal.sqlite).")
@click.option("--resume", is_flag=True, help="Continue an interrupted run: finished records are skipped.")
@click.option("--backoff", type=click.FloatRange(0.001, 600), default=0.5, show_default=True,
              help="First pause (seconds) of the whole job when the site refuses every call (403048); "
                   "doubles up to 30 s. Under a rate cap, calls are paced just under the rate the site accepts.")
@click.option("--skip-preflight", is_flag=True, help="Do not check the site's email verification policy first.")
@click.option("--progress/--no-progress", default=None, help="Progress line on stderr (default: on a terminal).")
@click.option("--outage-timeout", type=click.FloatRange(0, 86400), default=120.0, show_default=True,
              help="Seconds to keep retrying refused connections (the site, a proxy or the mock restarting) "
                   "before records fail with 500026; 0 turns it off.")
@click.option("--retry-failed", is_flag=True,
              help="With --resume: send again the records that failed for a transient reason (rate limit, 5xx, "
                   "network), with the same ownership checks as interrupted records, so none is written twice. "
                   "Also reopens a finished run. Their earlier error lines stay in the error file.")
@scheduling_option
@fail_on_errors_option
@site_options(required=False)
@library_errors()
@fetch_remote("file")
@html_option("import")
def import_command(file, mapping_path, preset_name, fmt, delimiter, encoding, table, policy, lookup, dry_run, limit,
                   concurrency, errors_path, errors_format, report_path, journal_path, resume, backoff, skip_preflight,
                   progress, outage_timeout, retry_failed, scheduling, fail_on_errors, site):
    """Import a legacy user export into a Gigya site with importFullAccount.

    \b
    Steps: read -> map columns -> adapt the password hash -> look up by email -> import.
    Failed records go to the error file with errorCode and errorMessage; fix and re-import it.
    Every run says how many records are written WITHOUT a password, and why.
    FILE - reads standard input. The mapping language: docs/mapping.md.

    \b
    Examples:
      gigya-migrate import users.csv.gz --mapping mapping.yaml --mock --dry-run
      gigya-migrate import firebase-users.json --from firebase --mock --dry-run
      zcat users.jsonl.gz | gigya-migrate import - --from auth0 --dry-run
      gigya-migrate import wordpress.json --from wordpress --table wp_users   # phpMyAdmin JSON export
      gigya-migrate import users.csv.gz --mapping mapping.yaml --limit 10
      gigya-migrate import users.csv.gz --mapping mapping.yaml --concurrency 32
      gigya-migrate import users.csv.gz --mapping mapping.yaml --resume
      gigya-migrate import users.csv.gz --mapping mapping.yaml --resume --retry-failed   # after an outage
      gigya-migrate import users.errors.jsonl --mapping mapping.yaml
      gigya-migrate import users.csv.gz --mapping mapping.yaml --fail-on-errors   # cron/CI: exit 3 on failures
    """
    from gigya_migrate.flows.mapping import MappingError, load_mapping

    if retry_failed and not resume:
        raise click.UsageError("--retry-failed goes with --resume (it re-sends the failed records of the journal's run)")
    if site is None and not dry_run:
        raise click.UsageError("No site given: pass --api-key (or set GIGYA_API_KEY), or --mock to target a local "
                               "mock-gigya server; --dry-run needs no site.")
    if not dry_run:
        _require_credentials(site)
    if encoding is not None:
        _check_encoding(encoding)
    preset = _preset(preset_name)
    try:
        mapping = load_mapping(mapping_path) if mapping_path or preset is None else preset.to_mapping()
    except MappingError as exc:
        raise click.BadParameter(str(exc), param_hint="--mapping") from None
    from gigya_migrate.flows.steps import readable_input

    with readable_input(file, fmt) as path:
        table = _table(path, file, table, preset, fmt, encoding)
        _import(path, file, mapping, preset, fmt, delimiter, encoding, policy, lookup, dry_run, limit, concurrency,
                errors_path, errors_format, report_path, journal_path, resume, backoff, skip_preflight, progress,
                site, mapping_path, fail_on_errors, outage_timeout=outage_timeout, retry_failed=retry_failed,
                scheduling=scheduling,
                table=table)


def _table(path: str, file: str, wanted: str | None, preset: Any, fmt: str | None,
           encoding: str | None) -> str | None:
    """The table of a phpMyAdmin JSON export to read (said on stderr), None for any other input;
    exit 2 naming the export's tables when the choice is not one table."""
    from gigya_migrate.flows.phpmyadmin import table_to_read

    try:
        table, note = table_to_read(path, wanted, preset.table if preset is not None else None, format=fmt,
                                    encoding=encoding, name="standard input" if file == "-" else file)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--table") from None
    if note:
        click.echo(note, err=True)
    return table


def _preset(name: str | None):
    if name is None:
        return None
    from gigya_migrate.flows.presets import get_preset

    return get_preset(name)


def _import(path, file, mapping, preset, fmt, delimiter, encoding, policy, lookup, dry_run, limit, concurrency,
            errors_path, errors_format, report_path, journal_path, resume, backoff, skip_preflight, progress, site,
            mapping_path, fail_on_errors, *, outage_timeout=0.0, retry_failed=False, table=None,
            scheduling="batch"):
    """The import itself, once FILE is a readable file (standard input spooled)."""
    from gigya_migrate.flows.import_accounts import (ImportJob, PreflightError, SiteRefused, import_file, preflight,
                                                     site_is_empty)
    from gigya_migrate.flows.journal import JournalError, RunAlreadyFinished
    from gigya_migrate.flows.mapping import MappingError
    from gigya_migrate.flows.runner import RunInterrupted, RunOptions
    from gigya_migrate.flows.steps import InputError

    if file == "-":
        file = "stdin"  # the default outputs are stdin.errors.jsonl, stdin.report.json...
    # a dry run has its own default outputs: it must not overwrite the error file of a real run,
    # whose write-step failures (403043, ...) a dry run cannot reproduce
    prefix = "dry-run." if dry_run else ""
    errors = Path(errors_path) if errors_path else _default_path(file, f"{prefix}errors.jsonl")
    report = Path(report_path) if report_path else _default_path(file, f"{prefix}report.json")
    journal = Path(journal_path) if journal_path else _default_path(file, "journal.sqlite")
    outputs = {"errors": errors, "report": report}
    if not dry_run:  # a dry run keeps its journal in a temporary folder
        outputs["journal"] = journal
    _ensure_distinct(path, mapping_path, **outputs)
    options = RunOptions(
        concurrency=concurrency, limit=limit, dry_run=dry_run, resume=resume, journal_path=journal,
        errors_path=errors, errors_format=errors_format or ("csv" if errors.name.endswith(".csv") else "jsonl"),
        report_path=report, progress=progress, backoff_base=backoff, backoff_max=max(30.0, backoff),
        outage_timeout=outage_timeout, retry_failed=retry_failed, scheduling=scheduling,
    )
    # max_retries=0: the runner retries, so that a rate limit slows the whole job (shared throttle)
    # a dry run calls nothing, not even the read-only lookups: it validates the file and the mapping
    client = site.client(max_retries=0, pool_size=concurrency + 4) if site is not None and not dry_run else None
    api_key = site.api_key if site is not None else "dry-run"
    # start-up calls (preflight, the first search) are retried like the run's calls: a client of their own
    # with the SDK's retries, backing off from --backoff as the runner does, since no runner stands behind them
    from gigya_migrate.retry import RetryPolicy

    startup_retry = RetryPolicy(base_delay=backoff, max_delay=max(30.0, backoff))
    startup = site.client(pool_size=2, retry_policy=startup_retry) if client is not None else None
    if client is not None and not skip_preflight and not dry_run:
        try:
            for warning in preflight(startup):
                click.echo(f"warning: {warning}", err=True)
        except PreflightError as exc:
            raise click.ClickException(str(exc)) from None
    if client is not None and lookup is None and not resume:
        lookup = not site_is_empty(startup)
        if not lookup:
            click.echo("the site has no accounts yet: no lookups by email needed (--lookup forces them)", err=True)
    if startup is not None:
        startup.close()
    job = ImportJob(mapping, client, api_key, policy=policy, lookup=lookup is not False and client is not None)
    if resume and not dry_run and not journal.exists():
        click.echo(f"note: no journal at {journal}: nothing to resume, every record is sent "
                   "(give --journal if the interrupted run used another path)", err=True)
    if dry_run:
        click.echo(f"dry run: validating {file} (no calls are made)", err=True)
    else:
        click.echo(f"importing {file} into {site.describe()} ({policy}, {concurrency} connections)", err=True)
    header = list(preset.csv_header) if preset is not None and preset.csv_header else None
    if preset is not None:
        _say_passwordless_up_front(preset, mapping, path, fmt, _separator(delimiter), encoding, header, table)
    options.input = options.input or file
    try:
        result = import_file(path, job, options, format=fmt, delimiter=_separator(delimiter), encoding=encoding,
                             warn=_warner(preset), header=header, table=table)
    except InputError as exc:  # the file broke off mid-run: what was read before is done
        raise click.ClickException(
            f"{_named(exc, path, file)}. The records before it were processed (report -> {report}); replace the "
            "file with a complete copy and run the same command with --resume.") from None
    except (MappingError, ValueError) as exc:
        raise click.BadParameter(_named(exc, path, file), param_hint="FILE / --mapping") from None
    except RunAlreadyFinished as finished:
        _publish_kept(report)  # --html draws the finished run's own report
        already_finished(finished, fail_on_errors)
        return
    except JournalError as exc:
        raise click.UsageError(str(exc)) from None
    except SiteRefused as refused:
        raise click.ClickException(
            f"{refused}. The run stopped at the first such answer (every record would fail the same way); "
            f"records already written stay written, the others were not sent. Fix the credentials or the "
            f"permission, then run the same command with --resume (report -> {report}).") from None
    except RunInterrupted as stopped:
        click.echo(stopped.report.summary())
        publish(stopped.report.as_dict())  # --html still gets its page (exit 130 is not a RunInterrupted)
        raise click.exceptions.Exit(130) from None
    finally:
        if client is not None:
            client.close()
    click.echo(result.summary())
    publish(result.as_dict())
    exit_for_failures(result.failed, fail_on_errors)


def _named(exc: Exception, path: str, file: str) -> str:
    """The error text with standard input's temporary copy called "standard input"."""
    return str(exc).replace(str(path), "standard input") if file == "stdin" else str(exc)


def _warner(preset: Any):
    """Print warnings; with a preset, the generic "no password section" one is left to its advice."""
    def warn(text: str) -> None:
        if preset is not None and "no password section" in text and "no password section" in preset.advice:
            return
        click.echo(f"warning: {text}", err=True)
    return warn


def _say_passwordless_up_front(preset: Any, mapping: Any, path: str, fmt: str | None, delimiter: str | None,
                               encoding: str | None, header: list[str] | None, table: str | None = None) -> None:
    """A preset's advice, once, with the count of records it concerns (a read-only pass over the file)."""
    from gigya_migrate.flows.presets import passwordless_preview
    from gigya_migrate.flows.steps import detect_format, read_records

    if not preset.advice:
        return
    try:
        kind = (fmt or detect_format(path)).lower()
        records = read_records(path, format=kind, delimiter=delimiter, encoding=encoding,
                               header=header if kind in ("csv", "tsv", "dsv") else None, table=table)
        total, reasons = passwordless_preview(records, mapping)
    except ValueError:
        return  # the run itself reports an unreadable input, with its exit code
    for notice in preset.notices(total, reasons):
        click.echo(f"note: {notice}", err=True)


def _check_encoding(name: str) -> None:
    import codecs

    try:
        codecs.lookup(name)
    except LookupError:
        raise click.BadParameter(f"unknown encoding {name!r} (e.g. utf-8, latin-1, cp1252)",
                                 param_hint="--encoding") from None


def _separator(value: str | None) -> str | None:
    if value is None:
        return None
    named = {"tab": "\t", "\\t": "\t", "pipe": "|", "comma": ",", "semicolon": ";"}
    value = named.get(value.lower(), value)
    if len(value) != 1:
        raise click.BadParameter("a separator is one character (or tab, pipe, comma, semicolon)",
                                 param_hint="--delimiter")
    return value




@click.command("validate-hashes")
@click.argument("sample", type=click.Path(exists=True, dir_okay=False))
@click.option("--mapping", "mapping_path", type=click.Path(exists=True, dir_okay=False),
              help="Mapping file naming the login id and password columns (else the column options below).")
@click.option("--format", "fmt", type=_FORMATS, help="Sample format (default: from the file name).")
@click.option("--delimiter", help="Field separator of a CSV/DSV sample.")
@click.option("--login-column", default="email", show_default=True, help="Column with the login email.")
@click.option("--password-column", default="password", show_default=True, help="Column with the cleartext password.")
@click.option("--hash-column", default="hash", show_default=True, help="Column with the legacy hash.")
@click.option("--scheme-column", default="scheme", show_default=True,
              help="Column naming the hash scheme (empty or absent: detected).")
@click.option("--salt-column", default="salt", show_default=True, help="Column with the salt, if any.")
@click.option("--rounds-column", default="rounds", show_default=True, help="Column with the rounds, if any.")
@click.option("--keep", is_flag=True, help="Leave the test users on the site (default: remove them).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), help="Also write the result as JSON.")
@click.option("--fail-on-errors", is_flag=True, envvar="GIGYA_MIGRATE_FAIL_ON_ERRORS",
              help="Accepted for symmetry with the jobs: a failed sample user always exits 3 here.")
@site_options(required=False)
@library_errors()
@html_option("validate-hashes")
def validate_hashes_command(sample, mapping_path, fmt, delimiter, login_column, password_column, hash_column,
                            scheme_column, salt_column, rounds_column, keep, report_path, fail_on_errors, site):
    """Prove legacy hashes log in after import: import, log in, confirm the re-hash, log in again.

    \b
    Each SAMPLE row holds a login email, the cleartext password, the legacy hash and its settings.
    The test users are removed afterwards (each deleteAccount carries the cid
    'gigya-migrate:validate-hashes', so a `gigya-migrate deletions` feed never sends them
    downstream). Without a site this runs against a local mock started for the purpose; give
    credentials (or GIGYA_* variables, or --site NAME) to test a real site. Exit status 3 when a
    sample user fails.

    \b
    Examples:
      gigya-migrate validate-hashes sample.csv
      gigya-migrate validate-hashes sample.csv --base-url http://127.0.0.1:8080 --mock
      gigya-migrate validate-hashes sample.csv --api-key 3_xxx --user-key AKxx --secret ...
    """
    from gigya_migrate.flows.mapping import Mapping, MappingError, PasswordMapping, load_mapping
    from gigya_migrate.flows.import_accounts import SiteRefused
    from gigya_migrate.flows.steps import InputError, read_records
    from gigya_migrate.flows.validate_hashes import validate_sample

    try:
        mapping = load_mapping(mapping_path) if mapping_path else Mapping(
            login_id=login_column,
            password=PasswordMapping(hash=hash_column, scheme=scheme_column, salt=salt_column, rounds=rounds_column))
    except MappingError as exc:
        raise click.BadParameter(str(exc), param_hint="--mapping") from None
    if mapping.password is None:
        raise click.BadParameter("the mapping has no password section", param_hint="--mapping")
    _require_credentials(site)
    if report_path and Path(report_path).resolve() == Path(sample).resolve():
        raise click.BadParameter("is the SAMPLE file itself; choose another path", param_hint="--report")
    _check_folder(report_path)
    try:
        rows = read_records(sample, format=fmt, delimiter=_separator(delimiter))
        _check_sample_columns(sample, fmt, _separator(delimiter), mapping, password_column)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="SAMPLE") from None
    try:
        with _site_or_local_mock(site) as target:
            with target.client() as client:
                report = validate_sample(rows, client, mapping=mapping, password_column=password_column, keep=keep,
                                         site=target.describe())
    except SiteRefused as refused:
        raise click.ClickException(f"{refused}: stopped at the first row (every row would fail the same way); "
                                   "check the credentials and the application key's permissions") from None
    except InputError as exc:
        raise click.ClickException(str(exc)) from None
    if not report.checks:  # "0/0 passed" would let a script take a check of nothing for a pass
        raise click.BadParameter(f"{Path(sample).name} has no rows: nothing was checked.", param_hint="SAMPLE")
    click.echo(report.table())
    if report_path:
        _write_json(report_path, report.as_dict())
    publish(report.as_dict())  # the --html page shows the failures too
    if report.failed:
        exit_records_failed(f"{len(report.failed)} of {len(report.checks)} sample users failed")


def _check_sample_columns(sample: str, fmt: str | None, delimiter: str | None, mapping: Any,
                          password_column: str) -> None:
    """A CSV sample must hold the login, cleartext and hash columns: say so once, not once per row."""
    from gigya_migrate.flows.steps import csv_header, detect_format

    fmt = (fmt or detect_format(sample)).lower()
    if fmt not in ("csv", "tsv", "dsv"):
        return
    header = csv_header(sample, delimiter=delimiter or {"csv": ",", "tsv": "\t", "dsv": "|"}[fmt])
    wanted = {"--login-column": mapping.login_id, "--password-column": password_column,
              "--hash-column": mapping.hash_columns()[0]}
    missing = [f"{column!r} ({option})" for option, column in wanted.items() if column not in header]
    if missing:
        raise ValueError(f"{Path(sample).name} has no column {', '.join(missing)}; its columns: {', '.join(header)}. "
                         "Name the right ones with those options (or a --mapping).")


@click.command("status")
@click.option("--where", help="Only accounts matching this WHERE clause (e.g. 'data.migratedFrom = \"shop\"').")
@click.option("--site-algorithm", default="pbkdf2", show_default=True,
              help="The algorithm the site re-hashes with on first login.")
@click.option("--imported-at", metavar="TIME",
              help="When the import ran (ISO time or Unix ms): logins at or before it are the legacy system's. "
                   "Default: each account's password.created (when its current hash was stored).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), help="Also write the counts as JSON.")
@click.option("--history", "history_path", type=click.Path(dir_okay=False), default=_DEFAULT_HISTORY,
              show_default=True, help="SQLite file keeping one row per run (the --html page draws re-hash progress "
                                      "over days from it).")
@click.option("--no-history", is_flag=True, help="Do not record this run in --history.")
@site_options()
@library_errors()
@html_option("status")
def status_command(where, site_algorithm, imported_at, report_path, history_path, no_history, site):
    """After go-live: how many users logged in and were re-hashed, how many still carry a legacy hash.

    \b
    Counts accounts per stored hash algorithm (accounts.search cursor); when no legacy hash is
    left, the legacy password store can be retired. "Logged in" counts logins after the import
    only: a lastLogin imported from the legacy system does not count.

    \b
    Examples:
      gigya-migrate status
      gigya-migrate status --where 'data.migratedFrom = "legacy-shop"' --mock
      gigya-migrate status --imported-at 2026-11-02T06:00:00Z
      gigya-migrate status --html rehash-progress.html     # daily: share re-hashed per algorithm, over days
    """
    from gigya_migrate.errors import GigyaError
    from gigya_migrate.flows.status import STATUS_FIELDS, hash_status

    _check_folder(report_path)
    if history_path != _DEFAULT_HISTORY and not no_history:  # the default folder is created
        _check_folder(history_path, "--history")
    _require_credentials(site)
    boundary = time_ms(imported_at, "--imported-at")
    with site.client() as client:
        try:
            status = hash_status(client, where=where, site_algorithm=site_algorithm, imported_at=boundary)
        except GigyaError as exc:
            if where and exc.error_code == 400006:  # the position Gigya names counts from SELECT
                raise click.BadParameter(f"{exc.details or exc.message}; the query sent was "
                                         f"'SELECT {STATUS_FIELDS} FROM accounts WHERE {where}'",
                                         param_hint="--where") from None
            raise
    click.echo(status.summary())
    document = _with_history(status.as_dict(), history_path, site.describe(), where, record=not no_history)
    if report_path:
        _write_json(report_path, document)
    publish(document)


def _with_history(document: dict, path: str, site: str, where: str | None, *, record: bool) -> dict:
    """The status report plus its history (this run appended first, unless ``record`` is off)."""
    from gigya_migrate.flows.status_history import StatusHistory

    history = StatusHistory(path)
    if record:
        history.record(site, document, where=where)
    return {**document, "history": history.rows(site, where=where)}


def _check_folder(path: str | None, option: str = "--report") -> None:
    """Refuse an output in a folder that does not exist before the work, not after it."""
    if path and not Path(path).resolve().parent.is_dir():
        raise click.BadParameter(f"the folder {Path(path).resolve().parent} does not exist", param_hint=option)


def _write_json(path: str, document: dict) -> None:
    import json

    Path(path).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


class _site_or_local_mock:  # noqa: N801 - used as a context manager
    """The given site, or a mock-gigya server started on a free loopback port for this command."""

    def __init__(self, site: Any) -> None:
        self.site, self.server = site, None

    def __enter__(self):
        if self.site is not None:
            return self.site
        from gigya_migrate.commands._common import SiteTarget
        from mock_gigya import defaults
        from mock_gigya.server import MockServer

        self.server = MockServer().start()
        click.echo(f"no site given: using a local mock Gigya at {self.server.url}", err=True)
        return SiteTarget(api_key=defaults.DEFAULT_API_KEY, user_key=defaults.DEFAULT_USER_KEY,
                          secret=defaults.DEFAULT_SECRET, base_url=self.server.url)

    def __exit__(self, *exc_info: Any) -> None:
        if self.server is not None:
            self.server.stop()


COMMANDS: list[click.Command] = [import_command, validate_hashes_command, status_command]
