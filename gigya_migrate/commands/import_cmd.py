"""CLI commands of this family (see gigya_migrate.commands)."""

import click

COMMANDS: list[click.Command] = []
