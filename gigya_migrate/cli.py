"""The ``gigya-migrate`` command: a thin shell over the library.

Each command parses its options, calls one library function and prints a report. Library errors
exit 1, bad usage exits 2 (click's convention), failed records 3 (with --fail-on-errors), an
interrupted run 130: gigya_migrate.commands._exit. Commands live in ``gigya_migrate.commands``.
"""

import signal
import threading
from importlib import import_module

import click

from gigya_migrate import __version__
from gigya_migrate.commands import MODULES

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="gigya-migrate")
@click.option("--config", type=click.Path(dir_okay=False), envvar="GIGYA_MIGRATE_CONFIG", expose_value=False,
              callback=lambda ctx, _, value: ctx.meta.__setitem__("gigya_migrate.config", value),
              help="Site profiles file (default ~/.config/gigya-migrate/config.toml); see --site.")
def main() -> None:
    """Migrate identities into, out of and between SAP Customer Data Cloud (Gigya) sites.

    \b
    Start offline, with no Gigya site at all:
      gigya-migrate check-hashes sample.csv
    Rehearse against the local mock (mock-gigya serve), then go live:
      gigya-migrate import users.csv.gz --mapping mapping.yaml --mock --dry-run
      gigya-migrate import users.csv.gz --mapping mapping.yaml --limit 10

    Credentials come from options or GIGYA_API_KEY, GIGYA_USER_KEY, GIGYA_SECRET,
    GIGYA_DATA_CENTER, GIGYA_BASE_URL, or a named profile: --site prod-eu (gigya-migrate sites
    --help). Run `gigya-migrate COMMAND --help` for each command's examples.
    """
    _stop_on_sigterm()


def _stop_on_sigterm() -> None:
    """A SIGTERM (cron timeout, systemd, kill) stops a job like Ctrl+C: journal flushed, report
    written, and `--resume` continues from there."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_interrupt)


def _raise_interrupt(signum, frame):  # noqa: ARG001 (signal handler signature)
    raise KeyboardInterrupt


def _register() -> None:
    for name in MODULES:
        module = import_module(f"gigya_migrate.commands.{name}")
        for command in module.COMMANDS:
            main.add_command(command)


_register()

if __name__ == "__main__":  # pragma: no cover
    main()
