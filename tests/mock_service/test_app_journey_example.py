"""The documented example (mock_gigya/pytest_plugin.py): an application's whole journey against the
in-process mock, the way a team would test its own sign-up code: sign up, verify the email, log in,
reset the password, delete the account, and watch the webhooks the application's backend receives.

The "application" here talks to Gigya's real URLs with ``requests``; the ``gigya_mock`` fixture
answers them, and ``gigya_webhook_receiver`` stands in for the application's webhook endpoint.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import requests

from mock_gigya.defaults import DEFAULT_API_KEY, DEFAULT_SECRET, DEFAULT_USER_KEY

PASSWORD, NEW_PASSWORD = "Tr0ub4dor&3", "C0rrect-Horse-Battery"


def gigya(method: str, *, server: bool = False, **params) -> dict:
    """One Gigya call as an application makes it: client-side (apiKey only) or server-side (app key)."""
    creds = {"apiKey": DEFAULT_API_KEY}
    if server:
        creds.update(userKey=DEFAULT_USER_KEY, secret=DEFAULT_SECRET)
    data = {k: ("true" if v is True else "false" if v is False else v) for k, v in {**creds, **params}.items()}
    return requests.post(f"https://accounts.us1.gigya.com/{method}", data=data, timeout=10).json()


def test_sign_up_verify_log_in_reset_and_delete(gigya_mock, gigya_webhook_receiver):
    gigya_mock.set_policies(DEFAULT_API_KEY, {"accountOptions": {"verifyEmail": True}})
    gigya("accounts.webhooks.set", server=True, name="app", url=gigya_webhook_receiver.url,
          events="accountCreated,accountRegistered,accountUpdated,accountLoggedIn,accountDeleted")

    # Sign up: the email must be verified before the first login.
    reg_token = gigya("accounts.initRegistration")["regToken"]
    signed_up = gigya("accounts.register", regToken=reg_token, email="ada@example.com", password=PASSWORD,
                      profile='{"firstName": "Ada"}', finalizeRegistration=True)
    assert signed_up["errorCode"] == 206002  # Account Pending Verification
    uid = signed_up["UID"]
    assert gigya("accounts.login", loginID="ada@example.com", password=PASSWORD)["errorCode"] == 206002

    # The verification email the user would click.
    mail = gigya_mock.last_email("ada@example.com", type="emailVerification")
    assert requests.get(mail["link"], timeout=10).json()["errorCode"] == 0

    # Log in.
    login = gigya("accounts.login", loginID="ada@example.com", password=PASSWORD)
    assert login["errorCode"] == 0 and login["UID"] == uid and login["sessionInfo"]["cookieValue"]

    # Forgotten password: the reset mail's token sets a new one; the old one stops working.
    assert gigya("accounts.resetPassword", loginID="ada@example.com")["errorCode"] == 0
    reset = gigya_mock.last_email("ada@example.com", type="passwordReset")
    assert gigya("accounts.resetPassword", passwordResetToken=reset["token"], newPassword=NEW_PASSWORD)["errorCode"] == 0
    assert gigya("accounts.login", loginID="ada@example.com", password=PASSWORD)["errorCode"] == 403042
    assert gigya("accounts.login", loginID="ada@example.com", password=NEW_PASSWORD)["errorCode"] == 0

    # Delete the account.
    assert gigya("accounts.deleteAccount", server=True, UID=uid)["errorCode"] == 0
    assert gigya_mock.accounts(DEFAULT_API_KEY).find(uid=uid) is None

    # The application's webhook endpoint heard all of it, in order, signed with the partner secret.
    assert gigya_mock.wait_for_webhooks(timeout=20)
    types = [e["type"] for e in gigya_webhook_receiver.events()]
    assert types == ["accountCreated", "accountRegistered", "accountUpdated", "accountLoggedIn",  # sign-up, verify
                     "accountUpdated", "accountLoggedIn", "accountDeleted"]  # reset, login, delete
    assert {e["data"]["uid"] for e in gigya_webhook_receiver.events()} == {uid}
    for received in gigya_webhook_receiver.received:
        expected = base64.b64encode(hmac.new(base64.b64decode(DEFAULT_SECRET), received["body"], hashlib.sha1).digest())
        assert received["headers"]["x-gigya-sig-hmac-sha1"] == expected.decode()
