"""Legacy stored password formats -> Gigya's importFullAccount ``password`` object.

:func:`to_gigya_password` recognises the formats migration engineers meet (crypt strings, Drupal 7,
phpass/WordPress, Django, ASP.NET Identity v2/v3, Spring Security, LDAP, passlib PBKDF2) and, given a
declared ``scheme``, bare hex or base64 digests (Symfony, vBulletin, plain digests with a template).
Formats no Gigya algorithm verifies raise :class:`UnsupportedHash`. Each format is one small class
with ``identify`` and ``convert``, registered in :data:`FORMATS`.
"""

import base64
import binascii
import re
import struct
from dataclasses import dataclass, field

from gigya_migrate.hashing._encoding import b64encode, looks_hex, preview
from gigya_migrate.hashing.errors import HashSettingsError, NoPassword, UnsupportedHash
from gigya_migrate.hashing.password import HANDLERS, validate_password_object

__all__ = ["Conversion", "convert", "to_gigya_password", "detect", "FORMATS", "SCHEMES"]


@dataclass(frozen=True)
class Conversion:
    """A recognised stored hash: the format's name and the Gigya ``password`` object to import."""

    format_name: str
    password: dict = field(default_factory=dict)


@dataclass(frozen=True)
class _Input:
    stored: str
    salt: str | None = None
    rounds: int | None = None
    salt_encoding: str = "text"
    encoding: str | None = None


def _raw(algorithm: str, digest: bytes, **settings) -> dict:
    clean = {k: v for k, v in settings.items() if v is not None}
    if "salt" in clean and isinstance(clean["salt"], bytes):
        clean["salt"] = b64encode(clean["salt"])
    return {"hashedPassword": b64encode(digest), "hashSettings": {"algorithm": algorithm, **clean}}


def _compound(stored: str) -> dict:
    return {"compoundHashedPassword": stored}


def _unhex(text: str, what: str) -> bytes:
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise HashSettingsError(f"{what} {preview(text)} is not hex.") from None


def _b64(text: str, what: str, altchars: bytes | None = None) -> bytes:
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=altchars, validate=True)
    except (binascii.Error, ValueError):
        raise HashSettingsError(f"{what} {preview(text)} is not base64.") from None


class LegacyFormat:
    """One stored-hash format: ``identify`` a string, ``convert`` it into a Gigya password object."""

    name = ""

    def identify(self, stored: str) -> bool:
        """True if ``stored`` looks like this format."""
        raise NotImplementedError

    def format_name(self, stored: str) -> str:
        """The name reported by :func:`detect` (may depend on the string, e.g. the Django algorithm)."""
        return self.name

    def convert(self, item: _Input) -> dict:
        """The Gigya password object for ``item.stored``."""
        raise NotImplementedError


