"""phpMyAdmin's JSON export (Export -> JSON): the reader yields the rows of its tables, the commands pick
the users' table of a whole-database export or refuse naming the tables, and phpass hashes log in.

The fixtures follow the layout of phpMyAdmin's ExportJson plugin (header object, database object,
one object per table whose "data" array holds the rows; PHP's json_encode escaping): see
platform_exports.phpmyadmin_json.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from passlib.hash import phpass

from gigya_migrate.cli import main
from gigya_migrate.client import GigyaClient
from gigya_migrate.flows.phpmyadmin import list_tables
from gigya_migrate.flows.runner import BadRecord
from gigya_migrate.flows.steps import read_json_array, read_records
from mock_gigya import defaults

from cli_run import invoke  # tests/flows/cli_run.py
from platform_exports import phpmyadmin_json

OPTIONS = [{"option_id": "1", "option_name": "siteurl", "option_value": "https://wp.example/", "autoload": "yes"},
           {"option_id": "2", "option_name": "home", "option_value": "https://wp.example/", "autoload": "yes"}]
META = [{"umeta_id": "1", "user_id": "1", "meta_key": "nickname", "meta_value": "zoe"}]
CLEAR = {"zoe@wp.example": "Zoë-s3cret/1", "ana@wp.example": "ana/pass-2"}


def users():
    rows = []
    for index, (email, cleartext) in enumerate(CLEAR.items()):
        # fixed salts: reproducible, and each holds a '/' that PHP's json_encode writes as '\/'
        stored = phpass.using(rounds=8, salt=f"ab/{index}cd/e").hash(cleartext)
        rows.append({"ID": str(index + 1), "user_login": email.split("@")[0], "user_pass": stored,
                     "user_nicename": email.split("@")[0], "user_email": email, "user_url": None,
                     "user_registered": "2020-09-13 12:26:40", "user_activation_key": "", "user_status": "0",
                     "display_name": email.split("@")[0].title()})
    return rows


def export(tmp_path, tables=None, *, name="wordpress.json", pretty=False):
    tables = {"wp_options": OPTIONS, "wp_usermeta": META, "wp_users": users()} if tables is None else tables
    path = tmp_path / name
    path.write_text(phpmyadmin_json("wordpress", tables, pretty=pretty), encoding="utf-8")
    return path


# -- the reader ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("pretty", [False, True])
@pytest.mark.parametrize("chunk", [7, 1 << 16])  # a table's rows are read as they come, across chunks
def test_the_reader_yields_the_rows_of_the_tables_not_the_exports_objects(tmp_path, pretty, chunk):
    path = export(tmp_path, pretty=pretty)
    every = list(read_json_array(path, chunk_size=chunk))
    assert every == OPTIONS + META + users()
    chosen = list(read_json_array(path, chunk_size=chunk, table="wp_users"))
    assert chosen == users() and "/" in chosen[0]["user_pass"]  # PHP's '\/' read back as '/'
    assert list_tables(path) == {"wp_options": 2, "wp_usermeta": 1, "wp_users": 2}


def test_a_table_the_export_does_not_hold_is_one_error_naming_its_tables(tmp_path):
    [bad] = list(read_records(export(tmp_path), table="users"))
    assert isinstance(bad, BadRecord) and bad.code == "no-such-table"
    assert "wp_options (2 rows), wp_usermeta (1 row), wp_users (2 rows)" in bad.message


def test_a_truncated_export_gives_its_complete_rows_then_one_error(tmp_path):
    text = phpmyadmin_json("wordpress", {"wp_users": users()})
    path = tmp_path / "cut.json"
    path.write_text(text[:text.index('"ana@wp.example"') + 30], encoding="utf-8")
    *rows, bad = list(read_records(path, table="wp_users"))
    assert rows == users()[:1]
    assert isinstance(bad, BadRecord) and bad.code == "malformed-json"


def test_other_json_is_not_taken_for_a_phpmyadmin_export(tmp_path):
    plain = tmp_path / "users.json"
    plain.write_text(json.dumps([{"type": "header", "email": "a@b.example"}, {"email": "c@d.example"}]))
    assert list_tables(plain) is None and len(list(read_records(plain))) == 2
    (tmp_path / "users.csv").write_text("email\na@b.example\n")
    assert list_tables(tmp_path / "users.csv") is None


# -- the commands -------------------------------------------------------------------------------------


MAPPING = "login_id: user_email\nstrict_columns: false\npassword:\n  hash: user_pass\n"


def test_a_database_export_with_a_mapping_is_refused_until_table_names_one(tmp_path, gigya_server, site_args):
    path = export(tmp_path)
    (tmp_path / "mapping.yaml").write_text(MAPPING)
    refused = invoke("import", path, "--mapping", "mapping.yaml", *site_args)
    assert refused.exit_code == 2
    assert "holds 3 tables: wp_options (2 rows), wp_usermeta (1 row), wp_users (2 rows)" in refused.output
    assert "--table NAME" in refused.output and not list(tmp_path.glob("*.report.json"))
    result = invoke("import", path, "--mapping", "mapping.yaml", "--table", "wp_users", *site_args)
    assert result.exit_code == 0, result.output
    assert "2 records in, 2 ok, 0 failed" in result.output
    assert "reading table wp_users (2 rows); not read: wp_options, wp_usermeta" in result.output
    with GigyaClient(defaults.DEFAULT_API_KEY, user_key=defaults.DEFAULT_USER_KEY, secret=defaults.DEFAULT_SECRET,
                     base_url=gigya_server.url) as client:
        for email, cleartext in CLEAR.items():
            assert client.login(email, cleartext).uid, email


def test_the_wordpress_preset_picks_the_users_table_whatever_its_prefix(tmp_path):
    path = export(tmp_path, {"blog7_options": OPTIONS, "blog7_users": users()})
    result = invoke("import", path, "--from", "wordpress", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "reading table blog7_users (2 rows); not read: blog7_options" in result.output
    assert "2 records in, 2 would be written, 0 failed" in result.output


@pytest.mark.parametrize("table, says", [
    ("wp_user*", "2 tables match --table 'wp_user*'"),
    ("wp_nope", "no table matches --table 'wp_nope'"),
])
def test_a_table_choice_that_is_not_one_table_is_refused(tmp_path, table, says):
    result = invoke("import", export(tmp_path), "--from", "wordpress", "--table", table, "--dry-run")
    assert result.exit_code == 2 and says in result.output and "its tables: wp_options" in result.output


def test_table_on_a_file_that_is_not_a_phpmyadmin_export_is_refused(tmp_path):
    (tmp_path / "users.jsonl").write_text('{"user_email": "a@wp.example"}\n')
    result = invoke("import", tmp_path / "users.jsonl", "--from", "wordpress", "--table", "wp_users", "--dry-run")
    assert result.exit_code == 2 and "is not a phpMyAdmin JSON export" in result.output


def test_standard_input_and_mapping_init_read_the_users_table(tmp_path):
    text = export(tmp_path).read_text()
    result = CliRunner().invoke(main, ["import", "-", "--from", "wordpress", "--dry-run"], input=text)
    assert result.exit_code == 0 and "2 records in, 2 would be written" in result.output, result.output
    init = CliRunner().invoke(main, ["mapping", "init", "--from", "wordpress", "wordpress.json"])
    assert init.exit_code == 0, init.output
    assert "read 2 record(s) of wordpress.json" in init.output
    assert "# not mapped (columns of wordpress.json): user_activation_key" in init.output


def test_the_export_of_a_query_result_is_read_as_its_one_table(tmp_path):
    # phpMyAdmin's exportRawQuery: {"type": "raw", "data": [...]} with no table name
    text = phpmyadmin_json("wordpress", {"wp_users": users()})
    head = text.index('{"type":"table"')
    text = text[:head] + text[head:].replace('{"type":"table","name":"wp_users","database":"wordpress",',
                                             '{"type":"raw",', 1)
    path = tmp_path / "query.json"
    path.write_text(text, encoding="utf-8")
    assert list_tables(path) == {"raw-query": 2} and list(read_records(path)) == users()
    result = invoke("import", path, "--from", "wordpress", "--dry-run")
    assert result.exit_code == 0 and "2 records in, 2 would be written" in result.output, result.output
