"""The distribution installs what it promises: packages, console scripts, CLI help."""

from importlib.metadata import entry_points

import click
from click.testing import CliRunner

import gigya_migrate
from gigya_migrate.cli import main


def test_version_is_exposed_and_matches_cli():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"gigya-migrate, version {gigya_migrate.__version__}"


def test_console_scripts_declared():
    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert scripts["gigya-migrate"] == "gigya_migrate.cli:main"
    assert scripts["mock-gigya"] == "mock_gigya.server:main"


def test_pytest_plugin_declared():
    plugins = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert plugins["gigya_mock"] == "mock_gigya.pytest_plugin"


def test_every_command_has_help_with_an_example():
    for name, command in main.commands.items():
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert "gigya-migrate " + name in result.output, f"{name} --help shows no example"
        assert isinstance(command, click.Command)


def test_unknown_lazy_name_raises_attribute_error():
    try:
        gigya_migrate.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")


def test_sources_compile_without_warnings():
    """An invalid escape such as '\\|' is a DeprecationWarning today and a SyntaxError in a later Python."""
    import pathlib
    import warnings

    root = pathlib.Path(__file__).resolve().parent.parent
    problems = []
    for package in ("gigya_migrate", "mock_gigya"):
        for path in sorted((root / package).rglob("*.py")):
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                try:
                    compile(path.read_text(encoding="utf-8"), str(path), "exec")
                except (SyntaxError, SyntaxWarning, DeprecationWarning) as exc:
                    problems.append(f"{path.relative_to(root)}: {exc}")
    assert problems == []
