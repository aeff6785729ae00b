"""``sap_abap``: SAP CODVN H password hashes, ``{x-issha, <iterations>}base64(hash20 ‖ salt)``.

Current SAP docs list this algorithm next to the brief's fourteen ("only the hashedPassword is
required"), so the whole ``{x-issha, n}...`` string goes in ``hashedPassword`` (*documented* shape).
iSSHA-1 (*inferred*, reproduces hashcat mode 10300's example): ``h = sha1(pw ‖ salt)``, then
``iterations - 1`` times ``h = sha1(pw ‖ h)``. Password bytes are UTF-8; SAP's own case and
normalisation rules for ABAP passwords are not researched (**uncertain**).
"""

import base64
import hashlib
import hmac
import os
import re

from gigya_migrate.hashing._encoding import decode_hash_b64, preview
from gigya_migrate.hashing.errors import HashSettingsError
from gigya_migrate.hashing.handler import Handler
from gigya_migrate.hashing.settings import Settings

__all__ = ["SapAbap"]

_PATTERN = re.compile(r"\{x-issha, ?(\d{1,7})\}(.+)", re.IGNORECASE)
MAX_ITERATIONS = 1_000_000


class SapAbap(Handler):
    """SAP ``{x-issha, n}`` (iterated salted SHA-1); settings other than the algorithm are refused."""

    name = "sap_abap"

    def _parse(self, hashed: str, s: Settings) -> tuple[int, bytes, bytes]:
        if s.extra_keys():
            raise HashSettingsError(
                f"sap_abap takes only the algorithm: the {{x-issha, n}} string carries salt and iterations; "
                f"drop hashSettings {', '.join(s.extra_keys())}."
            )
        match = _PATTERN.fullmatch(hashed) if isinstance(hashed, str) else None
        if match is None:
            raise HashSettingsError(
                f"hashedPassword {preview(hashed)} is not a SAP CODVN H value (algorithm sap_abap); expected "
                "{x-issha, 1024}<base64>: the whole string as the legacy SAP system stores it."
            )
        iterations = int(match.group(1))
        if not 1 <= iterations <= MAX_ITERATIONS:
            raise HashSettingsError(f"sap_abap iterations {iterations} out of range 1..{MAX_ITERATIONS}.")
        raw = decode_hash_b64(match.group(2), field="the {x-issha} value")
        if len(raw) < 20:
            raise HashSettingsError(f"the {{x-issha}} value decodes to {len(raw)} bytes; it needs 20 hash bytes plus the salt.")
        return iterations, raw[:20], raw[20:]

    def validate(self, hashed: str, s: Settings) -> None:
        self._parse(hashed, s)

    def verify(self, password: str, hashed: str, s: Settings) -> bool:
        iterations, digest, salt = self._parse(hashed, s)
        return hmac.compare_digest(_issha(password.encode("utf-8"), salt, iterations), digest)

    def hash(self, password: str, s: Settings) -> str:
        if s.extra_keys() and s.extra_keys() != ["rounds"]:
            raise HashSettingsError("sap_abap takes only rounds (the iteration count) besides the algorithm.")
        iterations = 1024 if s.rounds is None else s.rounds
        if not 1 <= iterations <= MAX_ITERATIONS:
            raise HashSettingsError(f"sap_abap iterations {iterations} out of range 1..{MAX_ITERATIONS}.")
        salt = os.urandom(12)
        value = base64.b64encode(_issha(password.encode("utf-8"), salt, iterations) + salt).decode("ascii")
        return f"{{x-issha, {iterations}}}{value}"


def _issha(secret: bytes, salt: bytes, iterations: int) -> bytes:
    digest = hashlib.sha1(secret + salt).digest()
    sha1 = hashlib.sha1
    for _ in range(iterations - 1):
        digest = sha1(secret + digest).digest()
    return digest
