"""copy keeps subscriptions although accounts.search does not return them.

HELP importFullAccount notes (docs/gigya-api.md §4): search "does not return subscriptions"; read them
with getAccountInfo. The mock's search leaves them out, so a copy that relied on search would lose them.
"""

from __future__ import annotations

from gigya_migrate.flows.copy_site import CopyOptions, copy_accounts
from gigya_migrate.flows.runner import RunOptions
from gigya_migrate.flows.state import StateFile

SUBS = {"newsletter": {"email": {"isSubscribed": True, "tags": ["weekly"]}}}


def test_copy_reads_subscriptions_with_get_account_info(sites, tmp_path):
    with_subs = sites.people(2, seed=91, prefix="sub", subscriptions=SUBS)
    without = sites.people(1, seed=92, prefix="nosub")
    assert "subscriptions" not in sites.src.search("SELECT * FROM accounts").results[0].raw
    options = CopyOptions(job="copy", full=True, reconcile=False, check_schema=False, run=RunOptions(
        progress=False, journal_path=tmp_path / "j.sqlite", errors_path=tmp_path / "e.jsonl"))
    report = copy_accounts(sites.src, sites.dst, StateFile(tmp_path / "s.json"), options)
    assert (report.run.ok, report.run.failed) == (3, 0)
    for uid in with_subs:
        assert sites.dst.get_account_info(uid, include=["subscriptions"]).raw["subscriptions"] == SUBS
    assert not sites.mock.accounts("3_dst").find(uid=without[0]).get("subscriptions")


def test_reconcile_compares_subscriptions_read_with_get_account_info(sites, tmp_path):
    from gigya_migrate.flows.reconcile import reconcile_sites

    (uid,) = sites.people(1, seed=93, prefix="rs", subscriptions=SUBS)
    record = sites.mock.accounts("3_src").find(uid=uid)
    sites.dst.import_full_account(uid, login_ids=record["loginIDs"], profile=record["profile"])  # no subscriptions
    report = reconcile_sites(sites.src, sites.dst)
    assert report.differing_count == 1
    assert any(path.startswith("subscriptions.") for path in report.differing[0]["fields"])
