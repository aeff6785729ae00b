"""Cursor paging through many accounts costs the page, not the offset.

Seeds N accounts (default 200,000; ``--accounts 1000000`` for the full check) into a mock site, then
pages ``SELECT * FROM accounts`` (and a WHERE query evaluated in Python) with openCursor/cursorId at
LIMIT 1000, and reports the time of the first pages against the last pages. Linear paging means the
late pages cost about what the early ones cost. Target: last/first ratio below 2.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from mock_gigya import api
from mock_gigya.backend import Backend
from mock_gigya.defaults import DEFAULT_API_KEY, DEFAULT_SECRET, DEFAULT_USER_KEY

CREDS = {"apiKey": DEFAULT_API_KEY, "userKey": DEFAULT_USER_KEY, "secret": DEFAULT_SECRET}


def _accounts(n: int):
    base = 1_600_000_000_000
    for i in range(n):
        email = f"user{i}@example.com"
        yield {
            "UID": f"uid{i:08d}",
            "loginIDs": {"emails": [email], "unverifiedEmails": []},
            "profile": {"email": email, "firstName": f"First{i % 997}", "age": 18 + i % 60},
            "data": {"tier": "gold" if i % 10 == 0 else "basic"},
            "createdTimestamp": base + i,
            "lastUpdatedTimestamp": base + i,
        }


def _page_through(backend: Backend, query: str, sample: int) -> tuple[int, list[float]]:
    timings, total = [], 0
    params = {**CREDS, "query": query, "openCursor": "true"}
    while True:
        started = time.perf_counter()
        _, body = api.handle(backend, "accounts.search", params)
        timings.append(time.perf_counter() - started)
        if body["errorCode"]:
            raise RuntimeError(body)
        total += body["objectsCount"]
        if "nextCursorId" not in body:
            return total, timings
        params = {**CREDS, "cursorId": body["nextCursorId"]}


def _report(label: str, total: int, timings: list[float], sample: int) -> float:
    # the first page also counts totalCount (one scan), so compare pages 2..sample+1 with the last ones
    early = timings[1 : sample + 1] or timings[:1]
    late = timings[-sample:]
    ratio = statistics.median(late) / statistics.median(early)
    print(f"{label:<36} {total:>9} rows {len(timings):>5} pages  first page {timings[0] * 1000:8.1f} ms  "
          f"early median {statistics.median(early) * 1000:7.2f} ms  late median {statistics.median(late) * 1000:7.2f} ms  "
          f"late/early {ratio:5.2f}  total {sum(timings):6.1f} s")
    return ratio


def main(argv: list[str] | None = None) -> None:
    """Seed, page, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--sample", type=int, default=10, help="pages compared at each end")
    args = parser.parse_args(argv or [])
    backend = Backend()
    backend.add_default_site()
    started = time.perf_counter()
    backend.bulk_seed(DEFAULT_API_KEY, _accounts(args.accounts))
    print(f"seeded {args.accounts} accounts in {time.perf_counter() - started:.1f} s")
    print("target: late/early below 2 (a page costs the page, not the offset)")
    for label, query in (
        ("SELECT * (keyset on seq)", "SELECT * FROM accounts LIMIT 1000"),
        ("WHERE evaluated in Python", 'SELECT UID FROM accounts WHERE data.tier = "basic" LIMIT 1000'),
        ("WHERE plain string (JSON prefilter)", 'SELECT UID FROM accounts WHERE profile.firstName = "First7" LIMIT 1000'),
        ("WHERE pushed down (timestamp)", "SELECT UID FROM accounts WHERE lastUpdatedTimestamp >= 1600000000000 LIMIT 1000"),
    ):
        total, timings = _page_through(backend, query, args.sample)
        _report(label, total, timings, args.sample)
    backend.close()


if __name__ == "__main__":
    main(sys.argv[1:])
