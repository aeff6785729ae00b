"""Shared by the step scripts: the collection's variables, where to send calls, and each step.

The article's Postman collection (seed 004, "Validation process using Postman") has five steps.
Postman keeps collection variables between requests; here each step script runs the steps before
it in the same process (quietly), then its own step loudly, so any one of them can be run alone.

Where the calls go:
- no credentials: a local mock Gigya is started on a free loopback port for the run;
- ``GIGYA_BASE_URL`` (or ``--base-url``) with no key: that mock-gigya server, default credentials;
- ``GIGYA_API_KEY`` + ``GIGYA_USER_KEY`` + ``GIGYA_SECRET`` (+ ``GIGYA_DATA_CENTER``) or the same
  options: a real site. Then set ``GIGYA_TEST_EMAIL`` / ``--email`` to a test user of yours: step 2
  upserts its password (the article updates an existing test user).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import os
import secrets
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

from gigya_migrate.client import GigyaClient  # noqa: E402
from gigya_migrate.errors import GigyaError  # noqa: E402

__all__ = ["Variables", "make_hash", "main_for", "STEPS"]

ROUNDS = 10000
NODE_KEYLEN = 512  # bytes: the article calls crypto.pbkdf2Sync(password, salt, 10000, 512, 'sha512')
GIGYA_MAX_BYTES = 64  # importFullAccount: "the max number of hash bits is 512"


@dataclass
class Variables:
    """The collection variables."""

    email: str = "postman.validation@example.com"
    password: str = "Test@12"  # the article's example cleartext
    uid: str = ""
    salt_hex: str = ""
    hashed_password: str = ""
    salt_b64: str = ""
    results: dict = field(default_factory=dict)


def make_hash(password: str, salt_hex: str) -> tuple[str, str]:
    """Step 1 as the article's Node code does it: ``pbkdf2Sync(password, salt, 10000, 512, 'sha512')``.

    Node takes the salt string as UTF-8 bytes (here: the hex text of 32 random bytes, as the
    article's sample salt shows: it base64-decodes to 64 hex characters) and ``keylen`` in *bytes*,
    so the article's call derives 512 bytes, hex-encoded. Gigya needs base64 of the raw digest and
    at most 512 bits. PBKDF2 computes its output in independent hLen-sized blocks, so the first 64
    bytes of the article's 512-byte key are exactly PBKDF2-SHA512 with dkLen 64: we keep those.
    Returns ``(hashedPassword, salt)`` for importFullAccount, both base64.
    """
    node_key = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt_hex.encode("utf-8"), ROUNDS, NODE_KEYLEN)
    digest = node_key[:GIGYA_MAX_BYTES]
    return base64.b64encode(digest).decode(), base64.b64encode(salt_hex.encode("utf-8")).decode()


# ----------------------------------------------------------------------------------------------
# the five steps


def step1_make_hash(client: GigyaClient, v: Variables, say) -> None:
    """Generate the pbkdf2_sha512 hash and salt of the test password."""
    v.salt_hex = v.salt_hex or secrets.token_bytes(32).hex()
    v.hashed_password, v.salt_b64 = make_hash(v.password, v.salt_hex)
    say(f"pbkdf2_sha512, {ROUNDS} rounds: hashedPassword {v.hashed_password[:10]}..., salt {v.salt_b64[:10]}...")


def step2_import(client: GigyaClient, v: Variables, say) -> None:
    """accounts.importFullAccount with importPolicy=upsert and the new password."""
    v.uid = v.uid or _existing_uid(client, v.email) or uuid.uuid5(uuid.NAMESPACE_URL, f"postman:{v.email}").hex
    password = {"hashedPassword": v.hashed_password,
                "hashSettings": {"algorithm": "pbkdf2_sha512", "rounds": ROUNDS, "salt": v.salt_b64}}
    result = client.import_full_account(v.uid, password=password, import_policy="upsert",
                                        login_ids={"emails": [v.email]}, profile={"email": v.email},
                                        emails={"verified": [v.email]}, isRegistered=True, isVerified=True)
    say(f"importFullAccount upsert -> errorCode 0, UID {result.uid or v.uid}")


def step3_search(client: GigyaClient, v: Variables, say) -> None:
    """Identity query: the stored password uses the imported settings."""
    algorithm = _stored_algorithm(client, v.email)
    v.results["imported_algorithm"] = algorithm
    _check(algorithm == "pbkdf2_sha512", f"stored algorithm is {algorithm!r}, expected pbkdf2_sha512")
    say(f'SELECT * FROM accounts WHERE profile.email = "{v.email}" -> password.hashSettings.algorithm {algorithm}')


def step4_login(client: GigyaClient, v: Variables, say) -> None:
    """accounts.login with the cleartext: errorCode 0 and the account."""
    result = client.login(v.email, v.password)
    say(f"accounts.login -> errorCode 0, UID {result.uid}")


def step5_confirm_rehash(client: GigyaClient, v: Variables, say) -> None:
    """Identity query again: the first login re-hashed the password with the site's algorithm."""
    algorithm = _stored_algorithm(client, v.email)
    _check(algorithm != v.results.get("imported_algorithm", "pbkdf2_sha512"),
           f"the password still uses {algorithm!r}: not re-hashed")
    say(f"re-hashed on first login: password.hashSettings.algorithm is now {algorithm}")


STEPS = [step1_make_hash, step2_import, step3_search, step4_login, step5_confirm_rehash]


class StepFailed(Exception):
    """A step's check did not hold."""


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise StepFailed(message)


def _existing_uid(client: GigyaClient, email: str) -> str | None:
    page = client.search(f'SELECT UID FROM accounts WHERE profile.email = "{email}"')
    return page.results[0].uid if page.results else None


def _stored_algorithm(client: GigyaClient, email: str) -> str | None:
    page = client.search(f'SELECT * FROM accounts WHERE profile.email = "{email}"')
    _check(bool(page.results), f"no account with profile.email {email}")
    password = page.results[0].password
    settings = password.hash_settings if password else None
    return settings.algorithm if settings else None


# ----------------------------------------------------------------------------------------------
# running


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    env = os.environ.get
    parser.add_argument("--api-key", default=env("GIGYA_API_KEY"))
    parser.add_argument("--user-key", default=env("GIGYA_USER_KEY"))
    parser.add_argument("--secret", default=env("GIGYA_SECRET"))
    parser.add_argument("--data-center", default=env("GIGYA_DATA_CENTER", "us1"))
    parser.add_argument("--base-url", default=env("GIGYA_BASE_URL"))
    parser.add_argument("--email", default=env("GIGYA_TEST_EMAIL", Variables.email))
    parser.add_argument("--password", default=env("GIGYA_TEST_PASSWORD", Variables.password))
    return parser.parse_args(argv)


@contextlib.contextmanager
def connect(args: argparse.Namespace):
    """A client for the site the arguments name, or for a local mock started for the run."""
    from mock_gigya import defaults

    server = None
    if args.api_key:
        site = dict(api_key=args.api_key, user_key=args.user_key, secret=args.secret, base_url=args.base_url)
    else:
        if not args.base_url:
            from mock_gigya.server import MockServer

            server = MockServer().start()
            print(f"(no site given: a local mock Gigya at {server.url})")
        site = dict(api_key=defaults.DEFAULT_API_KEY, user_key=defaults.DEFAULT_USER_KEY,
                    secret=defaults.DEFAULT_SECRET, base_url=args.base_url or server.url)
    client = GigyaClient(site.pop("api_key"), data_center=args.data_center, **site)
    try:
        yield client
    finally:
        client.close()
        if server is not None:
            server.stop()


def main_for(last: int, argv: list[str] | None = None, *, show_all: bool = False) -> int:
    """Run steps 1..``last`` (only ``last`` printed unless ``show_all``); exit status 0 if all held."""
    args = _arguments(argv)
    v = Variables(email=args.email, password=args.password)
    with connect(args) as client:
        for number, step in enumerate(STEPS[:last], start=1):
            loud = show_all or number == last
            say = (lambda text, n=number: print(f"step {n}: {text}")) if loud else (lambda text: None)
            try:
                step(client, v, say)
            except (GigyaError, StepFailed) as exc:
                print(f"step {number} ({step.__doc__.splitlines()[0]}) FAILED: {exc}")
                return 1
    return 0
