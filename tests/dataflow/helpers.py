"""Shared helpers for the dataflow tests: run the CLI, write files, seeded people."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from click.testing import CliRunner

from gigya_migrate.cli import main

SAMPLES = Path(__file__).parent / "samples"


def cli(*args: str, env: dict | None = None):
    """Run ``gigya-migrate`` in-process; returns click's Result."""
    return CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)


def write_json(path: Path, document) -> Path:
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def sample(name: str) -> dict:
    """A dataflow from tests/dataflow/samples (the seeds' samples, credentials as variables)."""
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def pbkdf2(password: str, salt: bytes, rounds: int = 1000, algorithm: str = "sha256") -> dict:
    """A Gigya import password object computed with hashlib (independent of gigya_migrate.hashing)."""
    digest = hashlib.pbkdf2_hmac(algorithm, password.encode(), salt, rounds)
    return {"hashedPassword": base64.b64encode(digest).decode(),
            "hashSettings": {"algorithm": f"pbkdf2_{algorithm}", "rounds": rounds,
                             "salt": base64.b64encode(salt).decode()}}


def people(count: int, seed: int):
    """``count`` seeded faker people: (index, email, first, last, password)."""
    from faker import Faker

    fake = Faker()
    fake.seed_instance(seed)
    return [(i, f"{i}.{fake.user_name()}@example.com", fake.first_name(), fake.last_name(), fake.password(length=12))
            for i in range(count)]
