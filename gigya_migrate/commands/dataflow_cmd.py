"""``gigya-migrate dataflow ...`` and ``gigya-migrate jobs ...``: IdentitySync dataflows on this machine.

A thin shell over ``gigya_migrate.dataflow``: parse options, check the flow, run it, print the
job. A flow that cannot run (bad JSON, unknown step, missing parameter or variable) exits 2
before anything is read or sent; a job that failed (refused login, unreachable server) exits 1.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from gigya_migrate.commands._common import library_errors, site_options
from gigya_migrate.commands._exit import exit_for_failures, fail_on_errors_option

__all__ = ["COMMANDS", "dataflow_group", "jobs_group"]

_HISTORY_HELP = "Job history and watermarks (SQLite; env GIGYA_MIGRATE_HISTORY)."


def _history_option(function):
    from gigya_migrate.dataflow.history import DEFAULT_HISTORY

    return click.option("--history", "history_path", type=click.Path(dir_okay=False, path_type=Path),
                        default=DEFAULT_HISTORY, show_default=True, envvar="GIGYA_MIGRATE_HISTORY",
                        help=_HISTORY_HELP)(function)


@click.group("dataflow")
def dataflow_group() -> None:
    """Run IdentitySync dataflow JSON locally, against the mock or a real site.

    \b
    Examples:
      gigya-migrate dataflow components
      gigya-migrate dataflow template copy > copy.json
      gigya-migrate dataflow check copy.json --vars vars.yaml
      gigya-migrate dataflow run copy.json --vars vars.yaml --mock --limit 10    # the console's "run test"
      gigya-migrate dataflow run copy.json --vars vars.yaml --mock --full        # "pull all records"
      gigya-migrate jobs list
    """


def _load(flow_path: str, vars_path: str | None):
    from gigya_migrate.dataflow import DataflowError, VariableError, Variables, load_dataflow

    try:
        variables = Variables.load(vars_path)
    except VariableError as exc:
        raise click.BadParameter(str(exc), param_hint="--vars / GIGYA_VAR_*") from None
    try:
        flow = load_dataflow(flow_path, variables)
    except DataflowError as exc:
        raise click.UsageError(f"{flow_path}: {exc}") from None
    for warning in flow.warnings:
        click.echo(f"warning: {warning}", err=True)
    return flow, variables


def _needs_site(flow) -> bool:
    return any(".gigya." in step.type for step in flow.steps.values())


@dataflow_group.command("run")
@click.argument("flow_path", metavar="FLOW.json", type=click.Path(exists=True, dir_okay=False))
@click.option("--vars", "vars_path", type=click.Path(exists=True, dir_okay=False),
              help="Shared variables (JSON/YAML: site, dataCenter, partner scopes); GIGYA_VAR_<NAME> overrides.")
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N records (--limit 10 = the console's run test).")
@click.option("--full", is_flag=True, help="Ignore the deltaField watermark: read every record (\"Pull all records\").")
@click.option("--log-level", type=click.Choice(["error", "info", "debug"]), default="info", show_default=True,
              help="Trace detail; debug also logs 3 records between steps.")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Failed records with no error step in the flow (JSONL) [default: <FLOW>.errors.jsonl].")
@click.option("--script-timeout", type=click.IntRange(1, 600000), default=1000, show_default=True,
              help="Per-record time limit of record.evaluate scripts, in milliseconds.")
@_history_option
@fail_on_errors_option
@site_options(required=False, label="the site the dataflow runs on")
@library_errors()
def run_command(flow_path, vars_path, limit, full, log_level, errors_path, script_timeout, history_path,
                fail_on_errors, site):
    """Run a dataflow JSON once and record the job in the history.

    The entry step is the one no step names; `next` with several ids splits the flow; `error`
    takes a step's failed records. Credentials go in variables (<$NAME$>), never in the file.

    \b
    Examples:
      gigya-migrate dataflow run copy-accounts.json --vars vars.yaml --mock
      export GIGYA_API_KEY=3_... GIGYA_USER_KEY=AK... GIGYA_SECRET=... GIGYA_VAR_sftpPassword=...
      gigya-migrate dataflow run export-sftp.json --data-center eu1 --limit 10
      gigya-migrate dataflow run import.json --vars vars.yaml --mock --log-level debug
    """
    from gigya_migrate.dataflow import History, RunSettings, run_dataflow

    flow, variables = _load(flow_path, vars_path)
    if site is None and _needs_site(flow):
        raise click.UsageError("this dataflow reads or writes Gigya: give the site (--api-key, --user-key, "
                               "--secret, --data-center) or --mock")
    errors = errors_path or Path(f"{Path(flow_path).stem}.errors.jsonl")
    settings = RunSettings(limit=limit, full=full, log_level=log_level, errors_path=errors,
                           script_timeout_ms=script_timeout, progress=_progress())
    history = History(history_path)
    where = site.describe() if site is not None else "this machine"
    click.echo(f"running {flow.name} ({flow.outline()}) on {where}", err=True)
    try:
        result = run_dataflow(flow, site=site, history=history, settings=settings, variables=variables,
                              flow_key=f"{flow.name}@{site.api_key if site else 'local'}")
    except KeyboardInterrupt:
        click.echo("stopped: the job is recorded as stopped (gigya-migrate jobs list)", err=True)
        raise click.exceptions.Exit(130) from None
    finally:
        history.close()
    if settings.progress is not None:
        click.echo("", err=True)
    click.echo(result.summary())
    if result.status == "failed":
        raise click.ClickException(f"job {result.job_id} failed: {result.message}")
    exit_for_failures(sum(e.get("count", 0) for e in result.errors), fail_on_errors)


def _progress():
    """A one-line counter on stderr when it is a terminal (long reads show they are moving)."""
    import sys

    if not sys.stderr.isatty():
        return None
    return lambda read: click.echo(f"\r{read:,} records read", err=True, nl=False)


@dataflow_group.command("check")
@click.argument("flow_path", metavar="FLOW.json", type=click.Path(exists=True, dir_okay=False))
@click.option("--vars", "vars_path", type=click.Path(exists=True, dir_okay=False), help="Shared variables file.")
def check_command(flow_path, vars_path):
    """Check a dataflow without running it: steps, parameters, variables.

    \b
    Example:
      gigya-migrate dataflow check copy-accounts.json --vars vars.yaml
    """
    flow, _ = _load(flow_path, vars_path)
    click.echo(f"{flow.name}: ok, entry step {flow.entry!r}, {len(flow.steps)} steps")
    for step_id in flow.order:
        step = flow.steps[step_id]
        arrows = "".join([f" -> {', '.join(step.next)}" if step.next else " (end)",
                          f"; errors -> {', '.join(step.error)}" if step.error else ""])
        click.echo(f"  {step_id} [{step.type}]{arrows}")


@dataflow_group.command("components")
@click.argument("component_type", required=False)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def components_command(component_type, as_json):
    """List the components and their parameters (* = required, ~ = not in IdentitySync's public docs).

    \b
    Examples:
      gigya-migrate dataflow components
      gigya-migrate dataflow components datasource.write.gigya.importaccount
    """
    from gigya_migrate.dataflow.components import COMPONENTS

    chosen = sorted(COMPONENTS)
    if component_type:
        if component_type not in COMPONENTS:
            raise click.BadParameter(f"unknown component {component_type!r}", param_hint="TYPE")
        chosen = [component_type]
    if as_json:
        click.echo(json.dumps([_component_json(COMPONENTS[t]) for t in chosen], indent=2))
        return
    for name in chosen:
        cls = COMPONENTS[name]
        click.echo(f"{name}  ({cls.role}: {cls.takes} -> {cls.gives})\n  {cls.summary}")
        for p in cls.params:
            mark = ("*" if p.required else " ") + (" " if p.documented else "~")
            default = f" [default: {json.dumps(p.default)}]" if p.default not in (None, "", {}) else ""
            click.echo(f"   {mark} {p.name:<28} {p.kind:<8} {p.doc}{default}")


def _component_json(cls) -> dict:
    return {"type": cls.type, "role": cls.role, "takes": cls.takes, "gives": cls.gives, "summary": cls.summary,
            "params": [{"name": p.name, "kind": p.kind, "required": p.required, "default": p.default,
                        "doc": p.doc, "documented": p.documented, "choices": list(p.choices)} for p in cls.params]}


@dataflow_group.command("template")
@click.argument("name", type=click.Choice(["import", "copy", "export", "deletions"]))
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
def template_command(name, out_path):
    """Print a prebuilt job as a dataflow JSON (the same job as the command of that name).

    Paths and credentials are variables (<$inputFile$>, <$sourceApiKey$>...): give them with
    --vars or GIGYA_VAR_<NAME> when running it.

    \b
    Examples:
      gigya-migrate dataflow template copy --out copy.json
      GIGYA_VAR_inputFile=users.csv GIGYA_VAR_errorsFolder=errors/ \\
          gigya-migrate dataflow run <(gigya-migrate dataflow template import) --mock
    """
    from gigya_migrate.dataflow.templates import template

    text = json.dumps(template(name), indent=2) + "\n"
    if out_path:
        out_path.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out_path}", err=True)
    else:
        click.echo(text, nl=False)


@click.group("jobs")
def jobs_group() -> None:
    """The history of dataflow runs (IdentitySync's Job History).

    \b
    Examples:
      gigya-migrate jobs list
      gigya-migrate jobs show 5d40a496
    """


@jobs_group.command("list")
@click.option("--dataflow", "flow", help="Only the jobs of this dataflow (its name).")
@click.option("--last", type=click.IntRange(min=1), default=20, show_default=True, help="How many jobs.")
@_history_option
def jobs_list_command(flow, last, history_path):
    """Status, job id, start and end time, processed and total records of recent jobs."""
    from gigya_migrate.dataflow import History

    history = History(history_path)
    try:
        jobs = history.jobs(flow, last)
    finally:
        history.close()
    if not jobs:
        click.echo("no jobs recorded yet" + (f" for {flow}" if flow else ""))
        return
    click.echo(f"{'status':<11}{'job id':<34}{'start time':<26}{'end time':<26}{'processed':>10}{'total':>8}  dataflow")
    for j in jobs:
        click.echo(f"{j.status:<11}{j.id:<34}{j.started_at:<26}{j.ended_at or '':<26}{j.processed:>10,}{j.total:>8,}  "
                   f"{j.flow}")


@jobs_group.command("show")
@click.argument("job_id")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (with the trace).")
@_history_option
def jobs_show_command(job_id, as_json, history_path):
    """One job's details: step metrics, errors by code and the trace (at most 1,000 entries)."""
    from gigya_migrate.dataflow import History

    history = History(history_path)
    try:
        job = history.job(job_id)
        if job is None:
            raise click.BadParameter(f"no job {job_id!r} (give the id, or a unique prefix of 6+ characters)",
                                     param_hint="JOB_ID")
        trace = history.trace_of(job.id)
    finally:
        history.close()
    if as_json:
        click.echo(json.dumps({**job.as_dict(), "trace": trace}, indent=2))
        return
    click.echo(f"job {job.id}: {job.status}\n  dataflow {job.flow}; started {job.started_at}, ended {job.ended_at}\n"
               f"  processed {job.processed:,} of {job.total:,}"
               + (f"; max records {job.max_records}" if job.max_records else "")
               + ("; pull all records" if job.full else "") + (f"\n  {job.message}" if job.message else ""))
    click.echo(f"step metrics:\n  {'step':<22}{'seconds':>10}{'input':>10}{'output':>10}{'errors':>10}")
    for s in job.steps:
        click.echo(f"  {s['step']:<22}{s['durationSeconds']:>10.3f}{s['input']:>10,}{s['output']:>10,}{s['errors']:>10,}")
    if job.errors:
        click.echo("errors:")
        for e in job.errors:
            click.echo(f"  {e['step']:<20} {e['errorCode']!s:<14} x{e['count']:<6} {e['errorMessage']}")
    click.echo(f"trace ({len(trace)} entries" + (f", {job.trace_dropped} dropped over the 1,000 limit" if job.trace_dropped else "") + "):")
    for t in trace:
        click.echo(f"  {t['time']} {t['level']:<5} {t['step'] or '':<16} {t['message']}")


COMMANDS = [dataflow_group, jobs_group]
