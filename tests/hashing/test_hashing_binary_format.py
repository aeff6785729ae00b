"""binaryFormat ``$0x<hex>`` tokens and ``$password:<enc>`` / ``$salt:<enc>`` encodings.

Source: SAP Help, accounts.importFullAccount REST, ``hashSettings.binaryFormat`` and its "Example for
HashBinaryFormat": ``$0x4769677961$salt:base64$0x5F$password:utf16$0x4769677961`` hashes the bytes of
"Gigya", the salt bytes, "_", the UTF-16 password and "Gigya" again (docs/gigya-api.md §3,
docs/hash-algorithms.md §3.4). The expected digests below are built with hashlib from that wording,
never by gigya_migrate; utf16/utf32 are read little-endian without BOM (hash-algorithms.md §3.4, I).
"""

import base64
import hashlib
import json

import pytest
from click.testing import CliRunner

from gigya_migrate.cli import main
from gigya_migrate.hashing import HashSettingsError, verify_password
from gigya_migrate.hashing.diagnosis import diagnose
from mock_gigya import api
from mock_gigya.backend import Backend
from mock_gigya.defaults import DEFAULT_API_KEY, DEFAULT_SECRET, DEFAULT_USER_KEY

DOC_EXAMPLE = "$0x4769677961$salt:base64$0x5F$password:utf16$0x4769677961"
PASSWORD = "Pässw0rd!"
SALT = b"\x00\x9fsalt\xff"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def documented_bytes(password: str, salt: bytes) -> bytes:
    """The doc's wording, literally: "Gigya" + salt bytes + "_" + UTF-16 password + "Gigya"."""
    return b"Gigya" + salt + b"_" + password.encode("utf-16-le") + b"Gigya"


def token_text_bytes(password: str, salt: bytes) -> bytes:
    """The mistake: the token *text* "$0x4769677961" hashed as characters instead of the bytes it names."""
    return b"$0x4769677961" + salt + b"$0x5F" + password.encode("utf-16-le") + b"$0x4769677961"


SETTINGS = {"algorithm": "sha1", "salt": b64(SALT), "binaryFormat": DOC_EXAMPLE}
GOOD = b64(hashlib.sha1(documented_bytes(PASSWORD, SALT)).digest())
TOKEN_TEXT = b64(hashlib.sha1(token_text_bytes(PASSWORD, SALT)).digest())


def test_0x_token_is_the_literal_bytes_not_text():
    assert bytes.fromhex("4769677961") == b"Gigya"  # the doc's reading of the token
    assert verify_password(PASSWORD, GOOD, SETTINGS)
    assert not verify_password(PASSWORD, TOKEN_TEXT, SETTINGS)
    assert not verify_password("wrong", GOOD, SETTINGS)


# (binaryFormat, salt as sent, bytes the doc says are hashed)
ENCODINGS = [
    ("$password:utf8", None, PASSWORD.encode("utf-8")),
    ("$password", None, PASSWORD.encode("utf-8")),
    ("$password:utf16", None, PASSWORD.encode("utf-16-le")),
    ("$password:utf32", None, PASSWORD.encode("utf-32-le")),
    ("$salt:hex$password", "00ff10", b"\x00\xff\x10" + PASSWORD.encode()),
    ("$salt:base64$password", b64(b"\x01\x02"), b"\x01\x02" + PASSWORD.encode()),
    ("$password$salt:utf8", "sälz", PASSWORD.encode() + "sälz".encode("utf-8")),
    ("$salt:utf16$password:utf16", "ab", "ab".encode("utf-16-le") + PASSWORD.encode("utf-16-le")),
    ("$salt:utf32$password", "z", "z".encode("utf-32-le") + PASSWORD.encode()),
    ("$0x00$password$0xFFfe", None, b"\x00" + PASSWORD.encode() + b"\xff\xfe"),
]

HEX_PASSWORD, B64_PASSWORD = "c0ffee00", "wP/uAA=="  # the same 4 bytes, written in hex and in base64


