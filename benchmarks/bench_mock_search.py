"""Mock accounts.search: point lookups and counts cost the narrowed set; cursor paging is linear.

Part 1 (lookups): at 10k and 100k accounts (``--lookup-sizes``), times the import flow's existence
check ``SELECT UID FROM accounts WHERE loginIDs.emails = "..." LIMIT 2`` and the other common shapes
(``count(*)``, ``LIMIT 10`` first page with its totalCount, a timestamp range count, an OR of two
email lookups, a boolean WHERE that has no index and stays a Python scan). Target: an email lookup
well under 1 ms-ish per call and flat from 10k to 100k.

Part 2 (paging): seeds N accounts (default 200,000; ``--accounts 1000000`` for the full check), then
pages ``SELECT * FROM accounts`` (and WHERE queries) with openCursor/cursorId at LIMIT 1000, and
reports the time of the first pages against the last pages. Linear paging means the late pages cost
about what the early ones cost. Target: last/first ratio below 2.

Measured 2026-11-23 (2 shared cores, indicative), before -> after the account_values index:
email lookup 113 -> 0.34 ms at 10k, 1203 -> 0.33 ms at 100k; count(*) 79 -> 0.5 ms at 10k,
816 -> 3.8 ms at 100k; LIMIT 10 with totalCount 748 -> 3.8 ms at 100k; the boolean WHERE with no
index stays a Python scan (~1 s at 100k). Writes pay for the index: bulk_seed 100k 4.0 -> 5.4 s,
importFullAccount 0.24 -> 0.29 ms per call.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Iterator

from mock_gigya import api
from mock_gigya.backend import Backend
from mock_gigya.defaults import DEFAULT_API_KEY, DEFAULT_SECRET, DEFAULT_USER_KEY

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CACHE, record  # noqa: E402

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
    """(accounts returned, CPU seconds of each page): CPU time, so other work on the machine (the
    background dry runs of make bench, other users) does not tilt early against late pages."""
    timings, total = [], 0
    params = {**CREDS, "query": query, "openCursor": "true"}
    while True:
        started = time.process_time()
        _, body = api.handle(backend, "accounts.search", params)
        timings.append(time.process_time() - started)
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


def _timed(backend: Backend, query: str, repeat: int) -> tuple[float, dict]:
    """Median seconds of ``repeat`` accounts.search calls, and the last body."""
    timings, body = [], {}
    for _ in range(repeat):
        started = time.perf_counter()
        _, body = api.handle(backend, "accounts.search", {**CREDS, "query": query})
        timings.append(time.perf_counter() - started)
        if body["errorCode"]:
            raise RuntimeError(body)
    return statistics.median(timings), body


def _lookups(size: int, lookups: int) -> None:
    backend = Backend()
    backend.add_default_site()
    backend.bulk_seed(DEFAULT_API_KEY, _accounts(size))
    step = max(1, size // lookups)
    emails = [f"user{i}@example.com" for i in range(0, size, step)][:lookups]
    started = time.perf_counter()
    for email in emails:
        _, body = api.handle(backend, "accounts.search", {
            **CREDS, "query": f'SELECT UID FROM accounts WHERE loginIDs.emails = "{email}" LIMIT 2'})
        if body["errorCode"] or body["objectsCount"] != 1:
            raise RuntimeError(body)
    elapsed = time.perf_counter() - started
    print(f"{size:>8} accounts  lookup by email (import existence check)  {elapsed / len(emails) * 1000:9.2f} ms/call  "
          f"{len(emails) / elapsed:9.0f} lookups/s  ({len(emails)} lookups)")
    repeat = 5
    for label, query in (
        ("count(*)", "SELECT count(*) FROM accounts"),
        ("LIMIT 10 page + totalCount", "SELECT * FROM accounts LIMIT 10"),
        ("count(*) lastUpdatedTimestamp > N", f"SELECT count(*) FROM accounts WHERE lastUpdatedTimestamp > {1_600_000_000_000 + size // 2}"),
        ("OR of two email lookups", 'SELECT UID FROM accounts WHERE loginIDs.emails = "user1@example.com" '
                                    'OR profile.email = "user2@example.com"'),
        ("UID IN (3 UIDs)", 'SELECT UID FROM accounts WHERE UID IN ("uid00000001", "uid00000005", "nope")'),
        ("isActive=false AND data.deleteUser=true", "SELECT UID FROM accounts WHERE isActive = false AND data.deleteUser = true"),
    ):
        median, body = _timed(backend, query, repeat)
        print(f"{size:>8} accounts  {label:<42} {median * 1000:9.2f} ms/call  (totalCount {body['totalCount']})")
    backend.close()


SEARCH_ACCOUNTS = int(float(os.environ.get("BENCH_SEARCH_ACCOUNTS", "1000000")))


def _store(count: int) -> tuple[Backend, str]:
    """A mock store holding ``count`` accounts: seeded once into a SQLite file under ``CACHE`` (minutes
    for a million accounts on a busy machine), then reopened by later runs."""
    from mock_gigya.store import SCHEMA_VERSION

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"search-{count}-v{SCHEMA_VERSION}.db"
    if path.exists():
        backend = Backend(str(path))
        if backend.has_site(DEFAULT_API_KEY) and backend.accounts(DEFAULT_API_KEY).count() == count:
            return backend, f"reopened {path}"
        backend.close()
        path.unlink()
    partial = path.with_suffix(".partial")
    for leftover in CACHE.glob(partial.name + "*"):
        leftover.unlink()
    backend = Backend(str(partial))
    backend.add_default_site()
    started = time.perf_counter()
    backend.bulk_seed(DEFAULT_API_KEY, _accounts(count))
    seconds = time.perf_counter() - started
    backend.close()
    partial.rename(path)
    return Backend(str(path)), f"seeded in {seconds:.0f} s into {path}"


def records(count: int | None = None, lookups: int = 200, sample: int = 10) -> Iterator[dict]:
    """search_selective_ms, search_last_vs_first_page, search_ms_per_100k."""
    count = count or SEARCH_ACCOUNTS
    backend, origin = _store(count)
    try:
        step = max(1, count // lookups)
        timings = []
        for i in range(0, count, step):
            started = time.process_time()
            _, body = api.handle(backend, "accounts.search", {
                **CREDS, "query": f'SELECT UID FROM accounts WHERE loginIDs.emails = "user{i}@example.com" LIMIT 2'})
            timings.append(time.process_time() - started)
            if body["errorCode"] or body["objectsCount"] != 1:
                raise RuntimeError(body)
        yield record("search_selective_ms", statistics.median(timings) * 1000, None, None, "ms",
                     f"median CPU time of {len(timings)} accounts.search calls WHERE loginIDs.emails = one address (the import's "
                     f"existence check) on a site of {count:,} accounts ({origin})")
        total, pages = _page_through(backend, "SELECT * FROM accounts LIMIT 1000", sample)
        if total != count:
            raise RuntimeError(f"the cursor walk returned {total} of {count} accounts")
        early, late = pages[1:sample + 1], pages[-sample:]
        ratio = statistics.median(late) / statistics.median(early)
        yield record("search_last_vs_first_page", ratio, 1.5, "lower", "ratio",
                     f"median CPU time of the last {sample} pages over pages 2-{sample + 1} of a cursor walk "
                     f"(SELECT * LIMIT 1000, openCursor) through {count:,} accounts "
                     f"({statistics.median(early) * 1000:.1f} vs {statistics.median(late) * 1000:.1f} ms a page)")
        yield record("search_ms_per_100k", sum(pages) * 1000 / (count / 100_000), None, None, "ms",
                     f"CPU time of the whole walk: {len(pages):,} pages, {sum(pages):.1f} s for {count:,} accounts")
    finally:
        backend.close()


def main(argv: list[str] | None = None) -> None:
    """Time lookups and counts, then seed, page, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--sample", type=int, default=10, help="pages compared at each end")
    parser.add_argument("--lookup-sizes", default="10000,100000", help="site sizes for part 1 (comma list)")
    parser.add_argument("--lookups", type=int, default=200, help="email lookups timed per size")
    parser.add_argument("--skip-paging", action="store_true", help="run part 1 only")
    args = parser.parse_args(argv or [])
    for size in (int(s) for s in args.lookup_sizes.split(",") if s):
        _lookups(size, args.lookups)
    if args.skip_paging:
        return
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
