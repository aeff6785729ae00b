"""``export``, ``update`` and ``flagged-deletions`` end to end on the mock Gigya."""

from __future__ import annotations

import csv
import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from faker import Faker

from gigya_migrate.cli import main
from gigya_migrate.flows.export import ExportOptions, account_query, expand_time, export_accounts, flatten
from gigya_migrate.flows.state import StateFile


def _people(sites, count, seed=21, **overrides):
    fake = Faker()
    fake.seed_instance(seed)
    out = []
    for i in range(count):
        uid, email = f"p{seed}x{i}", f"{i}.{fake.user_name()}@example.com"
        fields = dict(login_ids={"emails": [email]}, profile={"email": email, "firstName": fake.first_name()},
                      data={"likes": ["horror", "zombies"] if i % 2 == 0 else ["jazz"], "tier": "gold"},
                      isVerified=i % 3 != 0)
        fields.update(overrides)
        sites.src.import_full_account(uid, **fields)
        out.append((uid, email))
    return out


def _ago(days):
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- export ---------------------------------------------------------------------------------------

def test_query_builder_and_placeholders():
    assert account_query(["UID", "profile.email"], "isVerified = false", delta_field="lastUpdatedTimestamp",
                         since_ms=5) == ("SELECT UID,profile.email FROM accounts WHERE (isVerified = false) "
                                         "AND lastUpdatedTimestamp >= 5")
    assert expand_time("createdTimestamp < ${now-7d} AND x < ${now}", 8 * 86_400_000) == \
        f"createdTimestamp < {86_400_000} AND x < {8 * 86_400_000}"
    with pytest.raises(ValueError, match="only the condition"):
        account_query(None, "isVerified = false ORDER BY created")
    assert account_query(None, 'data.note = "limit 3"') == 'SELECT * FROM accounts WHERE (data.note = "limit 3")'


def test_flatten_joins_arrays_and_keeps_object_arrays_as_json():
    assert flatten({"UID": "u", "profile": {"email": "e", "likes": [{"name": "x"}]}, "data": {"tags": ["a", "b"]}}) == {
        "UID": "u", "profile.email": "e", "profile.likes": '[{"name": "x"}]', "data.tags": "a;b"}


def test_cli_export_unverified_for_over_a_week_to_csv(sites, tmp_path):
    old = _people(sites, 6, seed=22, created=_ago(10))
    _people(sites, 3, seed=23)  # created now: too recent
    out = tmp_path / "follow-up.csv"
    result = CliRunner().invoke(main, [
        "export", *sites.cli_args("", "3_src", "us1"), "--where",
        "isVerified = false AND createdTimestamp < ${now-7d}", "--fields", "UID,profile.email,profile.firstName",
        "--out", str(out), "--state", str(tmp_path / "s.json")])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    expected = [uid for i, (uid, _) in enumerate(old) if i % 3 == 0]
    assert [r["UID"] for r in rows] == expected and len(rows) == 2
    assert list(rows[0]) == ["UID", "profile.email", "profile.firstName"]
    assert rows[0]["profile.email"] == old[0][1]


def test_export_flattened_gz_jsonl_and_json_array(sites, tmp_path):
    people = _people(sites, 4, seed=24)
    state = StateFile(tmp_path / "s.json")
    gz = tmp_path / "segment.jsonl.gz"
    report = export_accounts(sites.src, state, ExportOptions(out=gz, where='data.likes contains "horror"',
                                                             fields=["UID", "profile", "data"], flatten=True))
    lines = [json.loads(x) for x in gzip.open(gz, "rt").read().splitlines()]
    assert report.exported == 2 and [x["UID"] for x in lines] == [people[0][0], people[2][0]]
    assert lines[0]["data.likes"] == "horror;zombies" and lines[0]["profile.email"] == people[0][1]
    array = tmp_path / "all.json"
    export_accounts(sites.src, state, ExportOptions(out=array, fields=["UID", "data.tier"]))
    assert [x["data"]["tier"] for x in json.loads(array.read_text())] == ["gold"] * 4


