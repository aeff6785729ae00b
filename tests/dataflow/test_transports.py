"""The transports against real servers: asyncssh's SFTP server and moto's S3 server on loopback."""

from __future__ import annotations

import pytest

from gigya_migrate.transports import TransportError, fetched, published, remote_exists
from gigya_migrate.transports.s3 import S3Transport
from gigya_migrate.transports.sftp import SftpTransport


def _sftp(server, **extra):
    return SftpTransport(server.host, port=server.port, username=server.username, password=server.password, **extra)


def test_sftp_upload_lists_downloads_and_renames_a_complete_file(sftp_server, tmp_path):
    local = tmp_path / "users.csv"
    local.write_text("email\nada@example.com\n")
    transport = _sftp(sftp_server)
    try:
        transport.upload(local, f"{sftp_server.folder}/users.csv")
        listed = transport.list(sftp_server.folder)
        assert [f.name for f in listed] == ["users.csv"]  # no .tmp left behind after the rename
        assert listed[0].size == len("email\nada@example.com\n")
        back = tmp_path / "back.csv"
        transport.download(f"{sftp_server.folder}/users.csv", back)
        assert back.read_text() == "email\nada@example.com\n"
        assert transport.exists(f"{sftp_server.folder}/users.csv")
        assert not transport.exists(f"{sftp_server.folder}/other.csv")
    finally:
        transport.close()
    assert (sftp_server.root / "users.csv").read_text() == "email\nada@example.com\n"  # really on the server


def test_sftp_refuses_a_wrong_password_with_a_clear_error(sftp_server):
    with pytest.raises(TransportError, match="cannot open SFTP connection to migrator@127.0.0.1"):
        SftpTransport(sftp_server.host, port=sftp_server.port, username="migrator", password="wrong")


def test_sftp_refuses_an_unknown_host_key(sftp_server, tmp_path):
    other = tmp_path / "known_hosts"
    other.write_text("")
    with pytest.raises(TransportError, match="cannot open SFTP connection"):
        _sftp(sftp_server, known_hosts=str(other))


def test_s3_upload_list_download(s3_server, tmp_path):
    local = tmp_path / "a.json"
    local.write_text('[{"UID": "u1"}]')
    transport = S3Transport(s3_server.bucket)
    try:
        transport.upload(local, "exports/a.json")
        assert [(f.path, f.size) for f in transport.list("exports/")] == [("exports/a.json", 15)]
        assert transport.exists("exports/a.json") and not transport.exists("exports/b.json")
        back = tmp_path / "back.json"
        transport.download("exports/a.json", back)
        assert back.read_text() == '[{"UID": "u1"}]'
    finally:
        transport.close()
    body = s3_server.client().get_object(Bucket=s3_server.bucket, Key="exports/a.json")["Body"].read()
    assert body == b'[{"UID": "u1"}]'


def test_s3_missing_bucket_is_a_transport_error(s3_server, tmp_path):
    transport = S3Transport("no-such-bucket")
    with pytest.raises(TransportError, match="no-such-bucket"):
        transport.list("")


def test_fetched_and_published_move_files_through_urls(sftp_server, s3_server, monkeypatch):
    monkeypatch.setenv("GIGYA_SFTP_PASSWORD", sftp_server.password)
    sftp_url = f"sftp://{sftp_server.username}@127.0.0.1:{sftp_server.port}{sftp_server.folder}/out.csv"
    with published(sftp_url) as local:
        local.write_text("x\n1\n")
    assert (sftp_server.root / "out.csv").read_text() == "x\n1\n"
    assert remote_exists(sftp_url)
    with fetched(sftp_url) as path:
        assert path.endswith("/out.csv") and open(path).read() == "x\n1\n"
    with published(f"s3://{s3_server.bucket}/k/out.csv") as local:
        local.write_text("y\n")
    with fetched(f"s3://{s3_server.bucket}/k/out.csv") as path:
        assert open(path).read() == "y\n"


def test_nothing_is_uploaded_from_a_failed_block(s3_server):
    with pytest.raises(RuntimeError):
        with published(f"s3://{s3_server.bucket}/half.csv") as local:
            local.write_text("half")
            raise RuntimeError("the export failed")
    assert not remote_exists(f"s3://{s3_server.bucket}/half.csv")


def test_a_password_in_the_url_is_refused():
    with pytest.raises(TransportError, match="GIGYA_SFTP_PASSWORD"):
        with fetched("sftp://user:secret@127.0.0.1/x.csv"):
            pass
