"""Every option `flagged-deletions --help` lists is one the command accepts (it used to list --dead-letter)."""

import re

from click.testing import CliRunner

from gigya_migrate.cli import main


def test_help_lists_no_option_the_command_rejects():
    runner = CliRunner()
    text = runner.invoke(main, ["flagged-deletions", "--help"]).output
    assert "--dead-letter" not in text
    assert "left flagged for the next run" in text
    refused = runner.invoke(main, ["flagged-deletions", "--mock", "--dead-letter", "x.jsonl", "--dry-run"])
    assert refused.exit_code == 2 and "No such option" in refused.output


def test_deletions_keeps_its_dead_letter_option():
    text = CliRunner().invoke(main, ["deletions", "--help"]).output
    assert re.search(r"--dead-letter FILE", text)
