"""The least a client can do per call: what the mock and this machine allow the sustained import.

``python bare_client.py URL COUNT CONCURRENCY`` sends ``COUNT`` importFullAccount calls to
``mock-gigya serve`` at ``URL`` over ``CONCURRENCY`` keep-alive connections, one thread each,
and prints the calls per second. Every request is encoded before the clock starts, with the
fields and sizes ``gigya-migrate import`` sends for ``common.write_users`` rows (an md5 hash, the
demo mapping), so the mock does the same work per call; each thread only writes its request and
reads the answer's head and body. No journal, no retries, no throttle, no JSON decoding: the gap
between this figure and ``sustained_calls_per_s_c64_100ms`` is the importer's own per-call work
(the runner's hand-offs, the client, the threads taking turns at the interpreter lock).
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import sys
import threading
import time
from urllib.parse import urlencode, urlsplit

from mock_gigya import defaults


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def requests_for(host: str, count: int) -> list[bytes]:
    """The encoded POSTs, one per account of ``common.write_users``."""
    out = []
    for i in range(count):
        email = f"user{i}@example.com"
        digest = hashlib.md5(f"pw{i}".encode()).digest()
        body = urlencode({
            "profile": _compact({"firstName": f"First{i}", "lastName": f"Last{i}", "country": "DE", "email": email}),
            "loginIDs": _compact({"emails": [email]}), "emails": _compact({"verified": [email]}),
            "isRegistered": "true", "isVerified": "true",
            "password": _compact({"hashedPassword": base64.b64encode(digest).decode(),
                                  "hashSettings": {"algorithm": "md5"}}),
            "UID": hashlib.md5(email.encode()).hexdigest(), "importPolicy": "upsert",
            "apiKey": defaults.DEFAULT_API_KEY, "format": "json", "httpStatusCodes": "false",
            "userKey": defaults.DEFAULT_USER_KEY, "secret": defaults.DEFAULT_SECRET,
        }).encode()
        head = (f"POST /accounts.importFullAccount HTTP/1.1\r\nHost: {host}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        out.append(head + body)
    return out


def _answer(sock: socket.socket) -> bytes:
    """One whole answer (Content-Length framed, as the mock's plain answers are)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the mock closed the connection")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        body += sock.recv(65536)
    return body


def run(url: str, count: int, concurrency: int) -> float:
    """Calls per second of ``count`` calls over ``concurrency`` connections."""
    parts = urlsplit(url)
    pending = requests_for(parts.netloc, count)
    lock, failures = threading.Lock(), []

    def worker() -> None:
        with socket.create_connection((parts.hostname, parts.port)) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            while True:
                with lock:
                    if not pending:
                        return
                    request = pending.pop()
                sock.sendall(request)
                answer = _answer(sock)
                if b'"errorCode": 0,' not in answer and b'"errorCode":0,' not in answer:
                    failures.append(answer[:200])

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    if failures:
        raise RuntimeError(f"{len(failures)} of {count} calls failed, the first: {failures[0]!r}")
    return count / elapsed


if __name__ == "__main__":
    print(f"{run(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])):.2f}")
