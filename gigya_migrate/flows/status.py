"""After go-live: how many migrated users have logged in (and been re-hashed), how many still carry
a legacy hash, per algorithm, so a team knows when the legacy hashes can be forgotten.

Gigya keeps the imported ``hashSettings`` until a user's first successful login, then re-hashes
with the site's own algorithm (pbkdf2, seed 004). So an account whose stored algorithm is not the
site's is still on its legacy hash. The accounts are streamed through an accounts.search cursor
(``SELECT UID, lastLoginTimestamp, password.hashSettings.algorithm, password.hash, password.created``);
only counts are kept. A compound (crypt) hash has no ``hashSettings.algorithm``: its prefix names it (``$2b$``
bcrypt ...); the hash itself is read for that prefix only and never kept or printed.

"Logged in" means logged in *after the import*: an import may carry the legacy system's ``lastLogin``,
which says nothing about the migration. A login counts when ``lastLoginTimestamp`` is later than
the moment the account's current password was stored (``password.created``: the import, or the
re-hash of the first login, which happens in the same call as that login), or later than
``imported_at`` when the caller gives one (a site that does not return ``password.created``).
An account on a legacy hash that logged in after the import did so without its password (a
social login, a passwordless link): it is shown as such, never as "not logged in since import".

Caveat (gigya-api.md open question 7): SAP's pages disagree on whether accounts.search returns
``password``. If a site returns none, every account shows as "no password" and the report says so.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from gigya_migrate.flows.progress_series import ProgressSeries

__all__ = ["STATUS_FIELDS", "HashStatus", "hash_status"]

STATUS_FIELDS = "UID, lastLoginTimestamp, password.hashSettings.algorithm, password.hash, password.created"
"""What ``hash_status`` selects (quoted back to the user when a --where clause is refused)."""
SITE_ALGORITHM = "pbkdf2"  # what Gigya re-hashes with (seed 004; the mock's default re-hash)
NO_PASSWORD = "(no password)"
REHASH_SLACK_MS = 60_000
"""I: how far apart Gigya may stamp a first login's ``lastLogin`` and its re-hash's ``password.created``
(not documented; the mock stamps both with the same millisecond)."""


@dataclass
class HashStatus:
    """Counts per stored algorithm: accounts and how many of them have logged in."""

    site_algorithm: str = SITE_ALGORITHM
    accounts: Counter = field(default_factory=Counter)
    logged_in: Counter = field(default_factory=Counter)
    """Per algorithm: accounts that logged in after the import (see the module docstring)."""
    imported_login: Counter = field(default_factory=Counter)
    """Per algorithm: accounts whose only ``lastLogin`` predates the import (the legacy system's)."""
    seconds: float = 0.0
    progress: list[dict] = field(default_factory=list)
    """Accounts counted over time, for the HTML report's throughput chart."""

    @property
    def total(self) -> int:
        """Accounts counted."""
        return sum(self.accounts.values())

    @property
    def rehashed(self) -> int:
        """Accounts on the site's algorithm that have logged in (re-hashed by that login)."""
        return self.logged_in[self.site_algorithm]

    @property
    def legacy(self) -> int:
        """Accounts still carrying an imported (legacy) hash."""
        return sum(n for name, n in self.accounts.items() if name not in (self.site_algorithm, NO_PASSWORD))

    def as_dict(self) -> dict:
        """JSON form."""
        return {"total": self.total, "rehashed": self.rehashed, "legacy": self.legacy,
                "noPassword": self.accounts[NO_PASSWORD], "siteAlgorithm": self.site_algorithm,
                "algorithms": {name: {"accounts": n, "loggedIn": self.logged_in[name],
                                      "legacyLastLoginOnly": self.imported_login[name]}
                               for name, n in self.accounts.most_common()},
                "seconds": self.seconds, "progress": self.progress}

    def summary(self) -> str:
        """The printed report: one line, then the per-algorithm table."""
        if not self.total:
            return ("no accounts found: nothing was imported into this site yet, or no account matches --where "
                    "(check --api-key / --data-center)")
        share = f" ({100 * self.rehashed / self.total:.0f}%)" if self.total else ""
        lines = [f"{self.total:,} accounts; {self.rehashed:,} logged in and re-hashed{share}; "
                 f"{self.legacy:,} still on legacy hashes",
                 f"  {'stored algorithm':<20}{'accounts':>10}{'logged in':>11}  state"]
        for name, count in self.accounts.most_common():
            lines.append(f"  {name:<20}{count:>10,}{self.logged_in[name]:>11,}  {self._state(name)}")
        imported = sum(self.imported_login.values())
        lines.append("  logged in: since the import" + (f" ({imported:,} accounts with only a lastLogin from before it, "
                                                          "e.g. imported from the legacy system, not counted)"
                                                          if imported else ""))
        if self.total and self.legacy == 0:
            lines.append("  no legacy hashes left: the legacy password store can be retired")
        if self.total and self.accounts[NO_PASSWORD] == self.total:
            lines.append("  note: no account returned a password; this site's search may not expose it")
        return "\n".join(lines)

    def _state(self, name: str) -> str:
        """The row's state, consistent with its logged-in count."""
        if name == self.site_algorithm:
            return "site hash"
        if name == NO_PASSWORD:
            return "no password"
        if not self.logged_in[name]:
            return "legacy: not logged in since import"
        if self.logged_in[name] == self.accounts[name]:
            return "legacy: logged in without the password (social, passwordless?), not re-hashed"
        return f"legacy: {self.accounts[name] - self.logged_in[name]:,} not logged in since import, " \
               f"{self.logged_in[name]:,} logged in without the password"


def hash_status(client: Any, *, where: str | None = None, site_algorithm: str = SITE_ALGORITHM,
                page_size: int = 1000, imported_at: int | None = None) -> HashStatus:
    """Count accounts (those matching ``where``, a WHERE clause) per stored algorithm.

    ``imported_at`` (Unix ms): logins at or before it are the legacy system's; default: each
    account's ``password.created``.
    """
    query = f"SELECT {STATUS_FIELDS} FROM accounts"
    if where:
        query += f" WHERE {where}"
    status, series = HashStatus(site_algorithm=site_algorithm), ProgressSeries()
    for account in client.search_all(query, page_size=page_size):
        name = _algorithm(account.password)
        status.accounts[name] += 1
        series.sample(status.total)
        if _logged_in_after_import(account, imported_at, site_row=name == site_algorithm,
                                   legacy=name not in (site_algorithm, NO_PASSWORD)):
            status.logged_in[name] += 1
        elif account.last_login_timestamp:
            status.imported_login[name] += 1
    status.seconds = series.elapsed()
    status.progress = series.as_list(status.seconds, status.total)
    return status


def _logged_in_after_import(account: Any, imported_at: int | None, *, site_row: bool, legacy: bool) -> bool:
    """A login later than the import (``imported_at``, else when the current password was stored).

    With neither known, a legacy hash means no password login since the import (it would have been
    re-hashed), so its ``lastLogin`` is taken for the legacy system's; other rows count any login.
    """
    last = account.last_login_timestamp or 0
    if not last:
        return False
    if imported_at is not None:
        return last > imported_at
    created = _password_created_ms(account.password)
    if created is None:
        return not legacy
    # the first login re-hashes: password.created and lastLogin are one event, stamped a moment apart
    return last >= created - (REHASH_SLACK_MS if site_row else 0)


def _password_created_ms(password: Any) -> int | None:
    created = getattr(password, "created", None)
    if not created:
        return None
    from gigya_migrate.flows.state import ms_from_iso

    try:
        return ms_from_iso(str(created))
    except ValueError:
        return None  # an unreadable date decides nothing


_COMPOUND = (("$2", "bcrypt"), ("$1$", "md5_crypt"), ("$S$", "drupal"), ("$P$", "phpass"), ("$H$", "phpass"))


def _algorithm(password: Any) -> str:
    if password is None:
        return NO_PASSWORD
    settings = password.hash_settings
    if settings is not None and settings.algorithm:
        return settings.algorithm
    stored = password.hash or ""
    if not stored:
        return NO_PASSWORD
    return next((name for prefix, name in _COMPOUND if stored.startswith(prefix)), "compound (unknown)")
