"""The mock's audit log is bounded by a count per site and an age (configurable), so it cannot grow for ever."""

import requests
from click.testing import CliRunner

from mock_gigya import defaults
from mock_gigya.audit_retention import DEFAULT_MAX_AGE_DAYS, DEFAULT_MAX_RECORDS
from mock_gigya.inprocess import mock_gigya
from mock_gigya.server import main

KEY = defaults.DEFAULT_API_KEY
CREDS = {"apiKey": KEY, "userKey": defaults.DEFAULT_USER_KEY, "secret": defaults.DEFAULT_SECRET}


def _audit(gigya) -> list[dict]:
    return gigya.backend.audit_search(KEY, query="SELECT * FROM auditLog LIMIT 1000")["results"]


def _calls(n: int) -> None:
    for i in range(n):
        requests.post("https://accounts.us1.gigya.com/accounts.getAccountInfo", data={**CREDS, "UID": f"u{i}"})


def test_the_count_is_bounded_and_the_newest_records_are_kept():
    with mock_gigya() as gigya:
        gigya.backend.audit_retention.configure(max_records=25, check_every=10)
        _calls(100)
        records = _audit(gigya)
        assert 25 <= len(records) < 25 + 10
        assert records[-1]["params"]["UID"] == "u99"  # oldest first: the last call is kept


def test_old_records_are_removed_by_age():
    now = [1_700_000_000.0]
    with mock_gigya() as gigya:
        gigya.backend.clock = lambda: now[0]
        gigya.backend.audit_retention.configure(max_records=0, max_age_days=1, check_every=1)
        _calls(5)
        now[0] += 2 * 86_400
        _calls(1)
        assert [r["params"]["UID"] for r in _audit(gigya)] == ["u0"]  # the one written "today"


def test_defaults_and_serve_options_are_documented():
    with mock_gigya() as gigya:
        assert gigya.backend.audit_retention.state() == {"maxRecords": DEFAULT_MAX_RECORDS,
                                                         "maxAgeDays": DEFAULT_MAX_AGE_DAYS}
    text = CliRunner().invoke(main, ["serve", "--help"]).output
    assert "--audit-max-records" in text and "--audit-max-age-days" in text


def test_two_sites_writing_in_turn_each_keep_their_newest_records():
    # the count rule skips its cut-off walk while a site's seq span is within the limit; sites
    # writing in turn have spans about twice their counts, so the walk runs and must still keep
    # each site's newest records, and only its own
    other = {"apiKey": "3_other", "userKey": "AK2", "secret": "c2VjcmV0"}
    with mock_gigya() as gigya:
        gigya.add_site(other["apiKey"], user_key=other["userKey"], secret=other["secret"])
        gigya.backend.audit_retention.configure(max_records=25, check_every=10)
        for i in range(60):
            for creds in (CREDS, other):
                requests.post("https://accounts.us1.gigya.com/accounts.getAccountInfo",
                              data={**creds, "UID": f"{creds['apiKey']}-{i}"})
        for creds in (CREDS, other):
            records = gigya.backend.audit_search(creds["apiKey"], query="SELECT * FROM auditLog LIMIT 1000")["results"]
            assert 25 <= len(records) < 25 + 10
            assert records[-1]["params"]["UID"] == f"{creds['apiKey']}-59"
            assert {r["params"]["UID"].rsplit("-", 1)[0] for r in records} == {creds["apiKey"]}


def test_pruning_by_age_and_count_reads_indexes_not_the_whole_log():
    # a long rehearsal keeps 500,000 records a site: every prune scanned them all before
    with mock_gigya() as gigya:
        conn = gigya.backend.store._conn
        age = " ".join(str(r) for r in conn.execute(
            "EXPLAIN QUERY PLAN DELETE FROM audit WHERE api_key = ? AND ts < ?", (KEY, 0)).fetchall())
        assert "audit_site_ts" in age
        ends = " ".join(str(r) for r in conn.execute(
            "EXPLAIN QUERY PLAN SELECT MAX(seq) FROM audit WHERE api_key = ?", (KEY,)).fetchall())
        assert "audit_site_seq" in ends and "SCAN" not in ends.replace("SCAN CONSTANT", "")
