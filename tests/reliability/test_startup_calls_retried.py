"""Start-up calls (the getPolicies preflight, the first accounts.search) are retried like the run's calls."""

import json

from click.testing import CliRunner

from gigya_migrate.cli import main


def _users(tmp_path, count=3):
    path = tmp_path / "users.csv"
    path.write_text("email,name\n" + "".join(f"u{i}@example.com,U{i}\n" for i in range(count)), encoding="utf-8")
    return path


def _import(tmp_path, site_args, *extra):
    outputs = ["--report", str(tmp_path / "report.json"), "--errors", str(tmp_path / "errors.jsonl"),
               "--journal", str(tmp_path / "journal.sqlite")]
    return CliRunner().invoke(main, ["import", str(_users(tmp_path)), *site_args, *outputs, "--backoff", "0.01",
                                     *extra])


def test_a_rate_limit_on_the_first_search_is_retried(tmp_path, site_args, gigya_server):
    gigya_server.faults.rate_limit(times=1, method="accounts.search")
    result = _import(tmp_path, site_args, "--skip-preflight")
    assert result.exit_code == 0, result.output
    assert gigya_server.accounts("3_mock_site").count() == 3


def test_a_rate_limit_on_get_policies_is_retried_and_the_preflight_still_runs(tmp_path, site_args, gigya_server):
    gigya_server.set_policies("3_mock_site", {"accountOptions": {"verifyEmail": True}})
    gigya_server.faults.rate_limit(times=1, method="accounts.getPolicies")
    result = _import(tmp_path, site_args)
    assert result.exit_code == 1, result.output
    assert "email verification policy is on" in result.output
    assert gigya_server.accounts("3_mock_site").count() == 0  # nothing sent: no 400006 per record


def test_a_preflight_that_cannot_run_stops_instead_of_being_skipped(tmp_path, site_args, gigya_server):
    gigya_server.faults.server_error(times=50, method="accounts.getPolicies")
    result = _import(tmp_path, site_args)
    assert result.exit_code == 1, result.output
    assert "could not check the site's email verification policy" in result.output
    assert "--skip-preflight" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "report.json").exists() or json.loads((tmp_path / "report.json").read_text())
