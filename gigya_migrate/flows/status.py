"""After go-live: how many migrated users have logged in (and been re-hashed), how many still carry
a legacy hash, per algorithm, so a team knows when the legacy hashes can be forgotten.

Gigya keeps the imported ``hashSettings`` until a user's first successful login, then re-hashes
with the site's own algorithm (pbkdf2, seed 004). So an account whose stored algorithm is not the
site's is still on its legacy hash. The accounts are streamed through an accounts.search cursor
(``SELECT UID, lastLoginTimestamp, password.hashSettings.algorithm, password.hash``); only counts
are kept. A compound (crypt) hash has no ``hashSettings.algorithm``: its prefix names it (``$2b$``
bcrypt ...); the hash itself is read for that prefix only and never kept or printed.

Caveat (gigya-api.md open question 7): SAP's pages disagree on whether accounts.search returns
``password``. If a site returns none, every account shows as "no password" and the report says so.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = ["STATUS_FIELDS", "HashStatus", "hash_status"]

STATUS_FIELDS = "UID, lastLoginTimestamp, password.hashSettings.algorithm, password.hash"
"""What ``hash_status`` selects (quoted back to the user when a --where clause is refused)."""
SITE_ALGORITHM = "pbkdf2"  # what Gigya re-hashes with (seed 004; the mock's default re-hash)
NO_PASSWORD = "(no password)"


@dataclass
class HashStatus:
    """Counts per stored algorithm: accounts and how many of them have logged in."""

    site_algorithm: str = SITE_ALGORITHM
    accounts: Counter = field(default_factory=Counter)
    logged_in: Counter = field(default_factory=Counter)

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
                "algorithms": {name: {"accounts": n, "loggedIn": self.logged_in[name]}
                               for name, n in self.accounts.most_common()}}

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
            state = ("site hash" if name == self.site_algorithm else
                     "no password" if name == NO_PASSWORD else "legacy: not logged in since import")
            lines.append(f"  {name:<20}{count:>10,}{self.logged_in[name]:>11,}  {state}")
        if self.total and self.legacy == 0:
            lines.append("  no legacy hashes left: the legacy password store can be retired")
        if self.total and self.accounts[NO_PASSWORD] == self.total:
            lines.append("  note: no account returned a password; this site's search may not expose it")
        return "\n".join(lines)


def hash_status(client: Any, *, where: str | None = None, site_algorithm: str = SITE_ALGORITHM,
                page_size: int = 1000) -> HashStatus:
    """Count accounts (those matching ``where``, a WHERE clause) per stored algorithm."""
    query = f"SELECT {STATUS_FIELDS} FROM accounts"
    if where:
        query += f" WHERE {where}"
    status = HashStatus(site_algorithm=site_algorithm)
    for account in client.search_all(query, page_size=page_size):
        name = _algorithm(account.password)
        status.accounts[name] += 1
        if account.last_login_timestamp:
            status.logged_in[name] += 1
    return status


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
