"""Credential modes on the wire: userKey+secret, HMAC-signed, RS256 JWT bearer; thread safety."""

import base64
import hashlib
import hmac
import threading
from urllib.parse import quote

import jwt
import pytest
from client_wire import API_KEY, BASE, SECRET, USER_KEY, ok, sent
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gigya_migrate.client import GigyaClient


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(key, fmt) -> str:
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode()


def _hand_signature(url: str, params: dict, secret: str) -> str:
    unsigned = {k: v for k, v in params.items() if k != "sig"}
    qs = "&".join(f"{k}={quote(unsigned[k], safe='')}" for k in sorted(unsigned))
    base = "POST&" + quote(url, safe="") + "&" + quote(qs, safe="")
    return base64.b64encode(hmac.new(base64.b64decode(secret), base.encode(), hashlib.sha1).digest()).decode()


@pytest.mark.parametrize("url, options", [
    (f"{BASE}/accounts.search", {}),
    ("http://127.0.0.1:8080/accounts.search", {"base_url": "http://127.0.0.1:8080"}),
])
def test_signed_request_has_no_secret_and_a_valid_signature(rsps, make_client, clock, url, options):
    rsps.post(url, json=ok(results=[]))
    make_client(sign_requests=True, **options).search("SELECT * FROM accounts WHERE profile.email = \"é@x.com\"")
    params = sent(rsps.calls[0])
    assert "secret" not in params and SECRET not in rsps.calls[0].request.body
    assert params["apiKey"] == API_KEY and params["userKey"] == USER_KEY
    assert params["timestamp"] == str(int(clock.now)) and params["nonce"]
    assert params["sig"] == _hand_signature(url, params, SECRET)


def test_signing_needs_a_secret():
    with pytest.raises(ValueError, match="needs the secret to sign with"):
        GigyaClient(API_KEY, user_key=USER_KEY, sign_requests=True)


@pytest.mark.parametrize("fmt", [serialization.PrivateFormat.TraditionalOpenSSL, serialization.PrivateFormat.PKCS8])
def test_bearer_jwt(rsps, make_client, clock, rsa_key, fmt):
    client = make_client(secret=None, private_key=_pem(rsa_key, fmt))
    rsps.post(f"{BASE}/accounts.getAccountInfo", json=ok(UID="u1"))
    client.get_account_info("u1")
    client.get_account_info("u1")
    tokens = []
    for call in rsps.calls:
        scheme, token = call.request.headers["Authorization"].split(" ")
        assert scheme == "Bearer"
        header = jwt.get_unverified_header(token)
        assert header["alg"] == "RS256" and header["kid"] == USER_KEY and header["typ"] == "JWT"
        claims = jwt.decode(token, rsa_key.public_key(), algorithms=["RS256"])
        assert claims["iat"] == int(clock.now) and set(claims) == {"iat", "jti"}
        tokens.append(claims["jti"])
        params = sent(call)
        assert params["apiKey"] == API_KEY and "secret" not in params and "sig" not in params
    assert tokens[0] != tokens[1]
    assert client.auth_mode == "bearer"


def test_bearer_accepts_a_bare_pkcs8_body(rsps, make_client, rsa_key):
    pem = _pem(rsa_key, serialization.PrivateFormat.PKCS8)
    body = "".join(line for line in pem.splitlines() if "-----" not in line)
    client = make_client(secret=None, private_key=body)
    rsps.post(f"{BASE}/accounts.logout", json=ok())
    client.logout("u1")
    token = rsps.calls[0].request.headers["Authorization"].split(" ")[1]
    jwt.decode(token, rsa_key.public_key(), algorithms=["RS256"])


def test_bad_private_key_message_does_not_echo_it():
    with pytest.raises(ValueError) as info:
        GigyaClient(API_KEY, user_key=USER_KEY, private_key="-----BEGIN PRIVATE KEY-----\nnotakey\n-----END PRIVATE KEY-----")
    assert "notakey" not in str(info.value)


def test_bearer_needs_user_key(rsa_key):
    with pytest.raises(ValueError, match="user_key"):
        GigyaClient(API_KEY, private_key=_pem(rsa_key, serialization.PrivateFormat.PKCS8))


def test_anonymous_sends_only_api_key(rsps):
    rsps.post(f"{BASE}/accounts.getJWTPublicKey", json=ok(keys=[]))
    GigyaClient(API_KEY).call("accounts.getJWTPublicKey")
    params = sent(rsps.calls[0])
    assert params["apiKey"] == API_KEY and not {"userKey", "secret", "sig"} & params.keys()


def test_repr_has_no_secret(make_client, rsa_key):
    assert SECRET not in repr(make_client()) and SECRET not in repr(make_client(sign_requests=True))
    pem = _pem(rsa_key, serialization.PrivateFormat.PKCS8)
    assert "PRIVATE" not in repr(make_client(secret=None, private_key=pem))


def test_injected_session_is_used_and_left_open(rsps):
    import requests

    session = requests.Session()
    session.headers["X-Test"] = "yes"
    rsps.post(f"{BASE}/accounts.logout", json=ok())
    with GigyaClient(API_KEY, session=session) as client:
        client.logout("u1")
    assert rsps.calls[0].request.headers["X-Test"] == "yes"
    session.get  # still usable: closing the client does not close an injected session  # noqa: B018


def test_one_client_shared_by_threads(rsps, make_client):
    client = make_client(sign_requests=True)
    rsps.add_callback("POST", f"{BASE}/accounts.getAccountInfo", callback=lambda req: (200, {}, _echo_uid(req)))
    results, errors = [], []

    def worker(n):
        try:
            for i in range(20):
                uid = f"u{n}-{i}"
                results.append((uid, client.get_account_info(uid).uid))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 160 and all(a == b for a, b in results)
    nonces = [sent(c)["nonce"] for c in rsps.calls]
    assert len(set(nonces)) == 160


def _echo_uid(request):
    import json
    from urllib.parse import parse_qs

    return json.dumps(ok(UID=parse_qs(request.body)["UID"][0]))
