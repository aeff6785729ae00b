"""``make demo``: the whole migration rehearsal against a local mock Gigya, in about a minute.

1. start ``mock-gigya serve`` on a free loopback port, in its own process;
2. write a realistic legacy export with faker (``demo-output/legacy-users.csv.gz``): thousands of
   users whose passwords are stored in a mix of formats (Django PBKDF2, bcrypt, phpass, ASP.NET
   Identity v3, salted SHA-256, unsalted MD5 hex, and argon2 that Gigya cannot verify), plus some
   deliberately bad rows (no email, a broken row, a duplicate email, an unreadable hash, a bad year);
3. ``gigya-migrate import --dry-run``, then the import itself (the error file and JSON report land
   in ``demo-output/``);
4. ``gigya-migrate validate-hashes`` on a sample of test users, one pair per format;
5. some imported users log in (their first login re-hashes the password), then
   ``gigya-migrate status`` shows how many are still on legacy hashes;
6. the next three commands to run on one's own data.

Every command runs exactly as a user would type it; the outputs are what they would see.
"""

from __future__ import annotations

import base64
import csv
import gzip
import hashlib
import os
import random
import shlex
import struct
import sys
import time
from pathlib import Path

__all__ = ["FORMATS", "NEXT_STEPS", "MockProcess", "main", "next_steps", "stored_hash", "write_legacy_export",
           "write_sample"]

OUT = Path("demo-output")
USERS = 10000
SEED = 2026
FORMATS = ("django", "bcrypt", "phpass", "aspnet", "sha256_salted", "md5_hex", "argon2")
WEIGHTS = (30, 20, 10, 10, 15, 13, 2)
COLUMNS = ["user_id", "email", "first_name", "last_name", "birth_year", "country", "newsletter", "created_at",
           "password_hash", "hash_scheme", "salt"]

MAPPING = """\
# legacy shop export -> Gigya (see gigya_migrate/flows/mapping.py)
login_id: email
fields:
  first_name: profile.firstName
  last_name: profile.lastName
  birth_year: {to: profile.birthYear, type: int}
  country: profile.country
  newsletter: {to: data.newsletter, type: bool}
  user_id: data.legacyId
  created_at: {to: created, type: date}
add:
  data.migratedFrom: legacy-shop
password:
  hash: password_hash
  scheme: hash_scheme
  salt: salt
"""


_BCRYPT_ALPHABET = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _bcrypt_b64(raw: bytes) -> bytes:
    """bcrypt's base64 (its own alphabet, no padding): 16 salt bytes -> 22 characters."""
    bits = int.from_bytes(raw, "big") << 4  # 128 bits padded to 132 = 22 six-bit characters
    return bytes(_BCRYPT_ALPHABET[(bits >> (6 * i)) & 63] for i in reversed(range(22)))


def stored_hash(fmt: str, password: str, rng: random.Random) -> tuple[str, str, str]:
    """(stored hash, scheme column, salt column) as the legacy system would hold them."""
    salt = "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(12))
    if fmt == "django":  # Django's own format; few rounds so the demo stays fast (the format allows any)
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 1000)
        return f"pbkdf2_sha256$1000${salt}${base64.b64encode(digest).decode()}", "", ""
    if fmt == "bcrypt":
        import bcrypt

        # the salt comes from rng so a seeded export is the same file every time
        return bcrypt.hashpw(password.encode(), b"$2b$04$" + _bcrypt_b64(rng.randbytes(16))).decode(), "", ""
    if fmt == "phpass":
        from passlib.hash import phpass

        return phpass.using(rounds=8, salt=salt[:8]).hash(password), "", ""
    if fmt == "aspnet":  # ASP.NET Identity v3: 0x01, PRF (1 = HMAC-SHA256), iterations, salt length, salt, subkey
        raw_salt = rng.randbytes(16)
        subkey = hashlib.pbkdf2_hmac("sha256", password.encode(), raw_salt, 1000, 32)
        blob = b"\x01" + struct.pack(">III", 1, 1000, 16) + raw_salt + subkey
        return base64.b64encode(blob).decode(), "", ""
    if fmt == "sha256_salted":
        return hashlib.sha256((salt + password).encode()).hexdigest(), "sha256($salt$password)", salt
    if fmt == "md5_hex":
        return hashlib.md5(password.encode()).hexdigest(), "md5", ""
    # argon2id: modern, and no importFullAccount algorithm verifies it
    return f"$argon2id$v=19$m=65536,t=3,p=4${base64.b64encode(rng.randbytes(16)).decode().rstrip('=')}$" \
           f"{base64.b64encode(rng.randbytes(32)).decode().rstrip('=')}", "", ""


