"""--html on every job command: counts, failures with a redacted sample, charts, hash formats, and
one self-contained file (no script, nothing loaded from anywhere).

Hashes come from independent implementations (hashlib, the bcrypt package, passlib), not from
gigya_migrate.hashing; expected counts come from the input files the tests write.
"""

import csv
import hashlib
import json

import bcrypt
import pytest
from passlib.hash import django_pbkdf2_sha256


MAPPING = """\
login_id: email
fields:
  first_name: profile.firstName
password:
  hash: hash
  scheme: scheme
"""


def _write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.DictWriter(handle, fieldnames=list(rows[0]))
        out.writeheader()
        out.writerows(rows)
    return path


def _self_contained(page):
    """Nothing is fetched: no script, no stylesheet link, no src/href to another file or host."""
    assert "script" not in page.tags
    assert "link" not in page.tags
    assert [u for u in page.loads if not u.startswith("#")] == []
    assert "url(http" not in page.html and "@import" not in page.html


@pytest.fixture
def legacy_csv(tmp_path):
    md5 = hashlib.md5(b"Tr0ub4dor&3").hexdigest()
    crypt = bcrypt.hashpw(b"correct horse", bcrypt.gensalt(rounds=4)).decode()
    django = django_pbkdf2_sha256.using(rounds=1000).hash("battery staple")
    rows = [
        {"email": "ada@example.com", "first_name": "Ada", "hash": md5, "scheme": "md5"},
        {"email": "bob@example.com", "first_name": "Bob", "hash": crypt, "scheme": ""},
        {"email": "cy@example.com", "first_name": "Cy", "hash": django, "scheme": ""},
        {"email": "not-an-email", "first_name": "Dan", "hash": md5, "scheme": "md5"},
        {"email": "eve@example.com", "first_name": "Eve", "hash": "abc", "scheme": "no-such-scheme"},
    ]
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    return _write_csv(tmp_path / "users.csv", rows), tmp_path / "mapping.yaml", (md5, crypt, django)


def test_import_html_counts_failures_formats_and_charts(cli, legacy_csv, site_args, tmp_path, read_page):
    source, mapping, hashes = legacy_csv
    result = cli("import", source, "--mapping", mapping, "--html", tmp_path / "import.html", *site_args)
    assert json.loads(open("users.report.json").read())["records"]["failed"] == 2  # the JSON it was drawn from
    assert result.exit_code == 0, result.output
    page = read_page(tmp_path / "import.html")
    assert "5 records in 3 ok 2 failed" in page.text  # the headline cards: value, then label
    codes = page.table_with("example message")
    assert {row[0]: row[1] for row in codes[1:]} == {"invalid-login-id": "1", "invalid-hash": "1"}
    sample = page.table_with("record (redacted)")
    assert any("not-an-email" in " ".join(row) for row in sample)
    formats = {row[0]: row[1:] for row in page.table_with("legacy format")[1:]}
    assert formats["md5"] == ["md5", "1", "1", "0"]
    assert formats["bcrypt"][1:] == ["1", "1", "0"]
    assert formats["django pbkdf2_sha256"] == ["pbkdf2_sha256", "1", "1", "0"]
    steps = [row[0] for row in page.table_with("seconds")[1:]]
    assert steps[:3] == ["read", "map", "hash"] and "write" in steps
    assert page.html.count("<svg") >= 2  # the throughput and per-step charts
    for full_hash in hashes:
        assert full_hash not in page.html
    _self_contained(page)


