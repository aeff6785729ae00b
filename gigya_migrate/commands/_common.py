"""Options every site-facing command shares: which Gigya site, with which credentials.

Only the CLI reads the environment (``GIGYA_API_KEY``, ``GIGYA_USER_KEY``, ``GIGYA_SECRET``,
``GIGYA_DATA_CENTER``, ``GIGYA_BASE_URL``). ``--mock`` targets a local ``mock-gigya serve`` at its
default address with its default credentials unless others are given.
"""

from __future__ import annotations

import functools
import sqlite3
from dataclasses import dataclass, field
from typing import Any, Callable

import click

from gigya_migrate.flows.scheduling import BATCH, POLICIES
from mock_gigya import defaults as mock_defaults

__all__ = ["SiteTarget", "library_errors", "site_options", "time_ms"]


@dataclass(frozen=True)
class SiteTarget:
    """Where a command sends its calls. The secret never appears in ``repr``."""

    api_key: str
    user_key: str | None = None
    secret: str | None = field(default=None, repr=False)
    data_center: str = "us1"
    base_url: str | None = None
    sign_requests: bool = False

    def describe(self) -> str:
        """One line naming the site for reports (no credentials)."""
        where = self.base_url or f"data center {self.data_center}"
        return f"{self.api_key} @ {where}"

    def client(self, **options: Any):
        """A ``GigyaClient`` for this site; ``options`` pass through (timeout, max_retries, ...)."""
        from gigya_migrate.client import GigyaClient

        return GigyaClient(
            self.api_key,
            user_key=self.user_key,
            secret=self.secret,
            data_center=self.data_center,
            base_url=self.base_url,
            sign_requests=self.sign_requests,
            **options,
        )


def _opt_name(prefix: str, name: str) -> str:
    return f"--{prefix}-{name}" if prefix else f"--{name}"


def _param(prefix: str, name: str) -> str:
    return f"{prefix.replace('-', '_')}_{name}" if prefix else name


def _env(prefix: str, name: str) -> str:
    middle = f"{prefix.upper().replace('-', '_')}_" if prefix else ""
    return f"GIGYA_{middle}{name.upper().replace('-', '_')}"


def site_options(prefix: str = "", *, label: str = "the Gigya site", required: bool = True) -> Callable:
    """Decorate a click command with the options naming one site; it receives ``<prefix>_site``.

    ``prefix`` distinguishes two sites in one command (``copy`` uses ``from`` and ``to``), giving
    ``--from-api-key`` read from ``GIGYA_FROM_API_KEY`` and so on.
    """
    specs = [
        ("api-key", dict(help=f"API key of {label}.")),
        ("user-key", dict(help="Application (user) key with rights on the site.")),
        ("secret", dict(help="Secret of the application key (never printed).")),
        ("data-center", dict(default="us1", show_default=True, help="us1, eu1, eu2, au1, cn1, global ...")),
        ("base-url", dict(help="Send every call to this address instead (a mock-gigya server).")),
    ]

    def decorate(command: Callable) -> Callable:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            values = {name: kwargs.pop(_param(prefix, name.replace("-", "_"))) for name, _ in specs}
            mock = kwargs.pop(_param(prefix, "mock"))
            signed = kwargs.pop(_param(prefix, "sign_requests"))
            profile = kwargs.pop(_param(prefix, "site_profile"))
            if profile and not (mock and _given(prefix, "site_profile") == "environment"):
                values, signed = _from_profile(prefix, profile, values, signed, mock)
            kwargs[_param(prefix, "site")] = _build_target(prefix, values, mock, signed, required)
            return command(*args, **kwargs)

        for name, extra in reversed(specs):
            wrapper = click.option(
                _opt_name(prefix, name), _param(prefix, name.replace("-", "_")), envvar=_env(prefix, name), **extra
            )(wrapper)
        wrapper = click.option(
            _opt_name(prefix, "mock"), _param(prefix, "mock"), is_flag=True,
            help=f"Target a local mock-gigya server ({mock_defaults.DEFAULT_URL}, its default credentials).",
        )(wrapper)
        wrapper = click.option(
            _opt_name(prefix, "sign-requests"), _param(prefix, "sign_requests"), is_flag=True,
            help="Sign requests (timestamp + nonce + HMAC-SHA1) instead of sending the secret.",
        )(wrapper)
        wrapper = click.option(
            _opt_name(prefix, "site"), _param(prefix, "site_profile"), envvar=_env(prefix, "site"), metavar="NAME",
            help=f"Named site profile for {label} ([sites.NAME] in ~/.config/gigya-migrate/config.toml); "
                 "options and GIGYA_* variables still override it.",
        )(wrapper)
        return wrapper

    return decorate


