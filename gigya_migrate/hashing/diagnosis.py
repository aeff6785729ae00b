"""Why does a known cleartext not verify? Try the usual import mistakes and name the one that fits.

"Import succeeded but login fails" is the most common migration failure. :func:`diagnose` checks the
password object as given, then re-tries it with one correction at a time (hex digest -> base64,
double encoding, truncated hash, salt before/after the password, salt raw vs base64, other rounds,
another algorithm of the same family), then with an encoding fix combined with one other fix. The
first correction that verifies is reported with the exact change to make.
"""

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from gigya_migrate.hashing._encoding import b64encode, looks_hex, preview
from gigya_migrate.hashing.crypt import CRYPT_HANDLERS
from gigya_migrate.hashing.errors import HashSettingsError
from gigya_migrate.hashing.password import HANDLERS, verify_password

__all__ = ["Diagnosis", "diagnose"]

_SCAN_ROUNDS = 100_000  # incremental scan bound (cheap: one hash or HMAC per step)
_LARGE_ROUNDS = (120000, 150000, 185000, 210000, 260000, 310000, 600000, 1000000)
"""Framework defaults above the scan bound (Django, Spring, OWASP); tried last because they are slow."""
_FAMILIES = (
    ("md5", "md5_double_salted"),
    ("sha1", "sha1_hashbytes"),
    ("sha512", "sha512Hexa", "symphony2"),
    ("pbkdf2", "pbkdf2_sha256", "pbkdf2_sha512"),
)
_DIGEST_SIZE = {"md5": 16, "md5_double_salted": 16, "sha1": 20, "sha1_hashbytes": 20, "sha256": 32, "sha512": 64,
                "sha512Hexa": 64, "symphony2": 64}


@dataclass(frozen=True)
class Diagnosis:
    """The outcome: ``ok`` if it verifies as given; otherwise ``cause`` (a short code), ``message`` (what to
    change, in words) and ``fix`` (the corrected password object, if a correction verified)."""

    ok: bool
    cause: str
    message: str
    fix: dict | None = None
    error: str | None = None


@dataclass(frozen=True)
class _Try:
    cause: str
    message: str
    stored: str
    settings: dict


def _verifies(password: str, stored: str, settings: Mapping | None) -> bool:
    try:
        return verify_password(password, stored, settings)
    except (HashSettingsError, ValueError, TypeError):
        return False


def _object(stored: str, settings: Mapping | None) -> dict:
    if not settings or "algorithm" not in settings:
        return {"compoundHashedPassword": stored}
    return {"hashedPassword": stored, "hashSettings": dict(settings)}


def diagnose(password: str, stored: str, hash_settings: Mapping | None) -> Diagnosis:
    """Explain why ``password`` does not verify against ``stored`` + ``hash_settings`` (a Gigya
    password object's ``hashedPassword``/``compoundHashedPassword`` and ``hashSettings``)."""
    settings = dict(hash_settings or {})
    error = None
    try:
        if verify_password(password, stored, settings):
            return Diagnosis(True, "ok", "verifies: this password object will log in after import.", _object(stored, settings))
    except HashSettingsError as exc:
        error = str(exc)
    for attempt in _attempts(password, stored, settings):
        if _verifies(password, attempt.stored, attempt.settings):
            return Diagnosis(False, attempt.cause, attempt.message, _object(attempt.stored, attempt.settings), error)
    return Diagnosis(False, "unknown", _no_cause_message(error), None, error)


def _no_cause_message(error: str | None) -> str:
    base = ("no usual mistake explains it (encoding, truncation, salt position or encoding, rounds, algorithm "
            "family): check that this cleartext really is this user's password and ask the legacy system's "
            "owners for its exact hashing code.")
    return f"{error} Also: {base}" if error else base


def _attempts(password: str, stored: str, settings: dict) -> Iterator[_Try]:
    encodings = list(_encoding_fixes(stored, settings))
    yield from encodings
    yield from _binary_literal_as_text(stored, settings)
    yield from _truncation(password, stored, settings)
    for base in [_Try("", "", stored, settings)] + encodings:
        for attempt in _setting_fixes(password, base.stored, settings):
            if base.cause:
                yield _Try(f"{base.cause}+{attempt.cause}", f"{base.message} Also: {attempt.message}",
                           attempt.stored, attempt.settings)
            else:
                yield attempt
    yield from _large_rounds(password, stored, settings)


