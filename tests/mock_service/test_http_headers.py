"""mock_gigya.http_headers reads a header block as http.client.parse_headers (email.parser) does."""

from __future__ import annotations

import http.client
import io
import random

import pytest

from mock_gigya.http_headers import RequestHeaders, read_headers

_PIECES = ["Host: x\r\n", "host: y\r\n", "Content-Type: a/b\r\n", " cont\r\n", "\tfold\r\n", "Bad Header: z\r\n",
           "X-Thing:v\r\n", "X-Sp:   spaced  \r\n", "From me\r\n", "From: you\r\n", "nocolon\r\n", "Empty:\r\n",
           "A:b:c\r\n", "Connection: close\r\n", "\xe9t\xe9: v\r\n", "K: \xff\r\n", "X: a\n", ":novalue\r\n",
           "Y: a\rb\r\n", "W: \x0bv\r\n", "Q: x\r"]
_NAMES = ["host", "HOST", "content-type", "x-thing", "x-sp", "from", "empty", "a", "connection", "k", "x", "bad header"]


def _both(block: str) -> tuple[http.client.HTTPMessage, RequestHeaders]:
    data = block.encode("latin-1")
    return http.client.parse_headers(io.BytesIO(data)), read_headers(io.BytesIO(data))


def test_a_plain_block_reads_case_insensitively_first_of_repeats():
    headers = read_headers(io.BytesIO(b"Host: a\r\nX-Two: 1\r\nx-two: 2\r\n\r\nbody"))
    assert headers.get("host") == "a" and headers["X-TWO"] == "1" and headers.get("nope", "d") == "d"
    assert headers.items() == [("Host", "a"), ("X-Two", "1"), ("x-two", "2")]
    assert headers.get_all("x-two") == ["1", "2"] and "HOST" in headers and headers["nope"] is None


def test_the_body_after_the_block_is_left_unread():
    stream = io.BytesIO(b"Host: a\r\n\r\nkeep")
    read_headers(stream)
    assert stream.read() == b"keep"


@pytest.mark.parametrize("seed", range(3))
def test_same_headers_as_the_stdlib_parser_on_odd_blocks(seed):
    rng = random.Random(seed)
    for _ in range(2000):
        block = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 8))) + "\r\n"
        stdlib, ours = _both(block)
        assert ours.items() == stdlib.items(), block
        assert [ours.get(n) for n in _NAMES] == [stdlib.get(n) for n in _NAMES], block


def test_limits_raise_what_http_client_raises():
    with pytest.raises(http.client.LineTooLong):
        read_headers(io.BytesIO(b"X: " + b"a" * 70000 + b"\r\n\r\n"))
    with pytest.raises(http.client.HTTPException):
        read_headers(io.BytesIO(b"X: a\r\n" * 101 + b"\r\n"))
