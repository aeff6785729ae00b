"""Named site profiles (issue 14): `--site NAME` from a config file on every command; secrets only by
reference (environment variable or file), never stored; options and GIGYA_* variables still win."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from gigya_migrate.cli import main
from gigya_migrate.commands._common import site_options
from gigya_migrate.profiles import ProfileError, load_profiles, profile_site_values
from mock_gigya import defaults

SECRET = defaults.DEFAULT_SECRET  # the mock's test secret: it must never appear in any output below
CLEAN_ENV = {name: "" for name in ("GIGYA_API_KEY", "GIGYA_USER_KEY", "GIGYA_SECRET", "GIGYA_DATA_CENTER",
                                   "GIGYA_BASE_URL", "GIGYA_SITE", "GIGYA_FROM_SITE", "GIGYA_TO_SITE")}


def _cli(*args, env=None):
    result = CliRunner().invoke(main, [str(a) for a in args], env={**CLEAN_ENV, **(env or {})})
    assert "Traceback" not in result.output, result.output
    return result


@pytest.fixture
def config(tmp_path, monkeypatch):
    """An empty config file location, given through GIGYA_MIGRATE_CONFIG (never the user's own)."""
    path = tmp_path / "config.toml"
    monkeypatch.setenv("GIGYA_MIGRATE_CONFIG", str(path))
    return path


def _rehearsal(config: Path, server, *, api_key=defaults.DEFAULT_API_KEY, name="rehearsal") -> None:
    added = _cli("sites", "add", name, "--api-key", api_key, "--base-url", server.url,
                 "--user-key", defaults.DEFAULT_USER_KEY, "--secret-env", "REHEARSAL_SECRET")
    assert added.exit_code == 0, added.output


def test_a_profile_runs_a_command_with_its_secret_read_from_the_environment(config, gigya_server):
    _rehearsal(config, gigya_server)
    gigya_server.seed(defaults.DEFAULT_API_KEY, 3)
    text = config.read_text()
    assert "secret_env = \"REHEARSAL_SECRET\"" in text and SECRET not in text
    result = _cli("status", "--site", "rehearsal", env={"REHEARSAL_SECRET": SECRET})
    assert result.exit_code == 0, result.output
    assert result.output.startswith("3 accounts")
    missing = _cli("status", "--site", "rehearsal")
    assert missing.exit_code == 2 and "REHEARSAL_SECRET, which is not set" in missing.output
    given = _cli("status", "--site", "rehearsal", env={"GIGYA_SECRET": SECRET})  # an explicit secret wins
    assert given.exit_code == 0 and given.output.startswith("3 accounts"), given.output
    listed = _cli("sites", "list", env={"REHEARSAL_SECRET": SECRET})
    assert "rehearsal: 3_mock_site @ http://127.0.0.1" in listed.output and "secret from $REHEARSAL_SECRET" in listed.output
    assert SECRET not in listed.output + result.output


def test_options_and_environment_variables_override_the_profile(config, gigya_server):
    _rehearsal(config, gigya_server)
    gigya_server.add_site("3_other", secret=SECRET)
    gigya_server.seed(defaults.DEFAULT_API_KEY, 2)
    gigya_server.seed("3_other", 5, seed=1)
    env = {"REHEARSAL_SECRET": SECRET}
    assert _cli("status", "--site", "rehearsal", env=env).output.startswith("2 accounts")
    assert _cli("status", "--site", "rehearsal", "--api-key", "3_other", env=env).output.startswith("5 accounts")
    by_env = _cli("status", env={**env, "GIGYA_SITE": "rehearsal", "GIGYA_API_KEY": "3_other"})
    assert by_env.output.startswith("5 accounts"), by_env.output


def test_the_data_center_comes_from_the_profile_unless_given(tmp_path):
    profile = "[sites.prod-eu]\napi_key = \"4_abc\"\ndata_center = \"eu1\"\n"

    @click.command()
    @site_options()
    def show(site):
        click.echo(f"{site.api_key} {site.data_center}")

    (tmp_path / "c.toml").write_text(profile)
    env = {**CLEAN_ENV, "GIGYA_MIGRATE_CONFIG": str(tmp_path / "c.toml")}
    assert CliRunner().invoke(show, ["--site", "prod-eu"], env=env).output.strip() == "4_abc eu1"
    assert CliRunner().invoke(show, ["--site", "prod-eu", "--data-center", "au1"], env=env).output.strip() == \
        "4_abc au1"
    assert CliRunner().invoke(show, ["--site", "prod-eu"], env={**env, "GIGYA_DATA_CENTER": "eu2"}) \
        .output.strip() == "4_abc eu2"


def test_copy_between_two_profiles(config, gigya_server, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    gigya_server.add_site("3_target", secret=SECRET)
    gigya_server.seed(defaults.DEFAULT_API_KEY, 4)
    _rehearsal(config, gigya_server)
    _rehearsal(config, gigya_server, api_key="3_target", name="target")
    assert {"rehearsal", "target"} <= set(load_profiles(config))  # the second add kept the first
    result = _cli("copy", "--from-site", "rehearsal", "--to-site", "target", "--full", env={"REHEARSAL_SECRET": SECRET})
    assert result.exit_code == 0, result.output
    assert gigya_server.accounts("3_target").count() == 4


def test_a_secret_file_is_read_and_must_be_private(config, gigya_server, tmp_path):
    secret_file = tmp_path / "rehearsal.secret"
    secret_file.write_text(SECRET + "\n")
    secret_file.chmod(0o600)
    added = _cli("sites", "add", "filed", "--api-key", defaults.DEFAULT_API_KEY, "--base-url", gigya_server.url,
                 "--user-key", defaults.DEFAULT_USER_KEY, "--secret-file", secret_file)
    assert added.exit_code == 0, added.output
    assert _cli("status", "--site", "filed").exit_code == 0
    secret_file.chmod(0o644)  # the check reads the mode bits, so it holds for root too
    shared = _cli("status", "--site", "filed")
    assert shared.exit_code == 2 and "chmod 600" in shared.output and SECRET not in shared.output


def test_a_secret_in_clear_text_is_refused_and_sites_add_cannot_store_one(config, tmp_path):
    config.write_text(f'[sites.prod]\napi_key = "4_abc"\nuser_key = "AK"\nsecret = "{SECRET}"\n')
    result = _cli("status", "--site", "prod")
    assert result.exit_code == 2 and "holds a secret in clear text" in result.output and "secret_env" in result.output
    assert SECRET not in result.output
    refused = _cli("sites", "add", "x", "--api-key", "4_abc", "--secret", SECRET)
    assert refused.exit_code == 2 and "No such option '--secret'" in refused.output and SECRET not in refused.output


@pytest.mark.parametrize("text, message", [
    ("[sites.a]\napi_key = \"4_a\"\ndatacenter = \"eu1\"\n", "unknown key 'datacenter' (did you mean data_center?)"),
    ("[sites.a]\ndata_center = \"eu1\"\n", "needs api_key"),
    ("[sites.a]\napi_key = \"4_a\"\nuser_key = \"AK\"\n", "user_key and its secret"),
    ("[sites.a\napi_key = 1\n", "is not valid TOML"),
])
def test_a_broken_profile_is_refused_with_what_to_fix(tmp_path, text, message):
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ProfileError, match=re.escape(message)):
        profile_site_values("a", {"api-key": None, "data-center": "us1"}, False, explicit=set(), config=path)


def test_unknown_profile_and_config_option(tmp_path, monkeypatch):
    monkeypatch.delenv("GIGYA_MIGRATE_CONFIG", raising=False)
    path = tmp_path / "team.toml"
    path.write_text("[sites.prod-eu]\napi_key = \"4_abc\"\n")
    result = _cli("--config", path, "status", "--site", "prod-e")
    assert result.exit_code == 2 and "did you mean prod-eu?" in result.output and str(path) in result.output
    nothing = _cli("--config", tmp_path / "none.toml", "status", "--site", "prod-eu")
    assert nothing.exit_code == 2 and "does not exist" in nothing.output
    assert _cli("--config", path, "sites", "list").output.splitlines()[1] == \
        "prod-eu: 4_abc @ data center us1; no secret (api key only)"


def test_site_and_mock_together_are_refused(config):
    result = _cli("status", "--site", "x", "--mock")
    assert result.exit_code == 2 and "--site and --mock" in result.output


@pytest.mark.parametrize("command, options", [
    ("import", ["--site"]), ("validate-hashes", ["--site"]), ("status", ["--site"]), ("export", ["--site"]),
    ("update", ["--site"]), ("deletions", ["--site"]), ("flagged-deletions", ["--site"]),
    ("copy", ["--from-site", "--to-site"]), ("reconcile", ["--from-site", "--to-site"]),
])
def test_every_site_command_takes_a_profile(command, options):
    help_text = _cli(command, "--help").output
    assert all(option in help_text for option in options), command


@pytest.mark.parametrize("name", ["prod eu", 'a"b', "eu.prod", "", "ümlaut", "-x", "a" * 65, "line\nbreak"])
def test_sites_add_refuses_a_name_that_is_not_a_simple_identifier(config, name):
    config.write_text('[sites.kept]\napi_key = "4_kept"\n')
    result = _cli("sites", "add", "--api-key", "4_abc", "--", name)  # -- : a name that looks like an option
    assert result.exit_code == 2, result.output
    assert "is not a simple name: use ASCII letters, digits, '-' and '_'" in result.output
    assert config.read_text() == '[sites.kept]\napi_key = "4_kept"\n'  # the file is left as it was
    assert list(load_profiles(config)) == ["kept"]


@pytest.mark.parametrize("name", ["prod-eu", "staging_us1", "EU2", "a" * 64])
def test_sites_add_writes_a_simple_name_as_a_bare_key(config, name):
    assert _cli("sites", "add", name, "--api-key", "4_abc").exit_code == 0
    assert config.read_text().startswith(f"[sites.{name}]\n") and list(load_profiles(config)) == [name]
