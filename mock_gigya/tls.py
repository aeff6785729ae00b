"""HTTPS for clients that reach the mock through an HTTP proxy setting (``CONNECT host:443``).

An unmodified SDK calls ``https://accounts.us1.gigya.com/...``. Configured with the mock as its
HTTPS proxy, it sends ``CONNECT accounts.us1.gigya.com:443``; the server answers 200 and then speaks
TLS itself with a certificate for that host, signed by :class:`MockCA`, a throwaway certificate
authority made at start-up. The client must trust ``ca_path`` for this run only
(``REQUESTS_CA_BUNDLE``, ``verify=``, ``NODE_EXTRA_CA_CERTS``, a Java trust store ...); never
install it system-wide. Only Gigya hosts are intercepted: the mock tunnels nowhere else.

Keys are EC P-256 (fast to make); certificates live 7 days.
"""

from __future__ import annotations

import datetime
import ssl
import tempfile
import threading
from pathlib import Path

__all__ = ["MockCA"]

_VALIDITY = datetime.timedelta(days=7)


class MockCA:
    """A certificate authority for one mock run; :meth:`context_for` gives a server TLS context per host."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="mock-gigya-ca-") if directory is None else None
        self.directory = Path(directory or self._tmp.name)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._key, self._cert = _make_ca()
        self.ca_path = self.directory / "mock-gigya-ca.pem"
        self.ca_path.write_bytes(_pem(self._cert))
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()

    def context_for(self, host: str) -> ssl.SSLContext:
        """A server-side TLS context presenting a certificate for ``host`` (made once per host)."""
        host = host.lower()
        with self._lock:
            if host not in self._contexts:
                self._contexts[host] = self._make_context(host)
            return self._contexts[host]

    def _make_context(self, host: str) -> ssl.SSLContext:
        from cryptography.hazmat.primitives import serialization

        key, cert = _make_leaf(host, self._key, self._cert)
        chain = self.directory / f"{host}.pem"
        key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        chain.touch(mode=0o600)
        chain.write_bytes(_pem(cert) + key_pem)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(chain)
        return context

    def close(self) -> None:
        """Delete the CA files if this object made their directory."""
        if self._tmp is not None:
            self._tmp.cleanup()


def _pem(cert) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return cert.public_bytes(serialization.Encoding.PEM)


def _make_ca():
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mock-gigya test CA (trust for one run only)")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + _VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _make_leaf(host: str, ca_key, ca_cert):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(ca_cert.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + _VALIDITY)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert
