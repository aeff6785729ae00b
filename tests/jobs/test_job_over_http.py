"""The site jobs over real HTTP to a loopback mock-gigya server (``--mock --base-url``), and under
injected rate limits."""

from __future__ import annotations

import csv
import json

from click.testing import CliRunner

from gigya_migrate.cli import main
from gigya_migrate.client import GigyaClient
from gigya_migrate.flows.copy_site import CopyOptions, copy_accounts
from gigya_migrate.flows.runner import RunOptions
from gigya_migrate.flows.state import StateFile
from mock_gigya import defaults


def test_export_and_deletions_over_loopback_http(gigya_server, tmp_path, downstream_http):
    url, server = downstream_http
    client = GigyaClient(defaults.DEFAULT_API_KEY, user_key=defaults.DEFAULT_USER_KEY,
                         secret=defaults.DEFAULT_SECRET, base_url=gigya_server.url)
    for i in range(4):
        client.import_full_account(f"h{i}", login_ids={"emails": [f"h{i}@example.com"]},
                                   profile={"email": f"h{i}@example.com"}, data={"n": i})
    site = ["--mock", "--base-url", gigya_server.url]
    out = tmp_path / "all.csv"
    exported = CliRunner().invoke(main, ["export", *site, "--fields", "UID,profile.email,data.n", "--out", str(out),
                                         "--state", str(tmp_path / "s.json")])
    assert exported.exit_code == 0, exported.output
    assert sorted(r["data.n"] for r in csv.DictReader(out.open())) == ["0", "1", "2", "3"]

    client.delete_account("h1")
    client.delete_account("h3")
    deleted = CliRunner().invoke(main, ["deletions", *site, "--post", url, "--state", str(tmp_path / "s.json"),
                                        "--report", str(tmp_path / "d.json")])
    assert deleted.exit_code == 0, deleted.output
    assert sorted(server.accepted_uids()) == ["h1", "h3"]
    assert json.loads((tmp_path / "d.json").read_text())["accepted"] == 2


def test_copy_rides_out_rate_limits(sites, tmp_path):
    for i in range(5):
        sites.src.import_full_account(f"rl{i}", login_ids={"emails": [f"rl{i}@example.com"]})
    sites.mock.faults.rate_limit(times=3, method="accounts.importFullAccount")
    options = CopyOptions(job="copy:rl", full=True, reconcile=False,
                          run=RunOptions(concurrency=2, backoff_base=0.01, backoff_max=0.05, progress=False,
                                         journal_path=tmp_path / "j.sqlite", errors_path=tmp_path / "e.jsonl"))
    report = copy_accounts(sites.src, sites.dst, StateFile(tmp_path / "s.json"), options)
    assert (report.run.ok, report.run.failed) == (5, 0)
    assert sites.mock.accounts("3_dst").count() == 5
    limited = [c for c in sites.mock.calls if c.method == "accounts.importFullAccount" and c.error_code == 403048]
    assert len(limited) == 3  # the faults did fire; retried (by the client or the runner), nothing failed
