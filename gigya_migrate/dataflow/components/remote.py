"""SFTP and Amazon S3 readers and writers, on the shared transports (``gigya_migrate.transports``).

Parameter names are IdentitySync's (docs/gigya-api.md section 9: TK and IDXPHP samples). Ours:
``privateKey`` (SFTP key login) and ``region``/``fileNameRegex`` for S3. ``timeout`` is in
milliseconds, as IdentitySync's own trace reports it ("Timeout(ms) = 60000", seed 002).
The SFTP client always checks the server's host key (``GIGYA_SFTP_KNOWN_HOSTS`` or
``~/.ssh/known_hosts``); an S3-compatible server is reached through ``AWS_ENDPOINT_URL``.
"""

from __future__ import annotations

from typing import Iterator

from gigya_migrate.dataflow.components.base import FILES, NOTHING, Component, DataFile, Output, Param, register
from gigya_migrate.dataflow.components.files import FILE_LISTING, _regex, listed_files

__all__ = ["ReadS3", "ReadSftp", "WriteS3", "WriteSftp"]

_SFTP = (
    Param("host", required=True, doc="server name or address"),
    Param("username", required=True, doc="login (a variable: <$sftpUsername$>)"),
    Param("password", doc="password (a variable)"),
    Param("port", "integer", default=22, doc="port"),
    Param("remotePath", default=".", doc="folder on the server"),
    Param("timeout", "integer", default=60000, doc="connection timeout in milliseconds"),
    Param("privateKey", doc="private key text instead of a password", documented=False),
)

_S3 = (
    Param("bucketName", required=True, doc="bucket"),
    Param("accessKey", doc="access key id (default: the AWS credential chain)"),
    Param("secretKey", doc="secret access key"),
    Param("objectKeyPrefix", default="", doc="key prefix (a folder such as exports/)"),
    Param("region", doc="bucket region (default AWS_DEFAULT_REGION or us-east-1)", documented=False),
)


def _sftp(component: Component, **extra):
    from gigya_migrate.transports.sftp import SftpTransport

    p = component.p
    return SftpTransport(p["host"], port=p["port"], username=p["username"], password=p["password"],
                         private_key=p["privateKey"], timeout=p["timeout"] / 1000, **extra)


def _s3(component: Component):
    from gigya_migrate.transports.s3 import S3Transport

    p = component.p
    return S3Transport(p["bucketName"], access_key=p["accessKey"], secret_key=p["secretKey"], region=p["region"])


class _Reader(Component):
    role = "reader"
    takes, gives = NOTHING, FILES
    check = classmethod(lambda cls, params: _regex(params))

    def read(self) -> Iterator[list]:
        transport = self.connect()
        try:
            entries = listed_files(transport.list(self.folder()), self.p["fileNameRegex"], self.p["sortBy"],
                                   self.p["sortOrder"])
            self.job.log("info", self.step_id, f"{len(entries)} file(s) to read")
            for entry in entries:
                local = self.job.scratch(entry.name)
                transport.download(entry.path, local)
                self.job.log("info", self.step_id, f"downloaded {entry.name} ({entry.size} bytes)")
                yield [DataFile(entry.name, local)]
        finally:
            transport.close()


class _Writer(Component):
    role = "writer"
    takes, gives = FILES, NOTHING

    def process(self, items: list) -> Output:
        transport = self.connect()
        try:
            for file in items:
                path = self.target(file.name)
                transport.upload(file.path, path)
                self.job.log("info", self.step_id, f"uploaded {file.name} to {path}")
        finally:
            transport.close()
        return Output()


@register
class ReadSftp(_Reader):
    """Download the files of an SFTP folder."""

    type = "datasource.read.sftp"
    summary = "Read files from an SFTP folder (fileNameRegex, sortBy time|name, sortOrder)."
    params = (*_SFTP, *FILE_LISTING)

    def connect(self):
        return _sftp(self)

    def folder(self) -> str:
        return self.p["remotePath"]


@register
class WriteSftp(_Writer):
    """Upload each file to an SFTP folder."""

    type = "datasource.write.sftp"
    summary = "Upload each file to an SFTP folder (temporaryUploadExtension: upload as .tmp, then rename)."
    params = (*_SFTP, Param("temporaryUploadExtension", "boolean", default=False,
                            doc="upload as <name>.tmp and rename when complete"))

    def connect(self):
        return _sftp(self, temporary_extension=".tmp" if self.p["temporaryUploadExtension"] else "")

    def target(self, name: str) -> str:
        return f"{self.p['remotePath'].rstrip('/')}/{name}"


@register
class ReadS3(_Reader):
    """Download the objects under a key prefix."""

    type = "datasource.read.amazon.s3"
    summary = "Read the objects under objectKeyPrefix from an S3 bucket."
    params = (*_S3, *[Param(p.name, p.kind, p.required, p.default, p.doc, p.choices, False) for p in FILE_LISTING])

    def connect(self):
        return _s3(self)

    def folder(self) -> str:
        return self.p["objectKeyPrefix"]


@register
class WriteS3(_Writer):
    """Upload each file as an object under a key prefix."""

    type = "datasource.write.amazon.s3"
    summary = "Upload each file to an S3 bucket as objectKeyPrefix + file name."
    params = _S3

    def connect(self):
        return _s3(self)

    def target(self, name: str) -> str:
        return f"{self.p['objectKeyPrefix']}{name}"
