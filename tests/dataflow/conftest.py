"""Real servers for the transport and dataflow tests, started by the tests on loopback ports.

- ``sftp_server``: an asyncssh SSH/SFTP server on 127.0.0.1 (port 0), password login, files
  chrooted into a temporary folder; a known_hosts file holding its host key (the client checks it).
- ``s3_server``: moto in server mode (``ThreadedMotoServer``) on 127.0.0.1 (port 0), a real HTTP
  S3 API that boto3 talks to over the socket, like any S3-compatible server.

Both are session-scoped (starting them costs a second) and each test gets a fresh folder / bucket.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

SFTP_USER, SFTP_PASSWORD = "migrator", "sftp-test-password"  # a credential for the loopback test server only


@dataclass
class SftpServer:
    """Where the test SFTP server listens and the folder it serves (``root``)."""

    host: str
    port: int
    root: Path
    known_hosts: Path
    username: str = SFTP_USER
    password: str = SFTP_PASSWORD


def _start_sftp(root: Path, known_hosts: Path):
    import asyncssh

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="test-sftp-server", daemon=True)
    thread.start()
    key = asyncssh.generate_private_key("ssh-ed25519")

    class Server(asyncssh.SSHServer):
        def password_auth_supported(self) -> bool:
            return True

        def validate_password(self, username: str, password: str) -> bool:
            return (username, password) == (SFTP_USER, SFTP_PASSWORD)

    def sftp_factory(chan):
        return asyncssh.SFTPServer(chan, chroot=str(root).encode())

    async def listen():
        return await asyncssh.listen("127.0.0.1", 0, server_host_keys=[key], server_factory=Server,
                                     sftp_factory=sftp_factory, allow_scp=False)

    acceptor = asyncio.run_coroutine_threadsafe(listen(), loop).result(30)
    port = acceptor.sockets[0].getsockname()[1]
    known_hosts.write_text(f"[127.0.0.1]:{port} {key.export_public_key().decode().strip()}\n")

    def stop():
        acceptor.close()
        asyncio.run_coroutine_threadsafe(acceptor.wait_closed(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)

    return port, stop


@pytest.fixture(scope="session")
def _sftp_session(tmp_path_factory):
    root = tmp_path_factory.mktemp("sftp-root")
    known = tmp_path_factory.mktemp("sftp-client") / "known_hosts"
    port, stop = _start_sftp(root, known)
    yield SftpServer("127.0.0.1", port, root, known)
    stop()


_folders = itertools.count()


@pytest.fixture
def sftp_server(_sftp_session, monkeypatch):
    """The loopback SFTP server; the client trusts its host key through GIGYA_SFTP_KNOWN_HOSTS.
    Each test gets its own empty ``root`` sub-folder (``server.folder``, also created)."""
    folder = f"t{next(_folders)}"
    (_sftp_session.root / folder).mkdir()
    monkeypatch.setenv("GIGYA_SFTP_KNOWN_HOSTS", str(_sftp_session.known_hosts))
    server = SftpServer(_sftp_session.host, _sftp_session.port, _sftp_session.root / folder,
                        _sftp_session.known_hosts)
    server.folder = f"/{folder}"
    return server


@dataclass
class S3Server:
    """The moto server's endpoint and a bucket made for the test."""

    endpoint: str
    bucket: str
    access_key: str = "testing-access-key"
    secret_key: str = "testing-secret-key"

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key)


@pytest.fixture(scope="session")
def _moto_session():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


_buckets = itertools.count()


@pytest.fixture
def s3_server(_moto_session, monkeypatch):
    """The loopback S3 server with a fresh bucket; boto3 reaches it through AWS_ENDPOINT_URL."""
    for name, value in {"AWS_ENDPOINT_URL": _moto_session, "AWS_ACCESS_KEY_ID": "testing-access-key",
                        "AWS_SECRET_ACCESS_KEY": "testing-secret-key", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    server = S3Server(_moto_session, f"bucket-{next(_buckets)}")
    server.client().create_bucket(Bucket=server.bucket)
    return server


# --- two mock sites (one partner, one data center, as IdentitySync's copy requires) -----------------

APP_KEY = "AK_FLOW"
APP_SECRET = "Zmxvdy1hcHAtc2VjcmV0"  # base64 of b"flow-app-secret": a test credential for the mock only


class Sites:
    """The in-process mock with a source site 3_src and a target 3_dst (us1), a client for each."""

    def __init__(self, mock):
        from gigya_migrate.client import GigyaClient

        self.mock = mock
        mock.add_site("3_src", user_key=APP_KEY, secret=APP_SECRET, data_center="us1")
        mock.add_site("3_dst", data_center="us1")
        self.src = GigyaClient("3_src", user_key=APP_KEY, secret=APP_SECRET, sleep=lambda s: None)
        self.dst = GigyaClient("3_dst", user_key=APP_KEY, secret=APP_SECRET, sleep=lambda s: None)

    def site_args(self, api_key: str = "3_dst") -> list[str]:
        """CLI options naming a site (the real host names: the in-process mock answers them)."""
        return ["--api-key", api_key, "--user-key", APP_KEY, "--secret", APP_SECRET, "--data-center", "us1"]

    def source_vars(self) -> dict:
        """The copy samples' variables for the source site's credentials."""
        return {"sourceApiKey": "3_src", "sourceUserKey": APP_KEY, "sourceSecret": APP_SECRET}

    def uids(self, client, where: str = "") -> list[str]:
        query = "SELECT UID FROM accounts" + (f" WHERE {where}" if where else "")
        return sorted(a.raw["UID"] for a in client.search_all(query))


@pytest.fixture
def sites():
    """Source and target sites on the in-process mock Gigya."""
    from mock_gigya.inprocess import mock_gigya

    with mock_gigya(default_site=False) as mock:
        yield Sites(mock)
