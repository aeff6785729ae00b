"""Retries: backoff with a fake clock, which failures are retried for which calls, fresh signatures,
clock-skew correction, and the importFullAccount / deleteAccount "lost answer" checks."""

import email.utils

import pytest
import requests
import urllib3
from client_wire import BASE, SECRET, fail, ok, sent

from gigya_migrate import errors as E
from gigya_migrate.retry import RetryPolicy, backoff_delay, should_retry

SEARCH = f"{BASE}/accounts.search"
IMPORT = f"{BASE}/accounts.importFullAccount"
INFO = f"{BASE}/accounts.getAccountInfo"
DELETE = f"{BASE}/accounts.deleteAccount"
Q = "SELECT * FROM accounts"


@pytest.mark.parametrize(
    "retry, rand, expected",
    [(1, 0.0, 1.0), (2, 0.0, 2.0), (3, 0.0, 4.0), (6, 0.0, 30.0), (20, 0.0, 30.0), (1, 1.0, 0.5), (3, 0.5, 3.0)],
)
def test_backoff_delay_is_exponential_capped_and_jittered(retry, rand, expected):
    assert backoff_delay(retry, RetryPolicy(), lambda: rand) == pytest.approx(expected)


def test_rate_limited_twice_then_ok_backs_off_and_resigns(rsps, make_client, clock):
    client = make_client(sign_requests=True)
    rsps.post(SEARCH, json=fail(403048, "Rate limit exceeded"))
    rsps.post(SEARCH, json=fail(403048, "Rate limit exceeded"))
    rsps.post(SEARCH, json=ok(results=[{"UID": "u1"}]))
    page = client.search(Q)
    assert page.results[0].uid == "u1"
    assert clock.sleeps == [1.0, 2.0]
    attempts = [sent(c) for c in rsps.calls]
    assert [int(a["timestamp"]) for a in attempts] == [1763900000, 1763900001, 1763900003]
    assert len({a["nonce"] for a in attempts}) == 3 and len({a["sig"] for a in attempts}) == 3
    assert all("secret" not in a for a in attempts)


def test_gives_up_after_max_retries(rsps, make_client, clock):
    client = make_client(max_retries=4, retry_policy=RetryPolicy(base_delay=2.0, max_delay=5.0))
    rsps.post(SEARCH, json=fail(403048, "Rate limit exceeded"))
    with pytest.raises(E.RateLimited) as info:
        client.search(Q)
    assert len(rsps.calls) == 5 and clock.sleeps == [2.0, 4.0, 5.0, 5.0]
    assert info.value.error_code == 403048


def test_jitter_spreads_the_waits(rsps, clock):
    from gigya_migrate.client import GigyaClient

    draws = iter([0.0, 1.0, 0.5])
    client = GigyaClient("k", sleep=clock.sleep, clock=clock.time, rand=lambda: next(draws), max_retries=3)
    rsps.post(SEARCH, json=fail(409030, "Too many requests for same user"))
    rsps.post(SEARCH, json=fail(503001, "Service unavailable"))
    rsps.post(SEARCH, json=fail(500001, "General server error"))
    rsps.post(SEARCH, json=ok())
    client.search(Q)
    assert clock.sleeps == [1.0, 1.0, 3.0]  # 1*(1-0), 2*(1-0.5), 4*(1-0.25)


@pytest.mark.parametrize("code, cls", [(400006, E.InvalidParameter), (403003, E.InvalidSignature),
                                       (403005, E.UnauthorizedUser), (403042, E.InvalidLogin)])
def test_final_errors_are_not_retried(rsps, client, clock, code, cls):
    rsps.post(SEARCH, json=fail(code))
    with pytest.raises(cls):
        client.search(Q)
    assert len(rsps.calls) == 1 and clock.sleeps == []


def test_server_error_on_a_read_is_retried(rsps, client):
    rsps.post(SEARCH, json=fail(500001, "General server error"))
    rsps.post(SEARCH, json=ok(results=[]))
    assert client.search(Q).results == [] and len(rsps.calls) == 2


def test_server_error_on_an_unsafe_write_is_not_retried(rsps, client):
    rsps.post(f"{BASE}/accounts.register", json=fail(500001, "General server error"))
    with pytest.raises(E.ServerError):
        client.call("accounts.register", email="a@b.c", password="pw")
    assert len(rsps.calls) == 1


def test_rate_limit_on_an_unsafe_write_is_retried(rsps, client):
    rsps.post(IMPORT, json=fail(403048))
    rsps.post(IMPORT, json=ok(UID="u1"))
    assert client.import_full_account(create_uid=True).uid == "u1" and len(rsps.calls) == 2


