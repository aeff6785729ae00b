"""Webhooks: accounts.webhooks.set/getAll/delete, Gigya-shaped signed notifications to a real loopback
endpoint, resends after failures, order per URL, and API calls that never wait for delivery.

Expected signatures are computed here from the published scheme (SAP Help's PHP receiver sample:
base64(HMAC-SHA1(base64-decoded secret, raw body))) and PyJWT, not through the mock's own code."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import jwt
import pytest

from mock_gigya import api
from mock_gigya.defaults import DEFAULT_API_KEY, DEFAULT_SECRET, DEFAULT_USER_KEY
from mock_gigya.inprocess import MockGigya
from mock_gigya.receiver import WebhookReceiver

CREDS = {"apiKey": DEFAULT_API_KEY, "userKey": DEFAULT_USER_KEY, "secret": DEFAULT_SECRET}
ALL = "accountCreated,accountRegistered,accountUpdated,accountLoggedIn,accountDeleted"


@pytest.fixture
def mock():
    control = MockGigya()
    control.webhook_retry_scale(0.0005)  # Gigya's one-hour resend schedule in ~2 s
    yield control
    control.reset()


@pytest.fixture
def receiver():
    with WebhookReceiver() as endpoint:
        yield endpoint


def call(mock, method, **params):
    wire = {k: ("true" if v is True else "false" if v is False else v) for k, v in params.items()}
    return api.handle(mock.backend, method, {**CREDS, **wire})[1]


def _user(mock):
    return mock.seed_account(DEFAULT_API_KEY, loginIDs={"emails": ["ada@example.com"]}, password="Passw0rd!")["UID"]


def test_webhooks_set_get_all_delete(mock, receiver):
    assert call(mock, "accounts.webhooks.set", name="crm", url=receiver.url, events="accountDeleted")["errorCode"] == 0
    assert call(mock, "accounts.webhooks.set", name="crm", active=False)["errorCode"] == 0  # update by name
    [hook] = call(mock, "accounts.webhooks.getAll")["webhooks"]
    assert hook == {"name": "crm", "url": receiver.url, "events": ["accountDeleted"], "active": False, "version": "2.0"}
    assert call(mock, "accounts.webhooks.set", name="other", url=receiver.url, events="accountDeleted")["errorCode"] == 400006
    assert call(mock, "accounts.webhooks.set", name="x", url="http://crm.example.com/h", events=ALL)["errorCode"] == 400006
    assert call(mock, "accounts.webhooks.set", name="x", url="https://crm.example.com/h", events="accountExploded")[
        "errorCode"] == 400006
    assert call(mock, "accounts.webhooks.set", name="x", url="https://crm.example.com/h", events=ALL,
                signingUserKey="NoSuchKey")["errorCode"] == 400006
    assert call(mock, "accounts.webhooks.delete", url=receiver.url)["errorCode"] == 0
    assert call(mock, "accounts.webhooks.getAll")["webhooks"] == []
    assert call(mock, "accounts.webhooks.delete", url=receiver.url)["errorCode"] == 404000
    anonymous = api.handle(mock.backend, "accounts.webhooks.getAll", {"apiKey": DEFAULT_API_KEY})[1]
    assert anonymous["errorCode"] == 403007


def test_notifications_are_gigya_shaped_and_signed(mock, receiver):
    call(mock, "accounts.webhooks.set", name="crm", url=receiver.url, events=ALL)
    uid = _user(mock)
    login = call(mock, "accounts.login", loginID="ada@example.com", password="Passw0rd!")
    call(mock, "accounts.setAccountInfo", UID=uid, profile='{"firstName": "Ada"}')
    call(mock, "accounts.setAccountInfo", UID=uid, profile='{"lastName": "L"}', muteWebhooks=True)
    call(mock, "accounts.deleteAccount", UID=uid)
    assert mock.wait_for_webhooks(timeout=20)
    assert [e["type"] for e in receiver.events()] == ["accountLoggedIn", "accountUpdated", "accountDeleted"]
    first = receiver.received[0]
    body = first["json"]
    assert set(body) == {"events", "nonce", "timestamp"} and isinstance(body["timestamp"], int)
    [event] = body["events"]
    assert event["data"] == {"uid": uid, "accountType": "full"} and event["apiKey"] == DEFAULT_API_KEY
    assert event["callId"] == login["callId"] and event["version"] == "2.0" and event["id"]
    expected = base64.b64encode(hmac.new(base64.b64decode(DEFAULT_SECRET), first["body"], hashlib.sha1).digest()).decode()
    assert first["headers"]["x-gigya-sig-hmac-sha1"] == expected
    jwks = api.handle(mock.backend, "accounts.getJWTPublicKey", {"apiKey": DEFAULT_API_KEY, "V2": "true"})[1]
    token = first["headers"]["x-gigya-sig-jwt"]
    key = jwt.PyJWKSet.from_dict({"keys": jwks["keys"]})[jwt.get_unverified_header(token)["kid"]].key
    claims = jwt.decode(token, key, algorithms=["RS256"], issuer=f"https://fidm.gigya.com/jwt/{DEFAULT_API_KEY}/")
    assert claims["jti"] == body["nonce"]
    assert claims["sub"] == base64.urlsafe_b64encode(hashlib.sha256(first["body"]).digest()).decode().rstrip("=")


def test_signing_user_key_signs_with_that_keys_secret(mock, receiver):
    mock.add_app_key("AWebhookKey", "d2ViaG9vay1zZWNyZXQ=", partner_id=mock.backend.site(DEFAULT_API_KEY).partner_id)
    call(mock, "accounts.webhooks.set", name="crm", url=receiver.url, events="accountDeleted",
         signingUserKey="AWebhookKey")
    call(mock, "accounts.deleteAccount", UID=_user(mock))
    [got] = receiver.wait_for(1)
    expected = hmac.new(base64.b64decode("d2ViaG9vay1zZWNyZXQ="), got["body"], hashlib.sha1).digest()
    assert got["headers"]["x-gigya-sig-hmac-sha1"] == base64.b64encode(expected).decode()


def test_a_failing_endpoint_gets_the_same_body_again_and_order_is_kept(mock, receiver):
    call(mock, "accounts.webhooks.set", name="crm", url=receiver.url, events="accountUpdated,accountDeleted")
    receiver.fail_next(2, status=503)
    uid = _user(mock)
    call(mock, "accounts.setAccountInfo", UID=uid, data='{"x": 1}')
    call(mock, "accounts.deleteAccount", UID=uid)
    assert mock.wait_for_webhooks(timeout=30)
    bodies = [r["body"] for r in receiver.received]
    assert len(bodies) == 4 and bodies[0] == bodies[1] == bodies[2]  # two refusals, then accepted
    assert [e["type"] for e in receiver.events()] == ["accountUpdated"] * 3 + ["accountDeleted"]
    attempts = [(d["attempt"], d["status"]) for d in mock.webhook_deliveries("accountUpdated")]
    assert attempts == [(1, 503), (2, 503), (3, 200)]


def test_an_endpoint_down_for_the_whole_schedule_is_given_up(mock, receiver):
    call(mock, "accounts.webhooks.set", name="crm", url=receiver.url, events="accountDeleted")
    receiver.fail_next(100, status=500)
    call(mock, "accounts.deleteAccount", UID=_user(mock))
    assert mock.wait_for_webhooks(timeout=30)
    assert len(receiver.received) == 8  # the first try and seven resends spread over "one hour"


def test_api_calls_do_not_wait_for_the_webhook_endpoint(mock, receiver):
    call(mock, "accounts.webhooks.set", name="crm", url=receiver.url, events="accountDeleted")
    receiver.hold()  # the endpoint takes the request and does not answer
    uid = _user(mock)
    try:
        assert call(mock, "accounts.deleteAccount", UID=uid)["errorCode"] == 0
        receiver.wait_for(1)
        assert not mock.wait_for_webhooks(timeout=0.2)  # still in flight, yet the call has answered
    finally:
        receiver.release()
    assert mock.wait_for_webhooks(timeout=20)


def test_imports_and_inactive_webhooks_send_nothing(mock, receiver):
    call(mock, "accounts.webhooks.set", name="crm", url=receiver.url, events=ALL)
    call(mock, "accounts.importFullAccount", UID="u1", loginIDs='{"emails": ["bo@example.com"]}')
    call(mock, "accounts.webhooks.set", name="crm", active=False)
    call(mock, "accounts.deleteAccount", UID="u1")
    assert mock.wait_for_webhooks(timeout=10)
    time.sleep(0.2)
    assert receiver.received == [] and mock.webhook_deliveries() == []


def test_control_plane_shows_mails_and_deliveries(mock, receiver):
    call(mock, "accounts.webhooks.set", name="crm", url=receiver.url, events="accountDeleted")
    uid = _user(mock)
    call(mock, "accounts.resetPassword", loginID="ada@example.com")
    call(mock, "accounts.deleteAccount", UID=uid)
    assert mock.wait_for_webhooks(timeout=20)
    status, mails = mock.handle_control("GET", "/__mock__/emails", b'{"type": "passwordReset"}')
    assert status == 200 and [m["to"] for m in mails["emails"]] == ["ada@example.com"]
    status, sent = mock.handle_control("GET", "/__mock__/webhooks", b"")
    assert status == 200 and sent["deliveries"][0]["body"]["events"][0]["data"]["uid"] == uid
    with pytest.raises(LookupError, match="no email"):
        mock.last_email("nobody@example.com")