def write_legacy_export(path: Path, count: int, *, seed: int = SEED) -> dict[str, tuple[str, str]]:
    """Write the faker export; returns email -> (cleartext, format) of every good row (for logins)."""
    from faker import Faker

    fake, rng = Faker(), random.Random(seed)
    fake.seed_instance(seed)
    known: dict[str, tuple[str, str]] = {}
    with gzip.open(path, "wt", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(COLUMNS)
        for index in range(count):
            fmt = rng.choices(FORMATS, WEIGHTS)[0]
            password = fake.password(length=12)
            email = f"{fake.user_name()}.{index}@{fake.free_email_domain()}"
            stored, scheme, salt = stored_hash(fmt, password, rng)
            row = [f"L{100000 + index}", email, fake.first_name(), fake.last_name(), str(rng.randint(1940, 2007)),
                   fake.country_code(), rng.choice(["yes", "no"]), fake.date_time_between("-10y").isoformat() + "Z",
                   stored, scheme, salt]
            row = _spoil(row, index, known)
            out.writerow(row)
            if row[1] and fmt != "argon2" and len(row) == len(COLUMNS) and row[1] not in known:
                known[row[1]] = (password, fmt)
    return known


def _spoil(row: list[str], index: int, known: dict) -> list[str]:
    """About 1% deliberately bad rows, of each kind the import must catch."""
    kind = index % 97
    if kind == 11:
        row[1] = ""  # no login email
    elif kind == 23:
        row = row + ["an extra field"]  # malformed row
    elif kind == 37 and known:
        row[1] = next(iter(known))  # duplicate email (an earlier user)
    elif kind == 53:
        row[8], row[9] = "not-a-hash!", "md5"  # unreadable digest for its declared scheme
    elif kind == 71:
        row[4] = "n/a"  # birth year that is not a number
    return row


def write_sample(path: Path, seed: int = SEED + 1) -> None:
    """Two test users per supported format, with their cleartexts (validate-hashes input)."""
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["email", "password", "hash", "scheme", "salt"])
        for fmt in FORMATS[:-1]:
            for n in range(2):
                password = f"Sample-{fmt}-{n}!{rng.randint(1000, 9999)}"
                stored, scheme, salt = stored_hash(fmt, password, rng)
                out.writerow([f"hash-test.{fmt}.{n}@example.com", password, stored, scheme, salt])


def _cli(*args: str) -> int:
    """Run one gigya-migrate command in-process, as typed; returns its exit status."""
    from gigya_migrate.cli import main as cli

    print(f"\n$ gigya-migrate {shlex.join(args)}", flush=True)
    try:
        cli.main(list(args), prog_name="gigya-migrate", standalone_mode=False)
    except SystemExit as stop:
        return int(stop.code or 0)
    except Exception as exc:  # a ClickException: show it as the CLI would
        show = getattr(exc, "show", None)
        show() if show else print(exc, file=sys.stderr)
        return getattr(exc, "exit_code", 1)
    return 0


def _log_in_some(site_url: str, known: dict, share: float) -> int:
    """Log in a share of the imported users (their first login re-hashes the password)."""
    from gigya_migrate.client import GigyaClient
    from mock_gigya import defaults

    chosen = list(known.items())[: int(len(known) * share)]
    with GigyaClient(defaults.DEFAULT_API_KEY, user_key=defaults.DEFAULT_USER_KEY, secret=defaults.DEFAULT_SECRET,
                     base_url=site_url) as client:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda item: _login(client, item[0], item[1][0]), chosen))
    return sum(results)


