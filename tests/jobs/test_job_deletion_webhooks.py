"""``deletions --listen``: accountDeleted webhooks checked (signature, freshness) and sent downstream
with the audit feed's guarantees (dead letters, a journal of settled events, nothing lost on restart).

Signatures are made here with the published scheme (base64 HMAC-SHA1 of the raw body, key = the
base64-decoded secret: SAP Help's receiver sample), independently of the code under test; the
end-to-end tests let the mock Gigya send real webhooks to a real listener."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from gigya_migrate.flows.deletion_webhooks import DeletionWebhooks, WebhookOptions, serve
from gigya_migrate.flows.downstream import DeadLetter, Downstream, FileSink, HttpSink
from gigya_migrate.flows.state import StateFile
from mock_gigya import api
from mock_gigya.defaults import DEFAULT_API_KEY, DEFAULT_SECRET, DEFAULT_USER_KEY
from mock_gigya.inprocess import MockGigya
from mock_gigya.receiver import WebhookReceiver

NOW = 1_764_500_000


def sign(body: bytes, secret: str = DEFAULT_SECRET) -> str:
    return base64.b64encode(hmac.new(base64.b64decode(secret), body, hashlib.sha1).digest()).decode()


def notification(*events, timestamp=NOW, nonce="n-1") -> bytes:
    return json.dumps({"events": list(events), "nonce": nonce, "timestamp": timestamp}).encode()


def deleted(uid, event_id=None, api_key=DEFAULT_API_KEY, event_type="accountDeleted"):
    return {"type": event_type, "id": event_id or f"ev-{uid}", "timestamp": NOW - 1, "callId": f"call-{uid}",
            "version": "2.0", "apiKey": api_key, "data": {"uid": uid, "accountType": "full"}}


def lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture
def out(tmp_path):
    return tmp_path / "deleted.jsonl"


def make_listener(tmp_path, sinks, *, secret=DEFAULT_SECRET, jwks=None, dead_letter=True):
    downstream = Downstream(sinks, dead_letter=DeadLetter(tmp_path / "dead.jsonl") if dead_letter else None)
    options = WebhookOptions(api_key=DEFAULT_API_KEY, job="hooks", secret=secret, jwks=jwks, now=lambda: NOW)
    return DeletionWebhooks(downstream, StateFile(tmp_path / "state.json"), options)


def test_a_signed_deletion_goes_downstream_once(tmp_path, out):
    listener = make_listener(tmp_path, [FileSink(out)])
    body = notification(deleted("u1"), deleted("u9", event_type="accountUpdated"))
    status, answer = listener.receive(body, {"X-Gigya-Sig-Hmac-Sha1": sign(body)})
    assert (status, answer) == (200, {"deletions": 1, "repeats": 0, "accepted": 1, "parked": 0})
    [row] = lines(out)
    assert row == {"uid": "u1", "endpoint": "webhook:accountDeleted", "deletedAt": "2025-11-30T10:53:19.000Z",
                   "callId": "call-u1", "apiKey": DEFAULT_API_KEY, "eventId": "ev-u1"}
    # Gigya resends (at least once): acknowledged, not sent again, even by a restarted listener.
    again = make_listener(tmp_path, [FileSink(out)]).receive(body, {"x-gigya-sig-hmac-sha1": sign(body)})
    assert again == (200, {"deletions": 0, "repeats": 1, "accepted": 0, "parked": 0})
    assert len(lines(out)) == 1


@pytest.mark.parametrize("headers, status, reason", [
    ({}, 401, "unsigned"),
    ({"X-Gigya-Sig-Hmac-Sha1": "sïgnature"}, 401, "does not match"),
    ({"X-Gigya-Sig-Hmac-Sha1": sign(b"something else")}, 401, "does not match"),
    ({"X-Gigya-Sig-Hmac-Sha1": sign(notification(deleted("u1")), "b3RoZXItc2VjcmV0")}, 401, "does not match"),
])
def test_unsigned_or_badly_signed_notifications_are_refused(tmp_path, out, headers, status, reason):
    listener = make_listener(tmp_path, [FileSink(out)])
    got_status, answer = listener.receive(notification(deleted("u1")), headers)
    assert got_status == status and reason in answer["error"] and not out.exists()
    assert listener.report.refused == 1


@pytest.mark.parametrize("timestamp, reason", [(NOW - 3901, "stale"), (NOW + 600, "future"), ("x", "numeric")])
def test_stale_or_future_notifications_are_refused(tmp_path, out, timestamp, reason):
    body = notification(deleted("u1"), timestamp=timestamp)
    status, answer = make_listener(tmp_path, [FileSink(out)]).receive(body, {"X-Gigya-Sig-Hmac-Sha1": sign(body)})
    assert status == 400 and reason in answer["error"] and not out.exists()


def test_malformed_and_foreign_notifications(tmp_path, out):
    listener = make_listener(tmp_path, [FileSink(out)])
    assert listener.receive(b"not json", {"X-Gigya-Sig-Hmac-Sha1": sign(b"not json")})[0] == 400
    body = notification(deleted("u2", api_key="3_another_site"))
    assert listener.receive(body, {"X-Gigya-Sig-Hmac-Sha1": sign(body)}) == (
        200, {"deletions": 0, "repeats": 0, "accepted": 0, "parked": 0})
    assert not out.exists()


def test_a_refusing_downstream_parks_and_a_restart_delivers(tmp_path, out):
    with WebhookReceiver() as crm:
        crm.fail_next(1, status=500)
        first = make_listener(tmp_path, [HttpSink(crm.url, max_attempts=1, name="http")])
        body = notification(deleted("u1"))
        assert first.receive(body, {"X-Gigya-Sig-Hmac-Sha1": sign(body)}) == (
            200, {"deletions": 1, "repeats": 0, "accepted": 0, "parked": 1})
        assert [e["key"] for e in DeadLetter(tmp_path / "dead.jsonl").entries()] == ["u1"]
        # The process stops here; a new one starts and sends the parked deletion first.
        second = make_listener(tmp_path, [HttpSink(crm.url, max_attempts=1, name="http")])
        second.retry_dead_letters()
        assert second.report.retried_accepted == 1 and not (tmp_path / "dead.jsonl").exists()
        assert [json.loads(r["body"])["uid"] for r in crm.received] == ["u1", "u1"]


def test_nothing_settled_means_503_and_gigya_resends(tmp_path, out):
    with WebhookReceiver() as crm:
        crm.fail_next(1, status=500)
        listener = make_listener(tmp_path, [HttpSink(crm.url, max_attempts=1)], dead_letter=False)
        body = notification(deleted("u1"))
        status, answer = listener.receive(body, {"X-Gigya-Sig-Hmac-Sha1": sign(body)})
        assert status == 503 and "not settled" in answer["error"]
        assert StateFile(tmp_path / "state.json").job("hooks") == {}  # not journaled: the resend is sent
        assert listener.receive(body, {"X-Gigya-Sig-Hmac-Sha1": sign(body)})[0] == 200
        assert len(crm.received) == 2


@pytest.fixture
def gigya():
    mock = MockGigya()
    mock.webhook_retry_scale(0.001)
    yield mock
    mock.reset()


def _call(mock, method, **params):
    creds = {"apiKey": DEFAULT_API_KEY, "userKey": DEFAULT_USER_KEY, "secret": DEFAULT_SECRET}
    return api.handle(mock.backend, method, {**creds, **params})[1]


def _listening(listener):
    urls, stop = [], threading.Event()
    thread = threading.Thread(target=serve, args=(listener, "127.0.0.1", 0),
                              kwargs={"ready": urls.append, "stop": stop, "retry_every": 0.2}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not urls and time.monotonic() < deadline:
        time.sleep(0.01)
    return urls[0], stop, thread


@pytest.mark.parametrize("mode", ["hmac", "jwt"])
def test_the_mock_gigya_webhook_reaches_downstream(tmp_path, out, gigya, mode):
    def jwks():
        return api.handle(gigya.backend, "accounts.getJWTPublicKey", {"apiKey": DEFAULT_API_KEY, "V2": "true"})[1]

    listener = make_listener(tmp_path, [FileSink(out)], secret=DEFAULT_SECRET if mode == "hmac" else None,
                             jwks=jwks if mode == "jwt" else None)
    listener.options.now = time.time
    url, stop, thread = _listening(listener)
    try:
        _call(gigya, "accounts.webhooks.set", name="deletions", url=url, events="accountDeleted,accountUpdated")
        uid = gigya.seed_account(DEFAULT_API_KEY, loginIDs={"emails": ["ada@example.com"]})["UID"]
        _call(gigya, "accounts.setAccountInfo", UID=uid, data='{"x": 1}')
        assert _call(gigya, "accounts.deleteAccount", UID=uid)["errorCode"] == 0
        assert gigya.wait_for_webhooks(timeout=20)
    finally:
        stop.set()
        thread.join(10)
    assert [row["uid"] for row in lines(out)] == [uid]
    assert [d["status"] for d in gigya.webhook_deliveries()] == [200, 200]


def _cli(*args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "gigya_migrate.cli", "deletions", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def test_cli_listens_until_interrupted(tmp_path, out):
    proc = _cli("--mock", "--listen", "127.0.0.1:0", "--out", str(out), "--state", str(tmp_path / "state.json"),
                cwd=tmp_path)
    try:
        line = proc.stderr.readline()
        assert "listening for Gigya webhooks" in line, line + proc.stderr.read()
        url = line.split(" on ", 1)[1].split(" ", 1)[0]
        body = notification(deleted("u7"), timestamp=int(time.time()))
        answer = requests.post(url, data=body, headers={"X-Gigya-Sig-Hmac-Sha1": sign(body)}, timeout=10)
        assert answer.status_code == 200 and answer.json()["accepted"] == 1
        assert requests.post(url, data=body, timeout=10).status_code == 401
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "2 notifications (1 refused); 1 deletions: 1 accepted downstream" in err
    assert [row["uid"] for row in lines(out)] == ["u7"]
    assert DEFAULT_SECRET not in err
    report = json.loads((tmp_path / "deletions-report.json").read_text())
    assert (report["notifications"], report["refused"], report["accepted"]) == (2, 1, 1)


@pytest.mark.parametrize("args, message", [
    (["--listen", "nowhere"], "expected [HOST]:PORT"),
    (["--listen", ":8099", "--since", "2026-01-01T00:00:00Z"], "apply to the audit-log feed only"),
    (["--listen", ":8099", "--webhook-secret", "not base64!"], "not base64"),
    (["--listen", ":8099", "--out", "sftp://files.example.com/deleted.jsonl"], "writes local files only"),
])
def test_cli_refuses_bad_listen_options(tmp_path, out, args, message):
    proc = _cli("--mock", "--out", str(out), *args, cwd=tmp_path, env={**os.environ, "GIGYA_WEBHOOK_SECRET": ""})
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and message in err and "Traceback" not in err
