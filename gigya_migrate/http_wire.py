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
"""

from __future__ import annotations

from typing import Any, Mapping

from requests.adapters import HTTPAdapter
from requests.models import PreparedRequest, Response
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

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


class _OneWrite:
    """A urllib3 connection that sends a bytes body in the same ``sendall`` as the headers, when
    the headers carry its ``Content-Length`` (urllib3 would send the two one after the other)."""

    _body_with_headers: bytes | None = None  # held from request() to endheaders()
    _tail: bytes | None = None  # appended to the next send: the header block

    def request(self, method: str, url: str, body: Any = None, headers: Mapping[str, str] | None = None,
                *, chunked: bool = False, **kwargs: Any) -> None:
        if isinstance(body, str) and body.isascii():
            body = body.encode("ascii")  # what urllib3 would send for it (UTF-8 of ASCII)
        if (isinstance(body, bytes) and body and not chunked and headers is not None
                and any(name.lower() == "content-length" for name in headers)):
            self._body_with_headers, body = body, None
        try:
            super().request(method, url, body=body, headers=headers, chunked=chunked, **kwargs)  # type: ignore[misc]
        finally:
            self._body_with_headers = None

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
        response.headers = CaseInsensitiveDict(getattr(resp, "headers", {}))
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = resp
        response.reason = resp.reason
        response.url = req.url.decode("utf-8") if isinstance(req.url, bytes) else req.url
        response.request = req
        response.connection = self
        return response
