"""The same server on the stdlib asyncio loop (use_uvloop=False): uvloop is an optional extra,
so the core behaviours must hold without it."""

from __future__ import annotations

import asyncio
import time

from wirehttp_parser import Request, Response
from wirehttp_server import Stream

from ._net import connect, exchange, is_closed, read_all, read_response, status_of
from .conftest import Start


def test_keep_alive_pipelining_and_async(start_server: Start) -> None:
    async def handler(req: Request) -> Response:
        if req.target == "/slow":
            await asyncio.sleep(0.02)
        return Response(200, req.target)

    s = start_server(handler, use_uvloop=False)
    with connect(s.port) as c:
        c.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
        assert [read_response(c)[1] for _ in range(2)] == [b"/slow", b"/fast"]


def test_strict_rejection_and_500(start_server: Start) -> None:
    def handler(req: Request) -> Response:
        raise RuntimeError("x")

    s = start_server(handler, use_uvloop=False)
    assert status_of(exchange(s.port, b"GET / HTTP/1.1\r\n\r\n")) == 400
    assert status_of(exchange(s.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")) == 500


def test_stream_and_slowloris(start_server: Start) -> None:
    def handler(http: Stream) -> None:
        http.write(http.read().upper())

    s = start_server(handler, stream=True, use_uvloop=False, header_timeout=0.3)
    resp = exchange(
        s.port,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc",
    )
    assert b"3\r\nABC\r\n0\r\n\r\n" in resp
    with connect(s.port) as c:
        t0 = time.monotonic()
        c.sendall(b"GET / HTTP/1.1\r\n")
        assert status_of(read_all(c, timeout=3)) == 408
        assert time.monotonic() - t0 < 1.5
    with connect(s.port) as idle:
        assert is_closed(idle, timeout=3)
