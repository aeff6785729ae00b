"""``mapping init``: a preset's mapping as a file to edit, checked against the first records of an export."""

from __future__ import annotations

from itertools import islice
from pathlib import Path
from typing import Any

import click

__all__ = ["COMMANDS", "mapping_group"]

_PRESETS = ("auth0", "firebase", "keycloak", "cognito", "okta", "magento2", "wordpress", "django")


@click.group("mapping")
def mapping_group() -> None:
    """Mapping files: how an export's columns become Gigya fields (the language: docs/mapping.md).

    \b
    Example:
      gigya-migrate mapping init --from auth0 password-hashes.json > mapping.yaml
    """


@mapping_group.command("init")
@click.option("--from", "preset_name", type=click.Choice(_PRESETS), required=True,
              help="The platform whose export FILE is.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True), required=False)
@click.option("--sample", type=click.IntRange(1, 100000), default=50, show_default=True,
              help="How many of FILE's first records to read.")
@click.option("--format", "fmt", type=click.Choice(["csv", "tsv", "dsv", "json", "jsonl"], case_sensitive=False),
              help="Input format (default: from the file name; for standard input, JSON when it starts "
                   "with [ or {, else CSV).")
@click.option("--table", metavar="NAME",
              help="The table of a phpMyAdmin JSON export of several tables (as for import).")
def init_command(preset_name: str, file: str | None, sample: int, fmt: str | None, table: str | None) -> None:
    """Print a preset's mapping (YAML) to start from; with FILE, say which of its columns it maps.

    \b
    The mapping goes to standard output, the findings to standard error, so:
      gigya-migrate mapping init --from auth0 password-hashes.json > mapping.yaml
      zcat users.jsonl.gz | gigya-migrate mapping init --from auth0 - > mapping.yaml   # FILE - : stdin
      gigya-migrate import password-hashes.json --from auth0 --mapping mapping.yaml --mock --dry-run
    Keep --from next to --mapping: the preset still names the column of a headerless CSV (Firebase)
    and says up front which records cannot keep their password.
    Columns the file has and the mapping does not read are listed (and kept as a comment at the end
    of the mapping): add them under `fields:` to import them.
    """
    import yaml

    from gigya_migrate.flows.presets import get_preset

    preset = get_preset(preset_name)
    text = (f"# gigya-migrate mapping for {preset.title}: {preset.exports}\n"
            "# The mapping language, with an example per feature: docs/mapping.md\n"
            f"# Import with: gigya-migrate import FILE --from {preset.name} --mapping THIS_FILE  (--from keeps the\n"
            "# preset's column names for a headerless CSV and its note on records that lose their password)\n"
            + yaml.safe_dump(preset.mapping, sort_keys=False, allow_unicode=True, width=100))
    unmapped: list[str] = []
    if file:
        from gigya_migrate.flows.steps import readable_input

        with readable_input(file, fmt) as path:
            name = "standard input" if file == "-" else file
            try:
                unmapped = _report_columns(preset, path, name, sample, fmt, table)
            except ValueError as exc:
                raise click.BadParameter(str(exc).replace(path, name),
                                         param_hint="--table" if "--table" in str(exc) else "FILE") from None
    if unmapped:
        text += f"# not mapped (columns of {'standard input' if file == '-' else Path(file).name}): " \
                f"{', '.join(unmapped)}\n"
    click.echo(text, nl=False)


def _report_columns(preset: Any, file: str, name: str, sample: int, fmt: str | None,
                    wanted: str | None) -> list[str]:
    """Say on stderr which columns of FILE's first records are mapped and which are not; return the latter."""
    from gigya_migrate.flows.phpmyadmin import table_to_read
    from gigya_migrate.flows.steps import detect_format, read_records

    kind = (fmt or detect_format(file)).lower()
    header = list(preset.csv_header) if preset.csv_header and kind in ("csv", "tsv", "dsv") else None
    table, note = table_to_read(file, wanted, preset.table, format=kind, name=name)
    if note:
        click.echo(note, err=True)
    records = [r for r in islice(read_records(file, format=kind, header=header, table=table), sample)
               if isinstance(r, dict)]
    if not records:
        raise ValueError(f"{name} holds no records the {preset.name} preset can read")
    mapping = preset.to_mapping()
    seen = list(dict.fromkeys(key for record in records for key in record))
    mapped = [k for k in seen if mapping.reads(k)]
    unmapped = [k for k in seen if k not in mapped]
    passwords = _password_formats(mapping, records)
    click.echo(f"read {len(records)} record(s) of {name}", err=True)
    click.echo(f"  mapped: {', '.join(_described(k, passwords) for k in mapped) or 'nothing'}", err=True)
    click.echo(f"  not mapped: {', '.join(unmapped) or 'nothing'}", err=True)
    return unmapped


def _password_formats(mapping: Any, records: list[dict]) -> dict[str, str]:
    """Source root -> the hash formats seen in it (``passwordHash`` -> ``bcrypt``)."""
    from gigya_migrate.flows.values import lookup, root
    from gigya_migrate.hashing import detect

    found: dict[str, set[str]] = {}
    for column in mapping.hash_columns():
        for record in records:
            value = lookup(record, column)
            if value in (None, "", [], {}):
                continue
            name = detect(value) if isinstance(value, str) else "structured"
            found.setdefault(root(column), set()).add(mapping.password.force_scheme or name or "unrecognised")
    return {column: "/".join(sorted(names)) for column, names in found.items()}


def _described(column: str, passwords: dict[str, str]) -> str:
    return f"{column} ({passwords[column]})" if column in passwords else column


COMMANDS: list[click.Command] = [mapping_group]
