"""`mock-gigya serve|seed|fault` refusing what a first-time user gets wrong (engineer T2's pass):
bad arguments exit 2 with a message naming the option, before a server starts or a fault registers."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from mock_gigya.server import main


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_db_in_a_missing_folder_is_named_not_an_sqlite_error(tmp_path):
    """Before: 'Error: OperationalError: unable to open database file'."""
    result = run("serve", "--port", "0", "--db", tmp_path / "no-such-dir" / "rehearsal.db")
    assert result.exit_code == 1, result.output  # the existing serve tests pin 1 for a refused start-up
    assert "--db" in result.output and "no-such-dir" in result.output and "does not exist" in result.output
    assert not (tmp_path / "no-such-dir").exists()


def test_db_that_is_not_a_database_names_the_file(tmp_path):
    """Before: 'Error: DatabaseError: file is not a database' (which file?)."""
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database, and it must stay as it is\n" * 20)
    result = run("serve", "--port", "0", "--db", notes)
    assert result.exit_code == 1 and f"cannot use --db {notes}" in result.output, result.output
    assert notes.read_text().startswith("not a database")


@pytest.mark.parametrize("mix, code", [("md5=1,argon2=1", 1), ("md5=-1", 2), ("md5=x", 2)])
def test_unknown_or_bad_hash_mix_names_the_option(mix, code):
    """Before: 'Error: ValueError: unknown hash algorithm(s) ...' from deep inside; a negative weight
    went through. (An unknown name exits 1, as tests/mock_service/test_serve_command.py pins.)"""
    result = run("serve", "--port", "0", "--seed", "1", "--seed-algorithms", mix)
    assert result.exit_code == code and "--seed-algorithms" in result.output, result.output
    assert "ValueError" not in result.output


def test_seed_refuses_an_unknown_algorithm_before_calling_the_server():
    # no server listens on port 9 (discard): a refusal that needed the server would say "no mock-gigya server"
    result = run("seed", "3", "--algorithms", "argon2", "--url", "http://127.0.0.1:9")
    assert result.exit_code == 1 and "unknown hash algorithm 'argon2'" in result.output, result.output
    assert "no mock-gigya server" not in result.output


@pytest.mark.parametrize("args, message", [
    (["--processed"], "--processed goes with --timeout or --drop"),
    (["--error", "403048", "--processed"], "--processed goes with --timeout or --drop"),
    (["--method", "importFullAccount"], "nothing to script"),
    (["--http-status", "99"], "99 is not in the range 400<=x<=599"),
    (["--error", "0"], "0 is not in the range x>=1"),
])
def test_fault_arguments_that_script_nothing_useful_are_refused(gigya_server, args, message):
    """Before: each of these registered a 'scripted fault' that did nothing (exit 0)."""
    result = run("fault", *args, "--url", gigya_server.url)
    assert result.exit_code == 2 and message in result.output, result.output
    state = json.loads(run("state", "--url", gigya_server.url).output)
    assert state["faults"]["scripts"] == []


def test_a_pure_delay_is_still_a_fault_one_can_script(gigya_server):
    result = run("fault", "--delay", "0.01", "--url", gigya_server.url)
    assert result.exit_code == 0 and "1 scripted fault(s) pending" in result.output
    assert run("fault", "--clear", "--url", gigya_server.url).exit_code == 0


def test_reset_says_no_server_before_asking_to_wipe_it():
    """Before: it asked 'Wipe every account ...?' and only then said nobody was there."""
    result = CliRunner().invoke(main, ["reset", "--url", "http://127.0.0.1:9"], input="y\n")
    assert result.exit_code == 1 and "no mock-gigya server" in result.output
    assert "Wipe" not in result.output


def test_reset_still_asks_and_a_no_keeps_the_data(gigya_server):
    run("seed", "2", "--url", gigya_server.url)
    before = json.loads(run("state", "--url", gigya_server.url).output)["sites"]
    kept = CliRunner().invoke(main, ["reset", "--url", gigya_server.url], input="n\n")
    assert kept.exit_code == 1 and "Wipe" in kept.output
    assert json.loads(run("state", "--url", gigya_server.url).output)["sites"] == before
    assert run("reset", "--yes", "--url", gigya_server.url).exit_code == 0
