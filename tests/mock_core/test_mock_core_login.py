"""accounts.login through api.handle: every algorithm via import + login + first-login re-hash,
wrong passwords, disabled accounts and the RBA lockout."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from gigya_migrate.hashing import ALGORITHMS


def hex64(hex_digest: str) -> str:
    """A published hex digest re-encoded as the base64 Gigya stores (not a computation)."""
    return base64.b64encode(bytes.fromhex(hex_digest)).decode("ascii")


def b64(text: str) -> str:
    return base64.b64encode(text.encode("latin-1")).decode()


# (algorithm, cleartext, password object, source). Each hash comes from outside gigya_migrate.
VECTORS = [
    ("md5", "test1234", {"hashedPassword": "Ftek/KdELdo62TyacmWX5A==", "hashSettings": {"algorithm": "md5"}},
     "SAP CX Works password-hashing article"),
    ("sha1", "password", {"hashedPassword": "W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "hashSettings": {"algorithm": "sha1"}},
     "SAP Help importFullAccount example"),
    ("sha1_hashbytes", "secret", {"hashedPassword": hex64("7d0df1998892db320d334eb1f0ab090e6422de34"),
                                  "hashSettings": {"algorithm": "sha1_hashbytes", "salt": "random123",
                                                   "format": "$password$salt"}},
     "SQL Server 2008 HashBytes('SHA1', N'secret' + N'random123') (SAP SQL Anywhere forum q.19446)"),
    ("sha256", "Gigya", {"hashedPassword": "0oob6zSvBZ6wcBQI7/YxDo+nJ2U6VCpEP17+dJRBA4E=",
                         "hashSettings": {"algorithm": "sha256", "rounds": 1, "salt": "123", "format": "$password$salt"}},
     "gigya/GigyaPasswordValidator README"),
    ("sha512", "password", {"hashedPassword": hex64(
        "b109f3bbbc244eb82441917ed06d618b9008dd09b3befd1b5e07394c706a8bb980b1d7785e5976ec049b46df5f1326af5a2ea6d103fd07c95385ffab0cacbc86"),
        "hashSettings": {"algorithm": "sha512"}}, "passlib hex_sha512_test"),
    ("sha512Hexa", "password", {"hashedPassword": "sQnzu7wkTrgkQZF+0G1hi5AI3Qmzvv0bXgc5THBqi7mAsdd4Xll27ASbRt9fEyavWi6m0QP9B8lThf+rDKy8hg==",
                                "hashSettings": {"algorithm": "sha512Hexa"}},
     "passlib hex_sha512_test (rounds 1 = sha512)"),
    ("md5_double_salted", "hashcat", {"hashedPassword": hex64("16780ba78d2d5f02f3202901c1b6d975"),
                                      "hashSettings": {"algorithm": "md5_double_salted", "salt": b64("568")}},
     "hashcat example_hashes mode 2611"),
    ("md5_crypt", "hashcat", {"compoundHashedPassword": "$1$28772684$iEwNOgGugqO9.bIz5sk8k/"},
     "hashcat example_hashes mode 500"),
    ("bcrypt", "hashcat", {"compoundHashedPassword": "$2a$05$LhayLxezLhK1LhWvKxCyLOj0j1u.Kj0jZ0pEmm134uzrQlFvQJLF6"},
     "hashcat example_hashes mode 3200"),
    ("pbkdf2", "Test@123", {"hashedPassword": "XMGVWTbeKf4Xd+CGiuEZde8x7QA=",
                            "hashSettings": {"algorithm": "pbkdf2", "rounds": 10000, "salt": "wJuJqLoUFsdXa8k3sFhRlA=="}},
     "Gigya export (OneLogin/Auth0 migration notes)"),
    ("pbkdf2_sha256", "password", {"hashedPassword": hex64("ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43"),
                                   "hashSettings": {"algorithm": "pbkdf2_sha256", "rounds": 2, "salt": b64("salt")}},
     "published PBKDF2-HMAC-SHA256 vectors (RFC 6070 inputs, c=2)"),
    ("pbkdf2_sha512", "password", {"hashedPassword": hex64(
        "e1d9c16aa681708a45f5c7c4e215ceb66e011a2e9f0040713f18aefdb866d53cf76cab2868a39b9f7840edce4fef5a82be67335c77a6068e04112754f27ccf4e"),
        "hashSettings": {"algorithm": "pbkdf2_sha512", "rounds": "2", "salt": b64("salt")}},
     "published PBKDF2-HMAC-SHA512 vectors (c=2); rounds as a string, like seed 004"),
    ("drupal", "hashcat", {"compoundHashedPassword": "$S$C33783772bRXEx1aCsvY.dqgaaSu76XmVlKrW9Qu8IQlvxHlmzLf"},
     "hashcat example_hashes mode 7900"),
    ("symphony2", "password", {"hashedPassword": "sQnzu7wkTrgkQZF+0G1hi5AI3Qmzvv0bXgc5THBqi7mAsdd4Xll27ASbRt9fEyavWi6m0QP9B8lThf+rDKy8hg==",
                               "hashSettings": {"algorithm": "symphony2", "rounds": 1}},
     "Symfony MessageDigestPasswordEncoder, 1 iteration = plain sha512 (passlib hex_sha512_test)"),
]


def test_every_algorithm_has_a_vector():
    assert {v[0] for v in VECTORS} == set(ALGORITHMS)


@pytest.mark.parametrize("algorithm, cleartext, password, source", VECTORS, ids=[v[0] for v in VECTORS])
def test_import_login_rehash(call, algorithm, cleartext, password, source):
    email = f"{algorithm.lower()}@example.com"
    assert call("accounts.importFullAccount", UID=algorithm, loginIDs={"emails": [email]}, password=password)["errorCode"] == 0
    before = call("accounts.getAccountInfo", UID=algorithm, include="password")["password"]
    assert before["hash"] == password.get("hashedPassword", password.get("compoundHashedPassword"))

    assert call("accounts.login", loginID=email, password=cleartext + "x")["errorCode"] == 403042
    ok = call("accounts.login", loginID=email, password=cleartext)
    assert ok["errorCode"] == 0, ok
    assert ok["UID"] == algorithm and ok["sessionInfo"]["cookieName"] == "glt_3_mock_site"

    after = call("accounts.getAccountInfo", UID=algorithm, include="password")["password"]
    assert after["hashSettings"]["algorithm"] == "pbkdf2" and after["hashSettings"]["rounds"] == 3000
    assert after["hash"] != before["hash"] and len(base64.b64decode(after["hash"])) == 16
    assert "format" not in after["hashSettings"]
    # the re-hash recomputed with hashlib, not with our verifier: PBKDF2-HMAC-SHA1, 3000 rounds, 16 bytes
    salt = base64.b64decode(after["hashSettings"]["salt"])
    assert base64.b64decode(after["hash"]) == hashlib.pbkdf2_hmac("sha1", cleartext.encode(), salt, 3000, 16)
    searched = call("accounts.search", query=f'SELECT password FROM accounts WHERE UID = "{algorithm}"')
    assert searched["results"][0]["password"]["hashSettings"]["algorithm"] == "pbkdf2"

    # later logins verify the new hash
    assert call("accounts.login", loginID=email, password=cleartext)["errorCode"] == 0
    assert call("accounts.login", loginID=email, password="wrong")["errorCode"] == 403042
    again = call("accounts.getAccountInfo", UID=algorithm, include="password")["password"]
    assert again["hash"] == after["hash"]  # no second re-hash


def test_site_rehash_settings_are_configurable(backend, call):
    backend.add_site("3_strong", rehash={"algorithm": "pbkdf2_sha256", "rounds": 5000})
    creds = {"apiKey": "3_strong", "userKey": "AMockUserKey", "secret": "bW9jay1naWd5YS1zZWNyZXQ="}
    call("accounts.importFullAccount", _creds=creds, UID="u1", loginIDs={"emails": ["a@example.com"]},
         password=VECTORS[1][2])
    assert call("accounts.login", _creds=creds, loginID="a@example.com", password="password")["errorCode"] == 0
    stored = call("accounts.getAccountInfo", _creds=creds, UID="u1", include="password")["password"]
    settings = stored["hashSettings"]
    assert settings["algorithm"] == "pbkdf2_sha256" and settings["rounds"] == 5000
    digest = base64.b64decode(stored["hash"])
    assert digest == hashlib.pbkdf2_hmac("sha256", b"password", base64.b64decode(settings["salt"]), 5000, len(digest))


def test_login_errors(call):
    call("accounts.importFullAccount", UID="u1", loginIDs={"emails": ["a@example.com"]}, password=VECTORS[1][2])
    assert call("accounts.login", loginID="nobody@example.com", password="password")["errorCode"] == 403042
    assert call("accounts.login", loginID="a@example.com")["errorCode"] == 400002
    call("accounts.importFullAccount", UID="nopw", loginIDs={"emails": ["nopw@example.com"]})
    assert call("accounts.login", loginID="nopw@example.com", password="anything")["errorCode"] == 403042


def test_disabled_account_is_refused(call):
    call("accounts.importFullAccount", UID="u1", loginIDs={"emails": ["a@example.com"]}, password=VECTORS[1][2],
         isActive=False)
    body = call("accounts.login", loginID="a@example.com", password="password")
    assert body["errorCode"] == 403041 and body["errorMessage"] == "Account disabled"
    call("accounts.setAccountInfo", UID="u1", isActive=True)
    assert call("accounts.login", loginID="a@example.com", password="password")["errorCode"] == 0


def test_unregistered_and_unverified(call):
    call("accounts.importFullAccount", UID="u1", loginIDs={"emails": ["a@example.com"]}, password=VECTORS[1][2],
         isRegistered=False)
    pending = call("accounts.login", loginID="a@example.com", password="password")
    assert pending["errorCode"] == 206001 and pending["regToken"]
    call("accounts.setAccountInfo", UID="u1", data={})
    call("accounts.importFullAccount", UID="u2", loginIDs={"emails": ["b@example.com"]}, password=VECTORS[1][2])
    call("accounts.setPolicies", accountOptions={"verifyEmail": True})
    assert call("accounts.login", loginID="b@example.com", password="password")["errorCode"] == 206002
    call("accounts.setPolicies", accountOptions={"allowUnverifiedLogin": True})
    assert call("accounts.login", loginID="b@example.com", password="password")["errorCode"] == 0


def test_lockout_after_threshold_then_expiry_and_unlock(call, clock):
    call("accounts.importFullAccount", UID="u1", loginIDs={"emails": ["a@example.com"]}, password=VECTORS[1][2])
    for _ in range(3):
        assert call("accounts.login", loginID="a@example.com", password="bad")["errorCode"] == 403042
    locked = call("accounts.login", loginID="a@example.com", password="password")
    assert locked["errorCode"] == 403120
    assert call("accounts.getAccountInfo", UID="u1", include="isLockedOut")["isLockedOut"] is True
    clock.now += 61
    assert call("accounts.login", loginID="a@example.com", password="password")["errorCode"] == 0

    for _ in range(3):
        call("accounts.login", loginID="a@example.com", password="bad")
    assert call("accounts.login", loginID="a@example.com", password="password")["errorCode"] == 403120
    assert call("accounts.rba.unlock", loginID="a@example.com")["errorCode"] == 0
    assert call("accounts.login", loginID="a@example.com", password="password")["errorCode"] == 0


def test_failures_reset_after_window(call, clock):
    call("accounts.importFullAccount", UID="u1", loginIDs={"emails": ["a@example.com"]}, password=VECTORS[1][2])
    for _ in range(2):
        call("accounts.login", loginID="a@example.com", password="bad")
    clock.now += 61  # failedLoginResetSec
    call("accounts.login", loginID="a@example.com", password="bad")
    assert call("accounts.login", loginID="a@example.com", password="password")["errorCode"] == 0


def test_lockout_follows_policy_and_rba_policy(call):
    call("accounts.setPolicies", security={"accountLockout": {"failedLoginThreshold": 0}})
    call("accounts.importFullAccount", UID="u1", loginIDs={"emails": ["a@example.com"]}, password=VECTORS[1][2])
    for _ in range(5):
        call("accounts.login", loginID="a@example.com", password="bad")
    assert call("accounts.login", loginID="a@example.com", password="password")["errorCode"] == 0
    rules = call("accounts.rba.getPolicy")["policy"]["commonRules"]
    lockout = next(r for r in rules if r["description"] == "account lockout")
    assert lockout["enabled"] is False
    call("accounts.setPolicies", security={"accountLockout": {"failedLoginThreshold": 5, "lockoutTimeSec": 300}})
    lockout = next(r for r in call("accounts.rba.getPolicy")["policy"]["commonRules"] if r["description"] == "account lockout")
    assert lockout["enabled"] is True and lockout["rootFactor"]["threshold"] == 5 and lockout["action"]["duration"] == 300


def test_rba_unlock_arguments(call):
    assert call("accounts.rba.unlock")["errorCode"] == 400002
    assert call("accounts.rba.unlock", UID="a", ip="1.2.3.4")["errorCode"] == 400006
    assert call("accounts.rba.unlock", ip="1.2.3.4")["errorCode"] == 0
    assert call("accounts.rba.unlock", UID="ghost")["errorCode"] == 403005
    assert call("accounts.rba.unlock", loginID="ghost@example.com")["errorCode"] == 403047


def test_login_response_fields(call):
    call("accounts.importFullAccount", UID="u1", loginIDs={"emails": ["a@example.com"]}, password=VECTORS[1][2],
         profile={"firstName": "Ann"})
    body = call("accounts.login", loginID="a@example.com", password="password", include="profile,loginIDs",
                targetEnv="mobile")
    assert body["profile"] == {"firstName": "Ann"} and body["loginIDs"]["emails"] == ["a@example.com"]
    assert set(body["sessionInfo"]) == {"sessionToken", "sessionSecret"}
    assert body["lastLoginTimestamp"] == 1_700_000_000_000
    # UIDSignature is made with the site secret (default secret of the default site): recomputed by hand,
    # base64(HMAC-SHA1(base64-decoded secret, "<signatureTimestamp>_<UID>")) (gigya-api.md section 2.3)
    assert body["signatureTimestamp"] == "1700000000"
    mac = hmac.new(base64.b64decode("bW9jay1naWd5YS1zZWNyZXQ="), b"1700000000_u1", hashlib.sha1)
    assert body["UIDSignature"] == base64.b64encode(mac.digest()).decode()


def test_ip_lockout(backend, clock):
    from mock_gigya import api

    creds = {"apiKey": "3_mock_site", "userKey": "AMockUserKey", "secret": "bW9jay1naWd5YS1zZWNyZXQ="}
    backend.set_policies("3_mock_site", {"security": {"ipLockout": {"hourlyFailedLoginThreshold": 3, "lockoutTimeSec": 600},
                                                      "accountLockout": {"failedLoginThreshold": 0}}})
    backend.seed_account("3_mock_site", UID="u1", loginIDs={"emails": ["a@example.com"]}, password="Passw0rd!")

    def login(who, password, ip="203.0.113.9"):
        params = {**creds, "loginID": who, "password": password}
        return api.handle(backend, "accounts.login", params, remote_addr=ip)[1]["errorCode"]

    assert [login("a@example.com", "x"), login("ghost@example.com", "x"), login("a@example.com", "y")] == [403042] * 3
    assert login("a@example.com", "Passw0rd!") == 403120
    assert login("a@example.com", "Passw0rd!", ip="198.51.100.7") == 0  # other addresses are fine
    assert api.handle(backend, "accounts.rba.unlock", {**creds, "ip": "203.0.113.9"})[1]["errorCode"] == 0
    assert login("a@example.com", "Passw0rd!") == 0
