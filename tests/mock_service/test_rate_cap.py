"""The mock's per-API-key rate cap: a token bucket answering 403048 beyond N calls/s.

The unit tests drive the bucket with a simulated clock (exact counts, no sleeping); the adapter
tests check the refusal reaches a client as Gigya's envelope, through the HTTP server, the
in-process mock, the control plane and `mock-gigya serve --rate-cap`.
"""

from __future__ import annotations

import time

import pytest
import requests
from click.testing import CliRunner

from mock_gigya import defaults
from mock_gigya.inprocess import mock_gigya
from mock_gigya.rate_cap import RateCap
from mock_gigya.server import MockServer, main

CREDS = {"apiKey": defaults.DEFAULT_API_KEY, "userKey": defaults.DEFAULT_USER_KEY, "secret": defaults.DEFAULT_SECRET}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_full_bucket_admits_one_second_of_calls_then_refuses():
    clock = Clock()
    cap = RateCap(10, clock=clock)
    assert [cap.admit("3_a") for _ in range(11)] == [True] * 10 + [False]
    clock.now += 0.1  # one token back
    assert [cap.admit("3_a") for _ in range(2)] == [True, False]
    assert cap.refused == {"3_a": 2}


def test_a_key_calling_over_its_rate_gets_exactly_the_rate_through():
    clock = Clock()
    cap = RateCap(20, clock=clock)
    admitted = 0
    for _ in range(50 * 10):  # 50 calls/s for 10 s against 20/s
        admitted += cap.admit("3_a")
        clock.now += 1 / 50
    # the first second's burst (20) plus 20/s for the 10 s (the last token is still refilling)
    assert 20 * 10 + 20 - 1 <= admitted <= 20 * 10 + 20


def test_refused_calls_take_nothing_so_retrying_at_once_does_not_starve_the_key():
    clock = Clock()
    cap = RateCap(5, clock=clock)
    for _ in range(5):
        assert cap.admit("3_a")
    for _ in range(100):  # a storm of immediate retries
        assert not cap.admit("3_a")
    clock.now += 0.2
    assert cap.admit("3_a")


class Sites:
    """Just the site lookups RateCap makes: rateCap options per key and server-wide."""

    def __init__(self, **rates):
        self.options = {key: {"rateCap": rate} for key, rate in rates.items()}
        self.server_options = {}

    def has_site(self, api_key):
        return api_key in self.options

    def site(self, api_key):
        return type("Site", (), {"options": self.options[api_key]})()


def test_each_key_has_its_own_bucket_and_its_site_option_sets_its_rate():
    clock = Clock()
    cap = RateCap(clock=clock)
    sites = Sites(**{"3_a": 2, "3_b": 2, "3_slow": 1, "3_free": 0})
    assert [cap.admit("3_a", sites) for _ in range(3)] == [True, True, False]
    assert [cap.admit("3_b", sites) for _ in range(3)] == [True, True, False]
    assert [cap.admit("3_slow", sites) for _ in range(2)] == [True, False]
    assert all(cap.admit("3_free", sites) for _ in range(50))  # 0: no cap
    assert all(cap.admit("3_unknown", sites) for _ in range(50))  # not a site: auth refuses it, not the cap
    sites.server_options["rateCap"] = 1  # server-wide: applies to sites with no option of their own
    sites.options["3_free"] = {}
    cap.forget("3_free")
    assert [cap.admit("3_free", sites) for _ in range(2)] == [True, False]
    sites.options["3_slow"]["rateCap"] = 5  # a changed option is read again within a second
    clock.now += 1.0
    assert cap.rate_of("3_slow", sites) == 5


def test_a_rate_that_is_not_positive_is_refused():
    for rate in (0, -1, float("nan")):
        with pytest.raises(ValueError, match="positive"):
            RateCap(rate)
    with pytest.raises(ValueError, match="rateCap"):
        from mock_gigya.site_options import validate_options

        validate_options({"rateCap": -3})


