"""Running the CLI in a flow test: importable from the test modules (tests/flows/conftest.py puts
this folder on sys.path)."""

from click.testing import CliRunner

from gigya_migrate.cli import main


def invoke(*args):
    """``gigya-migrate ARGS`` in-process; a traceback in the output fails the test."""
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result
