"""A dry run calls nothing, and the import says what the mapping leaves out before it starts."""

from click.testing import CliRunner

from gigya_migrate.cli import main

# Port 9 (discard) on loopback: nothing listens there, so any call would fail the run.
UNREACHABLE = "http://127.0.0.1:9"


def test_dry_run_against_an_unreachable_site_makes_no_call(tmp_path):
    users = tmp_path / "users.csv"
    users.write_text("email,first\nann@example.com,Ann\nbob@example.com,Bob\n", encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("login_id: email\nfields:\n  first: profile.firstName\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(users), "--mapping", str(mapping), "--mock",
                                       "--base-url", UNREACHABLE, "--dry-run", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "2 records in, 2 would be written, 0 failed" in result.output
    assert "500026" not in result.output


def test_missing_password_section_and_unread_columns_are_warned(tmp_path):
    users = tmp_path / "users.csv"
    users.write_text("email,password,shoe_size\nann@example.com,x,42\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(users), "--dry-run", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "warning: the mapping has no password section: accounts are imported WITHOUT passwords" in result.output
    assert "warning: input columns the mapping does not read (not imported): password, shoe_size" in result.output


def test_a_complete_mapping_gives_no_warning(tmp_path):
    users = tmp_path / "users.csv"
    users.write_text("email,hash\nann@example.com,$1$saltsalt$qjXMvbEw8oaL.CzflDugX/\n", encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("login_id: email\npassword:\n  hash: hash\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(users), "--mapping", str(mapping), "--dry-run", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "warning:" not in result.output
    assert "1 records in, 1 would be written" in result.output


def test_a_field_of_the_wrong_shape_is_said_once_in_the_mapping_words(tmp_path):
    users = tmp_path / "users.csv"
    users.write_text("email,first\nann@example.com,Ann\n", encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("login_id: email\nfields:\n  first: 5\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(users), "--mapping", str(mapping), "--dry-run"])
    assert result.exit_code == 2
    assert "fields.first: expected a Gigya field (e.g. profile.firstName) or {to: <Gigya field>, type:" in result.output
    assert "FieldSpec" not in result.output and ".str:" not in result.output
