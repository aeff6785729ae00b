"""gigya_migrate.http_wire: the form body is urlencode's, byte for byte, and a call reaches the
server as one write (headers and body together)."""

import json
import socket
import threading
from urllib.parse import parse_qs, urlencode

import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from gigya_migrate.client import SDK_NAME, GigyaClient, encode_param
from gigya_migrate.http_wire import ClientAdapter, form_encode

_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_TEXT, _TEXT, max_size=6))
def test_form_encode_is_urlencode(fields):
    assert form_encode(fields) == urlencode(fields)


def test_form_encode_examples_from_the_html_spec():
    # application/x-www-form-urlencoded: space as "+", reserved characters and UTF-8 bytes as %XX
    assert form_encode({"q": "a b&c=d", "name": "é~_.-*"}) == "q=a+b%26c%3Dd&name=%C3%A9~_.-%2A"


class _OneShotServer:
    """Loopback HTTP/1.1: keeps the first recv() of each request and answers a Gigya envelope."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.first_reads: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                self.first_reads.append(data)
                head, _, body = data.partition(b"\r\n\r\n")
                length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                                  if line.lower().startswith(b"content-length")))
                while len(body) < length:
                    body += conn.recv(65536)
                answer = json.dumps({"errorCode": 0, "statusCode": 200, "UID": "u1"}).encode()
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                             + str(len(answer)).encode() + b"\r\n\r\n" + answer)

    def close(self) -> None:
        self.sock.close()


def test_a_call_is_one_write_with_headers_and_body():
    server = _OneShotServer()
    client = GigyaClient("3_key", user_key="UK", secret="c2VjcmV0", base_url=server.url, max_retries=0)
    try:
        client.import_full_account("u1", profile={"email": "a b@example.com", "firstName": "Zoë"},
                                   import_policy="upsert")
        client.logout("u1")
    finally:
        client.close()
        server.close()
    assert len(server.first_reads) == 2
    for data in server.first_reads:
        head, _, body = data.partition(b"\r\n\r\n")
        assert head.startswith(b"POST /accounts.") and b"Content-Length: %d" % len(body) in head
    fields = {k: v[0] for k, v in parse_qs(server.first_reads[0].partition(b"\r\n\r\n")[2].decode()).items()}
    assert json.loads(fields["profile"]) == {"email": "a b@example.com", "firstName": "Zoë"}


def test_a_plain_requests_session_works_through_the_adapter():
    server = _OneShotServer()
    session = requests.Session()
    session.mount("http://", ClientAdapter())
    try:
        first = session.post(f"{server.url}/a", data="x=é".encode(), headers={"Content-Type": "text/plain"}, timeout=10)
        second = session.post(f"{server.url}/b", data=b"y=1", timeout=10)
    finally:
        session.close()
        server.close()
    assert first.json()["UID"] == second.json()["UID"] == "u1"
    assert first.status_code == 200 and not first.cookies  # the cookie jar is not filled (module docstring)


def test_the_pool_of_an_origin_is_remembered_until_the_adapter_closes():
    server = _OneShotServer()
    adapter = ClientAdapter()
    session = requests.Session()
    session.mount("http://", adapter)
    try:
        assert session.post(f"{server.url}/a", data=b"x=1", timeout=10).status_code == 200
        first = next(iter(adapter._pools.values()))
        assert session.post(f"{server.url}/b", data=b"x=2", timeout=10).status_code == 200
        assert list(adapter._pools.values()) == [first]
        adapter.close()  # what closing the session does
        assert not adapter._pools
        assert session.post(f"{server.url}/c", data=b"x=3", timeout=10).json()["UID"] == "u1"
        assert next(iter(adapter._pools.values())) is not first
    finally:
        session.close()
        server.close()


_PARAM_NAMES = st.sampled_from(["UID", "profile", "query", "format", "apiKey", "secret", "userKey", "sdk", "é x"])
_PARAM_VALUES = st.one_of(_TEXT, st.booleans(), st.none(), st.integers(),
                          st.dictionaries(_TEXT, _TEXT, max_size=3), st.lists(_TEXT, max_size=3))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_PARAM_NAMES, _PARAM_VALUES, max_size=5), st.sampled_from(["secret", "anonymous"]))
def test_the_call_body_is_urlencode_of_the_params_then_the_credentials(params, mode):
    """The body a call sends is urlencode of the encoded parameters followed by the credential
    fields in _credentials' order (a parameter with a credential's name keeps its place)."""
    client = GigyaClient("3_key", user_key="UK" if mode == "secret" else None,
                         secret="c2VjcmV0" if mode == "secret" else None, base_url="http://127.0.0.1:9")
    expected = {k: encode_param(v) for k, v in params.items()}
    expected.update(apiKey="3_key", format="json", httpStatusCodes="false", sdk=SDK_NAME)
    if mode == "secret":
        expected.update(userKey="UK", secret="c2VjcmV0")
    body, headers = client._form_body("http://127.0.0.1:9/accounts.x", params)
    assert body == urlencode(expected) and headers == {}
    client.api_key = "3_other"  # a changed key is sent from the next call on
    assert "apiKey=3_other&" in client._form_body("http://127.0.0.1:9/accounts.x", {})[0]
    client.close()
