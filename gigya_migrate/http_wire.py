"""The client's cheap per-call HTTP pieces: the form body, and a requests adapter that writes each
request in one piece.

Both exist for CPU per call (an import sends one call per record, from dozens of threads):

- ``form_encode`` is ``urllib.parse.urlencode`` of str fields, byte for byte (``quote_plus``:
  unreserved characters kept, space as ``+``, the rest ``%XX`` of the UTF-8 bytes), done by one
  ``str.translate`` per value instead of urlencode's Python loop over each byte.
- ``ClientAdapter`` is requests' ``HTTPAdapter`` that remembers which connection pool serves an
  origin (requests works it out again on every call) and whose direct (not proxied) connections send the
  request line, headers and a bytes body with a known ``Content-Length`` in one write. urllib3
  writes the headers and then the body: two system calls, two loopback or network segments, two
  hand-offs of Python's GIL per call. Its responses skip the cookie jar: Gigya's REST answers
  set no cookie a server-side client sends back. ``send`` itself is HTTPAdapter's, so what patches
  it (the ``responses`` test library) still sees every call.
- Below ``send``, a plain POST on a direct connection, HTTP or HTTPS alike (``_OneWrite``), is
  written as one prepared block and its answer's head is parsed here: http.client's request
  building, line reader and email header parser and urllib3's response object were about half of
  a call's CPU. urllib3's ``urlopen`` still runs around it (pooling, connecting with its TLS
  verification and SNI, dropped keep-alive connections, timeouts, its exceptions), and any answer
  that is not plain (chunked, compressed, closing, odd or repeated fields, over 4 MiB) is read by
  http.client as before. tests/client/test_http_wire_lean.py holds both paths to the same bytes,
  answers and errors.
"""

from __future__ import annotations

import http.client
import io
import re
import socket
import ssl
from http.client import _CS_IDLE, _CS_REQ_SENT, HTTPException  # its connection states: see _OneWrite
from typing import Any, Iterator, Mapping

from requests.adapters import HTTPAdapter
from requests.models import PreparedRequest, Response
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3._base_connection import _ResponseOptions
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import HTTPError, IncompleteRead, ProtocolError, ReadTimeoutError, SSLError

__all__ = ["ClientAdapter", "form_encode"]

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")
# one entry per byte value, applied to the UTF-8 bytes seen as Latin-1 characters
_FORM_QUOTE = {byte: "+" if byte == 0x20 else chr(byte) if byte in _UNRESERVED else f"%{byte:02X}"
               for byte in range(256)}


def form_encode(fields: Mapping[str, str]) -> str:
    """``application/x-www-form-urlencoded`` of str keys and values, as ``urlencode`` writes it."""
    return "&".join(f"{_quote(key)}={_quote(value)}" for key, value in fields.items())


def _quote(text: str) -> str:
    return text.encode("utf-8").decode("latin-1").translate(_FORM_QUOTE)


_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # an RFC 9110 field name
_FIELD = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+: [\t\x20-\x7e\x80-\xff]*"  # a token name, a value without controls
_FIELDS = re.compile(f"{_FIELD}(?:\r\n{_FIELD})*")  # header lines as http.client would write them unchanged
_HEAD_MAX = 65536  # bytes of status line and headers the lean reader looks through
_BODY_MAX = 1 << 22  # answers larger than 4 MiB are read by http.client, in pieces
_NO_BODY = frozenset({100, 101, 102, 103, 204, 304})
_URL_BAD = re.compile("[\x00-\x20\x7f]")  # http.client refuses these in a request target
_LEAN_NAMES = frozenset({"content-length", "user-agent", "accept-encoding"})  # else urllib3 adds its own
_NOT_LEAN_NAMES = frozenset({"host", "transfer-encoding"})


class _LeanHead:
    """What the lean reader understood of a response head (see ``_OneWrite.getresponse``)."""

    __slots__ = ("status", "reason", "headers", "length")

    def __init__(self, status: int, reason: str, headers: CaseInsensitiveDict, length: int) -> None:
        self.status, self.reason, self.headers, self.length = status, reason, headers, length


