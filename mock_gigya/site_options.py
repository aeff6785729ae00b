"""Mock behaviour switches, per site or server-wide: where real Gigya has a limit a rehearsal usually
wants off, or where the documentation is ambiguous and a user may need the other reading.

A value is looked up on the site (``Backend.add_site(..., options={...})``, the control plane's
``add_site``), then in the server-wide defaults (``mock-gigya serve --site-option NAME=VALUE``,
``Backend.server_options``), then in :data:`OPTIONS`. Unknown names and bad values are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["OPTIONS", "Option", "option", "parse_assignment", "validate_options"]


@dataclass(frozen=True)
class Option:
    """One switch: its default, accepted values (``kind`` bool|float|int|choice) and what it does."""

    default: Any
    kind: str
    doc: str
    choices: tuple[str, ...] = ()


OPTIONS: dict[str, Option] = {
    "uidLimits": Option(False, "bool", "enforce Gigya's per-UID limits: more than uidWritesPerMinute writes to one "
                                       "UID in uidWindowSeconds answer 503001; more than uidConcurrency concurrent "
                                       "calls for one UID answer 409030 (HELP importFullAccount/getAccountInfo)"),
    "uidWritesPerMinute": Option(5, "int", "writes allowed per UID per window (documented: 5 per minute)"),
    "uidWindowSeconds": Option(60.0, "float", "the per-UID write window (documented: one minute)"),
    "uidConcurrency": Option(5, "int", "concurrent calls allowed per UID (documented: 5)"),
    "searchDelaySeconds": Option(0.0, "float", "accounts and audit records written less than this many seconds ago "
                                               "are not yet visible to accounts.search / audit.search (documented: "
                                               "about 1 s, at most 30 s)"),
    "rateCap": Option(0.0, "float", "calls per second allowed to the site's API key, a token bucket holding one "
                                    "second of calls; calls over it answer 403048 (0: no cap; mock_gigya/rate_cap.py)"),
    "nestedObjects": Option("merge", "choice", "setAccountInfo/importFullAccount upsert on a nested object inside "
                                               "profile/data: merge it key by key, or replace it as one entity",
                            ("merge", "replace")),
}
"""Every option the mock knows, with its default (the rehearsal-friendly or documented behaviour)."""


def validate_options(options: dict | None) -> dict:
    """``options`` with each value converted to its kind; ValueError naming the bad one."""
    out: dict[str, Any] = {}
    for name, value in (options or {}).items():
        spec = OPTIONS.get(name)
        if spec is None:
            raise ValueError(f"unknown site option {name!r}; known: {', '.join(OPTIONS)}")
        out[name] = _convert(name, spec, value)
    return out


def _convert(name: str, spec: Option, value: Any) -> Any:
    try:
        if spec.kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text not in ("true", "false", "1", "0", "on", "off"):
                raise ValueError
            return text in ("true", "1", "on")
        if spec.kind in ("int", "float"):
            number = int(value) if spec.kind == "int" else float(value)
            if number < 0:
                raise ValueError
            return number
    except (TypeError, ValueError):
        raise ValueError(f"site option {name}: expected a non-negative {spec.kind}, got {value!r}") from None
    if str(value) not in spec.choices:
        raise ValueError(f"site option {name}: expected one of {', '.join(spec.choices)}, got {value!r}")
    return str(value)


def parse_assignment(text: str) -> tuple[str, Any]:
    """``"uidLimits=true"`` -> ``("uidLimits", True)`` (the ``--site-option`` syntax)."""
    name, sep, value = text.partition("=")
    if not sep:
        raise ValueError(f"--site-option {text!r}: write NAME=VALUE, e.g. uidLimits=true")
    return name.strip(), validate_options({name.strip(): value.strip()})[name.strip()]


def option(backend: Any, site: Any, name: str) -> Any:
    """The effective value of option ``name`` for ``site``: site, then server-wide, then default."""
    site_options = getattr(site, "options", None) or {}
    if name in site_options:
        return site_options[name]
    server = getattr(backend, "server_options", None) or {}
    return server.get(name, OPTIONS[name].default)
