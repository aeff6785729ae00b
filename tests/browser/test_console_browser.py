"""The mock's web console in a real browser, against a running `mock-gigya serve`.

Expected values come from the other side of the mock: what the control plane says it seeded, what
the Gigya API answers (a login, a failed call), never from the console's own code.
"""

import hashlib

import pytest
import requests
from selenium.webdriver.common.by import By

from mock_gigya import defaults

SITE = defaults.DEFAULT_API_KEY


def _text(browser) -> str:
    return " ".join(browser.find_element(By.TAG_NAME, "body").text.split())


def _wait_for(browser, element_id: str, text: str) -> str:
    """Wait (a click returns before the next page loads) until #element_id holds ``text``."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    # while the page navigates a lookup may fail in several ways (no such element yet, stale element,
    # "aborted by navigation"): all mean "not yet"
    WebDriverWait(browser, 30, ignored_exceptions=(WebDriverException,)).until(
        lambda d: text in d.find_element(By.ID, element_id).text)
    return browser.find_element(By.ID, element_id).text


def _rows(browser, css: str) -> list[list[str]]:
    table = browser.find_element(By.CSS_SELECTOR, f"table.{css}")
    return [[cell.text.strip() for cell in row.find_elements(By.TAG_NAME, "td")]
            for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")]


def test_serve_prints_the_console_url_and_it_lists_the_sites(browser, served, shoot):
    assert served.console == f"{served.url}/__mock__/ui"
    browser.get(served.console)
    shoot("console-home")
    assert browser.title.startswith("mock-gigya console")
    sites = {row[0]: row for row in _rows(browser, "sites")}
    assert SITE in sites and sites[SITE][3] == str(served.seeded["count"])  # 12 accounts, as seeded


def test_search_accounts_with_the_query_language(browser, served, shoot):
    browser.get(f"{served.console}/accounts?site={SITE}")
    box = browser.find_element(By.NAME, "q")
    box.send_keys('data.hashAlgorithm = "md5"')
    box.submit()
    expected = served.seeded["byAlgorithm"]["md5"]
    _wait_for(browser, "count", "data.hashAlgorithm")
    shoot("console-search")
    assert browser.find_element(By.ID, "count").text.startswith(f"{expected} account(s) match")
    rows = _rows(browser, "accounts")
    assert len(rows) == expected and {row[3] for row in rows} == {"md5"} and {row[4] for row in rows} == {"legacy"}

    box = browser.find_element(By.NAME, "q")
    box.clear()
    box.send_keys("profile.email ==")
    box.submit()
    _wait_for(browser, "query-error", "Query syntax error")  # Gigya's 400006 wording
    shoot("console-search-error")


def test_account_page_shows_rehash_state_and_hides_the_hash(browser, served, shoot):
    login = next(item for item in served.seeded["logins"] if item["algorithm"] == "md5")
    browser.get(f"{served.console}/account?site={SITE}&uid={login['UID']}")
    shoot("console-account-legacy")
    password = dict(_rows(browser, "password"))
    assert password["algorithm"] == "md5" and password["state"].startswith("imported legacy hash")
    assert "hash" not in password and login["password"] not in browser.page_source
    assert login["loginID"] in _text(browser)

    answer = served.call("accounts.login", loginID=login["loginID"], password=login["password"])
    assert answer["errorCode"] == 0, answer  # the mock re-hashes at this first login
    browser.refresh()
    password = dict(_rows(browser, "password"))
    assert password["algorithm"] == "pbkdf2" and "re-hashed" in password["state"]

    browser.find_element(By.ID, "reveal").click()
    _wait_for(browser, "hash-shown", "shown because it was asked for")
    shoot("console-account-hash-shown")
    shown = dict(_rows(browser, "password"))["hash"]
    assert len(shown) > 20 and shown not in requests.get(
        f"{served.console}/account?site={SITE}&uid={login['UID']}", timeout=30).text  # only when asked


def test_audit_log_filters(browser, served, shoot):
    login = next(item for item in served.seeded["logins"] if item["algorithm"] == "bcrypt")
    assert served.call("accounts.login", loginID=login["loginID"], password="wrong")["errorCode"] != 0
    assert served.call("accounts.login", loginID=login["loginID"], password=login["password"])["errorCode"] == 0
    browser.get(f"{served.console}/audit?site={SITE}&endpoint=accounts.login&uid={login['UID']}")
    shoot("console-audit")
    rows = _rows(browser, "audit")
    assert {row[1] for row in rows} == {"accounts.login"} and {row[4] for row in rows} == {login["UID"]}
    assert {row[2] for row in rows} >= {"0"} and len(rows) == 2
    assert login["password"] not in browser.page_source  # the audit params never hold the password

    browser.find_element(By.NAME, "errors").click()
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    _wait_for(browser, "audit-query", 'errCode != "0"')
    shoot("console-audit-errors")
    rows = _rows(browser, "audit")
    assert len(rows) == 1 and rows[0][2] != "0"


def test_fault_toggle_makes_calls_fail(browser, served, shoot):
    assert served.call("accounts.getAccountInfo", UID=served.seeded["UIDs"][0])["errorCode"] == 0
    browser.get(f"{served.console}/faults")
    browser.find_element(By.ID, "toggle-error_prob").click()
    _wait_for(browser, "done", "Every call fails (server error 500001): on.")
    shoot("console-faults-on")
    failed = served.call("accounts.getAccountInfo", UID=served.seeded["UIDs"][0])
    assert failed["errorCode"] == 500001  # the call fails as toggled
    browser.refresh()
    assert "error:500001" in browser.find_element(By.ID, "injected").text

    browser.find_element(By.ID, "toggle-error_prob").click()
    _wait_for(browser, "done", "Every call fails (server error 500001): off.")
    shoot("console-faults-off")
    assert served.call("accounts.getAccountInfo", UID=served.seeded["UIDs"][0])["errorCode"] == 0


def test_seed_and_reset_ask_for_confirmation(browser, served, shoot):
    before = served.control("GET", "state")["sites"][0]["accounts"]
    browser.get(f"{served.console}/seed?site={SITE}")
    count = browser.find_element(By.NAME, "count")
    count.clear()
    count.send_keys("5")
    browser.find_element(By.ID, "seed").click()
    _wait_for(browser, "confirm-seed", "Yes, seed them")
    shoot("console-seed-confirm")
    assert served.control("GET", "state")["sites"][0]["accounts"] == before  # nothing yet
    browser.find_element(By.ID, "confirm-seed").click()
    _wait_for(browser, "done", "Seeded 5 accounts")
    assert served.control("GET", "state")["sites"][0]["accounts"] == before + 5

    browser.get(f"{served.console}/reset")
    shoot("console-reset-confirm")
    assert "cannot be undone" in _text(browser)
    assert served.control("GET", "state")["sites"][0]["accounts"] == before + 5
    browser.find_element(By.ID, "confirm-reset").click()
    _wait_for(browser, "done", "The mock was reset")
    shoot("console-after-reset")
    assert served.control("GET", "state")["sites"][0]["accounts"] == 0


def test_html_report_opens_in_the_browser(browser, served, shoot, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from gigya_migrate.cli import main

    monkeypatch.chdir(tmp_path)
    digest = hashlib.md5(b"Tr0ub4dor&3").hexdigest()
    (tmp_path / "users.csv").write_text("email,hash,scheme\nada@example.com,%s,md5\nnot-an-email,%s,md5\n"
                                        % (digest, digest), encoding="utf-8")
    (tmp_path / "mapping.yaml").write_text("login_id: email\npassword:\n  hash: hash\n  scheme: scheme\n")
    result = CliRunner().invoke(main, ["import", "users.csv", "--mapping", "mapping.yaml", "--base-url", served.url,
                                       "--api-key", SITE, "--user-key", defaults.DEFAULT_USER_KEY, "--secret",
                                       defaults.DEFAULT_SECRET, "--html", "report.html"])
    assert result.exit_code == 0, result.output
    browser.get((tmp_path / "report.html").as_uri())
    shoot("html-report")
    text = _text(browser)
    assert "Import report" in browser.title
    assert "2 records in 1 ok 1 failed" in text
    assert "invalid-login-id" in text and "not-an-email" in text
    assert browser.find_elements(By.CSS_SELECTOR, ".chart svg")  # the charts render
    assert digest not in browser.page_source


@pytest.mark.parametrize("host", ["evil.example", "accounts.us1.gigya.com"])
def test_console_answers_only_on_the_listening_address(served, host):
    port = served.url.rsplit(":", 1)[1]
    answer = requests.get(f"{served.url}/__mock__/ui", headers={"Host": f"{host}:{port}"}, timeout=30)
    assert answer.status_code == 404 and "Sites" not in answer.text


def test_locked_console_in_the_browser(browser, serve, shoot):
    server = serve("--control-token", "browser-token-1")
    try:
        browser.get(f"{server.console}")
        shoot("console-locked")
        assert "needs the control token" in _text(browser) and SITE not in browser.page_source
        browser.get(f"{server.console}?token=browser-token-1")
        sites = {row[0] for row in _rows(browser, "sites")}
        shoot("console-unlocked")
        assert SITE in sites and "token=" not in browser.current_url
        cookie = browser.get_cookie("mock_token")
        assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict" and cookie["value"] == "browser-token-1"
    finally:
        server.stop()
