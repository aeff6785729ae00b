"""The small interface every Gigya hash algorithm implements (identify / validate / verify / hash)."""

import hmac
from typing import ClassVar

from gigya_migrate.hashing._encoding import b64encode, decode_hash_b64, looks_hex, preview
from gigya_migrate.hashing.errors import HashSettingsError
from gigya_migrate.hashing.settings import Settings

__all__ = ["Handler", "RawHandler"]


class Handler:
    """One ``hashSettings.algorithm``. Subclasses declare their settings as class attributes."""

    name: ClassVar[str]
    summary: ClassVar[str] = ""

    def identify(self, hashed: str) -> bool:
        """True if ``hashed`` is a self-describing string (crypt/MCF) this algorithm owns."""
        return False

    def validate(self, hashed: str, s: Settings) -> None:
        """Raise :class:`HashSettingsError` unless ``hashed`` + settings could be imported and verified."""
        raise NotImplementedError

    def verify(self, password: str, hashed: str, s: Settings) -> bool:
        """True if ``password`` produces ``hashed``; malformed input raises, a wrong password is False."""
        raise NotImplementedError

    def hash(self, password: str, s: Settings) -> str:
        """The value Gigya would store as ``hashedPassword`` (or a compound string) for ``password``."""
        raise NotImplementedError


class RawHandler(Handler):
    """An algorithm whose ``hashedPassword`` is the base64 of a raw digest computed from settings.

    ``sizes`` lists the digest lengths (bytes) it can produce; ``default_size`` is what ``hash`` makes.
    ``salt_mode``: "template" (clear-text salt inside ``format``), "base64" (salt bytes), or "none".
    """

    sizes: ClassVar[tuple[int, ...]]
    default_size: ClassVar[int]
    salt_mode: ClassVar[str] = "template"
    min_rounds: ClassVar[int] = 1
    max_rounds: ClassVar[int] = 100_000
    default_rounds: ClassVar[int] = 1

    def compute(self, password: str, s: Settings, size: int) -> bytes:
        """The raw digest of ``size`` bytes; settings are already checked."""
        raise NotImplementedError

    def rounds(self, s: Settings) -> int:
        """The effective number of rounds."""
        return self.default_rounds if s.rounds is None else s.rounds

    def check_settings(self, s: Settings) -> None:
        """Refuse settings this algorithm cannot use."""
        rounds = self.rounds(s)
        if not self.min_rounds <= rounds <= self.max_rounds:
            allowed = (f"{self.name} takes rounds {self.min_rounds} only" if self.min_rounds == self.max_rounds
                       else f"give {self.min_rounds}..{self.max_rounds} (the legacy system's iteration count)")
            raise HashSettingsError(f"hashSettings.rounds {rounds} is out of range for {self.name}: {allowed}.")
        if self.salt_mode != "template" and s.template is not None:
            raise HashSettingsError(
                f"{self.name} takes no format/binaryFormat template (only md5, sha1, sha1_hashbytes, sha256, "
                f"sha512 and sha512Hexa do); give the salt as base64 in hashSettings.salt instead."
            )
        if self.salt_mode == "template" and s.salt and s.template is None:
            raise HashSettingsError(
                f"hashSettings.salt is given for {self.name} but there is no format: Gigya does not say "
                "where a template-less salt goes. Add format \"$salt$password\" or \"$password$salt\" "
                "(whichever the legacy system hashed) and give the salt as clear text."
            )
        if self.salt_mode == "base64":
            s.salt_bytes()

    def decode(self, hashed: str) -> bytes:
        """Decode ``hashedPassword`` and check its length against what this algorithm produces."""
        raw = decode_hash_b64(hashed)
        if len(raw) in self.sizes:
            return raw
        expected = str(self.sizes[0]) if len(self.sizes) == 1 else f"{self.sizes[0]}..{self.sizes[-1]}"
        raise HashSettingsError(
            f"hashedPassword {preview(hashed)} decodes to {len(raw)} bytes but {self.name} produces "
            f"{expected}.{_encoding_hint(hashed, raw, self.sizes)}"
        )

    def validate(self, hashed: str, s: Settings) -> None:
        self.check_settings(s)
        self.decode(hashed)

    def verify(self, password: str, hashed: str, s: Settings) -> bool:
        self.check_settings(s)
        expected = self.decode(hashed)
        return hmac.compare_digest(self.compute(password, s, len(expected)), expected)

    def hash(self, password: str, s: Settings) -> str:
        self.check_settings(s)
        return b64encode(self.compute(password, s, self.default_size))


def _encoding_hint(text: str, raw: bytes, sizes: tuple[int, ...]) -> str:
    if looks_hex(text) and len(text) // 2 in sizes:
        return (" It looks like a hex digest: Gigya wants base64 of the raw bytes; convert it with "
                "base64.b64encode(bytes.fromhex(value)), do not base64 the hex text.")
    try:
        inner = raw.decode("ascii")
    except UnicodeDecodeError:
        inner = ""
    if inner and looks_hex(inner) and len(inner) // 2 in sizes:
        return (" It is the base64 of a hex string (double encoding): decode it to the hex text and "
                "convert that instead: base64.b64encode(bytes.fromhex(hex_text)).")
    if raw and len(raw) < min(sizes):
        return " It is shorter than any digest of this algorithm: was the column truncated on export?"
    return " Check the algorithm: another digest size means another hash function."
