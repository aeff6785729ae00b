"""`dataflow run --fail-on-errors` (issue 14): a job with failed records exits 3, as every job command."""

from __future__ import annotations

from .helpers import cli, sample, write_json
from .test_seed_samples import _ago, _seed_source


def test_failed_records_exit_3_only_with_fail_on_errors(sites, tmp_path):
    _seed_source(sites, count=2, seed=15, lastUpdated=_ago(hours=2))
    flow = write_json(tmp_path / "copy.json", sample("copy_accounts_seed000.json"))
    vars_file = write_json(tmp_path / "vars.json", sites.source_vars())
    run = ["dataflow", "run", flow, "--vars", vars_file, "--full", *sites.site_args()]
    sites.mock.faults.script("accounts.importFullAccount", times=1, error=400006)
    default = cli(*run)
    assert default.exit_code == 0 and "1 of 2 records processed" in default.output
    sites.mock.faults.script("accounts.importFullAccount", times=1, error=400006)  # the other one fails now
    strict = cli(*run, "--fail-on-errors")
    assert strict.exit_code == 3, strict.output
    assert "record(s) failed: exit 3 (--fail-on-errors)" in strict.output
