"""``make bench``: run every benchmark, write ``benchmarks/results.json``, regenerate the README table.

Each ``bench_*.py`` module with a ``records()`` function yields result records (see
``common.record``): name, value, target, better (higher|lower), unit, detail. They are printed as
they come, written together to ``results.json`` (a list, in run order, with the run's date and
duration beside it), then ``table.py`` rewrites the performance table in the README from that file.
A module that fails is reported and the others still run; the exit status is then 1.

``BENCH_ONLY=bench_client,bench_hashing`` runs some modules only (their results replace the same
names in an existing results.json); ``BENCH_SCALE`` shrinks the imports (see bench_import.py).
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import sys
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import print_records  # noqa: E402

RESULTS = HERE / "results.json"
ORDER = ("bench_client", "bench_hashing", "bench_mock_server", "bench_mock_search", "bench_import")


def _modules() -> list[Path]:
    only = [name.strip() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip()]
    names = only or list(ORDER)
    unknown = [name for name in names if not (HERE / f"{name}.py").exists()]
    if unknown:
        raise SystemExit(f"BENCH_ONLY: no benchmark called {', '.join(unknown)}; known: {', '.join(ORDER)}")
    return [HERE / f"{name}.py" for name in names]


_LOADED: dict[str, object] = {}


def _load(path: Path):
    """The benchmark module at ``path``, loaded once."""
    if path.stem not in _LOADED:
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _LOADED[path.stem] = module
    return _LOADED[path.stem]


def _previous() -> list[dict]:
    try:
        return json.loads(RESULTS.read_text())["results"]
    except (OSError, ValueError, KeyError):
        return []


def _previous_seconds() -> int | None:
    try:
        return json.loads(RESULTS.read_text())["seconds"]
    except (OSError, ValueError, KeyError):
        return None


def main() -> int:
    """Run the benchmarks, write results.json and the README table; 1 if a benchmark failed."""
    started = time.monotonic()
    results, failures = [], []
    modules = _modules()
    if modules[-1].stem == "bench_import" and len(modules) > 1:
        # its dry runs measure memory only, in a child process: they overlap the CPU-time benchmarks
        # (which count their own process's CPU), and bench_import waits for them before its imports
        _load(modules[-1]).start_memory()
    for path in modules:
        print(f"\n== {path.stem} ==", flush=True)
        module_started = time.monotonic()
        try:
            for result in _load(path).records():
                print_records([result])
                results.append(result)
        except Exception:  # a broken benchmark must not hide the others
            failures.append(path.stem)
            traceback.print_exc()
        print(f"   ({time.monotonic() - module_started:.0f} s)", flush=True)
    seconds = time.monotonic() - started
    rerun = []
    if os.environ.get("BENCH_ONLY"):  # a partial run keeps the other names (and duration) of the last full one
        names = {r["name"] for r in results}
        results = [r for r in _previous() if r["name"] not in names] + results
        rerun = [path.stem for path in modules]
        seconds = _previous_seconds() or seconds
    RESULTS.write_text(json.dumps({
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "seconds": round(seconds), "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                                              f"Python {platform.python_version()}",
        "scale": float(os.environ.get("BENCH_SCALE", "1")), "rerun": rerun, "failed": failures,
        "results": results}, indent=2) + "\n")
    print(f"\nwrote {RESULTS} ({len(results)} results, {seconds:.0f} s)")
    from table import update_readme

    print(update_readme())
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
