"""The prebuilt jobs as dataflow templates give the same results as the commands, on the mock."""

from __future__ import annotations

import csv
import json

import bcrypt

from .conftest import APP_KEY, APP_SECRET
from .helpers import cli, pbkdf2, people, write_json

_INCLUDE = "profile,data,loginIDs,emails"
_COMPARED = _INCLUDE + ",isActive,isVerified,isRegistered"
_BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _bcrypt(password: str) -> str:
    """A bcrypt hash (the bcrypt library, cost 4) with a salt derived from the password: reproducible."""
    import hashlib

    salt = "".join(_BCRYPT_ALPHABET[b % 64] for b in hashlib.sha256(password.encode()).digest()[:21]) + "."
    return bcrypt.hashpw(password.encode(), f"$2b$04${salt}".encode()).decode()


def _template(tmp_path, name):
    path = tmp_path / f"{name}.json"
    assert cli("dataflow", "template", name, "--out", path).exit_code == 0
    return path


def _site(prefix, api_key):
    return [f"--{prefix}api-key", api_key, f"--{prefix}user-key", APP_KEY, f"--{prefix}secret", APP_SECRET,
            f"--{prefix}data-center", "us1"]


def _accounts(client, key="UID"):
    found = {}
    for account in client.search_all("SELECT * FROM accounts"):
        raw = client.get_account_info(account.raw["UID"], include=_INCLUDE).raw
        kept = {k: raw.get(k) for k in _COMPARED.split(",")}
        found[account.raw["UID"] if key == "UID" else raw["profile"]["email"]] = kept
    return found


def test_copy_template_equals_the_copy_command(sites, tmp_path):
    sites.mock.add_site("3_dst2", data_center="us1")
    from gigya_migrate.client import GigyaClient

    dst2 = GigyaClient("3_dst2", user_key=APP_KEY, secret=APP_SECRET, sleep=lambda s: None)
    made = []
    for i, email, first, last, password in people(4, seed=50):
        sites.src.import_full_account(f"c{i}", login_ids={"emails": [email]}, profile={"firstName": first, "email": email},
                                      data={"n": i}, password=pbkdf2(password, b"s" * 8), isVerified=True)
        made.append((email, password))
    command = cli("copy", *_site("from-", "3_src"), *_site("to-", "3_dst2"), "--full", "--skip-schema-check")
    assert command.exit_code == 0, command.output
    env = {f"GIGYA_VAR_{k}": v for k, v in sites.source_vars().items()}
    flow = cli("dataflow", "run", _template(tmp_path, "copy"), "--full", *sites.site_args(), env=env)
    assert flow.exit_code == 0 and "4 of 4 records processed" in flow.output, flow.output
    assert _accounts(sites.dst) == _accounts(dst2) and len(_accounts(dst2)) == 4
    for email, password in made:
        assert sites.dst.login(email, password).raw["UID"] == dst2.login(email, password).raw["UID"]


def test_import_template_equals_the_import_command(sites, tmp_path):
    sites.mock.add_site("3_dst2", data_center="us1")
    from gigya_migrate.client import GigyaClient

    dst2 = GigyaClient("3_dst2", user_key=APP_KEY, secret=APP_SECRET, sleep=lambda s: None)
    rows, logins = [], []
    for i, email, first, last, password in people(5, seed=51):
        rows.append({"email": email, "first_name": first, "last_name": last, "password_hash": _bcrypt(password)})
        logins.append((email, password))
    rows.append({"email": "nohash@example.com", "first_name": "N", "last_name": "H", "password_hash": ""})
    with open(tmp_path / "users.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    existing = rows[2]["email"]  # both sites already know this user: the import updates that account
    for client in (sites.dst, dst2):
        client.import_full_account("known-uid", login_ids={"emails": [existing]}, profile={"email": existing})
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("login_id: email\nfields:\n  first_name: profile.firstName\n  last_name: profile.lastName\n"
                       "password:\n  hash: password_hash\n")
    command = cli("import", tmp_path / "users.csv", "--mapping", mapping, *_site("", "3_dst2"))
    assert command.exit_code == 0, command.output
    env = {"GIGYA_VAR_inputFile": str(tmp_path / "users.csv"), "GIGYA_VAR_errorsFolder": f"{tmp_path}/errors/"}
    flow = cli("dataflow", "run", _template(tmp_path, "import"), *sites.site_args(), env=env)
    assert flow.exit_code == 0 and "5 of 6 records processed" in flow.output, flow.output
    # the same accounts, keyed by email (new UIDs differ: the command derives them, Gigya creates them here)
    assert _accounts(sites.dst, key="email") == _accounts(dst2, key="email")
    for email, password in logins:
        assert sites.dst.login(email, password).raw["profile"]["email"] == email
        assert dst2.login(email, password).raw["profile"]["email"] == email
    assert sites.dst.get_account_info("known-uid", include="profile").raw["profile"]["firstName"] == rows[2]["first_name"]
    failed = json.loads(next((tmp_path / "errors").iterdir()).read_text())
    assert [f["email"] for f in failed] == ["nohash@example.com"]  # the same row the command refused
    command_errors = [json.loads(line) for line in open("users.errors.jsonl")]
    assert [f["email"] for f in command_errors] == ["nohash@example.com"]


def test_export_template_equals_the_export_command(sites, tmp_path):
    for i, email, first, last, _ in people(6, seed=52):
        sites.dst.import_full_account(f"e{i}", login_ids={"emails": [email]}, profile={"email": email, "firstName": first},
                                      data={"tier": i % 2})
    command = cli("export", *sites.site_args(), "--where", "data.tier = 1", "--fields", "UID,profile,data",
                  "--out", tmp_path / "cmd.json")
    assert command.exit_code == 0, command.output
    env = {"GIGYA_VAR_where": "data.tier = 1", "GIGYA_VAR_outFolder": f"{tmp_path}/flow/"}
    flow = cli("dataflow", "run", _template(tmp_path, "export"), *sites.site_args(), env=env)
    assert flow.exit_code == 0, flow.output
    by_uid = lambda records: sorted(records, key=lambda r: r["UID"])  # noqa: E731
    exported = by_uid(json.loads(next((tmp_path / "flow").iterdir()).read_text()))
    assert exported == by_uid(json.loads((tmp_path / "cmd.json").read_text()))
    assert [r["UID"] for r in exported] == ["e1", "e3", "e5"]


def test_deletions_template_equals_the_deletions_command(sites, tmp_path):
    for i, email, *_ in people(5, seed=53):
        sites.dst.import_full_account(f"d{i}", login_ids={"emails": [email]}, profile={"email": email})
    for uid in ("d1", "d3"):
        sites.dst.delete_account(uid)
    command = cli("deletions", *sites.site_args(), "--out", tmp_path / "cmd.jsonl", "--full")
    assert command.exit_code == 0, command.output
    flow = cli("dataflow", "run", _template(tmp_path, "deletions"), "--full", *sites.site_args(),
               env={"GIGYA_VAR_outFolder": f"{tmp_path}/flow/"})
    assert flow.exit_code == 0, flow.output
    events = json.loads(next((tmp_path / "flow").iterdir()).read_text())
    expected = [json.loads(line) for line in open(tmp_path / "cmd.jsonl")]
    assert sorted(events, key=lambda e: e["uid"]) == sorted(expected, key=lambda e: e["uid"])
    assert sorted(e["uid"] for e in events) == ["d1", "d3"]
