"""``GigyaClient`` per-call cost: its calls/s against a loopback stub vs a bare ``requests`` loop.

The stub (another process, so its CPU is not ours) answers every POST with a fixed
getAccountInfo body. ``client_vs_bare_requests_cN`` is ``GigyaClient.get_account_info`` calls/s
from N threads sharing one client, over calls/s of N threads sharing one bare
``requests.Session().post`` sending the very bytes the client sent (same URL, form body and
headers, captured from the client) and parsing the JSON, both counted per CPU-second of this
process (a busy machine does not inflate it). The two loops alternate in short rounds so what load
remains hits both alike; the best round of each counts. Target: >= 0.8.
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterator

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ServerProcess, print_records, record  # noqa: E402

from gigya_migrate.client import GigyaClient  # noqa: E402
from mock_gigya import defaults  # noqa: E402

STUB = r'''
import json, socket, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
BODY = json.dumps({"callId": "0" * 32, "errorCode": 0, "statusCode": 200, "statusReason": "OK",
                   "time": "2026-01-01T00:00:00.000Z", "apiVersion": 2, "UID": "u1", "isActive": True,
                   "profile": {"email": "ada@example.com", "firstName": "Ada"}, "data": {}}).encode()
class Stub(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                         + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)
    def log_message(self, *args):
        pass
server = ThreadingHTTPServer(("127.0.0.1", 0), Stub)
server.daemon_threads = True
print(f"stub on http://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
'''


def _capture(client: GigyaClient) -> tuple[str, bytes, dict]:
    """The URL, body and headers the client sends for one getAccountInfo (as its adapter gets them)."""
    sent = {}
    adapter = client._session.get_adapter(client.url_for("accounts.getAccountInfo"))
    original = adapter.send

    def spy(request, **kwargs):
        sent.update(url=request.url, body=request.body, headers=dict(request.headers))
        return original(request, **kwargs)

    adapter.send = spy
    client.get_account_info("u1")
    del adapter.send
    body = sent["body"].encode() if isinstance(sent["body"], str) else sent["body"]
    # Content-Length is the bare session's to set (as the client's Session.post used to)
    headers = {k: v for k, v in sent["headers"].items() if k.lower() != "content-length"}
    return sent["url"], body, headers


def _rate(call: Callable[[], object], threads: int, seconds: float) -> tuple[float, float]:
    """(calls per CPU-second of this process, calls per wall second) of ``call`` from ``threads``
    threads for about ``seconds``. The CPU rate holds on a busy machine: other processes do not
    inflate this process's CPU time (the stub's is its own)."""
    deadline = time.perf_counter() + seconds
    counts = [0] * threads

    def loop(i: int) -> None:
        while time.perf_counter() < deadline:
            call()
            counts[i] += 1

    started, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(loop, range(threads)))
    calls = sum(counts)
    return calls / max(time.process_time() - cpu, 1e-9), calls / (time.perf_counter() - started)


def records(rounds: int = 5, seconds: float = 1.0) -> Iterator[dict]:
    """client_vs_bare_requests_c1 and _c8."""
    with ServerProcess([sys.executable, "-c", STUB]) as stub:
        client = GigyaClient(defaults.DEFAULT_API_KEY, user_key=defaults.DEFAULT_USER_KEY,
                             secret=defaults.DEFAULT_SECRET, base_url=stub.url, max_retries=0, pool_size=16)
        url, body, headers = _capture(client)
        bare = requests.Session()
        bare.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=16))

        def bare_call() -> object:
            return bare.post(url, data=body, headers=headers, timeout=60).json()

        for threads in (1, 8):
            best = {"client": (0.0, 0.0), "bare": (0.0, 0.0)}
            for _ in range(rounds):
                best["client"] = max(best["client"], _rate(lambda: client.get_account_info("u1"), threads, seconds))
                best["bare"] = max(best["bare"], _rate(bare_call, threads, seconds))
            (client_cpu, client_wall), (bare_cpu, bare_wall) = best["client"], best["bare"]
            yield record(f"client_vs_bare_requests_c{threads}", client_cpu / bare_cpu, 0.8, "higher", "ratio",
                         f"GigyaClient.get_account_info {client_cpu:,.0f} calls per CPU-second vs bare "
                         f"requests.Session().post of the same bytes {bare_cpu:,.0f}, {threads} thread(s), loopback "
                         f"stub in another process (best of {rounds} alternating {seconds:.0f} s rounds; wall: "
                         f"{client_wall:,.0f} vs {bare_wall:,.0f} calls/s)")
        client.close()
        bare.close()


def main() -> None:
    """Print the results (``make bench`` writes them to results.json)."""
    print_records(records())


if __name__ == "__main__":
    main()
