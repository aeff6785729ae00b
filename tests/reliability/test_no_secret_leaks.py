"""Every command run with a known secret and known cleartext passwords: neither appears in any output
(stdout/stderr, every file the command writes, log records, the mock's audit log)."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from gigya_migrate.cli import main

SECRET = "TGVha0NoZWNrLVNlY3JldC0yMDI2LXhZeg=="  # base64 of b"LeakCheck-Secret-2026-xYz"
USER_KEY = "AKleakcheck"
API_KEY = "3_leak_site"
TARGET_KEY = "3_leak_target"
CLEARTEXTS = ["Cl3artext-Alpha-914", "Cl3artext-Bravo-271", "Cl3artext-Charlie-808"]
EMAILS = [f"leak{i}@example.com" for i in range(len(CLEARTEXTS))]


def _site(prefix: str, url: str, api_key: str = API_KEY) -> list[str]:
    dash = f"{prefix}-" if prefix else ""
    return [f"--{dash}base-url", url, f"--{dash}api-key", api_key, f"--{dash}user-key", USER_KEY,
            f"--{dash}secret", SECRET]


def _inputs(work: Path) -> dict[str, Path]:
    rows = [(e, p, hashlib.md5(p.encode()).hexdigest()) for e, p in zip(EMAILS, CLEARTEXTS)]
    sample = work / "in-sample.csv"
    sample.write_text("email,password,hash,scheme\n" + "".join(f"{e},{p},{h},md5\n" for e, p, h in rows))
    users = work / "in-users.csv"
    users.write_text("email,hash,scheme\n" + "".join(f"{e},{h},md5\n" for e, _, h in rows))
    mapping = work / "in-mapping.yaml"
    mapping.write_text("login_id: email\npassword:\n  hash: hash\n  scheme: scheme\n")
    return {"sample": sample, "users": users, "mapping": mapping}


def _commands(work: Path, url: str, files: dict[str, Path]) -> dict[str, list]:
    site = _site("", url)
    two = _site("from", url) + _site("to", url, TARGET_KEY)
    return {
        "check-hashes": [files["sample"], "--show-objects", work / "objects.jsonl"],
        "import": [files["users"], "--mapping", files["mapping"], *site, "--report", work / "import.json",
                   "--errors", work / "import-errors.jsonl", "--journal", work / "import.sqlite"],
        "validate-hashes": [files["sample"], *site, "--report", work / "validate.json"],
        "status": [*site, "--report", work / "status.json", "--history", work / "status.sqlite"],
        "export": ["--where", "isActive = true", "--fields", "UID,profile.email,password", "--out",
                   work / "export.jsonl", *site],
        "update": ["--where", "isActive = true", "--set", "data.leakChecked=true", *site, "--errors",
                   work / "update-errors.jsonl", "--report", work / "update.json"],
        "reconcile": [*two, "--report", work / "reconcile.json"],
        "copy": [*two, "--dry-run", "--full", "--errors", work / "copy-errors.jsonl", "--report", work / "copy.json"],
        "deletions": ["--out", work / "deleted.jsonl", "--full", "--state", work / "deletions-state.json", *site],
        "flagged-deletions": ["--dry-run", *site],
    }


@pytest.fixture
def leak_site(gigya_server):
    gigya_server.add_site(API_KEY, user_key=USER_KEY, secret=SECRET)
    gigya_server.add_site(TARGET_KEY, partner_id=gigya_server.backend.site(API_KEY).partner_id)
    return gigya_server


def _grep(work: Path, text: str, logs: str, audit: str) -> list[str]:
    found = []
    blobs = {"output": text, "logs": logs, "audit": audit}
    blobs.update({str(p): p.read_bytes().decode("utf-8", "replace") for p in work.rglob("*")
                  if p.is_file() and not p.name.startswith("in-")})
    for needle in [SECRET, *CLEARTEXTS]:
        found += [f"{needle!r} in {where}" for where, blob in blobs.items() if needle in blob]
    return found


def test_no_command_prints_or_writes_the_secret_or_a_cleartext(tmp_path, leak_site, caplog, monkeypatch):
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.DEBUG)
    files = _inputs(tmp_path)
    commands = _commands(tmp_path, leak_site.url, files)
    runner = CliRunner()
    outputs = []
    for name, args in commands.items():
        result = runner.invoke(main, [name, *map(str, args)])
        assert "Traceback" not in result.output, (name, result.output)
        assert result.exit_code in (0, 1, 3) and "Usage:" not in result.output, (name, result.output)  # it ran
        outputs.append(f"$ {name}\n{result.output}")
    # every other command: its refusal of the site options must not echo them either
    for name in sorted(set(main.commands) - set(commands)):
        result = runner.invoke(main, [name, *_site("", leak_site.url)])
        outputs.append(f"$ {name}\n{result.output}")
    assert leak_site.accounts(API_KEY).count() == len(EMAILS)  # the commands really ran
    audit = str(leak_site.backend.audit_search(API_KEY, query="SELECT * FROM auditLog LIMIT 1000"))
    leaks = _grep(tmp_path, "\n".join(outputs), caplog.text, audit)
    assert leaks == [], leaks


def test_a_failing_call_does_not_leak_either(tmp_path, leak_site):
    """A refused login (wrong password) and a refused secret: the error texts carry neither."""
    from gigya_migrate.client import GigyaClient

    client = GigyaClient(API_KEY, user_key=USER_KEY, secret=SECRET, base_url=leak_site.url, max_retries=0)
    for call in (lambda: client.login(EMAILS[0], CLEARTEXTS[0]),
                 lambda: GigyaClient(API_KEY, user_key=USER_KEY, secret=SECRET + "x", base_url=leak_site.url,
                                     max_retries=0).get_policies()):
        with pytest.raises(Exception) as failed:
            call()
        text = f"{failed.value}\n{failed.value!r}\n{getattr(failed.value, 'response', '')}"
        assert SECRET not in text and CLEARTEXTS[0] not in text
    assert SECRET not in repr(client)
