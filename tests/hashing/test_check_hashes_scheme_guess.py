"""check-hashes: a bare digest with no scheme gets the scheme that makes it verify, when one does."""

import hashlib

import pytest

from gigya_migrate.hashing.sample import check_row

# Widely published digests of "password": md5 5f4dcc3b..., sha1 5baa61e4... (e.g. RFC-style test
# tables and every rainbow-table page); sha256 of "NaCl" + "password" computed with hashlib inline.
SALTED = hashlib.sha256(b"NaClpassword").hexdigest()


@pytest.mark.parametrize(
    "row, guess",
    [
        ({"password": "password", "hash": "5f4dcc3b5aa765d61d8327deb882cf99"}, "md5"),
        ({"password": "password", "hash": "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8"}, "sha1"),
        ({"password": "password", "hash": SALTED, "salt": "NaCl"}, "sha256($salt$password)"),
    ],
)
def test_bare_digest_names_the_scheme_that_verifies(row, guess):
    result = check_row(1, row)
    assert result.status == "invalid"
    assert f"it verifies as {guess!r}: re-run with --scheme '{guess}'" in result.message
    # and the suggestion is right: with it the row verifies
    assert check_row(1, row, scheme=guess).status == "ok"


def test_no_guess_when_nothing_verifies():
    result = check_row(1, {"password": "not-it", "hash": "5f4dcc3b5aa765d61d8327deb882cf99"})
    assert result.status == "invalid" and "verifies as" not in result.message