def _setting_fixes(password: str, stored: str, settings: dict) -> Iterator[_Try]:
    salts = list(_salt_position(stored, settings)) + list(_salt_encoding(stored, settings))
    yield from salts
    yield from _rounds(password, stored, settings)
    yield from _algorithm(stored, settings)
    for salt in salts:  # a salt mistake and a rounds mistake together
        for rounds in _rounds(password, stored, salt.settings):
            yield _Try(f"{salt.cause}+wrong_rounds", f"{salt.message} Also: {rounds.message}", stored, rounds.settings)


# --- encodings of the stored hash ----------------------------------------------------------------

def _encoding_fixes(stored: str, settings: dict) -> Iterator[_Try]:
    if not isinstance(stored, str):
        return
    if looks_hex(stored):
        fixed = b64encode(bytes.fromhex(stored))
        yield _Try("hex_digest",
                   f"hashedPassword is a hex digest; Gigya expects base64 of the raw digest bytes. Send "
                   f"base64.b64encode(bytes.fromhex(hex_value)) (here {preview(fixed)}), not the hex text.",
                   fixed, settings)
    inner = _b64_text(stored)
    if inner and looks_hex(inner):
        fixed = b64encode(bytes.fromhex(inner))
        yield _Try("double_encoded",
                   "hashedPassword is base64 of a hex string (double encoding). Convert the hex digest itself: "
                   f"base64.b64encode(bytes.fromhex(hex_value)) (here {preview(fixed)}).",
                   fixed, settings)


def _b64_text(value: str) -> str | None:
    try:
        return base64.b64decode(value, validate=True).decode("ascii")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def _with(settings: dict, **changes) -> dict:
    merged = {**settings, **changes}
    return {k: v for k, v in merged.items() if v is not None}


# --- binaryFormat $0x tokens ---------------------------------------------------------------------

def _binary_literal_as_text(stored: str, settings: dict) -> Iterator[_Try]:
    """The legacy hash was made over the token's *text* ("$0x4769677961"), not the bytes it names."""
    from gigya_migrate.hashing.settings import binary_literals

    template = settings.get("binaryFormat")
    if not isinstance(template, str) or not binary_literals(template):
        return
    fixed = template
    for token in dict.fromkeys(binary_literals(template)):
        fixed = fixed.replace(token, "$0x" + token.encode("utf-8").hex())
    tokens = ", ".join(dict.fromkeys(binary_literals(template)))
    yield _Try("binary_literal_as_text",
               f"the hash was computed over the literal text of {tokens}, but in binaryFormat Gigya reads "
               "$0x<hex> as the bytes written in hex ($0x4769677961 is the 5 bytes \"Gigya\"). Hash the bytes "
               f"the token stands for; or, if the legacy system really hashed that text, write the text as hex: "
               f"binaryFormat \"{fixed[:120]}\".", stored, _with(settings, binaryFormat=fixed))


# --- truncated hashes ----------------------------------------------------------------------------

def _truncation(password: str, stored: str, settings: dict) -> Iterator[_Try]:
    crypt = next((h for h in CRYPT_HANDLERS if isinstance(stored, str) and h.identify(stored)), None)
    if crypt is not None:
        yield from _truncated_crypt(password, stored, crypt.name)
        return
    algorithm = settings.get("algorithm")
    size = _DIGEST_SIZE.get(algorithm)
    raw = _decoded(stored)
    if size is None or raw is None or not 0 < len(raw) < size:
        return
    full = _full_digest(password, settings, size)
    if full is not None and full.startswith(raw):
        yield _Try("truncated",
                   f"the stored hash is truncated: it holds the first {len(raw)} of {size} bytes (and they match). "
                   "Re-export the full value (check the column width or CSV cell limits).",
                   b64encode(full), settings)


def _decoded(stored: str) -> bytes | None:
    if not isinstance(stored, str):
        return None
    try:
        body = stored.rstrip("=")
        return base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def _full_digest(password: str, settings: dict, size: int) -> bytes | None:
    from gigya_migrate.hashing.settings import parse_settings

    try:
        handler = HANDLERS[settings["algorithm"]]
        parsed = parse_settings(settings)
        handler.check_settings(parsed)
        return handler.compute(password, parsed, size)
    except (HashSettingsError, KeyError):
        return None


