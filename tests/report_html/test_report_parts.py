"""The pieces under the HTML report: redaction, the runner's bounded progress series, the re-hash
share from the status history, and the charts' offline SVG."""

from datetime import datetime, timezone

import pytest

from gigya_migrate.flows.progress_series import ProgressSeries
from gigya_migrate.flows.runner import RunReport
from gigya_migrate.flows.status_history import ALL_LEGACY, StatusHistory, rehash_shares
from gigya_migrate.report_html import charts
from gigya_migrate.report_html.redact import REDACTED, redact, scrub_text

# Published examples: bcrypt from the OpenBSD test vectors ("U*U"), Django's documented
# pbkdf2_sha256 format, md5("password") as listed in RFC 1321-based tables everywhere.
BCRYPT = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"
DJANGO = "pbkdf2_sha256$260000$c2FsdHNhbHQ$YGZ6bPw1u2Nn0pAFsG4GqUfvBVb0t2pY8A1qvJhUOPM="
MD5 = "5f4dcc3b5aa765d61d8327deb882cf99"


@pytest.mark.parametrize("record, expected", [
    ({"email": "a@x.io", "password": "hunter2"}, {"email": "a@x.io", "password": REDACTED}),
    ({"hashedPassword": MD5, "hashSettings": {"algorithm": "md5", "salt": "pepper"}},
     {"hashedPassword": REDACTED, "hashSettings": {"algorithm": "md5", "salt": REDACTED}}),
    ({"pwd_hash": BCRYPT, "hash_scheme": "bcrypt"}, {"pwd_hash": REDACTED, "hash_scheme": "bcrypt"}),
    ({"api_secret": "c2VjcmV0", "userKey": "AKxyz", "UID": MD5}, {"api_secret": REDACTED, "userKey": "AKxyz", "UID": MD5}),
    ({"note": f"row had {BCRYPT} in it"}, {"note": "row had $2a$05… in it"}),
    ({"_raw": f"ada@x.io,{DJANGO},extra"}, {"_raw": "ada@x.io,pbkdf2… extra".replace(" ", ",")}),
    ({"col3": MD5}, {"col3": "5f4dcc…"}),
    ({"emails": ["a@x.io", "b@x.io"], "password": ""}, {"emails": ["a@x.io", "b@x.io"], "password": ""}),
    ({"user_pw": "hunter2", "PW": "hunter2", "userPw": "x", "pwned": "no", "pin_code": "1234", "spinner": "y"},
     {"user_pw": REDACTED, "PW": REDACTED, "userPw": REDACTED, "pwned": "no", "pin_code": REDACTED, "spinner": "y"}),
])
def test_redact(record, expected):
    assert redact(record) == expected


def test_scrub_text_keeps_ordinary_words():
    text = "unknown scheme 'argon2x'; use one of md5, sha256 (or leave it out)"
    assert scrub_text(text) == text


def test_progress_series_is_bounded_and_ends_at_the_totals():
    ticks = iter(range(100_000))
    series = ProgressSeries(points=120, every=0.1, clock=lambda: next(ticks) * 0.05)  # 50 ms per record
    for done in range(1, 5001):
        series.sample(done)
    assert 60 <= len(series.samples) <= 120  # halved when full: bounded, still dense
    points = series.as_list(250.0, 5000)
    assert points[0] == {"seconds": 0.0, "ok": 0, "failed": 0}
    assert points[-1] == {"seconds": 250.0, "ok": 5000, "failed": 0}
    gaps = {round(b["seconds"] - a["seconds"], 3) for a, b in zip(points[1:-2], points[2:-1])}
    assert len(gaps) <= 2  # evenly spread (one interval, or two around the last halving)


def test_run_report_carries_the_series():
    report = RunReport("import")
    report.ok, report.duration = 3, 1.5
    report.sample_progress()
    assert report.as_dict()["progress"][-1] == {"seconds": 1.5, "ok": 3, "failed": 0}


def _row(day, counts, site="pbkdf2"):
    return {"at": f"2026-12-{day:02d}T08:00:00Z", "siteAlgorithm": site,
            "algorithms": {name: {"accounts": n, "loggedIn": 0} for name, n in counts.items()}}


def test_rehash_share_per_algorithm_over_days():
    # md5: 100 imported, then 60, then 25 left -> 0%, 40%, 75% re-hashed; bcrypt 50 -> 50 -> 0
    rows = [_row(1, {"md5": 100, "bcrypt": 50, "pbkdf2": 10}), _row(2, {"md5": 60, "bcrypt": 50, "pbkdf2": 50}),
            _row(3, {"md5": 25, "pbkdf2": 135, "(no password)": 4})]
    shares = rehash_shares(rows)
    assert [round(s, 3) for _, s in shares["md5"]] == [0.0, 0.4, 0.75]
    assert [round(s, 3) for _, s in shares["bcrypt"]] == [0.0, 0.0, 1.0]
    assert [round(s, 3) for _, s in shares[ALL_LEGACY]] == [0.0, round(1 - 110 / 150, 3), round(1 - 25 / 150, 3)]
    assert "pbkdf2" not in shares and "(no password)" not in shares
    assert shares["md5"][2][0] == datetime(2026, 12, 3, 8, tzinfo=timezone.utc)
    svg = charts.rehash_history_chart(shares)
    assert svg.startswith("<svg") and "<script" not in svg and "md5" in svg


def test_history_keeps_sites_and_queries_apart(tmp_path):
    history = StatusHistory(tmp_path / "h.sqlite")
    status = {"siteAlgorithm": "pbkdf2", "total": 3, "rehashed": 1, "legacy": 2,
              "algorithms": {"md5": {"accounts": 2, "loggedIn": 0}}}
    history.record("3_a @ us1", status, at=datetime(2026, 12, 1, tzinfo=timezone.utc))
    history.record("3_a @ us1", status, where="data.x = 1")
    history.record("3_b @ us1", status)
    rows = history.rows("3_a @ us1")
    assert len(rows) == 1 and rows[0]["at"] == "2026-12-01T00:00:00Z" and rows[0]["algorithms"]["md5"]["accounts"] == 2
    assert len(history.rows("3_a @ us1", where="data.x = 1")) == 1
    assert StatusHistory(tmp_path / "none.sqlite").rows("3_a @ us1") == []


def test_charts_are_empty_without_data():
    assert charts.throughput_chart([{"seconds": 0, "ok": 0, "failed": 0}]) == ""
    assert charts.steps_chart([]) == "" and charts.validation_chart({}) == ""
    assert charts.rehash_history_chart({"md5": []}) == ""


def test_one_status_run_draws_no_line_of_dots_whatever_its_algorithms():
    # one run with two legacy algorithms: three one-point series (md5, bcrypt, all legacy), one instant
    shares = rehash_shares([_row(1, {"md5": 100, "bcrypt": 50, "pbkdf2": 10})])
    assert sum(len(points) for points in shares.values()) == 3
    assert charts.rehash_history_chart(shares) == ""
    two = rehash_shares([_row(1, {"md5": 100}), _row(2, {"md5": 60})])
    assert charts.rehash_history_chart(two).startswith("<svg")
