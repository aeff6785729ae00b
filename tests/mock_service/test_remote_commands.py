"""`mock-gigya state|reset|seed|fault` against a running loopback server."""

import json

import requests
from click.testing import CliRunner

from mock_gigya import defaults
from mock_gigya.server import main

CREDS = {"apiKey": defaults.DEFAULT_API_KEY, "userKey": defaults.DEFAULT_USER_KEY, "secret": defaults.DEFAULT_SECRET}


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_seed_state_fault_and_reset_drive_a_running_server(gigya_server):
    url = gigya_server.url
    seeded = run("seed", "6", "--algorithms", "md5=2,sha1=1", "--seed", "3", "--url", url)
    assert seeded.exit_code == 0 and "seeded 6 accounts into 3_mock_site (md5 4, sha1 2)" in seeded.output
    state = json.loads(run("state", "--url", url).output)
    assert state["sites"][0]["accounts"] == 6 and defaults.DEFAULT_SECRET not in json.dumps(state)

    assert run("fault", "--method", "getAccountInfo", "--times", "2", "--error", "403048", "--url", url).exit_code == 0
    codes = [requests.post(f"{url}/accounts.getAccountInfo", data={**CREDS, "UID": "x"}).json()["errorCode"]
             for _ in range(3)]
    assert codes == [403048, 403048, 403005]
    assert run("fault", "--drop", "--url", url).exit_code == 0
    assert [s["kind"] for s in gigya_server.faults.state()["scripts"]] == ["drop"]  # so --clear has one to clear
    assert run("fault", "--clear", "--url", url).output.strip() == "faults cleared"
    assert gigya_server.faults.state()["scripts"] == []

    assert run("reset", "--yes", "--url", url).exit_code == 0
    assert gigya_server.accounts(defaults.DEFAULT_API_KEY).count() == 0


def test_refusals_are_clean(gigya_server):
    both = run("fault", "--error", "403048", "--drop", "--url", gigya_server.url)
    assert both.exit_code == 2 and "choose one" in both.output
    unknown = run("seed", "2", "--algorithms", "argon9", "--url", gigya_server.url)
    assert unknown.exit_code == 1 and "argon9" in unknown.output and "Traceback" not in unknown.output
    nobody = run("state", "--url", "http://127.0.0.1:9")
    assert nobody.exit_code == 1 and "no mock-gigya server at http://127.0.0.1:9" in nobody.output
    assert "mock-gigya fault --method" in run("fault", "--help").output