def test_http_server_answers_403048_envelopes_beyond_the_cap():
    with MockServer(https_proxy=False) as server:
        server.backend.server_options["rateCap"] = 5
        with requests.Session() as session:
            started = time.monotonic()
            bodies = [session.post(f"{server.url}/accounts.search",
                                   data={**CREDS, "query": "SELECT count(*) FROM accounts"}, timeout=10).json()
                      for _ in range(20)]
            elapsed = time.monotonic() - started
            control = session.post(f"{server.url}/__mock__/state", timeout=10)
        state = server.state()
    codes = [body["errorCode"] for body in bodies]
    # the full 5-token bucket, plus what refilled at 5/s while the calls were made
    assert 5 <= codes.count(0) <= 5 + 5 * elapsed + 1 and codes.count(403048) == 20 - codes.count(0)
    refused = next(body for body in bodies if body["errorCode"])
    assert refused["errorMessage"] == "Api rate limit exceeded" and refused["statusCode"] == 403
    assert "5 calls/s per API key" in refused["errorDetails"]
    assert control.status_code == 404  # the control plane is not capped (and state is a GET)
    assert state["rateCap"]["refused"] == {defaults.DEFAULT_API_KEY: codes.count(403048)}


def test_a_site_option_caps_one_site_only_in_process_and_through_the_control_plane():
    with mock_gigya(default_site=False) as mock:
        mock.add_site("3_capped", user_key="UK", secret="c2VjcmV0", options={"rateCap": 3})
        answer = requests.post("https://accounts.us1.gigya.com/__mock__/sites", timeout=10,
                               json={"apiKey": "3_free", "partnerId": mock.backend.site("3_capped").partner_id})
        assert answer.status_code == 200
        bad = requests.post("https://accounts.us1.gigya.com/__mock__/sites", timeout=10,
                            json={"apiKey": "3_bad", "options": {"rateCap": "fast"}})
        assert bad.status_code == 400 and "rateCap" in bad.json()["error"]

        def codes(api_key):
            return [requests.post("https://accounts.us1.gigya.com/accounts.getPolicies", timeout=10,
                                  data={"apiKey": api_key, "userKey": "UK", "secret": "c2VjcmV0"}).json()["errorCode"]
                    for _ in range(10)]

        started = time.monotonic()
        capped = codes("3_capped")
        elapsed = time.monotonic() - started
        free = codes("3_free")
        # 3 tokens, plus 3/s refilled while the calls were made
        assert capped[:3] == [0, 0, 0] and capped.count(0) <= 3 + 3 * elapsed + 1
        assert capped.count(403048) == 10 - capped.count(0) >= 1
        assert free == [0] * 10
        assert mock.state()["rateCap"]["refused"] == {"3_capped": capped.count(403048)}
        mock.reset()
        assert mock.state()["rateCap"]["refused"] == {}


def test_serve_refuses_a_bad_rate_cap_and_documents_it():
    runner = CliRunner()
    refused = runner.invoke(main, ["serve", "--rate-cap", "0", "--port", "0"])  # 0 is the option's "none"
    assert refused.exit_code == 2 and "--rate-cap" in refused.output
    assert "--rate-cap" in runner.invoke(main, ["serve", "--help"]).output


def test_serve_rate_cap_in_a_real_process():
    from tests.mock_service.test_serve_command import Served

    served = Served("--rate-cap", "4", "--no-https-proxy")
    try:
        assert any("rate cap:     4 calls/s per API key" in line for line in served.banner)
        started = time.monotonic()
        codes = [served.post("accounts.getPolicies")["errorCode"] for _ in range(12)]
        elapsed = time.monotonic() - started
    finally:
        served.kill()
    assert codes[:4] == [0] * 4 and codes.count(0) <= 4 + 4 * elapsed + 1
    assert codes.count(403048) == 12 - codes.count(0) >= 1
