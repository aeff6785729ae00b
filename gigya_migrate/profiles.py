"""Named site profiles: ``--site prod-eu`` instead of four options or four environment variables.

The config file (TOML; default ``$XDG_CONFIG_HOME/gigya-migrate/config.toml``, that is
``~/.config/gigya-migrate/config.toml``; another one with ``gigya-migrate --config FILE`` or
``GIGYA_MIGRATE_CONFIG``) holds one table per site::

    [sites.prod-eu]
    api_key = "4_abcDEF"
    data_center = "eu1"
    user_key = "AKxxxxxxxx"
    secret_env = "GIGYA_PROD_EU_SECRET"        # the secret is read from this environment variable
    # secret_file = "~/.secrets/gigya-prod-eu"  # ... or from a file holding only the secret (chmod 600)

    [sites.rehearsal]
    api_key = "3_mock_site"
    base_url = "http://127.0.0.1:8080"
    user_key = "AK_MOCK"
    secret_env = "MOCK_SECRET"

A secret is never written in this file, by the tool or by hand: a ``secret`` key is refused with
the way to reference it instead. Keys: ``api_key`` (required), ``data_center``, ``base_url``,
``user_key``, ``secret_env`` / ``secret_file``, ``sign_requests``.

Precedence, per setting: a command-line option, then its environment variable (``GIGYA_API_KEY``,
``GIGYA_SECRET``...), then the profile, then the built-in default. ``--site`` itself may come from
``GIGYA_SITE`` (``GIGYA_FROM_SITE`` / ``GIGYA_TO_SITE`` for copy and reconcile).
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

__all__ = ["CONFIG_ENV", "KEYS", "Profile", "ProfileError", "config_path", "load_profiles", "merge_profile",
           "profile_site_values",
           "write_profile"]

CONFIG_ENV = "GIGYA_MIGRATE_CONFIG"
KEYS = ("api_key", "data_center", "base_url", "user_key", "secret_env", "secret_file", "sign_requests")
"""What a ``[sites.NAME]`` table may hold."""
_SETTINGS = {"api_key": "api-key", "data_center": "data-center", "base_url": "base-url", "user_key": "user-key"}
"""Profile key -> the site option it stands in for (``secret`` is resolved from secret_env / secret_file)."""


class ProfileError(Exception):
    """The config file or a profile in it cannot be used (the message says what to change)."""


@dataclass(frozen=True)
class Profile:
    """One ``[sites.NAME]`` table. ``secret()`` reads the referenced secret; it is never stored here."""

    name: str
    path: Path
    settings: Mapping[str, Any]

    def describe(self) -> str:
        """One line for ``sites list``: the site and where its secret comes from (never the secret)."""
        where = self.settings.get("base_url") or f"data center {self.settings.get('data_center', 'us1')}"
        if self.settings.get("secret_env"):
            secret = f"secret from ${self.settings['secret_env']}"
        elif self.settings.get("secret_file"):
            secret = f"secret from file {self.settings['secret_file']}"
        else:
            secret = "no secret (api key only)"
        user = f", user key {self.settings['user_key']}" if self.settings.get("user_key") else ""
        return f"{self.name}: {self.settings['api_key']} @ {where}{user}; {secret}"

    def secret(self) -> str | None:
        """The secret this profile references (environment variable or file), or None."""
        if self.settings.get("secret_env"):
            variable = self.settings["secret_env"]
            value = os.environ.get(variable)
            if not value:
                raise ProfileError(f"site {self.name!r} reads its secret from the environment variable {variable}, "
                                   f"which is not set (export {variable}=... or use secret_file in {self.path})")
            return value
        if self.settings.get("secret_file"):
            return _read_secret_file(self.name, Path(os.path.expanduser(self.settings["secret_file"])))
        return None

    def values(self, *, with_secret: bool = True) -> dict[str, Any]:
        """The site option values this profile gives (``api-key``, ``secret``, ...); no defaults.
        ``with_secret=False`` leaves the secret unread (one given explicitly replaces it)."""
        values = {option: self.settings[key] for key, option in _SETTINGS.items() if self.settings.get(key)}
        secret = self.secret() if with_secret else None
        if secret:
            values["secret"] = secret
        return values


def config_path(given: str | os.PathLike | None = None) -> Path:
    """The config file: ``given`` (--config), else ``$GIGYA_MIGRATE_CONFIG``, else the XDG default."""
    if given:
        return Path(os.path.expanduser(str(given)))
    if os.environ.get(CONFIG_ENV):
        return Path(os.path.expanduser(os.environ[CONFIG_ENV]))
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "gigya-migrate" / "config.toml"


def load_profiles(path: Path) -> dict[str, Profile]:
    """Every profile in the config file at ``path`` (empty when there is no file); refuses bad ones."""
    if not path.exists():
        return {}
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ProfileError(f"cannot read {path}: {exc}") from None
    sites = document.get("sites", {})
    if not isinstance(sites, dict):
        raise ProfileError(f"{path}: 'sites' must be a table of [sites.NAME] tables")
    return {name: Profile(name, path, _checked(path, name, table)) for name, table in sites.items()}


def merge_profile(name: str, path: Path, explicit: Mapping[str, Any]) -> dict[str, Any]:
    """The site option values for ``--site name``: the profile's, overridden by ``explicit`` (the
    options given on the command line or through their environment variables)."""
    profiles = load_profiles(path)
    if name not in profiles:
        raise ProfileError(_unknown(name, path, profiles))
    merged = profiles[name].values(with_secret=not explicit.get("secret"))
    merged.update({option: value for option, value in explicit.items() if value not in (None, "")})
    merged["sign-requests"] = bool(explicit.get("sign-requests") or profiles[name].settings.get("sign_requests"))
    return merged


NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
"""What ``sites add`` accepts as a profile name: typed bare as ``--site NAME`` and written as a bare
TOML key (no quoting in the shell or in the file); letters, digits, ``-`` and ``_``."""


def write_profile(path: Path, name: str, settings: Mapping[str, Any]) -> None:
    """Add (or replace) ``[sites.NAME]`` in the config file; the settings hold no secret, by construction."""
    if not NAME.fullmatch(name):
        raise ProfileError(f"site name {name!r} is not a simple name: use ASCII letters, digits, '-' and '_' "
                           "(starting with a letter or digit, at most 64), e.g. prod-eu or staging_us1")
    if "secret" in settings:
        raise ProfileError("a profile never holds the secret itself: give secret_env or secret_file")
    _checked(path, name, dict(settings))
    load_profiles(path)  # an unreadable file is refused, not rewritten
    kept = _without_table(path.read_text(encoding="utf-8") if path.exists() else "", name)
    lines = [f"[sites.{_toml_key(name)}]"]
    lines += [f"{key} = {_toml_value(settings[key])}" for key in KEYS if settings.get(key) not in (None, "")]
    text = (kept.rstrip() + "\n\n" if kept.strip() else "") + "\n".join(lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


# --- checks ---------------------------------------------------------------------------------------


def _checked(path: Path, name: str, table: Any) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ProfileError(f"{path}: [sites.{name}] must be a table of settings")
    for key in table:
        if key == "secret":
            raise ProfileError(f"{path}: [sites.{name}] holds a secret in clear text; remove it and reference it "
                               "instead: secret_env = \"VARIABLE\" (read from the environment) or "
                               "secret_file = \"~/.secrets/file\" (a file holding only the secret)")
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ProfileError(f"{path}: [sites.{name}] has an unknown key {key!r}{hint}; known: {', '.join(KEYS)}")
    if not table.get("api_key"):
        raise ProfileError(f"{path}: [sites.{name}] needs api_key")
    if table.get("secret_env") and table.get("secret_file"):
        raise ProfileError(f"{path}: [sites.{name}] gives both secret_env and secret_file; keep one")
    if bool(table.get("user_key")) != bool(table.get("secret_env") or table.get("secret_file")):
        raise ProfileError(f"{path}: [sites.{name}] user_key and its secret (secret_env or secret_file) go together")
    return table


def _unknown(name: str, path: Path, profiles: Mapping[str, Profile]) -> str:
    if not profiles:
        return (f"no site named {name!r}: {path} does not exist or holds no [sites.NAME] table "
                f"(gigya-migrate sites add {name} --api-key ... writes one; see README 'Site profiles')")
    close = difflib.get_close_matches(name, list(profiles), n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"no site named {name!r} in {path}{hint}; known: {', '.join(sorted(profiles))}"


def _read_secret_file(name: str, path: Path) -> str:
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ProfileError(f"site {name!r}: cannot read its secret_file {path}: {exc.strerror or exc}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ProfileError(f"site {name!r}: its secret_file {path} can be read by other users; "
                           f"chmod 600 {path}")
    if not text:
        raise ProfileError(f"site {name!r}: its secret_file {path} is empty")
    return text


# --- writing TOML (the few shapes a profile has) -----------------------------------------------------


def _toml_key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else _toml_value(name)  # TOML bare keys are ASCII only


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _without_table(text: str, name: str) -> str:
    """The config text without the ``[sites.NAME]`` table (to replace it), everything else kept."""
    headers = {f"[sites.{_toml_key(name)}]", f"[sites.{_toml_value(name)}]"}
    kept, skipping = [], False
    for line in text.splitlines():
        if line.strip().startswith("["):
            skipping = line.strip() in headers
        if not skipping:
            kept.append(line)
    return "\n".join(kept) + ("\n" if kept else "")


def profile_site_values(name: str, values: Mapping[str, Any], signed: bool, *, explicit: set[str],
                        config: str | os.PathLike | None = None) -> tuple[dict[str, Any], bool]:
    """The site options (``api-key``, ``user-key``, ``secret``, ``data-center``, ``base-url``) and
    ``sign_requests`` for ``--site name``: the profile's values where ``explicit`` (the option names
    given on the command line or through their environment variables) does not name them."""
    given = {option: value for option, value in values.items() if option in explicit}
    merged = merge_profile(name, config_path(config), {**given, "sign-requests": signed})
    resolved = {option: merged.get(option) for option in values}
    resolved["data-center"] = resolved.get("data-center") or values.get("data-center") or "us1"
    return resolved, bool(merged["sign-requests"])
