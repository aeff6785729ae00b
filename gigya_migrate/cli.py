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


# where each command lives, so running one imports only its module (see _LazyGroup); a name missing
# here (a new command) is still found, by loading every module
_HOMES = {"check-hashes": "check_hashes", "import": "import_cmd", "validate-hashes": "import_cmd",
          "status": "import_cmd", "mapping": "mapping_cmd", "deletions": "site_jobs", "copy": "site_jobs",
          "reconcile": "site_jobs", "export": "site_jobs", "update": "site_jobs",
          "flagged-deletions": "site_jobs", "sites": "sites", "dataflow": "dataflow_cmd",
          "jobs": "dataflow_cmd", "report-html": "html_report"}


class _LazyGroup(click.Group):
    """The top-level group: a command's module is imported when the command is looked up, so
    ``gigya-migrate import`` starts without the dataflow engine, the site jobs and the rest
    (start-up CPU is a share of every record's cost in an import of a few thousand accounts).
    ``commands``, ``list_commands`` and ``--help`` load every module, so the list stays whole."""

    def __init__(self, *args, **kwargs) -> None:
        self._pending = list(MODULES)
        super().__init__(*args, **kwargs)

    @property
    def commands(self) -> dict[str, click.Command]:
        """Every command (loads the modules not loaded yet)."""
        while self._pending:
            self._load(self._pending[0])
        return self._commands

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._commands = value

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self._commands and _HOMES.get(cmd_name) in self._pending:
            self._load(_HOMES[cmd_name])
        if cmd_name not in self._commands:
            return self.commands.get(cmd_name)
        return self._commands[cmd_name]

    def _load(self, name: str) -> None:
        self._pending.remove(name)
        for command in import_module(f"gigya_migrate.commands.{name}").COMMANDS:
            self._commands[command.name] = command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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


if __name__ == "__main__":  # pragma: no cover
    main()
