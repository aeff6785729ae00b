"""gigya_migrate.http_wire's lean path (the client's plain POSTs read and written without
http.client's line reader and email parser) behaves as stock requests + urllib3 does, for each way
a server can answer: the same request bytes, the same answers, the same exceptions with the same
text. Every case runs a stock ``HTTPAdapter`` and a ``ClientAdapter`` against the same scripted
loopback server (plain TCP or TLS) and compares what each saw; the oracle is urllib3 itself."""

from __future__ import annotations

import gzip
import socket
import ssl
import threading
import time

import pytest
import requests
from requests.adapters import HTTPAdapter

from gigya_migrate.client import GigyaClient
from gigya_migrate.errors import GigyaConnectionError, GigyaTimeout
from gigya_migrate.http_wire import ClientAdapter
from mock_gigya.tls import MockCA

BODY = b'{"errorCode": 0, "statusCode": 200, "UID": "u1"}'


def _answer(body: bytes = BODY, *extra: str, status: str = "200 OK", length: int | None = None) -> bytes:
    head = [f"HTTP/1.1 {status}", "Content-Type: application/json", *extra]
    if length is not False:
        head.append(f"Content-Length: {len(body) if length is None else length}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def _chunked(body: bytes) -> bytes:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    half = len(body) // 2
    return head + b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:half], body[half:])) + b"0\r\n\r\n"


class _Scripted:
    """Loopback HTTP server: the n-th request (over all connections) gets ``script[n]``, a list of
    steps: bytes to send, a float to sleep, or "close". It keeps every request's raw bytes and
    counts connections. ``tls``: a server TLS context (the client connects to ``localhost``)."""

    def __init__(self, script: list[list], tls: ssl.SSLContext | None = None) -> None:
        self.script, self.tls = list(script), tls
        self.requests: list[bytes] = []
        self.connections = 0
        self.names: list[str | None] = []  # SNI server names seen
        if tls is not None:
            tls.sni_callback = lambda sock, name, ctx: self.names.append(name)
        self.sock = socket.create_server(("127.0.0.1", 0))
        host = "localhost" if tls is not None else "127.0.0.1"
        self.url = f"{'https' if tls else 'http'}://{host}:{self.sock.getsockname()[1]}"
        self._stop = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._connection, args=(conn,), daemon=True).start()

    def _connection(self, conn: socket.socket) -> None:
        try:
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            data = b""
            while not self._stop:
                while b"\r\n\r\n" not in data:
                    more = conn.recv(65536)
                    if not more:
                        return
                    data += more
                head, _, data = data.partition(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                while len(data) < length:
                    data += conn.recv(65536)
                self.requests.append(head + b"\r\n\r\n" + data[:length])
                data = data[length:]
                for step in self.script.pop(0) if self.script else [_answer()]:
                    if step == "close":
                        return
                    if isinstance(step, float):
                        time.sleep(step)
                    else:
                        conn.sendall(step)
        except (OSError, ssl.SSLError):
            return
        finally:
            conn.close()

    def close(self) -> None:
        self._stop = True
        self.sock.close()


def _session(adapter: HTTPAdapter, verify: object = True) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.verify = verify
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _outcomes(adapter: HTTPAdapter, script: list[list], calls: int, *, timeout: float = 10.0,
              tls: ssl.SSLContext | None = None, verify: object = True, pause: float = 0.0,
              headers: dict | None = None) -> dict:
    """What a session on ``adapter`` saw of ``calls`` POSTs to a server playing ``script``."""
    server = _Scripted(script, tls)
    port = str(server.sock.getsockname()[1])  # each server has its own: said as PORT
    session = _session(adapter, verify)
    seen, raws = [], []
    try:
        for i in range(calls):
            try:
                response = session.post(f"{server.url}/accounts.importFullAccount", data=f"UID=u{i}&x=%C3%A9".encode(),
                                        headers={"Content-Type": "application/x-www-form-urlencoded",
                                                 **(headers or {})},
                                        timeout=timeout, allow_redirects=False)
                seen.append(("answer", response.status_code, response.reason, dict(response.headers),
                             response.content[:1000]))
                raws.append(type(response.raw).__name__)
            except requests.RequestException as exc:
                text = str(exc).replace("_HTTPSPool(", "HTTPSConnectionPool(").replace("_HTTPPool(", "HTTPConnectionPool(")
                seen.append((type(exc).__name__, text.replace(port, "PORT")))
            time.sleep(pause)
    finally:
        session.close()
        server.close()
    return {"seen": seen, "requests": [raw.replace(port.encode(), b"PORT") for raw in server.requests], "connections": server.connections, "raws": raws,
            "names": server.names}


def _same(script: list[list], calls: int = 2, **options) -> dict:
    """Run ``script`` through stock urllib3 and through the lean path; they must agree."""
    stock = _outcomes(HTTPAdapter(), [list(steps) for steps in script], calls, **options)
    lean = _outcomes(ClientAdapter(), [list(steps) for steps in script], calls, **options)
    for key in ("seen", "requests", "connections", "names"):
        assert lean[key] == stock[key], key
    return lean


def test_plain_answers_take_the_lean_path_with_the_same_bytes_both_ways():
    lean = _same([[_answer()], [_answer(b"{}", "Set-Cookie: a=1", "Date: Tue, 01 Dec 2026 00:00:00 GMT")]])
    assert lean["raws"] == ["_LeanResponse", "_LeanResponse"]
    assert lean["connections"] == 1  # kept alive
    assert lean["requests"][0].startswith(b"POST /accounts.importFullAccount HTTP/1.1\r\nHost: 127.0.0.1:PORT\r\n")


@pytest.mark.parametrize("answer", [
    _chunked(BODY),
    _answer(gzip.compress(BODY), "Content-Encoding: gzip"),
    _answer(BODY, "Connection: close"),
    _answer(BODY, "X-Twice: a", "x-twice: b"),
    _answer(BODY, "X-Folded: a\r\n b"),
    _answer(b"", status="204 No Content", length=False),
    b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}",
    _answer(b"x" * (5 << 20)),
    _answer(BODY, status="404 Not Found"),
    _answer(b"<html>moved</html>", "Location: https://elsewhere.example/", status="307 Temporary Redirect"),
], ids=["chunked", "gzip", "connection-close", "repeated-field", "folded-field", "204", "http-1.0", "5-MiB",
        "404", "redirect-not-followed"])
