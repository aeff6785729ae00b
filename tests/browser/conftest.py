"""A real browser (Debian's chromium, headless, through chromedriver) against a real `mock-gigya serve`.

Nothing is downloaded at test time: the browser and its driver are the apt packages `chromium` and
`chromium-driver` (`make test` installs them when run as root). Without them these tests skip and
say so. Each test saves a screenshot of every page it checks under its own tmp_path.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from mock_gigya import defaults

CHROMIUM = os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,1400"]
PASSWORD = "Secret-123"


def _why_no_browser() -> str | None:
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"no chromium at {CHROMIUM} (apt-get install chromium chromium-driver; `make test` does it as root)"
    if not (Path(CHROMEDRIVER).is_file() and os.access(CHROMEDRIVER, os.X_OK)):
        return f"no chromedriver at {CHROMEDRIVER} (apt-get install chromium-driver; `make test` does it as root)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "the selenium package is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One headless chromium per test module, with a fresh profile."""
    reason = _why_no_browser()
    if reason:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS + [f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"]:
        options.add_argument(flag)
    service = Service(executable_path=CHROMEDRIVER, log_output=subprocess.DEVNULL)
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


class Serve:
    """A `mock-gigya serve` process on a free loopback port, with its printed banner."""

    def __init__(self, *args: str) -> None:
        script = Path(sys.executable).with_name("mock-gigya")  # the installed command itself
        runner = [str(script)] if script.exists() else [sys.executable, "-c", "from mock_gigya.server import main; main()"]
        command = [*runner, "serve", "--port", "0", "--no-https-proxy", *args]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.banner = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.banner.append(line.rstrip("\n"))
            if line.startswith("Press Ctrl+C"):
                break
        text = "\n".join(self.banner)
        found = re.search(r"serving on (http://\S+)", text)
        if not found:
            self.stop()
            raise RuntimeError(f"mock-gigya serve did not start:\n{text}")
        self.url = found.group(1)
        self.console = re.search(r"web console:\s+(\S+)", text).group(1)

    def control(self, method: str, action: str, body: dict | None = None) -> dict:
        """One /__mock__/ control-plane call (JSON)."""
        answer = requests.request(method, f"{self.url}/__mock__/{action}", data=json.dumps(body or {}), timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def call(self, method: str, **params) -> dict:
        """One Gigya API call with the mock's default credentials."""
        data = {"apiKey": defaults.DEFAULT_API_KEY, "userKey": defaults.DEFAULT_USER_KEY,
                "secret": defaults.DEFAULT_SECRET, **params}
        return requests.post(f"{self.url}/{method}", data=data, timeout=30).json()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)


@pytest.fixture
def serve():
    """``serve(*options)``: start another `mock-gigya serve` (the caller stops it)."""
    return Serve


@pytest.fixture(scope="module")
def served():
    """`mock-gigya serve` with 12 seeded users (md5, bcrypt, pbkdf2; all with PASSWORD)."""
    if _why_no_browser():
        pytest.skip(_why_no_browser())
    server = Serve()
    try:
        seeded = server.control("POST", "seed", {"apiKey": defaults.DEFAULT_API_KEY, "count": 12, "seed": 3,
                                                 "algorithms": {"md5": 1, "bcrypt": 1, "pbkdf2": 1},
                                                 "password": PASSWORD, "includePasswords": True})
        server.seeded = seeded
        yield server
    finally:
        server.stop()


@pytest.fixture
def shoot(browser, tmp_path):
    """``shoot(name)``: save a full-page screenshot of the current page as tmp_path/<name>.png."""

    def save(name: str) -> Path:
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(1280, max(800, min(int(height), 6000)))
        path = tmp_path / f"{name}.png"
        assert browser.save_screenshot(str(path)), f"no screenshot for {name}"
        keep = os.environ.get("BROWSER_SCREENSHOTS")  # a folder to copy them to, for a person to look at
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(keep) / path.name)
        return path

    return save
