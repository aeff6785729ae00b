"""``copy`` end to end on the mock: passwords survive (log in on the target with the original
cleartext), data centers differ, incremental runs read only changes, preflight stops early."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta

import bcrypt
import pytest
from click.testing import CliRunner
from faker import Faker

from gigya_migrate.cli import main
from gigya_migrate.errors import InvalidDataCenter, InvalidLogin
from gigya_migrate.flows.copy_site import CopyOptions, PreflightError, copy_accounts, to_import_record
from gigya_migrate.flows.runner import RunOptions
from gigya_migrate.flows.state import StateFile


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


# Passwords hashed by libraries independent of gigya_migrate.hashing (hashlib, bcrypt), in Gigya's
# documented import shapes (docs/gigya-api.md §3: hashedPassword = base64 of the raw digest).
def _salt(password: str, size: int = 16) -> bytes:
    """A per-password salt that is the same on every run (os.urandom made the data unreproducible)."""
    return hashlib.sha256(b"salt:" + password.encode()).digest()[:size]


def _pbkdf2_sha256(password: str) -> dict:
    salt = _salt(password)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 1000)
    return {"hashedPassword": _b64(digest), "hashSettings": {"algorithm": "pbkdf2_sha256", "rounds": 1000,
                                                             "salt": _b64(salt)}}


def _sha1(password: str) -> dict:
    return {"hashedPassword": _b64(hashlib.sha1(password.encode()).digest()), "hashSettings": {"algorithm": "sha1"}}


def _bcrypt(password: str) -> dict:
    # bcrypt's salt: 22 characters of its own base64 alphabet, taken from the deterministic salt bytes
    alphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    setting = "$2b$04$" + "".join(alphabet[b % 64] for b in _salt(password, 21)) + "."
    return {"compoundHashedPassword": bcrypt.hashpw(password.encode(), setting.encode()).decode()}


HASHERS = [_pbkdf2_sha256, _sha1, _bcrypt]


def _iso(delta: timedelta) -> str:
    return (datetime.now(UTC) - delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def _seed(client, count, *, seed=7, updated_ago=None, hashers=HASHERS):
    """Import ``count`` faker accounts into ``client``'s site; returns [(uid, email, cleartext)]."""
    fake = Faker()
    fake.seed_instance(seed)
    people = []
    for i in range(count):
        uid, email, password = f"u{seed}x{i}", f"{seed}.{i}.{fake.user_name()}@example.com", fake.password(length=12)
        extra = {"lastUpdated": _iso(updated_ago)} if updated_ago else {}
        client.import_full_account(uid, login_ids={"emails": [email]}, emails={"verified": [email]},
                                   profile={"email": email, "firstName": fake.first_name(), "lastName": fake.last_name()},
                                   data={"tier": fake.random_element(["gold", "silver"]), "likes": ["horror", "jazz"]},
                                   password=hashers[i % len(hashers)](password), **extra)
        people.append((uid, email, password))
    return people


def _options(tmp_path, **kw):
    run = RunOptions(concurrency=4, journal_path=tmp_path / "copy.journal.sqlite", errors_path=tmp_path / "errors.jsonl",
                     progress=False, **kw.pop("run", {}))
    return CopyOptions(job="copy:3_src->3_dst", run=run, **kw)


def test_copy_keeps_passwords_across_data_centers(sites, tmp_path):
    people = _seed(sites.src, 9)
    report = copy_accounts(sites.src, sites.dst, StateFile(tmp_path / "state.json"), _options(tmp_path, full=True))
    assert (report.run.ok, report.run.failed) == (9, 0)
    for uid, email, password in people:
        assert sites.dst.login(email, password).uid == uid  # the original cleartext logs in on the target
    with pytest.raises(InvalidLogin):
        sites.dst.login(people[0][1], people[0][2] + "x")
    # The two sites really are in different data centers: the target refuses a us1 address.
    from gigya_migrate.client import GigyaClient

    wrong = GigyaClient("3_dst", user_key=sites.app_key, secret=sites.app_secret, data_center="us1")
    with pytest.raises(InvalidDataCenter):
        wrong.search("SELECT count(*) FROM accounts")
    rec = report.reconciliation
    assert (rec.source_count, rec.target_count, rec.missing_count, rec.differing_count) == (9, 9, 0, 0)
    assert report.watermark_advanced


