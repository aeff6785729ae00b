"""Per-call overhead of ``GigyaClient`` against a local stub server (no Gigya, no mock logic).

Measures, for each credential mode (secret in the body, HMAC-signed, RS256 bearer):
* the client's own cost per call (encoding, signing, parsing, model) with a session that never
  touches the network;
* calls per second over loopback HTTP to a stub answering a fixed importFullAccount body, from one
  thread and from 8 threads sharing one client (the pooled session).
Target: client overhead well under 1 ms per call for secret/signed, so the network dominates.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gigya_migrate.client import GigyaClient

BODY = json.dumps({"callId": "0" * 32, "errorCode": 0, "statusCode": 200, "UID": "u1"}).encode()
SECRET = base64.b64encode(b"bench-secret").decode()
PROFILE = {"email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace"}


class _Stub(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go out in two writes: without NODELAY, Nagle + delayed ACK add ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self):  # noqa: N802 - http.server naming
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args):
        pass


class _NoNetwork(requests.Session):
    """A session answering every POST at once with the stub body (isolates the client's own cost)."""

    def post(self, url, **kwargs):
        response = requests.Response()
        response.status_code, response._content = 200, BODY
        return response


def _clients(session_factory, base_url):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    common = dict(base_url=base_url, user_key="UK")
    return {
        "secret": GigyaClient("3_b", secret=SECRET, session=session_factory(), **common),
        "signed": GigyaClient("3_b", secret=SECRET, sign_requests=True, session=session_factory(), **common),
        "bearer": GigyaClient("3_b", private_key=pem, session=session_factory(), **common),
    }


def _one_call(client, i):
    client.import_full_account(f"u{i}", profile=PROFILE, login_ids={"emails": [PROFILE["email"]]})


def _rate(client, calls, threads):
    start = time.perf_counter()
    if threads == 1:
        for i in range(calls):
            _one_call(client, i)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda i: _one_call(client, i), range(calls)))
    return calls / (time.perf_counter() - start)


def main() -> None:
    """Print the client-only cost and loopback throughput per credential mode."""
    print(f"{'mode':8} {'client-only us/call':>20} {'loopback calls/s (1 thr)':>25} {'(8 thr)':>9}")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        offline = _clients(_NoNetwork, "http://127.0.0.1:9")
        online = _clients(requests.Session, f"http://127.0.0.1:{server.server_address[1]}")
        for mode in offline:
            per_call = 1e6 / _rate(offline[mode], 2000, 1)
            single = _rate(online[mode], 300, 1)
            multi = _rate(online[mode], 600, 8)
            print(f"{mode:8} {per_call:20.0f} {single:25.0f} {multi:9.0f}")
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
