"""The HTTP server adapter alone (api.handle replaced by an echo): routing, addressing, bad input,
faults over a real socket, keep-alive and 64 concurrent clients."""

import http.client
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from mock_gigya import defaults
from mock_gigya.faults import FaultInjector
from mock_gigya.server import MockServer

from .conftest import EchoBackend, echo_handle

KEY = defaults.DEFAULT_API_KEY


def post(server, method, data=None, **kwargs):
    return requests.post(f"{server.url}/{method}", data={"apiKey": KEY, **(data or {})}, **kwargs)


def raw_exchange(server, payload: bytes) -> bytes:
    host, port = server.url[len("http://"):].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(payload)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_routes_by_path_and_passes_the_mock_url(echo_server):
    body = post(echo_server, "accounts.search", {"query": "SELECT * FROM accounts"}).json()
    assert body["method"] == "accounts.search"
    assert body["url"] == f"{echo_server.url}/accounts.search"
    assert body["params"]["query"] == "SELECT * FROM accounts"


def test_host_header_names_the_gigya_url_the_client_signed(echo_server):
    body = post(echo_server, "accounts.search", headers={"Host": "accounts.us1.gigya.com"}).json()
    assert body["url"] == "https://accounts.us1.gigya.com/accounts.search"  # SDKs' scheme; unknowable here
    assert body["headers"]["Host"] == "accounts.us1.gigya.com"
    assert body["remoteAddr"] == "127.0.0.1"
    forwarded = post(echo_server, "accounts.search",
                     headers={"Host": "accounts.us1.gigya.com", "X-Forwarded-Proto": "http"}).json()
    assert forwarded["url"] == "http://accounts.us1.gigya.com/accounts.search"


def test_proxy_request_line_with_absolute_uri(echo_server):
    response = requests.post("http://accounts.eu1.gigya.com/accounts.importFullAccount", data={"apiKey": KEY},
                             proxies={"http": echo_server.url})
    body = response.json()
    assert body["url"] == "http://accounts.eu1.gigya.com/accounts.importFullAccount"
    assert body["method"] == "accounts.importFullAccount"


def test_https_through_the_proxy_is_refused_clearly_when_off():
    with MockServer(backend=EchoBackend(), handle=echo_handle, https_proxy=False) as server:
        assert server.ca_path is None
        with pytest.raises(requests.exceptions.ProxyError):
            requests.post("https://accounts.us1.gigya.com/accounts.search", data={"apiKey": KEY},
                          proxies={"https": server.url}, timeout=5)


def test_get_with_query_string_works_like_post(echo_server):
    body = requests.get(f"{echo_server.url}/accounts.getAccountInfo?apiKey={KEY}&UID=abc").json()
    assert body["params"] == {"apiKey": KEY, "UID": "abc"}


def test_chunked_body_is_read(echo_server):
    def parts():
        yield b"apiKey=" + KEY.encode()
        yield b"&UID=chunked"

    body = requests.post(f"{echo_server.url}/accounts.getAccountInfo", data=parts(),
                         headers={"Content-Type": "application/x-www-form-urlencoded"}).json()
    assert body["params"]["UID"] == "chunked"


def assert_envelope(response, code=400001):
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["errorCode"] == code
    assert {"callId", "errorMessage", "statusCode", "statusReason", "time"} <= set(body)
    assert "Traceback" not in response.text and "<html" not in response.text.lower()
    return body


def test_oversized_body_gets_an_envelope(echo_server):
    response = post(echo_server, "accounts.importFullAccount", {"data": "x" * (9 * 1024 * 1024)})
    assert "too large" in assert_envelope(response)["errorDetails"]