def _truncated_crypt(password: str, stored: str, name: str) -> Iterator[_Try]:
    full = _recompute_crypt(password, stored, name)
    if full and len(stored) < len(full) and full.startswith(stored):
        yield _Try("truncated",
                   f"the {name} string is truncated: {len(stored)} of {len(full)} characters (the kept part matches). "
                   "Re-export the full value (check the column width).",
                   full, {})


def _recompute_crypt(password: str, stored: str, name: str) -> str | None:
    import bcrypt
    from passlib.hash import md5_crypt, phpass

    secret = password.encode("utf-8")
    try:
        if name == "bcrypt" and len(stored) >= 29:
            return bcrypt.hashpw(secret[:72], stored[:29].encode()).decode()
        if name == "md5_crypt" and stored.count("$") >= 3:
            salt = stored.split("$")[2]
            return md5_crypt.using(salt=salt).hash(secret)
        if name == "drupal" and len(stored) >= 12 and stored.startswith(("$P$", "$H$")):
            return stored[:3] + phpass.using(salt=stored[4:12], rounds="./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                             "abcdefghijklmnopqrstuvwxyz".index(stored[3])).hash(secret)[3:]
        if name == "drupal" and len(stored) >= 12 and stored.startswith("$S$"):
            from gigya_migrate.hashing.crypt import _drupal_sha512

            return _drupal_sha512(password, stored[:12]).decode()
    except (ValueError, TypeError):
        return None
    return None


# --- salt position and encoding ------------------------------------------------------------------

def _salt_position(stored: str, settings: dict) -> Iterator[_Try]:
    salt, template = settings.get("salt"), settings.get("format")
    if not salt or settings.get("algorithm") not in ("md5", "sha1", "sha1_hashbytes", "sha256", "sha512", "sha512Hexa"):
        return
    if template is None:
        for candidate in ("$salt$password", "$password$salt"):
            yield _Try("salt_position",
                       f"a salt needs a format saying where it goes: the legacy system hashed {_say(candidate)}, "
                       f"so add \"format\": \"{candidate}\".", stored, _with(settings, format=candidate))
        return
    swapped = template.replace("$salt", "\0").replace("$password", "$salt").replace("\0", "$password")
    if swapped != template:
        yield _Try("salt_position",
                   f"the salt is on the wrong side of the password: the legacy system hashed {_say(swapped)}; "
                   f"use format \"{swapped}\", not \"{template}\".", stored, _with(settings, format=swapped))


def _say(template: str) -> str:
    return "salt then password" if template.index("$salt") < template.index("$password") else "password then salt"


def _salt_encoding(stored: str, settings: dict) -> Iterator[_Try]:
    salt = settings.get("salt")
    if not salt:
        return
    algorithm = settings.get("algorithm")
    if settings.get("format") or settings.get("binaryFormat"):
        text = _b64_text(salt)
        if text:
            yield _Try("salt_base64_in_template",
                       f"with a format template the salt must be clear text: you sent it base64-encoded; send "
                       f"{text[:16]!r} instead of {salt[:16]!r}.", stored, _with(settings, salt=text))
        return
    if algorithm in ("pbkdf2", "pbkdf2_sha256", "pbkdf2_sha512", "symphony2", "md5_double_salted"):
        yield _Try("salt_not_base64",
                   f"hashSettings.salt must be base64 of the salt bytes: you sent the salt as raw text. Send "
                   f"base64.b64encode({salt[:16]!r}.encode()) = {b64encode(salt.encode())[:24]!r}.",
                   stored, _with(settings, salt=b64encode(salt.encode("utf-8"))))
        if looks_hex(salt):
            yield _Try("salt_hex",
                       "hashSettings.salt is hex: Gigya wants base64 of the salt bytes; send "
                       f"base64.b64encode(bytes.fromhex(salt)) = {b64encode(bytes.fromhex(salt))[:24]!r}.",
                       stored, _with(settings, salt=b64encode(bytes.fromhex(salt))))
        text = _b64_text(salt)
        if text:
            yield _Try("salt_double_base64",
                       "hashSettings.salt was base64-encoded twice; the legacy salt is the text "
                       f"{text[:16]!r}, so send base64 of its bytes once: {text[:24]!r}.",
                       stored, _with(settings, salt=text))


# --- rounds --------------------------------------------------------------------------------------

def _rounds(password: str, stored: str, settings: dict) -> Iterator[_Try]:
    algorithm = settings.get("algorithm")
    raw = _decoded(stored)
    if not raw or not (algorithm in _DIGEST_SIZE or str(algorithm).startswith("pbkdf2")) or algorithm == "md5_double_salted":
        return
    found = _scan_rounds(password, settings, raw)
    if found is not None and found != settings.get("rounds", 1):
        yield _wrong_rounds(stored, settings, found)


def _wrong_rounds(stored: str, settings: dict, found: int) -> _Try:
    return _Try("wrong_rounds",
                f"rounds is {settings.get('rounds', 1)} but the hash was made with {found}: set "
                f"hashSettings.rounds to {found}.", stored, _with(settings, rounds=found))


def _large_rounds(password: str, stored: str, settings: dict) -> Iterator[_Try]:
    if str(settings.get("algorithm", "")).startswith("pbkdf2"):
        for rounds in _LARGE_ROUNDS:
            if rounds != settings.get("rounds"):
                yield _wrong_rounds(stored, settings, rounds)


def _scan_rounds(password: str, settings: dict, target: bytes) -> int | None:
    """Walk the iteration chain once, checking the target after each step (cheap for every count)."""
    from gigya_migrate.hashing.settings import parse_settings, render_template

    try:
        parsed = parse_settings(_with(settings, rounds=1))
    except HashSettingsError:
        return None
    algorithm = settings["algorithm"]
    try:
        if algorithm.startswith("pbkdf2"):
            prf = {"pbkdf2": "sha1", "pbkdf2_sha256": "sha256", "pbkdf2_sha512": "sha512"}[algorithm]
            return _scan_pbkdf2(prf, password.encode("utf-8"), parsed.salt_bytes(), target)
        if algorithm == "symphony2":
            return _scan_symphony(password, parsed.salt_bytes(), target)
        encoding = "utf-16-le" if algorithm == "sha1_hashbytes" else "utf-8"
        data = render_template(password, parsed, encoding)
    except HashSettingsError:
        return None
    new = getattr(hashlib, "sha1" if algorithm == "sha1_hashbytes" else algorithm.replace("Hexa", ""))
    step = (lambda d: new(d.hex().encode()).digest()) if algorithm == "sha512Hexa" else (lambda d: new(d).digest())
    return _scan_chain(new(data).digest(), step, target)


def _scan_chain(digest: bytes, step: Callable[[bytes], bytes], target: bytes) -> int | None:
    for rounds in range(1, _SCAN_ROUNDS + 1):
        if digest == target:
            return rounds
        digest = step(digest)
    return None


def _scan_symphony(password: str, salt: bytes, target: bytes) -> int | None:
    salted = password.encode("utf-8") + (b"{" + salt + b"}" if salt not in (b"", b"0") else b"")
    digest = hashlib.sha512(salted).digest()
    return _scan_chain(digest, lambda d: hashlib.sha512(d + salted).digest(), target)


def _scan_pbkdf2(prf: str, secret: bytes, salt: bytes, target: bytes) -> int | None:
    """PBKDF2's first block is U1 ^ U2 ^ ... ^ Uc: one HMAC per step gives every iteration count."""
    mac = hmac.new(secret, None, prf)
    size = mac.digest_size
    want = target[:size]
    shift = 8 * (size - len(want))
    goal = int.from_bytes(want, "big")

    def prf_(data: bytes) -> bytes:
        m = mac.copy()
        m.update(data)
        return m.digest()

    u = prf_(salt + b"\x00\x00\x00\x01")
    block = int.from_bytes(u, "big")
    for rounds in range(1, _SCAN_ROUNDS + 1):
        if block >> shift == goal:
            return rounds
        u = prf_(u)
        block ^= int.from_bytes(u, "big")
    return None


# --- algorithm family ----------------------------------------------------------------------------

def _algorithm(stored: str, settings: dict) -> Iterator[_Try]:
    current, raw = settings.get("algorithm"), _decoded(stored)
    if not current or raw is None:
        return
    family = next((f for f in _FAMILIES if current in f), ())
    same_size = [name for name, size in _DIGEST_SIZE.items() if size == len(raw)]
    pbkdf2 = list(_FAMILIES[-1]) if 16 <= len(raw) <= 64 else []
    for other in dict.fromkeys([*family, *same_size, *pbkdf2]):
        if other != current:
            yield _Try("wrong_algorithm",
                       f"the hash is {other}, not {current}: set hashSettings.algorithm to \"{other}\".",
                       stored, _with(settings, algorithm=other))