@pytest.mark.parametrize("template, cleartext", [("$password:hex", HEX_PASSWORD), ("$password:base64", B64_PASSWORD)])
def test_password_written_in_hex_or_base64_is_decoded_like_the_salt(template, cleartext):
    """gigya-api.md §3: `<enc>` in hex, base64, utf8, utf16, utf32 for `$password:<enc>` as for `$salt:<enc>`;
    read (I) as for the salt: the value is written in that encoding."""
    stored = b64(hashlib.sha256(b"\xc0\xff\xee\x00").digest())
    settings = {"algorithm": "sha256", "binaryFormat": template}
    assert verify_password(cleartext, stored, settings)
    assert not verify_password("not hex or base64!", stored, settings)  # cannot be it: False, no error


@pytest.mark.parametrize("template, salt, data", ENCODINGS)
@pytest.mark.parametrize("algorithm", ["md5", "sha256"])
def test_each_documented_encoding(template, salt, data, algorithm):
    stored = b64(hashlib.new(algorithm, data).digest())
    settings = {"algorithm": algorithm, "binaryFormat": template, **({"salt": salt} if salt else {})}
    assert verify_password(PASSWORD, stored, settings)


@pytest.mark.parametrize("template", ["$0x$password", "$0x476$password", "$password$0x5"])
def test_0x_needs_whole_bytes(template):
    with pytest.raises(HashSettingsError, match=r"even number of hex digits"):
        verify_password(PASSWORD, GOOD, {"algorithm": "sha1", "binaryFormat": template})


def test_diagnose_recognises_hashing_the_token_text():
    found = diagnose(PASSWORD, TOKEN_TEXT, SETTINGS)
    assert not found.ok and found.cause == "binary_literal_as_text"
    assert "$0x4769677961" in found.message and "bytes" in found.message
    assert verify_password(PASSWORD, TOKEN_TEXT, found.fix["hashSettings"])  # the suggested object logs in
    assert diagnose(PASSWORD, GOOD, SETTINGS).ok


def test_check_hashes_verifies_the_documented_example(tmp_path):
    rows = [
        {"id": "doc", "password": PASSWORD, "hash": GOOD, "hashSettings": SETTINGS},
        {"id": "text", "password": PASSWORD, "hash": TOKEN_TEXT, "hashSettings": SETTINGS},
    ]
    path = tmp_path / "sample.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    result = CliRunner().invoke(main, ["check-hashes", str(path)])
    assert result.exit_code == 3, result.output  # one row fails (README: exit 3 = some records failed)
    lines = result.output.splitlines()
    assert " ok " in next(line for line in lines if line.split()[1:2] == ["doc"])
    failed = next(line for line in lines if line.split()[1:2] == ["text"])
    assert "FAIL" in failed
    assert "literal text of $0x4769677961" in result.output
    assert PASSWORD not in result.output


def test_mock_login_with_the_documented_example():
    backend = Backend()
    backend.add_app_key(DEFAULT_USER_KEY, DEFAULT_SECRET)
    backend.add_site(DEFAULT_API_KEY)
    creds = {"apiKey": DEFAULT_API_KEY, "userKey": DEFAULT_USER_KEY, "secret": DEFAULT_SECRET}
    for uid, stored in (("doc", GOOD), ("text", TOKEN_TEXT)):
        password = json.dumps({"hashedPassword": stored, "hashSettings": SETTINGS})
        _, body = api.handle(backend, "accounts.importFullAccount", {
            **creds, "UID": uid, "loginIDs": json.dumps({"emails": [f"{uid}@example.com"]}), "password": password})
        assert body["errorCode"] == 0, body
    _, ok = api.handle(backend, "accounts.login", {**creds, "loginID": "doc@example.com", "password": PASSWORD})
    assert ok["errorCode"] == 0 and ok["UID"] == "doc"
    _, bad = api.handle(backend, "accounts.login", {**creds, "loginID": "text@example.com", "password": PASSWORD})
    assert bad["errorCode"] == 403042
    backend.close()
