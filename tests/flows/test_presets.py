"""`import FILE --from PLATFORM` on exports shaped like each platform's documented format, against the
loopback mock: known cleartexts log in after import, and across presets unicode names are kept,
disabled users are inactive, unverified emails stay unverified, dates equal the source instant, two
records whose emails differ only in case become one account (the other named in the error output),
and every record written without a password is counted with its reason (summary line and report).

Formats (field names, nesting, date encodings) follow the platforms' documentation: Auth0 "Bulk User
Import Database Schema", "Export password hashes" and the user export job; Firebase CLI auth:export
(JSON and the headerless CSV of firebase-tools accountExporter); Keycloak realm export; the Cognito
user-pool CSV header; the Okta Users API; Magento 2 "Customers Main File"; WordPress wp_users;
Django dumpdata auth.user.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pytest

from gigya_migrate.client import GigyaClient
from mock_gigya import defaults

from cli_run import invoke  # tests/flows/cli_run.py
from platform_exports import (UNICODE_NAMES, auth0_custom, b64, bcrypt_hash, django_hash, keycloak_credential,
                              magento_hash, password, phpmyadmin_json, rng, wordpress_hash)

API_KEY = defaults.DEFAULT_API_KEY
T0 = 1_600_000_000_123  # a source instant with milliseconds


@dataclass
class Export:
    """A generated export and what importing it must give."""

    name: str
    preset: str
    passwords: dict = field(default_factory=dict)      # email -> cleartext that must log in
    inactive: set = field(default_factory=set)
    unverified: set = field(default_factory=set)
    verified: set = field(default_factory=set)
    created: dict = field(default_factory=dict)        # email -> source instant (ms)
    names: dict = field(default_factory=dict)          # email -> {profile field: value}
    passwordless: dict = field(default_factory=dict)   # reason -> count
    duplicate: tuple | None = None                     # (email kept, the record with the other case)
    records: int = 0


def people(r, count, domain):
    out = []
    for index in range(count):
        first, last = UNICODE_NAMES[(index + r.randrange(8)) % len(UNICODE_NAMES)]
        out.append({"email": f"user{index}.{r.randrange(10**6)}@{domain}", "first": first, "last": last,
                    "pw": password(r), "ms": T0 + index * 86_400_123})
    return out


def iso(ms):
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sql_date(ms):
    return datetime.fromtimestamp(ms // 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def write_jsonl(path, rows, gz=False):
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    path.write_bytes(gzip.compress(text.encode()) if gz else text.encode())
    return path


def write_csv(path, header, rows, *, with_header=True):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if with_header:
        writer.writerow(header)
    writer.writerows([[row.get(h, "") for h in header] for row in rows])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def duplicate_of(row, key):
    return {**row, key: row[key].upper()}


# -- builders: one per export shape -----------------------------------------------------------------


def auth0_hash_export(tmp_path, r):
    """Auth0 support's password-hash export: NDJSON with passwordHash (bcrypt) and Mongo-style ids."""
    ex, users = Export("auth0-hashes", "auth0"), people(r, 5, "auth0.example")
    rows = []
    for i, u in enumerate(users):
        rows.append({"_id": {"$oid": f"60425da93519d90068f8{i:04d}"}, "email_verified": i != 1, "email": u["email"],
                     "passwordHash": bcrypt_hash(u["pw"], r), "password_set_date": {"$date": iso(u["ms"])},
                     "tenant": "dev-x", "connection": "Username-Password-Authentication", "_tmp_is_unique": True})
        ex.passwords[u["email"]] = u["pw"]
        (ex.unverified if i == 1 else ex.verified).add(u["email"])
    rows.append(duplicate_of(rows[0], "email"))
    ex.duplicate, ex.records = (users[0]["email"], users[0]["email"].upper()), len(rows)
    return write_jsonl(tmp_path / "password-hashes.json", rows), ex