def test_export_csv_flattened_learns_columns_and_tsv(sites, tmp_path):
    _people(sites, 3, seed=25)
    out = tmp_path / "x.tsv"
    export_accounts(sites.src, StateFile(tmp_path / "s.json"),
                    ExportOptions(out=out, fields=["UID", "data"], flatten=True))
    header, *rows = [line.split("\t") for line in out.read_text().splitlines()]
    assert header == ["UID", "data.likes", "data.tier"] and len(rows) == 3


def test_incremental_export_takes_only_changes(sites, tmp_path):
    people = _people(sites, 3, seed=26, lastUpdated=_ago(3))
    state = StateFile(tmp_path / "s.json")

    def run(name):
        return export_accounts(sites.src, state, ExportOptions(out=tmp_path / name, fields=["UID"], job="esp",
                                                               delta_field="lastUpdatedTimestamp"))

    assert run("first.jsonl").exported == 0  # first run: last 24 hours only
    sites.src.set_account_info(people[1][0], data={"tier": "platinum"})
    second = run("second.jsonl")
    assert [json.loads(x)["UID"] for x in (tmp_path / "second.jsonl").read_text().splitlines()] == [people[1][0]]
    assert second.window.startswith("lastUpdatedTimestamp >= ")


def test_export_dry_run_and_limit(sites, tmp_path):
    _people(sites, 5, seed=27)
    state = StateFile(tmp_path / "s.json")
    dry = export_accounts(sites.src, state, ExportOptions(out=tmp_path / "x.csv", dry_run=True))
    assert dry.exported == 5 and not (tmp_path / "x.csv").exists()
    limited = export_accounts(sites.src, state, ExportOptions(out=tmp_path / "x.csv", fields=["UID"], limit=2,
                                                              delta_field="lastUpdatedTimestamp", job="t"))
    assert limited.exported == 2 and len((tmp_path / "x.csv").read_text().splitlines()) == 3
    assert state.watermark("t") is None  # a --limit run is a test run: the watermark stays


def test_export_unknown_extension_is_a_clear_error(sites, tmp_path):
    result = CliRunner().invoke(main, ["export", *sites.cli_args("", "3_src", "us1"), "--out",
                                       str(tmp_path / "x.xlsx")])
    assert result.exit_code == 1 and "cannot tell the format" in result.output


# --- update ---------------------------------------------------------------------------------------

