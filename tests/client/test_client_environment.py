"""The client's own session reads proxy and CA settings from the environment once per host.

requests re-reads every proxy and CA variable of ``os.environ`` on each call (a third of a call's
CPU in benchmarks/bench_client.py); GigyaClient resolves them once per scheme and host and passes
them explicitly, so ``HTTP_PROXY`` / ``NO_PROXY`` / ``REQUESTS_CA_BUNDLE`` still work as requests
documents them.
"""

from urllib.parse import parse_qs

import requests

from gigya_migrate.client import GigyaClient
from mock_gigya import defaults
from mock_gigya.server import MockServer


def test_http_proxy_from_the_environment_reaches_the_mock_as_a_proxy(monkeypatch):
    with MockServer(https_proxy=False) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        # a Gigya host over http with a signed request (no secret leaves the machine in clear)
        client = GigyaClient(defaults.DEFAULT_API_KEY, user_key=defaults.DEFAULT_USER_KEY,
                             secret=defaults.DEFAULT_SECRET, sign_requests=True,
                             base_url="http://accounts.us1.gigya.com", max_retries=0)
        assert client.get_policies()  # answered by the mock, reached as the proxy
        # read once per host: a later change of the environment does not reach this client
        monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
        assert client.get_policies()
        client.close()


def test_no_proxy_and_the_ca_bundle_are_resolved_like_requests_does(monkeypatch, tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not used: the request never leaves")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "accounts.eu1.gigya.com")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    client = GigyaClient(defaults.DEFAULT_API_KEY, user_key="UK", secret=defaults.DEFAULT_SECRET)
    expected = requests.Session().merge_environment_settings("https://accounts.us1.gigya.com/x", {}, None, None, None)
    us1 = client._environment("https://accounts.us1.gigya.com/accounts.getPolicies")
    assert us1["proxies"] == expected["proxies"] and us1["proxies"]["https"] == "http://127.0.0.1:9"
    assert us1["verify"] == str(bundle)
    eu1 = client._environment("https://accounts.eu1.gigya.com/accounts.getPolicies")
    assert "https" not in eu1["proxies"]  # NO_PROXY
    client.close()


def test_the_form_body_is_what_requests_would_have_encoded():
    sent = {}

    class Capture(requests.adapters.HTTPAdapter):
        def send(self, request, **kwargs):
            sent.update(data=request.body, headers=request.headers)
            raise requests.ConnectionError("captured")

    client = GigyaClient(defaults.DEFAULT_API_KEY, user_key="UK", secret=defaults.DEFAULT_SECRET,
                         base_url="http://127.0.0.1:9", max_retries=0)
    client._session.mount("http://", Capture())
    try:
        client.call("accounts.search", query='SELECT * FROM accounts WHERE profile.email = "a+b@example.com" & é')
    except Exception:  # noqa: BLE001 - the capture raises
        pass
    decoded = {k: v[0] for k, v in parse_qs(sent["data"], keep_blank_values=True).items()}
    assert decoded["query"] == 'SELECT * FROM accounts WHERE profile.email = "a+b@example.com" & é'
    # byte for byte what requests makes of the same fields
    assert requests.Request("POST", "http://x/", data=decoded).prepare().body == sent["data"]
    assert sent["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