class Unsupported(LegacyFormat):
    """Formats Gigya cannot verify: argon2, scrypt, sha512_crypt, ... (by prefix)."""

    PREFIXES = (
        ("$argon2", "argon2", "memory-hard KDF, not an importFullAccount algorithm"),
        ("argon2$", "argon2 (django)", "memory-hard KDF, not an importFullAccount algorithm"),
        ("{argon2}", "argon2 (spring)", "memory-hard KDF, not an importFullAccount algorithm"),
        ("$scrypt$", "scrypt", "memory-hard KDF"), ("$7$", "scrypt", "memory-hard KDF"),
        ("scrypt$", "scrypt (django)", "memory-hard KDF"), ("{scrypt}", "scrypt (spring)", "memory-hard KDF"),
        ("$6$", "sha512_crypt", "SHA-crypt is not in Gigya's list"), ("$5$", "sha256_crypt", "SHA-crypt is not in Gigya's list"),
        ("$y$", "yescrypt", "not in Gigya's list"), ("$gy$", "gost-yescrypt", "not in Gigya's list"),
        ("$2x$", "bcrypt $2x$", "crypt_blowfish's buggy-8-bit variant"),
        ("$apr1$", "apr_md5_crypt", "Apache's MD5-crypt uses another magic string than $1$"),
        ("$sha1$", "sha1_crypt", "NetBSD SHA1-crypt"), ("$md5", "sun_md5_crypt", "Solaris MD5-crypt"),
        ("bcrypt_sha256$", "bcrypt_sha256 (django)", "bcrypt over an HMAC-SHA256 of the password"),
        ("$bcrypt-sha256$", "bcrypt_sha256 (passlib)", "bcrypt over a SHA256 of the password"),
        ("crypt$", "des_crypt (django)", "DES crypt"), ("{MD4}", "md4 (spring)", "MD4 is not in Gigya's list"),
        ("{noop}", "plain text (spring {noop})", "a clear-text password: hash it yourself with hash_password()"),
        ("{ldap}", "ldap (spring)", "Spring's LdapShaPasswordEncoder; not converted"),
        ("$wp$", "wordpress 6.8 bcrypt ($wp$)",
         "WordPress 6.8+ runs bcrypt over base64(HMAC-SHA384(key 'wp-sha384', password)), not over the password; "
         "Gigya's bcrypt hashes the password itself, so a $wp$ hash can never verify there"),
    )

    def _match(self, stored: str):
        return next((row for row in self.PREFIXES if stored.startswith(row[0])), None)

    def identify(self, stored: str) -> bool:
        return self._match(stored) is not None

    def format_name(self, stored: str) -> str:
        return self._match(stored)[1]

    def convert(self, item: _Input) -> dict:
        _, name, detail = self._match(item.stored)
        raise UnsupportedHash(name, detail)


class CryptString(LegacyFormat):
    """Crypt strings Gigya takes as ``compoundHashedPassword``: $1$, $2a$/$2b$/$2y$, $S$, $P$/$H$."""

    NAMES = (("$1$", "md5_crypt"), ("$2a$", "bcrypt"), ("$2b$", "bcrypt"), ("$2y$", "bcrypt"),
             ("$S$", "drupal7"), ("U$", "drupal7 (U$, md5 pre-hash)"), ("$P$", "phpass"), ("$H$", "phpass"))

    def identify(self, stored: str) -> bool:
        return stored.startswith(tuple(prefix for prefix, _ in self.NAMES))

    def format_name(self, stored: str) -> str:
        return next(name for prefix, name in self.NAMES if stored.startswith(prefix))

    def convert(self, item: _Input) -> dict:
        return _compound(item.stored)


class Django(LegacyFormat):
    """Django ``<algorithm>$...`` (django.contrib.auth.hashers)."""

    _PATTERN = re.compile(r"(pbkdf2_sha256|pbkdf2_sha1|sha1|md5|bcrypt|unsalted_md5|unsalted_sha1)\$")

    def identify(self, stored: str) -> bool:
        return bool(self._PATTERN.match(stored))

    def format_name(self, stored: str) -> str:
        algorithm = stored.split("$", 1)[0]
        if algorithm in ("sha1", "md5") and stored.startswith(algorithm + "$$"):
            algorithm = "unsalted_" + algorithm
        return f"django {algorithm}"

    def convert(self, item: _Input) -> dict:
        algorithm, rest = item.stored.split("$", 1)
        if algorithm == "bcrypt":
            return _compound(rest)
        if algorithm.startswith("pbkdf2_"):
            return self._pbkdf2(algorithm, rest)
        salt, _, digest = rest.rpartition("$")
        if algorithm.startswith("unsalted_"):
            algorithm, salt = algorithm[len("unsalted_"):], ""
        # Django's SHA1/MD5 hashers hash salt + password (hashers.py SHA1PasswordHasher.encode).
        settings = {"salt": salt, "format": "$salt$password"} if salt else {}
        return _raw(algorithm, _unhex(digest, f"django {algorithm} digest"), **settings)

    @staticmethod
    def _pbkdf2(algorithm: str, rest: str) -> dict:
        parts = rest.split("$")
        if len(parts) != 3 or not parts[0].isdigit():
            raise HashSettingsError(f"django {algorithm} hashes are {algorithm}$<iterations>$<salt>$<base64>; got {preview(rest)}.")
        iterations, salt, digest = parts
        gigya = {"pbkdf2_sha256": "pbkdf2_sha256", "pbkdf2_sha1": "pbkdf2"}[algorithm]
        return _raw(gigya, _b64(digest, "django digest"), rounds=int(iterations), salt=salt.encode("utf-8"))


