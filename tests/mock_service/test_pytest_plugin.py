"""The pytest plugin as another project sees it: auto-loaded by its entry point, cheap to import,
`gigya_mock` and `gigya_server` fixtures that give each test a clean mock. (The entry point itself is
checked in tests/test_package.py::test_pytest_plugin_declared.)"""

import subprocess
import sys
import textwrap

OTHER_PROJECT_TESTS = '''
import json

import requests

APP_KEY = {"apiKey": "3_test", "userKey": "AK", "secret": "c2VjcmV0"}


def register(email, base="https://accounts.us1.gigya.com"):
    """The application under test: signs a user up in Gigya."""
    data = {**APP_KEY, "UID": email.split("@")[0], "loginIDs": json.dumps({"emails": [email]}),
            "profile": json.dumps({"email": email})}
    return requests.post(f"{base}/accounts.importFullAccount", data=data, timeout=10).json()


def test_signup_syncs_to_gigya(gigya_mock):
    gigya_mock.add_site("3_test", user_key="AK", secret="c2VjcmV0")
    assert register("ada@example.com")["errorCode"] == 0
    assert gigya_mock.accounts("3_test").find(email="ada@example.com")


def test_against_a_real_server(gigya_server):
    gigya_server.add_site("3_test", user_key="AK", secret="c2VjcmV0")
    assert register("bob@example.com", base=gigya_server.url)["errorCode"] == 0
    assert gigya_server.accounts("3_test").count() == 1


def test_each_test_starts_clean(gigya_server):
    assert [site["apiKey"] for site in gigya_server.state()["sites"]] == ["3_mock_site"]


def test_rate_limited_signup(gigya_mock):
    gigya_mock.add_site("3_test", user_key="AK", secret="c2VjcmV0")
    gigya_mock.faults.rate_limit(times=1)
    assert register("cy@example.com")["errorCode"] == 403048
'''


def test_plugin_import_loads_nothing_heavy():
    probe = ("import sys, mock_gigya.pytest_plugin; "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('responses', 'requests', 'lark', 'faker', "
             "'sqlite3', 'gigya_migrate') or m in ('mock_gigya.backend', 'mock_gigya.api')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_another_project_uses_the_fixtures(tmp_path):
    (tmp_path / "test_my_app.py").write_text(textwrap.dedent(OTHER_PROJECT_TESTS))
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout
