"""The application flows through the real HTTP server (``mock-gigya serve``): the verification link
followed with a GET, mails and webhook deliveries read from the ``/__mock__/`` control plane."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests

from mock_gigya.defaults import DEFAULT_API_KEY, DEFAULT_SECRET, DEFAULT_USER_KEY


def test_sign_up_and_follow_the_verification_link_over_http(gigya_server, gigya_webhook_receiver):
    url = gigya_server.url
    gigya_server.set_policies(DEFAULT_API_KEY, {"accountOptions": {"verifyEmail": True}})
    server_creds = {"apiKey": DEFAULT_API_KEY, "userKey": DEFAULT_USER_KEY, "secret": DEFAULT_SECRET}
    hook = requests.post(f"{url}/accounts.webhooks.set", data={**server_creds, "name": "app", "events": "accountCreated",
                                                              "url": gigya_webhook_receiver.url}, timeout=10).json()
    assert hook["errorCode"] == 0
    token = requests.post(f"{url}/accounts.initRegistration", data={"apiKey": DEFAULT_API_KEY}, timeout=10).json()["regToken"]
    body = requests.post(f"{url}/accounts.register", timeout=10, data={
        "apiKey": DEFAULT_API_KEY, "regToken": token, "email": "ada@example.com", "password": "Sup3r-secret",
        "finalizeRegistration": "true"}).json()
    assert body["errorCode"] == 206002

    mails = requests.get(f"{url}/__mock__/emails", timeout=10).json()["emails"]
    [mail] = [m for m in mails if m["type"] == "emailVerification"]
    link = urlsplit(mail["link"])
    followed = requests.get(f"{url}{link.path}?{link.query}", timeout=10).json()  # what the user's browser does
    assert followed["errorCode"] == 0 and followed["UID"] == body["UID"]
    login = requests.post(f"{url}/accounts.login", timeout=10, data={
        "apiKey": DEFAULT_API_KEY, "loginID": "ada@example.com", "password": "Sup3r-secret"}).json()
    assert login["errorCode"] == 0 and login["sessionInfo"]["cookieValue"]

    assert gigya_server.wait_for_webhooks(timeout=20)
    deliveries = requests.get(f"{url}/__mock__/webhooks", timeout=10).json()["deliveries"]
    assert [(d["status"], d["body"]["events"][0]["type"]) for d in deliveries] == [(200, "accountCreated")]
    assert gigya_webhook_receiver.events()[0]["data"]["uid"] == body["UID"]
