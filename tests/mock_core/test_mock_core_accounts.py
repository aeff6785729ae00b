"""accounts.* calls through api.handle: happy paths and Gigya's error codes."""

from __future__ import annotations

import pytest

from mock_gigya import api
from mock_gigya.backend import Backend

SHA1_PASSWORD = {"hashedPassword": "W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "hashSettings": {"algorithm": "sha1"}}
# base64(sha1("password")): the SAP Help importFullAccount example.


def _import(call, uid="u1", email="ann@example.com", **extra):
    return call("accounts.importFullAccount", UID=uid, loginIDs={"emails": [email]}, password=SHA1_PASSWORD, **extra)


def test_import_insert_then_get_account_info(call, fake):
    profile = {"firstName": fake.first_name(), "lastName": fake.last_name(), "email": fake.email()}
    body = _import(call, profile=profile, data={"tier": "gold", "points": 7}, created="2019-07-16T19:20:30Z",
                   isVerified=True, regSource="legacy-shop")
    assert body["errorCode"] == 0 and body["UID"] == "u1"
    info = call("accounts.getAccountInfo", UID="u1", include="profile,data,loginIDs,regSource")
    assert info["profile"] == profile
    assert info["data"] == {"tier": "gold", "points": 7}
    assert info["loginIDs"]["emails"] == ["ann@example.com"]
    assert info["created"] == "2019-07-16T19:20:30.000Z" and info["createdTimestamp"] == 1563304830000
    assert info["isVerified"] is True and info["isRegistered"] is True and info["isActive"] is True
    assert info["regSource"] == "legacy-shop"
    assert info["lastLogin"] == "0001-01-01T00:00:00Z" and info["lastLoginTimestamp"] == 0
    assert "password" not in info  # default include is profile,data


def test_get_account_info_default_include_and_bad_include(call):
    _import(call, profile={"firstName": "Ann"})
    info = call("accounts.getAccountInfo", UID="u1")
    assert "profile" in info and "data" in info and "loginIDs" not in info
    bad = call("accounts.getAccountInfo", UID="u1", include="profile,nope")
    assert bad["errorCode"] == 400006 and "nope" in bad["errorDetails"]


def test_import_insert_existing_uid_is_400003(call):
    _import(call)
    again = _import(call, email="other@example.com")
    assert again["errorCode"] == 400003 and again["statusCode"] == 400


def test_import_upsert_merges_profile_and_replaces_login_ids(call):
    _import(call, profile={"firstName": "Ann", "lastName": "Lee"})
    call("accounts.setAccountInfo", UID="u1", username="annlee")
    body = call("accounts.importFullAccount", UID="u1", importPolicy="upsert",
                profile={"lastName": "Smith"}, loginIDs={"emails": ["ann.smith@example.com"]})
    assert body["errorCode"] == 0
    info = call("accounts.getAccountInfo", UID="u1", include="profile,loginIDs")
    assert info["profile"] == {"firstName": "Ann", "lastName": "Smith"}
    assert info["loginIDs"] == {"emails": ["ann.smith@example.com"], "unverifiedEmails": []}  # username gone
    # the old email is free again
    assert call("accounts.isAvailableLoginID", loginID="ann@example.com")["isAvailable"] is True


def test_import_uid_spellings_and_create_uid(call):
    assert call("accounts.importFullAccount", uid="lower")["UID"] == "lower"
    assert call("accounts.importFullAccount", Uid="mixed")["UID"] == "mixed"
    created = call("accounts.importFullAccount", createUID=True, loginIDs={"emails": ["c@example.com"]})
    assert created["errorCode"] == 0 and len(created["UID"]) == 32
    missing = call("accounts.importFullAccount", profile={"firstName": "X"})
    assert missing["errorCode"] == 400002 and "UID" in missing["errorDetails"]


def test_import_login_id_clash_is_403043(call):
    _import(call, uid="u1", email="Ann@Example.com")
    clash = _import(call, uid="u2", email="ann@example.com")
    assert clash["errorCode"] == 403043
    assert call("accounts.getAccountInfo", UID="u2")["errorCode"] == 403005  # nothing written


def test_import_identity_conflict_error_and_connect(call):
    fb = [{"provider": "facebook", "providerUID": "10204456750325770"}]
    assert call("accounts.importFullAccount", UID="u1", identities=fb)["errorCode"] == 0
    conflict = call("accounts.importFullAccount", UID="u2", identities=fb)
    assert conflict["errorCode"] == 409001
    assert conflict["identityConflicts"] == [{"provider": "facebook", "providerUID": "10204456750325770"}]
    moved = call("accounts.importFullAccount", UID="u2", identities=fb, handleIdentityConflicts="connect")
    assert moved["errorCode"] == 0 and moved["identityConflicts"] == conflict["identityConflicts"]
    assert call("accounts.getAccountInfo", UID="u1", include="identities-all")["identities"] == []
    saml = call("accounts.importFullAccount", UID="u3", identities=[{"provider": "saml-idp", "providerUID": "x"}])
    assert saml["errorCode"] == 400006


@pytest.mark.parametrize(
    "password, needle",
    [
        ({"hashedPassword": "W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "hashSettings": {"algorithm": "sha3"}}, "sha3"),
        ({"hashedPassword": "W6ph5Mm5Pz8GgiULbPgzG37mj9g="}, "algorithm"),
        ({"hash": "W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "hashSettings": {"algorithm": "sha1"}}, "hashedPassword"),
        ({"compoundHashedPassword": "$1$28772684$iEwNOgGugqO9.bIz5sk8k/", "hashSettings": {"algorithm": "md5_crypt"}},
         "compoundHashedPassword"),
    ],
)
def test_import_refuses_bad_password_objects(call, password, needle):
    body = call("accounts.importFullAccount", UID="u1", password=password)
    assert body["errorCode"] == 400006
    assert needle in body["errorDetails"]
    assert body["validationErrors"][0]["fieldName"] == "password"


def test_import_refused_while_email_verification_policy_is_on(call):
    assert call("accounts.setPolicies", accountOptions={"verifyEmail": True})["errorCode"] == 0
    body = _import(call)
    assert body["errorCode"] == 400006
    assert body["errorMessage"] == "Email verification policy is enabled"
    call("accounts.setPolicies", accountOptions={"verifyEmail": False})
    assert _import(call)["errorCode"] == 0


def test_import_validates_emails_and_dates(call):
    assert call("accounts.importFullAccount", UID="u1", loginIDs={"emails": ["not-an-email"]})["errorCode"] == 400006
    assert call("accounts.importFullAccount", UID="u1", created="yesterday")["errorCode"] == 400006
    assert call("accounts.importFullAccount", UID="u1", importPolicy="merge")["errorCode"] == 400006


def test_set_account_info_deep_merge_and_null_removes(call):
    _import(call, profile={"firstName": "Ann", "city": "Oslo"}, data={"a": {"b": 1, "c": 2}, "keep": True})
    body = call("accounts.setAccountInfo", UID="u1", profile={"city": None, "zip": "0150"},
                data={"a": {"c": None, "d": [1, 2]}})
    assert body["errorCode"] == 0
    info = call("accounts.getAccountInfo", UID="u1")
    assert info["profile"] == {"firstName": "Ann", "zip": "0150"}
    assert info["data"] == {"a": {"b": 1, "d": [1, 2]}, "keep": True}


def test_set_account_info_updates_last_updated(call, clock):
    _import(call)
    before = call("accounts.getAccountInfo", UID="u1")["lastUpdatedTimestamp"]
    clock.now += 5
    call("accounts.setAccountInfo", UID="u1", data={"x": 1})
    assert call("accounts.getAccountInfo", UID="u1")["lastUpdatedTimestamp"] == before + 5000


def test_set_account_info_login_ids(call):
    _import(call, uid="u1", email="ann@example.com")
    _import(call, uid="u2", email="bob@example.com")
    assert call("accounts.setAccountInfo", UID="u1", addLoginEmails="ann2@example.com")["errorCode"] == 0
    assert call("accounts.login", loginID="ann2@example.com", password="password")["errorCode"] == 0
    assert call("accounts.setAccountInfo", UID="u1", addLoginEmails="bob@example.com")["errorCode"] == 403043
    assert call("accounts.setAccountInfo", UID="u1", removeLoginEmails="ann@example.com")["errorCode"] == 0
    assert call("accounts.isAvailableLoginID", loginID="ann@example.com")["isAvailable"] is True
    assert call("accounts.setAccountInfo", UID="u2", username="bobby")["errorCode"] == 0
    assert call("accounts.login", loginID="BOBBY", password="password")["UID"] == "u2"


def test_set_account_info_password_change(call):
    _import(call)
    wrong = call("accounts.setAccountInfo", UID="u1", password="nope", newPassword="N3w-passw0rd")
    assert wrong["errorCode"] == 403042
    weak = call("accounts.setAccountInfo", UID="u1", password="password", newPassword="short")
    assert weak["errorCode"] == 400009
    ok = call("accounts.setAccountInfo", UID="u1", password="password", newPassword="N3w-passw0rd")
    assert ok["errorCode"] == 0
    assert call("accounts.login", loginID="ann@example.com", password="password")["errorCode"] == 403042
    assert call("accounts.login", loginID="ann@example.com", password="N3w-passw0rd")["errorCode"] == 0
    forced = call("accounts.setAccountInfo", UID="u1", securityOverride=True, newPassword="0ther-Passw0rd")
    assert forced["errorCode"] == 0
    assert call("accounts.login", loginID="ann@example.com", password="0ther-Passw0rd")["errorCode"] == 0


def test_set_account_info_unknown_uid_and_bad_json(call):
    assert call("accounts.setAccountInfo", UID="ghost", data={"x": 1})["errorCode"] == 403005
    _import(call)
    broken = call("accounts.setAccountInfo", UID="u1", data="{not json")
    assert broken["errorCode"] == 400006 and broken["validationErrors"][0]["fieldName"] == "data"


def test_delete_account(call):
    _import(call)
    assert call("accounts.deleteAccount", UID="u1")["errorCode"] == 0
    assert call("accounts.getAccountInfo", UID="u1")["errorCode"] == 403005
    assert call("accounts.search", query="SELECT * FROM accounts")["totalCount"] == 0
    assert call("accounts.isAvailableLoginID", loginID="ann@example.com")["isAvailable"] is True
    assert call("accounts.deleteAccount", UID="u1")["errorCode"] == 403005
    assert call("accounts.deleteAccount")["errorCode"] == 400002


def test_logout_and_is_available(call):
    _import(call)
    out = call("accounts.logout", UID="u1")
    assert out["errorCode"] == 0 and out["UID"] == "u1" and out["connectedProviders"] == "site"
    assert call("accounts.logout", UID="ghost")["errorCode"] == 403005
    assert call("accounts.isAvailableLoginID", loginID="ANN@example.com")["isAvailable"] is False
    assert call("accounts.isAvailableLoginID", loginID="new@example.com")["isAvailable"] is True
    call("accounts.setPolicies", accountOptions={"preventLoginIDHarvesting": True})
    assert call("accounts.isAvailableLoginID", loginID="new@example.com")["errorCode"] == 403026


def test_get_and_set_policies(call):
    all_sections = call("accounts.getPolicies")
    assert all_sections["accountOptions"]["verifyEmail"] is False
    assert all_sections["security"]["accountLockout"]["failedLoginThreshold"] == 3
    only = call("accounts.getPolicies", sections="passwordComplexity,security")
    assert set(only) & {"accountOptions", "registration"} == set()
    assert "passwordComplexity" in only and "security" in only
    assert call("accounts.getPolicies", sections="bogus")["errorCode"] == 400006
    assert call("accounts.setPolicies", passwordComplexity={"minLength": 12})["errorCode"] == 0
    assert call("accounts.getPolicies")["passwordComplexity"] == {"minCharGroups": 2, "minLength": 12, "regExp": ""}
    assert call("accounts.setPolicies")["errorCode"] == 400002


def test_sites_are_isolated(backend, call):
    backend.add_site("3_other", data_center="us1")
    _import(call)
    other = dict(apiKey="3_other", userKey="AMockUserKey", secret="bW9jay1naWd5YS1zZWNyZXQ=")
    assert call("accounts.getAccountInfo", _creds=other, UID="u1")["errorCode"] == 403005
    assert call("accounts.isAvailableLoginID", _creds=other, loginID="ann@example.com")["isAvailable"] is True
    assert call("accounts.importFullAccount", _creds=other, UID="u1", loginIDs={"emails": ["ann@example.com"]})["errorCode"] == 0
    assert backend.accounts("3_other").count() == 1 and backend.accounts("3_mock_site").count() == 1


def test_unknown_method_answers_not_implemented(call):
    body = call("accounts.linkAccounts", loginID="x@example.com")
    assert body["errorCode"] == 404000 and "does not implement accounts.linkAccounts" in body["errorDetails"]
    assert call("/accounts.getScreenSets")["errorCode"] == 404000
    assert "socialize.getUserInfo" in call("getUserInfo")["errorDetails"]


CREDS = {"apiKey": "3_mock_site", "userKey": "AMockUserKey", "secret": "bW9jay1naWd5YS1zZWNyZXQ="}


def test_envelope_fields_and_http_status_codes(backend: Backend):
    status, ok = api.handle(backend, "accounts.getPolicies", {**CREDS, "context": "ctx-1"})
    assert status == 200 and ok["errorCode"] == 0 and ok["statusCode"] == 200 and ok["statusReason"] == "OK"
    assert len(ok["callId"]) == 32 and ok["time"].endswith("Z") and ok["apiVersion"] == 2
    assert ok["context"] == "ctx-1" and "errorMessage" not in ok
    status, err = api.handle(backend, "accounts.getAccountInfo", {**CREDS, "UID": "ghost"})
    assert status == 200 and err["statusCode"] == 403 and err["statusReason"] == "Forbidden"
    assert err["errorMessage"] == "Unauthorized user"
    status, err = api.handle(backend, "accounts.getAccountInfo", {**CREDS, "UID": "ghost", "httpStatusCodes": "True"})
    assert status == 403 and err["errorCode"] == 403005


@pytest.mark.parametrize("value, ok", [("true", True), ("TRUE", True), ("1", True), ("True", True), ("0", True),
                                       ("false", True), ("yes", False)])
def test_boolean_spellings(call, value, ok):
    body = call("accounts.importFullAccount", UID="u1", isActive=value)
    assert (body["errorCode"] == 0) is ok
    if ok:
        expected = value.lower() in ("true", "1")
        assert call("accounts.getAccountInfo", UID="u1")["isActive"] is expected


def test_oversized_parameter_is_an_envelope(call):
    body = call("accounts.setAccountInfo", UID="u1", data={"blob": "x" * (api.MAX_PARAM_CHARS + 1)})
    assert body["errorCode"] == 400006 and "longer than" in body["errorDetails"]


def test_internal_failure_answers_500001_not_a_traceback(backend, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(Backend, "get_policies", boom)
    status, body = api.handle(backend, "accounts.getPolicies", CREDS)
    assert status == 200 and body["errorCode"] == 500001 and "RuntimeError" in body["errorDetails"]


def test_accounts_helper_and_seed_account(backend: Backend, fake):
    email = fake.email()
    seeded = backend.seed_account("3_mock_site", loginIDs={"emails": [email]}, profile={"email": email},
                                  password="Sup3r-secret", created="2020-01-01T00:00:00Z")
    view = backend.accounts("3_mock_site")
    assert view.count() == 1
    assert view.find(email=email.upper())["UID"] == seeded["UID"]
    assert view.find(uid=seeded["UID"])["password"]["hashSettings"]["algorithm"] == "pbkdf2"
    assert view.find(login_id="nobody@example.com") is None
    assert view.all()[0]["createdTimestamp"] == 1577836800000
    status, body = api.handle(backend, "accounts.login", {**CREDS, "loginID": email, "password": "Sup3r-secret"})
    assert body["errorCode"] == 0


def test_reset_keep_config(backend: Backend, call):
    _import(call)
    backend.reset(keep_config=True)
    assert backend.accounts("3_mock_site").count() == 0
    assert call("accounts.getPolicies")["errorCode"] == 0
    backend.reset()
    assert call("accounts.getPolicies")["errorCode"] == 400093


def test_unknown_profile_field_is_a_schema_error(call):
    body = call("accounts.importFullAccount", UID="u1", profile={"firstName": "Ann", "zodiac": "leo"})
    assert body["errorCode"] == 400006
    assert body["validationErrors"] == [{"errorCode": 400006, "message": "Schema validation failed",
                                         "fieldName": "profile.zodiac"}]
    call("accounts.importFullAccount", UID="u1", profile={"firstName": "Ann"}, data={"anything": {"goes": 1}})
    assert call("accounts.setAccountInfo", UID="u1", profile={"shoeSize": 44})["errorCode"] == 400006


def test_strict_data_schema(backend, call):
    backend.add_site("3_strict", schema={"dataSchema": {"dynamicSchema": False,
                                                        "fields": {"data.tier": {"type": "string"}}}})
    creds = {"apiKey": "3_strict", "userKey": "AMockUserKey", "secret": "bW9jay1naWd5YS1zZWNyZXQ="}
    assert call("accounts.importFullAccount", _creds=creds, UID="u1", data={"tier": "gold"})["errorCode"] == 0
    bad = call("accounts.importFullAccount", _creds=creds, UID="u2", data={"tier": "gold", "extra": {"x": 1}})
    assert bad["errorCode"] == 400006 and bad["validationErrors"][0]["fieldName"] == "data.extra.x"


def test_import_empty_password_object_means_no_password(call):
    assert call("accounts.importFullAccount", UID="u1", loginIDs={"emails": ["a@example.com"]}, password={})["errorCode"] == 0
    assert call("accounts.getAccountInfo", UID="u1", include="password")["password"] == {}
    assert call("accounts.login", loginID="a@example.com", password="x")["errorCode"] == 403042


@pytest.mark.parametrize("value, iso_text, ms", [
    ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z", 0),
    ("1965-05-04T03:02:01.5Z", "1965-05-04T03:02:01.500Z", -147128278500),
    ("2019-07-16T19:20:30+02:00", "2019-07-16T17:20:30.000Z", 1563297630000),
])
def test_import_dates_round_trip(call, value, iso_text, ms):
    assert call("accounts.importFullAccount", UID="u1", lastLogin=value)["errorCode"] == 0
    info = call("accounts.getAccountInfo", UID="u1")
    assert (info["lastLogin"], info["lastLoginTimestamp"]) == (iso_text, ms)


def test_social_only_account_keeps_its_providers(call):
    fb = [{"provider": "facebook", "providerUID": "fb1"}]
    call("accounts.importFullAccount", UID="u1", identities=fb)
    call("accounts.setAccountInfo", UID="u1", data={"x": 1})
    info = call("accounts.getAccountInfo", UID="u1", include="loginIDs")
    assert info["socialProviders"] == "facebook" and info["loginIDs"] == {}


def test_seed_account_validates_import_shaped_passwords(backend):
    from mock_gigya.errors import MockGigyaError

    with pytest.raises(MockGigyaError) as info:
        backend.seed_account("3_mock_site", UID="bad", password={"hashedPassword": "AAAA", "hashSettings": {"algorithm": "nope"}})
    assert info.value.code == 400006 and "nope" in info.value.details
    stored = backend.seed_account("3_mock_site", UID="ok", password={"hash": "XMGVWTbeKf4Xd+CGiuEZde8x7QA=",
                                  "hashSettings": {"algorithm": "pbkdf2", "rounds": 10000, "salt": "wJuJqLoUFsdXa8k3sFhRlA=="}})
    assert stored["password"]["hash"] == "XMGVWTbeKf4Xd+CGiuEZde8x7QA="
