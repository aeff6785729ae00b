"""Read-only checks against a real Gigya site: run only with GIGYA_MIGRATE_REAL_TESTS=1 and GIGYA_* set."""

import os

import pytest

from gigya_migrate.client import GigyaClient

REAL = all(os.environ.get(k) for k in ("GIGYA_API_KEY", "GIGYA_USER_KEY", "GIGYA_SECRET")) and (
    os.environ.get("GIGYA_MIGRATE_REAL_TESTS") == "1"
)

pytestmark = [pytest.mark.real_gigya, pytest.mark.skipif(not REAL, reason="no real Gigya credentials in the environment")]


@pytest.fixture
def real_client():
    return GigyaClient(
        os.environ["GIGYA_API_KEY"], user_key=os.environ["GIGYA_USER_KEY"], secret=os.environ["GIGYA_SECRET"],
        data_center=os.environ.get("GIGYA_DATA_CENTER", "us1"), sign_requests=True,
    )


def test_real_count_and_first_page(real_client):
    page = real_client.search("SELECT count(*) FROM accounts")
    assert page.error_code == 0 and page.results and "count(*)" in page.results[0].model_extra


def test_real_policies(real_client):
    assert real_client.get_policies(["accountOptions"]).error_code == 0
