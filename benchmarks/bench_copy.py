"""Site-to-site copy and export throughput on the in-process mock, and the memory they hold.

Numbers only (not a pass/fail test): accounts/s for ``copy`` at several concurrencies, for
``export`` to CSV, and the peak Python memory (tracemalloc) of each run, which should not grow with
the number of accounts (the jobs stream through a cursor).
"""

from __future__ import annotations

import tempfile
import time
import tracemalloc
from pathlib import Path

ACCOUNTS = (500, 2000)
CONCURRENCY = (1, 8)
APP_KEY, APP_SECRET = "AK_BENCH", "YmVuY2gtc2VjcmV0"


def _sites(mock, count):
    from gigya_migrate.client import GigyaClient

    mock.add_site("3_src", user_key=APP_KEY, secret=APP_SECRET, data_center="us1")
    mock.add_site("3_dst", data_center="eu1")
    mock.seed("3_src", count, algorithms={"pbkdf2": 1, "md5": 1}, seed=3)
    src = GigyaClient("3_src", user_key=APP_KEY, secret=APP_SECRET, data_center="us1")
    dst = GigyaClient("3_dst", user_key=APP_KEY, secret=APP_SECRET, data_center="eu1")
    return src, dst


def _measure(job, *, memory):
    """Run ``job``; tracemalloc slows allocation-heavy code several times, so time and memory are
    measured in separate runs."""
    if memory:
        tracemalloc.start()
    started = time.perf_counter()
    done = job()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if memory else 0
    if memory:
        tracemalloc.stop()
    return done, seconds, peak


def _copy(count, concurrency, folder, memory=False):
    from gigya_migrate.flows.copy_site import CopyOptions, copy_accounts
    from gigya_migrate.flows.runner import RunOptions
    from gigya_migrate.flows.state import StateFile
    from mock_gigya.inprocess import mock_gigya

    with mock_gigya(default_site=False) as mock:
        src, dst = _sites(mock, count)
        options = CopyOptions(job="bench", full=True, reconcile=False, check_schema=False,
                              run=RunOptions(concurrency=concurrency, progress=False,
                                             journal_path=folder / f"j{count}-{concurrency}.sqlite"))
        return _measure(lambda: copy_accounts(src, dst, StateFile(folder / "s.json"), options).run.ok, memory=memory)


def _export(count, folder, memory=False):
    from gigya_migrate.flows.export import ExportOptions, export_accounts
    from gigya_migrate.flows.state import StateFile
    from mock_gigya.inprocess import mock_gigya

    with mock_gigya(default_site=False) as mock:
        src, _ = _sites(mock, count)
        options = ExportOptions(out=folder / f"e{count}.csv", fields=["UID", "profile", "data"], flatten=True)
        return _measure(lambda: export_accounts(src, StateFile(folder / "s.json"), options).exported, memory=memory)


class _Synthetic:
    """A search-only source with no mock behind it, to show the export's own memory stays flat."""

    def __init__(self, count):
        self.count = count

    def search_all(self, query, page_size=None):
        for i in range(self.count):
            yield {"UID": f"u{i}", "profile": {"email": f"u{i}@example.com", "firstName": "Ada"},
                   "data": {"likes": ["horror", "jazz"], "tier": "gold"}}


def _export_synthetic(count, folder):
    from gigya_migrate.flows.export import ExportOptions, export_accounts
    from gigya_migrate.flows.state import StateFile

    options = ExportOptions(out=folder / f"syn{count}.csv", flatten=True)
    return _measure(lambda: export_accounts(_Synthetic(count), StateFile(folder / "s.json"), options).exported,
                    memory=True)


def main() -> None:
    """Print the throughput table, then the peak traced memory (which includes the in-process mock's
    own state: compare the growth, not the absolute value)."""
    print(f"{'job':<8}{'accounts':>10}{'conc':>6}{'seconds':>10}{'acc/s':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for count in ACCOUNTS:
            for concurrency in CONCURRENCY:
                done, seconds, _ = _copy(count, concurrency, folder)
                print(f"{'copy':<8}{done:>10}{concurrency:>6}{seconds:>10.2f}{done / seconds:>10.0f}")
            done, seconds, _ = _export(count, folder)
            print(f"{'export':<8}{done:>10}{'-':>6}{seconds:>10.2f}{done / seconds:>10.0f}")
        print(f"\n{'job':<8}{'accounts':>10}{'peak MiB (tracemalloc, mock included)':>40}")
        for count in ACCOUNTS:
            print(f"{'copy':<8}{count:>10}{_copy(count, 1, folder, memory=True)[2] / 2**20:>40.1f}")
            print(f"{'export':<8}{count:>10}{_export(count, folder, memory=True)[2] / 2**20:>40.1f}")
        print(f"\n{'export, synthetic source (no mock)':<36}{'accounts':>10}{'seconds':>10}{'peak MiB':>10}")
        for count in (2_000, 50_000):
            done, seconds, peak = _export_synthetic(count, folder)
            print(f"{'csv, flattened':<36}{done:>10}{seconds:>10.2f}{peak / 2**20:>10.2f}")


if __name__ == "__main__":
    main()
