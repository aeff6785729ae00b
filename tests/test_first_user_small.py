"""Smaller first-user fixes (issue 14): mock-gigya -h, the demo's next steps, shell completion and the
environment documented, setuptools license metadata."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import click
from click.testing import CliRunner

from gigya_migrate import demo
from gigya_migrate.cli import main as gigya_migrate
from mock_gigya.server import main as mock_gigya

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_mock_gigya_takes_h_like_gigya_migrate():
    for args in (["-h"], ["serve", "-h"]):
        result = CliRunner().invoke(mock_gigya, args)
        assert result.exit_code == 0, result.output
        assert result.output.startswith("Usage: ")


def test_the_demo_ends_with_three_next_commands_that_parse():
    text = demo.next_steps()
    commands = [line.strip() for line in text.splitlines() if line.strip().startswith("gigya-migrate ")]
    assert len(commands) == 3
    for line, (arguments, _) in zip(commands, demo.NEXT_STEPS):
        name, *rest = arguments.split()
        command = gigya_migrate.commands[name]
        # the options exist and the arguments fit (files are not checked for existence here)
        context = command.make_context(name, rest, resilient_parsing=True)
        assert context.params, line
        known = {opt for param in command.params for opt in getattr(param, "opts", [])}
        assert all(word in known for word in rest if word.startswith("--")), line


def test_the_demo_ends_by_printing_the_next_steps(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GIGYA_BASE_URL", raising=False)
    demo.main(users=40)  # the whole demo, on a small export
    out = capsys.readouterr().out
    assert out.rstrip().endswith(demo.next_steps().strip())
    assert "$ gigya-migrate status" in out and "legacy" in out


def test_shell_completion_works_as_the_readme_says():
    assert "_GIGYA_MIGRATE_COMPLETE=bash_source gigya-migrate" in README
    env = {**os.environ, "_GIGYA_MIGRATE_COMPLETE": "bash_complete", "COMP_WORDS": "gigya-migrate imp",
           "COMP_CWORD": "1"}
    done = subprocess.run([sys.executable, "-c", "from gigya_migrate.cli import main; main(prog_name='gigya-migrate')"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert "plain,import" in done.stdout.splitlines(), done.stdout + done.stderr
    script = subprocess.run([sys.executable, "-c", "from gigya_migrate.cli import main; main(prog_name='gigya-migrate')"],
                            env={**os.environ, "_GIGYA_MIGRATE_COMPLETE": "bash_source"},
                            capture_output=True, text=True, timeout=60)
    assert "complete -o nosort -F" in script.stdout


def test_the_environment_variables_are_documented():
    for name in ("GIGYA_BASE_URL", "GIGYA_API_KEY", "GIGYA_SITE", "GIGYA_MIGRATE_CONFIG",
                 "GIGYA_MIGRATE_FAIL_ON_ERRORS"):
        assert f"`{name}`" in README, name
    assert "--site NAME" in README


def test_license_metadata_is_an_spdx_string():
    # the table form `license = {text = ...}` makes setuptools >= 77 warn on every `make` (pip install -e)
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "Apache-2.0"
    assert any(r.replace(" ", "").startswith("setuptools>=77") for r in project["build-system"]["requires"])


def test_click_group_help_options_match():
    assert isinstance(mock_gigya, click.Group)
    assert "-h" in mock_gigya.context_settings.get("help_option_names", [])
