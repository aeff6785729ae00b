"""CPU the ``mock-gigya serve`` process spends per call, next to a trivial server on the same HTTP stack.

The figures are read from the server process's own CPU time (``/proc/<pid>/stat``) over a fixed
number of calls, so they hold on a busy machine (the wall time does not matter):

- ``mock_cpu_us_per_import``: importFullAccount (one write transaction, an audit record);
- ``mock_cpu_us_per_get``: getAccountInfo;
- ``mock_cpu_floor_us``: a ``MockServer`` whose handler answers a fixed envelope: the HTTP server,
  WSGI adapter, parameter decoding and fault check alone. Target: import <= 3 x the floor.
- ``mock_login_calls_per_s_<algorithm>``: first logins (verify the imported hash, re-hash to the
  site's pbkdf2) per CPU-second of the mock, for accounts imported at the algorithm's default rounds;
  the detail notes what one verification costs by itself.
"""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ServerProcess, cpu_seconds, mock_process, print_records, record  # noqa: E402

from mock_gigya import defaults  # noqa: E402

CREDS = {"apiKey": defaults.DEFAULT_API_KEY, "userKey": defaults.DEFAULT_USER_KEY, "secret": defaults.DEFAULT_SECRET}
PASSWORD = "correct horse battery staple"
FLOOR = r'''
from mock_gigya.server import MockServer
BODY = {"callId": "0" * 32, "errorCode": 0, "statusCode": 200, "statusReason": "OK",
        "time": "2026-01-01T00:00:00.000Z", "apiVersion": 2, "UID": "u1"}
server = MockServer(port=0, https_proxy=False, handle=lambda backend, method, params, **kw: (200, BODY),
                    loop=True).bind()  # the serving path of mock-gigya serve (mock_gigya/http_loop.py)
print(f"floor on {server.url}", flush=True)
server.serve_forever()
'''


def _calls(url: str, bodies: list[tuple[str, dict]], threads: int = 8) -> float:
    """Send every (method, form) with ``threads`` pooled sessions; returns the wall seconds."""
    def work(chunk: list[tuple[str, dict]]) -> None:
        with requests.Session() as session:
            for method, form in chunk:
                body = session.post(f"{url}/{method}", data=form, timeout=60).json()
                if body.get("errorCode"):
                    raise RuntimeError(f"{method}: {body}")

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, [bodies[i::threads] for i in range(threads)]))
    return time.perf_counter() - started


def _cpu_us_per_call(server: ServerProcess, bodies: list[tuple[str, dict]]) -> tuple[float, float]:
    """(server CPU microseconds per call, calls/s of wall time) for sending ``bodies``."""
    before = cpu_seconds(server.pid)
    wall = _calls(server.url, bodies)
    return (cpu_seconds(server.pid) - before) / len(bodies) * 1e6, len(bodies) / wall


def _imports(prefix: str, count: int) -> list[tuple[str, dict]]:
    return [("accounts.importFullAccount", {**CREDS, "UID": f"{prefix}{i}",
                                            "loginIDs": json.dumps({"emails": [f"{prefix}{i}@example.com"]}),
                                            "profile": json.dumps({"email": f"{prefix}{i}@example.com",
                                                                   "firstName": "Ada", "lastName": "Lovelace"}),
                                            "data": json.dumps({"tier": "gold"})})
            for i in range(count)]


