"""Gigya's ``hashSettings`` object, parsed once: algorithm, salt, rounds and the format templates.

Key names and meanings follow SAP's accounts.importFullAccount reference (hash-algorithms.md §2-3).
Decisions where Gigya says nothing (all *inferred*):
- unknown keys are refused (a typo such as ``Rounds`` would otherwise import a hash that never
  verifies); algorithm names are case-sensitive, with a suggestion for a near miss;
- ``format`` substitutes ``$password`` and ``$salt`` in a single pass (doc §3.3);
- ``binaryFormat`` reads ``utf16``/``utf32`` as little-endian without BOM (.NET ``Encoding.Unicode``);
  ``$0x<hex>`` is literal bytes written in hex (documented: SAP's "Example for HashBinaryFormat"
  ``$0x4769677961$salt:base64$0x5F$password:utf16$0x4769677961`` is "Gigya" + salt + "_" + ...).
  The hex run is greedy, so text right after a ``$0x`` token cannot start with a hex digit (use
  another ``$0x`` token for it); an odd number of hex digits is refused. Other text between tokens
  is taken as UTF-8 (*inferred*: the reference shows none). ``$password:hex`` / ``$password:base64``
  decode the cleartext as the salt tokens decode the salt (*inferred*); a cleartext that is not such
  text cannot be the stored password, so it does not verify.
"""

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from gigya_migrate.hashing._encoding import decode_salt_b64
from gigya_migrate.hashing.errors import HashSettingsError

__all__ = ["PasswordNotEncoded", "Settings", "parse_settings", "render_template", "binary_literals", "KNOWN_KEYS"]

KNOWN_KEYS = ("algorithm", "salt", "rounds", "format", "binaryFormat", "URL")
MAX_SALT_BYTES = 128  # "The max number of salt bits is 1024" (SAP importFullAccount reference)

_FORMAT_TOKEN = re.compile(r"\$(password|salt)")
_BINARY_TOKEN = re.compile(r"\$(?:0x(?P<hex>[0-9A-Fa-f]*)|(?P<name>password|salt)(?::(?P<enc>utf8|utf16|utf32|hex|base64))?)")
_TEXT_CODECS = {None: "utf-8", "utf8": "utf-8", "utf16": "utf-16-le", "utf32": "utf-32-le"}


@dataclass(frozen=True)
class Settings:
    """A parsed ``hashSettings``; ``rounds`` is None when not given (each algorithm has its default)."""

    algorithm: str | None = None
    salt: str | None = None
    rounds: int | None = None
    format: str | None = None
    binary_format: str | None = None
    url: str | None = None

    @property
    def template(self) -> str | None:
        """Whichever template is set (``format`` or ``binaryFormat``)."""
        return self.format if self.format is not None else self.binary_format

    def salt_bytes(self) -> bytes:
        """The salt as bytes for algorithms that take a base64 salt (empty when there is none)."""
        if not self.salt:
            return b""
        raw = decode_salt_b64(self.salt)
        _check_salt_size(len(raw))
        return raw

    def extra_keys(self) -> list[str]:
        """Names of the settings given besides ``algorithm`` (for algorithms that take none)."""
        pairs = [("salt", self.salt), ("rounds", self.rounds), ("format", self.format),
                 ("binaryFormat", self.binary_format), ("URL", self.url)]
        return [name for name, value in pairs if value is not None]


def _check_salt_size(size: int) -> None:
    if size > MAX_SALT_BYTES:
        raise HashSettingsError(
            f"hashSettings.salt is {size} bytes; Gigya accepts at most {MAX_SALT_BYTES} (1024 bits)."
        )


