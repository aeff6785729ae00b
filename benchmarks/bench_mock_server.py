"""Throughput of `mock-gigya serve` (MockServer on loopback) with 1 and 64 concurrent clients.

Each client is a thread with its own pooled ``requests.Session`` (keep-alive), sending userKey +
secret calls for a fixed time. Calls: getAccountInfo (read one account), importFullAccount (one
write transaction) and a mix (70% reads, 20% writes, 10% count searches). Target: 64 concurrent
clients with no errors; a few hundred requests/s on a shared 2-core machine is plenty for
rehearsing imports (the real Gigya allows far less per key).
"""

from __future__ import annotations

import json
import random
import statistics
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from mock_gigya import defaults
from mock_gigya.server import MockServer

SECONDS = 3.0
CREDS = {"apiKey": defaults.DEFAULT_API_KEY, "userKey": defaults.DEFAULT_USER_KEY, "secret": defaults.DEFAULT_SECRET}


def _call(session: requests.Session, url: str, kind: str, rng: random.Random, uids: list[str], n: int) -> dict:
    if kind == "mix":
        draw = rng.random()
        kind = "read" if draw < 0.7 else "write" if draw < 0.9 else "search"
    if kind == "read":
        data = {"UID": rng.choice(uids)}
        method = "accounts.getAccountInfo"
    elif kind == "write":
        uid = f"bench-{uuid.uuid4().hex}"  # unique across rows and reused pool threads
        data = {"UID": uid, "loginIDs": json.dumps({"emails": [f"{uid}@example.com"]}),
                "profile": json.dumps({"firstName": "Bench"})}
        method = "accounts.importFullAccount"
    else:
        data = {"query": "SELECT count(*) FROM accounts"}
        method = "accounts.search"
    return session.post(f"{url}/{method}", data={**CREDS, **data}, timeout=30).json()


def _client(url: str, kind: str, seed: int, uids: list[str], deadline: float) -> tuple[list[float], Counter]:
    rng = random.Random(seed)
    latencies, errors = [], Counter()
    with requests.Session() as session:
        n = 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                body = _call(session, url, kind, rng, uids, n)
                if body.get("errorCode") != 0:
                    errors[f"{body.get('errorCode')} {body.get('errorDetails', '')}"[:70]] += 1
            except requests.RequestException as exc:
                errors[type(exc).__name__] += 1
            latencies.append(time.perf_counter() - started)
            n += 1
    return latencies, errors


def _run(url: str, kind: str, clients: int, uids: list[str]) -> tuple[float, float, float, Counter]:
    deadline = time.monotonic() + SECONDS
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(lambda i: _client(url, kind, i, uids, deadline), range(clients)))
    latencies = sorted(l for lat, _ in results for l in lat)
    errors = sum((e for _, e in results), Counter())
    p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else 0.0
    return len(latencies) / SECONDS, statistics.median(latencies) * 1000, p95 * 1000, errors


def main() -> None:
    """Print requests/s, median and p95 latency and error count per call kind and client count."""
    with MockServer() as server:
        report = server.seed(defaults.DEFAULT_API_KEY, 1000, algorithms=["sha256"], seed=1)
        print(f"mock-gigya at {server.url}; 1000 seeded accounts; {SECONDS:.0f} s per row")
        print(f"{'calls':<8} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
        for kind in ("read", "write", "mix"):
            for clients in (1, 64):
                rate, p50, p95, errors = _run(server.url, kind, clients, report.uids)
                print(f"{kind:<8} {clients:>7} {rate:>8.0f} {p50:>8.1f} {p95:>8.1f} {sum(errors.values()):>7}")
                for what, count in errors.most_common(3):
                    print(f"{'':>17}{count} x {what}")


if __name__ == "__main__":
    main()