def _lean_head(head: bytes) -> _LeanHead | None:
    """The status and headers of ``head`` (up to the blank line) when it is a plain HTTP/1.1 answer
    that keeps the connection open and frames its body with one ``Content-Length`` and no content
    or transfer coding; None for anything else (http.client then reads it, as it always did)."""
    lines = head.decode("latin-1").split("\r\n")  # http.client reads the head as ISO-8859-1 too
    if len(lines) > 101:
        return None  # http.client refuses more than 100 header fields
    parts = lines[0].split(None, 2)
    if len(parts) < 2 or parts[0] != "HTTP/1.1" or not parts[1].isdigit() or len(parts[1]) != 3:
        return None
    status = int(parts[1])
    if status in _NO_BODY or status < 200:
        return None
    headers = CaseInsensitiveDict()
    store = headers._store  # filled directly: CaseInsensitiveDict's own layout, lower-case name -> (name, value)
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        lower = name.lower()
        if not colon or lower in store or not _TOKEN.fullmatch(name):
            return None  # a folded line, an odd name or a repeated field: http.client's rules apply
        store[lower] = (name, value.lstrip(" \t"))
    length = store.get("content-length", (None, ""))[1]
    if (not length.isdigit() or int(length) > _BODY_MAX or "transfer-encoding" in store
            or store.get("content-encoding", (None, "identity"))[1].lower() != "identity"
            or "close" in store.get("connection", (None, ""))[1].lower()):
        return None
    return _LeanHead(status, parts[2].strip() if len(parts) > 2 else "", headers, int(length))


class _Replay(io.RawIOBase):
    """A socket's reading side that first gives back the bytes the lean reader already took.

    It reads the socket through ``makefile`` as http.client does, so that the socket stays open
    for the answer after the connection lets go of it (an answer that closes the connection)."""

    def __init__(self, taken: bytes, sock: Any) -> None:
        self._taken, self._file = memoryview(taken), sock.makefile("rb", buffering=0)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._taken:
            count = min(len(buffer), len(self._taken))
            buffer[:count] = self._taken[:count]
            self._taken = self._taken[count:]
            return count
        return self._file.readinto(buffer)

    def close(self) -> None:
        self._file.close()
        super().close()

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        """``http.client.HTTPResponse`` reads its socket through ``makefile("rb")``."""
        return io.BufferedReader(self)


class _LeanResponse:
    """The part of urllib3's ``HTTPResponse`` that ``HTTPAdapter.send``, ``Response.content`` and
    ``Response.close`` use, for an answer the lean reader understood. The body is read in
    ``read``/``stream`` (as urllib3 reads it: after ``send`` returned), with urllib3's errors:
    ``ReadTimeoutError`` for a timeout, ``ProtocolError`` for a connection that broke or ended
    early (``IncompleteRead``), ``SSLError`` for a TLS failure. The connection goes back to the
    pool once the body is read, closed first if reading it failed."""

    version, version_string = 11, "HTTP/1.1"
    _original_response = None  # no http.client response: requests fills no cookie jar from it
    retries: Any = None
    _pool: Any = None  # set by urlopen, as on urllib3's responses
    _connection: Any = None

    def __init__(self, head: _LeanHead, body: bytes, conn: Any, url: str) -> None:
        self.status, self.reason, self.headers = head.status, head.reason, head.headers
        self._body, self._missing, self._conn, self.url = body, head.length - len(body), conn, url
        self.closed = False

    @property
    def length_remaining(self) -> int:
        """Bytes of the body not read yet (urllib3's name; its pool logs it)."""
        return 0 if self.closed else len(self._body) + self._missing

    def get_redirect_location(self) -> str | None | bool:
        """urllib3's: the Location of a redirect status, else False."""
        return self.headers.get("Location") if self.status in (301, 302, 303, 307, 308) else False

    def isclosed(self) -> bool:
        return self.closed

    def read(self, amt: int | None = None, decode_content: bool | None = None, cache_content: bool = False) -> bytes:
        """The rest of the body (all of it: the answer is at most ``_BODY_MAX`` bytes)."""
        if self.closed:
            return b""
        if self._missing:
            self._read_missing()
        body, self._body = self._body, b""
        self.closed = True
        self.release_conn()
        return body

    def stream(self, amt: int | None = 2**16, decode_content: bool | None = None) -> Iterator[bytes]:
        """The body in one piece (``Response.content`` joins the pieces anyway)."""
        data = self.read()
        if data:
            yield data

    def _read_missing(self) -> None:
        pieces = [self._body]
        try:
            while self._missing > 0:
                piece = self._conn.sock.recv(min(self._missing, 1 << 20))
                if not piece:
                    got = sum(map(len, pieces))
                    raise IncompleteRead(got, self._missing)
                pieces.append(piece)
                self._missing -= len(piece)
        except BaseException as exc:
            self._drop()
            if isinstance(exc, socket.timeout):
                raise ReadTimeoutError(self._pool, None, "Read timed out.") from exc
            if isinstance(exc, ssl.SSLError):
                raise SSLError(exc) from exc
            if isinstance(exc, (HTTPException, OSError)):
                raise ProtocolError(f"Connection broken: {exc!r}", exc) from exc
            raise
        self._body = b"".join(pieces)

    def _drop(self) -> None:
        """A failed read: the connection is closed, and goes back to the pool to be reopened."""
        self.closed = True
        self._conn.close()
        self.release_conn()

    def release_conn(self) -> None:
        """Give the connection back to its pool (once)."""
        if self._pool is not None and self._connection is not None:
            self._pool._put_conn(self._connection)
            self._connection = None

    def drain_conn(self) -> None:
        """Read and drop the rest of the body, so the connection can be used again."""
        try:
            self.read()
        except (HTTPError, OSError):
            pass

    def close(self) -> None:
        """As urllib3's: an answer not read to its end takes its connection down with it."""
        if not self.closed:  # read to its end, the answer has given its connection back already
            self.closed = True
            self._conn.close()

    def shutdown(self) -> None:
        """Stop a read in progress on another thread (urllib3's ``HTTPResponse.shutdown``)."""
        sock = self._conn.sock
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)


