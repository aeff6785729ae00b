"""copy's options beyond the happy path: resume after an interruption, identity conflicts, the
schema preflight (with a site that serves accounts.getSchema)."""

from __future__ import annotations

import pytest

from gigya_migrate.flows.copy_site import CopyOptions, PreflightError, copy_accounts, preflight
from gigya_migrate.flows.runner import RunInterrupted, RunOptions
from gigya_migrate.flows.state import StateFile


def _seed(client, count, prefix="r", identities=False):
    for i in range(count):
        extra = {"identities": [{"provider": "facebook", "providerUID": f"fb{i}", "allowsLogin": True}]} if identities else {}
        client.import_full_account(f"{prefix}{i}", login_ids={"emails": [f"{prefix}{i}@example.com"]},
                                   profile={"email": f"{prefix}{i}@example.com"}, **extra)


def _options(tmp_path, **kw):
    run = RunOptions(concurrency=1, journal_path=tmp_path / "j.sqlite", errors_path=tmp_path / "errors.jsonl",
                     progress=False, **kw.pop("run", {}))
    kw.setdefault("full", True)
    return CopyOptions(job="copy:3_src->3_dst", run=run, **kw)


class InterruptedSource:
    """The source client, with Ctrl-C arriving (in the main thread, where the runner reads) after
    ``after`` accounts were read."""

    def __init__(self, client, after):
        self.client, self.after = client, after

    def search_all(self, query, **kw):
        for count, account in enumerate(self.client.search_all(query, **kw)):
            if count == self.after:
                raise KeyboardInterrupt
            yield account

    def __getattr__(self, name):
        return getattr(self.client, name)


def test_interrupted_copy_resumes_with_the_same_window_and_copies_each_account_once(sites, tmp_path):
    _seed(sites.src, 6)
    state = StateFile(tmp_path / "state.json")
    with pytest.raises(RunInterrupted):
        copy_accounts(InterruptedSource(sites.src, after=4), sites.dst, state, _options(tmp_path))
    assert 0 < sites.mock.accounts("3_dst").count() <= 4
    pending = state.job("copy:3_src->3_dst")["pendingWindow"]
    assert state.watermark("copy:3_src->3_dst") is None

    _seed(sites.src, 2, prefix="late")  # the interrupted run's window was "everything": still read
    # Resuming reuses the pending window (full), even though this call does not say --full; with
    # insert, an account written twice would fail 400003, so failed == 0 shows each went once.
    resumed = copy_accounts(sites.src, sites.dst, state, _options(tmp_path, full=False, run={"resume": True}))
    assert resumed.run.failed == 0 and resumed.run.skipped >= 1
    assert sites.mock.accounts("3_dst").count() == 8
    assert state.watermark("copy:3_src->3_dst") == pending["startedMs"]
    assert state.job("copy:3_src->3_dst")["pendingWindow"] is None


@pytest.mark.parametrize("mode, ok, failed", [("error", 0, 2), ("connect", 2, 0), ("ignore", 2, 0)])
def test_identity_conflicts_follow_the_option(sites, tmp_path, mode, ok, failed):
    _seed(sites.src, 2, identities=True)
    _seed(sites.dst, 2, prefix="owner", identities=True)  # the same facebook identities, other UIDs
    report = copy_accounts(sites.src, sites.dst, StateFile(tmp_path / "s.json"),
                           _options(tmp_path, identity_conflicts=mode, reconcile=False))
    assert (report.run.ok, report.run.failed) == (ok, failed)
    if mode == "error":
        assert dict(report.run.failed_by_code) == {409001: 2}
    if mode == "connect":  # the identity moved to the copied account
        assert sites.dst.get_account_info("r0", include="identities-all").raw["identities"][0]["providerUID"] == "fb0"
    if mode == "ignore":
        assert "identities" not in sites.dst.get_account_info("r0", include="identities-all").raw or \
            not sites.dst.get_account_info("r0", include="identities-all").raw["identities"]


class SchemaSite:
    """A stand-in site answering getPolicies and getSchema with exactly the fields a test names (the mock
    serves accounts.getSchema too; tests/jobs/test_job_copy_e2e.py runs the preflight against it)."""

    def __init__(self, fields, dynamic=False, verify=False):
        self.fields, self.dynamic, self.verify = fields, dynamic, verify

    def get_policies(self, sections):
        return {"accountOptions": {"verifyEmail": self.verify}}

    def get_schema(self, include=None):
        def section(prefix):
            return {"fields": {f.split(".", 1)[1]: {"type": "string"} for f in self.fields if f.startswith(prefix)}}

        return {"profileSchema": section("profile."), "dataSchema": {**section("data."), "dynamicSchema": self.dynamic},
                "subscriptionsSchema": {"fields": {}}, "preferencesSchema": {"fields": {}}}


def test_schema_preflight_names_missing_fields():
    source = SchemaSite(["profile.email", "profile.firstName", "data.segment", "data.tier"])
    with pytest.raises(PreflightError, match="2 copied field.*data.segment, profile.firstName"):
        preflight(source, SchemaSite(["profile.email", "data.tier"]), ["UID", "profile", "data"])
    # Only the selected fields matter.
    assert preflight(source, SchemaSite(["profile.email"]), ["UID", "profile.email"]) == []


def test_schema_preflight_dynamic_data_schema_is_a_warning():
    source = SchemaSite(["profile.email", "data.segment"])
    warnings = preflight(source, SchemaSite(["profile.email"], dynamic=True), ["profile", "data"])
    assert len(warnings) == 1 and "data.segment" in warnings[0]


class SearchWithoutPasswords:
    """The source client, with accounts.search leaving out ``password`` (as HELP's notes say it does)."""

    def __init__(self, client):
        self.client, self.lookups = client, 0

    def search_all(self, query, **kw):
        for account in self.client.search_all(query, **kw):
            yield {k: v for k, v in account.raw.items() if k != "password"}

    def get_account_info(self, uid, **kw):
        self.lookups += 1
        return self.client.get_account_info(uid, **kw)

    def __getattr__(self, name):
        return getattr(self.client, name)


def test_passwords_missing_from_search_are_read_with_getaccountinfo(sites, tmp_path):
    import base64
    import hashlib

    for i in range(3):
        digest = base64.b64encode(hashlib.sha256(f"Pw-{i}-secret".encode()).digest()).decode()
        sites.src.import_full_account(f"g{i}", login_ids={"emails": [f"g{i}@example.com"]},
                                      password={"hashedPassword": digest, "hashSettings": {"algorithm": "sha256"}})
    source = SearchWithoutPasswords(sites.src)
    report = copy_accounts(source, sites.dst, StateFile(tmp_path / "s.json"), _options(tmp_path, reconcile=False))
    assert report.run.ok == 3 and source.lookups == 3
    assert sites.dst.login("g1@example.com", "Pw-1-secret").uid == "g1"


def test_schema_preflight_lists_every_new_data_field_it_counts():
    new = [f"data.field{n:02d}" for n in range(14)]  # more than the ten the warning used to show
    warnings = preflight(SchemaSite(["profile.email", *new]), SchemaSite(["profile.email"], dynamic=True),
                         ["profile", "data"])
    assert len(warnings) == 1 and warnings[0].startswith("14 data field(s) are new")
    assert all(name in warnings[0] for name in new)