class PasslibPbkdf2(LegacyFormat):
    """passlib's ``$pbkdf2[-sha256|-sha512]$rounds$salt$checksum`` (adapted base64, '.' for '+')."""

    _GIGYA = {"$pbkdf2$": "pbkdf2", "$pbkdf2-sha256$": "pbkdf2_sha256", "$pbkdf2-sha512$": "pbkdf2_sha512"}

    def identify(self, stored: str) -> bool:
        return stored.startswith(tuple(self._GIGYA))

    def format_name(self, stored: str) -> str:
        return "passlib " + stored.split("$")[1]

    def convert(self, item: _Input) -> dict:
        _, ident, rounds, salt, digest = (item.stored.split("$") + [""] * 5)[:5]
        if not rounds.isdigit() or not digest:
            raise HashSettingsError(f"passlib pbkdf2 hashes are $pbkdf2-<alg>$<rounds>$<salt>$<checksum>; got {preview(item.stored)}.")
        return _raw(self._GIGYA[f"${ident}$"], _b64(digest, "checksum", b"./"), rounds=int(rounds),
                    salt=_b64(salt, "salt", b"./"))


class Spring(LegacyFormat):
    """Spring Security DelegatingPasswordEncoder ids: {bcrypt}, {MD5}, {SHA-1}, {SHA-256}, {sha256}, {pbkdf2}."""

    _DIGESTS = {"{MD5}": ("md5", 16), "{SHA-1}": ("sha1", 20), "{SHA-256}": ("sha256", 32)}
    _PREFIXES = ("{bcrypt}", "{sha256}", "{pbkdf2}", *_DIGESTS)

    def identify(self, stored: str) -> bool:
        if stored.startswith(("{MD5}", "{SHA-1}", "{SHA-256}")):
            body = stored.split("}", 1)[1]
            return looks_hex(body.rsplit("}", 1)[-1]) or body.startswith("{")
        return stored.startswith(self._PREFIXES)

    def format_name(self, stored: str) -> str:
        return "spring " + stored.split("}", 1)[0] + "}"

    def convert(self, item: _Input) -> dict:
        prefix, body = item.stored.split("}", 1)
        prefix += "}"
        if prefix == "{bcrypt}":
            return _compound(body)
        if prefix == "{sha256}":
            return self._standard(body)
        if prefix == "{pbkdf2}":
            return self._pbkdf2(body)
        return self._message_digest(prefix, body)

    def _message_digest(self, prefix: str, body: str) -> dict:
        # MessageDigestPasswordEncoder: digest(password + "{salt}"), stored "{salt}" + hex; no braces = no salt.
        algorithm, size = self._DIGESTS[prefix]
        salt, digest = ("", body)
        if body.startswith("{"):
            salt, _, digest = body[1:].partition("}")
            return _raw(algorithm, self._digest(digest, size), salt=salt or None, format="$password{$salt}")
        return _raw(algorithm, self._digest(digest, size))

    @staticmethod
    def _digest(text: str, size: int) -> bytes:
        if looks_hex(text) and len(text) == 2 * size:
            return bytes.fromhex(text)
        return _b64(text, "spring digest")  # setEncodeHashAsBase64(true)

    @staticmethod
    def _standard(body: str) -> dict:
        # StandardPasswordEncoder: hex(salt8 + sha256^1024(salt8 + secret + password)); secret assumed empty.
        raw = _unhex(body, "spring {sha256} value")
        if len(raw) != 40:
            raise HashSettingsError(f"spring {{sha256}} values are 80 hex characters (8 salt + 32 digest bytes); got {len(body)}.")
        return _raw("sha256", raw[8:], rounds=1024, salt=raw[:8].hex(), binaryFormat="$salt:hex$password")

    @staticmethod
    def _pbkdf2(body: str) -> dict:
        # Pbkdf2PasswordEncoder, empty secret: Spring 5 defaults (8-byte salt, 185000, SHA1, 256 bits) or
        # the 5.8 defaults (16-byte salt, 310000, SHA256). Other settings cannot be read from the string.
        raw = _unhex(body, "spring {pbkdf2} value")
        layouts = {40: ("pbkdf2", 8, 185000), 48: ("pbkdf2_sha256", 16, 310000)}
        if len(raw) not in layouts:
            raise HashSettingsError(
                "spring {pbkdf2} value has a non-default length; give scheme='pbkdf2'/'pbkdf2_sha256' with salt and rounds."
            )
        algorithm, salt_size, rounds = layouts[len(raw)]
        return _raw(algorithm, raw[salt_size:], rounds=rounds, salt=raw[:salt_size])


