"""SIGTERM (cron timeout, systemd stop, kill) stops an import like Ctrl+C: report, exit 130, resumable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from gigya_migrate.cli import main
from mock_gigya import defaults

REPO = Path(__file__).resolve().parents[2]


def test_sigterm_stops_cleanly_and_resume_finishes(tmp_path, gigya_server, site_args, mapping_file,
                                                   users, csv_of):
    rows, _ = users(120, formats=("md5_hex",))
    source = csv_of(tmp_path / "users.csv", rows)
    gigya_server.faults.configure(latency=0.02)
    command = [sys.executable, "-m", "gigya_migrate.cli", "import", str(source), "--mapping", str(mapping_file),
               "--concurrency", "2", "--no-progress", *site_args]
    job = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env={**os.environ, "PYTHONPATH": str(REPO)})
    accounts = gigya_server.accounts(defaults.DEFAULT_API_KEY)
    deadline = time.monotonic() + 60
    while accounts.count() < 20 and job.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    job.send_signal(signal.SIGTERM)
    out, err = job.communicate(timeout=60)
    assert job.returncode == 130, err
    assert "interrupted: run the same command with --resume to finish" in out + err
    assert "Traceback" not in out + err
    assert json.loads((tmp_path / "users.report.json").read_text())["interrupted"] is True

    gigya_server.faults.clear()
    result = CliRunner().invoke(main, ["import", str(source), "--mapping", str(mapping_file), "--resume", *site_args])
    assert result.exit_code == 0, result.output
    assert accounts.count() == 120
