"""Seed a site with realistic faker accounts whose passwords are hashed with a chosen mix of algorithms.

``seed_accounts(backend, "3_site", 100, algorithms={"md5": 1, "bcrypt": 1}, seed=7)`` stores exactly
50 md5 and 50 bcrypt accounts (largest-remainder split of the weights, order shuffled), all derived
from ``seed``: the same call makes the same accounts. Passwords are hashed by the toolkit's own
hashing core (:func:`gigya_migrate.hashing.hash_password`), as an import file would carry them,
with cheap work factors (pbkdf2 1000 rounds, bcrypt cost 4) so seeding thousands stays quick.
"""

from __future__ import annotations

import base64
import random
import string
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Mapping

__all__ = ["SeedReport", "password_object", "seed_accounts", "split_mix"]

_CRYPT = ("md5_crypt", "bcrypt", "drupal")
_CHEAP_ROUNDS = {"pbkdf2": 1000, "pbkdf2_sha256": 1000, "pbkdf2_sha512": 1000, "symphony2": 50,
                 "bcrypt": 16, "drupal": 128}
_EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)  # fixed, so a seed gives the same dates every day


@dataclass
class SeedReport:
    """What :func:`seed_accounts` stored: counts per algorithm, the UIDs, and (kept apart) passwords."""

    api_key: str
    count: int
    by_algorithm: dict[str, int]
    uids: list[str]
    logins: list[dict[str, str]] = field(default_factory=list, repr=False)

    def to_dict(self, *, include_passwords: bool = False) -> dict[str, Any]:
        """JSON-ready; cleartext test passwords only when asked (``includePasswords`` in the control plane)."""
        out = {"apiKey": self.api_key, "count": self.count, "byAlgorithm": self.by_algorithm, "UIDs": self.uids}
        if include_passwords:
            out["logins"] = self.logins
        return out


def split_mix(count: int, algorithms: Mapping[str, float] | Iterable[str] | str | None) -> dict[str, int]:
    """Exact counts per algorithm for ``count`` accounts (largest remainder), e.g. 5 of {a:1,b:1} -> 3/2."""
    mix = _weights(algorithms)
    total = sum(mix.values())
    if total <= 0:
        raise ValueError("algorithm weights must add up to more than 0")
    exact = {name: count * weight / total for name, weight in mix.items()}
    counts = {name: int(value) for name, value in exact.items()}
    by_remainder = sorted(mix, key=lambda name: (-(exact[name] - counts[name]), list(mix).index(name)))
    for name in by_remainder[: count - sum(counts.values())]:
        counts[name] += 1
    return counts


def _weights(algorithms: Mapping[str, float] | Iterable[str] | str | None) -> dict[str, float]:
    from gigya_migrate.hashing import ALGORITHMS

    if algorithms is None:
        algorithms = {"pbkdf2": 1.0}
    elif isinstance(algorithms, str):
        algorithms = [a.strip() for a in algorithms.split(",") if a.strip()]
    if not isinstance(algorithms, Mapping):
        algorithms = {name: 1.0 for name in algorithms}
    unknown = sorted(set(algorithms) - set(ALGORITHMS))
    if unknown:
        raise ValueError(f"unknown hash algorithm(s) {', '.join(unknown)}; known: {', '.join(ALGORITHMS)}")
    if any(float(w) < 0 for w in algorithms.values()):
        raise ValueError("algorithm weights must not be negative")
    return {name: float(weight) for name, weight in algorithms.items()}


def password_object(password: str, algorithm: str, rng: random.Random) -> dict[str, Any]:
    """The importFullAccount ``password`` object for ``password`` hashed with ``algorithm``."""
    from gigya_migrate.hashing import hash_password
    from gigya_migrate.hashing.password import HANDLERS

    if algorithm in _CRYPT:
        return {"compoundHashedPassword": hash_password(password, {"algorithm": algorithm,
                                                                   "rounds": _CHEAP_ROUNDS.get(algorithm)})}
    settings: dict[str, Any] = {"algorithm": algorithm}
    mode = getattr(HANDLERS[algorithm], "salt_mode", "none")
    if mode == "template":
        settings.update(salt="".join(rng.choices(string.ascii_letters + string.digits, k=8)), format="$salt$password")
    elif mode == "base64":
        settings["salt"] = base64.b64encode(rng.randbytes(16)).decode("ascii")
    if algorithm in _CHEAP_ROUNDS:
        settings["rounds"] = _CHEAP_ROUNDS[algorithm]
    return {"hashedPassword": hash_password(password, settings), "hashSettings": settings}


def seed_accounts(
    backend: Any,
    api_key: str,
    count: int,
    *,
    algorithms: Mapping[str, float] | Iterable[str] | str | None = None,
    seed: int = 0,
    password: str | None = None,
) -> SeedReport:
    """Store ``count`` faker accounts in ``api_key``'s site through ``backend.seed_account``.

    ``algorithms``: weights (``{"md5": 2, "bcrypt": 1}``), a list or comma string (equal weights);
    default pbkdf2. ``password``: one password for every account, else each gets its own.
    """
    from faker import Faker

    if count < 0:
        raise ValueError("count must not be negative")
    counts = split_mix(count, algorithms)
    rng = random.Random(seed)
    plan = [name for name, n in counts.items() for _ in range(n)]
    rng.shuffle(plan)
    fake = Faker("en_US")
    fake.seed_instance(seed)
    report = SeedReport(api_key, count, counts, [])
    for index, algorithm in enumerate(plan):
        fields, login = _account(fake, rng, index, algorithm, password)
        backend.seed_account(api_key, **fields)
        report.uids.append(fields["UID"])
        report.logins.append(login)
    return report


def _account(fake: Any, rng: random.Random, index: int, algorithm: str,
             password: str | None) -> tuple[dict[str, Any], dict[str, str]]:
    first, last = fake.first_name(), fake.last_name()
    email = f"{_slug(first)}.{_slug(last)}.{index}@{fake.free_email_domain()}"
    secret = password or fake.password(length=14)
    created = _EPOCH - timedelta(seconds=rng.randrange(3 * 365 * 86400))
    fields = {
        "UID": uuid.UUID(int=rng.getrandbits(128), version=4).hex,
        "loginIDs": {"emails": [email]},
        "emails": {"verified": [email], "unverified": []},
        "profile": {"firstName": first, "lastName": last, "email": email,
                    "birthYear": rng.randrange(1950, 2006), "country": fake.country_code()},
        "data": {"seeded": True, "hashAlgorithm": algorithm},
        "password": password_object(secret, algorithm, rng),
        "isActive": True,
        "isRegistered": True,
        "isVerified": True,
        "created": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "registered": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "regSource": "mock-gigya seed",
    }
    return fields, {"UID": fields["UID"], "loginID": email, "password": secret, "algorithm": algorithm}


def _slug(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum()) or "user"
