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
