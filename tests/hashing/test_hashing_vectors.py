"""Known (password, hashedPassword, hashSettings) vectors for every importFullAccount algorithm.

Each row: (password, stored hash, hashSettings, source). Sources are independent of our code:
RFC/FIPS test vectors, SAP/Gigya examples, framework and passlib test suites, hashcat/John the Ripper
sample hashes. Rows marked "hashlib:" were computed once with the expression shown (written out
inline here as literals), an implementation independent of gigya_migrate.hashing.
"""

import base64
import hashlib

import pytest
from hashing_oracle import b64, chain, hex_chain_sha512, md5_double_salted, sap_codvn_h, symfony_sha512
from passlib.hash import phpass

from gigya_migrate.hashing import ALGORITHMS, EXTRA_ALGORITHMS, hash_password, verify_password

UPASS_TABLE = "t\u00e1\u0411\u2113\u0259"  # passlib's unicode test password (passlib tests UPASS_TABLE)


def hex64(hex_digest: str) -> str:
    """A published hex digest as the base64 Gigya stores (a re-encoding, not a computation)."""
    return base64.b64encode(bytes.fromhex(hex_digest)).decode("ascii")



_b = lambda text: base64.b64encode(text.encode("latin-1")).decode()  # noqa: E731  base64 of a literal salt

