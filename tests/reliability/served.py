"""A `mock-gigya serve` child process on a fixed port, that a test can SIGKILL and start again on the same
port and --db (a real restart: every connection is cut, as when the process dies)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """``Served(port, db, *serve_args)``; ``url``; ``kill()``; ``start()`` again."""

    def __init__(self, port: int, db: str, *args: str) -> None:
        self.port, self.db, self.args = port, db, args
        self.url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> "Served":
        command = [sys.executable, "-c", "from mock_gigya.server import main; main()", "serve", "--port",
                   str(self.port), "--db", self.db, "--no-https-proxy", *self.args]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        timer = threading.Timer(60, self.proc.kill)
        timer.start()
        lines = []
        try:
            for line in self.proc.stdout:
                lines.append(line)
                if line.startswith("Press Ctrl+C"):
                    break
        finally:
            timer.cancel()
        if not lines or not lines[-1].startswith("Press Ctrl+C"):
            raise AssertionError(f"mock-gigya serve did not start: {''.join(lines)}")
        threading.Thread(target=self._drain, daemon=True).start()  # never block on a full pipe
        return self

    def _drain(self) -> None:
        proc = self.proc
        for _ in proc.stdout:
            pass

    def kill(self) -> None:
        """SIGKILL: the process dies with its connections, as in a crash."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        self.kill()
