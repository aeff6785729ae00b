"""Validate legacy hashes on a Gigya site: the article's validation process, for a whole sample.

For each sample row (login id, cleartext password, legacy hash and its settings) it:

1. converts the legacy hash to a Gigya password object (``Mapping.password_object``);
2. imports a test user with it (importFullAccount, ``insert``: an existing account is never
   overwritten, the row fails instead);
3. reads the stored password settings (getAccountInfo include=password);
4. logs in with the cleartext (accounts.login);
5. confirms the password was re-hashed by that first login (the stored algorithm or hash changed,
   seed 004: "SAP Customer Data Cloud promptly re-hashes the password using its algorithm of
   the day");
6. logs in again (now against the re-hashed password);
7. removes the test user (deleteAccount with the cid ``TEST_USER_CID``, so the ``deletions`` feed
   knows it for a test user and never sends it downstream), unless ``keep``.

The result is one ``HashCheck`` per row and a per-algorithm table. Passwords and full hashes are
never printed or stored in the result.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from gigya_migrate.flows.deletions import TEST_USER_CID
from gigya_migrate.flows.import_accounts import SITE_REFUSAL_CODES, SiteRefused
from gigya_migrate.flows.mapping import Mapping, lookup
from gigya_migrate.flows.progress_series import ProgressSeries
from gigya_migrate.flows.runner import BadRecord, RecordError

__all__ = ["HashCheck", "ValidationReport", "validate_sample", "STAGES"]

STAGES = ("convert", "import", "before", "login", "rehash", "login-again", "remove")
_NAMESPACE = uuid.UUID("0c3b5d0e-5a8e-4d61-9a43-3f1f7d0a6b21")
_COMPOUND = (("$2", "bcrypt"), ("$1$", "md5_crypt"), ("$S$", "drupal"), ("$P$", "phpass"), ("$H$", "phpass"))


@dataclass
class HashCheck:
    """The outcome for one sample row; ``stage`` names the first step that failed (None: passed)."""

    login_id: str
    algorithm: str
    stage: str | None = None
    message: str = ""
    steps: dict[str, bool] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every step passed."""
        return self.stage is None


@dataclass
class ValidationReport:
    """Every row's ``HashCheck`` and the per-algorithm table."""

    checks: list[HashCheck] = field(default_factory=list)
    site: str = ""
    seconds: float = 0.0
    progress: list[dict] = field(default_factory=list)
    """Sample users passed (ok) / failed over time, for the HTML report's throughput chart."""

    @property
    def failed(self) -> list[HashCheck]:
        """The rows that did not pass."""
        return [c for c in self.checks if not c.ok]

    def by_algorithm(self) -> dict[str, tuple[int, int]]:
        """algorithm -> (passed, rows)."""
        table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for check in self.checks:
            table[check.algorithm][1] += 1
            table[check.algorithm][0] += check.ok
        return {name: (passed, rows) for name, (passed, rows) in sorted(table.items())}

    def as_dict(self) -> dict:
        """JSON form."""
        return {"site": self.site,
                "algorithms": {a: {"passed": p, "rows": n} for a, (p, n) in self.by_algorithm().items()},
                "failures": [{"loginID": c.login_id, "algorithm": c.algorithm, "stage": c.stage, "message": c.message}
                             for c in self.failed],
                "seconds": self.seconds, "progress": self.progress}

    def table(self) -> str:
        """The printed per-algorithm pass/fail table, then each failure with its stage and reason."""
        width = max([24, *(len(name) + 2 for name in self.by_algorithm())])
        lines = [f"{'format / algorithm':<{width}}{'rows':>6}{'pass':>6}{'fail':>6}  result"]
        for name, (passed, rows) in self.by_algorithm().items():
            verdict = "PASS" if passed == rows else "FAIL"
            lines.append(f"{name:<{width}}{rows:>6}{passed:>6}{rows - passed:>6}  {verdict}")
        for check in self.failed:
            lines.append(f"  {check.login_id} ({check.algorithm}) failed at {check.stage}: {check.message}")
        total = len(self.checks)
        lines.append(f"{total - len(self.failed)}/{total} sample users passed import, login, re-hash and re-login"
                     + (f" on {self.site}" if self.site else ""))
        return "\n".join(lines)


def validate_sample(rows: Iterable[Any], client: Any, *, mapping: Mapping, password_column: str = "password",
                    keep: bool = False, site: str = "") -> ValidationReport:
    """Run the validation (module docstring) for every row; returns the report.

    Raises ``SiteRefused`` at the first answer that refuses the credentials or permission (every
    row would fail alike); test users of earlier rows are already removed by then.
    """
    report = ValidationReport(site=site)
    series, passed = ProgressSeries(), 0
    for row in rows:
        report.checks.append(_check_row(row, client, mapping, password_column, keep))
        passed += report.checks[-1].ok
        series.sample(passed, len(report.checks) - passed)
    report.seconds = series.elapsed()
    report.progress = series.as_list(report.seconds, passed, len(report.checks) - passed)
    return report


