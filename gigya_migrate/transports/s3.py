"""Amazon S3 (or any S3-compatible server) through boto3, behind the ``Transport`` interface.

Credentials: explicit ``access_key``/``secret_key`` (IdentitySync's ``accessKey``/``secretKey``)
or boto3's chain. ``endpoint_url`` (default ``AWS_ENDPOINT_URL``, which boto3 also reads) points
at an S3-compatible server; the region defaults to ``AWS_DEFAULT_REGION`` or us-east-1. An
upload is one PutObject: S3 stores the object whole or not at all.
"""

from __future__ import annotations

import os
from pathlib import Path

from gigya_migrate.transports import RemoteFile, TransportError

__all__ = ["S3Transport"]


class S3Transport:
    """Objects in one bucket; paths are object keys."""

    def __init__(self, bucket: str, *, access_key: str | None = None, secret_key: str | None = None,
                 region: str | None = None, endpoint_url: str | None = None) -> None:
        import boto3

        self.bucket = bucket
        self._client = boto3.client(
            "s3", aws_access_key_id=access_key, aws_secret_access_key=secret_key,
            region_name=region or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
            endpoint_url=endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None)

    def _call(self, what: str, function, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return function(Bucket=self.bucket, **kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise TransportError(f"s3://{self.bucket}: cannot {what}: {exc}") from None

    def list(self, folder: str) -> list[RemoteFile]:
        """Objects whose key starts with ``folder`` (a prefix), every page."""
        found: list[RemoteFile] = []
        token = None
        while True:
            extra = {"ContinuationToken": token} if token else {}
            page = self._call(f"list {folder!r}", self._client.list_objects_v2, Prefix=folder or "", **extra)
            found += [RemoteFile(o["Key"], o["Size"], o["LastModified"].timestamp())
                      for o in page.get("Contents", []) if not o["Key"].endswith("/")]
            token = page.get("NextContinuationToken")
            if not token:
                return found

    def download(self, path: str, local: Path) -> None:
        """Copy the object ``path`` to ``local``."""
        body = self._call(f"download {path}", self._client.get_object, Key=path)["Body"]
        with open(local, "wb") as handle:
            for chunk in iter(lambda: body.read(1 << 20), b""):
                handle.write(chunk)

    def upload(self, local: Path, path: str) -> None:
        """Store ``local`` as the object ``path``."""
        with open(local, "rb") as handle:
            self._call(f"upload {path}", self._client.put_object, Key=path, Body=handle)

    def exists(self, path: str) -> bool:
        """Whether the object ``path`` exists."""
        from botocore.exceptions import ClientError

        try:
            self._client.head_object(Bucket=self.bucket, Key=path)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise TransportError(f"s3://{self.bucket}: cannot check {path}: {exc}") from None
        return True

    def close(self) -> None:
        """Release the HTTP connections."""
        self._client.close()