def test_validate_hashes_html_has_the_per_algorithm_table(cli, tmp_path, site_args, read_page):
    rows = [
        {"email": "md5ok@example.com", "password": "Tr0ub4dor&3", "hash": hashlib.md5(b"Tr0ub4dor&3").hexdigest(),
         "scheme": "md5"},
        {"email": "md5bad@example.com", "password": "Tr0ub4dor&3", "hash": hashlib.md5(b"another").hexdigest(),
         "scheme": "md5"},
        {"email": "bc@example.com", "password": "correct horse",
         "hash": bcrypt.hashpw(b"correct horse", bcrypt.gensalt(rounds=4)).decode(), "scheme": ""},
    ]
    sample = _write_csv(tmp_path / "sample.csv", rows)
    result = cli("validate-hashes", sample, "--html", tmp_path / "v.html", "--report", tmp_path / "v.json",
                 *site_args)
    assert result.exit_code == 3  # one sample user fails (main's "records failed" status): the page is still written
    progress = json.loads((tmp_path / "v.json").read_text())["progress"]
    assert progress[0] == {"seconds": 0.0, "ok": 0, "failed": 0} and progress[-1]["ok"] == 2
    assert progress[-1]["failed"] == 1 and progress[-1]["seconds"] > 0
    page = read_page(tmp_path / "v.html")
    assert "Throughput over time" in page.text and "Records finished so far" in page.html  # the section, its chart
    table = {row[0]: row[1:] for row in page.table_with("format / algorithm")[1:]}
    assert table["md5"] == ["2", "1", "1", "FAIL"]
    assert table["bcrypt"] == ["1", "1", "0", "PASS"]
    failed = page.table_with("failed at")
    assert [row[0] for row in failed[1:]] == ["md5bad@example.com"]
    assert "Tr0ub4dor&3" not in page.html and "correct horse" not in page.html  # no cleartext
    _self_contained(page)


def test_status_html_and_history(cli, gigya_server, site_args, tmp_path, read_page):
    gigya_server.seed(gigya_server_key(), 6, algorithms={"md5": 1, "pbkdf2": 1}, password="Secret-123")
    history = tmp_path / "history.sqlite"
    first = cli("status", "--history", history, "--html", tmp_path / "s1.html", *site_args)
    assert first.exit_code == 0, first.output
    one = read_page(tmp_path / "s1.html")
    assert "One run so far (" in one.text and "Share of imported users re-hashed" not in one.html
    md5_users = [a for a in gigya_server.accounts(gigya_server_key()).all()
                 if a["password"].get("hashSettings", {}).get("algorithm") == "md5"]
    assert len(md5_users) == 3
    _login(gigya_server, md5_users[0]["loginIDs"]["emails"][0], "Secret-123")
    second = cli("status", "--history", history, "--report", tmp_path / "s2.json", "--html", tmp_path / "s2.html",
                    *site_args)
    assert second.exit_code == 0, second.output
    report = json.loads((tmp_path / "s2.json").read_text())
    assert [row["algorithms"].get("md5", {}).get("accounts") for row in report["history"]] == [3, 2]
    assert report["progress"][-1]["ok"] == report["total"] >= 6  # accounts counted over time
    page = read_page(tmp_path / "s2.html")
    assert "Throughput over time" in page.text and "Records finished so far" in page.html
    algorithms = {row[0]: row[1:3] for row in page.table_with("stored algorithm")[1:]}
    assert algorithms["md5"] == ["2", "0"] and algorithms["pbkdf2"] == ["4", "1"]
    assert "Re-hash progress over time" in page.text
    assert "Share of imported users re-hashed" in page.html  # the chart's title (SVG text)
    assert "[redacted]" not in page.text  # the report's own counters (rehashed, noPassword) are shown
    runs = page.table_with("run (UTC)")
    assert len(runs) == 3  # header + two runs
    _self_contained(page)


def gigya_server_key():
    from mock_gigya import defaults

    return defaults.DEFAULT_API_KEY


def _login(server, email, password):
    import requests

    from mock_gigya import defaults

    answer = requests.post(f"{server.url}/accounts.login", data={
        "apiKey": defaults.DEFAULT_API_KEY, "loginID": email, "password": password}, timeout=30).json()
    assert answer["errorCode"] == 0, answer