def test_first_run_takes_24_hours_and_later_runs_only_changes(sites, tmp_path):
    old = _seed(sites.src, 3, seed=1, updated_ago=timedelta(days=3))
    recent = _seed(sites.src, 2, seed=2, updated_ago=timedelta(hours=2))
    state = StateFile(tmp_path / "state.json")

    first = copy_accounts(sites.src, sites.dst, state, _options(tmp_path))
    assert first.window.startswith("lastUpdatedTimestamp >= ")
    assert first.run.ok == 2 and sites.mock.accounts("3_dst").count() == 2
    assert {a["UID"] for a in sites.mock.accounts("3_dst").all()} == {uid for uid, _, _ in recent}

    changed_uid = old[0][0]
    sites.src.set_account_info(changed_uid, data={"segment": "horrorFic"})
    (new_uid, new_email, new_password), = _seed(sites.src, 1, seed=3)
    second = copy_accounts(sites.src, sites.dst, state, _options(tmp_path))  # insert: a re-read would fail 400003
    assert (second.run.records_in, second.run.ok, second.run.failed) == (2, 2, 0)
    assert {a["UID"] for a in sites.mock.accounts("3_dst").all()} == {uid for uid, _, _ in recent} | {changed_uid, new_uid}
    assert sites.dst.get_account_info(changed_uid).raw["data"]["segment"] == "horrorFic"
    assert sites.dst.login(new_email, new_password).uid == new_uid

    third = copy_accounts(sites.src, sites.dst, state, _options(tmp_path))
    # Nothing changed since: the overlap re-read (search lag, up to 30 s) is skipped, not re-inserted.
    assert (third.run.ok, third.run.failed, third.run.dropped) == (0, 0, third.run.records_in)


def test_failed_account_keeps_the_watermark_so_it_is_read_again(sites, tmp_path):
    people = _seed(sites.src, 3, seed=4)
    sites.dst.import_full_account(people[1][0], login_ids={"emails": ["taken@example.com"]})  # insert will clash
    state = StateFile(tmp_path / "state.json")
    report = copy_accounts(sites.src, sites.dst, state, _options(tmp_path))
    assert (report.run.ok, report.run.failed) == (2, 1) and not report.watermark_advanced
    assert state.watermark("copy:3_src->3_dst") is None
    errors = [json.loads(x) for x in (tmp_path / "errors.jsonl").read_text().splitlines()]
    assert [e["errorCode"] for e in errors] == [400003]
    again = copy_accounts(sites.src, sites.dst, state, _options(tmp_path, import_policy="upsert"))
    assert (again.run.ok, again.run.failed) == (3, 0) and again.watermark_advanced
    assert sites.dst.login(people[1][1], people[1][2]).uid == people[1][0]


def test_preflight_stops_before_copying_when_target_verifies_email(sites, tmp_path):
    _seed(sites.src, 2, seed=5)
    sites.mock.set_policies("3_dst", {"accountOptions": {"verifyEmail": True}})
    with pytest.raises(PreflightError, match="email verification policy is on"):
        copy_accounts(sites.src, sites.dst, StateFile(tmp_path / "state.json"), _options(tmp_path, full=True))
    assert sites.mock.accounts("3_dst").count() == 0


def test_schema_preflight_warns_about_data_fields_a_dynamic_target_will_create(sites, tmp_path):
    _seed(sites.src, 1, seed=6)
    report = copy_accounts(sites.src, sites.dst, StateFile(tmp_path / "s.json"), _options(tmp_path, full=True))
    assert report.run.ok == 1
    assert any("data field(s) are new on the target" in w and "data.tier" in w for w in report.warnings)


def test_schema_preflight_stops_when_a_strict_target_lacks_copied_fields(sites, tmp_path):
    _seed(sites.src, 2, seed=6)
    # The target declares only data.tier and refuses undeclared fields (dynamicSchema off).
    sites.dst.call("accounts.setSchema", dataSchema={"fields": {"tier": {"type": "string"}}, "dynamicSchema": False})
    with pytest.raises(PreflightError, match=r"do not exist in the target site's schema: data\.likes"):
        copy_accounts(sites.src, sites.dst, StateFile(tmp_path / "s.json"), _options(tmp_path, full=True))
    assert sites.mock.accounts("3_dst").count() == 0
    sites.dst.call("accounts.setSchema", dataSchema={"fields": {"likes": {"type": "string"}}})
    report = copy_accounts(sites.src, sites.dst, StateFile(tmp_path / "s.json"), _options(tmp_path, full=True))
    assert (report.run.ok, report.run.failed) == (2, 0) and not report.warnings


def test_dry_run_and_limit(sites, tmp_path):
    _seed(sites.src, 5, seed=8)
    state = StateFile(tmp_path / "state.json")
    dry = copy_accounts(sites.src, sites.dst, state, _options(tmp_path, full=True, run={"dry_run": True}))
    assert dry.run.records_in == 5 and sites.mock.accounts("3_dst").count() == 0
    assert state.watermark("copy:3_src->3_dst") is None
    limited = copy_accounts(sites.src, sites.dst, state, _options(tmp_path, full=True, reconcile=False,
                                                                    run={"limit": 2}))
    assert limited.run.ok == 2 and sites.mock.accounts("3_dst").count() == 2
    assert not limited.watermark_advanced and state.watermark("copy:3_src->3_dst") is None  # a test run


@pytest.mark.parametrize("account, expected", [
    ({"UID": "a", "password": {"hash": "AAAA", "hashSettings": {"algorithm": "pbkdf2", "rounds": 3000, "salt": "c2FsdA=="},
                               "created": "2020-01-01T00:00:00Z"}, "lastLogin": "0001-01-01T00:00:00Z",
      "lastUpdatedTimestamp": 5, "socialProviders": "site"},
     {"UID": "a", "password": {"hashedPassword": "AAAA",
                               "hashSettings": {"algorithm": "pbkdf2", "rounds": 3000, "salt": "c2FsdA=="}}}),
    ({"UID": "b", "password": {"hash": "$2b$04$abcdefghijklmnopqrstuu", "hashSettings": {}}, "isActive": False},
     {"UID": "b", "password": {"compoundHashedPassword": "$2b$04$abcdefghijklmnopqrstuu"}, "isActive": False}),
    ({"UID": "c", "password": {}, "identities": [{"provider": "facebook"}], "profile": {"x": 1}},
     {"UID": "c", "identities": [{"provider": "facebook"}], "profile": {"x": 1}}),
])
def test_rename_step(account, expected):
    assert to_import_record(account) == expected


def test_rename_step_can_drop_identities():
    assert "identities" not in to_import_record({"UID": "c", "identities": [{}]}, identity_conflicts="ignore")


def test_cli_copy_between_data_centers_then_reconcile(sites, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    people = _seed(sites.src, 4, seed=9)
    args = ["copy", *sites.cli_args("from", "3_src", "us1"), *sites.cli_args("to", "3_dst", "eu1"),
            "--where", "isRegistered = true", "--full", "--concurrency", "2"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "4 ok" in result.output and "0 missing on the target" in result.output
    assert sites.mock.accounts("3_dst").count() == 4
    report = json.loads((tmp_path / "copy-report.json").read_text())
    assert report["run"]["records"]["ok"] == 4 and report["reconciliation"]["ok"] is True
    assert sites.dst.login(people[2][1], people[2][2]).uid == people[2][0]
    assert people[2][2] not in result.output and people[2][2] not in (tmp_path / "copy-report.json").read_text()

    sites.src.set_account_info(people[0][0], profile={"firstName": "Changed"})
    recon = CliRunner().invoke(main, ["reconcile", *sites.cli_args("from", "3_src", "us1"),
                                      *sites.cli_args("to", "3_dst", "eu1"), "--strict"])
    assert recon.exit_code == 3  # --strict: records differ
    assert "1 with different fields" in recon.output and people[0][0] in recon.output
    detail = json.loads((tmp_path / "reconcile-report.json").read_text())["differing"][0]
    assert detail["fields"]["profile.firstName"]["source"] == "Changed"
    sample = CliRunner().invoke(main, ["reconcile", *sites.cli_args("from", "3_src", "us1"),
                                       *sites.cli_args("to", "3_dst", "eu1"), "--limit", "2"])
    assert sample.exit_code == 0 and "source: 4 accounts; target: 4 accounts" in sample.output
    assert "checked 2 source accounts" in sample.output


def test_cli_copy_refuses_contradicting_options(sites):
    result = CliRunner().invoke(main, ["copy", *sites.cli_args("from", "3_src", "us1"),
                                       *sites.cli_args("to", "3_dst", "eu1"), "--full", "--since", "2026-01-01"])
    assert result.exit_code == 2 and "contradict" in result.output