def _login(client, email: str, password: str) -> bool:
    try:
        client.login(email, password)
        return True
    except Exception:  # noqa: BLE001 - counted as a failed login in the demo output
        return False


class MockProcess:
    """``mock-gigya serve --port 0 [options]`` in its own process (its own CPU), stopped on exit."""

    def __init__(self, *options: str) -> None:
        self.options = options

    def __enter__(self) -> "MockProcess":
        import subprocess

        command = [sys.executable, "-c", "from mock_gigya.server import main; main()", "serve", "--port", "0",
                   "--no-https-proxy", *self.options]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        first = self.process.stdout.readline()
        if "http://" not in first:
            self.process.kill()
            raise RuntimeError(f"mock-gigya did not start: {first.strip()}")
        self.url = "http://" + first.split("http://", 1)[1].split()[0]
        return self

    def __exit__(self, *exc_info) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except Exception:  # noqa: BLE001 - make sure it is gone
            self.process.kill()


def main(users: int = USERS) -> None:
    """Run the demo (see the module docstring); ``users``: the size of the legacy export."""
    started = time.monotonic()
    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("legacy-users.*"):
        old.unlink()
    export, mapping, sample = OUT / "legacy-users.csv.gz", OUT / "mapping.yaml", OUT / "hash-sample.csv"
    with MockProcess() as server:
        print(f"1. mock-gigya serve: listening at {server.url} (site 3_mock_site)")
        known = write_legacy_export(export, users)
        mapping.write_text(MAPPING, encoding="utf-8")
        write_sample(sample)
        print(f"2. wrote {export} ({users:,} users, formats: {', '.join(FORMATS)}; about 1% bad rows) and {mapping}")
        site = ["--mock", "--base-url", server.url]
        os.environ.pop("GIGYA_API_KEY", None)
        print("3. import: a dry run first, then the real thing")
        _cli("import", str(export), "--mapping", str(mapping), "--dry-run", "--no-progress",
             "--errors", str(OUT / "dry-run.errors.jsonl"), "--report", str(OUT / "dry-run.report.json"))
        _cli("import", str(export), "--mapping", str(mapping), "--concurrency", "8", *site,
             "--errors", str(OUT / "legacy-users.errors.jsonl"), "--report", str(OUT / "legacy-users.report.json"),
             "--journal", str(OUT / "legacy-users.journal.sqlite"), "--html", str(OUT / "import-report.html"))
        print("\n4. validate the hash formats on a sample of test users")
        _cli("validate-hashes", str(sample), *site, "--html", str(OUT / "validate-hashes.html"))
        logged = _log_in_some(server.url, known, 0.3)
        print(f"\n5. a week later: {logged:,} migrated users have logged in once")
        _cli("status", *site, "--where", 'data.migratedFrom = "legacy-shop"', "--history",
             str(OUT / "status-history.sqlite"), "--html", str(OUT / "status.html"))
    print(f"\ndemo finished in {time.monotonic() - started:.0f} s; files in {OUT}/")
    print(next_steps())


NEXT_STEPS = (
    ("check-hashes your-sample.csv",
     "offline, no Gigya site: will your own legacy hashes log in after import? (columns: email, password, hash)"),
    (f"import your-users.csv --mapping {OUT}/mapping.yaml --dry-run",
     "validate your whole export against a mapping adapted from the demo's; nothing is sent"),
    ("validate-hashes your-sample.csv --site my-test-site",
     "prove the formats on a real test site (a profile in ~/.config/gigya-migrate/config.toml, see README)"),
)
"""What a user runs after the demo: (arguments after ``gigya-migrate``, why)."""


def next_steps() -> str:
    """The closing lines of the demo: the next three commands, each with why."""
    lines = ["\nNext, on your own data:"]
    for command, why in NEXT_STEPS:
        lines += [f"  gigya-migrate {command}", f"      # {why}"]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
