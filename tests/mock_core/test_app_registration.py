"""Registration as an application drives it: initRegistration -> register -> finalizeRegistration, the
regToken lifecycle, required fields and the password policy, and email verification (206002, the
mailed link, accounts.verifyEmail, accounts.verifyLogin)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from mock_gigya import api
from mock_gigya.defaults import DEFAULT_API_KEY

from .conftest import wire

PASSWORD = "Corr3ct-horse"


def _register(call, email="ada@example.com", password=PASSWORD, **extra):
    token = call("accounts.initRegistration")["regToken"]
    return token, call("accounts.register", regToken=token, email=email, password=password, **extra)


def _anonymous(backend, method, **params):
    status, body = api.handle(backend, method, {"apiKey": DEFAULT_API_KEY, **wire(params)})
    assert status == 200
    return body


def test_register_then_finalize_then_login(call, backend):
    token, body = _register(call, profile={"firstName": "Ada"})
    assert body["errorCode"] == 206001 and body["regToken"] == token and body["UID"]
    uid = body["UID"]
    assert call("accounts.login", loginID="ada@example.com", password=PASSWORD)["errorCode"] == 206001
    done = call("accounts.finalizeRegistration", regToken=token)
    assert done["errorCode"] == 0 and done["UID"] == uid and done["isNewUser"] is True
    assert done["sessionInfo"]["cookieName"] == f"glt_{DEFAULT_API_KEY}" and done["sessionInfo"]["cookieValue"]
    account = call("accounts.getAccountInfo", UID=uid, include="profile,loginIDs,emails,password")
    assert account["isRegistered"] is True and account["profile"] == {"email": "ada@example.com", "firstName": "Ada"}
    assert account["loginIDs"]["emails"] == ["ada@example.com"] and account["emails"]["unverified"] == ["ada@example.com"]
    assert account["password"]["hashSettings"]["algorithm"] == "pbkdf2"  # the site's own hash, not cleartext
    login = call("accounts.login", loginID="ADA@example.com", password=PASSWORD)
    assert login["errorCode"] == 0 and login["UID"] == uid and login["isNewUser"] is False


def test_register_can_finalize_in_one_call_and_works_for_client_side_callers(backend):
    token = _anonymous(backend, "accounts.initRegistration")["regToken"]
    body = _anonymous(backend, "accounts.register", regToken=token, email="bo@example.com", password=PASSWORD,
                      finalizeRegistration=True)
    assert body["errorCode"] == 0 and body["isNewUser"] is True and body["sessionInfo"]["cookieValue"]


@pytest.mark.parametrize("password, problem", [
    ("short1A", "at least 8 characters"),
    ("alllowercaseletters", "character groups"),
])
def test_register_applies_the_site_password_policy(call, password, problem):
    _, body = _register(call, password=password)
    assert body["errorCode"] == 400009 and problem in body["errorDetails"]
    assert body["validationErrors"][0]["fieldName"] == "password"


def test_register_checks_the_sites_own_complexity_settings(call):
    call("accounts.setPolicies", passwordComplexity={"minLength": 12, "minCharGroups": 3})
    assert _register(call, password="Abcdefgh1")[1]["errorCode"] == 400009
    assert _register(call, password="Abcdefgh1234")[1]["errorCode"] == 206001


def test_register_requires_the_fields_the_schema_requires(call):
    call("accounts.setSchema", profileSchema={"fields": {"firstName": {"required": True}}},
         dataSchema={"fields": {"data.terms": {"required": True}}})
    _, body = _register(call)
    assert body["errorCode"] == 400009
    assert {e["fieldName"] for e in body["validationErrors"]} == {"profile.firstName", "data.terms"}
    _, body = _register(call, profile={"firstName": "Ada"}, data={"terms": True})
    assert body["errorCode"] == 206001


def test_register_refuses_a_taken_email_and_missing_parameters(call):
    _register(call, finalizeRegistration=True)
    _, body = _register(call, email="Ada@Example.com")
    assert body["errorCode"] == 400003 and body["validationErrors"][0]["fieldName"] == "email"
    token = call("accounts.initRegistration")["regToken"]
    assert call("accounts.register", regToken=token, email="x@example.com")["errorCode"] == 400002
    assert call("accounts.register", regToken=token, email="not-an-email", password=PASSWORD)["errorCode"] == 400006


def test_regtoken_lifecycle(call, clock):
    assert call("accounts.register", regToken="nope", email="a@example.com", password=PASSWORD)["errorCode"] == 400006
    stale = call("accounts.initRegistration")["regToken"]
    clock.now += 3601  # regTokens live one hour
    assert call("accounts.register", regToken=stale, email="a@example.com", password=PASSWORD)["errorCode"] == 400006
    token, body = _register(call)
    again = call("accounts.register", regToken=token, email="b@example.com", password=PASSWORD)
    assert again["errorCode"] == 400006 and "already registered" in again["errorDetails"]
    assert call("accounts.finalizeRegistration", regToken=token)["errorCode"] == 0
    assert call("accounts.finalizeRegistration", regToken=token)["errorCode"] == 400006  # used up by the login
    unknown = call("accounts.initRegistration")["regToken"]
    assert call("accounts.finalizeRegistration", regToken=unknown)["errorCode"] == 206001


def _verify_link_params(link: str) -> dict:
    parts = urlsplit(link)
    assert parts.scheme == "https" and parts.path == "/accounts.verifyEmail"
    return {k: v[0] for k, v in parse_qs(parts.query).items()}


def test_email_verification_policy_gates_login_until_the_link_is_followed(call, backend):
    call("accounts.setPolicies", accountOptions={"verifyEmail": True})
    token, body = _register(call, finalizeRegistration=True)
    assert body["errorCode"] == 206002 and body["regToken"] == token
    uid = body["UID"]
    pending = call("accounts.login", loginID="ada@example.com", password=PASSWORD)
    assert pending["errorCode"] == 206002 and pending["regToken"]
    assert call("accounts.verifyLogin", regToken=pending["regToken"])["errorCode"] == 206002
    [mail] = [m for m in backend_mails(backend) if m["type"] == "emailVerification"]
    assert mail["to"] == "ada@example.com" and mail["UID"] == uid
    params = _verify_link_params(mail["link"])
    assert params["apiKey"] == DEFAULT_API_KEY and params["vToken"] == mail["token"]
    # The link is followed by a browser: apiKey and vToken only, no credentials.
    followed = _anonymous(backend, "accounts.verifyEmail", vToken=params["vToken"])
    assert followed["errorCode"] == 0 and followed["UID"] == uid
    account = call("accounts.getAccountInfo", UID=uid, include="loginIDs,emails")
    assert account["isVerified"] is True and account["verified"]
    assert account["loginIDs"] == {"emails": ["ada@example.com"], "unverifiedEmails": []}
    assert account["emails"] == {"verified": ["ada@example.com"], "unverified": []}
    again = call("accounts.verifyLogin", regToken=pending["regToken"])
    assert again["errorCode"] == 0 and again["UID"] == uid and again["sessionInfo"]["cookieValue"]
    assert call("accounts.login", loginID="ada@example.com", password=PASSWORD)["errorCode"] == 0


def test_a_verification_token_is_single_use_and_expires(call, backend, clock):
    call("accounts.setPolicies", accountOptions={"verifyEmail": True},
         emailVerification={"verificationEmailExpiration": 60})
    _register(call, finalizeRegistration=True)
    first = backend_mails(backend)[-1]["token"]
    assert _anonymous(backend, "accounts.verifyEmail", vToken=first)["errorCode"] == 0
    assert _anonymous(backend, "accounts.verifyEmail", vToken=first)["errorCode"] == 400006
    _register(call, email="bo@example.com", finalizeRegistration=True)
    clock.now += 61
    late = _anonymous(backend, "accounts.verifyEmail", vToken=backend_mails(backend)[-1]["token"])
    assert late["errorCode"] == 400006
    uid = call("accounts.search", query='SELECT UID FROM accounts WHERE profile.email = "bo@example.com"')["results"][0]["UID"]
    assert call("accounts.resendVerificationCode", UID=uid)["errorCode"] == 0
    assert _anonymous(backend, "accounts.verifyEmail", vToken=backend_mails(backend)[-1]["token"])["errorCode"] == 0


def test_allow_unverified_login_lets_the_user_in(call):
    call("accounts.setPolicies", accountOptions={"verifyEmail": True, "allowUnverifiedLogin": True})
    _, body = _register(call, finalizeRegistration=True)
    assert body["errorCode"] == 0 and body["isVerified"] is False


def backend_mails(backend):
    from mock_gigya import mailbox

    return mailbox.messages(backend)


def test_a_pending_registration_is_completed_through_its_regtoken(call):
    call("accounts.setSchema", dataSchema={"fields": {"data.terms": {"required": False}}})
    token, body = _register(call)
    assert body["errorCode"] == 206001
    assert call("accounts.setAccountInfo", regToken=token, data={"terms": True})["errorCode"] == 0
    account = call("accounts.getAccountInfo", regToken=token)
    assert account["UID"] == body["UID"] and account["data"] == {"terms": True} and account["isRegistered"] is False
    assert call("accounts.finalizeRegistration", regToken=token)["errorCode"] == 0
    assert call("accounts.getAccountInfo", regToken=token)["errorCode"] == 400006  # used up by the login
    assert call("accounts.getAccountInfo")["errorCode"] == 400002


def test_register_with_a_username_makes_it_a_login_id(call):
    _, body = _register(call, username="ada", finalizeRegistration=True)
    assert body["errorCode"] == 0
    assert call("accounts.login", loginID="ada", password=PASSWORD)["UID"] == body["UID"]
    _, clash = _register(call, email="other@example.com", username="ADA")
    assert clash["errorCode"] == 403043