def auth0_export_job(tmp_path, r):
    """The bulk user export job: gzipped NDJSON, no hashes, metadata, blocked and social users."""
    ex, users = Export("auth0-export-job", "auth0"), people(r, 4, "auth0job.example")
    rows = []
    for i, u in enumerate(users):
        social = i == 3
        rows.append({"user_id": f"google-oauth2|{i}" if social else f"auth0|{i:024d}", "email": u["email"],
                     "email_verified": i != 2, "given_name": u["first"], "family_name": u["last"],
                     "name": f"{u['first']} {u['last']}", "created_at": iso(u["ms"]), "last_login": iso(u["ms"] + 5000),
                     "logins_count": i, "blocked": i == 1,
                     "identities": [{"provider": "google-oauth2" if social else "auth0", "isSocial": social}],
                     "user_metadata": {"plan": "gold", "lang": "fr"}, "app_metadata": {"roles": ["reader"]}})
        ex.created[u["email"]] = u["ms"]
        ex.names[u["email"]] = {"firstName": u["first"], "lastName": u["last"]}
        (ex.unverified if i == 2 else ex.verified).add(u["email"])
    ex.inactive = {users[1]["email"]}
    ex.passwordless = {"no hash column": 4}
    ex.records = len(rows)
    return write_jsonl(tmp_path / "users-export.json.gz", rows, gz=True), ex


AUTH0_CONVERTED = ["md5-hex-prefix", "sha1-b64-suffix", "sha256-utf16-hexsalt", "sha512", "pbkdf2", "bcrypt", "ldap"]


def auth0_bulk_import(tmp_path, r):
    """The bulk-import schema: a JSON array with password_hash or custom_password_hash."""
    ex = Export("auth0-bulk-import", "auth0")
    users = people(r, len(AUTH0_CONVERTED) + 4, "auth0bulk.example")
    rows = []
    for u, algorithm in zip(users, AUTH0_CONVERTED):
        rows.append({"email": u["email"], "email_verified": True, "given_name": u["first"],
                     "custom_password_hash": auth0_custom(algorithm, u["pw"], r)})
        ex.passwords[u["email"]] = u["pw"]
    plain = users[len(AUTH0_CONVERTED)]
    rows.append({"email": plain["email"], "email_verified": False, "password_hash": bcrypt_hash(plain["pw"], r)})
    ex.passwords[plain["email"]] = plain["pw"]
    ex.unverified.add(plain["email"])
    for u, algorithm in zip(users[len(AUTH0_CONVERTED) + 1:], ["hmac", "md4", "argon2"]):
        rows.append({"email": u["email"], "custom_password_hash": auth0_custom(algorithm, u["pw"], r)})
        ex.unverified.add(u["email"])  # email_verified absent: Auth0's default is false
    ex.passwordless = {"unsupported scheme: auth0 hmac-sha256": 1, "unsupported scheme: auth0 md4": 1,
                       "unsupported scheme: auth0 argon2": 1}
    ex.records = len(rows)
    path = tmp_path / "bulk-import.json"
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
    return path, ex


def firebase_users(r, ex):
    users = people(r, 4, "firebase.example")
    rows = []
    for i, u in enumerate(users):
        rows.append({"localId": f"uid{i}", "email": u["email"], "emailVerified": i != 0,
                     "passwordHash": b64(bytes(r.randrange(256) for _ in range(64))),
                     "salt": b64(bytes(r.randrange(256) for _ in range(12))), "displayName": f"{u['first']} {u['last']}",
                     "lastSignedInAt": str(u["ms"] + 1000), "createdAt": str(u["ms"]), "disabled": i == 2,
                     "providerUserInfo": [{"providerId": "password", "rawId": u["email"]}]})
        ex.created[u["email"]] = u["ms"]
        ex.names[u["email"]] = {"nickname": f"{u['first']} {u['last']}"}
        (ex.unverified if i == 0 else ex.verified).add(u["email"])
    ex.inactive = {users[2]["email"]}
    ex.passwordless = {"unsupported scheme: firebase scrypt": 4}
    return rows


def firebase_json(tmp_path, r):
    """firebase auth:export users.json: {"users": [...]}, epoch-millisecond strings."""
    ex = Export("firebase-json", "firebase")
    rows = firebase_users(r, ex)
    rows.append(duplicate_of(rows[1], "email"))
    ex.duplicate, ex.records = (rows[1]["email"], rows[1]["email"].upper()), len(rows)
    path = tmp_path / "firebase-users.json"
    path.write_text(json.dumps({"users": rows}, ensure_ascii=False, indent=2), encoding="utf-8")
    return path, ex