def test_answers_the_lean_reader_hands_on_or_reads_agree_with_urllib3(answer):
    _same([[answer], [_answer()]])


@pytest.mark.parametrize("headers", [
    {"X-Latin": "caf\xe9", "X-Empty": ""},
    {"X-Control": "a\x01b"},
    {"X Space": "v"},
    {"Accept-Encoding": None},
    {"User-Agent": None},
    {"Host": "elsewhere.example"},
], ids=["latin-1-and-empty", "control-character", "name-with-space", "no-accept-encoding", "no-user-agent", "host"])
def test_requests_with_unusual_headers_are_sent_as_urllib3_sends_them(headers):
    _same([[_answer()], [_answer()]], headers=headers)


def test_an_answer_in_pieces_agrees():
    answer = _answer(b"y" * 200_000)
    _same([[answer[:7], 0.05, answer[7:30], 0.05, answer[30:70], 0.05, answer[70:]]])


def test_bytes_after_the_body_agree():
    _same([[_answer() + b"HTTP/1.1 200 OK\r\n"], [_answer()]])


def test_a_server_that_closes_without_answering_agrees():
    lean = _same([["close"], [_answer()]])
    assert lean["seen"][0][0] == "ConnectionError" and "Remote end closed connection" in lean["seen"][0][1]


def test_a_body_cut_short_agrees():
    lean = _same([[_answer(length=len(BODY) + 10), "close"], [_answer()]])
    assert lean["seen"][0][0] == "ChunkedEncodingError" and "IncompleteRead" in lean["seen"][0][1]


def test_a_head_cut_short_agrees():
    _same([[b"HTTP/1.1 200 OK\r\nContent-Le", "close"], [_answer()]])


def test_a_late_head_is_a_read_timeout_either_way():
    lean = _same([[1.5, _answer()], [_answer()]], timeout=0.5)
    assert lean["seen"][0][0] == "ReadTimeout"


def test_a_late_body_agrees():
    answer = _answer(b"z" * 100)
    lean = _same([[answer[:-50], 1.5, answer[-50:]], [_answer()]], timeout=0.5)
    assert lean["seen"][0][0] == "ConnectionError" and "Read timed out" in lean["seen"][0][1]


def test_a_kept_connection_the_server_dropped_is_reopened():
    lean = _same([[_answer(), 0.05, "close"], [_answer()]], pause=0.3)
    assert lean["connections"] == 2 and [s[0] for s in lean["seen"]] == ["answer", "answer"]


def test_https_takes_the_lean_path_with_verification_and_sni():
    ca = MockCA()
    try:
        lean = _same([[_answer()], [_answer()]], tls=ca.context_for("localhost"), verify=str(ca.ca_path))
        assert lean["raws"] == ["_LeanResponse", "_LeanResponse"] and lean["names"] == ["localhost"]
        assert lean["requests"][0].split(b"\r\n")[1] == b"Host: localhost:PORT"
        unknown = _same([[_answer()]], calls=1, tls=ca.context_for("localhost"), verify=True)  # not our CA
        assert unknown["seen"][0][0] == "SSLError" and "CERTIFICATE_VERIFY_FAILED" in unknown["seen"][0][1]
        wrong = _same([[_answer()]], calls=1, tls=ca.context_for("other.example"), verify=str(ca.ca_path))
        assert wrong["seen"][0][0] == "SSLError" and "match" in wrong["seen"][0][1]
    finally:
        ca.close()


def test_the_client_maps_lean_path_failures_to_its_errors():
    """GigyaTimeout for a late answer, GigyaConnectionError (maybe applied) for a cut body."""
    server = _Scripted([[1.5, _answer()], [_answer(length=len(BODY) + 5), "close"], [_answer()]])
    client = GigyaClient("3_key", user_key="UK", secret="c2VjcmV0", base_url=server.url, max_retries=0,
                         timeout=0.5)
    try:
        with pytest.raises(GigyaTimeout):
            client.logout("u1")
        with pytest.raises(GigyaConnectionError) as cut:
            client.logout("u1")
        assert cut.value.maybe_applied
        assert client.logout("u1").raw["UID"] == "u1"
    finally:
        client.close()
        server.close()
