"""Injected latency is a response time, as Gigya's is: it counts from when the request was read, the
call's own processing included. A call whose processing takes p under ``--latency L`` is answered
after about max(L, p), never before L and not after L + p; and on the event loop an answer whose time
has come is sent between two requests of a burst, not after the whole burst's processing.

Every bound is a ratio of times measured in the same test (p is measured, not assumed), with the
old behaviour (L + p, or a whole burst) on the far side of a wide margin, so a loaded 2-core
machine does not flip the result.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from contextlib import contextmanager
from typing import Iterator

import bcrypt
import pytest
import requests

from mock_gigya import defaults
from mock_gigya.inprocess import mock_gigya
from mock_gigya.server import MockServer

CREDS = {"apiKey": defaults.DEFAULT_API_KEY, "userKey": defaults.DEFAULT_USER_KEY, "secret": defaults.DEFAULT_SECRET}
PASSWORD = "Correct-Horse-7"


@pytest.fixture(scope="module")
def slow_hash() -> str:
    """A bcrypt hash at cost 12: verifying it is the mock's slow path (a login), a few hundred ms."""
    return bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(12)).decode()


def _import(post, uid: str, stored: str) -> None:
    answer = post("accounts.importFullAccount", UID=uid, loginIDs=json.dumps({"emails": [f"{uid}@example.com"]}),
                  password=json.dumps({"compoundHashedPassword": stored}))
    assert answer["errorCode"] == 0, answer


def _timed_login(post, uid: str) -> float:
    started = time.monotonic()
    answer = post("accounts.login", loginID=f"{uid}@example.com", password=PASSWORD)
    elapsed = time.monotonic() - started
    assert answer["errorCode"] == 0, answer  # a first login: bcrypt verified, then re-hashed
    return elapsed


def _check_max_not_sum(post, faults, slow_hash: str) -> None:
    """Login p alone, then a login under latency L = 2p: answered after L, well before L + p."""
    for uid in ("slow-1", "slow-2"):
        _import(post, uid, slow_hash)
    processing = _timed_login(post, "slow-1")
    latency = max(2 * processing, 0.3)
    faults.configure(latency=latency)
    try:
        elapsed = _timed_login(post, "slow-2")
    finally:
        faults.configure(latency=0.0)
    assert elapsed >= latency  # never before L after the request was sent
    assert elapsed < latency + processing / 2, (elapsed, latency, processing)  # not L + p


@pytest.mark.parametrize("loop", [True, False], ids=["event loop", "threaded handler"])
def test_a_slow_call_is_answered_after_max_of_latency_and_processing(loop, slow_hash):
    with MockServer(https_proxy=False, loop=loop) as server:
        with requests.Session() as session:
            def post(method: str, **fields: str) -> dict:
                return session.post(f"{server.url}/{method}", data={**CREDS, **fields}, timeout=60).json()

            _check_max_not_sum(post, server.faults, slow_hash)


def test_in_process_latency_is_a_response_time_too(slow_hash):
    with mock_gigya() as gigya:
        url = f"https://accounts.{defaults.DEFAULT_DATA_CENTER}.gigya.com"

        def post(method: str, **fields: str) -> dict:
            return requests.post(f"{url}/{method}", data={**CREDS, **fields}, timeout=60).json()

        _check_max_not_sum(post, gigya.faults, slow_hash)


