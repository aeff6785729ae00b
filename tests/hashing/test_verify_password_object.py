"""verify_password accepts a whole password object (issue 14): what to_gigya_password returns, and
what getAccountInfo returns. Vectors from the frameworks' own suites, not from our code."""

import pytest

from gigya_migrate.hashing import HashSettingsError, to_gigya_password, verify_password
from gigya_migrate.models.account import PasswordInfo

# (password, stored legacy hash, source)
VECTORS = [
    ("lètmein", "pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=",
     "Django 4.1 tests/auth_tests/test_hashers.py test_pbkdf2"),
    ("test12345", "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0", "openwall phpass 0.3 test.php (WordPress format)"),
    ("rasmuslerdorf", "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a",
     "PHP manual password_verify() example"),
]
# md5("password") = 5f4dcc3b5aa765d61d8327deb882cf99 (RFC 1321 test-suite style, widely published), base64:
MD5_PASSWORD_B64 = "X03MO1qnZdYdgyfeuILPmQ=="


@pytest.mark.parametrize("password, stored, source", VECTORS, ids=[v[2] for v in VECTORS])
def test_the_round_trip_from_a_legacy_hash(password, stored, source):
    converted = to_gigya_password(stored)
    assert verify_password(password, converted) is True
    assert verify_password(password + "x", converted) is False


def test_the_get_account_info_shape_and_its_model():
    stored = {"hash": MD5_PASSWORD_B64, "hashSettings": {"algorithm": "md5"}, "created": "2026-01-01T00:00:00Z"}
    assert verify_password("password", stored) is True
    assert verify_password("Password", stored) is False
    assert verify_password("password", PasswordInfo.model_validate(stored)) is True


def test_the_positional_form_still_works_and_ambiguity_is_refused():
    assert verify_password("password", MD5_PASSWORD_B64, {"algorithm": "md5"}) is True
    with pytest.raises(HashSettingsError, match="given twice"):
        verify_password("password", {"hashedPassword": MD5_PASSWORD_B64, "hashSettings": {"algorithm": "md5"}},
                        {"algorithm": "md5"})
    with pytest.raises(HashSettingsError, match="exactly one of"):
        verify_password("password", {"hashSettings": {"algorithm": "md5"}})
    with pytest.raises(TypeError):
        verify_password("password", 42)
