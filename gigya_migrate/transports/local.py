"""This machine's folders behind the ``Transport`` interface (``datasource.read/write.file``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from gigya_migrate.transports import RemoteFile, TransportError

__all__ = ["LocalTransport"]


class LocalTransport:
    """Paths are local paths; an upload is a copy to a hidden partial file, then a rename."""

    def list(self, folder: str) -> list[RemoteFile]:
        """Regular files directly in ``folder``."""
        path = Path(folder).expanduser()
        if not path.is_dir():
            raise TransportError(f"{path}: no such file or folder")
        return [RemoteFile(str(p), p.stat().st_size, p.stat().st_mtime) for p in path.iterdir() if p.is_file()]

    def download(self, path: str, local: Path) -> None:
        """Copy ``path`` to ``local``."""
        shutil.copyfile(Path(path).expanduser(), local)

    def upload(self, local: Path, path: str) -> None:
        """Copy ``local`` to ``path`` whole or not at all (a reader never sees half a file)."""
        dest = Path(path).expanduser()
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(f".partial-{dest.name}")
        shutil.copyfile(local, partial)
        os.replace(partial, dest)

    def exists(self, path: str) -> bool:
        """Whether ``path`` exists."""
        return Path(path).expanduser().exists()

    def close(self) -> None:
        """Nothing to release."""
