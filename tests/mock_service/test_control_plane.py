"""The /__mock__/ control plane over HTTP and as Python helpers, on the real backend."""

import pytest
import requests

from gigya_migrate.hashing import ALGORITHMS
from mock_gigya import defaults
from mock_gigya.seed import seed_accounts, split_mix

KEY, USER_KEY, SECRET = defaults.DEFAULT_API_KEY, defaults.DEFAULT_USER_KEY, defaults.DEFAULT_SECRET


def control(server, action, payload=None, verb="POST"):
    response = requests.request(verb, f"{server.url}/__mock__/{action}", json=payload, timeout=10)
    return response.status_code, response.json()


def api(server, method, api_key=KEY, user_key=USER_KEY, secret=SECRET, host=None, **params):
    headers = {"Host": host} if host else {}
    data = {"apiKey": api_key, "userKey": user_key, "secret": secret, **params}
    return requests.post(f"{server.url}/{method}", data=data, headers=headers, timeout=10).json()


def test_sites_and_keys_added_over_http_answer_the_api(gigya_server):
    assert control(gigya_server, "sites", {"apiKey": "3_eu", "dataCenter": "eu1", "partnerId": "p2",
                                           "userKey": "AK2", "secret": "c2VjcmV0"})[0] == 200
    assert api(gigya_server, "accounts.search", "3_eu", "AK2", "c2VjcmV0", query="SELECT * FROM accounts")["errorCode"] == 0
    # the default key belongs to another partner: not valid for the new site
    assert api(gigya_server, "accounts.search", "3_eu", query="SELECT * FROM accounts")["errorCode"] == 403005
    assert api(gigya_server, "accounts.search", "3_eu", "AK2", "c2VjcmV0", host="accounts.us1.gigya.com",
               query="SELECT * FROM accounts")["errorCode"] == 301001
    assert control(gigya_server, "keys", {"userKey": "AK3", "secret": "czM=", "partnerId": "p2"})[0] == 200
    assert api(gigya_server, "accounts.search", "3_eu", "AK3", "czM=", query="SELECT * FROM accounts")["errorCode"] == 0
    status, state = control(gigya_server, "state", verb="GET")
    assert status == 200
    assert {s["apiKey"]: s["dataCenter"] for s in state["sites"]} == {KEY: "us1", "3_eu": "eu1"}
    assert {k["userKey"] for k in state["appKeys"]} == {USER_KEY, "AK2", "AK3"}
    assert SECRET not in str(state) and "czM=" not in str(state)  # state never shows secrets


def test_policies_are_merged_and_unknown_sections_refused(gigya_server):
    status, _ = control(gigya_server, "policies", {"apiKey": KEY, "policies": {"passwordComplexity": {"minLength": 12}}})
    assert status == 200
    policies = api(gigya_server, "accounts.getPolicies", sections="passwordComplexity")
    assert policies["passwordComplexity"]["minLength"] == 12
    status, body = control(gigya_server, "policies", {"apiKey": KEY, "policies": {"noSuchSection": {}}})
    assert status == 400 and "noSuchSection" in body["error"]


def test_seed_mix_over_http_and_seeded_accounts_log_in(gigya_server):
    status, report = control(gigya_server, "seed", {"apiKey": KEY, "count": 10, "seed": 5,
                                                    "algorithms": {"md5": 1, "bcrypt": 1}, "includePasswords": True})
    assert status == 200 and report["byAlgorithm"] == {"md5": 5, "bcrypt": 5}
    assert api(gigya_server, "accounts.search", query="SELECT count(*) FROM accounts")["totalCount"] == 10
    assert len(report["logins"]) == 10  # else the loop below would pass on nothing
    for login in report["logins"]:  # every one, so both algorithms of the mix are logged in with
        assert api(gigya_server, "accounts.login", loginID=login["loginID"], password=login["password"])["errorCode"] == 0
    wrong = report["logins"][0]
    assert api(gigya_server, "accounts.login", loginID=wrong["loginID"], password=wrong["password"] + "x")["errorCode"] == 403042
    _, quiet = control(gigya_server, "seed", {"apiKey": KEY, "count": 1, "seed": 6})
    assert "logins" not in quiet  # cleartext test passwords only on request


