"""diagnose(): each usual import mistake is named exactly, with a fix that verifies."""

import base64

import pytest

from gigya_migrate.hashing import diagnose, verify_password

SHA1_HEX = "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8"  # sha1("password"), passlib hex_sha1_test
SHA512_HEX = ("b109f3bbbc244eb82441917ed06d618b9008dd09b3befd1b5e07394c706a8bb980b1d7785e5976ec049b46df5f1326af"
              "5a2ea6d103fd07c95385ffab0cacbc86")  # sha512("password"), passlib hex_sha512_test
SHA1 = "W6ph5Mm5Pz8GgiULbPgzG37mj9g="  # SAP Help example, sha1("password")
DJANGO_SALTED_SHA1 = base64.b64encode(bytes.fromhex("e4a1877b0e35c47329e7ed7e58014276168a37ba")).decode()  # sha1("123abcdef" + "password"), passlib
GIGYA_PBKDF2 = ("XMGVWTbeKf4Xd+CGiuEZde8x7QA=", "wJuJqLoUFsdXa8k3sFhRlA==")  # Test@123, 10000 rounds (Gigya export)
RFC6070_2 = base64.b64encode(bytes.fromhex("ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957")).decode()  # P=password S=salt c=2
RFC6070_4096 = base64.b64encode(bytes.fromhex("4b007901b765489abead49d926f721d065a429c1")).decode()
BCRYPT_SPRING = "$2a$10$dXJ3SW6G7P50lGmMkkmwe.20cQQubK3.HZWzG3YB1tlRy.fqvM/BG"  # "password", Spring docs

CASES = [
    ("hex digest", "password", SHA1_HEX, {"algorithm": "sha1"}, "hex_digest",
     "hashedPassword is a hex digest; Gigya expects base64 of the raw digest bytes"),
    ("double encoding", "password", base64.b64encode(SHA1_HEX.encode()).decode(), {"algorithm": "sha1"}, "double_encoded",
     "hashedPassword is base64 of a hex string (double encoding)"),
    ("truncated digest", "password", SHA1[:20], {"algorithm": "sha1"}, "truncated",
     "the stored hash is truncated: it holds the first 15 of 20 bytes"),
    ("truncated bcrypt", "password", BCRYPT_SPRING[:50], {}, "truncated", "the bcrypt string is truncated: 50 of 60 characters"),
    ("salt after, not before", "password", DJANGO_SALTED_SHA1, {"algorithm": "sha1", "salt": "123abcdef", "format": "$password$salt"},
     "salt_position", 'use format "$salt$password", not "$password$salt"'),
    ("salt without format", "password", DJANGO_SALTED_SHA1, {"algorithm": "sha1", "salt": "123abcdef"}, "salt_position",
     'the legacy system hashed salt then password, so add "format": "$salt$password"'),
    ("salt raw instead of base64", "password", RFC6070_2, {"algorithm": "pbkdf2", "rounds": 2, "salt": "salt"}, "salt_not_base64",
     "hashSettings.salt must be base64 of the salt bytes: you sent the salt as raw text"),
    ("salt base64 inside a template", "password", DJANGO_SALTED_SHA1,
     {"algorithm": "sha1", "salt": "MTIzYWJjZGVm", "format": "$salt$password"}, "salt_base64_in_template",
     "with a format template the salt must be clear text: you sent it base64-encoded; send '123abcdef'"),
    ("salt hex", "password", RFC6070_2, {"algorithm": "pbkdf2", "rounds": 2, "salt": "73616c74"}, "salt_hex",
     "hashSettings.salt is hex"),
    ("wrong rounds", "Test@123", GIGYA_PBKDF2[0], {"algorithm": "pbkdf2", "rounds": 1000, "salt": GIGYA_PBKDF2[1]}, "wrong_rounds",
     "rounds is 1000 but the hash was made with 10000: set hashSettings.rounds to 10000."),
    ("wrong rounds default", "password", RFC6070_4096, {"algorithm": "pbkdf2", "salt": "c2FsdA=="}, "wrong_rounds",
     "rounds is 1 but the hash was made with 4096"),
    ("wrong algorithm in family", "Test@123", GIGYA_PBKDF2[0], {"algorithm": "pbkdf2_sha256", "rounds": 10000, "salt": GIGYA_PBKDF2[1]},
     "wrong_algorithm", 'the hash is pbkdf2, not pbkdf2_sha256: set hashSettings.algorithm to "pbkdf2".'),
    ("wrong digest", "password", base64.b64encode(bytes.fromhex(SHA512_HEX)).decode(), {"algorithm": "sha256"}, "wrong_algorithm",
     'the hash is sha512, not sha256'),
    ("hex and wrong algorithm", "password", SHA512_HEX, {"algorithm": "sha256"}, "hex_digest+wrong_algorithm",
     "Also: the hash is sha512, not sha256"),
]


@pytest.mark.parametrize("label, password, stored, settings, cause, words", CASES, ids=[c[0] for c in CASES])
def test_each_usual_mistake_is_named_with_a_working_fix(label, password, stored, settings, cause, words):
    result = diagnose(password, stored, settings)
    assert (result.ok, result.cause) == (False, cause)
    assert words in result.message
    fix = result.fix
    stored_fixed = fix.get("hashedPassword") or fix["compoundHashedPassword"]
    assert verify_password(password, stored_fixed, fix.get("hashSettings")) is True


def test_a_good_object_is_ok():
    result = diagnose("password", SHA1, {"algorithm": "sha1"})
    assert result.ok and result.cause == "ok"
    assert result.fix == {"hashedPassword": SHA1, "hashSettings": {"algorithm": "sha1"}}


def test_a_wrong_password_has_no_invented_cause():
    result = diagnose("passw0rd", SHA1, {"algorithm": "sha1"})
    assert (result.ok, result.cause, result.fix) == (False, "unknown", None)
    assert "check that this cleartext really is this user's password" in result.message


def test_invalid_settings_are_diagnosed_and_the_original_error_kept():
    result = diagnose("password", SHA1, {"algorithm": "sha1", "rounds": 0})
    assert result.cause == "wrong_rounds" and "rounds 0 is out of range" in result.error
    assert "set hashSettings.rounds to 1." in result.message
    result = diagnose("password", SHA1, {"algorithm": "SHA-1"})
    assert result.cause == "wrong_algorithm" and 'set hashSettings.algorithm to "sha1"' in result.message
    result = diagnose("wrong", SHA1, {"algorithm": "sha1", "Rounds": 1})
    assert result.cause == "unknown" and result.message.startswith("hashSettings has an unknown key 'Rounds'")


def test_messages_never_contain_the_full_hash_or_the_password():
    result = diagnose("Test@123", GIGYA_PBKDF2[0], {"algorithm": "pbkdf2", "rounds": 1000, "salt": GIGYA_PBKDF2[1]})
    assert GIGYA_PBKDF2[0] not in result.message and "Test@123" not in result.message
