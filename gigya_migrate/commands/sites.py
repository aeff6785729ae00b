"""``sites``: the named site profiles every command takes as ``--site NAME`` (see gigya_migrate.profiles).

``sites add`` writes a profile with a *reference* to its secret (an environment variable or a file),
never the secret itself; ``sites list`` shows where each secret comes from, never the secret.
"""

from __future__ import annotations

from pathlib import Path

import click

from gigya_migrate.profiles import ProfileError, config_path, load_profiles, write_profile

__all__ = ["COMMANDS", "sites_group"]


def _path() -> Path:
    return config_path(click.get_current_context().find_root().meta.get("gigya_migrate.config"))


@click.group("sites")
def sites_group() -> None:
    """Named site profiles: `--site prod-eu` on every command instead of keys in each call.

    \b
    The profiles live in ~/.config/gigya-migrate/config.toml (gigya-migrate --config FILE or
    GIGYA_MIGRATE_CONFIG for another file):
      [sites.prod-eu]
      api_key = "4_abc"
      data_center = "eu1"
      user_key = "AKxxx"
      secret_env = "GIGYA_PROD_EU_SECRET"     # or: secret_file = "~/.secrets/prod-eu" (chmod 600)
    A secret is never stored in the file. Options and GIGYA_* variables override a profile.

    \b
    Examples:
      gigya-migrate sites add prod-eu --api-key 4_abc --data-center eu1 --user-key AKxxx \\
          --secret-env GIGYA_PROD_EU_SECRET
      gigya-migrate sites list
      gigya-migrate status --site prod-eu
      gigya-migrate copy --from-site prod-us --to-site prod-eu --full
    """


@sites_group.command("list")
def list_command() -> None:
    """List the profiles: site, data center, user key and where the secret comes from (never the secret)."""
    path = _path()
    try:
        profiles = load_profiles(path)
    except ProfileError as exc:
        raise click.ClickException(str(exc)) from None
    if not profiles:
        click.echo(f"no site profiles in {path} (gigya-migrate sites add NAME --api-key ... writes one)")
        return
    click.echo(f"# {path}")
    for profile in profiles.values():
        click.echo(profile.describe())


@sites_group.command("add")
@click.argument("name")
@click.option("--api-key", required=True, help="API key of the site.")
@click.option("--data-center", default="us1", show_default=True, help="us1, eu1, eu2, au1, cn1, global ...")
@click.option("--base-url", help="Send every call to this address instead (a mock-gigya server).")
@click.option("--user-key", help="Application (user) key.")
@click.option("--secret-env", metavar="VARIABLE", help="Environment variable the secret is read from at run time.")
@click.option("--secret-file", metavar="FILE", help="File holding only the secret (chmod 600), read at run time.")
@click.option("--sign-requests", is_flag=True, help="Sign requests instead of sending the secret.")
def add_command(name, api_key, data_center, base_url, user_key, secret_env, secret_file, sign_requests) -> None:
    """Add or replace the profile NAME. The secret is referenced (--secret-env / --secret-file), never stored.

    NAME is a simple name: ASCII letters, digits, '-' and '_' (prod-eu, staging_us1).

    \b
    Example:
      gigya-migrate sites add prod-eu --api-key 4_abc --data-center eu1 --user-key AKxxx \\
          --secret-env GIGYA_PROD_EU_SECRET
    """
    settings = {"api_key": api_key, "data_center": data_center, "base_url": base_url, "user_key": user_key,
                "secret_env": secret_env, "secret_file": secret_file, "sign_requests": sign_requests or None}
    path = _path()
    try:
        write_profile(path, name, {k: v for k, v in settings.items() if v not in (None, "")})
    except ProfileError as exc:
        raise click.UsageError(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc}") from None
    click.echo(f"site {name!r} saved in {path}; use it as --site {name}")


COMMANDS: list[click.Command] = [sites_group]
