"""``import``, ``export`` and ``deletions --out`` with sftp:// and s3:// locations, on real servers."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from .helpers import cli, people


def _sftp_url(server, name):
    return f"sftp://{server.username}@127.0.0.1:{server.port}{server.folder}/{name}"


def test_import_reads_its_input_from_sftp(sites, sftp_server, monkeypatch):
    monkeypatch.setenv("GIGYA_SFTP_PASSWORD", sftp_server.password)
    rows = people(3, seed=60)
    (sftp_server.root / "users.csv").write_text(
        "email,first_name\n" + "".join(f"{email},{first}\n" for _, email, first, *_ in rows) + "not-an-email,X\n")
    mapping = "mapping.yaml"
    with open(mapping, "w") as handle:
        handle.write("login_id: email\nfields:\n  first_name: profile.firstName\n")
    result = cli("import", _sftp_url(sftp_server, "users.csv"), "--mapping", mapping, *sites.site_args())
    assert result.exit_code in (0, 3), result.output  # the bad row fails (exit 3 only with --fail-on-errors)
    for _, email, first, *_ in rows:
        found = list(sites.dst.search_all(f'SELECT profile FROM accounts WHERE profile.email = "{email}"'))
        assert found and found[0].raw["profile"]["firstName"] == first
    errors = [json.loads(line) for line in open("users.errors.jsonl")]  # named after the remote file
    assert [e["email"] for e in errors] == ["not-an-email"]


def test_export_writes_to_s3_and_never_replaces_without_overwrite(sites, s3_server):
    for i, email, first, *_ in people(3, seed=61):
        sites.dst.import_full_account(f"x{i}", login_ids={"emails": [email]}, profile={"email": email, "firstName": first})
    url = f"s3://{s3_server.bucket}/exports/accounts.csv"
    args = ["export", *sites.site_args(), "--fields", "UID,profile.firstName", "--out", url]
    first = cli(*args)
    assert first.exit_code == 0, first.output
    body = s3_server.client().get_object(Bucket=s3_server.bucket, Key="exports/accounts.csv")["Body"].read().decode()
    assert sorted(r["UID"] for r in csv.DictReader(io.StringIO(body))) == ["x0", "x1", "x2"]
    again = cli(*args)
    assert again.exit_code == 2 and "exists" in again.output and "--overwrite" in again.output
    assert cli(*args, "--overwrite").exit_code == 0


def test_a_failed_upload_keeps_the_incremental_watermark(sites, s3_server):
    sites.dst.import_full_account("w1", login_ids={"emails": ["w1@example.com"]}, profile={"email": "w1@example.com"})
    args = ["export", *sites.site_args(), "--fields", "UID", "--delta-field", "lastUpdatedTimestamp", "--full"]
    missing = cli(*args, "--out", "s3://no-such-bucket/a.csv")
    assert missing.exit_code == 1 and "no-such-bucket" in missing.output
    state = Path(".gigya-migrate/state.json")
    jobs = json.loads(state.read_text())["jobs"] if state.exists() else {}
    assert not any(job.get("watermark") for job in jobs.values())  # restored: nothing counted as delivered


def test_deletions_append_to_a_file_on_sftp(sites, sftp_server, monkeypatch):
    monkeypatch.setenv("GIGYA_SFTP_PASSWORD", sftp_server.password)
    for i in range(3):
        sites.dst.import_full_account(f"del{i}", login_ids={"emails": [f"del{i}@example.com"]})
    url = _sftp_url(sftp_server, "deleted.jsonl")
    sites.dst.delete_account("del0")
    assert cli("deletions", *sites.site_args(), "--out", url, "--full").exit_code == 0
    sites.dst.delete_account("del2")
    second = cli("deletions", *sites.site_args(), "--out", url)
    assert second.exit_code == 0, second.output
    lines = [json.loads(line) for line in (sftp_server.root / "deleted.jsonl").read_text().splitlines()]
    assert [e["uid"] for e in lines] == ["del0", "del2"]  # the second run appended
