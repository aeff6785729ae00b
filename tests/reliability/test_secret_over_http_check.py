"""403006 (secret over plain http) judges the real connection, never the Host header a client sets."""

import io
import json
from urllib.parse import urlencode

import pytest

from mock_gigya import defaults
from mock_gigya.server import MockServer

CREDS = {"apiKey": defaults.DEFAULT_API_KEY, "userKey": defaults.DEFAULT_USER_KEY, "secret": defaults.DEFAULT_SECRET}


@pytest.fixture(scope="module")
def app():
    server = MockServer(https_proxy=False)  # never bound: its WSGI app is called with crafted environs
    yield server.app


def call(app, *, remote: str, host: str, scheme: str = "http", forwarded: str | None = None, **params) -> dict:
    body = urlencode({**CREDS, "query": "SELECT count(*) FROM accounts", **params}).encode()
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/accounts.search", "QUERY_STRING": "",
        "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body)),
        "SERVER_NAME": "0.0.0.0", "SERVER_PORT": "8080", "REMOTE_ADDR": remote, "HTTP_HOST": host,
        "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": scheme,
    }
    if forwarded:
        environ["HTTP_X_FORWARDED_PROTO"] = forwarded
    return json.loads(b"".join(app(environ, lambda *a: None)))


@pytest.mark.parametrize("host, forwarded", [
    ("127.0.0.1:8080", None),                  # the spoof the hostile test used
    ("localhost:8080", None),
    ("accounts.us1.gigya.com", None),          # taken as https for signatures: still plain here
    ("accounts.us1.gigya.com", "https"),       # a header anyone can send
])
def test_a_secret_from_another_machine_over_plain_http_is_403006(app, host, forwarded):
    body = call(app, remote="192.0.2.50", host=host, forwarded=forwarded)
    assert body["errorCode"] == 403006


def test_the_same_call_from_this_machine_or_over_tls_is_accepted(app):
    assert call(app, remote="127.0.0.1", host="127.0.0.1:8080")["errorCode"] == 0
    assert call(app, remote="::1", host="[::1]:8080")["errorCode"] == 0
    assert call(app, remote="192.0.2.50", host="accounts.us1.gigya.com", scheme="https")["errorCode"] == 0


def test_a_signed_call_from_another_machine_is_not_affected(app):
    """Signing never sends the secret, so plain http is fine (the 403006 rule is about the secret)."""
    from gigya_migrate.signing import sign_params

    url = "http://192.0.2.2:8080/accounts.search"
    params = sign_params({"apiKey": CREDS["apiKey"], "userKey": CREDS["userKey"],
                          "query": "SELECT count(*) FROM accounts"}, url, CREDS["secret"])
    body = urlencode(params).encode()
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/accounts.search", "QUERY_STRING": "",
        "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body)),
        "SERVER_NAME": "0.0.0.0", "SERVER_PORT": "8080", "REMOTE_ADDR": "192.0.2.50", "HTTP_HOST": "192.0.2.2:8080",
        "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http",
    }
    assert json.loads(b"".join(app(environ, lambda *a: None)))["errorCode"] == 0
