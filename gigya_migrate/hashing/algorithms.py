"""The raw-form Gigya algorithms: plain digests, PBKDF2, symphony2, md5_double_salted.

Definitions and confidence levels are in ``docs/hash-algorithms.md`` (§3-4); the comments here name the
decisions the code depends on.
"""

import hashlib
from typing import ClassVar

from gigya_migrate.hashing.handler import RawHandler
from gigya_migrate.hashing.errors import HashSettingsError
from gigya_migrate.hashing.settings import Settings, render_template

__all__ = ["Digest", "Sha1HashBytes", "Sha512Hexa", "Pbkdf2", "Symphony2", "Md5DoubleSalted", "RAW_HANDLERS"]


class Digest(RawHandler):
    """md5/sha1/sha256/sha512: H(template text as UTF-8); rounds>1 re-hash the raw digest (*inferred*)."""

    hasher: ClassVar = None
    text_encoding: ClassVar[str] = "utf-8"

    def __init__(self, name: str, hasher) -> None:
        self.name = name
        self.hasher = hasher
        self.default_size = hasher().digest_size
        self.sizes = (self.default_size,)

    def compute(self, password: str, s: Settings, size: int) -> bytes:
        new = self.hasher
        digest = new(render_template(password, s, self.text_encoding)).digest()
        for _ in range(self.rounds(s) - 1):
            digest = new(digest).digest()
        return digest


class Sha1HashBytes(Digest):
    """SQL Server ``HASHBYTES('SHA1', nvarchar)``: the merged text encoded UTF-16LE (*inferred*)."""

    text_encoding = "utf-16-le"

    def __init__(self) -> None:
        super().__init__("sha1_hashbytes", hashlib.sha1)


class Sha512Hexa(Digest):
    """sha512, each further round over the lowercase hex of the previous digest (**uncertain**, doc §4)."""

    def __init__(self) -> None:
        super().__init__("sha512Hexa", hashlib.sha512)

    def compute(self, password: str, s: Settings, size: int) -> bytes:
        digest = hashlib.sha512(render_template(password, s)).digest()
        for _ in range(self.rounds(s) - 1):
            digest = hashlib.sha512(digest.hex().encode("ascii")).digest()
        return digest


class Pbkdf2(RawHandler):
    """PBKDF2-HMAC with the base64-decoded salt; dkLen is the stored hash's length (confirmed for sha1)."""

    salt_mode = "base64"
    max_rounds = 10_000_000  # Django 5.2 uses 1,000,000; a bound keeps a hostile import from hanging login
    sizes = tuple(range(16, 65))  # 16/20 in Gigya exports; "max number of hash bits is 512"

    def __init__(self, name: str, prf: str) -> None:
        self.name = name
        self.prf = prf
        self.default_size = hashlib.new(prf).digest_size

    def compute(self, password: str, s: Settings, size: int) -> bytes:
        return hashlib.pbkdf2_hmac(self.prf, password.encode("utf-8"), s.salt_bytes(), self.rounds(s), size)


class Symphony2(RawHandler):
    """Symfony 2 ``MessageDigestPasswordEncoder('sha512', base64, rounds)`` (*inferred*, doc §4)."""

    name = "symphony2"
    salt_mode = "base64"
    sizes = (64,)
    default_size = 64
    max_rounds = 1_000_000

    def check_settings(self, s: Settings) -> None:
        super().check_settings(s)
        if b"{" in s.salt_bytes() or b"}" in s.salt_bytes():
            raise HashSettingsError("symphony2 salts cannot contain '{' or '}' (Symfony refuses them too).")

    def compute(self, password: str, s: Settings, size: int) -> bytes:
        salt = s.salt_bytes()
        # PHP's empty() treats "" and "0" as no salt: Symfony then hashes the bare password.
        salted = password.encode("utf-8")
        if salt not in (b"", b"0"):
            salted += b"{" + salt + b"}"
        digest = hashlib.sha512(salted).digest()
        for _ in range(self.rounds(s) - 1):
            digest = hashlib.sha512(digest + salted).digest()
        return digest


class Md5DoubleSalted(RawHandler):
    """vBulletin ``md5(md5_hex(password) . salt)`` with the base64-decoded salt (**uncertain**, doc §4)."""

    name = "md5_double_salted"
    salt_mode = "base64"
    sizes = (16,)
    default_size = 16
    max_rounds = 1

    def compute(self, password: str, s: Settings, size: int) -> bytes:
        inner = hashlib.md5(password.encode("utf-8")).hexdigest().encode("ascii")
        return hashlib.md5(inner + s.salt_bytes()).digest()


RAW_HANDLERS: tuple[RawHandler, ...] = (
    Digest("md5", hashlib.md5),
    Digest("sha1", hashlib.sha1),
    Sha1HashBytes(),
    Digest("sha256", hashlib.sha256),
    Digest("sha512", hashlib.sha512),
    Sha512Hexa(),
    Md5DoubleSalted(),
    Pbkdf2("pbkdf2", "sha1"),
    Pbkdf2("pbkdf2_sha256", "sha256"),
    Pbkdf2("pbkdf2_sha512", "sha512"),
    Symphony2(),
)
"""One instance per raw-form algorithm name."""