def _algorithm_of(password: dict | None, row: dict, mapping: Mapping) -> str:
    if mapping.password and mapping.password.scheme and row.get(mapping.password.scheme):
        return str(row[mapping.password.scheme]).strip()
    if not password:
        return "unknown"
    stored = next((_text(v) for c in mapping.hash_columns() if _text(v := lookup(row, c))), "")
    label = _detected(stored)
    if label and label not in ("hex digest", "base64 digest"):
        return label
    settings = password.get("hashSettings") or {}
    if settings.get("algorithm"):
        return settings["algorithm"]
    compound = password.get("compoundHashedPassword") or ""
    return next((name for prefix, name in _COMPOUND if compound.startswith(prefix)), "compound")


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _detected(stored: str) -> str | None:
    try:
        from gigya_migrate.hashing.legacy import detect
    except ImportError:  # hashing without legacy-format detection: fall back on the Gigya algorithm
        return None
    return detect(stored) if stored else None


class _Failed(Exception):
    def __init__(self, stage: str, message: str) -> None:
        super().__init__(message)
        self.stage, self.message = stage, message


def _check_row(row: Any, client: Any, mapping: Mapping, password_column: str, keep: bool) -> HashCheck:
    if isinstance(row, BadRecord):
        return HashCheck(f"line {row.line}", "unknown", "convert", row.message)
    login = str(row.get(mapping.login_id) or "").strip()
    check = HashCheck(login or "(no login id)", _algorithm_of(None, row, mapping))
    cleartext = row.get(password_column)
    try:
        if not login or not cleartext:
            raise _Failed("convert", f"the row needs a login id ({mapping.login_id}) and a cleartext "
                                     f"password ({password_column})")
        try:
            login = mapping.login_of(row)
            password, reason = mapping.password_for(row)
        except RecordError as err:
            raise _Failed("convert", err.message) from None
        if password is None:
            raise _Failed("convert", f"the row would be imported without a password ({reason})")
        check.algorithm = _algorithm_of(password, row, mapping)
        _run_steps(check, client, login, str(cleartext), password, keep)
    except _Failed as failure:
        check.stage, check.message = failure.stage, failure.message
    return check


def _run_steps(check: HashCheck, client: Any, login: str, cleartext: str, password: dict, keep: bool) -> None:
    uid = uuid.uuid5(_NAMESPACE, f"{client.api_key}\n{login}").hex
    _step(check, "import", lambda: client.import_full_account(
        uid, password=password, login_ids={"emails": [login]}, emails={"verified": [login]},
        profile={"email": login}, import_policy="insert", isRegistered=True, isVerified=True))
    try:
        before = _step(check, "before", lambda: client.get_account_info(uid, include="password").password)
        _step(check, "login", lambda: client.login(login, cleartext))
        after = _step(check, "rehash", lambda: client.get_account_info(uid, include="password").password)
        if not _rehashed(before, after):
            check.steps["rehash"] = False
            raise _Failed("rehash", f"the stored password still uses {_settings_name(after)} after the first login")
        _step(check, "login-again", lambda: client.login(login, cleartext))
    finally:
        if not keep:
            _remove(check, client, uid)


def _remove(check: HashCheck, client: Any, uid: str) -> None:
    try:
        client.delete_account(uid, cid=TEST_USER_CID)  # marked: `deletions` skips it
        check.steps["remove"] = True
    except Exception as exc:  # noqa: BLE001 - report it, the other results stand
        check.steps["remove"] = False
        if check.stage is None:
            raise _Failed("remove", f"could not remove test user {uid}: {_reason(exc)}") from None


def _step(check: HashCheck, stage: str, call) -> Any:
    try:
        value = call()
    except Exception as exc:  # noqa: BLE001 - a failed call fails this row at this stage
        check.steps[stage] = False
        if getattr(exc, "error_code", None) in SITE_REFUSAL_CODES:  # every row would fail alike: stop
            raise SiteRefused(stage, exc) from None
        reason = _reason(exc)
        if stage == "import" and getattr(exc, "error_code", None) in (400003, 403043):
            reason += " (an account with this login already exists; validate-hashes never overwrites one: use test logins)"
        raise _Failed(stage, reason) from None
    check.steps[stage] = True
    return value


def _reason(exc: BaseException) -> str:
    code = getattr(exc, "error_code", None)
    message = getattr(exc, "message", None) or str(exc)
    return f"{code} {message}" if code is not None else message


def _settings_name(password: Any) -> str:
    settings = getattr(password, "hash_settings", None)
    return getattr(settings, "algorithm", None) or "an unknown algorithm"


def _rehashed(before: Any, after: Any) -> bool:
    """The first login replaced the imported hash (new algorithm, or a new hash/salt)."""
    if after is None or before is None:
        return False
    if _settings_name(before) != _settings_name(after):
        return True
    salt = lambda p: getattr(getattr(p, "hash_settings", None), "salt", None)  # noqa: E731
    return (after.hash, salt(after)) != (before.hash, salt(before))
