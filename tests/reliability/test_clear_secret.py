"""The client never sends ``secret=`` in clear text off the machine (plain http to a non-loopback host)."""

import pytest
import responses
from click.testing import CliRunner

from gigya_migrate.cli import main
from gigya_migrate.client import GigyaClient
from gigya_migrate.loopback import ClearTextSecret, is_loopback_url

SECRET = "c2VjcmV0LWtub3duLXRvLXRlc3Q="


@pytest.mark.parametrize("base_url", [
    "http://accounts.us1.gigya.com", "HTTP://accounts.eu1.gigya.com/", "http://10.0.0.7:8080",
    "http://0.0.0.0:8080", "http://mock.internal", "http://[2001:db8::1]:8080",
])
def test_plain_http_off_the_machine_with_a_secret_is_refused(base_url):
    with pytest.raises(ClearTextSecret) as refused:
        GigyaClient("3_k", user_key="AK", secret=SECRET, base_url=base_url)
    message = str(refused.value)
    assert "https://" in message and "sign" in message and SECRET not in message


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:8080", "http://localhost:9", "http://[::1]:8080",
                                      "http://127.0.0.2", "https://accounts.us1.gigya.com", "https://10.0.0.7"])
def test_https_or_loopback_is_allowed(base_url):
    GigyaClient("3_k", user_key="AK", secret=SECRET, base_url=base_url)


@responses.activate
def test_signing_over_plain_http_sends_no_secret():
    responses.post("http://mock.internal/accounts.getPolicies", json={"errorCode": 0, "statusCode": 200})
    client = GigyaClient("3_k", user_key="AK", secret=SECRET, base_url="http://mock.internal", sign_requests=True)
    client.get_policies()
    body = responses.calls[0].request.body
    assert "sig=" in body and "secret=" not in body and SECRET not in body


@responses.activate
def test_a_redirect_is_not_followed_with_the_secret():
    """A 307 from an https endpoint to plain http would replay the form body there."""
    responses.post("https://accounts.us1.gigya.com/accounts.getPolicies", status=307,
                   headers={"Location": "http://evil.example/accounts.getPolicies"})
    client = GigyaClient("3_k", user_key="AK", secret=SECRET, max_retries=0)
    with pytest.raises(Exception):
        client.get_policies()
    assert [call.request.url for call in responses.calls] == ["https://accounts.us1.gigya.com/accounts.getPolicies"]


def test_loopback_urls():
    assert is_loopback_url("http://127.0.0.1:1") and is_loopback_url("http://localhost")
    assert not is_loopback_url("http://127.0.0.1.nip.io") and not is_loopback_url("http://192.168.0.1")


@pytest.mark.parametrize("how", ["option", "env"])
def test_cli_refuses_with_exit_2_and_says_how_to_fix(how, tmp_path):
    args = ["export", "--where", "isRegistered = true", "--out", str(tmp_path / "out.jsonl"),
            "--api-key", "3_k", "--user-key", "AK", "--secret", SECRET]
    env = {}
    if how == "option":
        args += ["--base-url", "http://accounts.us1.gigya.com"]
    else:
        env["GIGYA_BASE_URL"] = "http://accounts.us1.gigya.com"
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 2, result.output
    assert "clear text" in result.output and "--sign-requests" in result.output
    assert SECRET not in result.output and "Traceback" not in result.output
