"""Self-describing crypt strings Gigya takes as ``compoundHashedPassword``: md5_crypt, bcrypt, drupal.

The string carries salt and cost, so ``hashSettings`` must be empty (or name only the matching
algorithm when calling :func:`verify_password`). Primitives come from ``bcrypt`` and ``passlib``;
only Drupal 7's ``$S$`` (phpass with sha512, which passlib lacks) is a local loop over hashlib.
"""

import base64
import hashlib
import hmac
import os
import re
from typing import ClassVar

import bcrypt as _bcrypt
from passlib.hash import md5_crypt as _md5_crypt
from passlib.hash import phpass as _phpass
from passlib.utils.binary import h64

from gigya_migrate.hashing._encoding import b64encode, bcrypt64_decode, bcrypt64_encode, decode_hash_b64, preview
from gigya_migrate.hashing.errors import HashSettingsError
from gigya_migrate.hashing.handler import Handler
from gigya_migrate.hashing.settings import Settings

__all__ = ["CryptHandler", "Md5Crypt", "Bcrypt", "Drupal", "CRYPT_HANDLERS", "BCRYPT_MAX_BYTES", "BCRYPT_MAX_COST",
           "PHPASS_MAX_LOG2"]

BCRYPT_MAX_BYTES = 72
BCRYPT_MAX_COST = 16
"""Highest bcrypt cost verified or built here (2**16 rounds, ~5 s per check on one core). The format
allows 31 (days per check): a hostile or corrupt row must not stall an import or a mock login.
Real systems use 10-14."""
PHPASS_MAX_LOG2 = 20
"""Highest phpass/Drupal iteration count (2**20, ~1 s per check). Drupal 7 hashes with 2**15
(DRUPAL_HASH_COUNT), WordPress with 2**8; Drupal's own ceiling (2**30) is minutes per check."""
_ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class CryptHandler(Handler):
    """An algorithm whose hash is a crypt/MCF string recognised by ``prefixes`` and ``pattern``."""

    prefixes: ClassVar[tuple[str, ...]]
    pattern: ClassVar[re.Pattern]
    shape: ClassVar[str]

    def identify(self, hashed: str) -> bool:
        return isinstance(hashed, str) and hashed.startswith(self.prefixes)

    def check_compound(self, hashed: str, s: Settings) -> None:
        """Refuse a malformed string, or settings that a compound string must not carry."""
        extra = s.extra_keys()
        if extra:
            raise HashSettingsError(
                f"a {self.name} crypt string carries its own salt and cost; drop hashSettings "
                f"{', '.join(extra)} (send the string as compoundHashedPassword with no hashSettings)."
            )
        if not self.pattern.fullmatch(hashed):
            raise HashSettingsError(f"{preview(hashed)} is not a well-formed {self.name} string: expected {self.shape}.")

    def check_raw(self, hashed: str, s: Settings) -> None:
        """The raw (byte-array) form; undefined for most crypt algorithms."""
        raise HashSettingsError(
            f"hashedPassword {preview(hashed)} is not a {self.name} crypt string ({self.shape}). Gigya's raw "
            f"form of {self.name} is undocumented: send the whole crypt string as compoundHashedPassword."
        )

    def validate(self, hashed: str, s: Settings) -> None:
        if self.identify(hashed):
            self.check_compound(hashed, s)
        else:
            self.check_raw(hashed, s)

    def verify(self, password: str, hashed: str, s: Settings) -> bool:
        self.validate(hashed, s)
        try:
            return self.verify_compound(password, hashed)
        except UnicodeEncodeError:
            raise
        except ValueError as exc:  # the backend refused a string our pattern let through
            raise HashSettingsError(f"{preview(hashed)} is not a usable {self.name} string: {exc}") from None

    def verify_compound(self, password: str, hashed: str) -> bool:
        """Check ``password`` against a well-formed crypt string."""
        raise NotImplementedError


