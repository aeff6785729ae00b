"""``check-hashes``: offline, will each sample user's legacy hash log in after import?

A thin shell over :mod:`gigya_migrate.hashing.sample`: read the sample, print per row and per format
whether the Gigya password object verifies, and the diagnosis of each failure. No site, no network.
The report never prints a cleartext or a full hash; ``--show-objects`` writes the full objects to a file.
"""

import json
from pathlib import Path

import click

from gigya_migrate.hashing.sample import RowResult, SampleError, check_sample, summarize
from gigya_migrate.commands._exit import RECORDS_FAILED

__all__ = ["COMMANDS", "check_hashes_command"]

_STATUS = {"ok": "ok", "fail": "FAIL", "unsupported": "UNSUPPORTED", "invalid": "INVALID"}


def _short_object(obj: dict | None) -> str:
    if not obj:
        return "-"
    shown = dict(obj)
    for key in ("hashedPassword", "compoundHashedPassword"):
        if key in shown:
            shown[key] = shown[key][:8] + "…"
    return json.dumps(shown, ensure_ascii=False)


def _table(rows: list[list[str]], right: tuple[int, ...] = ()) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    return lines


def _row_lines(results: list[RowResult]) -> list[str]:
    rows = [["row", "id", "format", "result", "gigya password object"]]
    rows += [[str(r.row), r.label, r.format_name, _STATUS[r.status], _short_object(r.password)] for r in results]
    return _table(rows)


def _format_lines(results: list[RowResult]) -> list[str]:
    rows = [["format", "rows", "verify", "gigya algorithm"]]
    for group in summarize(results):
        algorithms = ", ".join(name for name, _ in group.gigya.most_common())
        rows.append([group.format_name, str(group.rows), f"{group.verified}/{group.rows}", algorithms])
    return _table(rows, right=(1, 2))


def _failure_lines(results: list[RowResult]) -> list[str]:
    failed = [r for r in results if not r.ok]
    if not failed:
        return []
    return ["", "failures:"] + [f"  row {r.row} ({r.label}), {r.format_name}: {r.message}" for r in failed]


def _totals(results: list[RowResult]) -> str:
    counts = {status: sum(r.status == status for r in results) for status in _STATUS}
    return (f"{len(results)} rows: {counts['ok']} verify, {counts['fail']} fail, "
            f"{counts['unsupported']} unsupported, {counts['invalid']} invalid")


def _write_objects(path: Path, results: list[RowResult]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for r in results:
            record = {"row": r.row, "id": r.label, "format": r.format_name, "status": r.status, "password": r.password}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


@click.command("check-hashes")
@click.argument("sample", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--scheme", metavar="SCHEME",
              help="Scheme for rows without a scheme column: md5, sha1, sha256($salt$password), pbkdf2_sha256, "
                   "symfony, vbulletin, ... (self-describing hashes are detected).")
@click.option("--hash-encoding", type=click.Choice(["auto", "hex", "base64"]), default="auto", show_default=True,
              help="How bare digests are written in the hash column.")
@click.option("--salt-encoding", type=click.Choice(["text", "hex", "base64"]), default="text", show_default=True,
              help="How byte salts (pbkdf2, symfony, vbulletin) are written in the salt column.")
@click.option("--show-objects", type=click.Path(dir_okay=False, writable=True, path_type=Path), metavar="FILE",
              help="Also write the full Gigya password objects (JSON Lines) to FILE; the report itself never "
                   "prints a full hash.")
def check_hashes_command(sample: Path, scheme: str | None, hash_encoding: str, salt_encoding: str,
                         show_objects: Path | None) -> None:
    """Check offline that a sample of legacy users will log in after import.

    SAMPLE is CSV (or JSON / JSON Lines) with a cleartext `password` column and the stored `hash`;
    optional columns: scheme, salt, rounds, salt_encoding, id. Exit status 3 if any row fails.

    \b
    Examples:
      gigya-migrate check-hashes sample.csv
      gigya-migrate check-hashes sample.csv --scheme 'sha256($salt$password)' --hash-encoding hex
      gigya-migrate check-hashes sample.jsonl --show-objects objects.jsonl
    """
    if show_objects is not None and show_objects.resolve() == sample.resolve():
        raise click.BadParameter("is the SAMPLE file itself; choose another path", param_hint="--show-objects")
    if show_objects is not None and not show_objects.resolve().parent.is_dir():
        raise click.BadParameter(f"the folder {show_objects.resolve().parent} does not exist", param_hint="--show-objects")
    options = {"scheme": scheme, "encoding": None if hash_encoding == "auto" else hash_encoding,
               "salt_encoding": salt_encoding}
    try:
        results = list(check_sample(sample, **options))
    except SampleError as exc:
        raise click.BadParameter(str(exc), param_hint="SAMPLE") from None
    except UnicodeDecodeError as exc:
        raise click.BadParameter(f"{sample.name} is not UTF-8 (byte 0x{exc.object[exc.start]:02x} at offset "
                                 f"{exc.start}): save it as UTF-8, e.g. iconv -f latin1 -t utf-8",
                                 param_hint="SAMPLE") from None
    except OSError as exc:
        raise click.ClickException(f"cannot read {sample}: {exc}") from None
    if not results:
        raise click.BadParameter(f"{sample.name} has no rows.", param_hint="SAMPLE")
    lines = _row_lines(results) + [""] + _format_lines(results) + _failure_lines(results) + ["", _totals(results)]
    click.echo("\n".join(lines))
    if show_objects is not None:
        _write_objects(show_objects, results)
        click.echo(f"full password objects: {show_objects}")
    if not all(r.ok for r in results):
        raise SystemExit(RECORDS_FAILED)


COMMANDS: list[click.Command] = [check_hashes_command]
