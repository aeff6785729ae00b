"""The mock Gigya over real HTTP: a WSGI app, a threaded HTTP/1.1 server, and ``mock-gigya serve``.

Routing: the last path segment names the method (``POST /accounts.search``), whatever the host.
Requests may address a Gigya host three ways, so unmodified SDKs can be pointed at the mock:

- the mock's own address: ``http://127.0.0.1:8080/accounts.search`` (``--base-url``);
- a ``Host: accounts.us1.gigya.com`` header sent to the mock's address;
- an HTTP proxy request line with an absolute URI, ``POST http://accounts.us1.gigya.com/accounts.search``
  (clients configured with the mock as their ``http`` proxy).

- HTTPS through the proxy setting (``CONNECT accounts.us1.gigya.com:443``): the server answers TLS
  itself with a certificate from a throwaway CA (:mod:`mock_gigya.tls`) the client must trust.

``api.handle`` receives the URL the client addressed (``http://accounts.us1.gigya.com/accounts.search``)
and checks signatures against it, accepting the http and https spellings, because a loopback
server cannot see which one the client signed. A bare ``Host`` header naming Gigya is taken as
https (what SDKs use) unless ``X-Forwarded-Proto`` says otherwise.

No dependency beyond the standard library. API calls are answered on one event loop
(:mod:`mock_gigya.http_loop`, keep-alive HTTP/1.1, latency as timers), which hands anything unusual
(HTTPS CONNECT, chunked bodies, malformed requests, the console and control plane) to ``http.server``
with one thread per connection, the whole server with ``--verbose`` or a test's own handler
(``MockServer(loop=...)``); 64+ concurrent clients with pooled sessions are fine either way. The WSGI
app (:class:`MockApp`) also runs under any WSGI server, except that a ``drop`` fault then becomes
that server's own 500.
"""

from __future__ import annotations

import functools
import http.client
import io
import sqlite3
import signal
import socket
import ssl
import sys
import threading
import time
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import unquote, urlsplit

import click

from mock_gigya import __version__, defaults, transport
from mock_gigya.audit_retention import DEFAULT_MAX_AGE_DAYS, DEFAULT_MAX_RECORDS
from mock_gigya.access import ENV_VAR as CONTROL_TOKEN_ENV, ControlAccess, is_loopback_host, unauthorized_body
from mock_gigya.console.app import CONSOLE_PATH
from mock_gigya.control import CONTROL_PREFIX, MockControl
from mock_gigya.faults import FaultInjector
from mock_gigya.http_headers import read_headers

__all__ = ["DropConnection", "MockApp", "MockServer", "main"]


class DropConnection(Exception):
    """Raised by :class:`MockApp` to have the server close the connection without an answer."""


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Status {status}"


