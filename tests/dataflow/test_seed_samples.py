"""The seeds' sample dataflows, run unchanged (credentials as variables) against the mock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gigya_migrate.errors import InvalidLogin

from .helpers import cli, pbkdf2, people, sample, write_json


def _ago(**delta) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _seed_source(sites, count=5, seed=11, **extra):
    made = []
    for i, email, first, last, password in people(count, seed):
        uid = f"src{seed}x{i}"
        sites.src.import_full_account(uid, login_ids={"emails": [email]},
                                      profile={"email": email, "firstName": first, "lastName": last},
                                      password=pbkdf2(password, f"salt-{i}".encode()), data={"tier": i % 3},
                                      **extra)
        made.append((uid, email, first, password))
    return made


def test_seed_000_copy_accounts_copies_every_account_with_its_password(sites, tmp_path):
    made = _seed_source(sites)
    flow = write_json(tmp_path / "copy.json", sample("copy_accounts_seed000.json"))
    vars_file = write_json(tmp_path / "vars.json", {"site": sites.source_vars()})
    result = cli("dataflow", "run", flow, "--vars", vars_file, "--full", *sites.site_args())
    assert result.exit_code == 0, result.output
    assert "succeeded; 5 of 5 records processed" in result.output
    assert sites.uids(sites.dst) == sorted(uid for uid, *_ in made)
    for uid, email, first, password in made:
        account = sites.dst.get_account_info(uid, include="profile,data,loginIDs").raw
        assert account["profile"]["firstName"] == first and account["data"]["tier"] == int(uid[-1]) % 3
        assert sites.dst.login(email, password).raw["UID"] == uid  # the legacy hash was carried over
    with pytest.raises(InvalidLogin):
        sites.dst.login(made[0][1], "not-the-password")


def test_seed_000_copy_is_incremental_like_identitysync(sites, tmp_path):
    old = _seed_source(sites, count=3, seed=13, lastUpdated=_ago(days=3))
    recent = _seed_source(sites, count=2, seed=14, lastUpdated=_ago(hours=2))
    flow = write_json(tmp_path / "copy.json", sample("copy_accounts_seed000.json"))
    vars_file = write_json(tmp_path / "vars.json", sites.source_vars())  # a flat file = the site scope
    run = ["dataflow", "run", flow, "--vars", vars_file, *sites.site_args()]
    # first run without "pull all records": the last 24 hours only (seed 000)
    assert "2 of 2 records processed" in cli(*run).output
    assert sites.uids(sites.dst) == sorted(uid for uid, *_ in recent)
    # nothing changed since the last successful run: nothing is read
    assert "0 of 0 records processed" in cli(*run).output
    # a change on the source is picked up (insert refuses the existing account: to the error file)
    sites.src.set_account_info(recent[0][0], data={"tier": 9})
    changed = cli(*run)
    assert "0 of 1 records processed" in changed.output and "400003" in changed.output
    # --full reads everything: the 3 old accounts are inserted, the 2 present are refused again
    full = cli(*run, "--full")
    assert "3 of 5 records processed" in full.output
    assert sites.uids(sites.dst) == sorted(uid for uid, *_ in old + recent)


def test_the_watermark_is_recorded_only_on_success(sites, tmp_path):
    made = _seed_source(sites, count=2, seed=15, lastUpdated=_ago(hours=2))
    flow = write_json(tmp_path / "copy.json", sample("copy_accounts_seed000.json"))
    vars_file = write_json(tmp_path / "vars.json", sites.source_vars())
    run = ["dataflow", "run", flow, "--vars", vars_file, *sites.site_args()]
    sites.mock.faults.script("accounts.importFullAccount", times=1, error=400006)
    assert "1 of 2 records processed" in cli(*run).output
    # the run failed a record: no watermark, so the same window is read again and the missed account
    # is copied (the other one is refused by insert: it is there already)
    second = cli(*run)
    assert "1 of 2 records processed" in second.output and "400003" in second.output
    assert sites.uids(sites.dst) == sorted(uid for uid, *_ in made)
    # that run failed a record too (400003), so a third run reads the window again
    assert "0 of 2 records processed" in cli(*run).output


def test_seed_002_copy_sample_updates_the_target_accounts(sites, tmp_path):
    made = _seed_source(sites, count=4, seed=12)
    for uid, email, _, _ in made:  # the target already holds the accounts, without names
        sites.dst.import_full_account(uid, login_ids={"emails": [email]}, profile={"email": email})
    flow = write_json(tmp_path / "copy2.json", sample("copy_accounts_seed002.json"))
    env = {f"GIGYA_VAR_{k}": v for k, v in sites.source_vars().items()}  # variables from the environment
    result = cli("dataflow", "run", flow, "--full", *sites.site_args(), env=env)
    assert result.exit_code == 0, result.output
    for uid, _, first, _ in made:
        assert sites.dst.get_account_info(uid, include="profile").raw["profile"]["firstName"] == first
