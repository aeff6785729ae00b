"""importFullAccount, setAccountInfo, getAccountInfo and login details, against documented wording.

Sources: SAP Help importFullAccount ("Unknown property names are ignored. On success, the response
lists the first few"; ``password.secretQuestionAndAnswer``), developers.gigya.com setAccountInfo
REST (conflictHandling, requirePasswordChange, data merge), Gigya "Response Codes and Errors"
(200010, 206002, 403100), HELP "Imported users are not considered new users", HELP "Empty fields
are omitted from responses" (docs/gigya-api.md §1, §3, §5, §7).
"""

from __future__ import annotations

import json

from mock_gigya import api
from mock_gigya.defaults import DEFAULT_API_KEY

SHA1_PASSWORD = {"hashedPassword": "W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "hashSettings": {"algorithm": "sha1"}}  # "password"


def _import(call, uid="u1", email="a@example.com", **extra):
    return call("accounts.importFullAccount", UID=uid, loginIDs={"emails": [email]}, **extra)


# --- importFullAccount ---------------------------------------------------------------------------

def test_unknown_top_level_properties_are_ignored_and_listed(backend, call):
    body = _import(call, profile={"firstName": "Ada"}, favouriteColour="blue", legacyId="L-1")
    assert body["errorCode"] == 0
    assert body["failedProperties"] == ["favouriteColour", "legacyId"]
    account = backend.accounts(DEFAULT_API_KEY).find(uid="u1")
    assert account["profile"] == {"firstName": "Ada"} and "favouriteColour" not in account
    assert "failedProperties" not in _import(call, uid="u2", email="b@example.com")  # nothing ignored: no list


def test_first_few_failed_properties_only(call):
    body = _import(call, **{f"x{i}": "v" for i in range(15)})
    assert body["errorCode"] == 0 and len(body["failedProperties"]) == 10


def test_secret_question_and_answer_is_accepted_and_stored_without_the_clear_answer(backend, call):
    password = {**SHA1_PASSWORD, "secretQuestionAndAnswer": {"secretQuestion": "First pet?", "secretAnswer": "Rex"}}
    assert _import(call, password=password)["errorCode"] == 0
    stored = backend.store.get_account(DEFAULT_API_KEY, "u1")["password"]["_secretQuestionAndAnswer"]
    assert stored["secretQuestion"] == "First pet?"
    assert "Rex" not in json.dumps(stored)  # the answer is kept hashed
    shown = call("accounts.getAccountInfo", UID="u1", include="password")["password"]
    assert "secretQuestionAndAnswer" not in shown and "_secretQuestionAndAnswer" not in shown
    bad = _import(call, uid="u2", email="b@example.com",
                  password={**SHA1_PASSWORD, "secretQuestionAndAnswer": {"secretQuestion": "Q"}})
    assert bad["errorCode"] == 400006 and "secretQuestionAndAnswer" in bad["errorDetails"]


def test_is_registered_rule_new_account_with_login_ids(call):
    """Declared rule (SUPPORTED.md): a new account imported with loginIDs and no isRegistered is registered;
    an upsert leaves isRegistered alone unless it is given."""
    _import(call)
    assert call("accounts.getAccountInfo", UID="u1")["isRegistered"] is True
    call("accounts.importFullAccount", UID="u2", profile={"firstName": "NoLogin"})
    assert call("accounts.getAccountInfo", UID="u2")["isRegistered"] is False
    _import(call, uid="u3", email="c@example.com", isRegistered=False)
    _import(call, uid="u3", email="c@example.com", importPolicy="upsert")
    assert call("accounts.getAccountInfo", UID="u3")["isRegistered"] is False


# --- setAccountInfo ------------------------------------------------------------------------------

def test_nested_data_is_merged_by_default(call):
    """setAccountInfo data: "Just include the fields you want to change or add ... Any other fields in
    the custom data objects remain unchanged"."""
    _import(call, data={"car": {"make": "Suzuki", "model": "Alto"}, "tier": "gold"})
    call("accounts.setAccountInfo", UID="u1", data={"car": {"model": "Swift"}})
    assert call("accounts.getAccountInfo", UID="u1")["data"] == {"car": {"make": "Suzuki", "model": "Swift"}, "tier": "gold"}


def test_nested_objects_replaced_whole_with_the_site_option(backend, call):
    site = backend.site(DEFAULT_API_KEY)
    site.options["nestedObjects"] = "replace"
    backend.save_site(site)
    _import(call, data={"car": {"make": "Suzuki", "model": "Alto"}, "tier": "gold"})
    call("accounts.setAccountInfo", UID="u1", data={"car": {"model": "Swift"}})
    assert call("accounts.getAccountInfo", UID="u1")["data"] == {"car": {"model": "Swift"}, "tier": "gold"}


def test_save_profile_and_fail_saves_then_answers_200010(call):
    _import(call)
    _import(call, uid="u2", email="taken@example.com")
    body = call("accounts.setAccountInfo", UID="u1", profile={"firstName": "Saved"}, addLoginEmails="taken@example.com",
                conflictHandling="saveProfileAndFail")
    assert body["errorCode"] == 200010 and body["errorMessage"] == "OK with error login identifier exists"
    assert body["regToken"]  # "a registration token is returned for account linking"
    info = call("accounts.getAccountInfo", UID="u1", include="profile,loginIDs")
    assert info["profile"]["firstName"] == "Saved" and info["loginIDs"]["emails"] == ["a@example.com"]
    failed = call("accounts.setAccountInfo", UID="u1", profile={"firstName": "NotSaved"},
                  addLoginEmails="taken@example.com")  # default "fail"
    assert failed["errorCode"] == 403043
    assert call("accounts.getAccountInfo", UID="u1")["profile"]["firstName"] == "Saved"
    assert call("accounts.setAccountInfo", UID="u1", conflictHandling="merge")["errorCode"] == 400006


def test_require_password_change_makes_the_next_login_answer_403100(call):
    _import(call, password=SHA1_PASSWORD)
    assert call("accounts.setAccountInfo", UID="u1", requirePasswordChange=True)["errorCode"] == 0
    pending = call("accounts.login", loginID="a@example.com", password="password")
    assert pending["errorCode"] == 403100 and pending["errorMessage"] == "Pending password change"
    call("accounts.setAccountInfo", UID="u1", password="password", newPassword="N3w-password!")
    assert call("accounts.login", loginID="a@example.com", password="N3w-password!")["errorCode"] == 0


def test_remove_login_emails_also_removes_a_matching_username(call):
    call("accounts.importFullAccount", UID="u1", loginIDs={"emails": ["a@example.com"], "username": "A@example.com"})
    call("accounts.setAccountInfo", UID="u1", removeLoginEmails="a@example.com")
    ids = call("accounts.getAccountInfo", UID="u1", include="loginIDs")["loginIDs"]
    assert ids.get("emails") == [] and "username" not in ids
    assert call("accounts.isAvailableLoginID", loginID="A@example.com")["isAvailable"] is True


# --- getAccountInfo / login ----------------------------------------------------------------------

def test_password_created_whenever_there_is_a_password(backend, call):
    _import(call, password=SHA1_PASSWORD)
    assert call("accounts.getAccountInfo", UID="u1", include="password")["password"]["created"]
    backend.bulk_seed(DEFAULT_API_KEY, [{"UID": "b1", "loginIDs": {"emails": ["b@example.com"]},
                                         "password": {"hash": "W6ph5Mm5Pz8GgiULbPgzG37mj9g=",
                                                      "hashSettings": {"algorithm": "sha1"}}}])
    assert call("accounts.getAccountInfo", UID="b1", include="password")["password"]["created"]


def test_find_by_login_id(call):
    _import(call, profile={"firstName": "Ada"})
    found = call("accounts.getAccountInfo", findBy={"field": "email", "value": "A@example.com"})
    assert found["errorCode"] == 0 and found["UID"] == "u1"
    assert call("accounts.getAccountInfo", findBy={"field": "email", "value": "x@example.com"})["errorCode"] == 403005
    assert call("accounts.getAccountInfo", findBy={"field": "phone", "value": "1"})["errorCode"] == 400006


def test_206002_carries_the_unverified_emails(backend, call):
    call("accounts.setPolicies", accountOptions={"verifyEmail": False})
    call("accounts.importFullAccount", UID="u1", loginIDs={"emails": ["a@example.com"]},
         emails={"unverified": ["a@example.com"]}, password=SHA1_PASSWORD)
    call("accounts.setPolicies", accountOptions={"verifyEmail": True})
    body = call("accounts.login", loginID="a@example.com", password="password")
    assert body["errorCode"] == 206002 and body["unverifiedEmails"] == ["a@example.com"] and body["regToken"]


def test_imported_users_are_not_new_users(call):
    """HELP importFullAccount: "Imported users are not considered new users"."""
    _import(call, password=SHA1_PASSWORD)
    first = call("accounts.login", loginID="a@example.com", password="password")
    assert first["errorCode"] == 0 and first["isNewUser"] is False


def test_empty_fields_are_omitted_not_empty_strings(backend, call):
    call("accounts.importFullAccount", UID="u1", profile={"firstName": "NoLogin"}, regSource="")
    info = call("accounts.getAccountInfo", UID="u1", include="profile,regSource")
    assert "" not in info.values()
    assert "regSource" not in info and "socialProviders" not in info
    (row,) = call("accounts.search", query="SELECT * FROM accounts")["results"]
    assert "" not in row.values()
