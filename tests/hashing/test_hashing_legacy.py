"""Legacy stored formats -> Gigya password objects: detection, conversion, and that the object verifies.

Each row: (expected format name, password, stored value, convert() options, source). Sources are
the frameworks' own test suites and docs, passlib's and John the Ripper's vectors, or (marked
"hashlib:") values computed once with the standard library and written out here.
"""

import base64
import hashlib
import struct

import pytest
from hashing_oracle import b64, sap_codvn_h, symfony_sha512

from gigya_migrate.hashing import HashSettingsError, UnsupportedHash, verify_password
from gigya_migrate.hashing.legacy import convert, detect, to_gigya_password

U = "t\u00e1\u0411\u2113\u0259"  # passlib UPASS_TABLE
ASPNET = "my password"  # aspnetcore src/Identity/test/Identity.Test/PasswordHasherTest.cs Plaintext_Password

LEGACY = {
    "crypt": [
        ("md5_crypt", "hashcat", "$1$28772684$iEwNOgGugqO9.bIz5sk8k/", {}, "hashcat example_hashes mode 500"),
        ("md5_crypt", U, "$1$d6/Ky1lU$/xpf8m7ftmWLF.TjHCqel0", {}, "passlib md5_crypt_test unicode"),
        ("bcrypt", "rasmuslerdorf", "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a", {}, "PHP manual password_verify() example"),
        ("bcrypt", "U*U", "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", {}, "openwall crypt_blowfish vector, $2b$ ident"),
        ("bcrypt", "", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy", {}, "openwall crypt_blowfish 1.2, empty password"),
        ("drupal7", "password", "$S$CFURCPa.k6FAEbJPgejaW4nijv7rYgGc4dUJtChQtV4KLJTPTC/u", {}, "John the Ripper drupal7_fmt_plug.c"),
        ("drupal7 (U$, md5 pre-hash)", "password", "U$P$512345678Wj/yNwOQmSV7DBhJqAKEd0", {}, "passlib phpass over md5_hex (Drupal user_update_7000)"),
        ("phpass", "test12345", "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0", {}, "openwall phpass 0.3 test.php (WordPress format)"),
        ("phpass", "JohnRipper", "$H$712345678WhEyvy1YWzT4647jzeOmo0", {}, "John the Ripper 1.7.9 (phpBB3 $H$)"),
        ("phpass", U, "$P$7SMy8VxnfsIy2Sxm7fJxDSdil.h7TW.", {}, "passlib phpass_test unicode"),
    ],
    "django": [
        ("django pbkdf2_sha256", "lètmein", "pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=", {}, "Django 4.1 tests/auth_tests/test_hashers.py test_pbkdf2"),
        ("django pbkdf2_sha256", U, "pbkdf2_sha256$10$NaCl$n0AjU6l9OijM6FWrvPdH+hXYtQeDdlajC84ZtYobLO8=", {}, "hashlib: pbkdf2_hmac('sha256', U, b'NaCl', 10)"),
        ("django pbkdf2_sha256", "", "pbkdf2_sha256$1$salt$8TXCeZO6+Ydzxc20ClcGzmo0XN5hsACmeFhlDNajJNc=", {}, "hashlib: pbkdf2_hmac('sha256', b'', b'salt', 1)"),
        ("django pbkdf2_sha1", "lètmein", "pbkdf2_sha1$390000$seasalt2$aDapRanzW8aHTz97v2TcfHzWD+I=", {}, "Django 4.1 test_hashers.py test_low_level_pbkdf2_sha1"),
        ("django pbkdf2_sha1", "KRONOS", "pbkdf2_sha1$24000$seasalt$F+kiWNHXbMBcwgxsvSKFCWHnZZ0=", {}, "djangohashers (Rust) README example"),
        ("django sha1", "lètmein", "sha1$seasalt$cff36ea83f5706ce9aa7454e63e431fc726b2dc8", {}, "Django 4.1 test_hashers.py test_sha1"),
        ("django sha1", "MyPassword", "sha1$54123$893cf12e134c3c215f3a76bd50d13f92404a54d3", {}, "passlib django_salted_sha1_test"),
        ("django md5", "lètmein", "md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3", {}, "Django 4.1 test_hashers.py test_md5"),
        ("django md5", "password", "md5$123abcdef$c8272612932975ee80e8a35995708e80", {}, "passlib django_salted_md5_test"),
        ("django unsalted_sha1", "lètmein", "sha1$$6d138ca3ae545631b3abd71a4f076ce759c5700b", {}, "Django 4.1 test_hashers.py test_unsalted_sha1 (empty salt)"),
        ("django unsalted_md5", "lètmein", "md5$$88a434c88cca4e900f7874cd98123f43", {}, "Django 4.1 test_hashers.py test_unsalted_md5 alt syntax"),
        ("django bcrypt", "hashcat", "bcrypt$$2a$05$LhayLxezLhK1LhWvKxCyLOj0j1u.Kj0jZ0pEmm134uzrQlFvQJLF6", {}, "Django BCryptPasswordHasher layout over hashcat 3200"),
    ],
    "aspnet": [
        ("aspnet identity v2", ASPNET, "AAABAgMEBQYHCAkKCwwNDg+ukCEMDf0yyQ29NYubggHIVY0sdEUfdyeM+E1LtH1uJg==", {}, "aspnetcore PasswordHasherTest V2_SHA1_1000iter_128salt_256subkey"),
        ("aspnet identity v2", ASPNET, "ANXrDknc7fGPpigibZXXZFMX4aoqz44JveK6jQuwY3eH/UyPhvr5xTPeGYEckLxz9A==", {}, "go identity port TestVerifyPasswordV2 'success' case"),
        ("aspnet identity v2", U, "ABAREhMUFRYXGBkaGxwdHh+/kQHbrsuzhP72tw4xG7Bd+ME6o2bt/HzlKOcu2XX5Yw==", {},
         "hashlib: b64(b'\\0' + salt + pbkdf2_hmac('sha1', U, salt=bytes(range(16, 32)), 1000, 32))"),
        ("aspnet identity v2", "", "AAAAAAAAAAAAAAAAAAAAAADDCOR2ZaugC9bu+LIwZYTU44RMf2CGf8Q5Z+uc9QySYg==", {},
         "hashlib: same layout, empty password, all-zero salt"),
        ("aspnet identity v3", ASPNET, "AQAAAAAAAAD6AAAAEAhftMyfTJylOlZT+eEotFXd1elee8ih5WsjXaR3PA9M", {}, "aspnetcore V3_SHA1_250iter_128salt_128subkey"),
        ("aspnet identity v3", ASPNET, "AQAAAAEAACcQAAAAEAABAgMEBQYHCAkKCwwNDg+yWU7rLgUwPZb1Itsmra7cbxw2EFpwpVFIEtP+JIuUEw==", {}, "aspnetcore HashPassword_Version3 (SHA256, 10000)"),
        ("aspnet identity v3", ASPNET, "AQAAAAIAAAAyAAAAEOMwvh3+FZxqkdMBz2ekgGhwQ4B6pZWND6zgESBuWiHw", {}, "aspnetcore V3_SHA512_50iter_128salt_128subkey"),
        ("aspnet identity v3", ASPNET, "AQAAAAIAAAD6AAAAIJbVi5wbMR+htSfFp8fTw8N8GOS/Sje+S/4YZcgBfU7EQuqv4OkVYmc4VJl9AGZzmRTxSkP7LtVi9IWyUxX8IAAfZ8v+ZfhjCcudtC1YERSqE1OEdXLW9VukPuJWBBjLuw==", {}, "aspnetcore V3_SHA512_250iter_256salt_512subkey"),
        ("aspnet identity v3", ASPNET, "AQAAAAIAACcQAAAAEAABAgMEBQYHCAkKCwwNDg9B0Oxwty+PGIDSp95gcCfzeDvA4sGapUIUov8usXfD6A==", {}, "aspnetcore V3_SHA512_10000iter_128salt_256subkey"),
    ],
    "spring": [
        ("spring {MD5}", "abc123", "{MD5}{THIS_IS_A_SALT}a68aafd90299d0b137de28fb4bb68573", {}, "Spring Security MessageDigestPasswordEncoderTests md5BasicFunctionality"),
        ("spring {MD5}", "password", "{MD5}{salt}ce421738b1c5540836bdc8ff707f1572", {}, "Spring MessageDigestPasswordEncoderTests md5MatchesWhenHasSalt"),
        ("spring {MD5}", "password", "{MD5}{}f1026a66095fc2058c1f8771ed05d6da", {}, "Spring MessageDigestPasswordEncoderTests md5MatchesWhenEmptySalt"),
        ("spring {MD5}", "\u4f60\u597d", "{MD5}7eca689f0d3389d9dea66ae112e5cfd7", {}, "Spring md5NonAsciiPasswordHasCorrectHash (no salt)"),
        ("spring {MD5}", U, "{MD5}{NaCl}5cdf07be9175bf4ce5ca271f07073d5f", {}, "hashlib: md5((U + '{NaCl}').encode()).hexdigest()"),
        ("spring {SHA-1}", "abc123", "{SHA-1}{THIS_IS_A_SALT}b2f50ffcbd3407fe9415c062d55f54731f340d32", {}, "Spring MessageDigestPasswordEncoderTests testBasicFunctionality"),
        ("spring {SHA-256}", "password", "{SHA-256}{salt}ced22f25384e53c51e100acead5cfafd761f18150ef141be6896700d5a0c8ae3", {}, "hashlib: sha256(b'password{salt}').hexdigest()"),
        ("spring {sha256}", "password", "{sha256}97cde38028ad898ebc02e690819fa220e88c62e0699403e94fff291cfffaf8410849f27605abcbc0", {}, "Spring Security reference, DelegatingPasswordEncoder example"),
        ("spring {pbkdf2}", "password", "{pbkdf2}5d923b44a6d129f3ddf3e3c8d29412723dcbde72445e8ef6bf3b508fbf17fa4ed4d6b99ca763d8dc", {}, "Spring Security reference, DelegatingPasswordEncoder example"),
        ("spring {bcrypt}", "password", "{bcrypt}$2a$10$dXJ3SW6G7P50lGmMkkmwe.20cQQubK3.HZWzG3YB1tlRy.fqvM/BG", {}, "Spring Security reference, DelegatingPasswordEncoder example"),
    ],
    "ldap": [
        ("ldap {SSHA}", "testing123", "{SSHA}0c0blFTXXNuAMHECS4uxrj3ZieMoWImr", {}, "passlib ldap_salted_sha1_test"),
        ("ldap {SSHA}", "secret", "{SSHA}0H+zTv8o4MR4H43n03eCsvw1luG8LdB7", {}, "passlib ldap_salted_sha1_test"),
        ("ldap {SSHA}", U, "{SSHA}3yCSD1nLZXznra4N8XzZgAL+s1sQYsx5", {}, "passlib ldap_salted_sha1_test unicode"),
        ("ldap {SMD5}", "testing1234", "{SMD5}UjFY34os/pnZQ3oQOzjqGu4yeXE=", {}, "passlib ldap_salted_md5_test"),
        ("ldap {SMD5}", U, "{SMD5}Z0ioJ58LlzUeRxm3K6JPGAvBGIM=", {}, "passlib ldap_salted_md5_test unicode"),
        ("ldap {SHA}", "helloworld", "{SHA}at+xg6SiyUovktq1redipHiJpaE=", {}, "passlib ldap_sha1_test"),
        ("ldap {MD5}", "helloworld", "{MD5}/F4DjTilcDIIVEHn/nAQsA==", {}, "passlib ldap_md5_test"),
        ("ldap {CRYPT}", "test", "{CRYPT}$1$ec6XvcoW$ghEtNK2U1MC5l.Dwgi3020", {}, "passlib ldap_md5_crypt_test"),
    ],
    "passlib_pbkdf2": [
        ("passlib pbkdf2", "password", "$pbkdf2$1212$OB.dtnSEXZK8U5cgxU/GYQ$y5LKPOplRmok7CZp/aqVDVg8zGI", {}, "passlib pbkdf2_sha1_test"),
        ("passlib pbkdf2", "\u0399\u03c9\u03b1\u03bd\u03bd\u03b7\u03c2", "$pbkdf2$1212$THDqatpidANpadlLeTeOEg$HV3oi1k5C5LQCgG1BMOL.BX4YZc", {}, "passlib pbkdf2_sha1_test UPASS_WAV"),
        ("passlib pbkdf2-sha256", "password", "$pbkdf2-sha256$1212$4vjV83LKPjQzk31VI4E0Vw$hsYF68OiOUPdDZ1Fg.fJPeq1h/gXXY7acBp9/6c.tmQ", {}, "passlib pbkdf2_sha256_test"),
        ("passlib pbkdf2-sha256", "\u0399\u03c9\u03b1\u03bd\u03bd\u03b7\u03c2", "$pbkdf2-sha256$1212$3SABFJGDtyhrQMVt1uABPw$WyaUoqCLgvz97s523nF4iuOqZNbp5Nt8do/cuaa7AiI", {}, "passlib pbkdf2_sha256_test UPASS_WAV"),
        ("passlib pbkdf2-sha512", "password", "$pbkdf2-sha512$1212$RHY0Fr3IDMSVO/RSZyb5ow$eNLfBK.eVozomMr.1gYa17k9B7KIK25NOEshvhrSX.esqY3s.FvWZViXz4KoLlQI.BzY/YTNJOiKc5gBYFYGww", {}, "passlib pbkdf2_sha512_test"),
        ("passlib pbkdf2-sha512", "\u0399\u03c9\u03b1\u03bd\u03bd\u03b7\u03c2", "$pbkdf2-sha512$1212$KkbvoKGsAIcF8IslDR6skQ$8be/PRmd88Ps8fmPowCJttH9G3vgxpG.Krjt3KT.NP6cKJ0V4Prarqf.HBwz0dCkJ6xgWnSj2ynXSV7MlvMa8Q", {}, "passlib pbkdf2_sha512_test UPASS_WAV"),
    ],
    "symfony_combined": [
        ("symfony sha512 {salt}", "password", "iKw+yyYDAaIE9cknw6XdfjaVtHJ7Gqh+o/GYWoVpWN1wNDQcSjc8uqXSBC+yj0KOMwA7RpCKH9weKfJT+7AEHQ=={salt}", {},
         "hashlib: Symfony sha512 5000 iterations of password{salt} (see test_hashing_vectors)"),
        ("symfony sha512 {salt}", "password", "jIZSQrd0FBctpLqiXO6WkQSno22f5OxeLmhSfwDkr6QJ5xe1pagwwjEmtaJz5HeiWyTy/qECdOgU1vnket1SkA=={salt}", {"rounds": 1},
         "hashlib: b64(sha512(b'password{salt}')), rounds given"),
        ("symfony sha512 {salt}", U, "GeL3T0sm0oZu4gkK9JfDWCdxUSF4R7WKAwRSgiUhOczZtR7W8ABP9JX4n9fLLumd7IUfUPi6M8T8G/zKl6vnsg=={NaCl}", {"rounds": 3},
         "hashlib: U{NaCl}, 3 iterations"),
        ("symfony sha512 {salt}", "password", "j0tf6XFzsuTUUWw5wiZ8xERpjvye++2RhMLobpWNXDWRHtizi/RivSlpx2tEMlNht3oDgOiCtUpc9nBB5MmijQ=={}", {"rounds": 2},
         "hashlib: empty salt (no braces hashed), 2 iterations"),
        ("symfony sha512 {salt}", "foo", "T2Z1zBZlJKpKywNoFacztmgmdBSdPCEvco2q8uAIjIFNznX5UhdDluqD3SQMm4PT9qugfHVc+MNLb8+5/9FvIw=={0}", {"rounds": 2},
         "hashlib: salt '0' is empty() in PHP"),
        ("symfony sha512 {salt}", "password", "sQnzu7wkTrgkQZF+0G1hi5AI3Qmzvv0bXgc5THBqi7mAsdd4Xll27ASbRt9fEyavWi6m0QP9B8lThf+rDKy8hg=={}", {"rounds": 1},
         "passlib hex_sha512_test 'password' digest (1 iteration, no salt)"),
    ],
    "sap": [
        ("sap codvn h", "hashcat", "{x-issha, 1024}C0624EvGSdAMCtuWnBBYBGA0chvqAflKY74oEpw/rpY=", {}, "hashcat mode 10300"),
        ("sap codvn h", "password", "{x-issha, 1024}089OknpqwTyip9/gb6wHi8wBoWhzYWx0c2FsdHNhbHQ=", {}, "hashlib: see test_hashing_vectors"),
        ("sap codvn h", U, "{x-issha, 2}7BKOUqK2razd9ZZ3Wut+a2q4rt8wMTIzNDU2Nzg5YWI=", {}, "hashlib: see test_hashing_vectors"),
        ("sap codvn h", "", "{x-issha, 1}LFE/FJ5zfsQGP8HTeu6b6rxLS78AAAAAAAAAAAAAAAA=", {}, "hashlib: see test_hashing_vectors"),
        ("sap codvn h", "hashcat", "{X-ISSHA, 10}1EVgt1YTe4IJputCtD3+QxsxoHw=", {}, "hashlib: empty salt; upper-case scheme"),
        ("sap codvn h", "Pass1234", "{x-issha, 1024}tfJYP3Q8dEzFuFrEJJWwGk40QpJhYmNkZWZnaA==", {}, "hashlib: see test_hashing_vectors"),
    ],
    "declared": [
        ("md5 (hex)", "password", "5f4dcc3b5aa765d61d8327deb882cf99", {"scheme": "md5"}, "passlib hex_md5_test"),
        ("md5 (hex)", U, "05473F8A19F66815E737B33264A0D0B0", {"scheme": "md5"}, "passlib hex_md5_test unicode, upper-case hex"),
        ("sha1 (hex)", "password", "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8", {"scheme": "sha1"}, "passlib hex_sha1_test"),
        ("sha1 (base64)", "password", "W6ph5Mm5Pz8GgiULbPgzG37mj9g=", {"scheme": "sha1"}, "SAP Help importFullAccount example"),
        ("sha256 (hex)", "password", "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8", {"scheme": "sha256"}, "passlib hex_sha256_test"),
        ("sha1 (hex)", "password", "e4a1877b0e35c47329e7ed7e58014276168a37ba", {"scheme": "sha1($salt$password)", "salt": "123abcdef"}, "passlib django_salted_sha1_test digest with a declared template"),
        ("sha1_hashbytes (hex)", "secret", "7D0DF1998892DB320D334EB1F0AB090E6422DE34", {"scheme": "sha1_hashbytes($password$salt)", "salt": "random123"}, "SAP SQL Anywhere forum q.19446"),
        ("md5_double_salted (hex)", "hashcat", "16780ba78d2d5f02f3202901c1b6d975", {"scheme": "vbulletin", "salt": "568"}, "hashcat example_hashes mode 2611"),
        ("symphony2 (base64)", "password", "jIZSQrd0FBctpLqiXO6WkQSno22f5OxeLmhSfwDkr6QJ5xe1pagwwjEmtaJz5HeiWyTy/qECdOgU1vnket1SkA==", {"scheme": "symfony", "salt": "salt", "rounds": 1}, "hashlib: b64(sha512(b'password{salt}'))"),
        ("symphony2 (base64)", "password", "iKw+yyYDAaIE9cknw6XdfjaVtHJ7Gqh+o/GYWoVpWN1wNDQcSjc8uqXSBC+yj0KOMwA7RpCKH9weKfJT+7AEHQ==", {"scheme": "symfony", "salt": "salt"}, "hashlib: Symfony default 5000 iterations (see test_hashing_vectors)"),
        ("symphony2 (base64)", U, "GeL3T0sm0oZu4gkK9JfDWCdxUSF4R7WKAwRSgiUhOczZtR7W8ABP9JX4n9fLLumd7IUfUPi6M8T8G/zKl6vnsg==", {"scheme": "symphony2", "salt": "4e61436c", "salt_encoding": "hex", "rounds": 3}, "hashlib: U{NaCl} 3 iterations, hex-stored salt"),
        ("pbkdf2 (hex)", "password", "4b007901b765489abead49d926f721d065a429c1", {"scheme": "pbkdf2", "salt": "salt", "rounds": 4096}, "RFC 6070 #3"),
        ("pbkdf2_sha256 (hex)", "password", "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b", {"scheme": "pbkdf2_sha256", "salt": "c2FsdA==", "salt_encoding": "base64", "rounds": 1}, "published PBKDF2-HMAC-SHA256 vector"),
    ],
}

_U8 = U.encode("utf-8")

# Every "hashlib:" row recomputed on every run with hashlib only (tests/hashing/hashing_oracle.py):
# stored value -> its independent computation in the legacy system's own layout.
ORACLE = {
    "pbkdf2_sha256$10$NaCl$n0AjU6l9OijM6FWrvPdH+hXYtQeDdlajC84ZtYobLO8=":
        lambda: "pbkdf2_sha256$10$NaCl$" + b64(hashlib.pbkdf2_hmac("sha256", _U8, b"NaCl", 10)),
    "pbkdf2_sha256$1$salt$8TXCeZO6+Ydzxc20ClcGzmo0XN5hsACmeFhlDNajJNc=":
        lambda: "pbkdf2_sha256$1$salt$" + b64(hashlib.pbkdf2_hmac("sha256", b"", b"salt", 1)),
    # ASP.NET Identity v2: 0x00 + 16-byte salt + PBKDF2-HMAC-SHA1(1000 iterations, 32 bytes)
    "ABAREhMUFRYXGBkaGxwdHh+/kQHbrsuzhP72tw4xG7Bd+ME6o2bt/HzlKOcu2XX5Yw==":
        lambda: b64(b"\0" + bytes(range(16, 32)) + hashlib.pbkdf2_hmac("sha1", _U8, bytes(range(16, 32)), 1000, 32)),
    "AAAAAAAAAAAAAAAAAAAAAADDCOR2ZaugC9bu+LIwZYTU44RMf2CGf8Q5Z+uc9QySYg==":
        lambda: b64(b"\0" + bytes(16) + hashlib.pbkdf2_hmac("sha1", b"", bytes(16), 1000, 32)),
    # Spring MessageDigestPasswordEncoder: {ALG}{salt}hex(H(password + "{salt}"))
    "{MD5}{NaCl}5cdf07be9175bf4ce5ca271f07073d5f": lambda: "{MD5}{NaCl}" + hashlib.md5(_U8 + b"{NaCl}").hexdigest(),
    "{SHA-256}{salt}ced22f25384e53c51e100acead5cfafd761f18150ef141be6896700d5a0c8ae3":
        lambda: "{SHA-256}{salt}" + hashlib.sha256(b"password{salt}").hexdigest(),
    # Symfony's combined form: base64(digest) + "{salt}"
    "iKw+yyYDAaIE9cknw6XdfjaVtHJ7Gqh+o/GYWoVpWN1wNDQcSjc8uqXSBC+yj0KOMwA7RpCKH9weKfJT+7AEHQ=={salt}":
        lambda: b64(symfony_sha512(b"password", b"salt", 5000)) + "{salt}",
    "jIZSQrd0FBctpLqiXO6WkQSno22f5OxeLmhSfwDkr6QJ5xe1pagwwjEmtaJz5HeiWyTy/qECdOgU1vnket1SkA=={salt}":
        lambda: b64(hashlib.sha512(b"password{salt}").digest()) + "{salt}",
    "GeL3T0sm0oZu4gkK9JfDWCdxUSF4R7WKAwRSgiUhOczZtR7W8ABP9JX4n9fLLumd7IUfUPi6M8T8G/zKl6vnsg=={NaCl}":
        lambda: b64(symfony_sha512(_U8, b"NaCl", 3)) + "{NaCl}",
    "j0tf6XFzsuTUUWw5wiZ8xERpjvye++2RhMLobpWNXDWRHtizi/RivSlpx2tEMlNht3oDgOiCtUpc9nBB5MmijQ=={}":
        lambda: b64(symfony_sha512(b"password", b"", 2)) + "{}",
    "T2Z1zBZlJKpKywNoFacztmgmdBSdPCEvco2q8uAIjIFNznX5UhdDluqD3SQMm4PT9qugfHVc+MNLb8+5/9FvIw=={0}":
        lambda: b64(symfony_sha512(b"foo", b"0", 2)) + "{0}",
    "{x-issha, 1024}089OknpqwTyip9/gb6wHi8wBoWhzYWx0c2FsdHNhbHQ=": lambda: sap_codvn_h(b"password", b"saltsaltsalt", 1024),
    "{x-issha, 2}7BKOUqK2razd9ZZ3Wut+a2q4rt8wMTIzNDU2Nzg5YWI=": lambda: sap_codvn_h(_U8, b"0123456789ab", 2),
    "{x-issha, 1}LFE/FJ5zfsQGP8HTeu6b6rxLS78AAAAAAAAAAAAAAAA=": lambda: sap_codvn_h(b"", bytes(12), 1),
    "{X-ISSHA, 10}1EVgt1YTe4IJputCtD3+QxsxoHw=": lambda: sap_codvn_h(b"hashcat", b"", 10, scheme="X-ISSHA"),
    "{x-issha, 1024}tfJYP3Q8dEzFuFrEJJWwGk40QpJhYmNkZWZnaA==": lambda: sap_codvn_h(b"Pass1234", b"abcdefgh", 1024),
    "jIZSQrd0FBctpLqiXO6WkQSno22f5OxeLmhSfwDkr6QJ5xe1pagwwjEmtaJz5HeiWyTy/qECdOgU1vnket1SkA==":
        lambda: b64(hashlib.sha512(b"password{salt}").digest()),
    "iKw+yyYDAaIE9cknw6XdfjaVtHJ7Gqh+o/GYWoVpWN1wNDQcSjc8uqXSBC+yj0KOMwA7RpCKH9weKfJT+7AEHQ==":
        lambda: b64(symfony_sha512(b"password", b"salt", 5000)),
    "GeL3T0sm0oZu4gkK9JfDWCdxUSF4R7WKAwRSgiUhOczZtR7W8ABP9JX4n9fLLumd7IUfUPi6M8T8G/zKl6vnsg==":
        lambda: b64(symfony_sha512(_U8, b"NaCl", 3)),
}

ROWS = [(group, *row) for group, rows in LEGACY.items() for row in rows]
IDS = [f"{group}-{i}" for group, rows in LEGACY.items() for i in range(len(rows))]


def _verify(password, obj):
    if "compoundHashedPassword" in obj:
        return verify_password(password, obj["compoundHashedPassword"], obj.get("hashSettings"))
    return verify_password(password, obj["hashedPassword"], obj["hashSettings"])


def test_computed_rows_are_recomputed_by_an_independent_oracle():
    computed = [stored for *_, stored, _, source in ROWS if source.startswith("hashlib")]
    assert len(computed) >= 15
    for stored in computed:
        assert stored in ORACLE, f"{stored[:16]}... has no independent oracle"
        assert ORACLE[stored]() == stored
    assert set(ORACLE) == set(computed)  # no stale oracle entries


def test_each_legacy_family_has_six_vectors():
    for group, rows in LEGACY.items():
        assert len(rows) >= 6, group
        assert all(source and "gigya_migrate" not in source for *_, source in rows), group  # never our own code


@pytest.mark.parametrize("group, name, password, stored, options, source", ROWS, ids=IDS)
def test_legacy_vector_converts_detects_and_verifies(group, name, password, stored, options, source):
    result = convert(stored, **options)
    assert result.format_name == name
    assert _verify(password, result.password) is True
    assert _verify(password + "x", result.password) is False
    if "scheme" not in options:
        assert detect(stored) == name


def test_exact_objects_for_well_known_formats():
    assert to_gigya_password("AAABAgMEBQYHCAkKCwwNDg+ukCEMDf0yyQ29NYubggHIVY0sdEUfdyeM+E1LtH1uJg==") == {
        "hashedPassword": "rpAhDA39MskNvTWLm4IByFWNLHRFH3cnjPhNS7R9biY=",
        "hashSettings": {"algorithm": "pbkdf2", "rounds": 1000, "salt": "AAECAwQFBgcICQoLDA0ODw=="},
    }
    assert to_gigya_password("sha1$seasalt$cff36ea83f5706ce9aa7454e63e431fc726b2dc8") == {
        "hashedPassword": "z/NuqD9XBs6ap0VOY+Qx/HJrLcg=",
        "hashSettings": {"algorithm": "sha1", "salt": "seasalt", "format": "$salt$password"},
    }
    assert to_gigya_password("$2y$07$BCryptRequires22Chrcte/VlQH0piJtjXl.0t1XkA8pw9dMXTpOq") == {
        "compoundHashedPassword": "$2y$07$BCryptRequires22Chrcte/VlQH0piJtjXl.0t1XkA8pw9dMXTpOq"}
    assert to_gigya_password("pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=") == {
        "hashedPassword": "8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=",
        "hashSettings": {"algorithm": "pbkdf2_sha256", "rounds": 390000, "salt": "c2Vhc2FsdA=="},
    }


UNSUPPORTED = [
    ("$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG", "argon2"),
    ("argon2$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q", "argon2 (django)"),
    ("$6$rounds=5000$usesomesillystri$D4IrlXatmP7rx3P3InaxBeoomnAihCKRVQP22JZ6EY47Wc6BkroIuUUBOov1i.S5KPgErtP/EN5mcO.ChWQW21", "sha512_crypt"),
    ("$5$rounds=5000$usesomesillystri$KqJWpanXZHKq2BOB43TSaYhEWsQ1Lr5QNyPCDH/Tp.6", "sha256_crypt"),
    ("$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E", "scrypt"),
    ("scrypt$16384$seasalt$8$1$Qj3+9PPyRjSJIebHnG81TMjsqtaIGxNQG/aEB/NYafTJ7tibgfYz71m0ldQESkXFRkdVCBhhY8mx7rQwite/Pw==", "scrypt (django)"),
    ("bcrypt_sha256$$2b$12$LZSJchsWG/DrBy1erNs4eeYo6tZNlLFQmONdxN9HPesa1EyXVcTXK", "bcrypt_sha256 (django)"),
    ("$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/", "apr_md5_crypt"),
    ("{noop}password", "plain text (spring {noop})"),
    ("$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7", "yescrypt"),
]


@pytest.mark.parametrize("stored, name", UNSUPPORTED)
def test_unsupported_formats_name_the_format_and_the_alternatives(stored, name):
    assert detect(stored) == name
    with pytest.raises(UnsupportedHash) as caught:
        to_gigya_password(stored)
    assert caught.value.format_name == name
    assert any("lazy migration" in alt for alt in caught.value.alternatives)
    assert any("password reset" in alt for alt in caught.value.alternatives)
    assert name in str(caught.value) and "lazy migration" in str(caught.value)
    assert isinstance(caught.value, ValueError)


BAD = [
    ("", {}, "empty"),
    ("5f4dcc3b5aa765d61d8327deb882cf99", {}, "bare hex digest (128 bits)"),
    ("not a hash at all!", {}, "not a format this toolkit recognises"),
    ("5f4dcc3b5aa765d61d8327deb882cf99", {"scheme": "md5", "salt": "abc"}, "md5($salt$password)"),
    ("5f4dcc3b5aa765d61d8327deb882cf99", {"scheme": "whirlpool"}, "unknown scheme 'whirlpool'"),
    ("5f4dcc3b5aa765d61d8327deb882cf99", {"scheme": "sha1"}, "decodes to 24 bytes but sha1 produces 20"),
    ("pbkdf2_sha256$abc$salt$AAAA", {}, "pbkdf2_sha256$<iterations>$<salt>$<base64>"),
    ("sha1$salt$nothex", {}, "is not hex"),
    # v3 header (SHA512, 50 iterations) announcing a 32-byte salt, but only 32 bytes follow: no subkey
    (base64.b64encode(b"\x01" + struct.pack(">III", 2, 50, 32) + bytes(32)).decode(), {}, "truncated"),
    ("{sha256}abcd", {}, "80 hex characters"),
    ("{SSHA}AAAA", {}, "needs 20"),
    ("$1$28772684$iEwNOgGugqO9.bIz5sk8k", {}, "not a well-formed md5_crypt string"),
]


@pytest.mark.parametrize("stored, options, words", BAD)
def test_malformed_legacy_input_is_refused_clearly(stored, options, words):
    with pytest.raises(HashSettingsError) as caught:
        to_gigya_password(stored, **options)
    assert words in str(caught.value)


def test_detect_reports_bare_digests_and_nothing():
    assert detect("5f4dcc3b5aa765d61d8327deb882cf99") == "hex digest"
    assert detect("W6ph5Mm5Pz8GgiULbPgzG37mj9g=") == "base64 digest"
    assert detect("not a hash!") is None
    assert detect("") is None
