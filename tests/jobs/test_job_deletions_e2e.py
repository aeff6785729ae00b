"""``gigya-migrate deletions`` end to end: accounts deleted on the mock Gigya, found in its audit
log, sent to a CSV file and to a real loopback HTTP endpoint; a downstream failure is retried on
the next run without losing or duplicating a deletion."""

from __future__ import annotations

import csv
import json

from click.testing import CliRunner
from faker import Faker

from gigya_migrate.cli import main


def _accounts(sites, count, seed=11):
    fake = Faker()
    fake.seed_instance(seed)
    uids = []
    for i in range(count):
        uid = f"del{seed}x{i}"
        email = f"{i}.{fake.user_name()}@example.com"
        sites.dst.import_full_account(uid, login_ids={"emails": [email]}, profile={"email": email})
        uids.append(uid)
    return uids


def _run(sites, tmp_path, url, *extra):
    args = ["deletions", *sites.cli_args("", "3_dst", "eu1"), "--state", str(tmp_path / "state.json"),
            "--out", str(tmp_path / "deleted.csv"), "--post", url, "--retries", "2",
            "--report", str(tmp_path / "deletions-report.json"), *extra]
    return CliRunner().invoke(main, args)


def _csv_uids(path):
    return [row["uid"] for row in csv.DictReader(path.open())]


def test_deletions_reach_file_and_http_and_a_failure_is_retried_next_run(sites, tmp_path, downstream_http):
    url, server = downstream_http
    uids = _accounts(sites, 5)
    for uid in uids[:3]:
        sites.dst.delete_account(uid)
    # Deletions through other endpoints only reach the audit log here (the mock does not serve them).
    for endpoint, uid in (("socialize.deleteAccount", "soc1"), ("ids.deleteAccount", "ids1")):
        sites.mock.backend.record_audit("3_dst", {"@timestamp": _now_iso(sites), "callID": f"c-{uid}",
                                                  "endpoint": endpoint, "errCode": "0", "apiKey": "3_dst",
                                                  "params": {"UID": uid}})
    server.refuse_uids = {uids[1]: 503}

    first = _run(sites, tmp_path, url)
    assert first.exit_code == 0, first.output
    assert "5 deletions since" in first.output and "4 accepted downstream" in first.output
    assert "1 parked" in first.output and "watermark advanced" in first.output
    assert sorted(server.accepted_uids()) == sorted([uids[0], uids[2], "soc1", "ids1"])
    per_uid = [json.loads(x) for x in (tmp_path / "deletions-report.uids.jsonl").read_text().splitlines()]
    refused = next(x for x in per_uid if x["key"] == uids[1])
    assert refused["result"] == "parked"
    assert {d["sink"]: d["status"] for d in refused["downstream"]} == {"file:deleted.csv": None, "http": 503}
    assert json.loads((tmp_path / "deletions-report.json").read_text())["parked"] == 1

    server.refuse_uids = {}
    sites.dst.delete_account(uids[3])
    second = _run(sites, tmp_path, url)
    assert second.exit_code == 0, second.output
    assert "1 deletions since" in second.output and "dead letters: 1 now accepted, 0 still parked" in second.output
    expected = sorted([*uids[:4], "soc1", "ids1"])
    assert sorted(server.accepted_uids()) == expected  # every deletion once over HTTP ...
    assert sorted(_csv_uids(tmp_path / "deleted.csv")) == expected  # ... and once in the file

    third = _run(sites, tmp_path, url)
    assert "0 deletions since" in third.output and sorted(server.accepted_uids()) == expected


def test_deletions_dry_run_lists_and_keeps_the_watermark(sites, tmp_path):
    uids = _accounts(sites, 2, seed=12)
    sites.dst.delete_account(uids[0])
    state = tmp_path / "state.json"
    result = CliRunner().invoke(main, ["deletions", *sites.cli_args("", "3_dst", "eu1"), "--state", str(state),
                                       "--dry-run"])
    assert result.exit_code == 0, result.output
    listed = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [e["uid"] for e in listed] == [uids[0]] and listed[0]["endpoint"] == "accounts.deleteAccount"
    assert not state.exists()


def test_deletions_without_a_destination_is_a_usage_error(sites, tmp_path):
    result = CliRunner().invoke(main, ["deletions", *sites.cli_args("", "3_dst", "eu1"),
                                       "--state", str(tmp_path / "s.json")])
    assert result.exit_code == 2 and "--out FILE and/or --post URL" in result.output


def _now_iso(sites):
    from gigya_migrate.flows.state import iso_from_ms

    return iso_from_ms(sites.mock.backend.now_ms())


def test_link_events_only_with_include_links_and_never_a_password(sites, tmp_path):
    import base64
    import hashlib

    digest = base64.b64encode(hashlib.sha1(b"Link-pass-1").digest()).decode()
    sites.dst.import_full_account("linker", login_ids={"emails": ["linker@example.com"]},
                                  password={"hashedPassword": digest, "hashSettings": {"algorithm": "sha1"}})
    sites.dst.login("linker@example.com", "Link-pass-1", loginMode="link")
    base = ["deletions", *sites.cli_args("", "3_dst", "eu1"), "--state", str(tmp_path / "s.json"), "--dry-run"]
    plain = CliRunner().invoke(main, base)
    assert "0 deletions since" in plain.output
    linked = CliRunner().invoke(main, [*base, "--include-links"])
    events = [json.loads(x) for x in linked.stdout.splitlines() if x.startswith("{")]
    assert [(e["endpoint"], e["uid"], e["loginMode"]) for e in events] == [("accounts.login", "linker", "link")]
    assert "Link-pass-1" not in linked.output


def test_two_feeds_keep_their_own_watermarks(sites, tmp_path):
    uids = _accounts(sites, 2, seed=13)
    sites.dst.delete_account(uids[0])
    base = ["deletions", *sites.cli_args("", "3_dst", "eu1"), "--state", str(tmp_path / "state.json")]
    crm = CliRunner().invoke(main, [*base, "--job", "crm", "--out", str(tmp_path / "crm.jsonl")])
    assert "1 deletions since" in crm.output
    sites.dst.delete_account(uids[1])
    esp = CliRunner().invoke(main, [*base, "--job", "esp", "--out", str(tmp_path / "esp.jsonl")])
    assert "2 deletions since" in esp.output  # the CRM feed's run did not move the ESP feed's watermark
    crm_again = CliRunner().invoke(main, [*base, "--job", "crm", "--out", str(tmp_path / "crm.jsonl")])
    assert "1 deletions since" in crm_again.output
    assert [json.loads(x)["uid"] for x in (tmp_path / "crm.jsonl").read_text().splitlines()] == uids
