"""Passwords (resetPassword both steps, setAccountInfo password+newPassword, server-side setPassword),
sessions (sessionInfo, logout) and tokens (getJWT verified with PyJWT against getJWTPublicKey)."""

from __future__ import annotations

import base64
import hashlib

import jwt
import pytest

from mock_gigya import api, mailbox
from mock_gigya.defaults import DEFAULT_API_KEY

from .conftest import wire

OLD, NEW = "Old-passw0rd", "N3w-passw0rd"


@pytest.fixture
def uid(backend):
    return backend.seed_account(DEFAULT_API_KEY, loginIDs={"emails": ["ada@example.com"]},
                                emails={"verified": ["ada@example.com"]}, password=OLD)["UID"]


def _anonymous(backend, method, **params):
    return api.handle(backend, method, {"apiKey": DEFAULT_API_KEY, **wire(params)})[1]


def _logs_in(call, password):
    return call("accounts.login", loginID="ada@example.com", password=password)["errorCode"] == 0


def _pbkdf2_sha1_matches(stored: dict, password: str) -> bool:
    """Gigya's native pbkdf2 (PBKDF2-HMAC-SHA1, base64 salt and hash, docs §3), computed with hashlib."""
    salt, expected = base64.b64decode(stored["hashSettings"]["salt"]), base64.b64decode(stored["hash"])
    derived = hashlib.pbkdf2_hmac("sha1", password.encode(), salt, int(stored["hashSettings"]["rounds"]), len(expected))
    return derived == expected


def test_reset_password_by_mailed_token(call, backend, uid):
    assert _anonymous(backend, "accounts.resetPassword", loginID="ada@example.com")["errorCode"] == 0
    [mail] = mailbox.messages(backend, mail_type="passwordReset")
    assert mail["to"] == "ada@example.com" and mail["UID"] == uid and mail["token"] in mail["link"]
    weak = _anonymous(backend, "accounts.resetPassword", passwordResetToken=mail["token"], newPassword="weak")
    assert weak["errorCode"] == 400009
    done = _anonymous(backend, "accounts.resetPassword", passwordResetToken=mail["token"], newPassword=NEW)
    assert done["errorCode"] == 0
    assert not _logs_in(call, OLD) and _logs_in(call, NEW)
    stored = call("accounts.getAccountInfo", UID=uid, include="password")["password"]
    assert stored["hashSettings"]["algorithm"] == "pbkdf2" and _pbkdf2_sha1_matches(stored, NEW)
    again = _anonymous(backend, "accounts.resetPassword", passwordResetToken=mail["token"], newPassword="An0ther-one")
    assert again["errorCode"] == 403025  # single use


def test_reset_token_without_email_expiry_and_unknown_login(call, backend, clock, uid):
    token = call("accounts.resetPassword", loginID="ada@example.com", sendEmail=False)["passwordResetToken"]
    assert token and not mailbox.messages(backend)
    clock.now += 3601
    assert call("accounts.resetPassword", passwordResetToken=token, newPassword=NEW)["errorCode"] == 403025
    assert call("accounts.resetPassword", loginID="nobody@example.com")["errorCode"] == 403047
    assert call("accounts.resetPassword")["errorCode"] == 400002


def test_changed_password_rehashes_with_the_sites_configured_algorithm(call, backend):
    backend.add_site("3_sha", rehash={"algorithm": "pbkdf2_sha256", "rounds": 1000})
    creds = {"apiKey": "3_sha", "userKey": "AMockUserKey", "secret": "bW9jay1naWd5YS1zZWNyZXQ="}
    other = backend.seed_account("3_sha", loginIDs={"emails": ["bo@example.com"]}, password=OLD)["UID"]
    assert call("accounts.setPassword", _creds=creds, UID=other, newPassword=NEW)["errorCode"] == 0
    stored = call("accounts.getAccountInfo", _creds=creds, UID=other, include="password")["password"]
    salt, expected = base64.b64decode(stored["hashSettings"]["salt"]), base64.b64decode(stored["hash"])
    assert stored["hashSettings"] == {"algorithm": "pbkdf2_sha256", "rounds": 1000, "salt": stored["hashSettings"]["salt"]}
    assert hashlib.pbkdf2_hmac("sha256", NEW.encode(), salt, 1000, len(expected)) == expected
    assert call("accounts.login", _creds=creds, loginID="bo@example.com", password=OLD)["errorCode"] == 403042


