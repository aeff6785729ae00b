"""The event loop of ``mock-gigya serve`` (mock_gigya/http_loop.py) answers raw HTTP exactly as the
threaded server does: the same request bytes get the same status, headers and envelope from a
``MockServer(loop=True)`` and a ``MockServer(loop=False)``; plus what only the loop does (pipelining
in order, latency as a timer, drops). HTTPS through CONNECT, handed to the threaded handler, is
tested by test_service_fidelity.py::test_https_through_the_proxy_with_the_mock_ca (the gigya_server
fixture serves on the loop)."""

from __future__ import annotations

import json
import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
import requests

from mock_gigya import defaults
from mock_gigya.server import MockServer

CREDS = {"apiKey": defaults.DEFAULT_API_KEY, "userKey": defaults.DEFAULT_USER_KEY, "secret": defaults.DEFAULT_SECRET}
_VOLATILE = ("callId", "time")


@pytest.fixture(scope="module")
def servers():
    with MockServer(https_proxy=False, loop=True) as looped, MockServer(https_proxy=False, loop=False) as threaded:
        yield looped, threaded


def _form(method: str, **fields: str) -> bytes:
    body = urlencode({**CREDS, **fields}).encode()
    return (f"POST /{method} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def raw_exchange(server: MockServer, payload: bytes, *, wait_for: int = 1) -> bytes:
    """Send ``payload`` and read until ``wait_for`` answers arrived or the server closed."""
    host, port = server.url[len("http://"):].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(payload)
        data = b""
        while data.count(b"HTTP/1.1 ") < wait_for or not _complete(data):
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            data += chunk
    return data


def _complete(data: bytes) -> bool:
    head, sep, body = data.rpartition(b"HTTP/1.1 ")[2].partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return True


def _answers(data: bytes) -> list[tuple[str, dict, object]]:
    """(status line, headers without Date, envelope without callId/time) of every answer in ``data``."""
    out = []
    for part in [p for p in data.split(b"HTTP/1.1 ") if p]:
        head, _, body = part.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k: v for k, _, v in (line.partition(": ") for line in lines[1:]) if k.lower() != "date"}
        try:
            envelope = _scrubbed({k: v for k, v in json.loads(body).items() if k not in _VOLATILE})
        except ValueError:
            envelope = body
        out.append((lines[0], headers, envelope))
    return out


def _scrubbed(value: object, key: str = "") -> object:
    """Dates and timestamps (each server has its own clock) replaced by a marker."""
    if isinstance(value, dict):
        return {k: _scrubbed(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(v) for v in value]
    if key.endswith("Timestamp") or (isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z", value)):
        return "<time>"
    return value


PAYLOADS = {
    "import": _form("accounts.importFullAccount", UID="loop-1", importPolicy="upsert",
                    loginIDs=json.dumps({"emails": ["loop1@example.com"]}), profile=json.dumps({"firstName": "Ada"})),
    "get": _form("accounts.getAccountInfo", UID="loop-1"),
    "unknown uid": _form("accounts.getAccountInfo", UID="nobody"),
    "worker method": _form("accounts.getPolicies"),
    "bad secret": _form("accounts.getAccountInfo", UID="loop-1", secret="bm9wZQ=="),
    "query string": b"GET /accounts.getAccountInfo?" + urlencode({**CREDS, "UID": "loop-1"}).encode()
                    + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "absolute uri": _form("accounts.getAccountInfo", UID="loop-1").replace(
        b"POST /", b"POST http://accounts.us1.gigya.com/", 1),
    "garbage": b"GARBAGE\r\n\r\n",
    "bad length": b"POST /accounts.search HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n",
    "bad version": b"POST /accounts.search HTTP/9.9\r\nHost: x\r\n\r\n",
    "chunked": b"POST /accounts.getAccountInfo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
               b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
               + b"%x\r\n" % len(urlencode({**CREDS, "UID": "loop-1"})) + urlencode({**CREDS, "UID": "loop-1"}).encode()
               + b"\r\n0\r\n\r\n",
    "long request line": b"POST /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
    "http/1.0": _form("accounts.getAccountInfo", UID="loop-1").replace(b"HTTP/1.1", b"HTTP/1.0", 1),
    "head": b"HEAD /accounts.getAccountInfo?apiKey=x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "connection close": _form("accounts.getAccountInfo", UID="loop-1").replace(b"Host: 127.0.0.1\r\n", b"Host: 127.0.0.1\r\nConnection: close\r\n"),
    "control plane": b"GET /__mock__/state HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    "bare LF": b"POST /accounts.getAccountInfo HTTP/1.1\nHost: x\nContent-Length: 0\n\n",
}


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_the_loop_answers_like_the_threaded_server(servers, name):
    looped, threaded = servers
    for server in servers:  # the same account on both
        raw_exchange(server, PAYLOADS["import"])
    ours = _answers(raw_exchange(looped, PAYLOADS[name]))
    theirs = _answers(raw_exchange(threaded, PAYLOADS[name]))
    if name == "control plane":  # the state differs (ports, counts): same shape is enough
        assert [a[0] for a in ours] == [a[0] for a in theirs] == ["200 OK"]
        return
    assert ours == theirs and ours


def test_pipelined_requests_are_answered_in_order_on_one_connection(servers):
    looped, _ = servers
    uids = [f"pipe-{i}" for i in range(5)]
    payload = b"".join(_form("accounts.importFullAccount", UID=u) for u in uids) + _form("accounts.getPolicies") \
        + b"".join(_form("accounts.getAccountInfo", UID=u) for u in uids)
    answers = _answers(raw_exchange(looped, payload, wait_for=11))
    assert [a[2]["errorCode"] for a in answers] == [0] * 11
    assert [a[2]["UID"] for a in answers[:5] + answers[6:]] == uids + uids
    assert "accountOptions" in answers[5][2]


def test_latency_is_a_timer_not_a_queue():
    """64 calls with 0.3 s latency on 64 connections finish together, in about 0.3 s, not 64 x 0.3 s."""
    with MockServer(https_proxy=False, loop=True) as server:
        server.faults.configure(latency=0.3)

        def call(i: int) -> int:
            return requests.post(f"{server.url}/accounts.getAccountInfo", data={**CREDS, "UID": "x"},
                                 timeout=30).json()["errorCode"]

        started = time.monotonic()
        with ThreadPoolExecutor(64) as pool:
            codes = list(pool.map(call, range(64)))
        assert codes == [403005] * 64
        assert time.monotonic() - started < 64 * 0.3 / 4  # generous on a loaded machine


def test_a_dropped_call_closes_the_connection_unanswered():
    with MockServer(https_proxy=False, loop=True) as server:
        server.faults.drop(times=1, method="accounts.getAccountInfo")
        assert raw_exchange(server, PAYLOADS["get"]) == b""
        assert _answers(raw_exchange(server, PAYLOADS["get"]))[0][0] == "200 OK"