VECTORS = {
    "md5": [
        ("test1234", "Ftek/KdELdo62TyacmWX5A==", {"algorithm": "md5"}, "SAP CX Works password-hashing article"),
        ("", hex64("d41d8cd98f00b204e9800998ecf8427e"), {"algorithm": "md5"}, "RFC 1321 A.5"),
        ("abc", hex64("900150983cd24fb0d6963f7d28e17f72"), {"algorithm": "md5"}, "RFC 1321 A.5"),
        ("message digest", hex64("f96b697d7cb7938d525a2f31aaf161d0"), {"algorithm": "md5"}, "RFC 1321 A.5"),
        ("a", hex64("0cc175b9c0f1b6a831c399e269772661"), {"algorithm": "md5", "salt": "", "format": "$salt$password"},
         "RFC 1321 A.5 (empty salt in a template adds nothing)"),
        ("helloworld", "/F4DjTilcDIIVEHn/nAQsA==", {"algorithm": "md5"}, "passlib ldap_md5_test ({MD5} body)"),
        (UPASS_TABLE, hex64("05473f8a19f66815e737b33264a0d0b0"), {"algorithm": "md5"}, "passlib hex_md5_test unicode"),
        # passlib django_salted_md5_test: md5$123abcdef$c827... = md5(salt + password)
        ("password", hex64("c8272612932975ee80e8a35995708e80"),
         {"algorithm": "md5", "salt": "123abcdef", "format": "$salt$password"}, "passlib django_salted_md5_test"),
        # passlib ldap_salted_md5_test {SMD5}: base64(md5(pw + salt) + salt), 4-byte salt
        ("testing1234", "UjFY34os/pnZQ3oQOzjqGg==", {"algorithm": "md5", "salt": "7jJ5cQ==",
         "binaryFormat": "$password$salt:base64"}, "passlib ldap_salted_md5_test {SMD5}UjFY34os..."),
        ("secret", "r81woUOLm4zpvnLonKYCqA==", {"algorithm": "md5", "salt": "pepper", "format": "$salt$password"},
         "hashlib: b64(md5(b'peppersecret'))"),
        ("password", "OeuChM8aOzyh8mivv6xBpg==", {"algorithm": "md5", "rounds": 1000},
         "hashlib: md5 of the raw digest, 1000 times in all"),
    ],
    "sha1": [
        ("password", "W6ph5Mm5Pz8GgiULbPgzG37mj9g=", {"algorithm": "sha1"}, "SAP Help importFullAccount example"),
        ("abc", hex64("a9993e364706816aba3e25717850c26c9cd0d89d"), {"algorithm": "sha1"}, "FIPS 180 / RFC 3174"),
        ("", hex64("da39a3ee5e6b4b0d3255bfef95601890afd80709"), {"algorithm": "sha1"}, "FIPS 180 empty message"),
        ("helloworld", "at+xg6SiyUovktq1redipHiJpaE=", {"algorithm": "sha1"}, "passlib ldap_sha1_test ({SHA} body)"),
        (UPASS_TABLE, hex64("e059b2628e3a3e2de095679de9822c1d1466e0f0"), {"algorithm": "sha1"}, "passlib hex_sha1_test unicode"),
        ("password", hex64("e4a1877b0e35c47329e7ed7e58014276168a37ba"),
         {"algorithm": "sha1", "salt": "123abcdef", "format": "$salt$password"}, "passlib django_salted_sha1_test"),
        ("MyPassword", hex64("893cf12e134c3c215f3a76bd50d13f92404a54d3"),
         {"algorithm": "sha1", "salt": "54123", "format": "$salt$password"}, "passlib django_salted_sha1_test"),
        # passlib ldap_salted_sha1_test {SSHA}0c0blFTXXNuAMHECS4uxrj3ZieMoWImr: sha1(pw + salt) + 4-byte salt
        ("testing123", "0c0blFTXXNuAMHECS4uxrj3ZieM=", {"algorithm": "sha1", "salt": "KFiJqw==",
         "binaryFormat": "$password$salt:base64"}, "passlib ldap_salted_sha1_test {SSHA}"),
        # passlib mssql2005_test: 0x0100 + salt(4) + sha1(UTF-16LE(pw) + salt)
        ("Test", hex64("0CFA5FDCA28C4A56085E65E882E71CB0ED250341"), {"algorithm": "sha1", "salt": "34767D5C",
         "binaryFormat": "$password:utf16$salt:hex"}, "passlib mssql2005_test (hkashfi blog)"),
        ("toto", hex64("BF932BC4151A1AF1F13CD17301D70816A8886908"), {"algorithm": "sha1", "salt": "4086CEB6",
         "binaryFormat": "$password:utf16$salt:hex"}, "passlib mssql2005_test (openwall john-users)"),
        ("hunter2", "87u9ZqY9S/F0eUBXjsPQEDUw4h0=", {"algorithm": "sha1", "salt": "", "format": "$salt$password"},
         "hashlib: b64(sha1(b'hunter2')) (empty salt)"),
        (UPASS_TABLE, "ZEv4xJbCFPWwpqQIrquS3f2MlDc=", {"algorithm": "sha1", "salt": "NaCl", "format": "$password:$salt"},
         "hashlib: b64(sha1((UPASS_TABLE + ':NaCl').encode()))"),
        ("password", "JHDAwG3uQv0WGLuZAFrcouydHhk=", {"algorithm": "sha1", "rounds": "2"},
         "hashlib: b64(sha1(sha1(b'password').digest()))"),
    ],
    "sha1_hashbytes": [
        # SQL Server 2008 HashBytes('SHA1', N'secret' + N'random123') = 0x7D0DF199...22DE34
        ("secret", hex64("7d0df1998892db320d334eb1f0ab090e6422de34"),
         {"algorithm": "sha1_hashbytes", "salt": "random123", "format": "$password$salt"},
         "SAP SQL Anywhere forum q.19446 (SQL Server HashBytes)"),
        ("secretrandom123", hex64("7d0df1998892db320d334eb1f0ab090e6422de34"), {"algorithm": "sha1_hashbytes"},
         "SAP SQL Anywhere forum q.19446 (same bytes, no template)"),
        ("password", "6Pl/upEE0epQR5SObftn+s2fW3M=", {"algorithm": "sha1_hashbytes"},
         "hashlib: b64(sha1('password'.encode('utf-16-le')))"),
        ("", "2jmj7l5rSw0yVb/vlWAYkK/YBwk=", {"algorithm": "sha1_hashbytes"}, "hashlib: sha1 of no bytes"),
        (UPASS_TABLE, "NnPMqohzjlF+OlqKj9XkVlmH+jg=", {"algorithm": "sha1_hashbytes"},
         "hashlib: b64(sha1(UPASS_TABLE.encode('utf-16-le')))"),
        ("Pa55w0rd!", "9mKCNKoUqm886SX4+2eR4Ut/WJQ=", {"algorithm": "sha1_hashbytes", "salt": "",
         "format": "$salt$password"}, "hashlib: b64(sha1('Pa55w0rd!'.encode('utf-16-le'))) (empty salt)"),
        ("password", "RGHmY3GUv0xaNxJ80bhmVCagmD8=", {"algorithm": "sha1_hashbytes", "rounds": 3},
         "hashlib: sha1 of the raw digest twice more"),
        # mssql2005 pwdencrypt is HASHBYTES over nvarchar + 4 salt bytes: binaryFormat keeps its bytes
        ("AAAA", hex64("86834E97F20B198ACD219D60B446AC5E48C54F30"), {"algorithm": "sha1_hashbytes",
         "salt": "36D726AE", "binaryFormat": "$password:utf16$salt:hex"}, "passlib mssql2005_test (relentlessfrontend)"),
    ],
    "sha256": [
        ("Gigya", "0oob6zSvBZ6wcBQI7/YxDo+nJ2U6VCpEP17+dJRBA4E=",
         {"algorithm": "sha256", "rounds": 1, "salt": "123", "format": "$password$salt"}, "gigya/GigyaPasswordValidator README"),
        ("abc", hex64("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), {"algorithm": "sha256"}, "FIPS 180-2 B.1"),
        ("", hex64("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), {"algorithm": "sha256"}, "FIPS 180 empty message"),
        ("abc", hex64("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
         {"algorithm": "sha256", "salt": "", "format": "$password$salt"}, "FIPS 180-2 B.1 (empty salt)"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         hex64("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"), {"algorithm": "sha256"}, "FIPS 180-2 B.2"),
        ("password", hex64("5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"), {"algorithm": "sha256"}, "passlib hex_sha256_test"),
        (UPASS_TABLE, hex64("6ed729e19bf24d3d20f564375820819932029df05547116cfc2cc868a27b4493"), {"algorithm": "sha256"}, "passlib hex_sha256_test unicode"),
        ("p4ss", "GZNKYHOkq2ikgpHNRxBn8rITs36G6OQrkJcEi6xR37k=",
         {"algorithm": "sha256", "salt": "s4lt", "format": "wikipedia$salt$password"}, "hashlib: b64(sha256(b'wikipedias4ltp4ss')) (SAP's template example)"),
        ("abc", "GE9tboJVTAUbM/Fef//+ywzA9GGikJbEHCFOFo40wh0=", {"algorithm": "sha256", "rounds": 5},
         "hashlib: sha256 of the raw digest, 5 times in all"),
    ],
    "sha512": [
        ("abc", hex64("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
         {"algorithm": "sha512"}, "FIPS 180-2 C.1"),
        ("", hex64("cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"),
         {"algorithm": "sha512"}, "FIPS 180 empty message"),
        ("abc", hex64("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
         {"algorithm": "sha512", "salt": "", "format": "$salt$password"}, "FIPS 180-2 C.1 (empty salt)"),
        ("password", hex64("b109f3bbbc244eb82441917ed06d618b9008dd09b3befd1b5e07394c706a8bb980b1d7785e5976ec049b46df5f1326af5a2ea6d103fd07c95385ffab0cacbc86"),
         {"algorithm": "sha512"}, "passlib hex_sha512_test"),
        (UPASS_TABLE, hex64("d91bb0a23d66dca07a1781fd63ae6a05f6919ee5fc368049f350c9f293b078a18165d66097cf0d89fdfbeed1ad6e7dba2344e57348cd6d51308c843a06f29caf"),
         {"algorithm": "sha512"}, "passlib hex_sha512_test unicode"),
        ("secret", "gHVFalrBuMV7fbzJlUX93OqNwRBQvKoUJy6DC9HfCE3qurt7AFEfO6a0AIt+Yr50fK6yqX7cwCfjOBS9AXjovQ==",
         {"algorithm": "sha512", "salt": "Zm9v", "format": "$salt$password"}, "hashlib: b64(sha512(b'Zm9vsecret')) (salt is clear text)"),
        ("password", "ZHF1k/mVKJ9cZPSr4SZe9+G01qn1s7EGLu7z7HkU9+rrQFi7mzqJzCDo+ZdGXTenvj/eE0SjvMg62Caogo5Gkw==",
         {"algorithm": "sha512", "rounds": 3}, "hashlib: sha512 of the raw digest, 3 times in all"),
    ],
    "sha512Hexa": [
        ("password", "sQnzu7wkTrgkQZF+0G1hi5AI3Qmzvv0bXgc5THBqi7mAsdd4Xll27ASbRt9fEyavWi6m0QP9B8lThf+rDKy8hg==",
         {"algorithm": "sha512Hexa"}, "passlib hex_sha512_test (rounds 1 = sha512)"),
        ("password", "r+mRN5Z+5vXsjwjfid2AdtuTLhPUyo17Mv7aPckZrj4WV88wYWUj0oUAcndV7drVpuGP4lW0B6nF9t2N4aQ7mQ==",
         {"algorithm": "sha512Hexa", "rounds": 2}, "hashlib: b64(sha512(sha512(b'password').hexdigest().encode()))"),
        (UPASS_TABLE, "+9JSJIR6ZfKMWwKGyEIxsnR+aleHDL20L5jkssSsOAI/Vupg3SA8SlcSVKz9ZSNxj1q55nF+n1pvSr0vVlEiyA==",
         {"algorithm": "sha512Hexa", "rounds": 2}, "hashlib: same chain over UPASS_TABLE UTF-8"),
        ("", "ERtVoHWXyr4EmWEJZEwNEZF1+TXELSVO6lawsDYPpjDvX0NEUSgnEX+QIN09gnfOTvya19rQddmYE+xQiWWC0g==",
         {"algorithm": "sha512Hexa", "rounds": 3}, "hashlib: hex chain, 3 rounds, empty password"),
        ("hashcat", "NWkjYU1HUuQ+vTIr6wLOrOlpc19p1zV2wVREVC6UAdCYiYIyzKqwuD0U2HU3TX90mFV47fP6CBAHFb3iO96sww==",
         {"algorithm": "sha512Hexa", "rounds": 10}, "hashlib: hex chain, 10 rounds"),
        ("password", "r+mRN5Z+5vXsjwjfid2AdtuTLhPUyo17Mv7aPckZrj4WV88wYWUj0oUAcndV7drVpuGP4lW0B6nF9t2N4aQ7mQ==",
         {"algorithm": "sha512Hexa", "rounds": 2, "salt": "", "format": "$salt$password"}, "hashlib: hex chain (empty salt)"),
        ("password", "t++5IpGL8wx3fSXU0SI+aGWhhSnzg9y44Q7xQ/LZStd9Jnq4BeScdiPUXcQVFxtd6bspqIcZsRiorMOXLYFS2A==",
         {"algorithm": "sha512Hexa", "rounds": 2, "salt": "abc", "format": "$password$salt"}, "hashlib: hex chain over b'passwordabc'"),
    ],
    "md5_double_salted": [
        ("hashcat", hex64("16780ba78d2d5f02f3202901c1b6d975"), {"algorithm": "md5_double_salted", "salt": _b("568")},
         "hashcat example_hashes mode 2611 (vBulletin < v3.8.5)"),
        ("password", "8koOnOEgaccvdwRq1wi2VQ==", {"algorithm": "md5_double_salted", "salt": "YWJj"},
         "hashlib: b64(md5(md5(b'password').hexdigest().encode() + b'abc'))"),
        (UPASS_TABLE, "HvRwxYAgawLMvtPjWM01TQ==", {"algorithm": "md5_double_salted", "salt": "eHl6"},
         "hashlib: same over UPASS_TABLE UTF-8, salt b'xyz'"),
        ("password", "aW0p4JQKSVd0j+P8nv0iow==", {"algorithm": "md5_double_salted", "salt": ""},
         "hashlib: empty salt = md5(md5_hex(password))"),
        ("password", "aW0p4JQKSVd0j+P8nv0iow==", {"algorithm": "md5_double_salted"}, "hashlib: no salt key at all"),
        ("hashcat", "TE0Y35sNXYiwkoUyV5Wyqw==", {"algorithm": "md5_double_salted", "salt": "AP8Q", "rounds": 1},
         "hashlib: binary salt bytes 00 ff 10"),
    ],
    "pbkdf2": [
        ("Test@123", "XMGVWTbeKf4Xd+CGiuEZde8x7QA=", {"algorithm": "pbkdf2", "rounds": 10000, "salt": "wJuJqLoUFsdXa8k3sFhRlA=="},
         "Gigya export (OneLogin/Auth0 migration notes)"),
        ("password", hex64("0c60c80f961f0e71f3a9b524af6012062fe037a6"), {"algorithm": "pbkdf2", "rounds": 1, "salt": _b("salt")}, "RFC 6070 #1"),
        ("password", hex64("ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"), {"algorithm": "pbkdf2", "rounds": 2, "salt": _b("salt")}, "RFC 6070 #2"),
        ("password", hex64("4b007901b765489abead49d926f721d065a429c1"), {"algorithm": "pbkdf2", "rounds": 4096, "salt": _b("salt")}, "RFC 6070 #3"),
        ("passwordPASSWORDpassword", hex64("3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038"),
         {"algorithm": "pbkdf2", "rounds": 4096, "salt": _b("saltSALTsaltSALTsaltSALTsaltSALTsalt")}, "RFC 6070 #5 (dkLen 25)"),
        ("pass\x00word", hex64("56fa6aa75548099dcc37d7f03425e0c3"), {"algorithm": "pbkdf2", "rounds": 4096, "salt": _b("sa\x00lt")},
         "RFC 6070 #6 (dkLen 16)"),
        ("password", "aXZgUGAL/4GoWQA6plSJDUUsEwk=", {"algorithm": "pbkdf2", "rounds": 10}, "hashlib.pbkdf2_hmac('sha1', b'password', b'', 10, 20) (no salt)"),
        (UPASS_TABLE, "8tWXCASikqadSWUhKmC50dXg3Oo7kfVQdf9lJ9ZOhfk=", {"algorithm": "pbkdf2", "rounds": "10", "salt": "c2FsdA"},
         "hashlib.pbkdf2_hmac('sha1', UPASS_TABLE.encode(), b'salt', 10, 32) (salt without padding)"),
    ],
    "pbkdf2_sha256": [
        ("password", hex64("120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"),
         {"algorithm": "pbkdf2_sha256", "rounds": 1, "salt": _b("salt")}, "published PBKDF2-HMAC-SHA256 vectors (RFC 6070 inputs)"),
        ("password", hex64("ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43"),
         {"algorithm": "pbkdf2_sha256", "rounds": 2, "salt": _b("salt")}, "published PBKDF2-HMAC-SHA256 vectors"),
        ("password", hex64("c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"),
         {"algorithm": "pbkdf2_sha256", "rounds": 4096, "salt": _b("salt")}, "published PBKDF2-HMAC-SHA256 vectors"),
        ("passwd", hex64("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"),
         {"algorithm": "pbkdf2_sha256", "rounds": 1, "salt": _b("salt")}, "RFC 7914 §11 (dkLen 64)"),
        ("password", "M+xwwYFNCZeh8Eirri05RZaTyE8=", {"algorithm": "pbkdf2_sha256", "rounds": 10, "salt": ""},
         "hashlib.pbkdf2_hmac('sha256', b'password', b'', 10, 20) (empty salt)"),
        (UPASS_TABLE, "Bsnw6klI7xLxhtWM99qlPy9UjJWgasMdjemgSvMmMpk=", {"algorithm": "pbkdf2_sha256", "rounds": 10, "salt": "c2FsdA=="},
         "hashlib.pbkdf2_hmac('sha256', UPASS_TABLE.encode(), b'salt', 10, 32)"),
    ],
    "pbkdf2_sha512": [
        ("password", hex64("867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252c02d470a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce"),
         {"algorithm": "pbkdf2_sha512", "rounds": 1, "salt": _b("salt")}, "published PBKDF2-HMAC-SHA512 vectors (RFC 6070 inputs)"),
        ("password", hex64("e1d9c16aa681708a45f5c7c4e215ceb66e011a2e9f0040713f18aefdb866d53cf76cab2868a39b9f7840edce4fef5a82be67335c77a6068e04112754f27ccf4e"),
         {"algorithm": "pbkdf2_sha512", "rounds": 2, "salt": _b("salt")}, "published PBKDF2-HMAC-SHA512 vectors"),
        ("password", hex64("d197b1b33db0143e018b12f3d1d1479e6cdebdcc97c5c0f87f6902e072f457b5143f30602641b3d55cd335988cb36b84376060ecd532e039b742a239434af2d5"),
         {"algorithm": "pbkdf2_sha512", "rounds": 4096, "salt": _b("salt")}, "published PBKDF2-HMAC-SHA512 vectors"),
        ("passwordPASSWORDpassword", hex64("8c0511f4c6e597c6ac6315d8f0362e225f3c501495ba23b868c005174dc4ee71115b59f9e60cd9532fa33e0f75aefe30225c583a186cd82bd4daea9724a3d3b8"),
         {"algorithm": "pbkdf2_sha512", "rounds": 4096, "salt": _b("saltSALTsaltSALTsaltSALTsaltSALTsalt")}, "published PBKDF2-HMAC-SHA512 vectors"),
        ("password", "+uAkOeTfGXBgET96ImWWmZ/i6Vc=", {"algorithm": "pbkdf2_sha512", "rounds": 10},
         "hashlib.pbkdf2_hmac('sha512', b'password', b'', 10, 20) (no salt, Gigya's 20-byte export size)"),
        (UPASS_TABLE, "UCZbzT1o9HoymedBDP5SZpaVtWeHQaYVu9AXsghlV28=", {"algorithm": "pbkdf2_sha512", "rounds": 10, "salt": "c2FsdA=="},
         "hashlib.pbkdf2_hmac('sha512', UPASS_TABLE.encode(), b'salt', 10, 32)"),
    ],
    "symphony2": [
        # Symfony MessageDigestPasswordEncoder('sha512', true, n): salted = pw{salt}; d = H(salted); d = H(d.salted)...
        ("password", "sQnzu7wkTrgkQZF+0G1hi5AI3Qmzvv0bXgc5THBqi7mAsdd4Xll27ASbRt9fEyavWi6m0QP9B8lThf+rDKy8hg==",
         {"algorithm": "symphony2", "rounds": 1}, "Symfony MessageDigestPasswordEncoderTest base64 case (sha512, 1 iteration = plain sha512, passlib hex_sha512)"),
        ("password", "j0tf6XFzsuTUUWw5wiZ8xERpjvye++2RhMLobpWNXDWRHtizi/RivSlpx2tEMlNht3oDgOiCtUpc9nBB5MmijQ==",
         {"algorithm": "symphony2", "rounds": 2, "salt": ""}, "hashlib: Symfony's iteration test shape: sha512(sha512(p) + p)"),
        ("password", "iKw+yyYDAaIE9cknw6XdfjaVtHJ7Gqh+o/GYWoVpWN1wNDQcSjc8uqXSBC+yj0KOMwA7RpCKH9weKfJT+7AEHQ==",
         {"algorithm": "symphony2", "rounds": 5000, "salt": "c2FsdA=="}, "hashlib: Symfony defaults (5000 iterations), salt b'salt'"),
        (UPASS_TABLE, "GeL3T0sm0oZu4gkK9JfDWCdxUSF4R7WKAwRSgiUhOczZtR7W8ABP9JX4n9fLLumd7IUfUPi6M8T8G/zKl6vnsg==",
         {"algorithm": "symphony2", "rounds": 3, "salt": "TmFDbA=="}, "hashlib: UPASS_TABLE{NaCl}, 3 iterations"),
        ("foo", "T2Z1zBZlJKpKywNoFacztmgmdBSdPCEvco2q8uAIjIFNznX5UhdDluqD3SQMm4PT9qugfHVc+MNLb8+5/9FvIw==",
         {"algorithm": "symphony2", "rounds": 2, "salt": "MA=="}, "hashlib: salt '0' is empty() in PHP, so no braces"),
        ("hunter2", "2cunhmFejKNCtO9mylmYwaIS05RSfbXXRsy3HsndP/85+8EIDEGaUQYg87IsDzOlR3qCWdIyRqCAjdAJk2SPWg==",
         {"algorithm": "symphony2", "rounds": 10, "salt": "AQI="}, "hashlib: binary salt bytes 01 02, 10 iterations"),
    ],
    "md5_crypt": [
        ("hashcat", "$1$28772684$iEwNOgGugqO9.bIz5sk8k/", {}, "hashcat example_hashes mode 500"),
        ("U*U*U*U*", "$1$dXc3I7Rw$ctlgjDdWJLMT.qwHsWhXR1", {}, "John the Ripper 1.7.9 (passlib md5_crypt_test)"),
        ("U*U***U", "$1$dXc3I7Rw$94JPyQc/eAgQ3MFMCoMF.0", {"algorithm": "md5_crypt"}, "John the Ripper 1.7.9 (passlib)"),
        ("", "$1$Eu.GHtia$CFkL/nE1BYTlEPiVx1VWX0", None, "John the Ripper 1.7.9 (passlib), empty password"),
        ("Compl3X AlphaNu3meric", "$1$nX1e7EeI$ljQn72ZUgt6Wxd9hfvHdV0", {}, "passlib md5_crypt_test custom"),
        ("s", "$1$ssssssss$YgmLTApYTv12qgTwBoj8i/", {}, "passlib md5_crypt_test custom"),
        (UPASS_TABLE, "$1$d6/Ky1lU$/xpf8m7ftmWLF.TjHCqel0", {}, "passlib md5_crypt_test unicode (UTF-8)"),
    ],
    "bcrypt": [
        ("hashcat", "$2a$05$LhayLxezLhK1LhWvKxCyLOj0j1u.Kj0jZ0pEmm134uzrQlFvQJLF6", {}, "hashcat example_hashes mode 3200"),
        ("U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", {"algorithm": "bcrypt"}, "openwall crypt_blowfish 1.2 (passlib)"),
        ("", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy", {}, "openwall crypt_blowfish 1.2 (passlib), empty password"),
        ("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored",
         "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui", {}, "openwall crypt_blowfish 1.2: only 72 bytes count"),
        ("~!@#$%^&*()      ~!@#$%^&*()PNBFRD", "$2a$10$LgfYWkbzEvQ4JakH7rOvHe0y8pHKF9OaFgwUZ2q7W2FFZmZzJYlfS", {}, "py-bcrypt tests (passlib)"),
        ("rasmuslerdorf", "$2y$07$BCryptRequires22Chrcte/VlQH0piJtjXl.0t1XkA8pw9dMXTpOq", {}, "PHP manual, crypt() / password_verify()"),
        (UPASS_TABLE, "$2a$10$Z17AXnnlpzddNUvnC6cZNOl54vBeVTewdrxohbPtcwl.GEZFTGjHe", {}, "passlib bcrypt known_correct_configs (unicode)"),
    ],
    "drupal": [
        ("hashcat", "$S$C33783772bRXEx1aCsvY.dqgaaSu76XmVlKrW9Qu8IQlvxHlmzLf", {}, "hashcat example_hashes mode 7900 (Drupal7)"),
        ("virtualabc", "$S$CwkjgAKeSx2imSiN3SyBEg8e0sgE2QOx4a/VIfCHN0BZUNAWCr1X", {}, "John the Ripper drupal7_fmt_plug.c"),
        ("password", "$S$CFURCPa.k6FAEbJPgejaW4nijv7rYgGc4dUJtChQtV4KLJTPTC/u", {"algorithm": "drupal"}, "John the Ripper drupal7_fmt_plug.c"),
        ("NEW_TEMP_PASSWORD", "$S$C6x2r.aW5Nkg7st6/u.IKWjTerHXscjPtu4spwhCVZlP89UKcbb/", {}, "John the Ripper drupal7_fmt_plug.c"),
        ("hashcat", "$P$984478476IagS59wHZvyQMArzfx58u.", {}, "hashcat example_hashes mode 400 (phpass)"),
        ("test12345", "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0", {}, "openwall phpass 0.3 test.php"),
        ("test1", "$H$9aaaaaSXBjgypwqm.JsMssPLiS8YQ00", {}, "John the Ripper 1.7.9 (passlib phpass_test)"),
        ("", "$P$7JaFQsPzJSuenezefD/3jHgt5hVfNH0", {}, "passlib phpass_test custom, empty password"),
        (UPASS_TABLE, "$P$7SMy8VxnfsIy2Sxm7fJxDSdil.h7TW.", {}, "passlib phpass_test unicode (UTF-8)"),
        ("password", "U$P$512345678Wj/yNwOQmSV7DBhJqAKEd0", {},
         "'U' + passlib phpass.using(salt='12345678', rounds=7).hash(md5_hex('password')) (Drupal user_update_7000)"),
    ],
    # SAP CODVN H: {x-issha, n}base64(sha1 chain ‖ salt); hashlib rows: h = sha1(pw + salt), then n-1 times
    # h = sha1(pw + h), salt appended (the layout of the hashcat example)
    "sap_abap": [
        ("hashcat", "{x-issha, 1024}C0624EvGSdAMCtuWnBBYBGA0chvqAflKY74oEpw/rpY=", {"algorithm": "sap_abap"},
         "hashcat example_hashes mode 10300 (SAP CODVN H)"),
        ("password", "{x-issha, 1024}089OknpqwTyip9/gb6wHi8wBoWhzYWx0c2FsdHNhbHQ=", {"algorithm": "sap_abap"},
         "hashlib: salt b'saltsaltsalt', 1024 iterations"),
        (UPASS_TABLE, "{x-issha, 2}7BKOUqK2razd9ZZ3Wut+a2q4rt8wMTIzNDU2Nzg5YWI=", {"algorithm": "sap_abap"},
         "hashlib: UPASS_TABLE UTF-8, salt b'0123456789ab', 2 iterations"),
        ("", "{x-issha, 1}LFE/FJ5zfsQGP8HTeu6b6rxLS78AAAAAAAAAAAAAAAA=", {"algorithm": "sap_abap"},
         "hashlib: empty password, 12 zero salt bytes, 1 iteration"),
        ("hashcat", "{x-issha, 10}1EVgt1YTe4IJputCtD3+QxsxoHw=", {"algorithm": "sap_abap"},
         "hashlib: empty salt, 10 iterations"),
        ("Pass1234", "{x-issha, 1024}tfJYP3Q8dEzFuFrEJJWwGk40QpJhYmNkZWZnaA==", {"algorithm": "sap_abap"},
         "hashlib: salt b'abcdefgh', 1024 iterations"),
    ],
}
"""Algorithm name -> vectors."""


_U8 = UPASS_TABLE.encode("utf-8")
_U16 = lambda text: text.encode("utf-16-le")  # noqa: E731  SQL Server nvarchar bytes

# Every row whose source starts "hashlib" (or names passlib) recomputed here on every run, with
# hashlib/passlib only (tests/hashing/hashing_oracle.py), so no vector rests on "computed once".
# stored hash -> the independent computation of it.
ORACLE = {
    "r81woUOLm4zpvnLonKYCqA==": lambda: b64(hashlib.md5(b"peppersecret").digest()),
    "OeuChM8aOzyh8mivv6xBpg==": lambda: b64(chain("md5", b"password", 1000)),
    "87u9ZqY9S/F0eUBXjsPQEDUw4h0=": lambda: b64(hashlib.sha1(b"hunter2").digest()),
    "ZEv4xJbCFPWwpqQIrquS3f2MlDc=": lambda: b64(hashlib.sha1(_U8 + b":NaCl").digest()),
    "JHDAwG3uQv0WGLuZAFrcouydHhk=": lambda: b64(chain("sha1", b"password", 2)),
    "6Pl/upEE0epQR5SObftn+s2fW3M=": lambda: b64(hashlib.sha1(_U16("password")).digest()),
    "2jmj7l5rSw0yVb/vlWAYkK/YBwk=": lambda: b64(hashlib.sha1(b"").digest()),
    "NnPMqohzjlF+OlqKj9XkVlmH+jg=": lambda: b64(hashlib.sha1(_U16(UPASS_TABLE)).digest()),
    "9mKCNKoUqm886SX4+2eR4Ut/WJQ=": lambda: b64(hashlib.sha1(_U16("Pa55w0rd!")).digest()),
    "RGHmY3GUv0xaNxJ80bhmVCagmD8=": lambda: b64(chain("sha1", _U16("password"), 3)),
    "GZNKYHOkq2ikgpHNRxBn8rITs36G6OQrkJcEi6xR37k=": lambda: b64(hashlib.sha256(b"wikipedias4ltp4ss").digest()),
    "GE9tboJVTAUbM/Fef//+ywzA9GGikJbEHCFOFo40wh0=": lambda: b64(chain("sha256", b"abc", 5)),
    "gHVFalrBuMV7fbzJlUX93OqNwRBQvKoUJy6DC9HfCE3qurt7AFEfO6a0AIt+Yr50fK6yqX7cwCfjOBS9AXjovQ==":
        lambda: b64(hashlib.sha512(b"Zm9vsecret").digest()),
    "ZHF1k/mVKJ9cZPSr4SZe9+G01qn1s7EGLu7z7HkU9+rrQFi7mzqJzCDo+ZdGXTenvj/eE0SjvMg62Caogo5Gkw==":
        lambda: b64(chain("sha512", b"password", 3)),
    "r+mRN5Z+5vXsjwjfid2AdtuTLhPUyo17Mv7aPckZrj4WV88wYWUj0oUAcndV7drVpuGP4lW0B6nF9t2N4aQ7mQ==":
        lambda: b64(hex_chain_sha512(b"password", 2)),
    "+9JSJIR6ZfKMWwKGyEIxsnR+aleHDL20L5jkssSsOAI/Vupg3SA8SlcSVKz9ZSNxj1q55nF+n1pvSr0vVlEiyA==":
        lambda: b64(hex_chain_sha512(_U8, 2)),
    "ERtVoHWXyr4EmWEJZEwNEZF1+TXELSVO6lawsDYPpjDvX0NEUSgnEX+QIN09gnfOTvya19rQddmYE+xQiWWC0g==":
        lambda: b64(hex_chain_sha512(b"", 3)),
    "NWkjYU1HUuQ+vTIr6wLOrOlpc19p1zV2wVREVC6UAdCYiYIyzKqwuD0U2HU3TX90mFV47fP6CBAHFb3iO96sww==":
        lambda: b64(hex_chain_sha512(b"hashcat", 10)),
    "t++5IpGL8wx3fSXU0SI+aGWhhSnzg9y44Q7xQ/LZStd9Jnq4BeScdiPUXcQVFxtd6bspqIcZsRiorMOXLYFS2A==":
        lambda: b64(hex_chain_sha512(b"passwordabc", 2)),
    "8koOnOEgaccvdwRq1wi2VQ==": lambda: b64(md5_double_salted(b"password", b"abc")),
    "HvRwxYAgawLMvtPjWM01TQ==": lambda: b64(md5_double_salted(_U8, b"xyz")),
    "aW0p4JQKSVd0j+P8nv0iow==": lambda: b64(md5_double_salted(b"password", b"")),
    "TE0Y35sNXYiwkoUyV5Wyqw==": lambda: b64(md5_double_salted(b"hashcat", b"\x00\xff\x10")),
    "aXZgUGAL/4GoWQA6plSJDUUsEwk=": lambda: b64(hashlib.pbkdf2_hmac("sha1", b"password", b"", 10, 20)),
    "8tWXCASikqadSWUhKmC50dXg3Oo7kfVQdf9lJ9ZOhfk=": lambda: b64(hashlib.pbkdf2_hmac("sha1", _U8, b"salt", 10, 32)),
    "M+xwwYFNCZeh8Eirri05RZaTyE8=": lambda: b64(hashlib.pbkdf2_hmac("sha256", b"password", b"", 10, 20)),
    "Bsnw6klI7xLxhtWM99qlPy9UjJWgasMdjemgSvMmMpk=": lambda: b64(hashlib.pbkdf2_hmac("sha256", _U8, b"salt", 10, 32)),
    "+uAkOeTfGXBgET96ImWWmZ/i6Vc=": lambda: b64(hashlib.pbkdf2_hmac("sha512", b"password", b"", 10, 20)),
    "UCZbzT1o9HoymedBDP5SZpaVtWeHQaYVu9AXsghlV28=": lambda: b64(hashlib.pbkdf2_hmac("sha512", _U8, b"salt", 10, 32)),
    "j0tf6XFzsuTUUWw5wiZ8xERpjvye++2RhMLobpWNXDWRHtizi/RivSlpx2tEMlNht3oDgOiCtUpc9nBB5MmijQ==":
        lambda: b64(symfony_sha512(b"password", b"", 2)),
    "iKw+yyYDAaIE9cknw6XdfjaVtHJ7Gqh+o/GYWoVpWN1wNDQcSjc8uqXSBC+yj0KOMwA7RpCKH9weKfJT+7AEHQ==":
        lambda: b64(symfony_sha512(b"password", b"salt", 5000)),
    "GeL3T0sm0oZu4gkK9JfDWCdxUSF4R7WKAwRSgiUhOczZtR7W8ABP9JX4n9fLLumd7IUfUPi6M8T8G/zKl6vnsg==":
        lambda: b64(symfony_sha512(_U8, b"NaCl", 3)),
    "T2Z1zBZlJKpKywNoFacztmgmdBSdPCEvco2q8uAIjIFNznX5UhdDluqD3SQMm4PT9qugfHVc+MNLb8+5/9FvIw==":
        lambda: b64(symfony_sha512(b"foo", b"0", 2)),
    "2cunhmFejKNCtO9mylmYwaIS05RSfbXXRsy3HsndP/85+8EIDEGaUQYg87IsDzOlR3qCWdIyRqCAjdAJk2SPWg==":
        lambda: b64(symfony_sha512(b"hunter2", b"\x01\x02", 10)),
    "{x-issha, 1024}089OknpqwTyip9/gb6wHi8wBoWhzYWx0c2FsdHNhbHQ=": lambda: sap_codvn_h(b"password", b"saltsaltsalt", 1024),
    "{x-issha, 2}7BKOUqK2razd9ZZ3Wut+a2q4rt8wMTIzNDU2Nzg5YWI=": lambda: sap_codvn_h(_U8, b"0123456789ab", 2),
    "{x-issha, 1}LFE/FJ5zfsQGP8HTeu6b6rxLS78AAAAAAAAAAAAAAAA=": lambda: sap_codvn_h(b"", bytes(12), 1),
    "{x-issha, 10}1EVgt1YTe4IJputCtD3+QxsxoHw=": lambda: sap_codvn_h(b"hashcat", b"", 10),
    "{x-issha, 1024}tfJYP3Q8dEzFuFrEJJWwGk40QpJhYmNkZWZnaA==": lambda: sap_codvn_h(b"Pass1234", b"abcdefgh", 1024),
    # Drupal user_update_7000: "U" + a phpass hash of md5_hex(password); passlib's phpass, not ours
    "U$P$512345678Wj/yNwOQmSV7DBhJqAKEd0":
        lambda: "U" + phpass.using(salt="12345678", rounds=7).hash(hashlib.md5(b"password").hexdigest()),
}

PBKDF2_DIGESTS = {"pbkdf2": "sha1", "pbkdf2_sha256": "sha256", "pbkdf2_sha512": "sha512"}

ALL = [(name, *row) for name, rows in VECTORS.items() for row in rows]

IDS = [f"{name}-{i}" for name, rows in VECTORS.items() for i in range(len(rows))]
COMPOUND = {"md5_crypt", "bcrypt", "drupal", "sap_abap"}  # self-describing strings with a random salt


def test_every_algorithm_has_six_independent_vectors():
    assert set(VECTORS) == set(ALGORITHMS + EXTRA_ALGORITHMS)
    for name, rows in VECTORS.items():
        assert len(rows) >= 6, name
        assert all(source and "gigya_migrate" not in source for *_, source in rows), name  # never our own code


def test_every_salted_algorithm_has_an_empty_salt_vector():
    for name, rows in VECTORS.items():
        if name not in ("md5_crypt", "bcrypt", "drupal", "sap_abap"):
            assert any(not settings.get("salt") for _, _, settings, _ in rows), name


def test_raw_comparisons_are_constant_time(monkeypatch):
    import hmac

    from gigya_migrate.hashing import handler

    calls, original = [], hmac.compare_digest
    monkeypatch.setattr(handler.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or original(a, b))
    for name, rows in VECTORS.items():
        if name not in ("md5_crypt", "bcrypt", "drupal"):
            password, hashed, settings, _ = rows[0]
            assert verify_password(password, hashed, settings)
    assert len(calls) == len(VECTORS) - 3


def test_every_algorithm_has_a_unicode_vector():
    for name, rows in VECTORS.items():
        assert any(not pw.isascii() for pw, *_ in rows), name


@pytest.mark.parametrize("name, password, hashed, settings, source", ALL, ids=IDS)
def test_known_vector_verifies(name, password, hashed, settings, source):
    assert verify_password(password, hashed, settings) is True


@pytest.mark.parametrize("name, password, hashed, settings, source", ALL, ids=IDS)
@pytest.mark.parametrize("mutate", [
    lambda p: p + "x",  # one character more
    lambda p: p[:-1] if p else "a",  # one character less
    lambda p: p.swapcase() if p.swapcase() != p else p + "!",  # case changed
], ids=["longer", "shorter", "case"])
def test_wrong_password_is_false_not_an_error(name, password, hashed, settings, source, mutate):
    wrong = mutate(password)
    if name == "bcrypt" and len(password.encode()) >= 72 and wrong.encode()[:72] == password.encode()[:72]:
        wrong = "x" + wrong  # past 72 bytes bcrypt cannot tell; change the counted part instead
    assert verify_password(wrong, hashed, settings) is False


def _lenient_b64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def test_computed_rows_are_recomputed_by_an_independent_oracle():
    computed = [(name, hashed) for name, _, hashed, _, source in ALL if source.startswith("hashlib") or "phpass.using" in source]
    assert len(computed) >= 40  # the oracle covers every such row, not a sample
    for name, hashed in computed:
        assert hashed in ORACLE, f"{name}: {hashed[:12]}... has no independent oracle"
        assert ORACLE[hashed]() == hashed, name
    assert set(ORACLE) == {hashed for _, hashed in computed}  # no stale oracle entries


@pytest.mark.parametrize("name, password, hashed, settings, source",
                         [row for row in ALL if row[0] in PBKDF2_DIGESTS], ids=[i for i, r in zip(IDS, ALL) if r[0] in PBKDF2_DIGESTS])
def test_every_pbkdf2_row_matches_hashlib(name, password, hashed, settings, source):
    """The published PBKDF2 rows (RFC 6070, RFC 7914, Gigya's export) re-derived with hashlib: the
    stored length is the dkLen (doc section 1)."""
    expected = base64.b64decode(hashed)
    derived = hashlib.pbkdf2_hmac(PBKDF2_DIGESTS[name], password.encode("utf-8"), _lenient_b64(settings.get("salt", "")),
                                  int(settings.get("rounds", 1)), len(expected))
    assert derived == expected


@pytest.mark.parametrize("name, password, hashed, settings, source",
                         [row for row in ALL if row[0] not in COMPOUND], ids=[i for i, r in zip(IDS, ALL) if r[0] not in COMPOUND])
def test_hash_password_reproduces_raw_vectors(name, password, hashed, settings, source):
    produced = base64.b64decode(hash_password(password, settings))
    expected = base64.b64decode(hashed)
    if name in PBKDF2_DIGESTS:
        # hash_password picks its own dkLen; PBKDF2 output for a shorter dkLen is a prefix of a longer one
        shorter = min(len(produced), len(expected))
        assert shorter >= 16 and produced[:shorter] == expected[:shorter]
    else:
        assert produced == expected