class Md5Crypt(CryptHandler):
    """FreeBSD/glibc ``$1$salt$hash`` MD5-crypt (1000 iterations), via passlib."""

    name = "md5_crypt"
    prefixes = ("$1$",)
    pattern = re.compile(r"\$1\$[./0-9A-Za-z]{0,8}\$[./0-9A-Za-z]{22}")
    shape = "$1$<0-8 salt chars>$<22 chars>"

    def verify_compound(self, password: str, hashed: str) -> bool:
        return _md5_crypt.verify(password.encode("utf-8"), hashed)

    def hash(self, password: str, s: Settings) -> str:
        if s.extra_keys():
            raise HashSettingsError("md5_crypt takes no hashSettings besides the algorithm (salt is random).")
        return _md5_crypt.hash(password.encode("utf-8"))


class Bcrypt(CryptHandler):
    """bcrypt ``$2a$/$2b$/$2y$``; only the first 72 UTF-8 bytes of the password count (legacy rule).

    Raw form (**uncertain**, doc §4): rounds = 2**cost, salt = base64(16 bytes),
    hashedPassword = base64(23-byte digest), rebuilt into a ``$2b$`` string.
    """

    name = "bcrypt"
    prefixes = ("$2a$", "$2b$", "$2y$")
    pattern = re.compile(r"\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}")
    shape = "$2b$<cost 04-31>$<53 chars>"

    def check_compound(self, hashed: str, s: Settings) -> None:
        super().check_compound(hashed, s)
        _check_bcrypt_cost(int(hashed[4:6]), preview(hashed))

    def verify_compound(self, password: str, hashed: str) -> bool:
        # pyca bcrypt 5 raises on >72 bytes; truncating first keeps the behaviour legacy systems had.
        return _bcrypt.checkpw(password.encode("utf-8")[:BCRYPT_MAX_BYTES], hashed.encode("ascii"))

    def check_raw(self, hashed: str, s: Settings) -> None:
        if s.template is not None:
            raise HashSettingsError("bcrypt takes no format/binaryFormat template.")
        _raw_cost(s)
        if len(s.salt_bytes()) != 16:
            raise HashSettingsError(
                "raw bcrypt needs hashSettings.salt = base64 of the 16 salt bytes (the 22 characters after "
                "the cost in $2b$..., decoded from bcrypt's alphabet); or send the whole $2b$ string as "
                "compoundHashedPassword."
            )
        if len(decode_hash_b64(hashed)) != 23:
            raise HashSettingsError(
                f"raw bcrypt hashedPassword {preview(hashed)} must decode to 23 bytes (the last 31 characters "
                "of a $2b$ string, decoded from bcrypt's alphabet)."
            )

    def verify(self, password: str, hashed: str, s: Settings) -> bool:
        if self.identify(hashed):
            return super().verify(password, hashed, s)
        self.check_raw(hashed, s)
        return hmac.compare_digest(self._raw_digest(password, s), base64.b64decode(hashed))

    def hash(self, password: str, s: Settings) -> str:
        if s.salt:
            self.check_raw(b64encode(bytes(23)), s)
            return b64encode(self._raw_digest(password, s))
        if s.template is not None or s.url is not None:
            raise HashSettingsError("bcrypt takes no format/binaryFormat template.")
        cost = 12 if s.rounds is None else _raw_cost(s)
        salt = _bcrypt.gensalt(cost)
        return _bcrypt.hashpw(password.encode("utf-8")[:BCRYPT_MAX_BYTES], salt).decode("ascii")

    def _raw_digest(self, password: str, s: Settings) -> bytes:
        setting = f"$2b${_raw_cost(s):02d}${bcrypt64_encode(s.salt_bytes())}"
        full = _bcrypt.hashpw(password.encode("utf-8")[:BCRYPT_MAX_BYTES], setting.encode("ascii"))
        return bcrypt64_decode(full.decode("ascii")[29:])


def _raw_cost(s: Settings) -> int:
    rounds = s.rounds
    if rounds is None or rounds < 16 or rounds > 2**31 or rounds & (rounds - 1):
        raise HashSettingsError(
            f"bcrypt rounds {rounds} must be a power of two between 16 and 2**31 (rounds = 2**cost; "
            "cost 10 is rounds 1024)."
        )
    _check_bcrypt_cost(rounds.bit_length() - 1, f"hashSettings.rounds {rounds}")
    return rounds.bit_length() - 1