@pytest.mark.parametrize("command", ["update", "export", "deletions", "copy", "flagged-deletions"])
def test_every_site_job_writes_html(cli, command, gigya_server, site_args, tmp_path, read_page):
    key = gigya_server_key()
    gigya_server.seed(key, 4, algorithms={"md5": 1})
    html = tmp_path / f"{command}.html"
    if command == "update":
        args = ["update", "--where", "isRegistered = true", "--set", "data.segment=horror", *site_args]
    elif command == "export":
        args = ["export", "--out", tmp_path / "out.csv", "--fields", "UID,profile.email", *site_args]
    elif command == "deletions":
        import requests

        for uid in [a["UID"] for a in gigya_server.accounts(key).all()][:2]:  # two deletions in the audit log
            answer = requests.post(f"{gigya_server.url}/accounts.deleteAccount", timeout=30, data={
                "apiKey": key, "userKey": site_args[5], "secret": site_args[7], "UID": uid}).json()
            assert answer["errorCode"] == 0, answer
        args = ["deletions", "--full", "--out", tmp_path / "deleted.csv", *site_args]
    elif command == "flagged-deletions":
        args = ["flagged-deletions", "--dry-run", *site_args]
    else:
        gigya_server.add_site("3_copy_target", user_key="AK_T", secret="c2VjcmV0VA==")
        args = ["copy", "--full", "--no-reconcile", "--skip-schema-check", "--from-base-url", gigya_server.url,
                "--from-api-key", key, "--from-user-key", site_args[5], "--from-secret", site_args[7],
                "--to-base-url", gigya_server.url, "--to-api-key", "3_copy_target", "--to-user-key", "AK_T",
                "--to-secret", "c2VjcmV0VA=="]
    result = cli(*args, "--html", html)
    assert result.exit_code == 0, result.output
    page = read_page(html)
    expected = {"update": "records in", "export": "accounts exported", "deletions": "deletions found",
                "copy": "records in", "flagged-deletions": "records in"}[command]
    assert expected in page.text
    if command in ("export", "deletions"):
        assert "Throughput over time" in page.text
    if command == "deletions":
        assert "2 deletions found 2 accepted downstream" in page.text
    if command in ("update", "copy"):
        kpi = page.text.split("records in")[0].split()[-1]
        assert kpi == "4"  # the four seeded accounts
    _self_contained(page)


def test_html_folder_must_exist(cli, tmp_path, site_args):
    result = cli("status", "--html", tmp_path / "nope" / "s.html", *site_args)
    assert result.exit_code == 2 and "does not exist" in result.output


def test_report_html_redraws_a_saved_report(cli, legacy_csv, tmp_path, read_page):
    source, mapping, _ = legacy_csv
    assert cli("import", source, "--mapping", mapping, "--dry-run").exit_code == 0
    result = cli("report-html", "users.dry-run.report.json", "--out", tmp_path / "again.html")
    assert result.exit_code == 0, result.output
    page = read_page(tmp_path / "again.html")
    assert "would be written" in page.text and "records converted" in page.text
    bad = cli("report-html", source)  # a CSV is not a JSON report
    assert bad.exit_code == 2 and "not a JSON report" in bad.output


def test_import_stopped_by_ctrl_c_still_writes_its_html(cli, legacy_csv, site_args, tmp_path, read_page, monkeypatch):
    """The import turns Ctrl-C into exit 130 itself; its --html page must still be written (like its JSON)."""
    from gigya_migrate.flows.import_accounts import ImportJob

    source, mapping, _ = legacy_csv
    real_write, calls = ImportJob.write, []

    def interrupted_write(self, item):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # what Ctrl-C does to the main thread, here from inside the job
        return real_write(self, item)

    monkeypatch.setattr(ImportJob, "write", interrupted_write)
    result = cli("import", source, "--mapping", mapping, "--concurrency", "1", "--html", tmp_path / "stopped.html",
                 *site_args)
    assert result.exit_code == 130, result.output
    page = read_page(tmp_path / "stopped.html")
    assert "This run was interrupted: run the same command with --resume to finish it." in page.text
    assert "5 records in" not in page.text  # not every record was read and sent before the stop
    _self_contained(page)


@pytest.mark.parametrize("document", [
    {"records": {}, "progress": [1, 2]}, {"history": [1]}, {"records": {}, "steps": [1]},
    {"algorithms": {"md5": 3}, "siteAlgorithm": "pbkdf2"},
])
def test_report_html_refuses_a_misshapen_report_with_a_message(cli, tmp_path, document):
    """A report edited by hand (or another tool's JSON) is refused with exit 2, not a traceback."""
    (tmp_path / "odd.json").write_text(json.dumps(document), encoding="utf-8")
    result = cli("report-html", tmp_path / "odd.json", "--out", tmp_path / "odd.html")
    assert result.exit_code == 2, (result.output, result.exception)
    assert "not a gigya-migrate run report" in result.output
    assert not (tmp_path / "odd.html").exists()