def _given(prefix: str, name: str) -> str | None:
    """'command line' or 'environment' when the option was given that way, else None (a default)."""
    from click.core import ParameterSource

    source = click.get_current_context().get_parameter_source(_param(prefix, name.replace("-", "_")))
    return {ParameterSource.COMMANDLINE: "command line", ParameterSource.ENVIRONMENT: "environment"}.get(source)


def _from_profile(prefix: str, name: str, values: dict, signed: bool, mock: bool) -> tuple[dict, bool]:
    """Fill the site options from the named profile (gigya_migrate.profiles); explicit ones win."""
    from gigya_migrate.profiles import ProfileError, profile_site_values

    if mock:
        raise click.UsageError(f"{_opt_name(prefix, 'site')} and {_opt_name(prefix, 'mock')} name two different "
                               "sites; give one.")
    explicit = {option for option in values if _given(prefix, option)}
    config = click.get_current_context().find_root().meta.get("gigya_migrate.config")
    try:
        return profile_site_values(name, values, signed, explicit=explicit, config=config)
    except ProfileError as exc:
        raise click.UsageError(str(exc)) from None


def _build_target(prefix: str, values: dict, mock: bool, signed: bool, required: bool) -> SiteTarget | None:
    target = _target(prefix, values, mock, signed, required)
    if target is not None:
        from gigya_migrate.loopback import ClearTextSecret, refuse_clear_secret

        try:
            refuse_clear_secret(target.base_url, sends_secret=bool(target.secret) and not target.sign_requests)
        except ClearTextSecret as exc:
            raise click.BadParameter(str(exc), param_hint=_opt_name(prefix, "base-url")) from None
    return target


def _target(prefix: str, values: dict, mock: bool, signed: bool, required: bool) -> SiteTarget | None:
    if mock:
        return SiteTarget(
            api_key=values["api-key"] or mock_defaults.DEFAULT_API_KEY,
            user_key=values["user-key"] or mock_defaults.DEFAULT_USER_KEY,
            secret=values["secret"] or mock_defaults.DEFAULT_SECRET,
            data_center=values["data-center"] or mock_defaults.DEFAULT_DATA_CENTER,
            base_url=values["base-url"] or mock_defaults.DEFAULT_URL,
            sign_requests=signed,
        )
    if not values["api-key"]:
        if not required:
            return None
        raise click.UsageError(
            f"No site given: pass {_opt_name(prefix, 'api-key')} (or set {_env(prefix, 'api-key')}), "
            f"or {_opt_name(prefix, 'mock')} to target a local mock-gigya server."
        )
    if bool(values["user-key"]) != bool(values["secret"]):
        raise click.UsageError(
            f"{_opt_name(prefix, 'user-key')} and {_opt_name(prefix, 'secret')} go together: give both or neither."
        )
    return SiteTarget(
        api_key=values["api-key"],
        user_key=values["user-key"],
        secret=values["secret"],
        data_center=values["data-center"],
        base_url=values["base-url"],
        sign_requests=signed,
    )


def library_errors(*extra: type[BaseException]) -> Callable:
    """Decorate a command so library, I/O and storage errors (a full disk, a locked journal) exit 1
    with their message, never a traceback; ``extra`` adds a command family's own error types."""

    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            from gigya_migrate.errors import GigyaError

            try:
                return function(*args, **kwargs)
            except (GigyaError, OSError, sqlite3.Error, *extra) as exc:
                raise click.ClickException(str(exc) or type(exc).__name__) from None

        return wrapper

    return decorate


def time_ms(value: str | None, option: str) -> int | None:
    """An option holding an ISO time or Unix milliseconds, as Unix ms (None when not given);
    anything else is bad usage (exit 2) naming the option."""
    if not value:
        return None
    from gigya_migrate.flows.state import ms_from_iso

    try:
        return int(value) if value.isdigit() else ms_from_iso(value)
    except ValueError:
        raise click.BadParameter(f"expected an ISO time (2026-11-02T06:00:00Z) or Unix milliseconds, got {value!r}",
                                 param_hint=option) from None


def scheduling_option(function: Callable) -> Callable:
    """Add ``--scheduling batch|normal`` (``RunOptions.scheduling``; gigya_migrate/flows/scheduling.py)."""
    return click.option(
        "--scheduling", type=click.Choice(POLICIES), default=BATCH, show_default=True,
        help="CPU scheduling of the run's threads on Linux. batch (SCHED_BATCH): a woken worker waits for a free "
             "CPU instead of preempting the thread that holds Python's interpreter lock: faster at high "
             "concurrency, and kinder to other programs. normal: the process's own policy.",
    )(function)