class Ldap(LegacyFormat):
    """RFC 2307 / OpenLDAP ``{SSHA}``, ``{SHA}``, ``{SMD5}``, ``{MD5}``, ``{SSHA256}``, ``{SSHA512}``, ``{CRYPT}``."""

    _SCHEMES = {"{SHA}": ("sha1", 20), "{SSHA}": ("sha1", 20), "{MD5}": ("md5", 16), "{SMD5}": ("md5", 16),
                "{SHA256}": ("sha256", 32), "{SSHA256}": ("sha256", 32), "{SHA512}": ("sha512", 64), "{SSHA512}": ("sha512", 64)}

    def identify(self, stored: str) -> bool:
        return stored.upper().startswith(tuple(self._SCHEMES) + ("{CRYPT}",))

    def format_name(self, stored: str) -> str:
        return "ldap " + stored.split("}", 1)[0].upper() + "}"

    def convert(self, item: _Input) -> dict:
        prefix, body = item.stored.split("}", 1)
        prefix = prefix.upper() + "}"
        if prefix == "{CRYPT}":
            return to_gigya_password(body)
        algorithm, size = self._SCHEMES[prefix]
        raw = _b64(body, f"ldap {prefix} value")
        if len(raw) < size or (len(raw) != size and not prefix.startswith("{S")):
            raise HashSettingsError(f"ldap {prefix} value decodes to {len(raw)} bytes; {algorithm} needs {size}.")
        if len(raw) == size:
            return _raw(algorithm, raw)
        return _raw(algorithm, raw[:size], salt=raw[size:].hex(), binaryFormat="$password$salt:hex")


class AspNetIdentity(LegacyFormat):
    """ASP.NET Identity PasswordHasher: v2 (0x00, PBKDF2-SHA1 1000) and v3 (0x01, PRF/iterations/salt header)."""

    _PRF = {0: "pbkdf2", 1: "pbkdf2_sha256", 2: "pbkdf2_sha512"}

    @staticmethod
    def _blob(stored: str) -> bytes | None:
        if not re.fullmatch(r"[A-Za-z0-9+/]{60,}={0,2}", stored) or len(stored) % 4:
            return None
        return base64.b64decode(stored)

    def identify(self, stored: str) -> bool:
        blob = self._blob(stored)
        if not blob:
            return False
        if blob[0] == 0:
            return len(blob) == 49
        return blob[0] == 1 and len(blob) >= 13 and blob[1:5] in (b"\0\0\0\0", b"\0\0\0\1", b"\0\0\0\2")

    def format_name(self, stored: str) -> str:
        return "aspnet identity v2" if self._blob(stored)[0] == 0 else "aspnet identity v3"

    def convert(self, item: _Input) -> dict:
        blob = self._blob(item.stored)
        if blob[0] == 0:  # v2: salt 16 bytes, subkey 32 bytes, 1000 iterations, HMAC-SHA1
            return _raw("pbkdf2", blob[17:], rounds=1000, salt=blob[1:17])
        prf, iterations, salt_size = struct.unpack(">III", blob[1:13])
        salt, subkey = blob[13 : 13 + salt_size], blob[13 + salt_size :]
        if len(salt) != salt_size or len(subkey) < 16:
            raise HashSettingsError(f"aspnet identity v3 value {preview(item.stored)} is truncated (salt or subkey missing).")
        return _raw(self._PRF[prf], subkey, rounds=iterations, salt=salt)


