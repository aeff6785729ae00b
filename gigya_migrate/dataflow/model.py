"""A dataflow JSON, parsed and checked before anything runs (seed 002, "Object Model").

A dataflow is ``{"name", "description", "steps": [...]}``; a step is ``{"id", "type", "params",
"next", "error"}``. The documented rules enforced here:

- a step that no other step names in ``next`` (or ``error``) is the **entry** step; there must
  be exactly one;
- ``next`` with several ids **splits** the flow (every branch gets its own copy of each item);
  a step without ``next`` ends the flow;
- ``error`` lists the steps that receive the records the step failed (a writer's error path);
- unknown ids, cycles, unknown component types and unknown or missing parameters are refused,
  naming the step id and the parameter; so is a file step fed records or the other way round.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gigya_migrate.dataflow.components import COMPONENTS, FILES, NOTHING, RECORDS, Component, ParamError
from gigya_migrate.dataflow.variables import Variables, find_names

__all__ = ["Dataflow", "DataflowError", "Step", "load_dataflow", "parse_dataflow"]

_STEP_KEYS = {"id", "type", "params", "next", "error"}
_TRAILING_COMMA = re.compile(r"\s*[}\]]")


class DataflowError(ValueError):
    """The dataflow cannot run; the message names the step id (and the parameter) at fault."""


@dataclass
class Step:
    """One checked step: its component class and its resolved, defaulted parameters."""

    id: str
    type: str
    raw_params: dict[str, Any]
    next: list[str]
    error: list[str]
    component: type[Component] | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Dataflow:
    """A checked dataflow: steps by id (file order), the entry step and a topological order."""

    name: str
    description: str
    steps: dict[str, Step]
    entry: str
    order: list[str]
    document: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    def outline(self) -> str:
        """``account > rename > importAccount`` (the console's description line), success path."""
        return " > ".join(self.order)


def load_dataflow(path: str | Path, variables: Variables | None = None) -> Dataflow:
    """Read and check the dataflow JSON at ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataflowError(f"cannot read {path}: {exc.strerror or exc}") from None
    lenient = False
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        try:  # the guide's samples carry // comments and trailing commas: accept them, with a warning
            document, lenient = json.loads(_strip_comments(text)), True
        except json.JSONDecodeError:
            raise DataflowError(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    flow = parse_dataflow(document, variables or Variables(), default_name=path.stem)
    if lenient:
        flow.warnings.append(f"{path.name} is not strict JSON (comments or trailing commas were ignored); "
                             "IdentitySync's API takes strict JSON")
    return flow


def _strip_comments(text: str) -> str:
    """``text`` without ``//`` and ``/* */`` comments and trailing commas, outside strings."""
    out, i, in_string = [], 0, False
    while i < len(text):
        char = text[i]
        if in_string:
            out.append(text[i:i + 2] if char == "\\" else char)
            i += 2 if char == "\\" else 1
            in_string = char != '"'
            continue
        if text.startswith("//", i) or text.startswith("/*", i):
            end = text.find("\n" if text[i + 1] == "/" else "*/", i)
            i = len(text) if end < 0 else end + (0 if text[i + 1] == "/" else 2)
            continue
        if not (char == "," and _TRAILING_COMMA.match(text, i + 1)):
            out.append(char)
        in_string = char == '"'
        i += 1
    return "".join(out)


def parse_dataflow(document: Any, variables: Variables, *, default_name: str = "dataflow") -> Dataflow:
    """Check a dataflow object (as ``json.loads`` gives it); raise ``DataflowError`` at the first fault."""
    if isinstance(document, dict) and isinstance(document.get("data"), str):
        document = json.loads(document["data"])  # an idx.setDataflow call body keeps the flow in "data"
    if not isinstance(document, dict) or not isinstance(document.get("steps"), list) or not document["steps"]:
        raise DataflowError('a dataflow is an object with a non-empty "steps" array')
    warnings: list[str] = []
    steps = _steps(document["steps"], warnings)
    entry = _entry(steps)
    order = _order(steps, entry)
    for step in steps.values():
        _bind(step, variables)
    _check_kinds(steps)
    if steps[entry].component.role != "reader":
        raise DataflowError(f"step {entry!r} ({steps[entry].type}) is the entry step (no step names it) but is "
                            "not a reader: a dataflow starts with a datasource.read.* step")
    name = str(document.get("name") or default_name)
    return Dataflow(name, str(document.get("description") or ""), steps, entry, order, document, warnings)


def _steps(raw_steps: list, warnings: list[str]) -> dict[str, Step]:
    steps: dict[str, Step] = {}
    for index, raw in enumerate(raw_steps, start=1):
        if not isinstance(raw, dict):
            raise DataflowError(f"step {index}: a step is an object with id, type, params, next")
        step_id = raw.get("id")
        if not isinstance(step_id, str) or not step_id.strip():
            raise DataflowError(f"step {index}: missing \"id\" (every step needs a unique id)")
        if step_id in steps:
            raise DataflowError(f"step {step_id!r}: the id is used by two steps; ids must be unique")
        if not isinstance(raw.get("type"), str) or not raw["type"]:
            raise DataflowError(f"step {step_id!r}: missing \"type\" (the component, e.g. field.rename)")
        params = raw.get("params", {})
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise DataflowError(f"step {step_id!r}: \"params\" must be an object")
        extra = sorted(set(raw) - _STEP_KEYS)
        if extra:
            warnings.append(f"step {step_id!r}: ignored attribute(s) {', '.join(extra)}")
        steps[step_id] = Step(step_id, raw["type"], params, _ids(raw, "next", step_id), _ids(raw, "error", step_id))
    for step in steps.values():
        for attribute in ("next", "error"):
            for target in getattr(step, attribute):
                if target not in steps:
                    raise DataflowError(f"step {step.id!r}: {attribute} names unknown step id {target!r}")
                if target == step.id:
                    raise DataflowError(f"step {step.id!r}: {attribute} names the step itself (a cycle)")
    return steps


def _ids(raw: dict, attribute: str, step_id: str) -> list[str]:
    value = raw.get(attribute)
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DataflowError(f"step {step_id!r}: {attribute!r} must be an array of step ids")
    return list(dict.fromkeys(value))


def _entry(steps: dict[str, Step]) -> str:
    named = {t for s in steps.values() for t in (*s.next, *s.error)}
    entries = [s for s in steps if s not in named]
    if not entries:
        raise DataflowError("no entry step: every step is named in some step's next/error, so the flow is a cycle")
    if len(entries) > 1:
        raise DataflowError(f"several entry steps ({', '.join(map(repr, entries))}): a step no other step names in "
                            "next is the entry, and a dataflow has one; connect the others or remove them")
    return entries[0]


def _order(steps: dict[str, Step], entry: str) -> list[str]:
    """Topological order from the entry; a cycle is refused naming its steps."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(step_id: str, path: list[str]) -> None:
        if state.get(step_id) == 2:
            return
        if state.get(step_id) == 1:
            loop = path[path.index(step_id):] + [step_id]
            raise DataflowError(f"step {step_id!r}: cycle {' -> '.join(loop)}; a dataflow cannot loop")
        state[step_id] = 1
        for target in (*steps[step_id].next, *steps[step_id].error):
            visit(target, path + [step_id])
        state[step_id] = 2
        order.append(step_id)

    visit(entry, [])
    unreachable = [s for s in steps if s not in state]
    if unreachable:  # only possible through a cycle among them, which has no entry of its own
        visit(unreachable[0], [])
    return list(reversed(order))


def _bind(step: Step, variables: Variables) -> None:
    """Component class, variables and parameters of one step."""
    step.component = COMPONENTS.get(step.type)
    if step.component is None:
        raise DataflowError(f"step {step.id!r}: unknown component type {step.type!r} "
                            "(`gigya-migrate dataflow components` lists the supported ones)")
    if step.type == "record.evaluate" and (names := find_names(step.raw_params)):
        raise DataflowError(f"step {step.id!r}: shared variables cannot be used in a record.evaluate step "
                            f"(found <${names[0]}$>)")
    for name, value in step.raw_params.items():
        missing: list[str] = []
        resolved = variables.resolve(value, missing)
        if missing:
            raise DataflowError(f"step {step.id!r}: parameter {name!r} uses variable <${missing[0]}$>, which is "
                                "not defined (give it in --vars or as GIGYA_VAR_" + missing[0] + "; names are "
                                "case sensitive)")
        step.params[name] = resolved
    try:
        step.params = step.component.normalise(step.params)
    except ParamError as exc:
        raise DataflowError(f"step {step.id!r} ({step.type}): parameter {exc.param!r}: "
                            f"{variables.redact(str(exc))}") from None


def _check_kinds(steps: dict[str, Step]) -> None:
    """Records must flow into record steps and files into file steps; error paths carry records."""
    for step in steps.values():
        gives = step.component.gives
        for target in step.next:
            takes = steps[target].component.takes
            if gives == NOTHING:
                raise DataflowError(f"step {step.id!r} ({step.type}) has no output; it cannot have next {target!r}")
            if takes != gives:
                raise DataflowError(f"step {step.id!r} ({step.type}) outputs {gives}, but its next step "
                                    f"{target!r} ({steps[target].type}) takes {takes}")
        for target in step.error:
            if steps[target].component.takes != RECORDS:
                raise DataflowError(f"step {step.id!r}: its error step {target!r} ({steps[target].type}) takes "
                                    f"{FILES}; failed records need a record step (e.g. file.format.json)")
    entry_types = [s for s in steps.values() if s.component.role == "reader"]
    for step in entry_types:
        if any(step.id in other.next or step.id in other.error for other in steps.values()):
            raise DataflowError(f"step {step.id!r} ({step.type}) is a reader: it can only be the entry step")
