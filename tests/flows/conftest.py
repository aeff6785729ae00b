"""Fixtures for the flow tests: a fake thread-safe Gigya writer that needs no network.

cli_run.py (``invoke``: the CLI in-process) is importable from the test modules."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    """The commands' default outputs (<input>.report.json, .errors.jsonl, .journal.sqlite) land in the
    working directory: each flow test works in its own tmp_path, where it can read them back."""
    monkeypatch.chdir(tmp_path)

from gigya_migrate.flows.runner import RecordResult


class FakeSite:
    """Remembers what was written per key; can be scripted to rate-limit or to be slow."""

    def __init__(self, *, latency: float = 0.0, rate_limit_first: int = 0) -> None:
        self.latency = latency
        self.rate_limit_left = rate_limit_first
        self.writes: dict[str, int] = {}
        self.calls = 0
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()

    def write(self, record: dict) -> RecordResult:
        with self._lock:
            self.calls += 1
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            limited = self.rate_limit_left > 0
            if limited:
                self.rate_limit_left -= 1
        try:
            if self.latency:
                time.sleep(self.latency)
            if limited:
                return RecordResult(record["email"], ok=False, error_code=403048, message="API Rate Limit Exceeded")
            with self._lock:
                self.writes[record["email"]] = self.writes.get(record["email"], 0) + 1
            return RecordResult(record["email"], ok=True, uid="uid-" + record["email"])
        finally:
            with self._lock:
                self.active -= 1


@pytest.fixture
def fake_site():
    return FakeSite()


@pytest.fixture
def make_site():
    return FakeSite


# ---------------------------------------------------------------------------------------------
# legacy exports and the mock site

import csv  # noqa: E402
import random  # noqa: E402

from faker import Faker  # noqa: E402

from mock_gigya import defaults  # noqa: E402

SITE_ARGS = ["--api-key", defaults.DEFAULT_API_KEY, "--user-key", defaults.DEFAULT_USER_KEY,
             "--secret", defaults.DEFAULT_SECRET]
MAPPING = """\
login_id: email
fields:
  first_name: profile.firstName
  birth_year: {to: profile.birthYear, type: int}
add:
  data.migratedFrom: tests
password:
  hash: hash
  scheme: scheme
  salt: salt
"""


def legacy_users(count: int, *, seed: int = 7, formats=("bcrypt", "md5_hex", "sha256_salted", "django")):
    """Faker users with passwords stored in legacy formats: (rows, {email: cleartext})."""
    from gigya_migrate.demo import stored_hash

    fake, rng = Faker(), random.Random(seed)
    fake.seed_instance(seed)
    rows, passwords = [], {}
    for index in range(count):
        password = fake.password(length=10)
        stored, scheme, salt = stored_hash(formats[index % len(formats)], password, rng)
        email = f"{fake.user_name()}.{index}@example.com"
        rows.append({"email": email, "first_name": fake.first_name(), "birth_year": str(rng.randint(1950, 2005)),
                     "hash": stored, "scheme": scheme, "salt": salt})
        passwords[email] = password
    return rows, passwords


def write_csv(path, rows, *, delimiter=","):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=delimiter)
        out.writeheader()
        out.writerows(rows)
    return path


@pytest.fixture
def site_args(gigya_server):
    """CLI options pointing at the session's loopback mock server (reset for the test)."""
    return ["--base-url", gigya_server.url, *SITE_ARGS]


@pytest.fixture
def mapping_file(tmp_path):
    path = tmp_path / "mapping.yaml"
    path.write_text(MAPPING, encoding="utf-8")
    return path


@pytest.fixture
def users():
    """``users(count, seed=..., formats=...)`` -> (rows, {email: cleartext}) (see legacy_users)."""
    return legacy_users


@pytest.fixture
def csv_of():
    """``csv_of(path, rows, delimiter=",")`` writes rows as CSV and returns the path."""
    return write_csv
