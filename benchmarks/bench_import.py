"""``gigya-migrate import`` against ``mock-gigya serve`` in another process, and its memory.

1. Latency bound. A site answering every call in L seconds, reached over N connections, takes at
   most N / L records per second: ``import_vs_ideal_cN`` is the import's records/s (its own
   report: records over the run's wall time) over N / L, for 5,000 accounts at L = 50 ms.
2. ``sustained_calls_per_s_c64_100ms``: 20,000 accounts, 100 ms per call, 64 connections: the
   ideal is 640/s, Gigya's top documented rate is 630/s. Beside it,
   ``sustained_bare_client_calls_per_s_c64_100ms``: the same calls from ``bare_client.py``, a
   client doing nothing but write each pre-encoded request and read its answer: the ceiling the
   mock and the machine set.
3. Rate cap. The mock allows 400 calls/s to the key (a token bucket answering 403048 beyond it,
   ``--rate-cap 400``) and answers in 50 ms, so 64 connections could send 1,280/s: the import
   must find the cap and stay just under it (``import_vs_rate_cap``, records/s over the cap) with
   few refusals (``rate_limited_share``: 403048 answers over all calls).
4. ``import_with_random_403048_vs_clean``: 10% of calls answer 403048 whatever the rate; the same
   import with and without them (10,000 accounts, 64 connections, 50 ms).
5. Memory: peak RSS of a dry run (read, map, convert the hash, journal; no calls) of 100,000 and
   1,000,000 rows, each in a fresh process (``make bench`` starts them in a child process while the
   CPU-time benchmarks run: RSS does not depend on the load; the imports above wait for them).

``BENCH_SCALE`` (default 1) multiplies every account count, for quick runs while developing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (SITE, cpu_seconds, mock_process, print_records, record, run_import, steal_mark,  # noqa: E402
                    steal_note, temp_folder, write_users)

SCALE = float(os.environ.get("BENCH_SCALE", "1"))


def _n(count: int) -> int:
    return max(200, int(count * SCALE))


def _import(folder: Path, count: int, concurrency: int, *serve_options: str) -> tuple[dict, dict]:
    """(the import's report, CPU seconds used by the importer and by the mock server)."""
    export = write_users(folder / f"users-{count}.csv.gz", count)
    with mock_process(*serve_options) as server:
        mock_before = cpu_seconds(server.pid)
        report, _, importer = run_import(export, "--concurrency", str(concurrency), "--base-url", server.url, *SITE,
                                         folder=folder)
        mock = cpu_seconds(server.pid) - mock_before
    if report["records"]["ok"] != count:
        raise RuntimeError(f"import lost records: {report['records']} {report['failedByCode']}")
    return report, {"importer": importer, "mock": mock}


def latency_bound(folder: Path) -> Iterator[dict]:
    """import_vs_ideal_c8/c32/c64."""
    latency, count = 0.05, _n(5000)
    for n in (8, 32, 64):
        report, _ = _import(folder, count, n, "--latency", str(latency))
        ideal = n / latency
        yield record(f"import_vs_ideal_c{n}", report["throughputPerSecond"] / ideal, 0.9, "higher", "ratio",
                     f"{count:,} accounts, {n} connections, mock answering in {latency * 1000:.0f} ms: "
                     f"{report['throughputPerSecond']:,.0f} records/s of an ideal {ideal:,.0f}/s")


def sustained(folder: Path) -> Iterator[dict]:
    """sustained_calls_per_s_c64_100ms."""
    count = _n(20000)
    steal = steal_mark()
    report, cpu = _import(folder, count, 64, "--latency", "0.1")
    yield record("sustained_calls_per_s_c64_100ms", report["throughputPerSecond"], 630, "higher", "calls/s",
                 f"{count:,} accounts, 64 connections, 100 ms per call (ideal 640/s; 630/s is Gigya's top "
                 f"documented rate){steal_note(steal)}")
    importer_us, mock_us = cpu["importer"] / count * 1e6, cpu["mock"] / count * 1e6
    yield record("import_cpu_us_per_record", importer_us, None, None, "us/record",
                 "CPU of the gigya-migrate import process per record in that run (start-up included, bytecode "
                 "cached as installed): read, map, hash, journal on the main thread, the HTTP call on a worker")
    yield record("mock_cpu_us_per_record", mock_us, None, None, "us/record",
                 "CPU of mock-gigya serve per record in that run (importFullAccount over keep-alive HTTP)")
    yield record("cpu_bound_records_per_s", os.cpu_count() * 1e6 / (importer_us + mock_us), None, None, "records/s",
                 f"what {os.cpu_count()} cores could import if the importer and the mock had them all: "
                 f"{os.cpu_count()} / ({importer_us:,.0f} + {mock_us:,.0f} us); the latency-bound figures above "
                 "it cannot be reached on this machine")
    steal = steal_mark()
    bare = _bare_client(count, 64, "--latency", "0.1")
    yield record("sustained_bare_client_calls_per_s_c64_100ms", bare, None, None, "calls/s",
                 f"the same {count:,} importFullAccount calls, pre-encoded, from 64 threads that only write each "
                 "request and read its answer (bare_client.py) into a fresh mock: what the mock and this machine "
                 "allow a client at 100 ms; the gap to sustained_calls_per_s_c64_100ms is the importer's own per-call "
                 f"work ({report['throughputPerSecond'] / bare:.3f} of it reached){steal_note(steal)}")


def _bare_client(count: int, concurrency: int, *serve_options: str) -> float:
    """Calls/s of ``bare_client.py`` (its own process, as the importer is) against a fresh mock."""
    with mock_process(*serve_options) as server:
        out = subprocess.run([sys.executable, str(Path(__file__).resolve().parent / "bare_client.py"), server.url,
                              str(count), str(concurrency)], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def rate_cap(folder: Path) -> Iterator[dict]:
    """import_vs_rate_cap and rate_limited_share."""
    count, cap = _n(20000), 400
    report, _ = _import(folder, count, 64, "--latency", "0.05", "--rate-cap", str(cap))
    calls = report["records"]["ok"] + report["records"]["failed"] + report["rateLimited"] + report["retries"]
    yield record("import_vs_rate_cap", report["throughputPerSecond"] / cap, 0.9, "higher", "ratio",
                 f"{count:,} accounts, 64 connections (1,280 calls/s possible at 50 ms) into a key capped at "
                 f"{cap}/s: {report['throughputPerSecond']:,.0f} records/s")
    yield record("rate_limited_share", report["rateLimited"] / calls, 0.05, "lower", "share",
                 f"{report['rateLimited']:,} answers 403048 among {calls:,} importFullAccount calls of that import")


def random_refusals(folder: Path) -> Iterator[dict]:
    """import_with_random_403048_vs_clean."""
    count = _n(10000)
    clean, _ = _import(folder, count, 64, "--latency", "0.05")
    noisy, _ = _import(folder, count, 64, "--latency", "0.05", "--rate-limit-prob", "0.1", "--fault-seed", "1")
    ratio = noisy["throughputPerSecond"] / clean["throughputPerSecond"]
    yield record("import_with_random_403048_vs_clean", ratio, 0.6, "higher", "ratio",
                 f"{count:,} accounts, 64 connections, 50 ms: {noisy['throughputPerSecond']:,.0f} records/s with 10% "
                 f"random 403048 ({noisy['rateLimited']:,} of them) vs {clean['throughputPerSecond']:,.0f} without")


def memory(folder: Path) -> Iterator[dict]:
    """rss_mb_100k, rss_mb_1m, rss_ratio_1m_vs_100k."""
    small, large = _n(100_000), _n(1_000_000)
    peaks = {}
    for rows in (small, large):
        export = write_users(folder / f"dry-{rows}.csv.gz", rows)
        report, peak_kb, _ = run_import(export, "--dry-run", folder=folder)
        if report["records"]["ok"] != rows:
            raise RuntimeError(f"dry run lost records: {report['records']}")
        peaks[rows] = (peak_kb / 1024, report["throughputPerSecond"])
        export.unlink()
    label = {small: "100k", large: "1m"}
    for rows in (small, large):
        yield record(f"rss_mb_{label[rows]}", peaks[rows][0], 200 if rows == large else None,
                     "lower" if rows == large else None, "MB",
                     f"peak RSS of `gigya-migrate import --dry-run` of {rows:,} gzip CSV rows (map, md5 hash "
                     f"conversion, journal) at {peaks[rows][1]:,.0f} rows/s")
    yield record("rss_ratio_1m_vs_100k", peaks[large][0] / peaks[small][0], 1.2, "lower", "ratio",
                 f"peak RSS of the {large:,}-row dry run over the {small:,}-row one (flat = streaming)")


class _Background:
    """The dry runs of ``memory`` in a child process: their peak RSS does not depend on the load, so
    ``run.py`` starts them while the CPU-time benchmarks run, which saves minutes of ``make bench``.

    A child process, not a thread: writing a million-row export is seconds of CPU, and in a thread
    of this process it counted in the ``time.process_time`` of the client and hashing benchmarks
    running meanwhile (and took their GIL)."""

    process: subprocess.Popen | None = None


def start_memory() -> None:
    """Start the dry runs of ``memory`` in a child process (``records`` collects them)."""
    _Background.process = subprocess.Popen([sys.executable, __file__, "--memory"], stdout=subprocess.PIPE,
                                           text=True)


def _background_results() -> list[dict]:
    process, _Background.process = _Background.process, None
    out, _ = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"the memory benchmark's process failed (exit {process.returncode})")
    return json.loads(out)


def records() -> Iterator[dict]:
    """Every result of this module, in order (the memory figures last: they may have run meanwhile).

    Dry runs started by ``start_memory`` are waited for first: an import's records/s depends on
    the two cores being free, so none of them overlaps an import."""
    early = _background_results() if _Background.process is not None else None
    with temp_folder() as tmp:
        folder = Path(tmp)
        for part in (latency_bound, sustained, rate_cap, random_refusals):
            yield from part(folder)
        yield from early if early is not None else memory(folder)


def main() -> None:
    """Print the results (``make bench`` writes them to results.json); ``--memory``: the memory
    figures only, as JSON (``start_memory``'s child process)."""
    if sys.argv[1:] == ["--memory"]:
        with temp_folder() as tmp:
            print(json.dumps(list(memory(Path(tmp)))))
        return
    print_records(records())


if __name__ == "__main__":
    main()
