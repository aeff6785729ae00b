"""The least a client can do per call: what the mock and this machine allow the sustained import.

``python bare_client.py URL COUNT CONCURRENCY`` sends ``COUNT`` importFullAccount calls to
``mock-gigya serve`` at ``URL`` over ``CONCURRENCY`` keep-alive connections, one thread each,
and prints the calls per second. Every request is encoded before the clock starts, by the import's
own steps and client for ``common.write_users`` rows (an md5 hash, ``common.MAPPING``), so the mock
does the same work per call; each thread only writes its request and
reads the answer's head and body. No journal, no retries, no throttle, no JSON decoding: the gap
between this figure and ``sustained_calls_per_s_c64_100ms`` is the importer's own per-call work
(the runner's hand-offs, the client, the threads taking turns at the interpreter lock).
"""

from __future__ import annotations

import csv
import gzip
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from common import MAPPING, write_users
from gigya_migrate.client import GigyaClient
from gigya_migrate.flows.import_accounts import ImportJob
from gigya_migrate.flows.mapping import load_mapping
from mock_gigya import defaults


class _Recorder(HTTPAdapter):
    """Keeps each request body the client sends and answers it with success, sending nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.bodies: list[bytes] = []

    def send(self, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:
        body = request.body
        self.bodies.append(body if isinstance(body, bytes) else body.encode())
        response = requests.Response()
        response.status_code, response._content = 200, b'{"errorCode": 0}'
        response.request, response.url = request, request.url
        return response


def requests_for(url: str, count: int) -> list[bytes]:
    """The POSTs ``gigya-migrate import`` sends for ``count`` rows of ``common.write_users`` with
    ``common.MAPPING``: the import's own steps and client make each body (a recording adapter keeps
    it), so the mock gets the very bytes it gets from the importer."""
    recorder = _Recorder()
    with requests.Session() as session, tempfile.TemporaryDirectory() as folder:
        session.mount("http://", recorder)
        client = GigyaClient(defaults.DEFAULT_API_KEY, user_key=defaults.DEFAULT_USER_KEY,
                             secret=defaults.DEFAULT_SECRET, base_url=url, session=session)
        (Path(folder) / "mapping.yaml").write_text(MAPPING)
        job = ImportJob(load_mapping(Path(folder) / "mapping.yaml"), client, defaults.DEFAULT_API_KEY, lookup=False)
        with gzip.open(write_users(Path(folder) / "users.csv.gz", count), "rt", newline="") as rows:
            for row in csv.DictReader(rows):
                job.write(job.hash_row(job.map_row(row)))
    head = (f"POST /accounts.importFullAccount HTTP/1.1\r\nHost: {urlsplit(url).netloc}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n")
    return [(head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body for body in recorder.bodies]


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
    pending = requests_for(url, count)
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
