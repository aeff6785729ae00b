"""Independent reference computations for the hash vectors marked "hashlib:" (importable: the
folder's conftest.py puts this folder on sys.path).

Written with hashlib only, straight from the definitions in /work/shared/docs/hash-algorithms.md and
the upstream code they cite (Symfony MessageDigestPasswordEncoder, SAP CODVN H as in hashcat 10300,
vBulletin md5(md5($pass).$salt)). Nothing here imports gigya_migrate: these are the oracle the
vectors are checked against, so a vector "computed once with hashlib" is recomputed on every run.
"""

from __future__ import annotations

import base64
import hashlib

__all__ = ["b64", "chain", "hex_chain_sha512", "md5_double_salted", "sap_codvn_h", "symfony_sha512"]


def b64(raw: bytes) -> str:
    """Standard padded base64 text, as Gigya stores a raw digest."""
    return base64.b64encode(raw).decode("ascii")


def chain(algorithm: str, data: bytes, times: int) -> bytes:
    """``algorithm`` applied ``times`` times in all, each pass over the previous raw digest."""
    digest = hashlib.new(algorithm, data).digest()
    for _ in range(times - 1):
        digest = hashlib.new(algorithm, digest).digest()
    return digest


def hex_chain_sha512(data: bytes, times: int) -> bytes:
    """sha512(data), then ``times - 1`` passes of sha512 over the lowercase hex of the previous digest."""
    digest = hashlib.sha512(data)
    for _ in range(times - 1):
        digest = hashlib.sha512(digest.hexdigest().encode("ascii"))
    return digest.digest()


def md5_double_salted(password: bytes, salt: bytes) -> bytes:
    """vBulletin (hashcat 2611): md5(md5_hex(password) + salt)."""
    return hashlib.md5(hashlib.md5(password).hexdigest().encode("ascii") + salt).digest()


def symfony_sha512(password: bytes, salt: bytes, iterations: int) -> bytes:
    """Symfony 2 MessageDigestPasswordEncoder('sha512'): salted = password{salt} (the bare password when
    PHP's empty($salt), which is also true for "0"); d = H(salted); then d = H(d . salted)."""
    salted = password if salt in (b"", b"0") else password + b"{" + salt + b"}"
    digest = hashlib.sha512(salted).digest()
    for _ in range(1, iterations):
        digest = hashlib.sha512(digest + salted).digest()
    return digest


def sap_codvn_h(password: bytes, salt: bytes, iterations: int, scheme: str = "x-issha") -> str:
    """SAP CODVN H (hashcat 10300 layout): h = sha1(pw + salt), then h = sha1(pw + h) ``iterations - 1``
    times; stored as ``{scheme, n}`` + base64(h + salt)."""
    digest = hashlib.sha1(password + salt).digest()
    for _ in range(iterations - 1):
        digest = hashlib.sha1(password + digest).digest()
    return f"{{{scheme}, {iterations}}}" + b64(digest + salt)
