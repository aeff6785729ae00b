"""Standard input reads the same as a file for every command that takes an export (`mapping init -`
as `import -`), and a run leaves no empty files behind."""

from __future__ import annotations

import json

from click.testing import CliRunner

from gigya_migrate.cli import main

AUTH0_HASHES = [  # Auth0's password-hash export (NDJSON): the shape the auth0 preset reads
    {"_id": {"$oid": "60425da93519d90068f80001"}, "email": "zoe@auth0.example", "email_verified": True,
     "passwordHash": "$2b$10$Z4d9yA1LbnvOmZf8Bq7vGO8V9I8dXfK5qQ4Tg3e9O6lQ2oW4rR5yq", "tenant": "dev-x"},
]


def test_mapping_init_reads_standard_input_like_import():
    text = "".join(json.dumps(row) + "\n" for row in AUTH0_HASHES)
    result = CliRunner().invoke(main, ["mapping", "init", "--from", "auth0", "-"], input=text)
    assert result.exit_code == 0, result.output
    assert "read 1 record(s) of standard input" in result.output
    assert "# not mapped (columns of standard input): tenant" in result.output
    assert "passwordHash (bcrypt)" in result.output  # the hash format found in the record


def test_mapping_init_of_empty_standard_input_is_refused_by_name():
    result = CliRunner().invoke(main, ["mapping", "init", "--from", "auth0", "-"], input="")
    assert result.exit_code == 2 and "standard input holds no records the auth0 preset can read" in result.output