def test_connection_never_opened_is_retried_even_for_unsafe_writes(rsps, client):
    refused = requests.ConnectionError(urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection"))
    rsps.post(f"{BASE}/accounts.register", body=refused)
    rsps.post(f"{BASE}/accounts.register", body=requests.ConnectTimeout("connect timed out"))
    rsps.post(f"{BASE}/accounts.register", json=ok())
    assert client.call("accounts.register", email="a@b.c")["errorCode"] == 0 and len(rsps.calls) == 3


def test_timeouts_and_resets(rsps, client):
    rsps.post(SEARCH, body=requests.ReadTimeout("read timed out"))
    rsps.post(SEARCH, body=requests.ConnectionError("connection reset by peer"))
    rsps.post(SEARCH, json=ok())
    assert client.search(Q).error_code == 0  # a read: replay is safe

    rsps.post(f"{BASE}/accounts.register", body=requests.ReadTimeout("read timed out"))
    with pytest.raises(E.GigyaTimeout) as info:
        client.call("accounts.register", email="a@b.c")
    assert info.value.maybe_applied and info.value.error_code == 504002


def test_import_without_uid_is_not_replayed_after_a_timeout(rsps, client):
    rsps.post(IMPORT, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(E.GigyaTimeout):
        client.import_full_account(create_uid=True, profile={"email": "a@b.c"})
    assert len(rsps.calls) == 1


def test_non_json_answers(rsps, client):
    rsps.post(SEARCH, body="<html>bad gateway</html>", status=502)
    rsps.post(SEARCH, json=ok())
    client.search(Q)
    assert len(rsps.calls) == 2
    rsps.post(f"{BASE}/accounts.getPolicies", body="not found", status=404)
    with pytest.raises(E.GigyaError, match="HTTP 404 without a Gigya JSON body") as info:
        client.get_policies()
    assert not info.value.retryable


# --- 403002 clock skew and 403004 duplicate nonce ---------------------------------------------------


def test_request_expired_corrects_clock_from_date_header_and_resigns_once(rsps, make_client, clock):
    client = make_client(sign_requests=True)
    server_now = clock.now + 600  # Gigya's clock is 10 minutes ahead
    date = email.utils.formatdate(server_now, usegmt=True)
    rsps.post(SEARCH, json=fail(403002, "Request has expired"), headers={"Date": date})
    rsps.post(SEARCH, json=ok())
    client.search(Q)
    first, second = (sent(c) for c in rsps.calls)
    assert int(first["timestamp"]) == int(clock.now)
    assert int(second["timestamp"]) == int(server_now) and second["nonce"] != first["nonce"]
    assert client.clock_offset == pytest.approx(600) and clock.sleeps == []

    rsps.replace("POST", SEARCH, json=fail(403002, "Request has expired"), headers={"Date": date})
    with pytest.raises(E.RequestExpired):
        client.search(Q)
    assert len(rsps.calls) == 4  # one re-sign per call, no more


def test_request_expired_without_signing_is_not_retried(rsps, client):
    rsps.post(SEARCH, json=fail(403002))
    with pytest.raises(E.RequestExpired):
        client.search(Q)
    assert len(rsps.calls) == 1


def test_duplicate_nonce_is_resigned_once(rsps, make_client):
    client = make_client(sign_requests=True)
    rsps.post(SEARCH, json=fail(403004, "Duplicate nonce"))
    rsps.post(SEARCH, json=ok())
    client.search(Q)
    assert sent(rsps.calls[0])["nonce"] != sent(rsps.calls[1])["nonce"]


# --- importFullAccount insert after a lost answer ----------------------------------------------------


def _account_info(clock, *, emails=("ada@example.com",), updated_offset=5):
    stamp = int((clock.now + updated_offset) * 1000)
    return ok(UID="u-ada", loginIDs={"emails": list(emails), "unverifiedEmails": []}, lastUpdatedTimestamp=stamp)


def _import_ada(client):
    return client.import_full_account("u-ada", login_ids={"emails": ["ada@example.com"]}, profile={"firstName": "Ada"})


@pytest.mark.parametrize("code", [400003, 403043])
def test_retried_insert_that_finds_its_own_write_reports_success_marked(rsps, client, clock, code):
    rsps.post(IMPORT, body=requests.ReadTimeout("read timed out"))
    rsps.post(IMPORT, json=fail(code, "already exists"))
    rsps.post(INFO, json=_account_info(clock))
    result = _import_ada(client)
    assert result.recovered_after_retry is True and result.uid == "u-ada"
    assert "already exists" in result.note and str(code) in result.note
    assert [c.request.url for c in rsps.calls] == [IMPORT, IMPORT, INFO]
    assert sent(rsps.calls[2])["UID"] == "u-ada"


def test_retried_insert_after_server_error_also_checks(rsps, client, clock):
    rsps.post(IMPORT, json=fail(500001, "General server error"))
    rsps.post(IMPORT, json=fail(400003, "Unique identifier exists"))
    rsps.post(INFO, json=_account_info(clock))
    assert _import_ada(client).recovered_after_retry


def test_retried_insert_against_an_older_account_is_a_real_conflict(rsps, client, clock):
    rsps.post(IMPORT, body=requests.ReadTimeout("read timed out"))
    rsps.post(IMPORT, json=fail(400003, "Unique identifier exists"))
    rsps.post(INFO, json=_account_info(clock, updated_offset=-86400))  # last written yesterday
    with pytest.raises(E.UniqueIdentifierExists):
        _import_ada(client)


def test_retried_insert_against_other_login_ids_is_a_real_conflict(rsps, client, clock):
    rsps.post(IMPORT, body=requests.ReadTimeout("read timed out"))
    rsps.post(IMPORT, json=fail(400003, "Unique identifier exists"))
    rsps.post(INFO, json=_account_info(clock, emails=("someone@else.com",)))
    with pytest.raises(E.UniqueIdentifierExists):
        _import_ada(client)


def test_retried_insert_whose_uid_does_not_exist_keeps_the_login_id_conflict(rsps, client):
    rsps.post(IMPORT, body=requests.ReadTimeout("read timed out"))
    rsps.post(IMPORT, json=fail(403043, "Login identifier exists"))
    rsps.post(INFO, json=fail(403005, "Unauthorized user"))
    with pytest.raises(E.LoginIdExists) as info:
        _import_ada(client)
    assert info.value.earlier_attempt_uncertain


def test_insert_conflict_on_the_first_attempt_is_reported_without_lookup(rsps, client):
    rsps.post(IMPORT, json=fail(400003, "Unique identifier exists"))
    with pytest.raises(E.UniqueIdentifierExists):
        _import_ada(client)
    assert len(rsps.calls) == 1


def test_delete_after_a_lost_answer(rsps, client):
    rsps.post(DELETE, body=requests.ReadTimeout("read timed out"))
    rsps.post(DELETE, json=fail(403005, "Unauthorized user"))
    result = client.delete_account("u-gone")
    assert result.recovered_after_retry and "403005" in result.note
    rsps.replace("POST", DELETE, json=fail(403005, "Unauthorized user"))
    with pytest.raises(E.UnauthorizedUser):
        client.delete_account("u-never")


@pytest.mark.parametrize(
    "error, replay_safe, expected",
    [
        (E.RateLimited("x"), False, True),
        (E.ServiceUnavailable("x"), False, True),
        (E.ServerError("x"), False, False),
        (E.ServerError("x"), True, True),
        (E.GigyaTimeout("x"), False, False),
        (E.GigyaTimeout("x", maybe_applied=False), False, True),
        (E.InvalidParameter("x"), True, False),
    ],
)
def test_should_retry_table(error, replay_safe, expected):
    assert should_retry(error, replay_safe=replay_safe) is expected


def test_secret_never_in_logs_or_errors(rsps, make_client, caplog):
    caplog.set_level("DEBUG")
    client = make_client()
    rsps.post(SEARCH, json=fail(403048, f"limit for secret={SECRET}"))
    rsps.post(SEARCH, json=fail(400006, f"bad {SECRET}", validationErrors=[{"fieldName": "secret", "message": SECRET}]))
    with pytest.raises(E.InvalidParameter) as info:
        client.search(Q)
    assert SECRET not in caplog.text and SECRET not in str(info.value) and SECRET not in repr(client)
    assert "secret: ***" in str(info.value)


def test_lost_answer_check_accepts_login_ids_given_as_a_model(rsps, client, clock):
    from gigya_migrate.models import LoginIds

    rsps.post(IMPORT, body=requests.ReadTimeout("read timed out"))
    rsps.post(IMPORT, json=fail(400003, "Unique identifier exists"))
    rsps.post(INFO, json=_account_info(clock, emails=("ADA@example.com",)))
    result = client.import_full_account("u-ada", login_ids=LoginIds(emails=["ada@example.com"]))
    assert result.recovered_after_retry


def test_request_expired_without_date_header_uses_the_envelope_time(rsps, make_client, clock):
    from datetime import datetime, timezone

    client = make_client(sign_requests=True)
    server_now = clock.now - 900  # our clock is 15 minutes fast
    stamp = datetime.fromtimestamp(server_now, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    expired = fail(403002, "Request has expired")
    expired["time"] = stamp
    rsps.post(SEARCH, json=expired)
    rsps.post(SEARCH, json=ok())
    client.search(Q)
    assert int(sent(rsps.calls[1])["timestamp"]) == int(server_now)
    assert client.clock_offset == pytest.approx(-900)
