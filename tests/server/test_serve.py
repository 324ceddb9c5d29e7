"""serve(): request handlers (plain and async def), HTTP/1.1 framing and keep-alive rules, on
real sockets with raw bytes, http.client and curl."""

from __future__ import annotations

import asyncio
import http.client
import logging
import shutil
import subprocess
import threading
import time

import pytest

from wirehttp_parser import Request, Response
from wirehttp_server import Server

from ._net import GET_CLOSE, connect, exchange, read_all, read_response, status_of
from .conftest import Start


def hello(req: Request) -> Response:
    return Response(200, "Hello, world!")


def echo(req: Request) -> Response:
    assert isinstance(req.body, bytes)
    return Response(200, [("X-Method", req.method), ("X-Target", req.target)], req.body)


def test_hello_http_client(start_server: Start) -> None:
    s = start_server(hello)
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=5)
    conn.request("GET", "/")
    r = conn.getresponse()
    assert r.status == 200 and r.read() == b"Hello, world!"
    assert r.getheader("Content-Length") == "13"
    assert r.getheader("Server") == "wirehttp"
    assert r.getheader("Date", "").endswith(" GMT")
    conn.request("GET", "/again")  # the same connection: keep-alive
    assert conn.getresponse().read() == b"Hello, world!"
    conn.close()


def test_async_handler(start_server: Start) -> None:
    async def handler(req: Request) -> Response:
        return Response(201, "made")

    s = start_server(handler)
    resp = exchange(s.port, GET_CLOSE)
    assert resp.startswith(b"HTTP/1.1 201 Created\r\n") and resp.endswith(b"\r\n\r\nmade")


def test_async_handler_that_suspends(start_server: Start) -> None:
    async def handler(req: Request) -> Response:
        await asyncio.sleep(0.01)
        assert asyncio.current_task() is not None
        async with asyncio.timeout(5):  # needs a task: there is one after the first await
            await asyncio.sleep(0)
        return Response(200, "slept")

    s = start_server(handler)
    resp = exchange(s.port, GET_CLOSE)
    assert resp.endswith(b"slept")


def test_async_handler_as_task_when_not_inline(start_server: Start) -> None:
    async def handler(req: Request) -> Response:
        async with asyncio.timeout(5):  # on the first line: needs inline_async=False
            return Response(200, "task")

    s = start_server(handler, inline_async=False)
    resp = exchange(s.port, GET_CLOSE)
    assert resp.endswith(b"task")


def test_pipelined_requests_answered_in_order(start_server: Start) -> None:
    async def handler(req: Request) -> Response:
        if req.target == "/slow":
            await asyncio.sleep(0.05)  # the second request must still come second
        return Response(200, req.target)

    s = start_server(handler)
    with connect(s.port) as c:
        c.sendall(
            b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
            b"GET /fast HTTP/1.1\r\nHost: x\r\n\r\n"
            b"POST /third HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
        )
        bodies = [read_response(c)[1] for _ in range(3)]
    assert bodies == [b"/slow", b"/fast", b"/third"]


def test_many_pipelined_requests_in_one_write(start_server: Start) -> None:
    s = start_server(hello)
    with connect(s.port) as c:
        c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 500)
        for _ in range(500):
            assert read_response(c)[1] == b"Hello, world!"


def test_head_has_no_body_but_the_length(start_server: Start) -> None:
    s = start_server(hello)
    with connect(s.port) as c:
        c.sendall(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.1)
        data = c.recv(65536)
    first, _, second = data.partition(b"\r\n\r\n")
    assert b"Content-Length: 13" in first
    assert second.startswith(b"HTTP/1.1 200 OK")  # no body bytes between the two heads
    assert second.endswith(b"Hello, world!")


def test_connection_close_request(start_server: Start) -> None:
    s = start_server(hello)
    resp = exchange(s.port, GET_CLOSE)
    assert b"\r\nConnection: close\r\n" in resp and resp.endswith(b"Hello, world!")


def test_http10_closes_by_default(start_server: Start) -> None:
    s = start_server(hello)
    resp = exchange(s.port, b"GET / HTTP/1.0\r\n\r\n")
    assert resp.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Connection: close" in resp and b"Content-Length: 13" in resp