def test_set_account_info_password_change(call, uid):
    assert call("accounts.setAccountInfo", UID=uid, password="wrong", newPassword=NEW)["errorCode"] == 403042
    assert call("accounts.setAccountInfo", UID=uid, password=OLD, newPassword="short")["errorCode"] == 400009
    assert call("accounts.setAccountInfo", UID=uid, password=OLD, newPassword=OLD)["errorCode"] == 401030
    assert call("accounts.setAccountInfo", UID=uid, password=OLD, newPassword=NEW)["errorCode"] == 0
    assert not _logs_in(call, OLD) and _logs_in(call, NEW)


def test_set_password_is_server_side_only(call, backend, uid):
    assert _anonymous(backend, "accounts.setPassword", UID=uid, newPassword=NEW)["errorCode"] == 403007
    assert call("accounts.setPassword", UID=uid, newPassword="nodigits")["errorCode"] == 400009
    assert call("accounts.setPassword", UID="nobody", newPassword=NEW)["errorCode"] == 403005
    assert call("accounts.setPassword", UID=uid, newPassword=NEW)["errorCode"] == 0
    assert _logs_in(call, NEW) and not _logs_in(call, OLD)


def test_login_session_info_and_logout(call, uid):
    browser = call("accounts.login", loginID="ada@example.com", password=OLD)["sessionInfo"]
    assert set(browser) == {"cookieName", "cookieValue"} and browser["cookieName"] == f"glt_{DEFAULT_API_KEY}"
    mobile = call("accounts.login", loginID="ada@example.com", password=OLD, targetEnv="mobile")["sessionInfo"]
    assert set(mobile) == {"sessionToken", "sessionSecret"} and mobile["sessionToken"] != browser["cookieValue"]
    assert call("accounts.verifyLogin", UID=uid)["UID"] == uid
    assert call("accounts.logout", UID=uid)["errorCode"] == 0
    assert call("accounts.verifyLogin", UID=uid)["errorCode"] == 403005


def test_session_expiration(call, clock, uid):
    call("accounts.login", loginID="ada@example.com", password=OLD, sessionExpiration=60)
    assert call("accounts.verifyLogin", UID=uid)["errorCode"] == 0
    clock.now += 61
    assert call("accounts.verifyLogin", UID=uid)["errorCode"] == 403005


def test_get_jwt_verifies_with_pyjwt_and_the_published_key(call, backend, clock, uid):
    body = call("accounts.getJWT", targetUID=uid, fields="profile.email", audience="my-app")
    token = body["id_token"]
    jwks = _anonymous(backend, "accounts.getJWTPublicKey", V2=True)
    assert jwks["errorCode"] == 0 and len(jwks["keys"]) == 1
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256" and header["kid"] == jwks["keys"][0]["kid"]
    key = jwt.PyJWKSet.from_dict({"keys": jwks["keys"]})[header["kid"]].key
    claims = jwt.decode(token, key, algorithms=["RS256"], audience="my-app",
                        issuer=f"https://fidm.gigya.com/jwt/{DEFAULT_API_KEY}/",
                        options={"verify_iat": False, "verify_exp": False})
    assert claims["sub"] == uid and claims["exp"] - claims["iat"] == 300 and claims["iat"] == int(clock.now)
    single = _anonymous(backend, "accounts.getJWTPublicKey")
    assert single["kty"] == "RSA" and single["n"] == jwks["keys"][0]["n"]
    assert jwt.decode(token, jwt.PyJWK({k: single[k] for k in ("kty", "n", "e", "alg", "kid")}).key,
                      algorithms=["RS256"], audience="my-app", options={"verify_exp": False})["sub"] == uid
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, key, algorithms=["RS256"], audience="my-app", options={"verify_exp": False})


def test_get_jwt_errors(call, backend, uid):
    assert call("accounts.getJWT", targetUID="nobody")["errorCode"] == 403005
    assert call("accounts.getJWT")["errorCode"] == 400002
    assert _anonymous(backend, "accounts.getJWT", targetUID=uid)["errorCode"] == 403007
    assert call("accounts.getJWT", targetUID=uid, expiration=-5)["errorCode"] == 400006


def test_sessions_per_uid_are_bounded_and_expired_tokens_pruned(call, backend, clock, uid):
    from mock_gigya import sessions

    for _ in range(sessions.MAX_SESSIONS + 5):
        call("accounts.login", loginID="ada@example.com", password=OLD)
    assert len(backend.store.list_tokens("session", uid=uid)) == sessions.MAX_SESSIONS
    call("accounts.resetPassword", loginID="ada@example.com", sendEmail=False)
    clock.now += 3601
    call("accounts.initRegistration")  # prunes what has expired: the reset token, not the sessions
    assert backend.store.list_tokens("passwordResetToken") == []
    assert len(backend.store.list_tokens("session", uid=uid)) == sessions.MAX_SESSIONS
