"""An export and a deletions rehearsal over lite accounts on the mock Gigya.

Documented (docs/gigya-api.md §4-6, seed 000): accounts.search takes ``accountTypes=lite``;
accounts.deleteLiteAccount is one of the audit log's deletion endpoints, with the emailAccountToken.
"""

from __future__ import annotations

import csv
import json

from click.testing import CliRunner

from gigya_migrate.cli import main


def _lite_accounts(sites, count):
    uids = []
    for i in range(count):
        body = sites.src.call("accounts.importLiteAccount", email=f"lite{i}@example.com",
                              profile={"firstName": f"L{i}"}, data={"source": "newsletter"})
        uids.append(body["UID"])
    return uids


def test_export_lite_accounts(sites, tmp_path):
    uids = _lite_accounts(sites, 4)
    sites.people(2, seed=81, prefix="full")  # full accounts stay out of a lite export
    out = tmp_path / "lite.jsonl"
    result = CliRunner().invoke(main, ["export", *sites.cli_args("", "3_src", "us1"), "--account-types", "lite",
                                       "--fields", "UID,email,profile.firstName", "--out", str(out),
                                       "--state", str(tmp_path / "s.json")])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["UID"] for r in rows] == uids
    assert rows[0]["email"] == "lite0@example.com" and rows[0]["profile"]["firstName"] == "L0"


def test_deletions_of_lite_accounts_reach_downstream(sites, tmp_path):
    uids = _lite_accounts(sites, 3)
    tokens = {r.raw["email"]: r.raw["token"] for r in sites.src.search("SELECT * FROM emailAccounts").results}
    for i in range(2):
        sites.src.call("accounts.deleteLiteAccount", emailAccountToken=tokens[f"lite{i}@example.com"])
    out = tmp_path / "deleted.csv"
    result = CliRunner().invoke(main, ["deletions", *sites.cli_args("", "3_src", "us1"), "--out", str(out),
                                       "--state", str(tmp_path / "s.json")])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    assert [r["uid"] for r in rows] == uids[:2]
    assert {r["endpoint"] for r in rows} == {"accounts.deleteLiteAccount"}
    assert rows[0]["emailAccountToken"] == tokens["lite0@example.com"]
