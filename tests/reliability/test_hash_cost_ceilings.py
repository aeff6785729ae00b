"""Hash costs above a documented ceiling are refused before any hashing work, everywhere; sap_abap as a scheme."""

import time

import pytest
from click.testing import CliRunner

from gigya_migrate.cli import main
from gigya_migrate.hashing import HashSettingsError, to_gigya_password, validate_password_object, verify_password
from gigya_migrate.hashing.crypt import BCRYPT_MAX_COST, PHPASS_MAX_LOG2
from mock_gigya.inprocess import mock_gigya

# Well-formed strings whose cost characters ask for 2**31 bcrypt rounds, 2**30 Drupal sha512 rounds
# and 2**21 phpass md5 rounds ('/' '.' '0'... is phpass's itoa64: 'S' = 30, 'J' = 21).
EXPENSIVE = {
    "bcrypt cost 31": "$2b$31$" + "a" * 53,
    "bcrypt cost 17": "$2y$17$" + "a" * 53,
    "drupal 2**30": "$S$S" + "a" * 51,
    "phpass 2**21": "$P$J" + "a" * 30,
    "drupal U$ 2**21": "U$H$J" + "a" * 30,
}
# At the ceiling: PHP manual bcrypt example (cost 10) and the phpass test vector from passlib (2**8).
ACCEPTED = [("rasmuslerdorf", "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"),
            ("test12345", "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0")]


@pytest.mark.parametrize("name", EXPENSIVE)
def test_expensive_strings_are_refused_at_once(name):
    stored = EXPENSIVE[name]
    started = time.monotonic()
    with pytest.raises(HashSettingsError, match="ceiling"):
        to_gigya_password(stored)
    with pytest.raises(HashSettingsError, match="ceiling"):
        verify_password("x", stored)
    with pytest.raises(HashSettingsError, match="ceiling"):
        validate_password_object({"compoundHashedPassword": stored})
    assert time.monotonic() - started < 1.0


def test_raw_bcrypt_rounds_above_the_ceiling_are_refused():
    obj = {"hashedPassword": "a" * 31, "hashSettings": {"algorithm": "bcrypt", "rounds": 2 ** (BCRYPT_MAX_COST + 1),
                                                        "salt": "AAAAAAAAAAAAAAAAAAAAAA=="}}
    with pytest.raises(HashSettingsError, match="ceiling"):
        validate_password_object(obj)


@pytest.mark.parametrize("password, stored", ACCEPTED)
def test_real_world_costs_still_verify(password, stored):
    assert verify_password(password, stored)
    assert to_gigya_password(stored) == {"compoundHashedPassword": stored}


def test_ceilings_are_documented_values():
    assert BCRYPT_MAX_COST == 16 and PHPASS_MAX_LOG2 == 20


def test_sap_abap_scheme_converts_instead_of_crashing():
    # hashcat example hash for mode 10300 (SAP CODVN H (PWDSALTEDHASH) iSSHA-1), password "hashcat"
    stored = "{x-issha, 1024}C0624EvGSdAMCtuWnBBYBGA0chvqAflKY74oEpw/rpY="
    password = to_gigya_password(stored, scheme="sap_abap")
    assert password == {"hashedPassword": stored, "hashSettings": {"algorithm": "sap_abap"}}
    assert verify_password("hashcat", password["hashedPassword"], password["hashSettings"])
    with pytest.raises(HashSettingsError, match="whole SAP CODVN H string"):
        to_gigya_password("5f4dcc3b5aa765d61d8327deb882cf99", scheme="sap_abap")


def test_check_hashes_reports_the_row_and_goes_on(tmp_path):
    sample = tmp_path / "sample.csv"
    sample.write_text("id,password,hash\nslow,x,$2b$31$" + "a" * 53 + "\nfrank,rasmuslerdorf,"
                      "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a\n", encoding="utf-8")
    started = time.monotonic()
    result = CliRunner().invoke(main, ["check-hashes", str(sample)])
    assert time.monotonic() - started < 10
    assert "Traceback" not in result.output and "ceiling" in result.output
    assert any(line.split()[1:2] == ["frank"] and " ok " in line for line in result.output.splitlines())


def test_validate_hashes_refuses_the_row_quickly(tmp_path):
    sample = tmp_path / "sample.csv"
    sample.write_text("email,password,hash\nslow@example.com,x,$2b$31$" + "a" * 53 + "\n", encoding="utf-8")
    started = time.monotonic()
    result = CliRunner().invoke(main, ["validate-hashes", str(sample)])
    assert time.monotonic() - started < 20
    assert "Traceback" not in result.output and "ceiling" in result.output


def test_the_mock_refuses_the_import_before_hashing():
    with mock_gigya() as gigya:
        gigya.add_site("3_cost", user_key="AK", secret="c2VjcmV0")
        from gigya_migrate.client import GigyaClient

        client = GigyaClient("3_cost", user_key="AK", secret="c2VjcmV0", max_retries=0)
        started = time.monotonic()
        with pytest.raises(Exception) as refused:
            client.import_full_account("u1", login_ids={"emails": ["a@example.com"]},
                                       password={"compoundHashedPassword": EXPENSIVE["bcrypt cost 31"]})
        assert time.monotonic() - started < 2
        assert getattr(refused.value, "error_code", None) == 400006 and "ceiling" in str(refused.value)
