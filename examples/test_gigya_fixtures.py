"""Testing your own code against the mock Gigya with the pytest fixtures (copy this file to start).

Installing gigya-migrate registers the fixtures (entry point ``gigya_mock``): no conftest, no import.
Each test below uses one method of the documented API (README, "pytest fixtures"); this file runs in
this project's CI as it is, so the examples cannot rot.

The "application" under test is ``signup`` / ``profile_of``: plain ``requests`` calls, as code that
knows nothing about the mock would make them.
"""

from __future__ import annotations

import pytest
import requests

from gigya_migrate import GigyaClient
from gigya_migrate.errors import GigyaError

API_KEY, USER_KEY, SECRET = "3_example_site", "AK_EXAMPLE", "ZXhhbXBsZS1zZWNyZXQ="  # mock-only credentials


# --- the application under test ------------------------------------------------------------------------


def signup(email: str, first_name: str, *, base: str = "https://accounts.us1.gigya.com") -> str:
    """Create an account with importFullAccount, as a back end would; returns its UID."""
    answer = requests.post(f"{base}/accounts.importFullAccount", timeout=10, data={
        "apiKey": API_KEY, "userKey": USER_KEY, "secret": SECRET, "UID": f"uid-{email}",
        "loginIDs": f'{{"emails": ["{email}"]}}', "profile": f'{{"email": "{email}", "firstName": "{first_name}"}}',
    }).json()
    if answer["errorCode"]:
        raise RuntimeError(f"{answer['errorCode']} {answer.get('errorMessage')}")
    return answer["UID"]


def profile_of(client: GigyaClient, uid: str) -> dict:
    """Read one profile through the SDK (retries rate limits and transient errors by itself)."""
    return client.get_account_info(uid).raw["profile"]


# --- gigya_mock: in-process, nothing listens on a port ----------------------------------------------------


def test_add_site_then_assert_with_accounts_find(gigya_mock):
    gigya_mock.add_site(API_KEY, user_key=USER_KEY, secret=SECRET)  # add_site(api_key, *, user_key, secret, data_center)
    uid = signup("ada@example.com", "Ada")
    account = gigya_mock.accounts(API_KEY).find(email="ada@example.com")  # find(*, email=, uid=, login_id=)
    assert account["UID"] == uid and account["profile"]["firstName"] == "Ada"
    assert gigya_mock.accounts(API_KEY).count() == 1 and len(gigya_mock.accounts(API_KEY).all()) == 1
    assert gigya_mock.calls[-1].method == "accounts.importFullAccount" and gigya_mock.calls[-1].params["secret"] == "***"


def test_seed_gives_accounts_and_their_passwords(gigya_mock):
    gigya_mock.add_site(API_KEY, user_key=USER_KEY, secret=SECRET)
    report = gigya_mock.seed(API_KEY, 5, algorithms={"md5": 1, "bcrypt": 1}, seed=42)  # seed(api_key, count, **options)
    assert report.count == 5 and sum(report.by_algorithm.values()) == 5 and len(report.uids) == 5
    first = report.logins[0]  # {"UID", "loginID", "password", "algorithm"}: test passwords, kept apart
    with GigyaClient(API_KEY, user_key=USER_KEY, secret=SECRET) as client:
        assert client.login(first["loginID"], first["password"]).uid == first["UID"]


def test_faults_make_the_sdk_retry(gigya_mock):
    gigya_mock.add_site(API_KEY, user_key=USER_KEY, secret=SECRET)
    uid = gigya_mock.seed(API_KEY, 1).uids[0]
    gigya_mock.faults.rate_limit(times=2, method="getAccountInfo")  # the next 2 calls answer 403048
    with GigyaClient(API_KEY, user_key=USER_KEY, secret=SECRET, sleep=lambda seconds: None) as client:
        assert profile_of(client, uid)["email"]  # retried twice, then answered
    assert gigya_mock.faults.state()["injected"] == {"error:403048": 2}
    gigya_mock.faults.server_error(times=1, code=500001, method="getAccountInfo")
    gigya_mock.faults.script("getAccountInfo", error=403005)  # any errorCode, in order after the 500001
    with GigyaClient(API_KEY, user_key=USER_KEY, secret=SECRET, sleep=lambda seconds: None) as client:
        with pytest.raises(GigyaError) as refused:
            profile_of(client, uid)
    assert refused.value.error_code == 403005


def test_reset_wipes_everything_but_the_default_site(gigya_mock):
    gigya_mock.add_site(API_KEY, user_key=USER_KEY, secret=SECRET)
    gigya_mock.seed(API_KEY, 3)
    gigya_mock.reset()
    assert [site["apiKey"] for site in gigya_mock.state()["sites"]] == ["3_mock_site"]  # mock_gigya.defaults


# --- gigya_server: a real HTTP server on 127.0.0.1, for code that takes a URL (or another language) --------


def test_gigya_server_answers_over_http(gigya_server):
    gigya_server.add_site(API_KEY, user_key=USER_KEY, secret=SECRET, data_center="eu1")
    uid = signup("grace@example.com", "Grace", base=gigya_server.url)
    with GigyaClient(API_KEY, user_key=USER_KEY, secret=SECRET, base_url=gigya_server.url) as client:
        assert profile_of(client, uid)["firstName"] == "Grace"
    assert gigya_server.accounts(API_KEY).find(uid=uid)["profile"]["email"] == "grace@example.com"