class _OneWrite:
    """A urllib3 connection that sends a bytes body in the same ``sendall`` as the headers, when
    the headers carry its ``Content-Length`` (urllib3 would send the two one after the other).

    A plain POST (what ``HTTPAdapter.send`` passes for the client's calls: a bytes body, its
    ``Content-Length``, a path on a direct connection, field names that are tokens and values
    without control characters) takes the lean path: the request is written as the very bytes
    http.client would write (the ``Host`` line is http.client's own, made once per connection), and
    the answer's head is read and parsed here, not by http.client's line reader and email parser.
    An answer the lean reader does not take as plain (``_lean_head``) is handed, with the bytes
    already read, to urllib3's own ``getresponse`` as if nothing had been read. Anything else goes
    through urllib3 as before. urllib3's ``urlopen`` still runs around both: a new or dropped
    connection, timeouts and errors are its, with its exceptions.
    """

    _body_with_headers: bytes | None = None  # held from request() to endheaders()
    _tail: bytes | None = None  # appended to the next send: the header block
    _lean_url: str | None = None  # set by a lean request() for the getresponse() after it
    _host_line: bytes | None = None  # this connection's ``Host: ...`` line, as http.client writes it

    def request(self, method: str, url: str, body: Any = None, headers: Mapping[str, str] | None = None,
                *, chunked: bool = False, **kwargs: Any) -> None:
        self._lean_url = None
        if isinstance(body, str) and body.isascii():
            body = body.encode("ascii")  # what urllib3 would send for it (UTF-8 of ASCII)
        if (type(body) is bytes and body and not chunked and headers is not None and method == "POST"
                and kwargs.get("preload_content") is False and kwargs.get("enforce_content_length", True)):
            block = self._lean_block(url, headers)
            if block is not None:
                self._send_lean(url, block + body, kwargs)
                return
        if (isinstance(body, bytes) and body and not chunked and headers is not None
                and any(name.lower() == "content-length" for name in headers)):
            self._body_with_headers, body = body, None
        try:
            super().request(method, url, body=body, headers=headers, chunked=chunked, **kwargs)  # type: ignore[misc]
        finally:
            self._body_with_headers = None

    def _lean_block(self, url: str, headers: Mapping[str, str]) -> bytes | None:
        """The request line and headers of a plain POST, as http.client writes them; None when the
        request is not one the lean path takes."""
        if (not url.startswith("/") or not url.isascii() or _URL_BAD.search(url) or self._tunnel_host
                or getattr(self, "_HTTPConnection__response") is not None
                or getattr(self, "_HTTPConnection__state") != _CS_IDLE):
            return None
        if not all(type(name) is str and type(value) is str for name, value in headers.items()):
            return None  # http.client's own encodings decide
        fields = "\r\n".join([f"{name}: {value}" for name, value in headers.items()])
        if not _FIELDS.fullmatch(fields):
            return None  # an odd name, a control character in a value: http.client's checks decide
        names = {name.lower() for name in headers}
        if not _LEAN_NAMES <= names or not names.isdisjoint(_NOT_LEAN_NAMES):
            return None  # urllib3 or http.client would add a header of its own
        if self._host_line is None:
            self._host_line = self._http_client_host_line()
        return b"POST %s HTTP/1.1\r\n%s\r\n%s\r\n\r\n" % (url.encode("ascii"), self._host_line,
                                                          fields.encode("latin-1"))

    def _http_client_host_line(self) -> bytes:
        """The ``Host`` line http.client's ``putrequest`` writes on this connection for a path."""
        http.client.HTTPConnection.putrequest(self, "POST", "/", skip_accept_encoding=True)  # type: ignore[arg-type]
        try:
            return self._buffer[1]  # type: ignore[attr-defined]
        finally:
            self._buffer.clear()  # type: ignore[attr-defined]
            setattr(self, "_HTTPConnection__state", _CS_IDLE)

    def _send_lean(self, url: str, data: bytes, options: Mapping[str, Any]) -> None:
        self._response_options = _ResponseOptions(  # what urllib3's getresponse needs, if it reads the answer
            request_method="POST", request_url=url, preload_content=False,
            decode_content=options.get("decode_content", True), enforce_content_length=True)
        setattr(self, "_HTTPConnection__state", _CS_REQ_SENT)
        self._method, self._lean_url = "POST", url
        sock = self.sock
        if sock is None:
            self.connect()  # as http.client's send() does on a new connection
            sock = self.sock
        elif sock.gettimeout() != self.timeout:  # urllib3 sets it every time: a system call each
            sock.settimeout(self.timeout)
        sock.sendall(data)

    def getresponse(self) -> Any:
        url, self._lean_url = self._lean_url, None
        if url is None:
            return super().getresponse()  # type: ignore[misc]
        sock = self.sock
        if sock.gettimeout() != self.timeout:
            sock.settimeout(self.timeout)
        taken = sock.recv(_HEAD_MAX)
        end = taken.find(b"\r\n\r\n")
        while end < 0 and taken and len(taken) < _HEAD_MAX:
            more = sock.recv(_HEAD_MAX)
            if not more:
                break
            taken += more
            end = taken.find(b"\r\n\r\n", max(0, len(taken) - len(more) - 3))
        head = _lean_head(taken[:end]) if end >= 0 else None
        if head is None or len(taken) - end - 4 > head.length:
            return self._replayed(taken)
        self._response_options = None
        setattr(self, "_HTTPConnection__state", _CS_IDLE)
        return _LeanResponse(head, taken[end + 4:], self, url)

    def _replayed(self, taken: bytes) -> Any:
        """urllib3's ``getresponse``, reading ``taken`` first and then the socket."""
        replay = _Replay(taken, self.sock)
        self.response_class = lambda sock, method=None: http.client.HTTPResponse(replay, method=method)  # type: ignore[assignment]
        try:
            return super().getresponse()  # type: ignore[misc]
        finally:
            del self.response_class

    def endheaders(self, message_body: Any = None, *, encode_chunked: bool = False) -> None:
        body, self._body_with_headers = self._body_with_headers, None
        self._tail = body
        try:
            super().endheaders(message_body, encode_chunked=encode_chunked)  # type: ignore[misc]
        finally:
            self._tail = None

    def send(self, data: Any) -> None:
        tail, self._tail = self._tail, None
        super().send(data + tail if tail is not None else data)  # type: ignore[misc]


