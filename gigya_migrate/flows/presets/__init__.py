"""Source presets: the mapping of each identity platform's export, as data.

One module per platform holds a :class:`Preset`: the mapping (what ``mapping init --from NAME``
prints and ``import FILE --from NAME`` uses), the columns of a headerless CSV export, and what to
tell the user, once and with the count, about records that cannot keep their password.

    >>> from gigya_migrate.flows.presets import get_preset
    >>> get_preset("auth0").to_mapping().login_id
    'email'
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, Iterable

from gigya_migrate.flows.mapping import Mapping

__all__ = ["PRESETS", "Preset", "get_preset", "passwordless_preview"]

PRESETS = ("auth0", "firebase", "keycloak", "cognito", "okta", "magento2", "wordpress", "django")
"""Preset names, one module each in this package."""


@dataclass(frozen=True)
class Preset:
    """A platform's export format as a starting mapping."""

    name: str
    title: str
    exports: str
    """The export shapes this preset reads (shown by ``mapping init``)."""
    mapping: dict[str, Any]
    csv_header: tuple[str, ...] | None = None
    """The columns of the platform's CSV export when it has no header row (Firebase)."""
    advice: dict[str, str] = field(default_factory=dict)
    """Passwordless reason (prefix) -> what it means and what to do, said once before the run."""
    table: str | None = None
    """The table holding the users in a phpMyAdmin JSON export of several tables (a shell pattern:
    WordPress ``*users``, whatever the table prefix); ``--table`` overrides it."""

    def to_mapping(self) -> Mapping:
        """The preset's mapping, validated."""
        return Mapping.model_validate(self.mapping)

    def notices(self, total: int, reasons: Counter) -> list[str]:
        """The up-front messages for ``reasons`` (passwordless reason -> count) among ``total`` records.

        Their counts add up to the run summary's "without a password": reasons no advice covers (an
        empty hash...) get a line of their own once any advice is said."""
        found, advised = [], set()
        for prefix, text in self.advice.items():
            matched = {reason for reason in reasons if reason.startswith(prefix)}
            advised |= matched
            if count := sum(reasons[reason] for reason in matched):
                found.append(f"{count:,} of the {total:,} records will be imported WITHOUT a password. {text}.")
        rest = {reason: n for reason, n in reasons.items() if reason not in advised and n}
        if found and rest:
            listed = ", ".join(f"{reason} {n:,}" for reason, n in sorted(rest.items()))
            found.append(f"{sum(rest.values()):,} more of the {total:,} records will be imported WITHOUT a password "
                         f"({listed}).")
        return found


def get_preset(name: str) -> Preset:
    """The preset called ``name`` (``KeyError`` listing the known ones otherwise)."""
    if name not in PRESETS:
        raise KeyError(f"unknown preset {name!r}; use one of {', '.join(PRESETS)}")
    return import_module(f"gigya_migrate.flows.presets.{name}").PRESET


def passwordless_preview(records: Iterable[Any], mapping: Mapping) -> tuple[int, Counter]:
    """How many ``records`` there are and why those without a password have none (read-only pass,
    before the run, so the user is told once up front). Records that would fail are not counted."""
    from gigya_migrate.flows.runner import RecordError

    total, reasons = 0, Counter()
    for record in records:
        if not isinstance(record, dict):
            continue
        total += 1
        try:
            _, reason = mapping.password_for(record)
        except RecordError:
            continue
        if reason:
            reasons[reason] += 1
    return total, reasons
