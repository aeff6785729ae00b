"""``make bench``: run every ``bench_*.py`` in this folder and print its numbers.

Benchmarks report measurements (throughput, latency, memory) as numbers; they are not pass/fail
tests. Each module exposes ``main()`` and prints its own table.
"""

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    """Run each benchmark module in turn; a failure in one is reported and the others still run."""
    failures = 0
    for path in sorted(HERE.glob("bench_*.py")):
        print(f"\n== {path.stem} ==", flush=True)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
            module.main()
        except Exception as exc:  # a broken benchmark must not hide the others
            failures += 1
            print(f"{path.stem} failed: {exc!r}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