class _HTTPConnection(_OneWrite, HTTPConnection):
    pass


class _HTTPSConnection(_OneWrite, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class ClientAdapter(HTTPAdapter):
    """``HTTPAdapter`` with one-write connections and cookie-free responses (module docstring)."""

    def init_poolmanager(self, connections: int, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(connections, *args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
        self._pools: dict[tuple, HTTPConnectionPool] = {}
        self._kept = max(1, connections)  # the pool manager's own size: no more pools than it keeps

    def get_connection_with_tls_context(self, request: PreparedRequest, verify: Any, proxies: Any = None,
                                        cert: Any = None) -> HTTPConnectionPool:
        """The pool ``HTTPAdapter`` would pick, remembered per origin, TLS settings and proxies
        (requests builds the pool key from the parsed URL again on every call) until ``close``."""
        try:
            key = ("/".join(str(request.url).split("/", 3)[:3]), verify, cert, tuple(sorted((proxies or {}).items())))
            pool = self._pools.get(key)
        except TypeError:  # an unhashable setting (a list as cert): looked up every time
            return super().get_connection_with_tls_context(request, verify, proxies=proxies, cert=cert)
        if pool is None:
            if len(self._pools) >= self._kept:
                self._pools.clear()
            pool = self._pools[key] = super().get_connection_with_tls_context(request, verify, proxies=proxies,
                                                                              cert=cert)
        return pool

    def close(self) -> None:
        """Forget the pools, then close them as ``HTTPAdapter.close`` does."""
        self._pools.clear()
        super().close()

    def build_response(self, req: PreparedRequest, resp: Any) -> Response:
        """``HTTPAdapter.build_response`` without filling ``Response.cookies`` (left empty)."""
        response = Response()
        response.status_code = getattr(resp, "status", None)
        headers = getattr(resp, "headers", {})
        response.headers = headers if type(resp) is _LeanResponse else CaseInsensitiveDict(headers)  # its own dict
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = resp
        response.reason = resp.reason
        response.url = req.url.decode("utf-8") if isinstance(req.url, bytes) else req.url
        response.request = req
        response.connection = self
        return response