class Drupal(CryptHandler):
    """Drupal 7 ``user_check_password()``: ``$S$`` (phpass-sha512, 55 chars), ``$P$``/``$H$`` (phpass-md5),
    and ``U$`` (the same over md5-hex of the password, from ``user_update_7000``)."""

    name = "drupal"
    prefixes = ("$S$", "$P$", "$H$", "U$S$", "U$P$", "U$H$")
    pattern = re.compile(r"U?(\$S\$[./0-9A-Za-z]{52}|\$[PH]\$[./0-9A-Za-z]{31})")
    shape = "$S$<52 chars>, $P$<31 chars> or $H$<31 chars> (optionally prefixed with U)"

    def check_compound(self, hashed: str, s: Settings) -> None:
        super().check_compound(hashed, s)
        log2 = _ITOA64.index(hashed.lstrip("U")[3])
        if not 7 <= log2 <= 30:
            raise HashSettingsError(f"{preview(hashed)}: the cost character means 2**{log2} rounds; Drupal accepts 2**7..2**30.")
        _check_phpass_log2(log2, preview(hashed))

    def verify_compound(self, password: str, hashed: str) -> bool:
        if hashed.startswith("U"):
            hashed = hashed[1:]
            password = hashlib.md5(password.encode("utf-8")).hexdigest()
        if hashed.startswith("$S$"):
            return hmac.compare_digest(_drupal_sha512(password, hashed[:12]), hashed.encode("ascii"))
        return _phpass.verify(password.encode("utf-8"), hashed)

    def hash(self, password: str, s: Settings) -> str:
        if s.extra_keys() and s.extra_keys() != ["rounds"]:
            raise HashSettingsError("drupal takes only rounds (a power of two, 2**7..2**30) besides the algorithm.")
        log2 = 15 if s.rounds is None else s.rounds.bit_length() - 1  # DRUPAL_HASH_COUNT = 15
        if s.rounds is not None and (s.rounds != 2**log2 or not 7 <= log2 <= 30):
            raise HashSettingsError(f"drupal rounds {s.rounds} must be a power of two between 2**7 and 2**30.")
        _check_phpass_log2(log2, f"drupal rounds {s.rounds}")
        setting = "$S$" + _ITOA64[log2] + h64.encode_bytes(os.urandom(6)).decode("ascii")
        return _drupal_sha512(password, setting).decode("ascii")


def _check_phpass_log2(log2: int, what: str) -> None:
    """Refuse, before any work, an iteration count above PHPASS_MAX_LOG2."""
    if log2 > PHPASS_MAX_LOG2:
        raise HashSettingsError(
            f"{what}: 2**{log2} iterations is above this toolkit's ceiling of 2**{PHPASS_MAX_LOG2} "
            f"(one check would take minutes); refused before hashing. Real Drupal 7 uses 2**15, WordPress 2**8."
        )


def _check_bcrypt_cost(cost: int, what: str) -> None:
    """Refuse, before any work, a bcrypt cost above BCRYPT_MAX_COST."""
    if cost > BCRYPT_MAX_COST:
        raise HashSettingsError(
            f"{what}: bcrypt cost {cost} is above this toolkit's ceiling of {BCRYPT_MAX_COST} "
            f"(each extra step doubles the time; cost {cost} is {2 ** (cost - 12):,}x cost 12); refused before hashing. "
            "Real systems use 10-14."
        )


def _drupal_sha512(password: str, setting: str) -> bytes:
    """Drupal 7 ``_password_crypt('sha512', ...)`` truncated to DRUPAL_HASH_LENGTH (55)."""
    count = 1 << _ITOA64.index(setting[3])
    secret = password.encode("utf-8")
    digest = hashlib.sha512(setting[4:12].encode("ascii") + secret).digest()
    sha512 = hashlib.sha512
    for _ in range(count):
        digest = sha512(digest + secret).digest()
    return (setting.encode("ascii") + h64.encode_bytes(digest))[:55]


CRYPT_HANDLERS: tuple[CryptHandler, ...] = (Md5Crypt(), Bcrypt(), Drupal())
"""The algorithms Gigya also accepts as compoundHashedPassword."""
