"""``gigya-migrate check-hashes``: exact report lines, exit codes, and that no secret is printed."""

import json

import pytest
from click.testing import CliRunner

from gigya_migrate.cli import main

# Vectors: Django 4.1 test_hashers (alice), aspnetcore PasswordHasherTest (carol), passlib hex_md5_test
# (bob), passlib django_salted_md5_test digest md5("123abcdef" + "password") (erin), PHP manual (frank).
SAMPLE = """id,password,hash,scheme,salt
alice,lètmein,pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=,,
bob,password,5f4dcc3b5aa765d61d8327deb882cf99,md5,
carol,my password,AQAAAAEAACcQAAAAEAABAgMEBQYHCAkKCwwNDg+yWU7rLgUwPZb1Itsmra7cbxw2EFpwpVFIEtP+JIuUEw==,,
dave,secret,"$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",,
erin,password,c8272612932975ee80e8a35995708e80,md5($password$salt),123abcdef
frank,rasmuslerdorf,$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a,,
"""


def _run(tmp_path, text, *args, name="sample.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return CliRunner().invoke(main, ["check-hashes", str(path), *args])


def test_report_lines_per_row_per_format_and_diagnosis(tmp_path):
    result = _run(tmp_path, SAMPLE)
    assert result.exit_code == 3
    assert result.output.splitlines() == [
        "row  id     format                result       gigya password object",
        '1    alice  django pbkdf2_sha256  ok           {"hashedPassword": "8xBlGd3j…", "hashSettings": {"algorithm": "pbkdf2_sha256", "rounds": 390000, "salt": "c2Vhc2FsdA=="}}',
        '2    bob    md5 (hex)             ok           {"hashedPassword": "X03MO1qn…", "hashSettings": {"algorithm": "md5"}}',
        '3    carol  aspnet identity v3    ok           {"hashedPassword": "sllO6y4F…", "hashSettings": {"algorithm": "pbkdf2_sha256", "rounds": 10000, "salt": "AAECAwQFBgcICQoLDA0ODw=="}}',
        "4    dave   argon2                UNSUPPORTED  -",
        '5    erin   md5 (hex)             FAIL         {"hashedPassword": "yCcmEpMp…", "hashSettings": {"algorithm": "md5", "salt": "123abcdef", "format": "$password$salt"}}',
        '6    frank  bcrypt                ok           {"compoundHashedPassword": "$2y$10$.…"}',
        "",
        "format                rows  verify  gigya algorithm",
        "django pbkdf2_sha256     1     1/1  pbkdf2_sha256 (rounds 390000)",
        "md5 (hex)                2     1/2  md5",
        "aspnet identity v3       1     1/1  pbkdf2_sha256 (rounds 10000)",
        "argon2                   1     0/1  -",
        "bcrypt                   1     1/1  bcrypt (compound)",
        "",
        "failures:",
        "  row 4 (dave), argon2: argon2 hashes cannot be imported into Gigya (memory-hard KDF, not an importFullAccount "
        "algorithm): no importFullAccount algorithm verifies them. Alternatives: lazy migration: import the account "
        "without a password and, on the user's first login, check the password against the legacy system and set it in "
        "Gigya (accounts.setAccountInfo newPassword); or password reset: import without a password and send each user "
        "a reset-password email.",
        '  row 5 (erin), md5 (hex): the salt is on the wrong side of the password: the legacy system hashed salt then '
        'password; use format "$salt$password", not "$password$salt".',
        "",
        "6 rows: 4 verify, 1 fail, 1 unsupported, 0 invalid",
    ]


def test_never_prints_cleartext_or_full_hash(tmp_path):
    output = _run(tmp_path, SAMPLE).output
    for secret in ("lètmein", "rasmuslerdorf", "8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=",
                   "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a", "X03MO1qnZdYdgyfeuILPmQ=="):
        assert secret not in output


def test_all_ok_exits_zero_and_show_objects_writes_full_objects(tmp_path):
    good = "\n".join(SAMPLE.splitlines()[:4]) + "\n"
    objects = tmp_path / "objects.jsonl"
    result = _run(tmp_path, good, "--show-objects", str(objects))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-2:] == ["3 rows: 3 verify, 0 fail, 0 unsupported, 0 invalid",
                                               f"full password objects: {objects}"]
    records = [json.loads(line) for line in objects.read_text(encoding="utf-8").splitlines()]
    assert records[1] == {"row": 2, "id": "bob", "format": "md5 (hex)", "status": "ok",
                          "password": {"hashedPassword": "X03MO1qnZdYdgyfeuILPmQ==", "hashSettings": {"algorithm": "md5"}}}
    assert records[0]["password"]["hashedPassword"] == "8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c="


def test_scheme_and_hash_encoding_options(tmp_path):
    text = "password,hash\npassword,5f4dcc3b5aa765d61d8327deb882cf99\n"
    assert _run(tmp_path, text, "--scheme", "md5").exit_code == 0
    forced = _run(tmp_path, text, "--scheme", "md5", "--hash-encoding", "base64")
    assert forced.exit_code == 3
    assert ("  row 1 (row 1), md5: hashedPassword '5f4dcc…' (32 chars) decodes to 24 bytes but md5 produces 16. "
            "It looks like a hex digest") in forced.output


def test_semicolon_and_tab_separated_samples(tmp_path):
    for separator in (";", "\t"):
        text = f"password{separator}hash\npassword{separator}$2a$10$dXJ3SW6G7P50lGmMkkmwe.20cQQubK3.HZWzG3YB1tlRy.fqvM/BG\n"
        result = _run(tmp_path, text)
        assert result.exit_code == 0, result.output
        assert result.output.splitlines()[1].startswith("1    row 1  bcrypt  ok")


def test_json_rows_and_gigya_objects(tmp_path):
    rows = [
        {"id": "u1", "password": "password", "hash": "W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "hashSettings": {"algorithm": "sha1"}},
        {"id": "u2", "password": "Test@123", "hash": "XMGVWTbeKf4Xd+CGiuEZde8x7QA=",
         "hashSettings": {"algorithm": "pbkdf2", "rounds": 1000, "salt": "wJuJqLoUFsdXa8k3sFhRlA=="}},
    ]
    result = _run(tmp_path, json.dumps(rows), name="sample.json")
    assert result.exit_code == 3
    lines = result.output.splitlines()
    assert lines[1].startswith("1    u1  gigya sha1    ok")
    assert ("  row 2 (u2), gigya pbkdf2: rounds is 1000 but the hash was made with 10000: set hashSettings.rounds "
            "to 10000.") in lines


def test_missing_file_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["check-hashes", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("text, words", [
    ("email,pass\na@b.c,x\n", "sample.csv has no password or hash column (password: one of password, cleartext"),
    ("password,secret\nx,y\n", "sample.csv has no hash column (hash: one of hash, stored"),
    ("password,hash\n", "sample.csv has no rows."),
])
def test_bad_sample_is_refused_with_the_columns_expected(tmp_path, text, words):
    result = _run(tmp_path, text)
    assert result.exit_code == 2
    assert words in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_help_has_an_example():
    result = CliRunner().invoke(main, ["check-hashes", "--help"])
    assert result.exit_code == 0 and "gigya-migrate check-hashes sample.csv" in result.output
