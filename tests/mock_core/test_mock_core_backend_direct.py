"""The backend called directly (no api.handle): behaviour and MockGigyaError codes."""

from __future__ import annotations

import pytest

from mock_gigya.backend import Backend
from mock_gigya.errors import MockGigyaError

SITE = "3_mock_site"
MD5 = {"hashedPassword": "Ftek/KdELdo62TyacmWX5A==", "hashSettings": {"algorithm": "md5"}}  # md5("test1234"), SAP CX Works


def _code(fn, *args, **kwargs) -> int:
    with pytest.raises(MockGigyaError) as info:
        fn(*args, **kwargs)
    return info.value.code


def test_direct_import_login_search_delete(backend: Backend, fake):
    email = fake.email()
    assert backend.import_full_account(SITE, {"UID": "d1", "loginIDs": {"emails": [email]}, "password": MD5,
                                              "profile": {"firstName": "Dee"}}) == {"UID": "d1"}
    session = backend.login(SITE, {"loginID": email, "password": "test1234"})
    assert session["UID"] == "d1" and session["profile"] == {"firstName": "Dee"}
    found = backend.search(SITE, query='select UID, password.hashSettings.algorithm from accounts where profile.firstName = "Dee"')
    assert found["results"] == [{"UID": "d1", "password": {"hashSettings": {"algorithm": "pbkdf2"}}}]
    assert backend.delete_account(SITE, "d1") == {}
    assert _code(backend.get_account_info, SITE, "d1") == 403005
    assert backend.search(SITE, query="select count(*) from accounts")["results"] == [{"count(*)": 0}]


def test_direct_errors(backend: Backend):
    assert _code(backend.site, "3_nope") == 400093
    assert _code(backend.accounts, "3_nope") == 400093
    assert _code(backend.login, SITE, {"loginID": "x@example.com", "password": "p"}) == 403042
    assert _code(backend.import_full_account, SITE, {}) == 400002
    assert _code(backend.search, SITE, query="select * from accounts where ((") == 400006
    assert _code(backend.search, SITE, cursor_id="zzz") == 400006
    assert _code(backend.set_policies, SITE, {"nosuch": {}}) == 400006
    assert _code(backend.get_account_info, SITE, "x", "profile,bogus") == 403005  # the UID is checked first
    assert _code(backend.rba_unlock, SITE, {}) == 400002


def test_sites_and_keys(backend: Backend):
    site = backend.add_site("3_eu", data_center="eu1", partner_id="p9", secret="c2l0ZQ==", policies={
        "accountOptions": {"verifyEmail": True}}, schema={"dataSchema": {"dynamicSchema": True}})
    assert (site.data_center, site.partner_id, site.secret) == ("eu1", "p9", "c2l0ZQ==")
    assert backend.site("3_eu").policy("accountOptions", "verifyEmail") is True
    assert backend.site("3_eu").policy("accountOptions", "allowUnverifiedLogin") is False  # defaults kept
    assert {s.api_key for s in backend.sites()} == {SITE, "3_eu"}
    key = backend.add_app_key("AK9", "c2VjcmV0", partner_id="p9")
    assert backend.app_key("AK9") == key and backend.app_key("nope") is None


def test_app_keys_lists_every_key_without_needing_to_know_their_names(tmp_path):
    from mock_gigya.backend import Backend
    from mock_gigya.control import MockControl

    path = str(tmp_path / "keys.db")
    first = Backend(db_path=path)
    first.add_default_site()
    first.add_app_key("AK_extra", "c2VjcmV0", partner_id="mock-partner")
    first.close()
    control = MockControl(Backend(db_path=path), default_site=False)  # a restarted server knows no names
    keys = {k["userKey"]: k for k in control.state()["appKeys"]}
    assert set(keys) >= {"AK_extra", "AMockUserKey"}
    assert keys["AK_extra"] == {"userKey": "AK_extra", "partnerId": "mock-partner", "secret": True, "publicKey": False}
    assert "c2VjcmV0" not in str(control.state())
