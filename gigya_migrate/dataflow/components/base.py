"""What every component is: a small class with its type, its documented parameters and one job.

Items flowing between steps are **records** (plain dicts) or **files** (``DataFile``: a name and
a local temporary path). A component declares what it ``takes`` and ``gives`` so a dataflow that
feeds files into a record step is refused before it runs.

- readers implement ``read()`` (batches of items); they are entry steps
- every other component implements ``process(items) -> Output`` (items passed on, records failed)
  and optionally ``finish()`` (items emitted once the input has ended: a formatter's file)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ClassVar, Iterator

__all__ = [
    "COMPONENTS",
    "FILES",
    "NOTHING",
    "RECORDS",
    "Component",
    "DataFile",
    "Failure",
    "Output",
    "Param",
    "ParamError",
    "delete_path",
    "get_path",
    "register",
    "set_path",
]

RECORDS, FILES, NOTHING = "records", "files", "nothing"

COMPONENTS: dict[str, type["Component"]] = {}
"""Component type -> class; filled by ``@register`` (``gigya-migrate dataflow components`` prints it)."""


class ParamError(ValueError):
    """A parameter value is wrong; ``param`` names it (the engine adds the step id)."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param


_KINDS: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "boolean": (bool,), "array": (list,), "object": (dict,),
    "any": (object,),
}


@dataclass(frozen=True)
class Param:
    """One parameter: its IdentitySync name, JSON kind, default and meaning.

    ``documented`` is False for a parameter IdentitySync's public documents do not show, which we
    added or whose name we chose (``dataflow components`` marks it).
    """

    name: str
    kind: str = "string"
    required: bool = False
    default: Any = None
    doc: str = ""
    choices: tuple = ()
    documented: bool = True

    def coerce(self, value: Any) -> Any:
        """The value checked against the kind (numbers and booleans given as strings are accepted,
        since variables are strings)."""
        if self.kind == "integer" and isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            value = int(value)
        if self.kind == "boolean" and isinstance(value, str) and value.lower() in ("true", "false"):
            value = value.lower() == "true"
        ok = isinstance(value, _KINDS[self.kind]) and not (self.kind == "integer" and isinstance(value, bool))
        if not ok:
            raise ParamError(self.name, f"must be {'an' if self.kind[0] in 'aeiou' else 'a'} {self.kind}, "
                                        f"got {type(value).__name__}")
        if self.choices and value not in self.choices:
            raise ParamError(self.name, f"must be one of {', '.join(map(str, self.choices))}, got {value!r}")
        return value


@dataclass
class DataFile:
    """A file between steps: its name (used by writers) and where its bytes are on this machine."""

    name: str
    path: Path


@dataclass
class Failure:
    """A record that failed in a step: it goes to the step's ``error`` branch, or to the job's errors."""

    record: dict
    code: int | str
    message: str


@dataclass
class Output:
    """What ``process`` returns: items for the ``next`` steps and records that failed."""

    items: list = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)


class Component:
    """Base class. Subclasses set the class attributes and implement ``read`` or ``process``."""

    type: ClassVar[str] = ""
    role: ClassVar[str] = "transformer"  # reader, writer, transformer, lookup
    summary: ClassVar[str] = ""
    takes: ClassVar[str] = RECORDS
    gives: ClassVar[str] = RECORDS
    params: ClassVar[tuple[Param, ...]] = ()
    aliases: ClassVar[dict[str, str]] = {}  # older documented names -> current ones
    counts_records: ClassVar[bool] = False  # its output records are the job's input (--limit, Total)

    def __init__(self, step_id: str, params: dict[str, Any], job: Any) -> None:
        self.step_id, self.p, self.job = step_id, params, job
        self.setup()

    @classmethod
    def normalise(cls, raw: dict[str, Any]) -> dict[str, Any]:
        """Check ``raw`` (variables already resolved): unknown and missing parameters, kinds;
        returns the parameters with defaults filled. Raises ``ParamError``."""
        known = {p.name: p for p in cls.params}
        values: dict[str, Any] = {}
        for name, value in raw.items():
            name = cls.aliases.get(name, name)
            if name not in known:
                raise ParamError(name, f"unknown parameter {name!r} for {cls.type}; it takes: "
                                       f"{', '.join(known) or 'no parameters'}")
            values[name] = value
        for param in cls.params:
            if values.get(param.name) is None:
                if param.required:
                    raise ParamError(param.name, f"missing required parameter {param.name!r} ({param.doc})")
                values[param.name] = param.default
            else:
                values[param.name] = param.coerce(values[param.name])
        cls.check(values)
        return values

    @classmethod
    def check(cls, params: dict[str, Any]) -> None:
        """Extra checks across parameters (raise ``ParamError``); called before anything runs."""

    def setup(self) -> None:
        """Prepare (after the whole dataflow was checked); nothing is read or sent yet."""

    def read(self) -> Iterator[list]:
        """Readers: yield batches of items."""
        raise NotImplementedError

    def process(self, items: list) -> Output:
        """Non-readers: handle one batch."""
        raise NotImplementedError

    def finish(self) -> list:
        """Items to emit once every input item was processed (default: none)."""
        return []

    def commit(self) -> None:
        """The job succeeded: record what must survive to the next run (a reader's watermark)."""

    def close(self) -> None:
        """Release connections and files, however the job ended."""


def register(cls: type[Component]) -> type[Component]:
    """Class decorator adding a component to ``COMPONENTS``."""
    COMPONENTS[cls.type] = cls
    return cls


# --- dotted field paths (``profile.email``, ``password.hashedPassword``) ---------------------------

def get_path(record: dict, path: str, default: Any = None) -> Any:
    """The value at a dotted path; a literal key holding the dot wins."""
    if path in record:
        return record[path]
    node: Any = record
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def set_path(record: dict, path: str, value: Any) -> None:
    """Set the value at a dotted path, creating objects on the way."""
    parts = path.split(".")
    node = record
    for part in parts[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[parts[-1]] = value


def delete_path(record: dict, path: str) -> Any:
    """Remove and return the value at a dotted path (None when absent); empty parents are removed."""
    if path in record:
        return record.pop(path)
    parts = path.split(".")
    chain = [record]
    for part in parts[:-1]:
        node = chain[-1].get(part)
        if not isinstance(node, dict):
            return None
        chain.append(node)
    value = chain[-1].pop(parts[-1], None)
    for parent, part in zip(reversed(chain[:-1]), reversed(parts[:-1])):
        if parent.get(part) == {}:
            del parent[part]
    return value


def each_concurrently(items: list, function: Callable[[Any], Any], workers: int) -> list:
    """``function`` over ``items`` with up to ``workers`` threads, results in input order."""
    if workers <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(function, items))