def test_accounts_faults_reset_and_refusals_over_http(gigya_server):
    assert control(gigya_server, "accounts", {"apiKey": KEY, "account": {"UID": "u1", "profile": {"firstName": "Ada"}}}) == (
        200, {"ok": True, "UID": "u1"})
    status, faults = control(gigya_server, "faults", {"script": [{"method": "getAccountInfo", "times": 1, "error": 403048}]})
    assert status == 200 and faults["scripts"][0]["errorCode"] == 403048
    assert api(gigya_server, "accounts.getAccountInfo", UID="u1")["errorCode"] == 403048
    assert api(gigya_server, "accounts.getAccountInfo", UID="u1")["profile"]["firstName"] == "Ada"
    control(gigya_server, "faults", {"random": {"rateLimitProb": 1.0}})
    assert api(gigya_server, "accounts.getAccountInfo", UID="u1")["errorCode"] == 403048
    assert control(gigya_server, "faults", verb="DELETE")[1]["random"]["rateLimitProb"] == 0.0
    assert control(gigya_server, "reset")[0] == 200
    assert api(gigya_server, "accounts.getAccountInfo", UID="u1")["errorCode"] == 403005  # gone; site is back
    for action, payload, verb, status in [
        ("seed", {"count": 3}, "POST", 400),                      # no apiKey
        ("sites", {"apiKey": ""}, "POST", 400),
        ("faults", {"random": {"rateLimitProb": 3}}, "POST", 400),
        ("nothing", {}, "POST", 404),
        ("reset", None, "GET", 404),
    ]:
        code, body = control(gigya_server, action, payload, verb)
        assert code == status and body["error"]
    response = requests.post(f"{gigya_server.url}/__mock__/sites", data=b"{broken", timeout=10)
    assert response.status_code == 400 and "JSON" in response.json()["error"]


def test_python_helpers_in_process(gigya_mock):
    gigya_mock.add_site("3_test", user_key="AK", secret="c2VjcmV0")
    gigya_mock.set_policies("3_test", {"passwordComplexity": {"minLength": 4}})
    report = gigya_mock.seed("3_test", 3, algorithms=["sha1"], seed=1)
    assert gigya_mock.accounts("3_test").count() == 3
    assert gigya_mock.accounts("3_test").find(uid=report.uids[0])["UID"] == report.uids[0]
    body = requests.get("https://accounts.us1.gigya.com/__mock__/state").json()
    assert {s["apiKey"]: s["accounts"] for s in body["sites"]} == {KEY: 0, "3_test": 3}
    gigya_mock.reset()
    assert [s["apiKey"] for s in gigya_mock.state()["sites"]] == [KEY]


@pytest.mark.parametrize("count, weights, expected", [
    (10, {"md5": 1, "bcrypt": 1}, {"md5": 5, "bcrypt": 5}),
    (5, {"md5": 1, "bcrypt": 1}, {"md5": 3, "bcrypt": 2}),
    (7, {"a": 0.5, "b": 0.25, "c": 0.25}, None),
    (0, ["sha1"], {"sha1": 0}),
    (3, "md5,sha1,sha256", {"md5": 1, "sha1": 1, "sha256": 1}),
])
def test_split_mix_is_exact(count, weights, expected):
    if expected is None:
        with pytest.raises(ValueError, match="unknown hash algorithm"):
            split_mix(count, weights)
        return
    counts = split_mix(count, weights)
    assert counts == expected and sum(counts.values()) == count


def test_seeding_is_deterministic_per_seed(gigya_mock):
    from mock_gigya.backend import Backend

    def run(seed):
        backend = Backend()
        backend.add_site("3_s")
        report = seed_accounts(backend, "3_s", 5, algorithms={"md5": 1, "pbkdf2": 1}, seed=seed)
        return report.uids, [(a["profile"]["email"], a["data"]["hashAlgorithm"]) for a in backend.accounts("3_s").all()]

    assert run(11) == run(11)
    assert run(11) != run(12)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_every_algorithm_seeds_an_account_that_logs_in_and_is_rehashed(gigya_mock, algorithm):
    report = gigya_mock.seed(KEY, 1, algorithms=[algorithm], seed=3)
    login = report.logins[0]
    url = "https://accounts.us1.gigya.com/accounts.login"
    creds = {"apiKey": KEY, "userKey": USER_KEY, "secret": SECRET}
    assert requests.post(url, data={**creds, "loginID": login["loginID"], "password": "wrong"}).json()["errorCode"] == 403042
    assert requests.post(url, data={**creds, "loginID": login["loginID"], "password": login["password"]}).json()[
        "errorCode"] == 0
    stored = gigya_mock.accounts(KEY).find(uid=login["UID"])
    assert stored["password"]["hashSettings"]["algorithm"] == "pbkdf2"  # first-login re-hash


def test_a_db_file_keeps_sites_policies_and_accounts_across_servers(tmp_path):
    from mock_gigya.server import MockServer

    db = str(tmp_path / "mock.db")
    with MockServer(db_path=db) as first:
        first.set_policies(KEY, {"passwordComplexity": {"minLength": 11}})
        first.seed(KEY, 2, seed=4)
    with MockServer(db_path=db) as second:  # start-up must not replace the stored site
        assert api(second, "accounts.getPolicies", sections="passwordComplexity")["passwordComplexity"]["minLength"] == 11
        assert second.accounts(KEY).count() == 2
        assert [k["userKey"] for k in second.state()["appKeys"]] == [USER_KEY]
