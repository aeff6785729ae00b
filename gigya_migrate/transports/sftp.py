"""SFTP through asyncssh, behind the synchronous ``Transport`` interface.

asyncssh is asynchronous; the transport runs one event loop in a daemon thread for its
connection and waits for each operation, so callers (components, commands) stay plain functions.
Host keys are always checked: against ``known_hosts`` (a path, default ``GIGYA_SFTP_KNOWN_HOSTS``
or ``~/.ssh/known_hosts``). An upload goes to ``<path><temporary extension>`` first and is renamed
when complete, so a reader on the server never picks up half a file (IdentitySync's
``temporaryUploadExtension``).
"""

from __future__ import annotations

import asyncio
import os
import stat
import threading
from pathlib import Path
from typing import Any, Awaitable, Coroutine

from gigya_migrate.transports import RemoteFile, TransportError

__all__ = ["SftpTransport"]


class _LoopThread:
    """An asyncio loop in a daemon thread; ``run`` waits for one coroutine's result."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="sftp-loop", daemon=True)
        self._thread.start()

    def run(self, awaitable: Awaitable, timeout: float | None) -> Any:
        async def wait() -> Any:  # asyncssh.connect returns an awaitable that is not a coroutine
            return await awaitable

        return asyncio.run_coroutine_threadsafe(wait(), self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self.loop.close()


class SftpTransport:
    """Files on an SFTP server; ``password`` or ``private_key`` (PEM/OpenSSH text) log in."""

    def __init__(self, host: str, *, port: int = 22, username: str, password: str | None = None,
                 private_key: str | None = None, known_hosts: str | None = None, timeout: float = 60.0,
                 temporary_extension: str = ".tmp") -> None:
        import asyncssh

        self.host, self.port, self.username = host, port, username
        self.timeout, self.temporary_extension = timeout, temporary_extension
        known = known_hosts or os.environ.get("GIGYA_SFTP_KNOWN_HOSTS") or str(Path("~/.ssh/known_hosts").expanduser())
        keys = [asyncssh.import_private_key(private_key)] if private_key else None
        self._loop = _LoopThread()
        try:
            self._conn = self._run(asyncssh.connect(
                host, port=port, username=username, password=password, client_keys=keys,
                known_hosts=known,
                connect_timeout=timeout, agent_path=None, preferred_auth="publickey,password"))
            self._sftp = self._run(self._conn.start_sftp_client())
        except Exception as exc:  # noqa: BLE001 - every connect failure becomes one clear message
            self._loop.stop()
            raise TransportError(f"cannot open SFTP connection to {username}@{host}:{port}: "
                                 f"{type(exc).__name__}: {exc}") from None

    def _run(self, coroutine: Coroutine) -> Any:
        return self._loop.run(coroutine, self.timeout)

    def _call(self, what: str, coroutine: Coroutine) -> Any:
        try:
            return self._run(coroutine)
        except Exception as exc:  # noqa: BLE001
            raise TransportError(f"sftp://{self.host}:{self.port}: cannot {what}: {exc}") from None

    def list(self, folder: str) -> list[RemoteFile]:
        """Regular files directly in ``folder``."""
        entries = self._call(f"list {folder}", self._sftp.readdir(folder or "."))
        base = (folder or ".").rstrip("/")
        return [RemoteFile(f"{base}/{e.filename}", e.attrs.size or 0, float(e.attrs.mtime or 0))
                for e in entries if e.attrs.permissions is not None and stat.S_ISREG(e.attrs.permissions)]

    def download(self, path: str, local: Path) -> None:
        """Copy ``path`` to ``local``."""
        self._call(f"download {path}", self._sftp.get(path, str(local)))

    def upload(self, local: Path, path: str) -> None:
        """Upload to ``path + temporary extension``, then rename it to ``path`` (replacing it)."""
        partial = f"{path}{self.temporary_extension}" if self.temporary_extension else path
        self._call(f"upload {path}", self._sftp.put(str(local), partial))
        if partial != path:
            self._call(f"rename {partial} to {path}", self._sftp.posix_rename(partial, path))

    def exists(self, path: str) -> bool:
        """Whether ``path`` exists on the server."""
        return bool(self._call(f"check {path}", self._sftp.exists(path)))

    def close(self) -> None:
        """Close the session and stop the loop."""
        try:
            self._sftp.exit()
            self._conn.close()
            self._run(self._conn.wait_closed())
        except Exception:  # noqa: BLE001 - closing a dead connection is not an error worth raising
            pass
        self._loop.stop()
