"""SFTP and S3 components against real servers (asyncssh's SFTP server, moto's S3 server), and seed
004's migration dataflow end to end: legacy hashes from SFTP into the mock, failures back to SFTP."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json

from .helpers import cli, people, sample, write_json


def _sftp_vars(server, **extra) -> dict:
    return {"sftpHost": server.host, "sftpPort": str(server.port), "sftpUsername": server.username,
            "sftpPassword": server.password, **extra}


def _legacy_user(i, email, first, password):
    salt = hashlib.sha256(f"salt-{i}".encode()).digest()[:16]
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, 10000)
    return {"id": i, "email": email, "firstName": first, "hash": digest.hex(), "salt": salt.hex()}


def test_seed_004_migration_dataflow_imports_legacy_hashes_from_sftp(sites, sftp_server, tmp_path):
    (sftp_server.root / "inbox").mkdir()
    (sftp_server.root / "failed").mkdir()
    users = people(4, seed=40)
    legacy = [_legacy_user(i, email.upper() if i == 0 else email, first, pw) for i, email, first, _, pw in users]
    legacy.append({"id": 98, "email": "broken@example.com", "firstName": "B", "hash": "zz-not-hex", "salt": "00"})
    legacy.append({"id": 99, "email": "nohash@example.com", "firstName": "N"})
    (sftp_server.root / "inbox" / "users_2023.json").write_text(json.dumps(legacy))
    (sftp_server.root / "inbox" / "readme.txt").write_text("not matched by fileNameRegex")
    existing_email = users[1][1]  # already in the site: the lookup finds it, the upsert keeps its UID
    sites.dst.import_full_account("existing-uid", login_ids={"emails": [existing_email]},
                                  profile={"email": existing_email, "lastName": "Kept"})
    flow = write_json(tmp_path / "migration.json", sample("migration_seed004.json"))
    vars_file = write_json(tmp_path / "vars.json", _sftp_vars(
        sftp_server, sftpInbox=f"{sftp_server.folder}/inbox", sftpErrors=f"{sftp_server.folder}/failed"))
    result = cli("dataflow", "run", flow, "--vars", vars_file, *sites.site_args())
    assert result.exit_code == 0, result.output
    assert "succeeded; 4 of 6 records processed" in result.output
    for i, email, first, _, password in users:
        uid = "existing-uid" if email == existing_email else f"legacy-{i}"
        assert sites.dst.login(email, password).raw["UID"] == uid  # the legacy PBKDF2 hash logs in
        account = sites.dst.get_account_info(uid, include="profile,data").raw
        assert account["profile"]["firstName"] == first
        assert len(account["data"]["migration"]["jobId"]) == 32
    assert sites.dst.get_account_info("existing-uid", include="profile").raw["profile"]["lastName"] == "Kept"
    failed_files = list((sftp_server.root / "failed").iterdir())
    assert len(failed_files) == 1 and failed_files[0].name.startswith("failed_")
    failed = {r["id"]: r for r in json.loads(failed_files[0].read_text())}
    assert failed[98]["errorCode"] == "script-error" and "not a hex string: zz-not-hex" in failed[98]["errorMessage"]
    assert failed[98]["errorMessage"].startswith("line 20:")  # the line in the user's script
    assert failed[99]["errorMessage"] == "line 5: Error: the record has no password hash"


def test_export_to_sftp_and_s3_in_one_split_flow_then_read_back(sites, sftp_server, s3_server, tmp_path):
    for i, email, first, last, _ in people(3, seed=41):
        sites.dst.import_full_account(f"u{i}", login_ids={"emails": [email]},
                                      profile={"email": email, "firstName": first, "lastName": last})
    steps = [
        {"id": "account", "type": "datasource.read.gigya.account",
         "params": {"select": "UID,profile.email,profile.firstName"}, "next": ["dsv"]},
        {"id": "dsv", "type": "file.format.dsv", "params": {"fileName": "accounts.csv"}, "next": ["gzip"]},
        {"id": "gzip", "type": "file.compress.gzip", "next": ["sftp", "s3"]},
        {"id": "sftp", "type": "datasource.write.sftp",
         "params": {"host": "<$sftpHost$>", "port": "<$sftpPort$>", "username": "<$sftpUsername$>",
                    "password": "<$sftpPassword$>", "remotePath": sftp_server.folder}},
        {"id": "s3", "type": "datasource.write.amazon.s3",
         "params": {"bucketName": s3_server.bucket, "accessKey": "<$awsKey$>", "secretKey": "<$awsSecret$>",
                    "objectKeyPrefix": "exports/"}},
    ]
    env = {f"GIGYA_VAR_{k}": v for k, v in {**_sftp_vars(sftp_server), "awsKey": s3_server.access_key,
                                            "awsSecret": s3_server.secret_key}.items()}
    result = cli("dataflow", "run", write_json(tmp_path / "export.json", {"name": "export", "steps": steps}),
                 "--full", *sites.site_args(), env=env)
    assert result.exit_code == 0, result.output
    on_sftp = gzip.decompress((sftp_server.root / "accounts.csv.gz").read_bytes()).decode()
    on_s3 = gzip.decompress(s3_server.client().get_object(Bucket=s3_server.bucket,
                                                          Key="exports/accounts.csv.gz")["Body"].read()).decode()
    assert on_sftp == on_s3
    rows = list(csv.DictReader(io.StringIO(on_s3)))
    assert sorted(r["UID"] for r in rows) == ["u0", "u1", "u2"] and set(rows[0]) == {"UID", "profile.email",
                                                                                       "profile.firstName"}
    # and back: S3 -> gunzip -> parse -> setAccountInfo, with a change made on the way
    back = [
        {"id": "s3", "type": "datasource.read.amazon.s3",
         "params": {"bucketName": s3_server.bucket, "objectKeyPrefix": "exports/", "fileNameRegex": "\\.gz$"},
         "next": ["gunzip"]},
        {"id": "gunzip", "type": "file.uncompress.gzip", "next": ["parse"]},
        {"id": "parse", "type": "file.parse.dsv", "next": ["drop"]},
        {"id": "drop", "type": "field.remove", "params": {"fields": ["profile.email"]}, "next": ["upper"]},
        {"id": "upper", "type": "field.evaluate",
         "params": {"fields": [{"field": "data.shout", "expression": "profile.firstName + '!'"}]}, "next": ["write"]},
        {"id": "write", "type": "datasource.write.gigya.account", "params": {"maxConnections": 2}},
    ]
    again = cli("dataflow", "run", write_json(tmp_path / "back.json", {"name": "back", "steps": back}),
                *sites.site_args())
    assert again.exit_code == 0 and "3 of 3 records processed" in again.output, again.output
    for row in rows:
        assert sites.dst.get_account_info(row["UID"], include="data").raw["data"]["shout"] == row["profile.firstName"] + "!"


def test_sftp_read_order_and_a_refused_login_fails_the_job(sftp_server, tmp_path):
    for name, text in [("b.json", '[{"n": 2}]'), ("a.json", '[{"n": 1}]')]:
        (sftp_server.root / name).write_text(text)
    steps = [{"id": "sftp", "type": "datasource.read.sftp",
              "params": {"host": sftp_server.host, "port": sftp_server.port, "username": "<$u$>", "password": "<$p$>",
                         "remotePath": sftp_server.folder, "sortBy": "name", "sortOrder": "DESC"}, "next": ["parse"]},
             {"id": "parse", "type": "file.parse.json", "params": {"addFilename": True}, "next": ["json"]},
             {"id": "json", "type": "file.format.json", "params": {"fileName": "all.json"}, "next": ["w"]},
             {"id": "w", "type": "datasource.write.file", "params": {"path": f"{tmp_path}/out/"}}]
    flow = write_json(tmp_path / "read.json", {"name": "read", "steps": steps})
    ok = cli("dataflow", "run", flow, env={"GIGYA_VAR_u": sftp_server.username, "GIGYA_VAR_p": sftp_server.password})
    assert ok.exit_code == 0, ok.output
    assert json.loads((tmp_path / "out" / "all.json").read_text()) == [{"n": 2, "fileName": "b.json"},
                                                                       {"n": 1, "fileName": "a.json"}]
    refused = cli("dataflow", "run", flow, env={"GIGYA_VAR_u": sftp_server.username, "GIGYA_VAR_p": "wrong-password"})
    assert refused.exit_code == 1 and "cannot open SFTP connection" in refused.output
    assert "wrong-password" not in refused.output