class SymfonyCombined(LegacyFormat):
    """Symfony/FOSUserBundle sha512 exported as ``<base64 digest>{salt}`` (the encoder's own merge shape).

    Rounds default to Symfony's 5000 (*inferred*: the digest does not say; pass ``rounds=`` otherwise).
    """

    name = "symfony sha512 {salt}"
    _PATTERN = re.compile(r"([A-Za-z0-9+/]{86}==)\{([^{}]*)\}")

    def identify(self, stored: str) -> bool:
        return bool(self._PATTERN.fullmatch(stored))

    def convert(self, item: _Input) -> dict:
        digest, salt = self._PATTERN.fullmatch(item.stored).groups()
        return _raw("symphony2", base64.b64decode(digest), rounds=item.rounds or 5000,
                    salt=salt.encode("utf-8") if salt else None)


class SapCodvnH(LegacyFormat):
    """SAP ABAP CODVN H ``{x-issha, n}...``: Gigya's ``sap_abap`` takes the whole string as hashedPassword."""

    name = "sap codvn h"

    def identify(self, stored: str) -> bool:
        return stored.lower().startswith("{x-issha,")

    def convert(self, item: _Input) -> dict:
        return {"hashedPassword": item.stored, "hashSettings": {"algorithm": "sap_abap"}}


class Unusable(LegacyFormat):
    """Django's unusable password (``!`` + random text, ``set_unusable_password()``): no password at all."""

    name = "unusable password (!)"

    def identify(self, stored: str) -> bool:
        return stored.startswith("!")

    def convert(self, item: _Input) -> dict:
        raise NoPassword(self.name)


class Magento(LegacyFormat):
    """Magento 2 ``hash:salt:version[:version...]`` (Magento\\Framework\\Encryption\\Encryptor).

    Each version re-hashes the previous hex digest: ``h = H_v(salt . h)``, starting from the password.
    Versions: 0 md5, 1 sha256, 2 and 3 argon2id13. One md5 or sha256 pass is a Gigya ``md5``/``sha256``
    with format ``$salt$password``; a chain (``0:1``, ``1:2``) hashes a hex digest, which no Gigya
    algorithm does, and argon2 is not in Gigya's list: both are unsupported, named with their chain.
    """

    # at least one version: an unversioned ``hex:salt`` is ambiguous (vBulletin, Magento 1, ...)
    _PATTERN = re.compile(r"([0-9a-fA-F]{32}|[0-9a-fA-F]{64}):([^:]*)((?::\d)+)")
    _VERSIONS = {"0": "md5", "1": "sha256", "2": "argon2id13", "3": "argon2id13"}

    def identify(self, stored: str) -> bool:
        return bool(self._PATTERN.fullmatch(stored))

    def _versions(self, stored: str) -> list[str]:
        chain = self._PATTERN.fullmatch(stored).group(3)
        return chain.lstrip(":").split(":")

    def format_name(self, stored: str) -> str:
        return "magento2 " + ":".join(self._versions(stored))

    def convert(self, item: _Input) -> dict:
        digest, salt, _ = self._PATTERN.fullmatch(item.stored).groups()
        versions = self._versions(item.stored)
        names = " then ".join(self._VERSIONS.get(v, f"version {v}") for v in versions)
        if len(versions) > 1:
            raise UnsupportedHash(f"magento2 chain {':'.join(versions)}",
                                  f"{names}: each pass hashes the previous hex digest, which no Gigya algorithm does")
        algorithm = self._VERSIONS.get(versions[0])
        if algorithm not in ("md5", "sha256"):
            raise UnsupportedHash(f"magento2 version {versions[0]} ({algorithm or 'unknown'})",
                                  "argon2 is a memory-hard KDF, not an importFullAccount algorithm")
        expected = 32 if algorithm == "md5" else 64
        if len(digest) != expected:
            raise HashSettingsError(f"magento2 version {versions[0]} ({algorithm}) digests are {expected} hex "
                                    f"characters; got {len(digest)}.")
        settings = {"salt": salt, "format": "$salt$password"} if salt else {}
        return _raw(algorithm, bytes.fromhex(digest), **settings)


