"""The mock cannot be frozen or crashed by a query, and refuses NUL / control characters with 400006."""

import json
import threading
import time

import pytest
import requests

from mock_gigya import defaults
from mock_gigya.query_limits import MAX_TERMS

CREDS = {"apiKey": defaults.DEFAULT_API_KEY, "userKey": defaults.DEFAULT_USER_KEY, "secret": defaults.DEFAULT_SECRET}


def call(server, method, **params):
    return requests.post(f"{server.url}/{method}", data={**CREDS, **params}, timeout=60).json()


def search(server, where):
    return call(server, "accounts.search", query=f"SELECT UID FROM accounts WHERE {where}")


@pytest.fixture
def seeded(gigya_server):
    gigya_server.seed(defaults.DEFAULT_API_KEY, 30, seed=5)
    # a long value a catastrophic regex would need exponential time for on a backtracking engine
    gigya_server.seed_account(defaults.DEFAULT_API_KEY, UID="long", profile={"firstName": "a" * 5000 + "!"})
    return gigya_server


def test_catastrophic_regex_answers_at_once_and_does_not_stall_others(seeded):
    answers = {}

    def slow():
        answers["regex"] = search(seeded, 'profile.firstName regex "(a|a)*b"')

    started = time.monotonic()
    worker = threading.Thread(target=slow)
    worker.start()
    other = search(seeded, "isActive = true")
    worker.join(timeout=60)
    assert other["errorCode"] == 0 and other["totalCount"] == 31
    assert answers["regex"]["errorCode"] == 0 and answers["regex"]["totalCount"] == 0
    assert time.monotonic() - started < 15
    assert search(seeded, 'profile.firstName regex "a+!"')["results"] == [{"UID": "long"}]


def test_unsupported_regex_syntax_is_400006(seeded):
    body = search(seeded, r'profile.firstName regex "(a)\\1"')
    assert body["errorCode"] == 400006 and "invalid regex" in body["errorDetails"]


@pytest.mark.parametrize("joiner, count", [(" OR ", 600), (" OR ", 2500), (" AND ", 1200)])
def test_many_terms_answer_a_result_never_500001(seeded, joiner, count):
    op = "=" if joiner == " OR " else "!="
    body = search(seeded, joiner.join(f'profile.firstName {op} "x{i}"' for i in range(count)))
    assert body["errorCode"] == 0, body
    assert body["totalCount"] == (0 if op == "=" else 31)


def test_a_long_in_list_on_a_plain_field_answers(seeded):
    values = ",".join(f'"v{i}"' for i in range(3000))
    assert search(seeded, f"data.tag in ({values})")["errorCode"] == 0


def test_more_terms_than_the_ceiling_is_400006(seeded):
    body = search(seeded, " OR ".join(f'profile.firstName = "x{i}"' for i in range(MAX_TERMS + 1)))
    assert body["errorCode"] == 400006 and "conditions" in body["errorDetails"]


def test_deep_nesting_is_400006(seeded):
    body = search(seeded, "(" * 3000 + "isActive = true" + ")" * 3000)
    assert body["errorCode"] == 400006


@pytest.mark.parametrize("method, params", [
    ("accounts.getAccountInfo", {"UID": "abc\x00def"}),
    ("accounts.getAccountInfo", {"UID": "abc\x1bdef"}),
    ("accounts.isAvailableLoginID", {"loginID": "a\x00@example.com"}),
    ("accounts.login", {"loginID": "a\x07@example.com", "password": "x"}),
    ("accounts.search", {"query": "SELECT * FROM accounts WHERE profile.email = \"a\x00b\""}),
    ("accounts.importFullAccount", {"UID": "u1", "loginIDs": json.dumps({"emails": ["a\x00@example.com"]})}),
    ("accounts.importFullAccount", {"UID": "u1", "data": json.dumps({"note": "x\x00y"})}),
    ("accounts.setAccountInfo", {"UID": "u\x00", "data": "{}"}),
])
def test_nul_and_control_characters_are_400006(gigya_server, method, params):
    body = call(gigya_server, method, **params)
    assert body["errorCode"] == 400006, body
    assert "control character" in body["errorDetails"]
    assert gigya_server.accounts(defaults.DEFAULT_API_KEY).count() == 0


def test_a_multiline_query_is_still_accepted(gigya_server):
    body = call(gigya_server, "accounts.search", query="SELECT *\nFROM accounts\tWHERE isActive = true")
    assert body["errorCode"] == 0
