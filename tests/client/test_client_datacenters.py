"""Data center names, domains and method URLs (docs/gigya-api.md §1)."""

import pytest

from gigya_migrate.datacenters import api_url, domain_for, normalize_method


@pytest.mark.parametrize("dc, domain", [("us1", "us1.gigya.com"), ("EU1", "eu1.gigya.com"), ("eu2", "eu2.gigya.com"),
                                        ("au1", "au1.gigya.com"), ("cn1", "cn1.sapcdm.cn"), ("global", "global.gigya.com"),
                                        ("eu1.gigya.com", "eu1.gigya.com")])
def test_domain_for(dc, domain):
    assert domain_for(dc) == domain


def test_unknown_dc():
    with pytest.raises(ValueError, match="known: "):
        domain_for("mars1")


@pytest.mark.parametrize("method, normal", [("accounts.search", "accounts.search"), ("/accounts.search", "accounts.search"),
                                            ("getUserInfo", "socialize.getUserInfo"), ("accounts.rba.unlock", "accounts.rba.unlock")])
def test_normalize_method(method, normal):
    assert normalize_method(method) == normal


def test_api_url():
    assert api_url("accounts.rba.unlock", "eu1") == "https://accounts.eu1.gigya.com/accounts.rba.unlock"
    assert api_url("ids.search", "cn1") == "https://ids.cn1.sapcdm.cn/ids.search"
    assert api_url("audit.search", base_url="http://127.0.0.1:9/") == "http://127.0.0.1:9/audit.search"
    with pytest.raises(ValueError):
        normalize_method(" / ")
