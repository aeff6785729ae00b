"""The console's guards over plain HTTP (no browser needed): the listening address only, the
control plane's token when locked, forms only from the console itself, confirmation first."""

import re

import pytest
import requests

from mock_gigya import defaults
from mock_gigya.server import MockServer

TOKEN = "console-test-token-5f1"


@pytest.fixture
def locked():
    with MockServer(control_token=TOKEN) as server:
        yield server


def _form_key(server) -> str:
    page = requests.get(f"{server.url}/__mock__/ui/faults", timeout=30).text
    return re.search(r'name="formKey" value="([^"]+)"', page).group(1)


@pytest.mark.parametrize("host", ["evil.example", "accounts.us1.gigya.com", "127.0.0.1:1"])
def test_only_the_listening_address_gets_the_console(gigya_server, host):
    port = gigya_server.url.rsplit(":", 1)[1]
    name = host if ":" in host else f"{host}:{port}"
    answer = requests.get(f"{gigya_server.url}/__mock__/ui", headers={"Host": name}, timeout=30)
    assert answer.status_code == 404 and defaults.DEFAULT_API_KEY not in answer.text
    assert requests.get(f"{gigya_server.url}/__mock__/ui", timeout=30).status_code == 200
    local = requests.get(f"{gigya_server.url}/__mock__/ui", headers={"Host": f"localhost:{port}"}, timeout=30)
    assert local.status_code == 200 and defaults.DEFAULT_API_KEY in local.text


def test_a_proxy_request_for_another_host_gets_no_console(gigya_server):
    session = requests.Session()
    answer = session.get("http://accounts.us1.gigya.com/__mock__/ui", proxies={"http": gigya_server.url}, timeout=30)
    assert answer.status_code in (401, 404) and "Sites" not in answer.text


def test_forms_need_the_console_key_and_origin(gigya_server):
    url = f"{gigya_server.url}/__mock__/ui/faults"
    no_key = requests.post(url, data={"action": "toggle", "field": "error_prob", "value": "on"}, timeout=30)
    assert no_key.status_code == 403
    other_site = requests.post(url, data={"formKey": _form_key(gigya_server), "action": "toggle", "field": "error_prob",
                                          "value": "on"}, headers={"Origin": "http://evil.example"}, timeout=30)
    assert other_site.status_code == 403
    assert gigya_server.faults.state()["random"]["errorProb"] == 0  # nothing was changed
    same = requests.post(url, data={"formKey": _form_key(gigya_server), "action": "toggle", "field": "error_prob",
                                    "value": "on"}, allow_redirects=False, timeout=30)
    assert same.status_code == 303 and gigya_server.faults.state()["random"]["errorProb"] == 1.0


def test_reset_without_its_confirmation_only_asks(gigya_server):
    gigya_server.seed(defaults.DEFAULT_API_KEY, 3)
    answer = requests.post(f"{gigya_server.url}/__mock__/ui/reset", data={"formKey": _form_key(gigya_server)},
                           allow_redirects=False, timeout=30)
    assert answer.status_code == 200 and "cannot be undone" in answer.text
    assert gigya_server.accounts(defaults.DEFAULT_API_KEY).count() == 3


def test_pages_carry_no_script_and_forbid_it():
    with MockServer() as server:
        answer = requests.get(f"{server.url}/__mock__/ui", timeout=30)
    assert "<script" not in answer.text
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["X-Frame-Options"] == "DENY"


def test_locked_console_asks_for_the_token_and_shows_no_data(locked):
    locked.seed(defaults.DEFAULT_API_KEY, 2)
    html = {"Accept": "text/html,application/xhtml+xml"}  # what a browser asks for
    bare = requests.get(f"{locked.url}/__mock__/ui/accounts", headers=html, timeout=30)
    assert bare.status_code == 401 and "needs the control token" in bare.text
    assert defaults.DEFAULT_API_KEY not in bare.text and "@" not in bare.text.split("<main>")[1]
    script = requests.get(f"{locked.url}/__mock__/ui/accounts", timeout=30)  # curl, requests: the JSON answer
    assert script.status_code == 401 and "X-Mock-Token" in script.json()["howToPassToken"]
    wrong = requests.get(f"{locked.url}/__mock__/ui?token=nope", headers=html, timeout=30)
    assert wrong.status_code == 401 and "not the right one" in wrong.text
    assert requests.get(f"{locked.url}/__mock__/state", timeout=30).status_code == 401  # the control plane agrees


def test_right_token_sets_a_strict_httponly_cookie_and_redirects(locked):
    session = requests.Session()
    first = session.get(f"{locked.url}/__mock__/ui/accounts?site={defaults.DEFAULT_API_KEY}&token={TOKEN}",
                        allow_redirects=False, timeout=30)
    assert first.status_code == 303
    assert first.headers["Location"] == f"/__mock__/ui/accounts?site={defaults.DEFAULT_API_KEY}"  # token gone
    cookie = first.headers["Set-Cookie"]
    assert cookie.startswith(f"mock_token={TOKEN};") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = session.get(f"{locked.url}{first.headers['Location']}", timeout=30)
    assert page.status_code == 200 and "account(s) match" in page.text
    assert session.get(f"{locked.url}/__mock__/state", timeout=30).status_code == 200  # same cookie, same rule


def _login_ids_section(server, uid):
    import html
    import json

    page = requests.get(f"{server.url}/__mock__/ui/account", params={"site": defaults.DEFAULT_API_KEY, "uid": uid},
                        timeout=30).text
    section = re.search(r"<h2>Login IDs</h2>\s*<pre>(.*?)</pre>", page, re.S).group(1)
    return json.loads(html.unescape(section))


def test_account_login_ids_are_shown_as_get_account_info_returns_them(gigya_server):
    import json

    from gigya_migrate.client import GigyaClient

    with GigyaClient(defaults.DEFAULT_API_KEY, user_key=defaults.DEFAULT_USER_KEY, secret=defaults.DEFAULT_SECRET,
                     base_url=gigya_server.url) as client:
        client.call("accounts.importFullAccount", UID="username-only", loginIDs=json.dumps({"username": "olduser"}))
        client.call("accounts.importFullAccount", UID="with-email", loginIDs=json.dumps({"emails": ["a@b.example"]}),
                    emails=json.dumps({"verified": ["a@b.example"]}))
        for uid in ("username-only", "with-email"):
            info = client.call("accounts.getAccountInfo", UID=uid, include="loginIDs,emails")
            shown = _login_ids_section(gigya_server, uid)
            # the console's copy of getAccountInfo's groups, an empty one left out (never "emails": null)
            assert shown == {k: info[k] for k in ("loginIDs", "emails") if info[k]}, uid
    assert _login_ids_section(gigya_server, "username-only") == {
        "loginIDs": {"emails": [], "unverifiedEmails": [], "username": "olduser"}}
    assert _login_ids_section(gigya_server, "with-email")["emails"]["verified"] == ["a@b.example"]
