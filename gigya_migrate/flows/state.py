"""The state file of recurring jobs: watermarks and small facts that must survive between runs.

One JSON document per file, one section per job name::

    {"version": 1, "jobs": {"copy:3_src->3_dst": {"watermark": 1763900000000, "lastSuccess": "..."}}}

IdentitySync keeps the same fact as the dataflow's ``lastRuntime`` ("Last Successful Run"); here it
lives in a file the engineer can read, back up or edit. Every write goes to a temporary file in the
same folder, is flushed to disk, then renamed over the old file, so a crash leaves either the old
state or the new one, never half of each.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["StateFile", "StateError", "iso_from_ms", "ms_from_iso", "utc_now_iso", "write_json_atomic"]

_VERSION = 1


class StateError(RuntimeError):
    """The state file cannot be read or written (unreadable JSON, wrong shape, disk error)."""


def utc_now_iso() -> str:
    """Now, as Gigya writes times: ISO-8601 UTC with milliseconds and a ``Z``."""
    return iso_from_ms(int(datetime.now(UTC).timestamp() * 1000))


def iso_from_ms(ms: int) -> str:
    """A Unix time in milliseconds as an ISO-8601 UTC string with milliseconds (``...T02:00:00.000Z``)."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def ms_from_iso(text: str) -> int:
    """An ISO-8601 time (``Z`` or offset; naive means UTC) as Unix milliseconds."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(round(moment.timestamp() * 1000))


def write_json_atomic(path: Path | str, document: Any) -> None:
    """Write ``document`` as JSON to ``path`` atomically (temp file, fsync, rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class StateFile:
    """A JSON state file holding one section per job; reads are fresh, writes are atomic."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def load(self) -> dict[str, Any]:
        """The whole document (an empty one when the file does not exist yet)."""
        if not self.path.exists():
            return {"version": _VERSION, "jobs": {}}
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StateError(f"cannot read state file {self.path}: {exc}") from exc
        if not isinstance(document, dict) or not isinstance(document.get("jobs", {}), dict):
            raise StateError(f"state file {self.path} is not a gigya-migrate state file (no 'jobs' object)")
        document.setdefault("jobs", {})
        return document

    def job(self, name: str) -> dict[str, Any]:
        """The section of one job (a copy; empty if the job never ran)."""
        return dict(self.load()["jobs"].get(name, {}))

    def update(self, name: str, **values: Any) -> dict[str, Any]:
        """Merge ``values`` into the job's section and write the file atomically; returns the section."""
        document = self.load()
        section = document["jobs"].setdefault(name, {})
        section.update(values)
        section["updatedAt"] = utc_now_iso()
        document["version"] = _VERSION
        try:
            write_json_atomic(self.path, document)
        except OSError as exc:
            raise StateError(f"cannot write state file {self.path}: {exc}") from exc
        return dict(section)

    def watermark(self, name: str, default: Any = None) -> Any:
        """The job's watermark (whatever the job stores: an ISO time, a Unix ms timestamp)."""
        return self.job(name).get("watermark", default)

    def set_watermark(self, name: str, value: Any, **extra: Any) -> None:
        """Advance the job's watermark (and store ``extra`` facts with it) atomically."""
        self.update(name, watermark=value, **extra)
