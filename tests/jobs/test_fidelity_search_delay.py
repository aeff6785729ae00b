"""copy, export, update and deletions stay correct with the write-to-search delay simulated.

HELP accounts.search: "New writes show up after about 1 s, at most 30 s"; DEVA: the audit log has a
short write -> query delay too (docs/gigya-api.md §4, §6). The site option ``searchDelaySeconds``
makes the mock show every search what was stored that long ago; here 1 s, so the tests wait once.
"""

from __future__ import annotations

import csv
import json
import time

from click.testing import CliRunner

from gigya_migrate.cli import main
from gigya_migrate.flows.copy_site import CopyOptions, copy_accounts
from gigya_migrate.flows.export import ExportOptions, export_accounts
from gigya_migrate.flows.runner import RunOptions
from gigya_migrate.flows.state import StateFile
from gigya_migrate.flows.update import UpdateOptions, update_accounts

DELAY = 0.6


def _delay_on(sites):
    backend = sites.mock.backend
    for api_key in ("3_src", "3_dst"):
        site = backend.site(api_key)
        site.options["searchDelaySeconds"] = DELAY
        backend.save_site(site)


def _settle():
    time.sleep(DELAY + 0.2)


def test_search_sees_writes_only_after_the_delay(sites):
    _delay_on(sites)
    (uid,) = sites.people(1, seed=70, prefix="sd", data={"tier": "silver"})
    assert sites.src.search("SELECT UID FROM accounts").total_count == 0  # created: not found yet
    _settle()
    sites.src.set_account_info(uid, data={"tier": "gold"})
    seen = sites.src.search("SELECT data.tier FROM accounts").results
    assert [r.raw["data"]["tier"] for r in seen] == ["silver"]  # changed: the older content for now
    _settle()
    assert sites.src.search('SELECT UID FROM accounts WHERE data.tier = "gold"').total_count == 1
    sites.src.delete_account(uid)
    assert sites.src.search("SELECT UID FROM accounts").total_count == 0  # "Deleted accounts never match"


def test_incremental_export_loses_nothing(sites, tmp_path):
    _delay_on(sites)
    early = sites.people(3, seed=71, prefix="ex")
    _settle()
    late = sites.people(2, seed=72, prefix="ex")  # written just before the run: not yet searchable
    state = StateFile(tmp_path / "state.json")
    first = tmp_path / "first.jsonl"
    export_accounts(sites.src, state, ExportOptions(out=first, fields=["UID"], delta_field="lastUpdatedTimestamp",
                                                    job="ex"))
    assert not {json.loads(line)["UID"] for line in first.read_text().splitlines()} & set(late)  # not yet visible
    _settle()
    second = tmp_path / "second.jsonl"
    export_accounts(sites.src, state, ExportOptions(out=second, fields=["UID"], delta_field="lastUpdatedTimestamp",
                                                    job="ex"))
    got = {json.loads(line)["UID"] for path in (first, second) for line in path.read_text().splitlines()}
    assert got == set(early) | set(late)  # the overlap window re-reads what the first run could not see


def test_incremental_copy_loses_nothing(sites, tmp_path):
    _delay_on(sites)
    early = sites.people(3, seed=73, prefix="cp")
    _settle()
    late = sites.people(2, seed=74, prefix="cp")
    state = StateFile(tmp_path / "state.json")

    def options():
        return CopyOptions(job="copy", reconcile=False, run=RunOptions(
            concurrency=2, progress=False, journal_path=tmp_path / "j.sqlite", errors_path=tmp_path / "e.jsonl"))

    copy_accounts(sites.src, sites.dst, state, options())
    assert not {a["UID"] for a in sites.mock.accounts("3_dst").all()} & set(late)  # not yet visible
    _settle()
    second = copy_accounts(sites.src, sites.dst, state, options())
    assert second.run.failed == 0
    target = {a["UID"]: a for a in sites.mock.accounts("3_dst").all()}
    assert set(target) == set(early) | set(late)
    assert all(target[uid]["profile"]["email"] for uid in target)


def test_update_on_stale_search_results_keeps_newer_writes(sites):
    _delay_on(sites)
    uids = sites.people(4, seed=75, prefix="up", data={"wave": 1})
    _settle()
    for uid in uids:
        sites.src.set_account_info(uid, data={"tier": "gold"})  # search still shows the version without it
    report = update_accounts(sites.src, UpdateOptions(where="data.wave = 1", assignments={"data.segment": "horrorFic"},
                                                      run=RunOptions(progress=False)))
    assert (report.ok, report.failed) == (4, 0)
    for uid in uids:  # setAccountInfo merges: the stale read did not undo the newer tier
        assert sites.mock.accounts("3_src").find(uid=uid)["data"] == {"wave": 1, "tier": "gold", "segment": "horrorFic"}


def test_deletions_found_by_a_later_run(sites, tmp_path):
    _delay_on(sites)
    uids = [f"dl{i}" for i in range(3)]
    for i, uid in enumerate(uids):
        sites.dst.import_full_account(uid, login_ids={"emails": [f"dl{i}@example.com"]})
    for uid in uids:
        sites.dst.delete_account(uid)
    out = tmp_path / "deleted.csv"
    args = ["deletions", *sites.cli_args("", "3_dst", "eu1"), "--state", str(tmp_path / "state.json"),
            "--out", str(out)]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert not out.exists() or not list(csv.DictReader(out.open()))  # the audit log has not caught up yet
    _settle()
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0, second.output
    sent = [row["uid"] for row in csv.DictReader(out.open())]
    assert sorted(set(sent)) == uids and len(sent) == len(set(sent))  # each deletion once, none lost