def test_broken_form_encoding_gets_an_envelope(echo_server):
    response = requests.post(f"{echo_server.url}/accounts.search", data=b"apiKey=%C3%28&query=%FF",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_envelope(response)


@pytest.mark.parametrize("payload", [
    b"GARBAGE\r\n\r\n",
    b"POST /accounts.search HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n",
    b"POST /accounts.search HTTP/9.9\r\nHost: x\r\n\r\n",
    b"POST /accounts.search HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"POST /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
])
def test_malformed_http_gets_a_json_envelope_not_html(echo_server, payload):
    reply = raw_exchange(echo_server, payload)
    head, _, body = reply.partition(b"\r\n\r\n")
    assert b"application/json" in head
    assert json.loads(body)["errorCode"] == 400001


def test_crash_in_the_handler_is_an_envelope(echo_server):
    assert_envelope(requests.post(f"{echo_server.url}/crash.now", data={"apiKey": KEY}), code=500001)


def test_keep_alive_serves_many_calls_on_one_connection(echo_server):
    host, port = echo_server.url[len("http://"):].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    for uid in ("a", "b", "c"):
        connection.request("POST", "/accounts.getAccountInfo", body=f"apiKey={KEY}&UID={uid}",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        assert json.loads(response.read())["params"]["UID"] == uid
    connection.close()


def test_error_faults_over_http(echo_server):
    echo_server.faults.script("importFullAccount", times=2, error=403048)
    codes = [post(echo_server, "accounts.importFullAccount").json()["errorCode"] for _ in range(3)]
    assert codes == [403048, 403048, 0]


def test_drop_fault_closes_the_connection_unanswered(echo_server):
    echo_server.faults.drop()
    with pytest.raises(requests.exceptions.ConnectionError):
        post(echo_server, "accounts.search")
    assert post(echo_server, "accounts.search").json()["errorCode"] == 0


def test_timeout_fault_answers_after_the_client_gave_up(echo_server):
    echo_server.faults.timeout_seconds = 5.0  # the sleeping thread is woken when the server stops
    echo_server.faults.timeout()
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        post(echo_server, "accounts.search", timeout=0.3)
    assert time.monotonic() - started < 4.0
    assert post(echo_server, "accounts.search", timeout=5).json()["errorCode"] == 0


def test_latency_is_added(echo_server):
    echo_server.faults.configure(latency=0.2)
    started = time.monotonic()
    post(echo_server, "accounts.search")
    assert time.monotonic() - started >= 0.2


def test_processed_drop_reaches_the_handler_before_losing_the_answer(echo_server):
    seen = []
    original = echo_server.app._handle
    echo_server.app._handle = lambda *a, **k: (seen.append(a[1]), original(*a, **k))[1]
    echo_server.faults.drop(processed=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        post(echo_server, "accounts.importFullAccount")
    assert seen == ["accounts.importFullAccount"]


def test_64_concurrent_clients_each_with_a_pooled_session(echo_server):
    barrier = threading.Barrier(64)

    def client(index):
        with requests.Session() as session:
            barrier.wait(timeout=10)  # all 64 connect at once
            codes = []
            for call in range(10):
                response = session.post(f"{echo_server.url}/accounts.getAccountInfo",
                                        data={"apiKey": KEY, "UID": f"{index}-{call}"}, timeout=10)
                body = response.json()
                assert body["params"]["UID"] == f"{index}-{call}"
                codes.append(body["errorCode"])
            return codes

    with ThreadPoolExecutor(64) as pool:
        results = list(pool.map(client, range(64)))
    assert results == [[0] * 10] * 64


def test_head_answers_headers_only_and_keeps_the_connection_in_step(echo_server):
    with requests.Session() as session:
        head = session.head(f"{echo_server.url}/accounts.search", params={"apiKey": KEY})
        assert head.status_code == 200 and head.content == b""
        assert session.post(f"{echo_server.url}/accounts.search", data={"apiKey": KEY}).json()["errorCode"] == 0


class BrokenFaults(FaultInjector):
    def decide(self, method):
        raise RuntimeError("a bug in the mock itself")


def test_a_bug_outside_the_handler_still_answers_an_envelope(capsys):
    with MockServer(backend=EchoBackend(), handle=echo_handle, faults=BrokenFaults()) as server:
        response = requests.post(f"{server.url}/accounts.search", data={"apiKey": KEY}, timeout=5)
        assert_envelope(response, code=500001)
        assert requests.get(f"{server.url}/__mock__/state", timeout=5).status_code == 200  # still serving
    assert "a bug in the mock itself" in capsys.readouterr().err


def test_verbose_access_log_leaves_query_strings_out(capsys):
    with MockServer(backend=EchoBackend(), handle=echo_handle, verbose=True) as server:
        requests.get(f"{server.url}/accounts.search?apiKey={KEY}&secret=TopSecret", timeout=5)
    err = capsys.readouterr().err
    assert '"GET /accounts.search" 200' in err and "TopSecret" not in err
