"""IdentitySync shared variables: ``<$NAME$>`` in a step's parameters (seed 000, "Shared Variables").

Documented rules kept here: names are case sensitive and contain no space; a value is a string of
at most 100 characters that does not start with ``[`` nor end with ``]``; at most 50 variables;
the same name may exist in several scopes and the **site** value wins over the **data center**
value, which wins over the **partner** value; variables cannot be used in ``record.evaluate``.

Where they come from here (our decision, IdentitySync keeps them in the console):

- a vars file (JSON or YAML) with one object per scope, or a flat object meaning the site scope::

      {"site": {"sftpUsername": "acme"}, "dataCenter": {}, "partner": {"sftpPassword": "..."}}

- the environment: ``GIGYA_VAR_<NAME>`` (exact case), which overrides every scope of the file
  (so a CI secret store can supply a credential without writing it to disk).

Values are never logged: ``Variables.redact`` turns any value found in a text back into its
``<$NAME$>`` placeholder, and the engine passes every trace line and error message through it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Mapping

__all__ = ["ENV_PREFIX", "PLACEHOLDER", "SCOPES", "VariableError", "Variables", "find_names"]

PLACEHOLDER = re.compile(r"<\$([^<>$]*)\$>")
SCOPES = ("site", "dataCenter", "partner")
"""Scopes from the strongest to the weakest (seed 000)."""
ENV_PREFIX = "GIGYA_VAR_"
MAX_VARIABLES = 50
MAX_LENGTH = 100
_REDACT_MIN = 3  # a 1-2 character value ("22", "1") would blank out unrelated text


class VariableError(ValueError):
    """A vars file breaks the documented rules, or a placeholder names no variable."""


def find_names(value: Any) -> list[str]:
    """Every ``<$NAME$>`` name used anywhere in ``value`` (strings, lists, objects)."""
    if isinstance(value, str):
        return PLACEHOLDER.findall(value)
    if isinstance(value, Mapping):
        return [n for v in value.values() for n in find_names(v)]
    if isinstance(value, list):
        return [n for v in value for n in find_names(v)]
    return []


class Variables:
    """Resolved variables (name -> value) and where each came from (never its value in a repr)."""

    def __init__(self, values: Mapping[str, str] | None = None, origins: Mapping[str, str] | None = None) -> None:
        self._values = dict(values or {})
        self.origins = dict(origins or {name: "site" for name in self._values})

    def __repr__(self) -> str:
        return f"Variables({sorted(self._values)})"

    @classmethod
    def load(cls, path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> "Variables":
        """Variables from a vars file (optional) and ``GIGYA_VAR_*`` in ``environ`` (default: os.environ)."""
        scopes = _read_file(path) if path else {}
        values: dict[str, str] = {}
        origins: dict[str, str] = {}
        for scope in reversed(SCOPES):  # weakest first, so stronger scopes overwrite
            for name, value in scopes.get(scope, {}).items():
                values[name], origins[name] = value, scope
        for key, value in (os.environ if environ is None else environ).items():
            if key.startswith(ENV_PREFIX) and len(key) > len(ENV_PREFIX):
                name = key[len(ENV_PREFIX):]
                _check(name, value, "the environment")
                values[name], origins[name] = value, "environment"
        if len(values) > MAX_VARIABLES:
            raise VariableError(f"{len(values)} variables: IdentitySync allows at most {MAX_VARIABLES}")
        return cls(values, origins)

    def names(self) -> list[str]:
        """The defined names."""
        return sorted(self._values)

    def resolve(self, value: Any, missing: list[str]) -> Any:
        """``value`` with every placeholder replaced; unknown names are appended to ``missing``."""
        if isinstance(value, str):
            def sub(match: re.Match) -> str:
                name = match.group(1)
                if name not in self._values:
                    missing.append(name)
                    return match.group(0)
                return self._values[name]

            return PLACEHOLDER.sub(sub, value)
        if isinstance(value, Mapping):
            return {k: self.resolve(v, missing) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v, missing) for v in value]
        return value

    def redact(self, text: str) -> str:
        """``text`` with every variable value replaced by its placeholder (longest values first)."""
        for name, value in sorted(self._values.items(), key=lambda item: -len(item[1])):
            if len(value) >= _REDACT_MIN and value in text:
                text = text.replace(value, f"<${name}$>")
        return text


def _read_file(path: str | Path) -> dict[str, dict[str, str]]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise VariableError(f"cannot read the vars file {path}: {exc.strerror or exc}") from None
    try:
        document = json.loads(text) if path.suffix.lower() == ".json" else _yaml(text)
    except ValueError as exc:
        raise VariableError(f"{path} is not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'}: "
                            f"{str(exc).splitlines()[0]}") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise VariableError(f"{path}: expected an object of variables (or of scopes: {', '.join(SCOPES)})")
    scoped = any(k in SCOPES for k in document)
    scopes = document if scoped else {"site": document}
    unknown = [k for k in scopes if k not in SCOPES]
    if unknown:
        raise VariableError(f"{path}: unknown scope {unknown[0]!r}; the scopes are {', '.join(SCOPES)}")
    for scope, variables in scopes.items():
        if not isinstance(variables, dict):
            raise VariableError(f"{path}: scope {scope!r} must be an object of NAME: value")
        for name, value in variables.items():
            _check(name, value, f"{path} ({scope})")
    return scopes


def _yaml(text: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(str(exc)) from None


def _check(name: Any, value: Any, where: str) -> None:
    """The documented limits (seed 000). The value is never part of the message."""
    if not isinstance(name, str) or not name or any(c.isspace() for c in name) or "$" in name:
        raise VariableError(f"{where}: variable name {name!r} is not allowed (no spaces, not empty)")
    if len(name) > MAX_LENGTH:
        raise VariableError(f"{where}: variable name {name[:20]}... is longer than {MAX_LENGTH} characters")
    if not isinstance(value, str):
        raise VariableError(f"{where}: variable {name} is not a string (only string variables are supported)")
    if len(value) > MAX_LENGTH:
        raise VariableError(f"{where}: the value of {name} is longer than {MAX_LENGTH} characters")
    if value.startswith("[") or value.endswith("]"):
        raise VariableError(f"{where}: the value of {name} cannot start with '[' or end with ']'")
