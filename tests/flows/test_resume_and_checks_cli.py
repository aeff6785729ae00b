"""A killed import resumed to completion; validate-hashes; status; the Postman equivalents."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path


from gigya_migrate.client import GigyaClient
from mock_gigya import defaults

from cli_run import invoke  # tests/flows/cli_run.py

API_KEY = defaults.DEFAULT_API_KEY
REPO = Path(__file__).resolve().parents[2]


def test_an_import_killed_mid_run_resumes_and_imports_every_record_once(tmp_path, gigya_server, site_args,
                                                                         mapping_file, users, csv_of):
    rows, passwords = users(160, formats=("md5_hex", "sha256_salted"))
    source = csv_of(tmp_path / "users.csv", rows)
    gigya_server.faults.configure(latency=0.02)
    command = [sys.executable, "-m", "gigya_migrate.cli", "import", str(source), "--mapping", str(mapping_file),
               "--concurrency", "4", "--no-progress", *site_args]
    job = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env={**os.environ, "PYTHONPATH": str(REPO)})
    accounts = gigya_server.accounts(API_KEY)
    deadline = time.monotonic() + 60
    while accounts.count() < 40 and job.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    job.send_signal(signal.SIGKILL)  # no clean-up of any kind
    job.wait(timeout=30)
    assert job.returncode == -signal.SIGKILL
    imported_before = accounts.count()
    assert 40 <= imported_before < 160

    gigya_server.faults.clear()
    refused = invoke("import", source, "--mapping", mapping_file, *site_args)
    assert refused.exit_code == 2 and "--resume" in refused.output  # an unfinished journal is never ignored
    result = invoke("import", source, "--mapping", mapping_file, "--resume", *site_args)
    assert result.exit_code == 0, result.output
    assert "resumed:" in result.output
    report = json.loads((tmp_path / "users.report.json").read_text())
    assert report["journalTotals"] == {"done": 160}
    assert report["records"]["ok"] + report["records"]["skipped"] == 160
    assert report["records"]["recovered"] <= 4 * 2 * 4  # only what was in flight or not yet checkpointed
    emails = Counter(e for a in accounts.all() for e in a["loginIDs"]["emails"])
    assert len(emails) == 160 and set(emails.values()) == {1}  # every record once, nothing lost
    with GigyaClient(API_KEY, user_key=defaults.DEFAULT_USER_KEY, secret=defaults.DEFAULT_SECRET,
                     base_url=gigya_server.url) as client:
        for row in rows[::40]:
            assert client.login(row["email"], passwords[row["email"]]).uid


SAMPLE_FORMATS = ("django", "bcrypt", "phpass", "aspnet", "sha256_salted", "md5_hex")


def _sample(path, users, csv_of, *, extra=()):
    rows, passwords = users(len(SAMPLE_FORMATS), seed=3, formats=SAMPLE_FORMATS)
    sample = [{"email": r["email"], "password": passwords[r["email"]], "hash": r["hash"], "scheme": r["scheme"],
               "salt": r["salt"]} for r in rows]
    return csv_of(path, sample + list(extra))


def test_validate_hashes_runs_against_a_local_mock_by_default(tmp_path, users, csv_of):
    sample = _sample(tmp_path / "sample.csv", users, csv_of)
    result = invoke("validate-hashes", sample, "--report", "v.json")
    assert result.exit_code == 0, result.output
    assert "6/6 sample users passed import, login, re-hash and re-login" in result.output
    for label in ("django pbkdf2_sha256", "bcrypt", "aspnet identity v3", "md5", "sha256($salt$password)"):
        assert label in result.output
    assert json.loads((tmp_path / "v.json").read_text())["failures"] == []


def test_validate_hashes_reports_each_failure_and_removes_test_users(tmp_path, gigya_server, site_args,
                                                                     users, csv_of):
    wrong = {"email": "wrong.password@example.com", "password": "not-the-password",
             "hash": "5f4dcc3b5aa765d61d8327deb882cf99", "scheme": "md5", "salt": ""}  # md5("password")
    argon = {"email": "argon@example.com", "password": "x",
             "hash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo", "scheme": "", "salt": ""}
    sample = _sample(tmp_path / "sample.csv", users, csv_of, extra=[wrong, argon])
    result = invoke("validate-hashes", sample, *site_args)
    assert result.exit_code == 3  # records failed
    assert "6/8 sample users passed" in result.output
    assert "wrong.password@example.com (md5) failed at login: 403042" in result.output
    assert "argon@example.com" in result.output and "failed at convert" in result.output
    assert "not-the-password" not in result.output
    assert gigya_server.accounts(API_KEY).count() == 0  # test users removed
    kept = invoke("validate-hashes", sample, "--keep", *site_args)
    assert kept.exit_code == 3 and gigya_server.accounts(API_KEY).count() == 7


def test_validate_hashes_refuses_a_sample_without_rows(tmp_path, gigya_server, site_args):
    # like check-hashes: a check of no user is bad usage (exit 2), never "0/0 passed" and exit 0
    sample = tmp_path / "sample.csv"
    sample.write_text("email,password,hash,scheme,salt\n", encoding="utf-8")
    result = invoke("validate-hashes", sample, *site_args)
    assert result.exit_code == 2 and "sample.csv has no rows" in result.output, result.output
    assert "passed" not in result.output


def test_status_counts_rehashed_and_legacy_users(tmp_path, gigya_server, site_args, mapping_file, users, csv_of):
    rows, passwords = users(12, formats=("bcrypt", "md5_hex", "sha256_salted"))
    invoke("import", csv_of(tmp_path / "users.csv", rows), "--mapping", mapping_file, *site_args)
    with GigyaClient(API_KEY, user_key=defaults.DEFAULT_USER_KEY, secret=defaults.DEFAULT_SECRET,
                     base_url=gigya_server.url) as client:
        for row in rows[:5]:
            client.login(row["email"], passwords[row["email"]])
    gigya_server.seed_account(API_KEY, UID="not-migrated", profile={"email": "other@example.com"})
    result = invoke("status", "--where", 'data.migratedFrom = "tests"', "--report", "s.json", *site_args)
    assert result.exit_code == 0, result.output
    assert "12 accounts; 5 logged in and re-hashed (42%); 7 still on legacy hashes" in result.output
    counts = json.loads((tmp_path / "s.json").read_text())
    assert counts["algorithms"]["pbkdf2"] == {"accounts": 5, "loggedIn": 5, "legacyLastLoginOnly": 0}
    assert sum(v["accounts"] for k, v in counts["algorithms"].items() if k != "pbkdf2") == 7


def test_postman_equivalents_run_against_a_mock_with_no_arguments():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for name in ("GIGYA_API_KEY", "GIGYA_BASE_URL"):
        env.pop(name, None)
    done = subprocess.run([sys.executable, str(REPO / "postman_equivalents" / "run_all.py")], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "step 3:" in done.stdout and "pbkdf2_sha512" in done.stdout
    assert "step 5: re-hashed on first login: password.hashSettings.algorithm is now pbkdf2" in done.stdout
    single = subprocess.run([sys.executable, str(REPO / "postman_equivalents" / "step4_login.py")], env=env,
                            capture_output=True, text=True, timeout=120)
    assert single.returncode == 0 and "step 4: accounts.login -> errorCode 0" in single.stdout
    assert "step 3" not in single.stdout


def test_postman_step1_matches_the_articles_node_code():
    sys.path.insert(0, str(REPO / "postman_equivalents"))
    try:
        from _collection import make_hash
    finally:
        sys.path.remove(str(REPO / "postman_equivalents"))
    salt = "b9be279d63f2265a5280284da4359e52b3e228f387290e8b1ae185e834ef7280"  # the article's sample salt, decoded
    hashed, salt_b64 = make_hash("Test@12", salt)
    # Source: Node v20.20.2, crypto.pbkdf2Sync('Test@12', salt, 10000, 512, 'sha512').toString('hex'),
    # first 128 hex characters (64 bytes) of the 1024 printed.
    node_hex = ("7f754276b1b4cda3265a07408e25731c58592412318603921c338a4ac93208ae"
                "ee24e7132a87db17b91e7ba56004ffbf85d1d2d58a39c5a5825c24dba9fc4237")
    import base64

    assert base64.b64decode(hashed).hex() == node_hex
    # the article's importFullAccount payload carries exactly this salt
    assert salt_b64 == "YjliZTI3OWQ2M2YyMjY1YTUyODAyODRkYTQzNTllNTJiM2UyMjhmMzg3MjkwZThiMWFlMTg1ZTgzNGVmNzI4MA=="
