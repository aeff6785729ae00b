"""Exports shaped like each platform's documented format, with hashes made by independent code.

Nothing here calls gigya_migrate: hashes come from hashlib/hmac, pyca bcrypt and passlib, following
each platform's own definition (cited per function), so a test that imports them and logs in on the
mock checks our conversion against the platforms, not against itself. Everything is seeded.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random

import bcrypt
from passlib.hash import des_crypt, phpass

UNICODE_NAMES = [("Zoë", "Ødegård"), ("Łukasz", "Żółć"), ("Søren", "Kierkegaard"), ("José", "Núñez"),
                 ("Ἀθηνᾶ", "Παλλάς"), ("Анна", "Каренина"), ("美咲", "山田"), ("Nguyễn", "Thị")]


def rng(seed: int) -> random.Random:
    return random.Random(seed)


def password(r: random.Random) -> str:
    return "".join(r.choice("abcdefghjkmnpqrstuvwxyzABCDEFGH23456789!$") for _ in range(12)) + "é"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def bcrypt_hash(pw: str, r: random.Random, prefix: bytes = b"2b") -> str:
    """pyca bcrypt, cost 4 (fast tests), with a seeded salt."""
    salt = bcrypt.gensalt(4, prefix=prefix)
    salt = salt[:7] + bytes(r.choice(b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
                            for _ in range(21)) + b"."  # 22 chars; the last one holds 2 significant bits
    return bcrypt.hashpw(pw.encode(), salt).decode()


# -- Auth0 --------------------------------------------------------------------------------------------


def auth0_custom(algorithm: str, pw: str, r: random.Random) -> dict:
    """An Auth0 bulk-import ``custom_password_hash`` (auth0.com/docs bulk-user-import-database-schema)."""
    salt = bytes(r.randrange(256) for _ in range(8))
    if algorithm == "md5-hex-prefix":
        text_salt = salt.hex()
        return {"algorithm": "md5", "hash": {"value": hashlib.md5((text_salt + pw).encode()).hexdigest(),
                                             "encoding": "hex"},
                "salt": {"value": text_salt, "encoding": "utf8", "position": "prefix"}}
    if algorithm == "sha1-b64-suffix":
        return {"algorithm": "sha1", "hash": {"value": b64(hashlib.sha1(pw.encode() + salt).digest()),
                                              "encoding": "base64"},
                "salt": {"value": b64(salt), "encoding": "base64", "position": "suffix"}}
    if algorithm == "sha256-utf16-hexsalt":
        return {"algorithm": "sha256", "hash": {"value": hashlib.sha256(salt + pw.encode("utf-16-le")).hexdigest(),
                                                "encoding": "hex"},
                "salt": {"value": salt.hex(), "encoding": "hex", "position": "prefix"},
                "password": {"encoding": "utf16le"}}
    if algorithm == "sha512":
        return {"algorithm": "sha512", "hash": {"value": b64(hashlib.sha512(pw.encode()).digest()),
                                                "encoding": "base64"}}
    if algorithm == "pbkdf2":  # PHC string, B64 = standard base64 without padding
        key = hashlib.pbkdf2_hmac("sha256", pw.encode(), salt, 1000, 32)
        phc = f"$pbkdf2-sha256$i=1000,l=32${b64(salt).rstrip('=')}${b64(key).rstrip('=')}"
        return {"algorithm": "pbkdf2", "hash": {"value": phc, "encoding": "utf8"}}
    if algorithm == "bcrypt":
        return {"algorithm": "bcrypt", "hash": {"value": bcrypt_hash(pw, r, b"2a")}}
    if algorithm == "ldap":  # RFC 2307 {SSHA}: base64(sha1(password + salt) + salt)
        return {"algorithm": "ldap", "hash": {"value": "{SSHA}" + b64(hashlib.sha1(pw.encode() + salt).digest() + salt),
                                              "encoding": "utf8"}}
    if algorithm == "hmac":
        key = bytes(r.randrange(256) for _ in range(16))
        return {"algorithm": "hmac", "hash": {"value": hmac.new(key, pw.encode(), "sha256").hexdigest(),
                                              "encoding": "hex", "digest": "sha256",
                                              "key": {"value": key.hex(), "encoding": "hex"}}}
    if algorithm == "md4":
        return {"algorithm": "md4", "hash": {"value": "31d6cfe0d16ae931b73c59d7e0c089c0", "encoding": "hex"}}
    if algorithm == "argon2":
        return {"algorithm": "argon2", "hash": {"value": "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$"
                                                         "RdescudvJCsgt3ub+b+dWRWJTmaaJObG", "encoding": "utf8"}}
    raise ValueError(algorithm)


# -- Keycloak -----------------------------------------------------------------------------------------


def keycloak_credential(pw: str, r: random.Random, *, algorithm: str = "pbkdf2-sha256", flat: bool = False,
                        iterations: int = 27500) -> dict:
    """A realm-export password credential: PBKDF2 with a 16-byte salt and a 512-bit derived key
    (keycloak Pbkdf2PasswordHashProvider), as the pre-Keycloak-11 flat form or as the later form
    whose secretData/credentialData hold JSON text."""
    digest = {"pbkdf2": "sha1", "pbkdf2-sha256": "sha256", "pbkdf2-sha512": "sha512"}[algorithm]
    salt = bytes(r.randrange(256) for _ in range(16))
    value = b64(hashlib.pbkdf2_hmac(digest, pw.encode(), salt, iterations, 64))
    if flat:
        return {"type": "password", "hashedSaltedValue": value, "salt": b64(salt), "hashIterations": iterations,
                "algorithm": algorithm, "counter": 0, "digits": 0, "period": 0, "createdDate": 1600000000000}
    return {"id": f"cred-{r.randrange(10**6)}", "type": "password", "createdDate": 1700000000000,
            "secretData": json.dumps({"value": value, "salt": b64(salt), "additionalParameters": {}}),
            "credentialData": json.dumps({"hashIterations": iterations, "algorithm": algorithm,
                                          "additionalParameters": {}})}


# -- Magento 2 ----------------------------------------------------------------------------------------


def magento_hash(pw: str, versions: str, r: random.Random) -> str:
    """``hash:salt:versions`` (Magento\\Framework\\Encryption\\Encryptor): each version hashes
    salt . previous hex digest, starting from the password; 0 md5, 1 sha256."""
    salt = "".join(r.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(32))
    value = pw
    for version in versions.split(":"):
        if version == "2":  # argon2id13 (sodium): not importable; a stand-in digest of the right size
            value = hashlib.sha256(b"argon2 stand-in" + value.encode()).hexdigest()
            continue
        value = hashlib.new({"0": "md5", "1": "sha256"}[version], (salt + value).encode()).hexdigest()
    return f"{value}:{salt}:{versions}"


# -- WordPress ----------------------------------------------------------------------------------------


def wordpress_hash(kind: str, pw: str, r: random.Random) -> str:
    if kind == "phpass":
        return phpass.using(rounds=8, salt="".join(r.choice("abcdefghijkl./0123") for _ in range(8))).hash(pw)
    if kind == "md5":
        return hashlib.md5(pw.encode()).hexdigest()
    if kind == "2y":
        return bcrypt_hash(pw, r, b"2b").replace("$2b$", "$2y$", 1)  # PHP's $2y$ is the same algorithm
    if kind == "wp":  # WordPress 6.8 wp_hash_password(): '$wp' . bcrypt(base64(hmac-sha384(pw, 'wp-sha384')))
        prehash = b64(hmac.new(b"wp-sha384", pw.encode(), "sha384").digest())
        return "$wp" + bcrypt.hashpw(prehash.encode(), bcrypt.gensalt(4)).decode().replace("$2b$", "$2y$", 1)
    raise ValueError(kind)


# -- Django -------------------------------------------------------------------------------------------


def django_hash(hasher: str, pw: str, r: random.Random) -> str:
    """django.contrib.auth.hashers encodings, re-derived with hashlib per Django's docs/source."""
    salt = "".join(r.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(22))
    if hasher in ("pbkdf2_sha256", "pbkdf2_sha1"):
        digest = hasher.removeprefix("pbkdf2_")
        key = hashlib.pbkdf2_hmac(digest, pw.encode(), salt.encode(), 1000)
        return f"{hasher}$1000${salt}${b64(key)}"
    if hasher in ("md5", "sha1"):
        return f"{hasher}${salt}${hashlib.new(hasher, (salt + pw).encode()).hexdigest()}"
    if hasher == "unsalted_md5":  # UnsaltedMD5PasswordHasher stores the bare hex digest
        return hashlib.md5(pw.encode()).hexdigest()
    if hasher == "unsalted_sha1":
        return "sha1$$" + hashlib.sha1(pw.encode()).hexdigest()
    if hasher == "bcrypt":
        return "bcrypt$" + bcrypt_hash(pw, r)
    if hasher == "bcrypt_sha256":
        return "bcrypt_sha256$" + bcrypt.hashpw(hashlib.sha256(pw.encode()).hexdigest().encode(),
                                                bcrypt.gensalt(4)).decode()
    if hasher == "scrypt":
        key = hashlib.scrypt(pw.encode(), salt=salt.encode(), n=2 ** 10, r=8, p=1, dklen=64)
        return f"scrypt${salt}$1024$8$1${b64(key)}"
    if hasher == "argon2":
        return "argon2$argon2id$v=19$m=102400,t=2,p=8$c29tZXNhbHQ$" + b64(hashlib.sha256(pw.encode()).digest())
    if hasher == "crypt":
        return "crypt$$" + des_crypt.using(salt=salt[:2]).hash(pw[:8])
    if hasher == "unusable":  # make_password(None): "!" + 40 random characters
        return "!" + "".join(r.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(40))
    raise ValueError(hasher)


