"""``sftp://`` and ``s3://`` for the file options of ``import``, ``export`` and ``deletions --out``.

Two decorators keep the commands unchanged: the command still sees a local path.

- ``fetch_remote("file")``: a remote input is downloaded to a temporary file of the same name
  (so the format and the default output names are those of the remote file) and removed after.
- ``publish_remote("out_path", ...)``: a remote output is written to a temporary file of the same
  name and uploaded when the command succeeds. If the upload fails, the state file (``--state``)
  is put back as it was, so an incremental job's watermark does not move past data that never
  arrived. ``append=True`` (deletions) first downloads the existing remote file, so a nightly
  feed keeps appending to it as it does locally. An existing remote output is replaced only
  with ``--overwrite`` when the command has that option.

``Location(click.Path(...))`` is the option type: remote URLs pass through as text, anything else
is checked by the wrapped ``click.Path``.
"""

from __future__ import annotations

import contextlib
import functools
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable

import click

from gigya_migrate.transports import download, fetched, is_remote, remote_exists, upload

__all__ = ["Location", "fetch_remote", "publish_remote"]


class Location(click.ParamType):
    """A local path (checked by ``inner``) or an ``sftp://``/``s3://`` URL (kept as text)."""

    def __init__(self, inner: click.ParamType) -> None:
        self.inner = inner
        self.name = getattr(inner, "name", "path")

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, str) and is_remote(value):
            return value
        return self.inner.convert(value, param, ctx)


def fetch_remote(param: str) -> Callable:
    """Replace a remote ``param`` by a downloaded local copy for the duration of the command."""

    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with fetched(kwargs[param]) as local:
                kwargs[param] = local
                return function(*args, **kwargs)

        return wrapper

    return decorate


def publish_remote(param: str, *, append: bool = False, state: str = "state_path") -> Callable:
    """Replace remote outputs in ``param`` (a path or a tuple of paths) by local files uploaded on success."""

    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            value = kwargs[param]
            urls = [v for v in (value if isinstance(value, tuple) else (value,)) if is_remote(v)]
            if not urls:
                return function(*args, **kwargs)
            with _published(urls, append, kwargs.get("overwrite"), kwargs.get(state)) as local:
                kwargs[param] = (tuple(local.get(v, v) for v in value) if isinstance(value, tuple)
                                 else local[value])
                return function(*args, **kwargs)

        return wrapper

    return decorate


@contextlib.contextmanager
def _published(urls: list[str], append: bool, overwrite: bool | None, state_path: Any):
    folder = Path(tempfile.mkdtemp(prefix="gigya-migrate-out-"))
    try:
        local: dict[str, Path] = {}
        for index, url in enumerate(urls):
            path = folder / str(index) / Path(url.split("://", 1)[1]).name
            path.parent.mkdir()
            if remote_exists(url):
                if append:
                    download(url, path)
                elif overwrite is False:
                    raise click.BadParameter(f"{url} exists; give another name, or --overwrite to replace it",
                                             param_hint="'--out'")
            local[url] = path
        saved = _read(state_path)
        yield local
        try:
            for url, path in local.items():
                if path.exists():
                    upload(path, url)
        except OSError:
            _restore(state_path, saved)
            raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _read(path: Any) -> bytes | None:
    if path is None or not Path(path).exists():
        return None
    return Path(path).read_bytes()


def _restore(path: Any, saved: bytes | None) -> None:
    """Put the state file back: the upload failed, so the run must not count as delivered."""
    if path is None:
        return
    if saved is None:
        Path(path).unlink(missing_ok=True)
    else:
        Path(path).write_bytes(saved)
