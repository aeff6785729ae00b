"""The shared site options: environment, --mock defaults, refusals with a message."""

import click
import pytest
from click.testing import CliRunner

from gigya_migrate.commands._common import SiteTarget, site_options
from mock_gigya import defaults


@click.command()
@site_options()
def show(site):
    click.echo(repr(site))
    click.echo(site.describe())


@click.command()
@site_options("from", label="the source site")
@site_options("to", label="the target site")
def pair(from_site, to_site):
    click.echo(f"{from_site.api_key} {from_site.data_center} -> {to_site.api_key} {to_site.data_center}")


def test_environment_supplies_credentials_and_secret_is_not_shown():
    env = {"GIGYA_API_KEY": "3_abc", "GIGYA_USER_KEY": "AK1", "GIGYA_SECRET": "c2VjcmV0c2VjcmV0",
           "GIGYA_DATA_CENTER": "eu1"}
    result = CliRunner().invoke(show, [], env=env)
    assert result.exit_code == 0, result.output
    assert "api_key='3_abc'" in result.output and "data_center='eu1'" in result.output
    assert "c2VjcmV0c2VjcmV0" not in result.output
    assert "3_abc @ data center eu1" in result.output


def test_mock_flag_uses_the_mock_defaults():
    result = CliRunner().invoke(show, ["--mock"], env={"GIGYA_API_KEY": ""})
    assert result.exit_code == 0, result.output
    assert f"{defaults.DEFAULT_API_KEY} @ {defaults.DEFAULT_URL}" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "No site given: pass --api-key"),
        (["--api-key", "3_x", "--user-key", "AK"], "--user-key and --secret go together"),
    ],
)
def test_missing_or_half_credentials_are_refused_with_a_message(args, message):
    result = CliRunner().invoke(show, args, env={"GIGYA_API_KEY": "", "GIGYA_USER_KEY": "", "GIGYA_SECRET": ""})
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_prefixed_options_name_two_sites_in_different_data_centers():
    args = ["--from-api-key", "3_src", "--from-data-center", "us1", "--to-api-key", "3_dst", "--to-data-center", "eu1"]
    result = CliRunner().invoke(pair, args, env={"GIGYA_FROM_API_KEY": "", "GIGYA_TO_API_KEY": ""})
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "3_src us1 -> 3_dst eu1"


def test_prefixed_environment_variables():
    env = {"GIGYA_FROM_API_KEY": "3_env_src", "GIGYA_TO_API_KEY": "3_env_dst", "GIGYA_TO_DATA_CENTER": "au1"}
    result = CliRunner().invoke(pair, [], env=env)
    assert result.output.strip() == "3_env_src us1 -> 3_env_dst au1"


def test_site_target_repr_hides_secret():
    assert "s3cr3t" not in repr(SiteTarget(api_key="3_k", user_key="u", secret="s3cr3t"))


def test_library_errors_exit_1_with_the_message_not_a_traceback():
    import sqlite3

    from gigya_migrate.commands._common import library_errors

    @click.command()
    @click.argument("kind")
    @library_errors(LookupError)
    def fails(kind):
        raise {"disk": OSError(28, "No space left on device"), "db": sqlite3.OperationalError("database is locked"),
               "extra": LookupError("no such job")}[kind]

    for kind, message in [("disk", "No space left on device"), ("db", "database is locked"), ("extra", "no such job")]:
        result = CliRunner().invoke(fails, [kind])
        assert result.exit_code == 1 and message in result.output, result.output
        assert "Traceback" not in result.output
    with pytest.raises(KeyError):  # anything else is a bug: it is not dressed up as a clean exit
        library_errors()(lambda: {}["x"])()