def test_http10_keep_alive(start_server: Start) -> None:
    s = start_server(hello)
    with connect(s.port) as c:
        for _ in range(2):
            c.sendall(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            head, body = read_response(c)
            assert b"Connection: keep-alive" in head and body == b"Hello, world!"


def test_handler_connection_close_closes(start_server: Start) -> None:
    s = start_server(lambda req: Response(200, [("Connection", "close")], "bye"))
    with connect(s.port) as c:
        c.sendall(GET_CLOSE)
        resp = read_all(c)
    assert resp.count(b"Connection") == 1 and resp.endswith(b"bye")


def test_post_bodies_content_length_and_chunked(start_server: Start) -> None:
    s = start_server(echo)
    with connect(s.port) as c:
        c.sendall(b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
        assert read_response(c)[1] == b"hello"
        c.sendall(
            b"POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"
        )
        assert read_response(c)[1] == b"abcdefg"


def test_expect_continue_sent_before_the_body(start_server: Start) -> None:
    s = start_server(echo)
    with connect(s.port) as c:
        c.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 15\r\nExpect: 100-continue\r\n\r\n"
        )
        assert c.recv(1024) == b"HTTP/1.1 100 Continue\r\n\r\n"
        c.sendall(b"123456789012345")
        assert read_response(c)[1] == b"123456789012345"


def test_body_over_max_body_is_413_without_continue(start_server: Start) -> None:
    s = start_server(echo, max_body=10)
    resp = exchange(
        s.port,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n",
    )
    assert resp.startswith(b"HTTP/1.1 413 ") and b"100 Continue" not in resp
    assert b"Connection: close" in resp
    chunked = exchange(
        s.port,
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n",
    )
    assert status_of(chunked) == 413


def test_handler_exception_is_500_without_details(
    start_server: Start, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(req: Request) -> Response:
        raise RuntimeError("secret database password")

    s = start_server(broken)
    with caplog.at_level(logging.ERROR, logger="wirehttp.server"):
        resp = exchange(s.port, GET_CLOSE)
    assert resp.startswith(b"HTTP/1.1 500 Internal Server Error\r\n")
    assert b"secret" not in resp and b"Connection: close" in resp
    assert any("secret database password" in str(r.exc_info) for r in caplog.records)


def test_async_handler_exception_is_500(start_server: Start) -> None:
    async def broken(req: Request) -> Response:
        await asyncio.sleep(0)
        raise ValueError("nope")

    s = start_server(broken)
    assert status_of(exchange(s.port, GET_CLOSE)) == 500


def test_handler_returning_a_non_response_is_500(start_server: Start) -> None:
    s = start_server(lambda req: "not a response")
    assert status_of(exchange(s.port, GET_CLOSE)) == 500


def test_204_and_304_have_no_content_length_body(start_server: Start) -> None:
    s = start_server(lambda req: Response(204 if req.target == "/a" else 304))
    for target in (b"/a", b"/b"):
        resp = exchange(
            s.port,
            b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n"
            b"Connection: close\r\n\r\n"
        )
        assert b"Content-Length" not in resp and resp.endswith(b"\r\n\r\n")


def test_server_header_can_be_changed_or_removed(start_server: Start) -> None:
    s = start_server(hello, server_header=None)
    resp = exchange(s.port, GET_CLOSE)
    assert b"Server:" not in resp
    s2 = start_server(lambda req: Response(200, [("Server", "mine")], "x"))
    resp2 = exchange(s2.port, GET_CLOSE)
    assert resp2.count(b"Server:") == 1 and b"Server: mine" in resp2


def test_curl(start_server: Start) -> None:
    assert shutil.which("curl"), "curl is a test peer; scripts/bootstrap.sh installs it"
    s = start_server(echo)
    out = subprocess.run(
        ["curl", "-sS", "--max-time", "5", "-d", "from curl", f"http://127.0.0.1:{s.port}/c"],
        capture_output=True,
        check=True,
    ).stdout
    assert out == b"from curl"


def test_half_closed_client_still_gets_its_response(start_server: Start) -> None:
    import socket as socket_mod

    async def handler(req: Request) -> Response:
        await asyncio.sleep(0.02)
        return Response(200, "after eof")

    s = start_server(handler)
    with connect(s.port) as c:
        c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        c.shutdown(socket_mod.SHUT_WR)
        resp = read_all(c)
    assert resp.startswith(b"HTTP/1.1 200 OK") and resp.endswith(b"after eof")