def firebase_csv(tmp_path, r):
    """firebase auth:export users.csv: no header row, 26 columns (older CLIs) or 28."""
    from gigya_migrate.flows.presets.firebase import CSV_HEADER

    ex = Export("firebase-csv", "firebase")
    rows = firebase_users(r, ex)
    for row in rows:
        row["emailVerified"] = str(row["emailVerified"]).lower()
        row["disabled"] = str(row["disabled"]).lower()
    path = write_csv(tmp_path / "firebase-users.csv", CSV_HEADER, rows, with_header=False)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].rsplit(",", 2)[0]  # an older CLI's 26-column line
    assert lines[1].count(",") == 27
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ex.inactive = {rows[2]["email"]}
    ex.records = len(rows)
    return path, ex


def keycloak_export(tmp_path, r, *, flat):
    """A realm export: {"realm", ..., "users": [{..., "credentials": [...]}]}."""
    ex = Export(f"keycloak-{'flat' if flat else 'secretdata'}", "keycloak")
    users = people(r, 4, "keycloak.example")
    rows = []
    for i, u in enumerate(users):
        credentials = [keycloak_credential(u["pw"], r, algorithm=("pbkdf2-sha256", "pbkdf2-sha512", "pbkdf2")[i % 3],
                                           flat=flat)] if i != 3 else []
        rows.append({"id": f"kc-{i}", "createdTimestamp": u["ms"], "username": f"user{i}", "enabled": i != 1,
                     "emailVerified": i != 2, "firstName": u["first"], "lastName": u["last"], "email": u["email"],
                     "attributes": {"locale": ["fr"]}, "credentials": credentials, "realmRoles": ["default-roles"]})
        if i != 3:
            ex.passwords[u["email"]] = u["pw"]
        ex.created[u["email"]] = u["ms"]
        ex.names[u["email"]] = {"firstName": u["first"], "lastName": u["last"]}
        (ex.unverified if i == 2 else ex.verified).add(u["email"])
    ex.inactive = {users[1]["email"]}
    ex.passwordless = {"no password credential": 1}
    ex.passwords.pop(users[1]["email"])  # a disabled account cannot log in (403041), checked as inactive
    ex.records = len(rows)
    realm = {"id": "shop", "realm": "shop", "enabled": True, "roles": {"realm": []}, "groups": [{"name": "g"}],
             "users": rows, "clients": [{"clientId": "web"}]}
    path = tmp_path / "shop-realm.json"
    path.write_text(json.dumps(realm, ensure_ascii=False, indent=2), encoding="utf-8")
    return path, ex


COGNITO_HEADER = ["cognito:username", "name", "given_name", "family_name", "middle_name", "nickname",
                  "preferred_username", "profile", "picture", "website", "email", "email_verified", "gender",
                  "birthdate", "zoneinfo", "locale", "phone_number", "phone_number_verified", "address", "updated_at",
                  "cognito:mfa_enabled", "custom:plan", "custom:tenant_id", "Enabled", "UserCreateDate"]


