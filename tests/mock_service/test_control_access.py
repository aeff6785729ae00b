"""The /__mock__/ control plane is locked by a token whenever the server listens beyond loopback."""

import pytest
import requests
from click.testing import CliRunner

from mock_gigya import defaults
from mock_gigya.access import ControlAccess, is_loopback_host
from mock_gigya.server import MockServer, main

CREDS = {"apiKey": defaults.DEFAULT_API_KEY, "userKey": defaults.DEFAULT_USER_KEY, "secret": defaults.DEFAULT_SECRET}


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.1.2.3", True), ("localhost", True), ("::1", True), ("[::1]", True),
    ("::ffff:127.0.0.1", True), ("0.0.0.0", False), ("::", False), ("", False), ("192.168.1.20", False),
    ("10.0.0.5", False), ("mock.example.org", False),
])
def test_loopback_hosts(host, loopback):
    assert is_loopback_host(host) is loopback


def test_loopback_bind_is_open_unless_a_token_is_given():
    assert not ControlAccess.for_bind("127.0.0.1").locked
    assert ControlAccess.for_bind("127.0.0.1").allows({})
    given = ControlAccess.for_bind("127.0.0.1", "t0k")
    assert given.locked and given.token == "t0k" and not given.generated


def test_beyond_loopback_a_token_is_generated_each_time():
    first, second = ControlAccess.for_bind("0.0.0.0"), ControlAccess.for_bind("0.0.0.0")
    assert first.locked and first.generated and len(first.token) >= 24
    assert first.token != second.token
    assert first.token not in repr(first)


@pytest.mark.parametrize("environ, allowed", [
    ({}, False),
    ({"HTTP_X_MOCK_TOKEN": "s3cr3t-token"}, True),
    ({"HTTP_X_MOCK_TOKEN": "s3cr3t-tokeN"}, False),
    ({"HTTP_AUTHORIZATION": "Bearer s3cr3t-token"}, True),
    ({"HTTP_AUTHORIZATION": "bearer s3cr3t-token"}, True),
    ({"HTTP_AUTHORIZATION": "Basic s3cr3t-token"}, False),
    ({"HTTP_COOKIE": "other=1; mock_token=s3cr3t-token"}, True),
    ({"HTTP_COOKIE": "mock_token=wrong"}, False),
    ({"HTTP_COOKIE": "\x00broken;;=="}, False),
])
def test_the_token_travels_as_header_bearer_or_cookie(environ, allowed):
    assert ControlAccess("s3cr3t-token").allows(environ) is allowed


@pytest.fixture
def open_to_lan():
    """A real server bound to every interface (reached here through loopback)."""
    with MockServer(host="0.0.0.0", https_proxy=False) as server:
        server.local = server.url.replace("0.0.0.0", "127.0.0.1")
        yield server


def test_every_control_action_answers_401_without_the_token(open_to_lan):
    for verb, action in [("GET", "state"), ("POST", "reset"), ("POST", "seed"), ("POST", "keys"),
                         ("DELETE", "faults"), ("GET", "ui"), ("GET", "nothing-here")]:
        response = requests.request(verb, f"{open_to_lan.local}/__mock__/{action}", json={}, timeout=10)
        assert response.status_code == 401, action
        assert "X-Mock-Token" in response.json()["howToPassToken"]
    assert open_to_lan.accounts(defaults.DEFAULT_API_KEY).count() == 0  # nothing was seeded or wiped


def test_the_token_opens_the_control_plane_and_the_api_needs_none(open_to_lan):
    token = open_to_lan.access.token
    assert open_to_lan.app.access is open_to_lan.access
    state = requests.get(f"{open_to_lan.local}/__mock__/state", headers={"X-Mock-Token": token}, timeout=10)
    assert state.status_code == 200 and state.json()["sites"]
    bearer = requests.get(f"{open_to_lan.local}/__mock__/state", headers={"Authorization": f"Bearer {token}"},
                          timeout=10)
    assert bearer.status_code == 200
    body = requests.post(f"{open_to_lan.local}/accounts.search",
                         data={**CREDS, "query": "SELECT count(*) FROM accounts"}, timeout=10).json()
    assert body["errorCode"] == 0


def test_the_proxy_form_of_the_control_path_is_locked_too(open_to_lan):
    """A client using the mock as its http proxy addresses http://accounts.us1.gigya.com/__mock__/state."""
    proxies = {"http": open_to_lan.local}
    response = requests.get("http://accounts.us1.gigya.com/__mock__/state", proxies=proxies, timeout=10)
    assert response.status_code == 401


def test_cli_commands_send_the_token(open_to_lan, monkeypatch):
    runner = CliRunner()
    refused = runner.invoke(main, ["state", "--url", open_to_lan.local])
    assert refused.exit_code == 1 and "--control-token" in refused.output
    given = runner.invoke(main, ["seed", "3", "--url", open_to_lan.local, "--control-token", open_to_lan.access.token])
    assert given.exit_code == 0, given.output
    monkeypatch.setenv("MOCK_GIGYA_CONTROL_TOKEN", open_to_lan.access.token)
    from_env = runner.invoke(main, ["state", "--url", open_to_lan.local])
    assert from_env.exit_code == 0 and '"accounts": 3' in from_env.output


def test_loopback_server_with_an_explicit_token_is_locked():
    with MockServer(https_proxy=False, control_token="chosen") as server:
        assert requests.get(f"{server.url}/__mock__/state", timeout=10).status_code == 401
        assert requests.get(f"{server.url}/__mock__/state", headers={"X-Mock-Token": "chosen"},
                            timeout=10).status_code == 200


def _banner(*args: str) -> str:
    """Start `mock-gigya serve` with args on a free port, read its banner, stop it."""
    import os
    import subprocess
    import sys

    command = [sys.executable, "-c", "from mock_gigya.server import main; main()", "serve", "--port", "0",
               "--no-https-proxy", *args]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("MOCK_GIGYA_CONTROL_TOKEN", None)
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl+C"):
                break
    finally:
        proc.kill()
        proc.wait(timeout=10)
    return "".join(lines)


def test_serve_beyond_loopback_prints_a_generated_token_once_and_never_a_given_one():
    generated = _banner("--host", "0.0.0.0")
    token_lines = [line for line in generated.splitlines() if "control token:" in line]
    assert len(token_lines) == 1 and "generated for this run" in token_lines[0]
    token = token_lines[0].split("control token:", 1)[1].split()[0]
    assert generated.count(token) == 1 and len(token) >= 24
    chosen = _banner("--host", "0.0.0.0", "--control-token", "my-chosen-token-123")
    assert "my-chosen-token-123" not in chosen and "as given with --control-token" in chosen


def test_serve_help_documents_the_token():
    text = CliRunner().invoke(main, ["serve", "--help"]).output
    assert "--control-token" in text and "MOCK_GIGYA_CONTROL_TOKEN" in text and "beyond loopback" in text
