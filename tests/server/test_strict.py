"""Strict by default: each malformed request of python-anchors.md §2.3 and the BRIEF's rules
gets its status and a closed connection, and never reaches the handler."""

from __future__ import annotations

import pytest

from wirehttp_parser import Request, Response

from ._net import connect, exchange, is_closed, status_of
from .conftest import Start

CASES = {
    # python-anchors.md §2.3, one row each
    "cl-and-te": (
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"0\r\n\r\n",
        400,
    ),
    "two-differing-cl": (
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
        400,
    ),
    "space-before-colon": (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length : 2\r\n\r\nab", 400),
    "obs-fold-te": (
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
        400,
    ),
    # RFC 9112 §6.3 rule 4: chunked is not the final coding of a request -> 400
    "xchunked": (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n", 400),
    # RFC 9112 §6.1: a transfer coding the server does not understand -> 501
    "unknown-coding": (
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: foo, chunked\r\n\r\n0\r\n\r\n",
        501,
    ),
    "bare-lf": (b"GET / HTTP/1.1\nHost: x\n\n", 400),
    "no-host-http11": (b"GET / HTTP/1.1\r\n\r\n", 400),
    "bad-chunk-size": (
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n",
        400,
    ),
    # the BRIEF's other rules and HTTP.jl's server tests
    "bare-cr": (b"GET / HTTP/1.1\rHost: x\r\n\r\n", 400),
    "bad-version": (b"GET / HTP/1.1\r\nHost: x\r\n\r\n", 400),
    "no-target": (b"SOMEMETHOD HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    "http2-version": (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    "request-line-too-long": (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    "too-many-headers": (
        b"GET / HTTP/1.1\r\nHost: x\r\n" + b"Foo: Bar\r\n" * 10000 + b"\r\n",
        431,
    ),
    "nul-in-value": (b"GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n", 400),
    "chunk-size-overflow": (
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"fffffffffffffffffff\r\n",
        400,
    ),
    "negative-content-length": (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400),
}


@pytest.mark.parametrize("name", list(CASES))
def test_malformed_request_is_rejected(start_server: Start, name: str) -> None:
    data, status = CASES[name]
    seen: list[Request] = []

    def handler(req: Request) -> Response:
        seen.append(req)
        return Response(200, "ok")

    s = start_server(handler)
    resp = exchange(s.port, data)
    assert status_of(resp) == status, resp[:200]
    assert b"\r\nConnection: close\r\n" in resp
    assert seen == []  # nothing malformed reaches a handler


def test_good_request_before_a_bad_one_is_answered(start_server: Start) -> None:
    s = start_server(lambda req: Response(200, "ok"))
    resp = exchange(s.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTP/1.1\r\n\r\n")
    first, _, second = resp.partition(b"ok")
    assert status_of(first) == 200 and status_of(second) == 400


def test_connection_is_closed_after_a_bad_request(start_server: Start) -> None:
    s = start_server(lambda req: Response(200, "ok"))
    with connect(s.port) as c:
        c.sendall(b"GET / HTTP/1.1\r\n\r\n")
        assert is_closed(c)


def test_error_body_does_not_echo_the_input(start_server: Start) -> None:
    s = start_server(lambda req: Response(200, "ok"))
    resp = exchange(s.port, b"GET /<script> HTTP/1.1\r\nHost: x\r\nX: \x01\r\n\r\n")
    assert status_of(resp) == 400 and b"<script>" not in resp