def cpu_per_call(calls: int = 3000) -> Iterator[dict]:
    """mock_cpu_us_per_import, mock_cpu_us_per_get, mock_cpu_floor_us."""
    with ServerProcess([sys.executable, "-c", FLOOR]) as floor:
        _calls(floor.url, _imports("warm", 200))
        floor_us, floor_rate = _cpu_us_per_call(floor, _imports("f", calls))
    with mock_process() as mock:
        _calls(mock.url, _imports("warm", 200))
        import_us, import_rate = _cpu_us_per_call(mock, _imports("u", calls))
        gets = [("accounts.getAccountInfo", {**CREDS, "UID": f"u{i}"}) for i in range(calls)]
        get_us, get_rate = _cpu_us_per_call(mock, gets)
    yield record("mock_cpu_floor_us", floor_us, None, None, "us/call",
                 f"CPU of a MockServer whose handler returns a fixed envelope (HTTP/1.1 server, WSGI adapter, "
                 f"parameter decoding, fault check), {calls:,} calls from 8 keep-alive connections "
                 f"({floor_rate:,.0f} calls/s wall)")
    yield record("mock_cpu_us_per_import", import_us, round(3 * floor_us, 1), "lower", "us/call",
                 f"CPU of mock-gigya serve per importFullAccount (SQLite write, indexes, audit record), {calls:,} "
                 f"calls ({import_rate:,.0f}/s wall); target 3 x the floor; {import_us / floor_us:.2f} x the floor")
    yield record("mock_cpu_us_per_get", get_us, None, None, "us/call",
                 f"CPU of mock-gigya serve per getAccountInfo, {calls:,} calls ({get_rate:,.0f}/s wall); "
                 f"{get_us / floor_us:.2f} x the floor")


def _password_at_default_rounds(algorithm: str, index: int) -> dict:
    """The importFullAccount password object for PASSWORD with the algorithm's default rounds."""
    import base64

    from gigya_migrate.hashing import hash_password
    from gigya_migrate.hashing.password import HANDLERS

    if algorithm in ("md5_crypt", "bcrypt", "drupal"):
        return {"compoundHashedPassword": hash_password(PASSWORD, {"algorithm": algorithm})}
    settings: dict = {"algorithm": algorithm}
    mode = getattr(HANDLERS[algorithm], "salt_mode", "none")
    if mode == "template":
        settings.update(salt=f"s{index:07d}", format="$salt$password")
    elif mode == "base64":
        settings["salt"] = base64.b64encode(f"salt-{index:010d}".encode()).decode()
    return {"hashedPassword": hash_password(PASSWORD, settings), "hashSettings": settings}


def _verify_cost(password: dict) -> float:
    """Seconds one verify_password of this object takes in this process (best of 3)."""
    from gigya_migrate.hashing import verify_password

    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        assert verify_password(PASSWORD, password)
        best = min(best, time.perf_counter() - started)
    return best


def logins(budget: float = 1.0) -> Iterator[dict]:
    """mock_login_calls_per_s_<algorithm> for every algorithm the mock verifies."""
    from gigya_migrate.hashing import ALGORITHMS

    with mock_process() as mock:
        for algorithm in ALGORITHMS:
            sample = _password_at_default_rounds(algorithm, 0)
            cost = _verify_cost(sample)
            count = int(min(100, max(8, budget / max(cost, 1e-4))))
            imports = []
            for i in range(count):  # a first login re-hashes: one account per login
                password = sample if "compoundHashedPassword" in sample else _password_at_default_rounds(algorithm, i)
                form = {**CREDS, "UID": f"{algorithm}-{i}", "loginIDs": json.dumps({"emails": [f"{algorithm}{i}@example.com"]}),
                        "password": json.dumps(password)}
                imports.append(("accounts.importFullAccount", form))
            _calls(mock.url, imports, threads=4)
            attempts = [("accounts.login", {**CREDS, "loginID": f"{algorithm}{i}@example.com", "password": PASSWORD})
                        for i in range(count)]
            cpu_us, wall_rate = _cpu_us_per_call(mock, attempts)
            yield record(f"mock_login_calls_per_s_{algorithm}", 1e6 / cpu_us, None, None, "logins/CPU-s",
                         f"first logins per CPU-second of mock-gigya serve ({count} accounts, {cpu_us / 1000:.2f} ms "
                         f"CPU each, {wall_rate:,.0f}/s wall); one {algorithm} verification at its default rounds "
                         f"costs {cost * 1000:.2f} ms by itself; each first login also re-hashes to pbkdf2 (3000 rounds)")


def records() -> Iterator[dict]:
    """Every result of this module, in order."""
    yield from cpu_per_call()
    yield from logins()


def main() -> None:
    """Print the results (``make bench`` writes them to results.json)."""
    print_records(records())


if __name__ == "__main__":
    main()
