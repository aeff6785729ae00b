"""Where files live: a local folder, an SFTP server or an S3 bucket, behind one small interface.

The dataflow components ``datasource.read/write.file`` (``local.py``), ``datasource.read/write.sftp``
(``sftp.py``) and ``datasource.read/write.amazon.s3`` (``s3.py``) and the commands ``import``,
``export`` and ``deletions --out`` share these transports, so
``gigya-migrate import sftp://...`` and an IdentitySync SFTP step move files the same way.

Locations are URLs::

    /data/users.csv                      a local file (also file:///data/users.csv)
    sftp://migrator@sftp.example.com:22/inbox/users.csv
    s3://my-bucket/exports/users.csv

Credentials never sit in the URL (a password there would end up in shell history and process
lists): SFTP reads ``GIGYA_SFTP_PASSWORD`` or ``GIGYA_SFTP_KEY`` (a private-key file), and
checks the server's host key against ``GIGYA_SFTP_KNOWN_HOSTS`` (default ``~/.ssh/known_hosts``);
S3 uses boto3's own chain (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, profiles, instance
roles) and ``AWS_ENDPOINT_URL`` for an S3-compatible server.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Protocol
from urllib.parse import unquote, urlsplit

__all__ = [
    "RemoteFile",
    "Transport",
    "TransportError",
    "fetched",
    "is_remote",
    "open_location",
    "published",
    "remote_exists",
]

SCHEMES = ("sftp", "s3")


class TransportError(OSError):
    """A file could not be listed, fetched or stored (refused login, missing bucket, no such file)."""


@dataclass(frozen=True)
class RemoteFile:
    """One file in a listing: its path in the transport, size in bytes and modification time."""

    path: str
    size: int
    mtime: float

    @property
    def name(self) -> str:
        """The file name without its folder."""
        return self.path.rstrip("/").rsplit("/", 1)[-1]


class Transport(Protocol):
    """What every transport does; paths are the transport's own (a remote path, an object key)."""

    def list(self, folder: str) -> list[RemoteFile]:
        """The files directly in ``folder`` (an S3 key prefix for S3)."""

    def download(self, path: str, local: Path) -> None:
        """Copy ``path`` to the local file ``local``."""

    def upload(self, local: Path, path: str) -> None:
        """Store the local file ``local`` at ``path``, whole or not at all."""

    def exists(self, path: str) -> bool:
        """Whether ``path`` exists."""

    def close(self) -> None:
        """Release the connection."""


def is_remote(location: str | os.PathLike) -> bool:
    """True for ``sftp://`` and ``s3://`` locations."""
    return isinstance(location, str) and location.split("://", 1)[0].lower() in SCHEMES and "://" in location


@dataclass(frozen=True)
class _Url:
    scheme: str
    host: str
    port: int | None
    user: str | None
    path: str


def _parse(location: str) -> _Url:
    parts = urlsplit(location)
    if parts.password:
        raise TransportError(f"{parts.scheme}://...: do not put a password in the URL; "
                             "set GIGYA_SFTP_PASSWORD (or GIGYA_SFTP_KEY) instead")
    if not parts.hostname:
        raise TransportError(f"{location!r}: no host (sftp://user@host/path) or bucket (s3://bucket/key)")
    return _Url(parts.scheme.lower(), parts.hostname, parts.port, unquote(parts.username or "") or None,
                unquote(parts.path))


def open_location(location: str) -> tuple[Transport, str]:
    """The transport for a ``sftp://`` or ``s3://`` URL and the path inside it."""
    url = _parse(location)
    if url.scheme == "sftp":
        from gigya_migrate.transports.sftp import SftpTransport

        transport = SftpTransport(url.host, port=url.port or 22, username=url.user or os.environ.get("USER", ""),
                                  password=os.environ.get("GIGYA_SFTP_PASSWORD"),
                                  private_key=_read_key(os.environ.get("GIGYA_SFTP_KEY")))
        return transport, url.path
    if url.scheme == "s3":
        from gigya_migrate.transports.s3 import S3Transport

        return S3Transport(url.host), url.path.lstrip("/")
    raise TransportError(f"unknown location scheme {url.scheme!r}: use a local path, sftp:// or s3://")


def _read_key(path: str | None) -> str | None:
    return Path(path).expanduser().read_text(encoding="utf-8") if path else None


def remote_exists(location: str) -> bool:
    """Whether the file at a remote ``location`` exists."""
    transport, path = open_location(location)
    try:
        return transport.exists(path)
    finally:
        transport.close()


@contextlib.contextmanager
def fetched(location: str | os.PathLike) -> Iterator[str]:
    """A local path holding the file at ``location``: the path itself when it is local, else a
    download into a temporary folder under the same file name (so the name still tells the
    format, and default outputs named after the input stay the same); removed afterwards."""
    if not is_remote(location):
        yield location
        return
    transport, path = open_location(str(location))
    folder = Path(tempfile.mkdtemp(prefix="gigya-migrate-fetch-"))
    try:
        local = folder / (Path(path).name or "download")
        transport.download(path, local)
        yield str(local)
    finally:
        transport.close()
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def published(location: str | os.PathLike) -> Iterator[Path]:
    """A local path to write ``location`` to: the path itself when local, else a temporary file of
    the same name that is uploaded when the block ends without an error (nothing is uploaded
    from a failed run)."""
    if not is_remote(location):
        yield Path(location)
        return
    folder = Path(tempfile.mkdtemp(prefix="gigya-migrate-publish-"))
    try:
        local = folder / (Path(_parse(str(location)).path).name or "upload")
        yield local
        if local.exists():
            upload(local, str(location))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def upload(local: Path, location: str) -> None:
    """Store the local file at a remote ``location``."""
    transport, path = open_location(location)
    try:
        transport.upload(local, path)
    finally:
        transport.close()


def download(location: str, local: Path) -> None:
    """Copy the file at a remote ``location`` to ``local``."""
    transport, path = open_location(location)
    try:
        transport.download(path, local)
    finally:
        transport.close()
