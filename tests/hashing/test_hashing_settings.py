"""Malformed settings and hashes: one battery, each case must raise HashSettingsError with an actionable
message; plus validate_password_object, site_hash and the bcrypt 72-byte rule."""

import base64
import hashlib

import bcrypt
import pytest
from passlib.hash import md5_crypt

from gigya_migrate.hashing import (
    ALGORITHMS,
    EXTRA_ALGORITHMS,
    HashSettingsError,
    hash_password,
    site_hash,
    validate_password_object,
    verify_password,
)

SHA1_PASSWORD = "W6ph5Mm5Pz8GgiULbPgzG37mj9g="  # base64(sha1("password")), SAP Help example
BCRYPT_HASHCAT = "$2a$05$LhayLxezLhK1LhWvKxCyLOj0j1u.Kj0jZ0pEmm134uzrQlFvQJLF6"  # hashcat mode 3200 example

# (hashed, hashSettings, words the message must contain)
MALFORMED = [
    (SHA1_PASSWORD, {"algorithm": "SHA1"}, ["unknown hashSettings.algorithm 'SHA1'", "Did you mean 'sha1'"]),
    (SHA1_PASSWORD, {"algorithm": "argon2"}, ["unknown hashSettings.algorithm", "Gigya accepts: md5, sha1"]),
    (SHA1_PASSWORD, {"algorithm": "sap_abap"}, ["is not a SAP CODVN H value", "{x-issha, 1024}<base64>"]),
    ("{x-issha, 1024}AAAA", {"algorithm": "sap_abap"}, ["decodes to 3 bytes; it needs 20 hash bytes"]),
    ("{x-issha, 0}C0624EvGSdAMCtuWnBBYBGA0chvqAflKY74oEpw/rpY=", {"algorithm": "sap_abap"}, ["iterations 0 out of range"]),
    ("{x-issha, 1024}C0624EvGSdAMCtuWnBBYBGA0chvqAflKY74oEpw/rpY=", {"algorithm": "sap_abap", "rounds": 1024},
     ["sap_abap takes only the algorithm"]),
    (SHA1_PASSWORD, {"algorithm": "sha1", "Rounds": 2}, ["unknown key 'Rounds'", "Did you mean 'rounds'"]),
    (SHA1_PASSWORD, {"algorithm": "sha1", "rounds": 0}, ["rounds 0 is out of range for sha1"]),
    (SHA1_PASSWORD, {"algorithm": "sha1", "rounds": "ten"}, ["'ten' is not a whole number"]),
    (SHA1_PASSWORD, {"algorithm": "sha1", "rounds": True}, ["rounds must be an integer"]),
    ("MTIz", {"algorithm": "md5_double_salted", "rounds": 2}, ["rounds 2 is out of range for md5_double_salted: md5_double_salted takes rounds 1 only"]),
    ("MTIz", {"algorithm": "pbkdf2", "rounds": 10**9}, ["out of range for pbkdf2"]),
    (SHA1_PASSWORD, {"algorithm": "sha1", "salt": "abc"}, ["there is no format", "$salt$password"]),
    (SHA1_PASSWORD, {"algorithm": "sha1", "salt": "abc", "format": "$password"}, ["has no $salt, so the salt would be ignored"]),
    (SHA1_PASSWORD, {"algorithm": "sha1", "format": "$salt"}, ["does not contain $password"]),
    (SHA1_PASSWORD, {"algorithm": "sha1", "format": "$password", "binaryFormat": "$password"}, ["both format and binaryFormat"]),
    ("AAAAAAAAAAAAAAAAAAAAAAAAAAA=", {"algorithm": "pbkdf2", "salt": "c2Fs*dA=="}, ["salt", "not valid base64", "characters outside"]),
    ("AAAAAAAAAAAAAAAAAAAAAAAAAAA=", {"algorithm": "pbkdf2", "salt": "c2Fsd"}, ["cannot encode whole bytes"]),
    ("AAAAAAAAAAAAAAAAAAAAAAAAAAA=", {"algorithm": "pbkdf2", "format": "$password$salt"}, ["pbkdf2 takes no format"]),
    ("5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8", {"algorithm": "sha1"}, ["decodes to 30 bytes but sha1 produces 20", "hex digest"]),
    (base64.b64encode(b"5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8").decode(), {"algorithm": "sha1"}, ["double encoding"]),
    (SHA1_PASSWORD[:-4] + "====", {"algorithm": "sha1"}, ["not valid base64"]),
    ("W6ph5Mm5Pz8GgiULbPgzG37mj9g", {"algorithm": "sha1"}, ["not a multiple of 4"]),
    ("W6ph5Mm5Pz8GgiULbPgzG37mj9g-", {"algorithm": "sha1"}, ["URL-safe alphabet"]),
    ("W6ph5Mm5 Pz8GgiULbPgzG37mj9g=", {"algorithm": "sha1"}, ["whitespace"]),
    ("W6ph5Mm5Pz8GgiULbPgz", {"algorithm": "sha1"}, ["decodes to 15 bytes", "truncated"]),
    ("", {"algorithm": "sha1"}, ["empty"]),
    (SHA1_PASSWORD, {"algorithm": "md5"}, ["decodes to 20 bytes but md5 produces 16", "Check the algorithm"]),
    ("AAAA", {"algorithm": "pbkdf2", "rounds": 10}, ["decodes to 3 bytes but pbkdf2 produces 16..64"]),
    ("AAAAAAAAAAAAAAAAAAAAAAAAAAA=", {"algorithm": "symphony2", "salt": base64.b64encode(b"a{b").decode()}, ["cannot contain '{'"]),
    (SHA1_PASSWORD, {"algorithm": "sha1", "salt": "x" * 129, "format": "$salt$password"}, ["at most 128"]),
    (SHA1_PASSWORD, None, ["has no algorithm", "not a crypt string"]),
    (SHA1_PASSWORD, {"salt": "abc"}, ["has no algorithm"]),
    (BCRYPT_HASHCAT, {"algorithm": "md5_crypt"}, ["is a bcrypt crypt string but hashSettings.algorithm is 'md5_crypt'"]),
    (BCRYPT_HASHCAT, {"algorithm": "bcrypt", "rounds": 32}, ["carries its own salt and cost", "drop hashSettings rounds"]),
    (BCRYPT_HASHCAT[:-1], {}, ["not a well-formed bcrypt string"]),
    ("$2a$03$LhayLxezLhK1LhWvKxCyLOj0j1u.Kj0jZ0pEmm134uzrQlFvQJLF6", {}, ["not a well-formed bcrypt string"]),
    ("$1$28772684$iEwNOgGugqO9.bIz5sk8k!", {}, ["not a well-formed md5_crypt string"]),
    ("$S$C33783772bRXEx1aCsvY.dqgaaSu76XmVlKrW9Qu8IQlvxHlmzLfXXX", {}, ["not a well-formed drupal string"]),
    ("$S$433783772bRXEx1aCsvY.dqgaaSu76XmVlKrW9Qu8IQlvxHlmzLf", {}, ["2**6 rounds", "2**7..2**30"]),
    ("iEwNOgGugqO9", {"algorithm": "md5_crypt"}, ["raw form of md5_crypt is undocumented", "compoundHashedPassword"]),
    ("AAAA", {"algorithm": "bcrypt", "rounds": 1000, "salt": "AAAAAAAAAAAAAAAAAAAAAA=="}, ["power of two"]),
    ("AAAA", {"algorithm": "bcrypt", "rounds": 1024, "salt": "AAAA"}, ["16 salt bytes"]),
    ("AAAA", {"algorithm": "bcrypt", "rounds": 1024, "salt": "AAAAAAAAAAAAAAAAAAAAAA=="}, ["must decode to 23 bytes"]),
    (SHA1_PASSWORD, "sha1", ["hashSettings must be an object"]),
    (SHA1_PASSWORD, {"algorithm": "sha1", "salt": 5, "format": "$salt$password"}, ["salt must be a string"]),
    (None, {"algorithm": "sha1"}, ["empty or not a string"]),
    (SHA1_PASSWORD, {"algorithm": "sha1", "URL": "https://hash.example"}, ["URL is only used with algorithm \"custom\""]),
    (SHA1_PASSWORD, {"algorithm": "custom", "URL": "https://hash.example"}, ["'custom' is accepted by Gigya but not verified"]),
]


@pytest.mark.parametrize("hashed, settings, words", MALFORMED, ids=[w[0][:40] for *_, w in MALFORMED])
def test_malformed_input_raises_actionable_error(hashed, settings, words):
    with pytest.raises(HashSettingsError) as caught:
        verify_password("password", hashed, settings)
    for word in words:
        assert word in str(caught.value)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("hashed, settings, words", MALFORMED, ids=[w[0][:40] for *_, w in MALFORMED])
def test_error_messages_never_hold_a_full_hash(hashed, settings, words):
    with pytest.raises(HashSettingsError) as caught:
        verify_password("password", hashed, settings)
    if isinstance(hashed, str) and len(hashed) > 12:
        assert hashed not in str(caught.value)


def test_unencodable_password_is_false_not_an_error():
    assert verify_password("pass\ud800word", SHA1_PASSWORD, {"algorithm": "sha1"}) is False
    with pytest.raises(HashSettingsError, match="lone surrogates"):
        hash_password("pass\ud800word", {"algorithm": "sha1"})


def test_password_must_be_text():
    with pytest.raises(TypeError):
        verify_password(b"password", SHA1_PASSWORD, {"algorithm": "sha1"})


# --- bcrypt's 72-byte rule (legacy systems count only the first 72 UTF-8 bytes) -----------------------

