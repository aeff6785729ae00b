"""Credentials: userKey + secret, signed requests (H2's signing module), JWT bearer, anonymous calls,
wrong keys, secret over HTTP, data centers. Every failure is a Gigya envelope."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from urllib.parse import quote, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mock_gigya import api
from mock_gigya.backend import Backend

API_KEY, USER_KEY, SECRET = "3_mock_site", "AMockUserKey", "bW9jay1naWd5YS1zZWNyZXQ="
URL = "https://accounts.us1.gigya.com/accounts.getPolicies"


def _handle(backend, method="accounts.getPolicies", params=None, **kw):
    return api.handle(backend, method, params or {}, **kw)[1]


def _hand_sig(url, params, secret=SECRET):
    """Gigya's request signature made by hand as the SDKs do (gigya-api.md section 2.2), not with our
    signing module: base string POST&enc(normalised url)&enc(sorted k=v), HMAC-SHA1 with the decoded secret."""
    parts = urlsplit(url)
    host = parts.hostname + (f":{parts.port}" if parts.port not in (None, 80, 443) else "")
    query = "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in sorted(params.items()))
    base = "POST&" + quote(f"{parts.scheme}://{host}{parts.path}", safe="~") + "&" + quote(query, safe="~")
    return base64.b64encode(hmac.new(base64.b64decode(secret), base.encode(), hashlib.sha1).digest()).decode()


def _signed(clock, url=URL, secret=SECRET, **extra):
    params = {"apiKey": API_KEY, "userKey": USER_KEY, "format": "json", **extra,
              "timestamp": str(int(clock())), "nonce": uuid.uuid4().hex}
    return {**params, "sig": _hand_sig(url, params, secret)}


@pytest.mark.parametrize(
    "params, code",
    [
        ({}, 400002),
        ({"apiKey": "3_nope", "userKey": USER_KEY, "secret": SECRET}, 400093),
        ({"apiKey": API_KEY, "userKey": "unknown", "secret": SECRET}, 403005),
        ({"apiKey": API_KEY, "userKey": USER_KEY, "secret": "d3Jvbmc="}, 403003),
        ({"apiKey": API_KEY, "secret": SECRET}, 403005),
        ({"apiKey": API_KEY, "userKey": USER_KEY}, 400002),
        ({"apiKey": API_KEY}, 403007),
        ({"apiKey": API_KEY, "userKey": USER_KEY, "secret": SECRET}, 0),
    ],
)
def test_key_and_secret(backend, params, code):
    body = _handle(backend, params=params)
    assert body["errorCode"] == code
    if code:
        assert body["errorMessage"] and body["callId"]


def test_app_key_of_another_partner_is_refused(backend: Backend):
    backend.add_app_key("OtherPartnerKey", "b3RoZXI=", partner_id="partner-2")
    body = _handle(backend, params={"apiKey": API_KEY, "userKey": "OtherPartnerKey", "secret": "b3RoZXI="})
    assert body["errorCode"] == 403005
    backend.add_site("3_p2", partner_id="partner-2")
    assert _handle(backend, params={"apiKey": "3_p2", "userKey": "OtherPartnerKey", "secret": "b3RoZXI="})["errorCode"] == 0


@pytest.mark.parametrize(
    "url, code",
    [
        ("http://accounts.us1.gigya.com/accounts.getPolicies", 403006),
        ("http://127.0.0.1:8080/accounts.getPolicies", 0),
        ("http://localhost:8080/accounts.getPolicies", 0),
        ("http://[::1]:9000/accounts.getPolicies", 0),
        ("https://accounts.us1.gigya.com/accounts.getPolicies", 0),
        ("https://accounts.eu1.gigya.com/accounts.getPolicies", 301001),
    ],
)
def test_secret_over_http_and_data_center(backend, url, code):
    body = _handle(backend, params={"apiKey": API_KEY, "userKey": USER_KEY, "secret": SECRET}, url=url)
    assert body["errorCode"] == code


def test_signed_request_accepted_and_replay_refused(backend, clock):
    params = _signed(clock)
    assert "secret" not in params
    assert _handle(backend, params=params, url=URL)["errorCode"] == 0
    assert _handle(backend, params=params, url=URL)["errorCode"] == 403004


def test_signed_request_without_url_uses_the_sdk_default(backend, clock):
    assert _handle(backend, params=_signed(clock))["errorCode"] == 0


def test_signature_checked_against_addressed_url_either_scheme(backend, clock):
    local = "http://127.0.0.1:8080/accounts.getPolicies"
    signed_https = _signed(clock, url="https://127.0.0.1:8080/accounts.getPolicies")
    assert _handle(backend, params=signed_https, url=local)["errorCode"] == 0
    signed_other_host = _signed(clock, url="https://accounts.us1.gigya.com/accounts.getPolicies")
    assert _handle(backend, params=signed_other_host, url=local)["errorCode"] == 403003


def test_signed_request_errors(backend, clock):
    tampered = {**_signed(clock), "format": "xml"}
    assert _handle(backend, params={**tampered, "format": "json", "cid": "x"}, url=URL)["errorCode"] == 403003
    stale = _signed(lambda: clock() - 300)
    assert _handle(backend, params=stale, url=URL)["errorCode"] == 403002
    wrong_secret = _signed(clock, secret="d3Jvbmc=")
    assert _handle(backend, params=wrong_secret, url=URL)["errorCode"] == 403003
    no_nonce = {k: v for k, v in _signed(clock).items() if k != "nonce"}
    assert _handle(backend, params=no_nonce, url=URL)["errorCode"] == 400002


def test_timestamp_in_milliseconds_is_accepted(backend, clock):
    params = {"apiKey": API_KEY, "userKey": USER_KEY, "timestamp": str(int(clock() * 1000)), "nonce": uuid.uuid4().hex}
    params["sig"] = _hand_sig(URL, params)
    assert _handle(backend, params=params, url=URL)["errorCode"] == 0


@pytest.fixture(scope="module")
def rsa_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem_public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return key, pem_public


def _bearer(key, iat, kid="JwtAppKey", jti=None):
    token = jwt.encode({"iat": int(iat), "jti": jti or str(uuid.uuid4())}, key, algorithm="RS256",
                       headers={"kid": kid, "typ": "JWT"})
    return {"Authorization": f"Bearer {token}"}


def test_jwt_bearer(backend: Backend, clock, rsa_key):
    key, public = rsa_key
    backend.add_app_key("JwtAppKey", public_key=public)
    params = {"apiKey": API_KEY}
    assert _handle(backend, params=params, headers=_bearer(key, clock()))["errorCode"] == 0
    assert _handle(backend, params=params, headers=_bearer(key, clock() - 600))["errorCode"] == 403002
    assert _handle(backend, params=params, headers=_bearer(key, clock(), kid="unknown"))["errorCode"] == 403005
    replay = _bearer(key, clock(), jti="same")
    assert _handle(backend, params=params, headers=replay)["errorCode"] == 0
    assert _handle(backend, params=params, headers=replay)["errorCode"] == 403004
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert _handle(backend, params=params, headers=_bearer(other, clock()))["errorCode"] == 403003
    assert _handle(backend, params=params, headers={"authorization": "Bearer not.a.jwt"})["errorCode"] == 403003


def test_anonymous_client_calls(backend: Backend):
    backend.seed_account(API_KEY, UID="u1", loginIDs={"emails": ["a@example.com"]}, password="Passw0rd!")
    login = _handle(backend, "accounts.login", {"apiKey": API_KEY, "loginID": "a@example.com", "password": "Passw0rd!"})
    assert login["errorCode"] == 0
    available = _handle(backend, "accounts.isAvailableLoginID", {"apiKey": API_KEY, "loginID": "b@example.com"})
    assert available["isAvailable"] is True
    assert _handle(backend, "accounts.deleteAccount", {"apiKey": API_KEY, "UID": "u1"})["errorCode"] == 403007


def test_audit_records_signed_calls_without_sig(backend, clock):
    _handle(backend, params=_signed(clock), url=URL)
    status, body = api.handle(backend, "audit.search", {"apiKey": API_KEY, "userKey": USER_KEY, "secret": SECRET,
                                                        "query": "SELECT * FROM auditLog"}, remote_addr="10.1.2.3")
    first = body["results"][0]
    assert first["endpoint"] == "accounts.getPolicies" and first["userKey"] == USER_KEY
    assert "sig" not in first["params"] and "nonce" not in first["params"] and "timestamp" in first["params"]
