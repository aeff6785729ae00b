"""`mock-gigya serve` as a process: banner, flags, refusals, and durability across SIGKILL with --db."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from mock_gigya import defaults
from mock_gigya.server import main

KEY, USER_KEY, SECRET = defaults.DEFAULT_API_KEY, defaults.DEFAULT_USER_KEY, defaults.DEFAULT_SECRET
CREDS = {"apiKey": KEY, "userKey": USER_KEY, "secret": SECRET}


def serve_command() -> list[str]:
    script = Path(sys.executable).with_name("mock-gigya")  # the declared console script
    if script.exists():
        return [str(script), "serve"]
    return [sys.executable, "-c", "from mock_gigya.server import main; main()", "serve"]


class Served:
    """A `mock-gigya serve` child process and the banner it printed."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(serve_command() + ["--port", "0", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, env=env)
        self.banner = self._read_banner()
        self.url = self.banner[0].rsplit(" ", 1)[1]

    def _read_banner(self) -> list[str]:
        lines: list[str] = []
        timer = threading.Timer(30, self.proc.kill)
        timer.start()
        try:
            for line in self.proc.stdout:
                lines.append(line.rstrip("\n"))
                if line.startswith("Press Ctrl+C"):
                    return lines
        finally:
            timer.cancel()
        raise AssertionError(f"mock-gigya serve did not start: {lines}")

    def post(self, method: str, **params) -> dict:
        return requests.post(f"{self.url}/{method}", data={**CREDS, **params}, timeout=10).json()

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)


@pytest.fixture
def served():
    started: list[Served] = []

    def start(*args: str) -> Served:
        started.append(Served(*args))
        return started[-1]

    yield start
    for process in started:
        if process.proc.poll() is None:
            process.kill()


def test_banner_names_url_and_credentials_and_sigterm_stops_cleanly(served):
    process = served()
    text = "\n".join(process.banner)
    assert process.banner[0].startswith("mock-gigya serving on http://127.0.0.1:")
    for expected in (KEY, USER_KEY, SECRET, "Host: accounts.us1.gigya.com", "/__mock__/state"):
        assert expected in text
    assert process.post("accounts.search", query="SELECT count(*) FROM accounts")["totalCount"] == 0
    process.proc.send_signal(signal.SIGTERM)
    assert process.proc.wait(timeout=10) == 0


def test_flags_make_sites_keys_seeded_accounts_and_faults(served):
    process = served("--api-key", "3_a", "--api-key", "3_b", "--data-center", "eu1", "--user-key", "AK",
                     "--secret", "c2VjcmV0", "--seed", "6", "--seed-algorithms", "md5,sha256",
                     "--rate-limit-prob", "1", "--fault-seed", "3")
    assert "c2VjcmV0" not in "\n".join(process.banner)  # a secret the user chose is not echoed
    state = requests.get(f"{process.url}/__mock__/state", timeout=10).json()
    assert [(s["apiKey"], s["dataCenter"], s["accounts"]) for s in state["sites"]] == [("3_a", "eu1", 6), ("3_b", "eu1", 6)]
    body = requests.post(f"{process.url}/accounts.search",
                         data={"apiKey": "3_a", "userKey": "AK", "secret": "c2VjcmV0", "query": "SELECT * FROM accounts"},
                         timeout=10).json()
    assert body["errorCode"] == 403048


@pytest.mark.parametrize("args, message", [
    (["--rate-limit-prob", "2"], "--rate-limit-prob"),
    (["--port", "-1"], "--port"),
    (["--rate-limit-prob", "0.6", "--error-prob", "0.6"], "add up to at most 1"),
    (["--seed-algorithms", "md5=lots"], "--seed-algorithms"),
])
def test_bad_flags_exit_2_with_a_message(args, message):
    result = CliRunner().invoke(main, ["serve", *args])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_version_and_help():
    assert CliRunner().invoke(main, ["--version"]).output.startswith("mock-gigya, version ")
    assert "mock-gigya serve --db" in CliRunner().invoke(main, ["serve", "--help"]).output


def test_unknown_seed_algorithm_bad_db_and_taken_port_exit_1_cleanly(served):
    result = CliRunner().invoke(main, ["serve", "--port", "0", "--seed", "1", "--seed-algorithms", "argon9"])
    assert result.exit_code == 1 and "argon9" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(main, ["serve", "--port", "0", "--db", "/nonexistent-dir/mock.db"])
    assert result.exit_code == 1 and "Error:" in result.output and "Traceback" not in result.output
    process = served()
    port = process.url.rsplit(":", 1)[1]
    result = CliRunner().invoke(main, ["serve", "--port", port])
    assert result.exit_code == 1 and "cannot listen" in result.output


def import_account(process: Served, uid: str) -> bool:
    login = json.dumps({"emails": [f"{uid}@example.com"]})
    try:
        return process.post("accounts.importFullAccount", UID=uid, loginIDs=login,
                            profile=json.dumps({"firstName": uid}))["errorCode"] == 0
    except requests.RequestException:
        return False  # in flight when the server was killed: not acknowledged


def test_every_acknowledged_write_survives_sigkill_and_restart(served, tmp_path):
    db = str(tmp_path / "rehearsal.db")
    process = served("--db", db)
    assert process.post("accounts.importFullAccount", UID="kept", loginIDs=json.dumps({"emails": ["k@example.com"]}),
                        profile=json.dumps({"firstName": "Before"}))["errorCode"] == 0
    assert process.post("accounts.setAccountInfo", UID="kept", profile=json.dumps({"firstName": "After"}))["errorCode"] == 0
    assert process.post("accounts.importFullAccount", UID="gone", loginIDs=json.dumps({"emails": ["g@example.com"]}),
                        )["errorCode"] == 0
    assert process.post("accounts.deleteAccount", UID="gone")["errorCode"] == 0

    acknowledged: list[str] = []
    stop = threading.Event()

    def writer(worker: int) -> None:
        for n in range(10_000):
            if stop.is_set():
                return
            uid = f"w{worker}-{n}"
            if import_account(process, uid):
                acknowledged.append(uid)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while len(acknowledged) < 100 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.kill()  # SIGKILL while 8 writers are mid-flight
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert len(acknowledged) > 20, len(acknowledged)

    restarted = served("--db", db)
    search = restarted.post("accounts.search", query="SELECT UID FROM accounts LIMIT 10000")
    stored = {row["UID"] for row in search["results"]}
    assert set(acknowledged) <= stored
    assert "gone" not in stored
    kept = restarted.post("accounts.getAccountInfo", UID="kept")
    assert kept["profile"]["firstName"] == "After"
    state = requests.get(f"{restarted.url}/__mock__/state", timeout=10).json()
    assert [s["apiKey"] for s in state["sites"]] == [KEY]  # the start-up site was not duplicated


def test_fault_flags_configure_the_injector():
    from mock_gigya.server import _faults_from

    faults = _faults_from({"fault_seed": 4, "timeout_seconds": 2.5, "latency": 0.05, "jitter": 0.01,
                           "rate_limit_prob": 0.1, "error_prob": 0.2, "timeout_prob": 0.0, "drop_prob": 0.05})
    state = faults.state()
    assert state["random"] == {"latency": 0.05, "jitter": 0.01, "rateLimitProb": 0.1, "errorProb": 0.2,
                               "timeoutProb": 0.0, "dropProb": 0.05, "errorCode": 500001, "seed": 4, "methods": ["*"]}
    assert state["timeoutSeconds"] == 2.5
    delays = [faults.decide("accounts.search").delay for _ in range(50)]
    assert all(0.05 <= d <= 0.06 for d in delays)