class MockApp:
    """WSGI application answering the Gigya API and the ``/__mock__/`` control plane.

    ``access`` (:class:`mock_gigya.access.ControlAccess`) decides who may use ``/__mock__/*``; a
    request it refuses is answered HTTP 401 with how to pass the token. Open by default.
    """

    def __init__(self, control: MockControl, handle: Callable[..., tuple[int, dict]] | None = None,
                 access: ControlAccess | None = None) -> None:
        self.control = control
        self._handle = handle
        self._custom = handle is not None  # a test's own handler may not take secure_channel
        self.access = access if access is not None else ControlAccess(None)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.monotonic()
        url, path = _addressed(environ)
        if path == CONSOLE_PATH or path.startswith(CONSOLE_PATH + "/"):  # the console asks for the token itself
            return self._console(environ, start_response)
        if path.startswith(CONTROL_PREFIX) and not self.access.allows(environ):
            return _reply(start_response, 401, transport.json_bytes(unauthorized_body()), "application/json")
        if path.startswith(CONTROL_PREFIX):
            status, payload = self.control.handle_control(environ["REQUEST_METHOD"], path, _read_body(environ))
            return _reply(start_response, status, transport.json_bytes(payload), "application/json",
                          transport.http_date(self.control.backend))
        delay, drop, status, headers, body = self.api_reply(environ, url, path)
        if delay:  # a response time: counted from when the request was read, its processing included
            self.control.faults.wait(delay - (time.monotonic() - environ.get(_READ_AT, started)))
        if drop:
            raise DropConnection()
        start_response(status, headers)
        return [body]

    def api_reply(self, environ: dict, url: str | None = None,
                  path: str | None = None) -> tuple[float, bool, str, list[tuple[str, str]], bytes]:
        """An API call (not the console or control plane) answered without waiting: (seconds after
        the request was read at which to answer: latency, plus timeout_seconds for a timeout fault;
        True to drop the connection instead; status line; headers; body). The WSGI call and the
        event loop (:mod:`mock_gigya.http_loop`) both enact it, each waiting only what is left."""
        if url is None or path is None:
            url, path = _addressed(environ)
        answer = self._answer(environ, url, path)
        kind = answer.fault.kind if answer.fault is not None else None
        delay = answer.delay + (self.control.faults.timeout_seconds if kind == "timeout" else 0.0)
        body = answer.encoded()
        headers = _answer_headers(answer.content_type, body, transport.http_date(self.control.backend))
        return delay, kind == "drop", _status_line(answer.status), headers, body

    @staticmethod
    def internal_error(exc: Exception) -> tuple[str, list[tuple[str, str]], bytes]:
        """A bug of the mock itself: printed with its traceback, answered (status line, headers, body)
        with a 500001 envelope, never a traceback. The threaded handler and the event loop both use it."""
        print(f"mock-gigya: internal error: {exc!r}", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)
        answer = transport.error_answer(transport.GENERAL_SERVER_ERROR, "General Server Error",
                                        details=type(exc).__name__)
        body = answer.encoded()
        return _status_line(answer.status), _answer_headers(answer.content_type, body), body

    def _answer(self, environ: dict, url: str, path: str) -> transport.Answer:
        length = _content_length(environ)
        if length > transport.MAX_BODY_BYTES:
            environ["mock_gigya.unread_body"] = True
            return transport.error_answer(transport.INVALID_REQUEST_FORMAT, "Invalid request format",
                                          details=f"Request body too large: over {transport.MAX_BODY_BYTES} bytes")
        if environ["REQUEST_METHOD"] == "CONNECT":  # not 200: the client must not start a TLS tunnel
            refused = transport.error_answer(transport.INVALID_REQUEST_FORMAT, "Invalid request format", details=(
                "mock-gigya intercepts HTTPS for Gigya hosts only (and not with --no-https-proxy); it tunnels "
                "nowhere: proxy http:// URLs or send a Host header instead"))
            return transport.Answer(501, refused.body)
        try:
            params = transport.decode_params(environ.get("QUERY_STRING", ""), _read_body(environ, length))
        except transport.BadRequest as exc:
            return transport.error_answer(transport.INVALID_REQUEST_FORMAT, "Invalid request format", details=str(exc))
        return transport.dispatch(self._handler(), self.control.backend, self.control.faults,
                                  transport.method_from_path(path), params, headers=_headers(environ), url=url,
                                  remote_addr=environ.get("REMOTE_ADDR"), rate_cap=self.control.rate_cap,
                                  secure_channel=None if self._custom else _secure_channel(environ))

    def _console(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if getattr(self, "_web_console", None) is None:
            from mock_gigya.console import Console  # built on first use: most runs never open it

            self._web_console = Console(self.control, lambda: self.access)
        return self._web_console(environ, start_response)

    def _handler(self) -> Callable[..., tuple[int, dict]]:
        if self._handle is None:
            from mock_gigya import api

            self._handle = api.handle
        return self._handle


def _reply(start_response: Callable, status: int, body: bytes, content_type: str, date: str | None = None) -> list[bytes]:
    start_response(_status_line(status), _answer_headers(content_type, body, date))
    return [body]


def _answer_headers(content_type: str, body: bytes, date: str | None = None) -> list[tuple[str, str]]:
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
    return headers + [("Date", date)] if date else headers


def _content_length(environ: dict) -> int:
    try:
        return max(0, int(environ.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


_READ_AT = "mock_gigya.read_at"  # environ key: time.monotonic() once the body was read in full


def _read_body(environ: dict, length: int | None = None) -> bytes:
    length = _content_length(environ) if length is None else length
    if length > transport.MAX_BODY_BYTES:
        environ["mock_gigya.unread_body"] = True
        return b""
    body = environ["wsgi.input"].read(length) if length else b""
    environ[_READ_AT] = time.monotonic()
    return body


def _headers(environ: dict) -> dict[str, str]:
    headers = {key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    return headers


def _secure_channel(environ: dict) -> bool:
    """Whether the connection itself protects a secret: TLS terminated here (the CONNECT tunnel), or a
    peer on this machine. Never taken from headers (Host, X-Forwarded-Proto), which any client sets."""
    return environ.get("wsgi.url_scheme") == "https" or _loopback_peer(environ.get("REMOTE_ADDR"))


_loopback_peer = functools.lru_cache(maxsize=1024)(is_loopback_host)  # asked on every call, by a few peers


def _addressed(environ: dict) -> tuple[str, str]:
    """(the URL the client addressed without its query, the path) for signature checks and routing."""
    raw = environ.get("PATH_INFO") or "/"
    if raw.lower().startswith(("http://", "https://")):  # proxy form: absolute URI in the request line
        parts = urlsplit(raw)
        return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path or '/'}", parts.path or "/"
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
    # A Host header naming Gigya comes from a client that believes it talks to Gigya, normally over
    # TLS (terminated in front of the mock, or an SDK re-pointed at it): its scheme is unknowable
    # here, so it is taken as https, the SDKs' default, unless X-Forwarded-Proto says otherwise.
    default = "https" if transport.is_gigya_host(host) else environ.get("wsgi.url_scheme") or "http"
    scheme = (environ.get("HTTP_X_FORWARDED_PROTO") or default).lower()
    return f"{scheme}://{host.lower()}{raw}", raw


def wsgi_environ(command: str, target: str, version: str, headers: Any, body: Any, length: int,
                 server_address: tuple, remote_addr: str, scheme: str = "http") -> dict:
    """The WSGI environ of one request (``headers`` has ``get`` and ``items``; ``body`` is a reader
    of ``length`` bytes); the threaded handler and the event loop both build it here."""
    path, _, query = target.partition("?")
    environ = {
        "REQUEST_METHOD": command,
        "PATH_INFO": unquote(path, "utf-8", "replace"),
        "QUERY_STRING": query,
        "CONTENT_TYPE": headers.get("Content-Type", ""),
        "CONTENT_LENGTH": str(length),
        "SERVER_NAME": server_address[0],
        "SERVER_PORT": str(server_address[1]),
        "SERVER_PROTOCOL": version,
        "REMOTE_ADDR": remote_addr,
        "wsgi.input": body,
        "wsgi.url_scheme": scheme,
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in headers.items():
        if name.lower() not in ("content-type", "content-length"):
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def response_bytes(status: str, headers: list, body: bytes, close: bool) -> bytes:
    """Status line, headers (``Server``, ``Date`` unless given, ``Connection: close`` when closing)
    and body of one answer, as one buffer: one write per answer."""
    lines = [f"HTTP/1.1 {status}", f"Server: {_Handler.server_version}"]
    if not any(name.lower() == "date" for name, _ in headers):
        lines.append(f"Date: {transport.http_date(None)}")  # the real clock, formatted once a second
    lines += [f"{name}: {value}" for name, value in headers]
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _http_version(version: str) -> tuple[int, int] | None:
    """``HTTP/1.1`` -> (1, 1); None for anything the stdlib answers "Bad request version"."""
    if not version.startswith("HTTP/"):
        return None
    parts = version[5:].split(".")
    if len(parts) != 2 or not all(part.isascii() and part.isdigit() and len(part) <= 10 for part in parts):
        return None
    return int(parts[0]), int(parts[1])


_DRAIN_LIMIT = 8 * transport.MAX_BODY_BYTES  # past this an oversized upload is cut off, not read


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive handler running :class:`MockApp`; bad requests get JSON, never HTML."""

    protocol_version = "HTTP/1.1"
    server_version = "mock-gigya"
    sys_version = ""
    timeout = 120  # seconds an idle keep-alive connection may hold its thread

    tunnel_host: str | None = None  # set inside an intercepted CONNECT tunnel (HTTPS)

    def do_POST(self) -> None:  # noqa: N802 (http.server naming)
        self._run()

    do_GET = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_POST

    def do_CONNECT(self) -> None:  # noqa: N802
        """HTTPS through the proxy setting: speak TLS as the Gigya host (see :mod:`mock_gigya.tls`)."""
        host = self.path.rpartition(":")[0] or self.path
        ca = self.server.ca
        if ca is None or self.tunnel_host or not transport.is_gigya_host(host):
            self._run()  # answered 501 by the app: the mock tunnels nowhere
            return
        self._write("200 Connection Established", [], b"")
        try:
            tls = ca.context_for(host).wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):  # e.g. the client does not trust the mock's CA
            self.close_connection = True
            return
        self.connection, self.tunnel_host = tls, host.lower()
        self.rfile, self.wfile = tls.makefile("rb"), tls.makefile("wb")
        self.close_connection = False
        while not self.close_connection:
            self.handle_one_request()

    def _run(self) -> None:
        environ = self._environ()
        if environ is None:
            return
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list, exc_info: Any = None) -> None:
            captured["status"], captured["headers"] = status, headers

        try:
            chunks = b"".join(self.server.app(environ, start_response))
        except DropConnection:
            self.close_connection = True
            return
        except Exception as exc:  # a bug of the mock itself: still an envelope, never a traceback
            captured["status"], captured["headers"], chunks = MockApp.internal_error(exc)
        if not self._drain(environ["wsgi.input"]) or environ["REQUEST_METHOD"] == "CONNECT":
            self.close_connection = True
        self._write(captured["status"], captured["headers"], b"" if self.command == "HEAD" else chunks)

    def _drain(self, body: Any) -> bool:
        """Read what the app left of the body (up to a bound) so the client can finish sending."""
        left = getattr(body, "remaining", 0)
        if left > _DRAIN_LIMIT:
            return False
        try:
            while body.read(65536):
                pass
        except OSError:
            return False
        return True

    def parse_request(self) -> bool:
        """``BaseHTTPRequestHandler.parse_request`` (the same request-line checks and answers), with the
        header block read by :func:`mock_gigya.http_headers.read_headers` instead of email.parser."""
        self.command = None
        self.request_version = version = self.default_request_version
        self.close_connection = True
        self.requestline = requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = requestline.split()
        if not words:
            return False
        if len(words) >= 3:
            version = words[-1]
            number = _http_version(version)
            if number is None:
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request version ({version!r})")
                return False
            if number >= (1, 1) and self.protocol_version >= "HTTP/1.1":
                self.close_connection = False
            if number >= (2, 0):
                self.send_error(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, f"Invalid HTTP version ({version[5:]})")
                return False
            self.request_version = version
        if not 2 <= len(words) <= 3:
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request syntax ({requestline!r})")
            return False
        self.command, self.path = words[:2]
        if len(words) == 2:
            self.close_connection = True
            if self.command != "GET":
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad HTTP/0.9 request type ({self.command!r})")
                return False
        if self.path.startswith("//"):  # as the stdlib (gh-87389): //host/path is not an absolute URI
            self.path = "/" + self.path.lstrip("/")
        return self._read_header_block()

    def _read_header_block(self) -> bool:
        try:
            self.headers = read_headers(self.rfile)
        except http.client.LineTooLong as err:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long", str(err))
            return False
        except http.client.HTTPException as err:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers", str(err))
            return False
        connection = self.headers.get("Connection", "").lower()
        if connection == "close":
            self.close_connection = True
        elif connection == "keep-alive" and self.protocol_version >= "HTTP/1.1":
            self.close_connection = False
        if (self.headers.get("Expect", "").lower() == "100-continue" and self.protocol_version >= "HTTP/1.1"
                and self.request_version >= "HTTP/1.1"):
            return self.handle_expect_100()
        return True

    prefix = b""  # what the event loop had read of a connection it handed over (mock_gigya/http_loop.py)

    def setup(self) -> None:
        super().setup()
        if self.prefix:
            self.rfile = io.BufferedReader(_Prefixed(self.prefix, self.rfile))
        # One small answer per request: without NODELAY, Nagle + the client's delayed ACK add ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _write(self, status: str, headers: list, body: bytes) -> None:
        self.log_request(status.split(" ", 1)[0])
        try:  # status, headers and body in one write
            self.wfile.write(response_bytes(status, headers, body, self.close_connection))
            self.wfile.flush()
        except OSError:  # the client went away (a timeout fault, or it gave up): nothing to answer
            self.close_connection = True

    def _environ(self) -> dict | None:
        body = self._body()
        if body is None:
            return None
        return wsgi_environ(self.command, self.path, self.request_version, self.headers, body[0], body[1],
                            self.server.server_address, self.client_address[0],
                            "https" if self.tunnel_host else "http")

    def _body(self) -> tuple[Any, int] | None:
        """(a reader, its length); a chunked body is read here (bounded); None if unreadable."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = self._read_chunked()
            return None if data is None else (io.BytesIO(data), len(data))
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.send_error(400, "Content-Length is not a number")
            return None
        return _Limited(self.rfile, max(0, length)), max(0, length)

    def _read_chunked(self) -> bytes | None:
        data = bytearray()
        try:
            while True:
                size = int(self.rfile.readline(65537).split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(data)
                if len(data) + size > transport.MAX_BODY_BYTES:
                    self.send_error(413, f"Request body too large: over {transport.MAX_BODY_BYTES} bytes")
                    return None
                data += self.rfile.read(size)
                self.rfile.readline(3)
        except ValueError:
            self.send_error(400, "Broken chunked encoding")
            return None

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Malformed HTTP (bad request line, huge headers ...) gets a Gigya envelope, not an HTML page.

        The HTTP status stays the framing error's own (400, 413, 414, 431, 505): the request could
        not be read, so its ``httpStatusCodes`` is unknown.
        """
        self.close_connection = True
        envelope = transport.error_envelope(transport.INVALID_REQUEST_FORMAT, "Invalid request format",
                                            details=message or explain or f"HTTP {code}")
        body = transport.json_bytes(envelope)
        self._write(_status_line(code), [("Content-Type", "application/json; charset=utf-8"),
                                         ("Content-Length", str(len(body)))], body)

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        """Access log without the query string: a GET may carry a secret or a password there."""
        if self.server.verbose:
            path = str(getattr(self, "path", "")).split("?", 1)[0]
            self.log_message('"%s %s" %s', getattr(self, "command", "-"), path, code)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server signature)
        if self.server.verbose:
            super().log_message(format, *args)


class _Limited(io.RawIOBase):
    """A reader that returns at most ``length`` bytes of the socket, so keep-alive stays in step."""

    def __init__(self, stream: Any, length: int) -> None:
        self._stream, self.remaining = stream, length

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data = self._stream.read(size) if size else b""
        self.remaining -= len(data)
        return data


class _Prefixed(io.RawIOBase):
    """Bytes already read from a connection, then the connection's own reader."""

    def __init__(self, prefix: bytes, rest: Any) -> None:
        self._prefix, self._rest = memoryview(prefix), rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._prefix:
            size = min(len(buffer), len(self._prefix))
            buffer[:size] = self._prefix[:size]
            self._prefix = self._prefix[size:]
            return size
        data = self._rest.read1(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self._rest.close()
        super().close()


class _Server(ThreadingHTTPServer):
    """The threaded server, or (``loop``) the event loop of :mod:`mock_gigya.http_loop` handing it
    the connections it does not answer itself."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 512  # the default 5 refuses bursts of concurrent connects

    def __init__(self, address: tuple[str, int], app: MockApp, verbose: bool = False, ca: Any = None,
                 loop: bool = False) -> None:
        self.app, self.verbose, self.ca = app, verbose, ca
        self.loop = loop and not verbose  # the access log is the threaded handler's
        self._loop_stop = False
        self._loop_done = threading.Event()
        super().__init__(address, _Handler)

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        if not self.loop:
            super().serve_forever(poll_interval)
            return
        from mock_gigya.http_loop import HttpLoop

        self._loop_done.clear()
        try:  # a shutdown() asked before the loop started is honoured, as BaseServer does
            HttpLoop(self, wsgi_environ, response_bytes).run(poll_interval, lambda: self._loop_stop)
        finally:
            self._loop_stop = False
            self._loop_done.set()

    def shutdown(self) -> None:
        if not self.loop:
            super().shutdown()
            return
        self._loop_stop = True
        self._loop_done.wait()

    def handoff(self, sock: socket.socket, address: Any, prefix: bytes) -> None:
        """A thread runs the threaded handler on a connection the loop read ``prefix`` of."""
        def serve() -> None:
            try:
                handler = _Handler.__new__(_Handler)
                handler.prefix = prefix
                handler.__init__(sock, address, self)
            except Exception:
                self.handle_error(sock, address)
            finally:
                self.shutdown_request(sock)

        threading.Thread(target=serve, name="mock-gigya-connection", daemon=True).start()

    def handle_error(self, request: Any, client_address: Any) -> None:
        if self.verbose:
            super().handle_error(request, client_address)


class MockServer(MockControl):
    """A real mock-gigya HTTP server in a background thread (port 0 = a free port), for tests.

    ``with MockServer() as server: requests.post(server.url + "/accounts.search", ...)``; it has
    the control helpers (``add_site``, ``seed``, ``faults`` ...) of :class:`MockControl`.
    ``access`` (also ``app.access``) guards ``/__mock__/*``: open on loopback unless
    ``control_token`` is given, token required beyond loopback (generated if not given).
    """

    def __init__(self, *, host: str = defaults.DEFAULT_HOST, port: int = 0, backend: Any = None,
                 faults: FaultInjector | None = None, db_path: str = ":memory:", default_site: bool = True,
                 startup: Callable[[MockControl], None] | None = None,
                 handle: Callable[..., tuple[int, dict]] | None = None, verbose: bool = False,
                 https_proxy: bool = True, ca_dir: str | None = None, control_token: str | None = None,
                 loop: bool | None = None) -> None:
        super().__init__(backend, faults, db_path=db_path, default_site=default_site, startup=startup)
        # the event loop (mock_gigya/http_loop.py) by default with the mock's own handler; a test's
        # handler may block (sleep, wait for an event), so it gets a thread per connection unless asked
        self._loop = handle is None if loop is None else loop
        self.access = ControlAccess.for_bind(host, control_token)  # who may use /__mock__/*
        self.app = MockApp(self, handle, self.access)
        self._address, self._verbose = (host, port), verbose
        self._https_proxy, self._ca_dir, self.ca = https_proxy, ca_dir, None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def bind(self) -> "MockServer":
        """Open the listening socket (``url`` is known from here on); raises ``OSError`` if taken."""
        if self._server is None:
            self.faults.resume()
            if self._https_proxy and self.ca is None:
                from mock_gigya.tls import MockCA  # imports cryptography: only when HTTPS is on

                self.ca = MockCA(self._ca_dir)
            self._server = _Server(self._address, self.app, self._verbose, self.ca, loop=self._loop)
        return self

    @property
    def ca_path(self) -> str | None:
        """The CA certificate a client must trust to use the mock as its HTTPS proxy (None if off)."""
        return str(self.ca.ca_path) if self.ca is not None else None

    def start(self) -> "MockServer":
        """Bind and serve in a daemon thread; returns self."""
        self.bind()
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="mock-gigya-server", daemon=True)
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        """``http://host:port`` of the server (kept after :meth:`stop`)."""
        if self._server is not None:
            host, port = self._server.server_address[:2]
            self._url = f"http://{host}:{port}"
        if not getattr(self, "_url", None):
            raise RuntimeError("MockServer is not started")
        return self._url

    def stop(self) -> None:
        """Stop serving and release the port (sleeping timeout faults are woken)."""
        if self._server is None:
            return
        self.faults.interrupt()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None
        self._close_ca()

    def _close_ca(self) -> None:
        if self.ca is not None:
            self.ca.close()
            self.ca = None

    def serve_forever(self) -> None:
        """Serve in the calling thread until :meth:`request_shutdown` (or Ctrl+C)."""
        self.bind()
        try:
            self._server.serve_forever(poll_interval=0.2)
        finally:
            self.faults.interrupt()
            self._server.server_close()
            self._server = None
            self._close_ca()

    def request_shutdown(self) -> None:
        """Ask :meth:`serve_forever` to return; safe from a signal handler."""
        server = self._server
        if server is not None:
            threading.Thread(target=server.shutdown, daemon=True).start()

    def __enter__(self) -> "MockServer":
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()


# -- command line ----------------------------------------------------------------------------------

@click.group(context_settings={"help_option_names": ["-h", "--help"]})  # -h as in gigya-migrate
@click.version_option(__version__, prog_name="mock-gigya")
def main() -> None:
    """mock-gigya: a local mock of SAP Customer Data Cloud (Gigya) accounts APIs."""


@main.command()
@click.option("--host", default=defaults.DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=defaults.DEFAULT_PORT, show_default=True,
              help="Port to listen on; 0 picks a free one (printed).")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
              help="SQLite file: every acknowledged write survives a crash and restart. Default: memory.")
@click.option("--api-key", "api_keys", multiple=True, help="Site API key to create (repeatable).")
@click.option("--data-center", default=defaults.DEFAULT_DATA_CENTER, show_default=True, help="Data center of the sites.")
@click.option("--user-key", default=defaults.DEFAULT_USER_KEY, show_default=True, help="Application key accepted.")
@click.option("--secret", default=None, help="Secret of the application key (default: the mock's test secret).")
@click.option("--seed", "seed_count", type=click.IntRange(0), default=0,
              help="Seed N faker accounts into each site that has none.")
@click.option("--seed-algorithms", default="pbkdf2", show_default=True,
              help="Hash mix of seeded accounts, e.g. 'md5=2,bcrypt=1,pbkdf2'.")
@click.option("--latency", type=click.FloatRange(0), default=0.0,
              help="Response time of every call in seconds, counted from when the request arrived (the kernel's "
                   "receive time on Linux): the call's own processing is part of it (answered after "
                   "max(latency, processing), not their sum).")
@click.option("--jitter", type=click.FloatRange(0), default=0.0,
              help="Up to this many random extra seconds of response time.")
@click.option("--rate-limit-prob", type=click.FloatRange(0, 1), default=0.0, help="Share of calls answering 403048.")
@click.option("--rate-cap", type=click.FloatRange(0, min_open=True), default=None,
              help="Calls per second allowed per API key; calls over it answer 403048 (a token bucket).")
@click.option("--error-prob", type=click.FloatRange(0, 1), default=0.0, help="Share of calls answering 500001.")
@click.option("--timeout-prob", type=click.FloatRange(0, 1), default=0.0,
              help="Share of calls answered only after --timeout-seconds.")
@click.option("--drop-prob", type=click.FloatRange(0, 1), default=0.0, help="Share of connections closed unanswered.")
@click.option("--timeout-seconds", type=click.FloatRange(0), default=65.0, show_default=True,
              help="How late a timeout fault answers.")
@click.option("--fault-seed", type=int, default=None, help="Seed of the random faults (same seed, same faults).")
@click.option("--https-proxy/--no-https-proxy", default=True, show_default=True,
              help="Answer HTTPS to Gigya hosts through CONNECT with a throwaway CA (its path is printed).")
@click.option("--ca-dir", type=click.Path(file_okay=False), default=None,
              help="Where to write the throwaway CA (default: a temporary folder deleted on exit).")
@click.option("--control-token", envvar=CONTROL_TOKEN_ENV, default=None,
              help=f"Token required for the /__mock__/ control plane and web console (header X-Mock-Token, "
                   f"Authorization: Bearer, or cookie mock_token). Default: none on loopback; generated and "
                   f"printed once when --host is beyond loopback. Env: {CONTROL_TOKEN_ENV}.")
@click.option("--site-option", "site_options", multiple=True, callback=lambda ctx, param, value: _site_options(value),
              metavar="NAME=VALUE", help="Mock behaviour switch for every site, repeatable: uidLimits=true (503001/409030 "
                                         "per-UID limits), searchDelaySeconds=1, nestedObjects=replace (see SUPPORTED.md).")
@click.option("--audit-max-records", type=click.IntRange(0), default=DEFAULT_MAX_RECORDS, show_default=True,
              help="Audit records kept per site; older ones are deleted (0 = no limit).")
@click.option("--audit-max-age-days", type=click.FloatRange(0), default=DEFAULT_MAX_AGE_DAYS, show_default=True,
              help="Days an audit record is kept (0 = no limit).")
@click.option("--verbose", is_flag=True, help="Log every request to stderr.")
def serve(**options: Any) -> None:
    """Serve the mock Gigya API over HTTP until Ctrl+C.

    Example: mock-gigya serve --db rehearsal.db --port 8080 --seed 100 --rate-limit-prob 0.05

    Example (a key allowed 400 calls/s, like a real site's quota): mock-gigya serve --rate-cap 400

    \b
    Listening beyond loopback (--host 0.0.0.0, ::, a LAN address) locks the /__mock__/ control
    plane (state, hashes, seeded cleartexts, faults, reset) behind a token, printed once at start:
      mock-gigya serve --host 0.0.0.0 --control-token "$(openssl rand -hex 16)"
      mock-gigya state --url http://HOST:8080 --control-token TOKEN   (or MOCK_GIGYA_CONTROL_TOKEN)
    """
    faults = _faults_from(options)
    _check_db(options["db_path"])
    try:
        server = MockServer(host=options["host"], port=options["port"], faults=faults,
                            db_path=options["db_path"] or ":memory:", startup=_startup_from(options),
                            verbose=options["verbose"], https_proxy=options["https_proxy"],
                            ca_dir=options["ca_dir"], control_token=options["control_token"]).bind()
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {options['host']}:{options['port']}: {exc.strerror or exc}")
    except click.ClickException:
        raise
    except sqlite3.Error as exc:  # not a SQLite file, or one this mock cannot open
        raise click.ClickException(f"cannot use --db {options['db_path']}: {exc}")
    except Exception as exc:  # a refused start-up (bad --db file, bad hash mix ...) exits 1, no traceback
        raise click.ClickException(f"{type(exc).__name__}: {exc}")
    server.backend.audit_retention.configure(max_records=options["audit_max_records"],
                                             max_age_days=options["audit_max_age_days"])
    _print_banner(server, options)
    signal.signal(signal.SIGTERM, lambda *_: server.request_shutdown())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    click.echo("mock-gigya stopped.")


def _check_db(path: str | None) -> None:
    """A --db in a folder that does not exist is a typo, not something to create silently."""
    if path and not Path(path).resolve().parent.is_dir():  # exit 1, as tests/mock_service pins it
        raise click.ClickException(f"--db {path}: folder {Path(path).resolve().parent} does not exist "
                                   "(create it first)")


def _faults_from(options: dict) -> FaultInjector:
    faults = FaultInjector(seed=options["fault_seed"], timeout_seconds=options["timeout_seconds"])
    try:
        faults.configure(latency=options["latency"], jitter=options["jitter"],
                         rate_limit_prob=options["rate_limit_prob"], error_prob=options["error_prob"],
                         timeout_prob=options["timeout_prob"], drop_prob=options["drop_prob"])
    except ValueError as exc:
        raise click.UsageError(str(exc))
    return faults


def _parse_mix(text: str, param_hint: str = "--seed-algorithms") -> dict[str, float]:
    from gigya_migrate.hashing import ALGORITHMS

    mix: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, weight = item.partition("=")
        if name.strip() not in ALGORITHMS:
            # exit 1, not 2: tests/mock_service pins an unknown algorithm as a refused start-up
            raise click.ClickException(f"{param_hint}: unknown hash algorithm {name.strip()!r}; "
                                       f"known: {', '.join(ALGORITHMS)}")
        try:
            mix[name.strip()] = float(weight) if weight else 1.0
        except ValueError:
            raise click.BadParameter(f"weight of {name!r} is not a number", param_hint=param_hint)
        if mix[name.strip()] < 0:
            raise click.BadParameter(f"weight of {name!r} is negative", param_hint=param_hint)
    return mix


def _startup_from(options: dict) -> Callable[[MockControl], None]:
    api_keys = options["api_keys"] or (defaults.DEFAULT_API_KEY,)
    secret = options["secret"] or defaults.DEFAULT_SECRET
    mix = _parse_mix(options["seed_algorithms"])

    def startup(control: MockControl) -> None:
        control.backend.server_options.update(options.get("site_options") or {})
        if options.get("rate_cap"):  # the server-wide rateCap site option (mock_gigya/rate_cap.py)
            control.backend.server_options["rateCap"] = options["rate_cap"]
        for api_key in api_keys:
            if not control.backend.has_site(api_key):  # a --db file keeps its sites (and their policies)
                control.add_site(api_key, data_center=options["data_center"], secret=secret)
            if options["seed_count"] and not control.accounts(api_key).count():
                control.seed(api_key, options["seed_count"], algorithms=mix)
        if control.backend.app_key(options["user_key"]) is None:
            control.add_app_key(options["user_key"], secret, partner_id=control.backend.site(api_keys[0]).partner_id)

    return startup


def _site_options(values: tuple[str, ...]) -> dict:
    from mock_gigya.site_options import parse_assignment

    try:
        return dict(parse_assignment(text) for text in values)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--site-option")


def _print_banner(server: MockServer, options: dict) -> None:
    url = server.url
    api_keys = options["api_keys"] or (defaults.DEFAULT_API_KEY,)
    secret_note = "(as given with --secret)" if options["secret"] else f"{defaults.DEFAULT_SECRET}  (the mock's test secret)"
    lines = [
        f"mock-gigya serving on {url}",
        f"  sites:        {', '.join(api_keys)}  (data center {options['data_center']})",
        f"  user key:     {options['user_key']}",
        f"  secret:       {secret_note}",
        f"  storage:      {options['db_path'] or 'memory (lost when stopped)'}",
        f"  control:      {url}{CONTROL_PREFIX}state",
        f"  web console:  {url}{CONSOLE_PATH}  (accounts, audit log, faults"
        + ("; open it once with ?token=<control token>)" if server.access.locked else ")"),
        f"  official SDKs: send 'Host: accounts.{options['data_center']}.gigya.com' to {url}, or use it as http proxy",
    ]
    if options.get("rate_cap"):
        lines.append(f"  rate cap:     {options['rate_cap']:g} calls/s per API key (403048 beyond it)")
    if server.ca_path:
        lines.append(f"  https proxy:  HTTPS_PROXY={url} and trust {server.ca_path} for this run only "
                     "(REQUESTS_CA_BUNDLE / NODE_EXTRA_CA_CERTS)")
    lines += _access_lines(server, options)
    lines += ["Press Ctrl+C to stop."]
    click.echo("\n".join(lines))
    sys.stdout.flush()


def _access_lines(server: MockServer, options: dict) -> list[str]:
    """Banner lines on the control plane's token: printed once, here, and nowhere else."""
    lines = []
    how = f"send it as 'X-Mock-Token' or 'Authorization: Bearer'; CLI: --control-token / {CONTROL_TOKEN_ENV}"
    if server.access.generated:
        lines.append(f"  control token: {server.access.token}  (generated for this run; {how})")
    elif server.access.locked:  # the operator chose it: not echoed into terminals and logs
        lines.append(f"  control token: as given with --control-token / {CONTROL_TOKEN_ENV}  ({how})")
    if not is_loopback_host(options["host"]):
        lines.append(f"  warning:      listening on {options['host']}: anyone who reaches it can use the test "
                     f"credentials of the Gigya API; {CONTROL_PREFIX} needs the control token")
    return lines


def _add_remote_commands() -> None:
    from mock_gigya.remote import COMMANDS

    for command in COMMANDS:
        main.add_command(command)


_add_remote_commands()