def test_cli_update_plants_a_segment_and_initialises_a_field_to_null(sites, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    people = _people(sites, 6, seed=28)
    for uid, _ in people:
        sites.src.set_account_info(uid, data={"progressive": "old"})
    args = ["update", *sites.cli_args("", "3_src", "us1"), "--where", 'data.likes contains "horror"',
            "--set", "data.segment=horrorFic", "--set", "data.progressive=null", "--concurrency", "3"]
    dry = CliRunner().invoke(main, [*args, "--dry-run"])
    assert dry.exit_code == 0 and "3 would be written" in dry.output
    assert "segment" not in sites.src.get_account_info(people[0][0]).raw["data"]

    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "3 records in, 3 ok" in result.output
    for i, (uid, _) in enumerate(people):
        data = sites.src.get_account_info(uid).raw["data"]
        if i % 2 == 0:
            assert data["segment"] == "horrorFic" and data.get("progressive") is None
        else:
            assert "segment" not in data and data["progressive"] == "old"
    assert json.loads((tmp_path / "update-report.json").read_text())["records"]["ok"] == 3


@pytest.mark.parametrize("bad", ["segment=x", "data.segment", "password.hash=x", "=1"])
def test_cli_update_refuses_bad_assignments(sites, bad):
    result = CliRunner().invoke(main, ["update", *sites.cli_args("", "3_src", "us1"), "--where", "UID = \"x\"",
                                       "--set", bad])
    assert result.exit_code == 2 and "--set" in result.output


# --- flagged-deletions ----------------------------------------------------------------------------

def test_flagged_accounts_go_downstream_then_are_deleted(sites, tmp_path, downstream_http, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url, server = downstream_http
    people = _people(sites, 5, seed=29)
    flagged = [people[0][0], people[1][0], people[3][0]]
    for uid in flagged:
        sites.src.set_account_info(uid, is_active=False, data={"deleteUser": True})
    sites.src.set_account_info(people[2][0], data={"deleteUser": True})  # flagged but still active: kept
    sites.src.set_account_info(people[4][0], is_active=False)  # inactive, not flagged: kept
    base = ["flagged-deletions", *sites.cli_args("", "3_src", "us1")]

    dry = CliRunner().invoke(main, [*base, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert sorted(json.loads(x)["uid"] for x in dry.stdout.splitlines() if x.startswith("{")) == sorted(flagged)
    assert sites.mock.accounts("3_src").count() == 5

    server.refuse_uids = {flagged[1]: 400}
    result = CliRunner().invoke(main, [*base, "--post", url, "--out", str(tmp_path / "flagged.csv"),
                                       "--retries", "1"])
    assert result.exit_code == 0, result.output
    assert "2 ok, 1 failed" in result.output
    remaining = {a["UID"] for a in sites.mock.accounts("3_src").all()}
    assert remaining == {people[2][0], people[4][0], flagged[1]}  # refused downstream: not deleted
    assert sorted(server.accepted_uids()) == sorted([flagged[0], flagged[2]])
    errors = [json.loads(x) for x in (tmp_path / "flagged-deletions-errors.jsonl").read_text().splitlines()]
    assert [e["errorCode"] for e in errors] == ["downstream-refused"]

    server.refuse_uids = {}
    again = CliRunner().invoke(main, [*base, "--post", url])
    assert again.exit_code == 0 and "1 ok" in again.output
    assert {a["UID"] for a in sites.mock.accounts("3_src").all()} == {people[2][0], people[4][0]}


class BrokenSearch:
    """A source whose cursor breaks after two accounts (a network failure mid-export)."""

    def __init__(self, client):
        self.client = client

    def search_all(self, query, **kw):
        from gigya_migrate.errors import GigyaConnectionError

        for count, account in enumerate(self.client.search_all(query, **kw)):
            if count == 2:
                raise GigyaConnectionError("connection reset")
            yield account


def test_failed_export_leaves_the_previous_file_and_the_watermark(sites, tmp_path):
    from gigya_migrate.errors import GigyaError

    _people(sites, 4, seed=30)
    out, state = tmp_path / "esp.csv", StateFile(tmp_path / "s.json")
    out.write_text("previous export\n")
    with pytest.raises(GigyaError):
        export_accounts(BrokenSearch(sites.src), state, ExportOptions(out=out, fields=["UID"], job="esp",
                                                                      delta_field="lastUpdatedTimestamp"))
    assert out.read_text() == "previous export\n" and state.watermark("esp") is None
    assert [p.name for p in tmp_path.iterdir()] == ["esp.csv"]


def test_cli_export_dsv_with_a_chosen_separator(sites, tmp_path):
    people = _people(sites, 2, seed=31)
    out = tmp_path / "users.dsv"
    result = CliRunner().invoke(main, ["export", *sites.cli_args("", "3_src", "us1"), "--fields",
                                       "UID,profile.email", "--separator", "|", "--out", str(out),
                                       "--state", str(tmp_path / "s.json")])
    assert result.exit_code == 0, result.output
    assert out.read_text().splitlines() == ["UID|profile.email", *(f"{u}|{e}" for u, e in people)]


def test_cli_update_resume_is_per_job(sites, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    people = _people(sites, 3, seed=32)
    base = ["update", *sites.cli_args("", "3_src", "us1"), "--where", "isActive = true"]
    assert CliRunner().invoke(main, [*base, "--set", "data.wave=1"]).exit_code == 0
    same = CliRunner().invoke(main, [*base, "--set", "data.wave=1", "--resume"])
    assert same.exit_code == 0 and "nothing to resume" in same.output  # that job is done
    other = CliRunner().invoke(main, [*base, "--set", "data.wave=2", "--resume"])
    assert "3 ok" in other.output  # a different job is not skipped because another one finished
    assert sites.src.get_account_info(people[0][0]).raw["data"]["wave"] == 2