FORMATS: tuple[LegacyFormat, ...] = (Unusable(), Unsupported(), CryptString(), Django(), PasslibPbkdf2(), Spring(),
                                     Ldap(), SapCodvnH(), SymfonyCombined(), AspNetIdentity(), Magento())
"""Self-describing formats, tried in order by :func:`detect` and :func:`to_gigya_password`."""


# --- declared schemes: bare digests whose format cannot be read from the string ----------------------

_TEMPLATE_SCHEME = re.compile(r"(?P<algorithm>[A-Za-z0-9_]+)(?:\((?P<template>.*)\))?")
_ALIASES = {"symfony": "symphony2", "symfony2": "symphony2", "vbulletin": "md5_double_salted"}
_SALT_BYTES = {"pbkdf2", "pbkdf2_sha256", "pbkdf2_sha512", "symphony2", "md5_double_salted"}
SCHEMES = tuple(sorted(set(HANDLERS) - {"md5_crypt", "bcrypt", "drupal"})) + tuple(_ALIASES)
"""Names accepted as ``scheme`` (optionally with a template: ``"sha256($salt$password)"``)."""


def _salt_bytes(salt: str, encoding: str) -> bytes:
    if encoding == "hex":
        return _unhex(salt, "salt")
    if encoding == "base64":
        return _b64(salt, "salt")
    return salt.encode("utf-8")


