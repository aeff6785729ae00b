"""The top-level command loads a command's module only when that command runs, and still lists
every command (gigya_migrate.cli._LazyGroup)."""

import subprocess
import sys
from importlib import import_module

from click.testing import CliRunner

from gigya_migrate import cli
from gigya_migrate.commands import MODULES


def test_every_command_is_listed_and_each_hint_names_its_module():
    registered = {}
    for name in MODULES:
        for command in import_module(f"gigya_migrate.commands.{name}").COMMANDS:
            registered[command.name] = name
    assert set(cli.main.commands) == set(registered)
    assert cli._HOMES == registered  # a command missing here still runs, but loads every module
    listed = CliRunner().invoke(cli.main, ["--help"]).output
    assert all(f"\n  {name} " in listed for name in registered)


def test_import_does_not_load_the_other_command_modules():
    code = ("import sys\nfrom gigya_migrate.cli import main\n"
            "try:\n    main(['import', '--help'], prog_name='gigya-migrate')\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith(('gigya_migrate.commands.', 'gigya_migrate.dataflow'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    loaded = done.stdout.strip().splitlines()[-1]
    assert "gigya_migrate.commands.import_cmd" in loaded
    assert "dataflow" not in loaded and "site_jobs" not in loaded and "check_hashes" not in loaded, loaded


def test_an_unknown_command_is_refused_with_the_known_ones_suggested():
    result = CliRunner().invoke(cli.main, ["improt"])
    assert result.exit_code == 2
    assert "No such command 'improt'" in result.output and "import" in result.output