def test_bcrypt_counts_only_72_bytes_even_when_splitting_a_character():
    # 71 ASCII bytes + "é" (2 bytes): byte 72 is the first half of é. Hash made with pyca bcrypt from the
    # first 72 bytes directly, as OpenBSD/PHP would see them.
    prefix = "a" * 71
    stored = bcrypt.hashpw((prefix + "é").encode()[:72], bcrypt.gensalt(4)).decode()
    assert verify_password(prefix + "é", stored, {})
    assert verify_password(prefix + "è and anything after", stored, {})  # è shares é's first UTF-8 byte
    assert not verify_password(prefix + "x", stored, {})
    assert hash_password("b" * 100, {"algorithm": "bcrypt", "rounds": 16}).startswith("$2b$04$")


def test_bcrypt_raw_form_round_trips_a_known_string():
    # The hashcat 3200 vector split into its raw parts (bcrypt base64 -> standard base64, doc §4).
    setting_salt = "LhayLxezLhK1LhWvKxCyLO"
    digest = "j0j1u.Kj0jZ0pEmm134uzrQlFvQJLF6"
    table = str.maketrans("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    salt = base64.b64encode(base64.b64decode(setting_salt.translate(table) + "==")).decode()
    raw = base64.b64encode(base64.b64decode(digest.translate(table) + "=")).decode()
    settings = {"algorithm": "bcrypt", "rounds": 32, "salt": salt}
    assert verify_password("hashcat", raw, settings)
    assert not verify_password("hashcat!", raw, settings)
    assert hash_password("hashcat", settings) == raw


# --- validate_password_object: what the mock's importFullAccount refuses ----------------------------

VALID_OBJECTS = [
    {"hashedPassword": SHA1_PASSWORD, "hashSettings": {"algorithm": "sha1"}},
    {"hashedPassword": "XMGVWTbeKf4Xd+CGiuEZde8x7QA=",
     "hashSettings": {"algorithm": "pbkdf2", "rounds": "10000", "salt": "wJuJqLoUFsdXa8k3sFhRlA=="}},
    {"compoundHashedPassword": BCRYPT_HASHCAT},
    {"compoundHashedPassword": "$1$28772684$iEwNOgGugqO9.bIz5sk8k/", "hashSettings": {}},
    {"compoundHashedPassword": "$P$984478476IagS59wHZvyQMArzfx58u."},
]

INVALID_OBJECTS = [
    ({"hash": SHA1_PASSWORD, "hashSettings": {"algorithm": "sha1"}}, "expects 'hashedPassword'"),
    ({"hashedPassword": SHA1_PASSWORD}, "hashSettings.algorithm is required"),
    ({"hashedPassword": SHA1_PASSWORD, "compoundHashedPassword": BCRYPT_HASHCAT}, "exactly one of"),
    ({}, "got neither"),
    ({"compoundHashedPassword": BCRYPT_HASHCAT, "hashSettings": {"algorithm": "bcrypt"}}, "not accepted together with compoundHashedPassword"),
    ({"hashedPassword": BCRYPT_HASHCAT, "hashSettings": {"algorithm": "bcrypt"}}, "send it as compoundHashedPassword"),
    ({"compoundHashedPassword": SHA1_PASSWORD}, "not a crypt string"),
    ({"hashedPassword": "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8", "hashSettings": {"algorithm": "sha1"}}, "hex digest"),
    ({"hashedPassword": SHA1_PASSWORD, "hashSettings": {"algorithm": "sha1"}, "created": 1}, "unknown key 'created'"),
    ("W6ph", "password must be an object"),
]


@pytest.mark.parametrize("password", VALID_OBJECTS)
def test_valid_password_objects_pass(password):
    assert validate_password_object(password) is None


@pytest.mark.parametrize("password, words", INVALID_OBJECTS)
def test_invalid_password_objects_are_refused_with_the_fix(password, words):
    with pytest.raises(HashSettingsError, match=words.replace("(", r"\(").replace(".", r"\.")):
        validate_password_object(password)


# --- site_hash: Gigya's first-login re-hash (parameters inferred) -----------------------------------

def test_site_hash_is_pbkdf2_3000_with_a_random_salt():
    first, second = site_hash("Test@123"), site_hash("Test@123")
    settings = first["hashSettings"]
    assert settings["algorithm"] == "pbkdf2" and settings["rounds"] == 3000
    assert first["hashSettings"]["salt"] != second["hashSettings"]["salt"]
    salt = base64.b64decode(settings["salt"])
    expected = hashlib.pbkdf2_hmac("sha1", b"Test@123", salt, 3000, 16)  # independent recomputation
    assert base64.b64decode(first["hash"]) == expected
    assert verify_password("Test@123", first["hash"], settings)
    assert not verify_password("Test@124", first["hash"], settings)


def test_site_hash_other_rounds_and_refusals():
    result = site_hash("pw", algorithm="pbkdf2_sha256", rounds=10)
    settings = result["hashSettings"]
    assert (settings["algorithm"], settings["rounds"]) == ("pbkdf2_sha256", 10)
    stored = base64.b64decode(result["hash"])
    expected = hashlib.pbkdf2_hmac("sha256", b"pw", base64.b64decode(settings["salt"]), 10, len(stored))
    assert len(stored) >= 16 and stored == expected  # independent recomputation
    assert verify_password("pw", result["hash"], settings)
    with pytest.raises(HashSettingsError):
        site_hash("pw", algorithm="md5")


def test_hash_password_needs_an_algorithm_and_every_name_hashes():
    with pytest.raises(HashSettingsError, match="algorithm is required"):
        hash_password("pw", {})
    for name in ALGORITHMS + EXTRA_ALGORITHMS:
        settings = {"algorithm": name, **({"rounds": {"bcrypt": 16, "drupal": 128}[name]} if name in ("bcrypt", "drupal") else {})}
        stored = hash_password("pässwörd", settings)
        check = {} if stored.startswith(("$", "U$")) else settings
        assert verify_password("pässwörd", stored, check), name
        assert not verify_password("passwort", stored, check), name
        if name in INDEPENDENT_VERIFIERS:  # not only our own round trip: a second implementation agrees
            assert INDEPENDENT_VERIFIERS[name]("pässwörd", stored), name
            assert not INDEPENDENT_VERIFIERS[name]("passwort", stored), name
    assert set(INDEPENDENT_VERIFIERS) <= set(ALGORITHMS + EXTRA_ALGORITHMS)  # each one above did run


# Implementations other than gigya_migrate.hashing, for the strings hash_password produces.
INDEPENDENT_VERIFIERS = {
    "bcrypt": lambda password, stored: bcrypt.checkpw(password.encode(), stored.encode()),
    "md5_crypt": lambda password, stored: md5_crypt.verify(password, stored),
    "md5": lambda password, stored: base64.b64decode(stored) == hashlib.md5(password.encode()).digest(),
    "sha1": lambda password, stored: base64.b64decode(stored) == hashlib.sha1(password.encode()).digest(),
    "sha256": lambda password, stored: base64.b64decode(stored) == hashlib.sha256(password.encode()).digest(),
    "sha512": lambda password, stored: base64.b64decode(stored) == hashlib.sha512(password.encode()).digest(),
    "sha1_hashbytes": lambda password, stored: base64.b64decode(stored) == hashlib.sha1(password.encode("utf-16-le")).digest(),
}
