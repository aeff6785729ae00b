"""Platform password stores -> Gigya password objects that verify the known cleartext; what Gigya
cannot import is named (never the generic "not a format this toolkit recognises")."""

from __future__ import annotations

import pytest

from gigya_migrate.hashing import UnsupportedHash, verify_password
from gigya_migrate.hashing.errors import NoPassword
from gigya_migrate.hashing.legacy import convert, detect
from gigya_migrate.hashing.platforms import convert_structured, platform_scheme

from platform_exports import (auth0_custom, django_hash, keycloak_credential, magento_hash, password, rng,
                              wordpress_hash)


def verifies(obj: dict, pw: str) -> bool:
    if "compoundHashedPassword" in obj:
        return verify_password(pw, obj["compoundHashedPassword"])
    return verify_password(pw, obj["hashedPassword"], obj["hashSettings"])


@pytest.mark.parametrize("algorithm", ["md5-hex-prefix", "sha1-b64-suffix", "sha256-utf16-hexsalt", "sha512",
                                       "pbkdf2", "bcrypt", "ldap"])
def test_auth0_custom_password_hash_converts_and_verifies(algorithm):
    r = rng(sum(map(ord, algorithm)))
    pw = password(r)
    conversion = convert_structured(auth0_custom(algorithm, pw, r))
    assert conversion.format_name.startswith("auth0 ")
    assert verifies(conversion.password, pw) and not verifies(conversion.password, pw + "x")


@pytest.mark.parametrize("algorithm, name", [("hmac", "auth0 hmac-sha256"), ("md4", "auth0 md4"),
                                             ("argon2", "auth0 argon2")])
def test_auth0_algorithms_gigya_cannot_import_are_named(algorithm, name):
    with pytest.raises(UnsupportedHash) as caught:
        convert_structured(auth0_custom(algorithm, "secret", rng(1)))
    assert caught.value.format_name == name


@pytest.mark.parametrize("algorithm", ["pbkdf2", "pbkdf2-sha256", "pbkdf2-sha512"])
@pytest.mark.parametrize("flat", [True, False])
def test_keycloak_credentials_both_forms(algorithm, flat):
    r = rng(7)
    pw = password(r)
    credentials = [{"type": "otp", "secretData": "{}"}, keycloak_credential(pw, r, algorithm=algorithm, flat=flat,
                                                                            iterations=1000)]
    obj = platform_scheme(credentials, "keycloak").password
    assert obj["hashSettings"]["rounds"] == 1000 and verifies(obj, pw) and not verifies(obj, "nope")


def test_keycloak_user_without_password_credential_has_no_password():
    with pytest.raises(NoPassword, match="no password credential"):
        platform_scheme([{"type": "otp"}], "keycloak")


@pytest.mark.parametrize("versions, importable", [("0", True), ("1", True), ("0:1", False), ("1:2", False),
                                                  ("2", False), ("0:1:2", False)])
def test_magento2_every_version(versions, importable):
    r = rng(3)
    pw = password(r)
    stored = magento_hash(pw, versions, r)
    assert detect(stored) == f"magento2 {versions}"
    if importable:
        assert verifies(convert(stored).password, pw)
    else:
        with pytest.raises(UnsupportedHash) as caught:
            convert(stored)
        assert versions in caught.value.format_name


def test_wordpress_formats_and_the_68_message():
    r = rng(4)
    pw = password(r)
    for kind in ("phpass", "2y"):
        assert verifies(convert(wordpress_hash(kind, pw, r)).password, pw)
    md5 = wordpress_hash("md5", pw, r)
    assert verifies(convert(md5, default_scheme="md5").password, pw)  # a fallback: detection fails on bare hex
    with pytest.raises(UnsupportedHash) as caught:
        convert(wordpress_hash("wp", pw, r), default_scheme="md5")
    assert caught.value.format_name == "wordpress 6.8 bcrypt ($wp$)"
    assert "HMAC-SHA384" in str(caught.value) and "not a format this toolkit recognises" not in str(caught.value)


@pytest.mark.parametrize("hasher", ["pbkdf2_sha256", "pbkdf2_sha1", "md5", "sha1", "unsalted_md5", "unsalted_sha1",
                                    "bcrypt"])
def test_django_hashers_gigya_can_verify(hasher):
    r = rng(5)
    pw = password(r)
    assert verifies(convert(django_hash(hasher, pw, r), default_scheme="md5").password, pw)


@pytest.mark.parametrize("hasher", ["argon2", "bcrypt_sha256", "scrypt", "crypt"])
def test_django_hashers_gigya_cannot_verify_are_named(hasher):
    with pytest.raises(UnsupportedHash) as caught:
        convert(django_hash(hasher, "secret", rng(6)), default_scheme="md5")
    assert hasher in caught.value.format_name


def test_django_unusable_password_means_no_password():
    with pytest.raises(NoPassword) as caught:
        convert(django_hash("unusable", "", rng(8)), default_scheme="md5")
    assert caught.value.reason == "unusable password (!)"


def test_firebase_scrypt_is_named_with_the_options():
    with pytest.raises(UnsupportedHash) as caught:
        platform_scheme("c2NyeXB0", "firebase_scrypt")
    assert caught.value.format_name == "firebase scrypt"
    assert "password-reset" in str(caught.value) and "fallback" in str(caught.value)


def test_a_firebase_hash_without_the_preset_says_what_it_is():
    from gigya_migrate.hashing import HashSettingsError
    from platform_exports import b64

    with pytest.raises(HashSettingsError, match="Firebase's modified scrypt, which Gigya cannot import"):
        convert(b64(bytes(range(64))))
