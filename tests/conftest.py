"""Shared test configuration. Feature fixtures live in each test folder's own conftest.py."""

import ipaddress
import os
import socket

import pytest

# Never let a test reach a real Gigya data center by accident: the client's tests use `responses`
# or the mock; a test that wants real Gigya is marked `real_gigya` and needs these variables.
REAL_GIGYA = all(os.environ.get(k) for k in ("GIGYA_API_KEY", "GIGYA_USER_KEY", "GIGYA_SECRET")) and (
    os.environ.get("GIGYA_MIGRATE_REAL_TESTS") == "1"
)


@pytest.fixture(autouse=True)
def _work_in_tmp(tmp_path_factory, monkeypatch):
    """Commands write default reports, journals and error files in the working directory: run every
    test in a fresh temporary one so no test leaves files in the checkout."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


@pytest.fixture(autouse=True)
def _no_gigya_environment(request, monkeypatch):
    """The CLI reads GIGYA_* (api key, data center, base URL...): a developer who exported them for real
    work would otherwise change what the tests see (e.g. "no site given" became a connection error).
    Tests that want them set them with monkeypatch or CliRunner(env=...); real-Gigya tests keep them."""
    if request.node.get_closest_marker("real_gigya"):
        return
    for name in [n for n in os.environ if n.startswith("GIGYA_")]:
        monkeypatch.delenv(name)


# --- no real network -------------------------------------------------------------------------------
# The in-process mock answers *.gigya.com before any socket is opened and the loopback mock listens on
# 127.0.0.1, so a name lookup or a connection to any other host is a test bug (it would reach the real
# Gigya, or hang offline). Refused attempts are also recorded and fail the test, because code under
# test may turn the OSError into "unreachable" and let the test pass anyway.

_REFUSED: list[str] = []


def _is_loopback(host) -> bool:
    if not isinstance(host, str):
        host = host.decode() if isinstance(host, bytes) else str(host)
    if host in ("localhost", "localhost.localdomain", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True, scope="session")
def _no_real_network():
    """Refuse DNS lookups and connections to anything but loopback (unless real-Gigya tests are on)."""
    if REAL_GIGYA:
        yield
        return
    patch = pytest.MonkeyPatch()
    real_getaddrinfo, real_connect, real_connect_ex = socket.getaddrinfo, socket.socket.connect, socket.socket.connect_ex

    def refuse(what: str):
        _REFUSED.append(what)
        return OSError(f"tests must not use the network: {what} refused (use the mock Gigya)")

    def getaddrinfo(host, *args, **kwargs):
        if host is not None and not _is_loopback(host):
            raise refuse(f"name lookup of {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    def guarded(real):
        def connect(self, address):
            if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
                raise refuse(f"connection to {address[0]!r}")
            return real(self, address)
        return connect

    patch.setattr(socket, "getaddrinfo", getaddrinfo)
    patch.setattr(socket.socket, "connect", guarded(real_connect))
    patch.setattr(socket.socket, "connect_ex", guarded(real_connect_ex))
    try:
        yield
    finally:
        patch.undo()


@pytest.fixture(autouse=True)
def _fail_on_network_attempts(_no_real_network):
    """A test that tried the network fails, even if the code under test swallowed the refusal."""
    _REFUSED.clear()
    yield
    attempts, _REFUSED[:] = list(_REFUSED), []
    assert not attempts, f"the test tried to reach the network: {attempts}"
