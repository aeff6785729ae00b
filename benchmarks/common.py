"""What every benchmark shares: the result record, a mock-gigya process, CPU time of a process,
and running the real ``gigya-migrate`` command.

A result is one record of ``results.json``::

    {"name": "import_vs_ideal_c8", "value": 0.93, "target": 0.9, "better": "higher",
     "unit": "ratio", "detail": "..."}

Every figure is a ratio or a rate measured within one run, so the load other processes put on a
shared machine cancels out as far as it can; ``detail`` says what was measured.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Iterable

from mock_gigya import defaults

REPO = Path(__file__).resolve().parents[1]
SITE = ["--api-key", defaults.DEFAULT_API_KEY, "--user-key", defaults.DEFAULT_USER_KEY,
        "--secret", defaults.DEFAULT_SECRET]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
CACHE = Path(os.environ.get("BENCH_CACHE", Path.home() / ".cache" / "gigya-migrate-bench"))
"""What the benchmarks keep between runs (the seeded search store, the importer's bytecode)."""


def record(name: str, value: float | None, target: float | None, better: str | None, unit: str,
           detail: str) -> dict[str, Any]:
    """One result; ``target``/``better`` None for a figure reported without a target."""
    if better not in ("higher", "lower", None):
        raise ValueError(f"better must be higher or lower, not {better!r}")
    return {"name": name, "value": None if value is None else round(float(value), 4), "target": target,
            "better": better, "unit": unit, "detail": detail}


def met(result: dict[str, Any]) -> bool | None:
    """Whether a result meets its target (None when it has none or no value)."""
    if result["target"] is None or result["value"] is None:
        return None
    if result["better"] == "higher":
        return result["value"] >= result["target"]
    return result["value"] <= result["target"]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux ``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def steal_mark() -> tuple[float, float] | None:
    """(CPU seconds the hypervisor has taken from this machine's cores so far, now): ``steal`` in
    ``/proc/stat``, all cores together; None where the kernel does not say. See ``steal_note``."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
        if fields[0] != "cpu" or len(fields) < 9:
            return None
        return int(fields[8]) / CLOCK_TICKS, time.monotonic()
    except (OSError, ValueError):
        return None


def steal_note(mark: tuple[float, float] | None) -> str:
    """"; the host took X s of the cores' CPU (steal, Y% of their time) meanwhile" since ``mark``
    (``steal_mark()``): a run slowed by a busy host says so."""
    now = steal_mark()
    if mark is None or now is None or now[1] <= mark[1]:
        return ""
    taken, cores = now[0] - mark[0], os.cpu_count() or 1
    return (f"; the host took {taken:.2f} s of the {cores} cores' CPU meanwhile (steal: "
            f"{taken / ((now[1] - mark[1]) * cores):.1%} of their time, mock start and input file included)")


class ServerProcess:
    """A server in its own process (its CPU is not ours); ``url`` is read from its first line."""

    def __init__(self, command: list[str]) -> None:
        self.command = command

    def __enter__(self) -> "ServerProcess":
        self.process = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                        env={**os.environ, "PYTHONPATH": str(REPO)})
        first = self.process.stdout.readline()
        if "http://" not in first:
            self.process.kill()
            raise RuntimeError(f"server did not start: {first.strip()!r}")
        self.url = "http://" + first.split("http://", 1)[1].split()[0]
        self.pid = self.process.pid
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.process.stdout.close()


def mock_process(*options: str) -> ServerProcess:
    """``mock-gigya serve --port 0 --no-https-proxy [options]``."""
    return ServerProcess([sys.executable, "-c", "from mock_gigya.server import main; main()", "serve", "--port", "0",
                          "--no-https-proxy", *options])


def write_users(path: Path, count: int, *, start: int = 0) -> Path:
    """A gzip CSV export of ``count`` users with md5 hashes (the demo's shape, cheap to make)."""
    import hashlib

    with gzip.open(path, "wt", compresslevel=1, newline="") as handle:
        handle.write("email,first_name,last_name,country,hash,scheme\n")
        for i in range(start, start + count):
            digest = hashlib.md5(f"pw{i}".encode()).hexdigest()
            handle.write(f"user{i}@example.com,First{i},Last{i},DE,{digest},md5\n")
    return path


MAPPING = """\
fields:
  first_name: profile.firstName
  last_name: profile.lastName
  country: profile.country
password:
  hash: hash
  scheme: scheme
"""


def run_import(export: Path, *options: str, folder: Path) -> tuple[dict, int, float]:
    """``gigya-migrate import`` in a fresh process: (its JSON report, its peak RSS in kB, the CPU
    seconds it used, start-up included)."""
    mapping = folder / "mapping.yaml"
    mapping.write_text(MAPPING)
    report = folder / f"{export.stem}.{time.monotonic_ns()}.report.json"
    command = [sys.executable, "-m", "gigya_migrate.cli", "import", str(export), "--mapping", str(mapping),
               "--no-progress", "--skip-preflight", "--no-lookup", "--report", str(report),
               "--journal", str(folder / f"{report.stem}.journal.sqlite"),
               "--errors", str(folder / f"{report.stem}.errors.jsonl"), *options]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             env=_importer_environment())
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0, 3) or not report.exists():
        raise RuntimeError(f"gigya-migrate import failed ({child.returncode}):\n{output[-2000:]}")
    return json.loads(report.read_text()), usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def _importer_environment() -> dict[str, str]:
    """The importer's environment: this checkout on the path, and its bytecode cached (in the
    benchmarks' cache folder) as an installed gigya-migrate has it. A shell with
    PYTHONDONTWRITEBYTECODE would have every import compile the package's sources again (~0.1 s
    of CPU each start), which counted as per-record CPU in the short imports."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": str(REPO), "PYTHONPYCACHEPREFIX": str(CACHE / "pycache")}


def temp_folder() -> tempfile.TemporaryDirectory:
    """A scratch folder for exports, journals and reports."""
    return tempfile.TemporaryDirectory(prefix="gigya-bench-")


def print_records(records: Iterable[dict[str, Any]]) -> None:
    """One line per result, as it comes."""
    for r in records:
        verdict = {True: "met", False: "MISSED", None: "-"}[met(r)]
        target = "" if r["target"] is None else f"{'>=' if r['better'] == 'higher' else '<='} {r['target']}"
        print(f"  {r['name']:<40} {r['value']!s:>12} {r['unit']:<10} {target:<12} {verdict}", flush=True)
