"""Shared test configuration. Feature fixtures live in each test folder's own conftest.py."""

import os

import pytest

# Never let a test reach a real Gigya data center by accident: the client's tests use `responses`
# or the mock; a test that wants real Gigya is marked `real_gigya` and needs these variables.
REAL_GIGYA = all(os.environ.get(k) for k in ("GIGYA_API_KEY", "GIGYA_USER_KEY", "GIGYA_SECRET")) and (
    os.environ.get("GIGYA_MIGRATE_REAL_TESTS") == "1"
)


@pytest.fixture(autouse=True)
def _work_in_tmp(tmp_path_factory, monkeypatch):
    """Commands write default reports, journals and error files in the working directory: run every
    test in a fresh temporary one so no test leaves files in the checkout."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
