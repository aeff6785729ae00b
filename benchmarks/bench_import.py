"""Import runner: throughput against the latency bound N / L, and memory as the input file grows.

1. Latency bound. A site answering every call in L seconds, reached over N connections, can take
   at most N / L records per second. Measured twice: the runner alone (a writer that sleeps L),
   and the whole import path (GigyaClient -> ``mock-gigya serve --latency L`` in another process). Target: at least 80% of N / L.
2. Memory. The same import (map + hash + journal + a writer that answers at once) over gzip CSV
   files of growing size, each in a fresh process; peak RSS should stay flat as rows grow
   (target: the largest file within +25% of the smallest's peak). ``BENCH_IMPORT_ROWS`` sets the
   sizes (default ``10000,100000,1000000``).
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _records(count: int):
    for i in range(count):
        yield {"email": f"user{i}@example.com", "first_name": f"User {i}"}


def runner_only(n: int, latency: float, seconds: float = 2.0) -> float:
    """Records/s of the runner with a writer that takes ``latency`` seconds."""
    from gigya_migrate.flows.runner import RecordResult, RunOptions, run

    count = int(n / latency * seconds)

    def write(record):
        time.sleep(latency)
        return RecordResult(record["email"], ok=True)

    started = time.perf_counter()
    report = run(_records(count), name="bench", key=lambda r: r["email"], write=write,
                 options=RunOptions(concurrency=n, progress=False))
    assert report.ok == count
    return count / (time.perf_counter() - started)


def through_mock(n: int, latency: float, seconds: float = 2.0) -> float:
    """Records/s of the import flow (client + loopback mock server answering in ``latency``)."""
    from gigya_migrate.client import GigyaClient
    from gigya_migrate.flows.import_accounts import ImportJob, import_records
    from gigya_migrate.flows.mapping import Mapping
    from gigya_migrate.flows.runner import RunOptions
    from mock_gigya import defaults
    from gigya_migrate.demo import MockProcess

    count = int(n / latency * seconds)
    with MockProcess("--latency", str(latency)) as server:  # its own process: its CPU is not ours
        client = GigyaClient(defaults.DEFAULT_API_KEY, user_key=defaults.DEFAULT_USER_KEY,
                             secret=defaults.DEFAULT_SECRET, base_url=server.url, max_retries=0, pool_size=n + 4)
        job = ImportJob(Mapping(fields={"first_name": "profile.firstName"}), client, defaults.DEFAULT_API_KEY,
                        lookup=False)
        started = time.perf_counter()
        report = import_records(_records(count), job, RunOptions(concurrency=n, progress=False))
        elapsed = time.perf_counter() - started
        client.close()
    assert report.ok == count, report.summary()
    return count / elapsed


MEMORY_CHILD = textwrap.dedent("""
    import resource, sys, tempfile, time
    from pathlib import Path
    from gigya_migrate.flows.import_accounts import ImportJob, import_file
    from gigya_migrate.flows.mapping import load_mapping
    from gigya_migrate.flows.runner import RecordResult, RunOptions

    class InstantSite:  # answers at once: the benchmark measures our memory, not a server's
        def import_full_account(self, account, import_policy):
            return type("R", (), {"uid": account["UID"]})()

    path, mapping = sys.argv[1], sys.argv[2]
    job = ImportJob(load_mapping(mapping), InstantSite(), "3_bench", lookup=False)
    with tempfile.TemporaryDirectory() as tmp:
        options = RunOptions(concurrency=8, progress=False, journal_path=Path(tmp) / "j.sqlite",
                             errors_path=Path(tmp) / "e.jsonl")
        started = time.perf_counter()
        report = import_file(path, job, options)
        elapsed = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(report.records_in, report.ok, report.failed, round(elapsed, 1), peak_kb)
""")

MAPPING = """\
fields:
  first_name: profile.firstName
  last_name: profile.lastName
  country: profile.country
password:
  hash: hash
  scheme: scheme
"""


def _write_export(path: Path, rows: int) -> None:
    import hashlib

    with gzip.open(path, "wt", compresslevel=1, newline="") as handle:
        handle.write("email,first_name,last_name,country,hash,scheme\n")
        for i in range(rows):
            digest = hashlib.md5(f"pw{i}".encode()).hexdigest()
            handle.write(f"user{i}@example.com,First{i},Last{i},DE,{digest},md5\n")


def memory(rows: int, tmp: Path) -> tuple[int, int, float, int]:
    """(records in, ok, seconds, peak RSS in kB) of importing a ``rows``-row file in a fresh process."""
    export, mapping = tmp / f"users-{rows}.csv.gz", tmp / "mapping.yaml"
    _write_export(export, rows)
    mapping.write_text(MAPPING)
    done = subprocess.run([sys.executable, "-c", MEMORY_CHILD, str(export), str(mapping)], capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, check=True)
    records, ok, _failed, seconds, peak = done.stdout.split()
    export.unlink()
    return int(records), int(ok), float(seconds), int(peak)


def main() -> None:
    """Print both tables."""
    latency = 0.05
    print(f"throughput vs the latency bound N / L (L = {latency * 1000:.0f} ms per call; target >= 80%)")
    print(f"{'N':>4} {'bound/s':>9} {'runner/s':>9} {'%':>5} {'mock/s':>9} {'%':>5}")
    for n in (4, 16, 32):
        bound = n / latency
        alone, full = runner_only(n, latency), through_mock(n, latency)
        print(f"{n:>4} {bound:>9.0f} {alone:>9.0f} {100 * alone / bound:>5.0f} {full:>9.0f} {100 * full / bound:>5.0f}")
    sizes = [int(s) for s in os.environ.get("BENCH_IMPORT_ROWS", "10000,100000,1000000").split(",")]
    print("\nmemory as the file grows (map + md5 hash + journal + instant writer; target: flat peak RSS)")
    print(f"{'rows':>10} {'ok':>10} {'seconds':>8} {'rows/s':>8} {'peak MB':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for rows in sizes:
            records, ok, seconds, peak = memory(rows, Path(tmp))
            print(f"{records:>10,} {ok:>10,} {seconds:>8.1f} {records / seconds:>8,.0f} {peak / 1024:>8.1f}")


if __name__ == "__main__":
    main()