def _digest_bytes(stored: str, sizes: tuple[int, ...], encoding: str | None) -> bytes:
    if encoding == "hex" or (encoding is None and looks_hex(stored) and len(stored) // 2 in sizes):
        return _unhex(stored, "stored digest")
    return _b64(stored, "stored digest")


def _declared(item: _Input, scheme: str) -> Conversion:
    match = _TEMPLATE_SCHEME.fullmatch(scheme.strip())
    name = _ALIASES.get(match.group("algorithm"), match.group("algorithm")) if match else scheme
    handler = HANDLERS.get(name)
    if handler is None or name in ("md5_crypt", "bcrypt", "drupal"):
        raise HashSettingsError(f"unknown scheme {scheme!r}; use one of {', '.join(SCHEMES)} (or leave it out to auto-detect).")
    if name == "sap_abap":  # self-describing: the {x-issha, n} string is the whole hashedPassword
        return _declared_sap(item)
    digest = _digest_bytes(item.stored, handler.sizes, item.encoding)
    settings: dict = {"rounds": item.rounds}
    if name == "symphony2" and item.rounds is None:
        settings["rounds"] = 5000  # Symfony's MessageDigestPasswordEncoder default (Gigya's default would be 1)
    if name in _SALT_BYTES:
        settings["salt"] = _salt_bytes(item.salt, item.salt_encoding) if item.salt else None
    elif item.salt:
        template = match.group("template")
        if not template:
            raise HashSettingsError(
                f"scheme {scheme!r} has a salt but no template: say where the salt goes, e.g. "
                f"'{name}($salt$password)' or '{name}($password$salt)'."
            )
        settings.update(salt=item.salt, format=template)
    encoding = "hex" if item.encoding == "hex" or (item.encoding is None and looks_hex(item.stored) and len(item.stored) // 2 in handler.sizes) else "base64"
    return Conversion(f"{name} ({encoding})", _raw(name, digest, **settings))


def _declared_sap(item: _Input) -> Conversion:
    sap = SapCodvnH()
    if not sap.identify(item.stored) or item.salt or item.rounds is not None:
        raise HashSettingsError(
            f"scheme 'sap_abap' takes the whole SAP CODVN H string, {{x-issha, 1024}}<base64>, with no separate "
            f"salt or rounds (it carries both); got {preview(item.stored)}."
        )
    return Conversion(sap.format_name(item.stored), sap.convert(item))


def convert(stored: str, *, scheme: str | None = None, salt: str | None = None, rounds: int | None = None,
            salt_encoding: str = "text", encoding: str | None = None, default_scheme: str | None = None) -> Conversion:
    """Recognise ``stored`` (or read it as ``scheme``) and build the Gigya password object.

    ``salt``/``rounds`` are used with a declared ``scheme`` (self-describing formats carry their own;
    ``rounds`` also overrides the assumed 5000 of a ``<digest>{salt}`` Symfony value).
    ``salt_encoding`` ("text", "hex", "base64") says how the legacy system stored a byte salt;
    ``encoding`` ("hex", "base64", or None to guess) how it stored the digest.
    ``default_scheme`` is used only for a value no format recognises (a bare digest); ``scheme``
    forces one for every value. :class:`NoPassword` for a value that means "no password" (``!``).
    """
    if not isinstance(stored, str) or not stored.strip():
        raise HashSettingsError("the stored hash is empty.")
    item = _Input(stored.strip(), salt or None, rounds, salt_encoding, encoding)
    if scheme:
        result = _declared(item, scheme)
    else:
        fmt = next((f for f in FORMATS if f.identify(item.stored)), None)
        if fmt is None and default_scheme:
            result = _declared(item, default_scheme)
        elif fmt is None:
            raise HashSettingsError(_unknown_message(item.stored))
        else:
            result = Conversion(fmt.format_name(item.stored), fmt.convert(item))
    validate_password_object(result.password)
    return result


def _unknown_message(stored: str) -> str:
    if looks_hex(stored):
        return (f"{preview(stored)} is a bare hex digest ({len(stored) * 4} bits): its algorithm and salt cannot be "
                "read from it; give scheme= (e.g. 'md5', 'sha1', 'sha256($salt$password)').")
    hint = ""
    if re.fullmatch(r"[A-Za-z0-9+/]{86}==", stored):  # 64 bytes: the length of Firebase's scrypt hashes
        hint = (" A 64-byte base64 value is what Firebase auth:export writes: Firebase's modified scrypt, which "
                "Gigya cannot import (use the firebase preset: import --from firebase).")
    return (f"{preview(stored)} is not a format this toolkit recognises; give scheme= for a bare digest "
            f"({', '.join(SCHEMES[:6])}, ...).{hint}")


def to_gigya_password(stored: str, *, scheme: str | None = None, salt: str | None = None,
                      rounds: int | None = None, **options) -> dict:
    """The importFullAccount ``password`` object for a legacy stored hash (see :func:`convert`).

    Raises :class:`UnsupportedHash` for formats Gigya cannot verify and :class:`HashSettingsError`
    for malformed or unrecognised input.
    """
    return convert(stored, scheme=scheme, salt=salt, rounds=rounds, **options).password


def detect(stored: str) -> str | None:
    """The name of the format ``stored`` looks like ("django pbkdf2_sha256", "bcrypt", "argon2", ...);
    "hex digest" / "base64 digest" for bare digests, None if nothing matches."""
    if not isinstance(stored, str) or not stored.strip():
        return None
    stored = stored.strip()
    fmt = next((f for f in FORMATS if f.identify(stored)), None)
    if fmt is not None:
        return fmt.format_name(stored)
    if looks_hex(stored):
        return "hex digest"
    if re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", stored) and len(stored) % 4 == 0:
        return "base64 digest"
    return None