def cognito_csv(tmp_path, r):
    ex = Export("cognito", "cognito")
    users = people(r, 4, "cognito.example")
    rows = []
    for i, u in enumerate(users):
        rows.append({"cognito:username": f"c-{i}", "given_name": u["first"], "family_name": u["last"],
                     "email": u["email"], "email_verified": "true" if i != 0 else "false",
                     "updated_at": str(u["ms"] // 1000), "cognito:mfa_enabled": "false", "custom:plan": "gold",
                     "custom:tenant_id": str(i), "Enabled": "false" if i == 3 else "true",
                     "UserCreateDate": iso(u["ms"])})
        ex.created[u["email"]] = u["ms"]
        ex.names[u["email"]] = {"firstName": u["first"], "lastName": u["last"]}
        (ex.unverified if i == 0 else ex.verified).add(u["email"])
    rows.append(duplicate_of(rows[2], "email"))
    ex.duplicate = (rows[2]["email"], rows[2]["email"].upper())
    ex.inactive = {users[3]["email"]}
    ex.passwordless = {"no password section in the mapping": 4}
    ex.records = len(rows)
    return write_csv(tmp_path / "cognito-users.csv", COGNITO_HEADER, rows), ex


OKTA_HEADER = ["id", "status", "created", "activated", "lastLogin", "lastUpdated", "passwordChanged", "profile.login",
               "profile.email", "profile.firstName", "profile.lastName", "profile.mobilePhone", "profile.costCenter"]


def okta_csv(tmp_path, r):
    ex = Export("okta", "okta")
    users = people(r, 4, "okta.example")
    statuses = ["ACTIVE", "SUSPENDED", "DEPROVISIONED", "PASSWORD_EXPIRED"]
    rows = []
    for i, u in enumerate(users):
        rows.append({"id": f"00u{i}", "status": statuses[i], "created": iso(u["ms"]), "profile.login": u["email"],
                     "profile.email": u["email"], "profile.firstName": u["first"], "profile.lastName": u["last"],
                     "profile.costCenter": "cc-7"})
        ex.created[u["email"]] = u["ms"]
        ex.names[u["email"]] = {"firstName": u["first"], "lastName": u["last"]}
        ex.unverified.add(u["email"])
    ex.inactive = {users[1]["email"], users[2]["email"]}
    ex.passwordless = {"no password section in the mapping": 4}
    ex.records = len(rows)
    return write_csv(tmp_path / "okta-users.csv", OKTA_HEADER, rows), ex


MAGENTO_HEADER = ["email", "_website", "_store", "website_id", "store_id", "created_in", "prefix", "firstname",
                  "middlename", "lastname", "suffix", "group_id", "dob", "password_hash", "rp_token",
                  "rp_token_created_at", "created_at", "updated_at", "confirmation", "default_billing",
                  "default_shipping", "taxvat", "gender", "lock_expires", "failures_num", "disable_auto_group_change"]


def magento_csv(tmp_path, r):
    ex = Export("magento2", "magento2")
    versions = ["0", "1", "0:1", "1:2", "2"]
    users = people(r, len(versions), "magento.example")
    rows = []
    for u, version in zip(users, versions):
        ms = u["ms"] - u["ms"] % 1000  # MySQL datetime: whole seconds
        rows.append({"email": u["email"], "_website": "base", "_store": "default", "website_id": "1",
                     "firstname": u["first"], "lastname": u["last"], "group_id": "1", "gender": "2",
                     "password_hash": magento_hash(u["pw"], version, r), "created_at": sql_date(ms)})
        if version in ("0", "1"):
            ex.passwords[u["email"]] = u["pw"]
        ex.created[u["email"]] = ms
        ex.names[u["email"]] = {"firstName": u["first"], "lastName": u["last"]}
        ex.unverified.add(u["email"])
    ex.passwordless = {"unsupported scheme: magento2 chain 0:1": 1, "unsupported scheme: magento2 chain 1:2": 1,
                       "unsupported scheme: magento2 version 2 (argon2id13)": 1}
    ex.records = len(rows)
    return write_csv(tmp_path / "customer.csv", MAGENTO_HEADER, rows), ex


WP_HEADER = ["ID", "user_login", "user_pass", "user_nicename", "user_email", "user_url", "user_registered",
             "user_activation_key", "user_status", "display_name"]


def wordpress_csv(tmp_path, r):
    rows, ex = wordpress_rows(r)
    return write_csv(tmp_path / "wp_users.csv", WP_HEADER, rows), ex


WP_OTHER_TABLES = {  # what a whole-database phpMyAdmin export holds besides wp_users
    "wp_options": [{"option_id": "1", "option_name": "siteurl", "option_value": "https://wp.example",
                    "autoload": "yes"}],
    "wp_usermeta": [{"umeta_id": "1", "user_id": "1", "meta_key": "nickname", "meta_value": "user0"}],
}


def wordpress_phpmyadmin(tmp_path, r):
    """phpMyAdmin's JSON export of the whole WordPress database (pretty-printed): wp_users among others."""
    rows, ex = wordpress_rows(r)
    rows = [{**row, "user_activation_key": "", "user_url": None} for row in rows]  # NULL comes as null
    text = phpmyadmin_json("wordpress", {**WP_OTHER_TABLES, "wp_users": rows}, pretty=True)
    path = tmp_path / "wordpress.json"
    path.write_text(text, encoding="utf-8")
    return path, ex


def wordpress_rows(r):
    ex = Export("wordpress", "wordpress")
    kinds = ["phpass", "md5", "2y", "wp", "phpass"]
    users = people(r, len(kinds), "wp.example")
    rows = []
    for i, (u, kind) in enumerate(zip(users, kinds)):
        ms = u["ms"] - u["ms"] % 1000
        rows.append({"ID": str(i + 1), "user_login": f"user{i}", "user_pass": wordpress_hash(kind, u["pw"], r),
                     "user_nicename": f"user{i}", "user_email": u["email"], "user_registered": sql_date(ms),
                     "user_status": "1" if i == 4 else "0", "display_name": f"{u['first']} {u['last']}"})
        if kind != "wp" and i != 4:
            ex.passwords[u["email"]] = u["pw"]
        ex.created[u["email"]] = ms
        ex.names[u["email"]] = {"nickname": f"{u['first']} {u['last']}"}
        ex.unverified.add(u["email"])
    ex.inactive = {users[4]["email"]}
    ex.passwordless = {"unsupported scheme: wordpress 6.8 bcrypt ($wp$)": 1}
    ex.records = len(rows)
    return rows, ex


DJANGO_HASHERS = ["pbkdf2_sha256", "pbkdf2_sha1", "md5", "sha1", "unsalted_md5", "unsalted_sha1", "bcrypt",
                  "argon2", "bcrypt_sha256", "scrypt", "crypt", "unusable"]


def django_dumpdata(tmp_path, r):
    ex = Export("django", "django")
    users = people(r, len(DJANGO_HASHERS), "django.example")
    rows = []
    for i, (u, hasher) in enumerate(zip(users, DJANGO_HASHERS)):
        # DjangoJSONEncoder: isoformat, microseconds cut to milliseconds, +00:00 written as Z
        rows.append({"model": "auth.user", "pk": i + 1, "fields": {
            "password": django_hash(hasher, u["pw"], r), "last_login": None, "is_superuser": False,
            "username": f"user{i}", "first_name": u["first"], "last_name": u["last"], "email": u["email"],
            "is_staff": False, "is_active": i != 0, "date_joined": iso(u["ms"]), "groups": [], "user_permissions": []}})
        if hasher in DJANGO_HASHERS[1:7]:
            ex.passwords[u["email"]] = u["pw"]
        ex.created[u["email"]] = u["ms"]
        ex.names[u["email"]] = {"firstName": u["first"], "lastName": u["last"]}
        ex.unverified.add(u["email"])
    ex.inactive = {users[0]["email"]}
    ex.passwordless = {"unsupported scheme: argon2 (django)": 1, "unsupported scheme: bcrypt_sha256 (django)": 1,
                       "unsupported scheme: scrypt (django)": 1, "unsupported scheme: des_crypt (django)": 1,
                       "unusable password (!)": 1}
    ex.records = len(rows)
    path = tmp_path / "users.json"
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")
    return path, ex


BUILDERS = {
    "auth0-hashes": auth0_hash_export, "auth0-export-job": auth0_export_job, "auth0-bulk-import": auth0_bulk_import,
    "firebase-json": firebase_json, "firebase-csv": firebase_csv,
    "keycloak-flat": lambda p, r: keycloak_export(p, r, flat=True),
    "keycloak-secretdata": lambda p, r: keycloak_export(p, r, flat=False),
    "cognito": cognito_csv, "okta": okta_csv, "magento2": magento_csv, "wordpress": wordpress_csv,
    "wordpress-phpmyadmin": wordpress_phpmyadmin,
    "django": django_dumpdata,
}


@pytest.mark.parametrize("shape", list(BUILDERS))
def test_preset_imports_the_export_and_its_passwords_log_in(shape, tmp_path, gigya_server, site_args):
    path, ex = BUILDERS[shape](tmp_path, rng(sum(map(ord, shape))))
    result = invoke("import", path, "--from", ex.preset, *site_args)
    assert result.exit_code == 0, result.output
    report = json.loads(next(tmp_path.glob("*.report.json")).read_text())
    duplicates = 1 if ex.duplicate else 0
    assert report["records"]["in"] == ex.records
    assert report["records"]["ok"] == ex.records - duplicates, result.output
    assert report["passwordless"] == ex.passwordless  # the reasons, counted: never silent
    total = sum(ex.passwordless.values())
    summary = next(line for line in result.output.splitlines() if line.startswith("import:"))
    assert f"; {total} without a password" in summary
    accounts = gigya_server.accounts(API_KEY)
    with GigyaClient(API_KEY, user_key=defaults.DEFAULT_USER_KEY, secret=defaults.DEFAULT_SECRET,
                     base_url=gigya_server.url) as client:
        for email, cleartext in ex.passwords.items():
            assert client.login(email, cleartext).uid, email
    for email, expected in ex.names.items():
        profile = accounts.find(email=email)["profile"]
        assert {k: profile.get(k) for k in expected} == expected  # unicode names kept as they are
    for email in ex.inactive:
        assert accounts.find(email=email)["isActive"] is False, email
    for email in set(ex.names) | set(ex.passwords) - ex.inactive:
        if email not in ex.inactive:
            assert accounts.find(email=email).get("isActive", True) is True, email
    for email in ex.unverified:
        account = accounts.find(email=email)
        assert email not in (account.get("emails") or {}).get("verified", []) and not account["isVerified"], email
    for email in ex.verified:
        assert email in accounts.find(email=email)["emails"]["verified"], email
    for email, instant in ex.created.items():
        assert accounts.find(email=email)["createdTimestamp"] == instant, email
    if ex.duplicate:
        kept, other = ex.duplicate
        assert accounts.find(email=kept) is not None and accounts.count() == ex.records - 1
        errors = [json.loads(line) for line in next(tmp_path.glob("*.errors.jsonl")).read_text().splitlines()]
        assert [e["errorCode"] for e in errors] == ["duplicate-login-id"]
        assert errors[0]["errorMessage"].startswith(f"{kept!r} already appears in record")
        assert other in json.dumps(errors[0], ensure_ascii=False)  # the other record, as it was


def test_firebase_dry_run_says_scrypt_once_up_front_with_the_count(tmp_path):
    path, ex = firebase_json(tmp_path, rng(11))
    result = invoke("import", path, "--from", "firebase", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.count("Firebase's modified scrypt") == 1
    assert "5 of the 5 records will be imported WITHOUT a password. Firebase's" in result.output
    assert "password-reset" in result.output and "login fallback" in result.output
    summary = next(line for line in result.output.splitlines() if line.startswith("import:"))
    assert "4 would be written, 1 failed (duplicate-login-id 1); 4 without a password " \
           "(unsupported scheme: firebase scrypt 4)" in summary
    assert "not a format this toolkit recognises" not in result.output


def test_cognito_says_once_that_no_hashes_exist_and_maps_custom_attributes(tmp_path, gigya_server, site_args):
    path, ex = cognito_csv(tmp_path, rng(12))
    result = invoke("import", path, "--from", "cognito", *site_args)
    assert result.output.count("never exports password hashes") == 1
    assert "5 of the 5 records will be imported WITHOUT a password. AWS Cognito" in result.output
    assert "the mapping has no password section" not in result.output  # said once, by the preset
    account = gigya_server.accounts(API_KEY).find(email=next(iter(ex.created)))
    assert account["data"]["plan"] == "gold" and account["data"]["tenant_id"] == "0"
    # imported through `custom:*`, so never listed as a column the mapping does not read
    unread = next(line for line in result.output.splitlines() if "the mapping does not read" in line)
    assert "cognito:mfa_enabled" in unread and "custom:" not in unread


def test_auth0_job_keeps_metadata_and_marks_social_users(tmp_path, gigya_server, site_args):
    path, ex = auth0_export_job(tmp_path, rng(13))
    assert invoke("import", path, "--from", "auth0", *site_args).exit_code == 0
    accounts = gigya_server.accounts(API_KEY)
    first = accounts.find(email=sorted(ex.created, key=ex.created.get)[0])
    assert first["data"]["userMetadata"] == {"plan": "gold", "lang": "fr"}
    assert first["data"]["appMetadata"] == {"roles": ["reader"]} and first["data"]["auth0"]["provider"] == "auth0"
    social = accounts.find(email=sorted(ex.created, key=ex.created.get)[3])
    assert social["data"]["auth0"]["provider"] == "google-oauth2" and not social.get("password")


def test_okta_users_api_json_reads_nested_profiles(tmp_path, gigya_server, site_args):
    users = [{"id": "00u1", "status": "SUSPENDED", "created": "2020-09-13T12:26:40.123Z",
              "profile": {"login": "zoe@okta.example", "email": "zoe@okta.example", "firstName": "Zoë",
                          "lastName": "Ødegård", "costCenter": "cc-7"}},
             {"id": "00u2", "status": "ACTIVE", "created": "2020-09-14T12:26:40Z",
              "profile": {"login": "ana@okta.example", "email": "ana@okta.example", "firstName": "Ana"}}]
    path = tmp_path / "okta-users.json"
    path.write_text(json.dumps(users, ensure_ascii=False), encoding="utf-8")
    result = invoke("import", path, "--from", "okta", *site_args)
    assert "2 ok, 0 failed; 2 without a password (no password section in the mapping 2)" in result.output
    accounts = gigya_server.accounts(API_KEY)
    zoe = accounts.find(email="zoe@okta.example")
    assert zoe["isActive"] is False and zoe["profile"]["lastName"] == "Ødegård"
    assert zoe["data"]["okta"] == {"id": "00u1", "login": "zoe@okta.example", "costCenter": "cc-7"} and zoe["createdTimestamp"] == 1_600_000_000_123
    assert accounts.find(email="ana@okta.example")["isActive"] is True


def test_the_import_command_mapping_init_prints_reads_a_headerless_firebase_csv(tmp_path, gigya_server, site_args):
    # the documented workflow: mapping init > mapping.yaml, edit, then the import line the file names
    path, ex = firebase_csv(tmp_path, rng(21))
    printed = invoke("mapping", "init", "--from", "firebase", path)
    assert printed.exit_code == 0, printed.output
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(printed.stdout, encoding="utf-8")
    line = next(text for text in printed.stdout.splitlines() if "Import with: gigya-migrate import" in text)
    words = line.split("gigya-migrate ", 1)[1].split("(")[0].split()
    args = [str(path) if w == "FILE" else str(mapping) if w == "THIS_FILE" else w for w in words]
    result = invoke(*args, *site_args)
    assert result.exit_code == 0, result.output
    assert f"{ex.records} records in, {ex.records} ok, 0 failed" in result.output  # the first line is a user
    assert result.output.count("Firebase's modified scrypt") == 1  # the up-front note is kept
    assert gigya_server.accounts(API_KEY).count() == ex.records
    # without --from, the first user would be read as a header row: refused, never silently dropped
    bare = invoke("import", path, "--mapping", mapping, "--dry-run")
    assert bare.exit_code == 2 and "is the first row a header?" in bare.output, bare.output
    first = next(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert first[3] and first[3] not in bare.output and first[4] not in bare.output  # its hash and salt


def _up_front_total(output):
    return sum(int(line.split()[1].replace(",", "")) for line in output.splitlines()
               if line.startswith("note: ") and "WITHOUT a password" in line)


def _summary_total(output):
    summary = next(line for line in output.splitlines() if line.startswith("import:"))
    return int(summary.split("; ")[1].split()[0])


def test_django_up_front_notes_count_the_unusable_passwords_the_summary_counts(tmp_path):
    path, ex = django_dumpdata(tmp_path, rng(14))
    result = invoke("import", path, "--from", "django", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "1 of the 12 records will be imported WITHOUT a password. Their Django password is unusable" \
        in result.output
    assert _up_front_total(result.output) == _summary_total(result.output) == sum(ex.passwordless.values()) == 5


def test_reasons_no_advice_covers_get_their_own_up_front_line(tmp_path):
    rows, ex = wordpress_rows(rng(15))
    rows[0]["user_pass"] = ""  # an empty hash: no advice of the preset speaks of it
    path = write_csv(tmp_path / "wp_users.csv", WP_HEADER, rows)
    result = invoke("import", path, "--from", "wordpress", "--dry-run")
    assert "1 more of the 5 records will be imported WITHOUT a password (empty hash 1)" in result.output
    assert _up_front_total(result.output) == _summary_total(result.output) == 2