def _suggest(word: str, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    close = close or [c for c in choices if c.lower() == word.lower()]
    return f" Did you mean {close[0]!r}?" if close else ""


def _parse_rounds(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise HashSettingsError(
            f"hashSettings.rounds must be an integer (or a numeric string such as \"10000\"), not {type(value).__name__}."
        )
    if isinstance(value, str):
        if not value.strip().isdigit():
            raise HashSettingsError(f"hashSettings.rounds {value[:20]!r} is not a whole number; give e.g. 10000.")
        return int(value.strip())
    return value


def _parse_text(data: Mapping, key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise HashSettingsError(f"hashSettings.{key} must be a string, not {type(value).__name__}.")
    return value


def parse_settings(data: Mapping | None) -> Settings:
    """Validate the shape of a ``hashSettings`` mapping (keys and types) and return :class:`Settings`."""
    if data is None:
        return Settings()
    if not isinstance(data, Mapping):
        raise HashSettingsError(f"hashSettings must be an object (a mapping), not {type(data).__name__}.")
    for key in data:
        if key not in KNOWN_KEYS:
            raise HashSettingsError(
                f"hashSettings has an unknown key {key!r}.{_suggest(str(key), KNOWN_KEYS)} "
                f"Known keys: {', '.join(KNOWN_KEYS)} (case-sensitive)."
            )
    rounds = data.get("rounds")
    settings = Settings(
        algorithm=_parse_text(data, "algorithm"),
        salt=_parse_text(data, "salt"),
        rounds=None if rounds is None else _parse_rounds(rounds),
        format=_parse_text(data, "format"),
        binary_format=_parse_text(data, "binaryFormat"),
        url=_parse_text(data, "URL"),
    )
    _check_templates(settings)
    if settings.url is not None and settings.algorithm != "custom":
        raise HashSettingsError(
            "hashSettings.URL is only used with algorithm \"custom\" (a remote hash service), which this toolkit "
            "does not verify; drop URL for the other algorithms."
        )
    return settings


def _check_templates(s: Settings) -> None:
    if s.format is not None and s.binary_format is not None:
        raise HashSettingsError("hashSettings has both format and binaryFormat; give only one of them.")
    template = s.template
    if template is None:
        return
    name = "format" if s.format is not None else "binaryFormat"
    if "$password" not in template:
        raise HashSettingsError(
            f"hashSettings.{name} {template[:40]!r} does not contain $password; the template must place "
            "the password, e.g. \"$salt$password\" or \"$password$salt\"."
        )
    if s.salt and "$salt" not in template:
        raise HashSettingsError(
            f"hashSettings.salt is given but {name} {template[:40]!r} has no $salt, so the salt would be "
            "ignored; add $salt where the legacy system put it, or drop the salt if it is already "
            "written literally in the template."
        )
    if s.binary_format is not None:
        for match in _BINARY_TOKEN.finditer(template):
            _check_binary_token(match)


def _check_binary_token(match: re.Match) -> None:
    digits = match.group("hex")
    if digits is not None and (not digits or len(digits) % 2):
        raise HashSettingsError(
            f"binaryFormat token {match.group(0)!r}: $0x must be followed by an even number of hex digits "
            "(whole bytes), e.g. $0x4769677961 for the bytes of \"Gigya\"; text right after it must not "
            "start with a hex digit (write it as another $0x token)."
        )


def render_template(password: str, s: Settings, text_encoding: str = "utf-8") -> bytes:
    """The bytes to hash: ``format`` merged as text, ``binaryFormat`` assembled as bytes, or the password."""
    if s.binary_format is not None:
        return _render_binary(password, s)
    if s.format is None:
        return password.encode(text_encoding)
    values = {"password": password, "salt": s.salt or ""}
    if s.salt:
        _check_salt_size(len(s.salt.encode("utf-8")))
    return _FORMAT_TOKEN.sub(lambda m: values[m.group(1)], s.format).encode(text_encoding)


def _render_binary(password: str, s: Settings) -> bytes:
    parts: list[bytes] = []
    position = 0
    for match in _BINARY_TOKEN.finditer(s.binary_format):
        parts.append(s.binary_format[position : match.start()].encode("utf-8"))
        if match.group("hex") is not None:
            parts.append(bytes.fromhex(match.group("hex")))  # checked by _check_binary_token
        else:
            parts.append(_encode_token(password, s.salt or "", match.group("name"), match.group("enc")))
        position = match.end()
    parts.append(s.binary_format[position:].encode("utf-8"))
    return b"".join(parts)


class PasswordNotEncoded(HashSettingsError):
    """The cleartext is not text in the encoding a ``$password:hex`` / ``$password:base64`` token names,
    so it cannot be the stored password (verification answers False; the message never holds it)."""


def _encode_token(password: str, salt: str, name: str, encoding: str | None) -> bytes:
    """The bytes of one ``$password``/``$salt`` token. ``hex``/``base64`` mean the value is written in
    that encoding and is decoded (documented for the salt; read the same way for the password, I:
    Gigya's own validator only ever writes utf8/utf16/utf32 after ``$password``)."""
    text = password if name == "password" else salt
    if name == "password" and encoding in ("hex", "base64"):
        try:
            return bytes.fromhex(text) if encoding == "hex" else decode_salt_b64(text)
        except (ValueError, HashSettingsError):
            raise PasswordNotEncoded(f"the password is not {encoding} text") from None
    if encoding == "hex":
        try:
            return bytes.fromhex(text)
        except ValueError:
            raise HashSettingsError(f"binaryFormat says $salt:hex but the salt {text[:12]!r}… is not hex.") from None
    if encoding == "base64":
        return decode_salt_b64(text)
    return text.encode(_TEXT_CODECS[encoding])


def binary_literals(binary_format: str) -> list[str]:
    """The ``$0x<hex>`` tokens of a binaryFormat template, in order (for diagnosis)."""
    return [m.group(0) for m in _BINARY_TOKEN.finditer(binary_format) if m.group("hex")]