# -- phpMyAdmin ---------------------------------------------------------------------------------------


def php_json(value, *, pretty: bool = False) -> str:
    """PHP's json_encode with phpMyAdmin's default flags: '/' written as '\\/', non-ASCII as \\uXXXX;
    JSON_PRETTY_PRINT indents by 4 spaces with ': ' after a member name."""
    text = json.dumps(value, indent=4 if pretty else None, separators=(",", ": ") if pretty else (",", ":"))
    return text.replace("/", "\\/")


def phpmyadmin_json(database: str, tables: dict[str, list[dict]], *, pretty: bool = False,
                    version: str = "5.2.1") -> str:
    """An export as phpMyAdmin's ExportJson plugin writes it (libraries/classes/Plugins/Export/ExportJson.php):
    '[' + header + ',' ; the database object + ','; per table its object split at the "@@DATA@@"
    placeholder around '[' rows joined by ',\\n' ']', tables after the first preceded by ','; then ']'.
    Row values are strings (MySQL rows come as strings), NULL as null."""
    crlf = "\n"
    out = ["[" + crlf + php_json({"type": "header", "version": version,
                                  "comment": "Export to JSON plugin for PHPMyAdmin"}, pretty=pretty) + "," + crlf,
           php_json({"type": "database", "name": database}, pretty=pretty) + "," + crlf]
    for index, (name, rows) in enumerate(tables.items()):
        head, foot = php_json({"type": "table", "name": name, "database": database, "data": "@@DATA@@"},
                              pretty=pretty).split('"@@DATA@@"')
        out.append(("," if index else "") + head + crlf + "[" + crlf)
        out.append(("," + crlf).join(php_json(row, pretty=pretty) for row in rows))
        out.append(crlf + "]" + crlf + foot + crlf)
    out.append("]" + crlf)
    return "".join(out)