def test_no_answer_of_a_burst_comes_before_its_latency():
    """64 connections at once, 0.25 s latency: each answer at least 0.25 s after its request was sent."""
    with MockServer(https_proxy=False) as server:
        server.faults.configure(latency=0.25)
        barrier = threading.Barrier(64)
        elapsed: list[float] = []

        def call() -> None:
            with requests.Session() as session:
                session.post(f"{server.url}/accounts.getAccountInfo", data={**CREDS, "UID": "warm"}, timeout=30)
                barrier.wait()
                for _ in range(3):
                    started = time.monotonic()
                    code = session.post(f"{server.url}/accounts.getAccountInfo", data={**CREDS, "UID": "nobody"},
                                        timeout=30).json()["errorCode"]
                    elapsed.append(time.monotonic() - started)
                    assert code == 403005

        threads = [threading.Thread(target=call) for _ in range(64)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(elapsed) == 64 * 3 and min(elapsed) >= 0.25


def _slow_handle(seconds: float):
    """A handler that works ``seconds`` on the loop thread for method ``slow``, at once for the rest."""
    def handle(backend, method, params, **_):
        if method == "slow":
            time.sleep(seconds)
        return 200, {"errorCode": 0, "method": method}
    return handle


def _send(sock: socket.socket, method: str) -> None:
    sock.sendall(f"POST /{method} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".encode())


def _answered(sock: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"}"):
        chunk = sock.recv(65536)
        assert chunk, data
        data += chunk
    return data


@contextmanager
def _slow_loop(work: float, connections: int, latency: float = 0.0) -> Iterator[list[socket.socket]]:
    """Connections to a loop server whose method ``slow`` works ``work`` s on the loop thread and
    whose method ``due`` is answered after a 0.5 s delay (every call ``latency`` s more)."""
    with MockServer(https_proxy=False, handle=_slow_handle(work), loop=True) as server:
        server.faults.configure(latency=latency)
        server.faults.script("due", delay=0.5)
        address = server.url[len("http://"):].split(":")
        socks = [socket.create_connection((address[0], int(address[1])), timeout=30) for _ in range(connections)]
        try:
            yield socks
        finally:
            for sock in socks:
                sock.close()


def test_a_due_answer_is_sent_between_the_requests_of_a_burst():
    """A call due at 0.5 s while the loop works through a burst of three 0.4 s calls that arrived
    while it was busy: it is answered after the first of them (about 0.85 s), not after all three
    (1.65 s), and not before its own 0.5 s."""
    work = 0.4
    with _slow_loop(work, 5) as socks:
        started = time.monotonic()
        _send(socks[0], "due")  # read at once by the idle loop: due at 0.5 s
        time.sleep(0.05)
        _send(socks[1], "slow")  # the loop is busy with it until about 0.45 s
        time.sleep(0.05)
        for sock in socks[2:]:  # these wait in the kernel: the loop reads them in one pass
            _send(sock, "slow")
        assert b'"method": "due"' in _answered(socks[0])
        due_after = time.monotonic() - started
        for sock in socks[1:]:
            _answered(sock)
        all_after = time.monotonic() - started
    assert due_after >= 0.5
    assert due_after < 0.05 + 2 * work + work / 2 < all_after, (due_after, all_after)


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="kernel receive time stamps (SO_TIMESTAMPNS) are Linux's")
def test_a_request_waiting_in_the_socket_counts_from_its_arrival():
    """A call with a 0.5 s delay that arrives while the loop works 0.4 s on another call is answered
    0.5 s after it was sent (the kernel's receive time), not 0.5 s after the loop read it (about
    0.85 s: the old stamp), and never before 0.5 s."""
    work = 0.4
    with _slow_loop(work, 2) as socks:
        _send(socks[0], "slow")  # the loop works on it until about 0.4 s
        time.sleep(0.05)
        sent = time.monotonic()
        _send(socks[1], "due")  # waits in the kernel until the loop is free again
        assert b'"method": "due"' in _answered(socks[1])
        elapsed = time.monotonic() - sent
        _answered(socks[0])
    assert 0.5 <= elapsed < 0.5 + (work - 0.05) / 2, elapsed


def test_a_due_answer_is_not_held_back_by_work_the_loop_could_do_after_it():
    """Every call answered after a 1 s latency; ``slow`` works 0.4 s on the loop. A call that arrives
    0.8 s after another is worked on once that other's answer went out at 1.0 s (on time), not at
    once, which would send that answer 0.2 s late; and its own answer still goes out at its 1 s."""
    work, latency = 0.4, 1.0
    with _slow_loop(work, 3, latency) as socks:
        _send(socks[0], "slow")  # the loop learns what a call costs it
        _answered(socks[0])
        started = time.monotonic()
        _send(socks[1], "slow")  # worked on at once: 0 - 0.4 s, due at 1.0 s
        time.sleep(0.8)
        _send(socks[2], "slow")  # due at 1.8 s; worked on at once, it would end at 1.2 s
        _answered(socks[1])
        first = time.monotonic() - started
        _answered(socks[2])
        second = time.monotonic() - started
    assert latency <= first < latency + 0.1, first
    assert 0.8 + latency <= second < 0.8 + latency + 0.1, second


def _timer_slack() -> int:
    import ctypes

    return ctypes.CDLL(None, use_errno=True).prctl(30, 0, 0, 0, 0)  # PR_GET_TIMERSLACK: this thread's, in ns


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="timer slack (prctl PR_SET_TIMERSLACK) is Linux's")
def test_the_loop_waits_without_timer_slack():
    """While it runs, the loop thread's timer slack is 1 ns (Linux's default is 50 us: a due answer
    could go out that late); other threads keep theirs. A handler run on the loop thread reads it."""
    mine = _timer_slack()

    def handle(backend, method, params, **_):
        return 200, {"errorCode": 0, "slack": _timer_slack()}

    with MockServer(https_proxy=False, handle=handle, loop=True) as server:
        answer = requests.post(f"{server.url}/slack", data=CREDS, timeout=30).json()
    assert answer["slack"] == 1
    assert _timer_slack() == mine > 1
