"""accounts.getSchema / accounts.setSchema for the mock: the site's declared schema plus what its
accounts hold.

Real Gigya keeps one schema per site. Its profile schema is fixed (Gigya's profile fields); the
data, preferences and subscriptions schemas hold declared fields and, while ``dynamicSchema`` is
on (the default), every field a write created implicitly. The mock stores what ``setSchema`` (or
``Backend.add_site(schema=...)``) declared and, for the implicit part, reads the field paths of the
site's accounts when asked (I: a scan of the site, fine for a rehearsal mock; real Gigya records
them at write time, which the mock does not need to copy).
"""

from __future__ import annotations

import copy
from typing import Any, Iterator

from mock_gigya.backend import PROFILE_FIELDS, Backend
from mock_gigya.errors import MockGigyaError

__all__ = ["SECTIONS", "get_schema", "set_schema"]

SECTIONS = {
    "profileSchema": "profile",
    "dataSchema": "data",
    "subscriptionsSchema": "subscriptions",
    "preferencesSchema": "preferences",
}
"""Schema section name -> the account group it describes."""

_DEFAULT_INCLUDE = ("profileSchema", "dataSchema")


def get_schema(backend: Backend, api_key: str, include: str | None = None) -> dict:
    """The answer of accounts.getSchema: ``<section>: {fields: {path: {type, ...}}, ...}`` per section."""
    wanted = _sections(include)
    site = backend.site(api_key)
    observed = _observed_fields(backend, api_key, wanted)
    answer: dict[str, Any] = {}
    for section in wanted:
        declared = copy.deepcopy(site.schema.get(section) or {})
        fields = declared.setdefault("fields", {})
        if section == "profileSchema":
            for name in sorted(PROFILE_FIELDS):
                fields.setdefault(name, {"type": "string", "writeAccess": "clientModify"})
        else:
            if section == "dataSchema":
                declared.setdefault("dynamicSchema", True)
            for path, kind in sorted(observed.get(section, {}).items()):
                fields.setdefault(path, {"type": kind, "writeAccess": "serverOnly"})
        answer[section] = declared
    return answer


def set_schema(backend: Backend, api_key: str, sections: dict[str, Any]) -> dict:
    """accounts.setSchema: merge declared fields (and ``dynamicSchema``) into the site's schema.

    Profile fields are Gigya's fixed set: only their properties can change, never new names.
    """
    site = backend.site(api_key)
    for section, value in sections.items():
        if not isinstance(value, dict):
            raise MockGigyaError.invalid(section, "must be a JSON object like {\"fields\": {...}}")
        fields = value.get("fields") or {}
        if section == "profileSchema":
            unknown = sorted(set(fields) - PROFILE_FIELDS)
            if unknown:
                raise MockGigyaError.invalid(section, f"{', '.join(unknown)} are not Gigya profile fields; "
                                                      "custom fields belong in dataSchema")
        target = site.schema.setdefault(section, {})
        for name, props in fields.items():
            target.setdefault("fields", {})[name] = {**target.get("fields", {}).get(name, {}), **(props or {})}
        if "dynamicSchema" in value:
            target["dynamicSchema"] = bool(value["dynamicSchema"])
    backend.save_site(site)
    return {}


def _sections(include: str | None) -> tuple[str, ...]:
    if not include:
        return _DEFAULT_INCLUDE
    names = tuple(part.strip() for part in include.split(",") if part.strip())
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        raise MockGigyaError.invalid("include", f"unknown schema {unknown[0]!r}; known: {', '.join(SECTIONS)}")
    return names


def _observed_fields(backend: Backend, api_key: str, sections: tuple[str, ...]) -> dict[str, dict[str, str]]:
    groups = {SECTIONS[s]: s for s in sections if s != "profileSchema"}
    found: dict[str, dict[str, str]] = {s: {} for s in groups.values()}
    if not groups:
        return found
    for account in backend.accounts(api_key).all():
        for group, section in groups.items():
            for path, value in _leaves(account.get(group) or {}):
                found[section].setdefault(path, _type_of(value))
    return found


def _leaves(obj: dict, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in obj.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            yield from _leaves(value, path + ".")
        else:
            yield path, value


def _type_of(value: Any) -> str:
    # Gigya's schema types: integer, long, float, basic-string, string, text, date, boolean.
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "float"
    return "string"
