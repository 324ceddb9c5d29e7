"""listen(): the Stream API for plain (threaded) and async def stream handlers, streamhandler,
and the upgrade hand-off."""

from __future__ import annotations

import asyncio
import http.client
import logging
from collections.abc import Awaitable, Callable

import pytest

from wirehttp_parser import Request, Response
from wirehttp_server import Stream, streamhandler
from wirehttp_server._server import DEFAULT_MAX_BODY
from wirehttp_server._stream import MAX_BODY

from ._net import GET_CLOSE, connect, exchange, read_all, read_response, status_of
from .conftest import Start


def test_reference_example_echo(start_server: Start) -> None:
    def handler(http: Stream) -> None:
        http.setheader("Content-Type", "text/html")
        http.write(f"target uri: {http.message.target}<BR>")
        http.write("request body:<BR><PRE>")
        http.write(http.read())
        http.write("</PRE>")

    s = start_server(handler, stream=True)
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=5)
    conn.request("POST", "/x?y=1", body=b"the body")
    r = conn.getresponse()
    assert r.getheader("Transfer-Encoding") == "chunked"
    assert r.read() == b"target uri: /x?y=1<BR>request body:<BR><PRE>the body</PRE>"
    conn.request("GET", "/again")  # keep-alive after a chunked response
    assert conn.getresponse().read().startswith(b"target uri: /again")
    conn.close()


def test_readavailable_eof_and_status(start_server: Start) -> None:
    pieces: list[bytes] = []

    def handler(http: Stream) -> None:
        while not http.eof():
            pieces.append(http.readavailable())
        http.setstatus(404)
        http.setheader("Foo-Header", "bar")
        http.write("response body")
        http.write("more response body")

    s = start_server(handler, stream=True)
    with connect(s.port) as c:
        c.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
        c.sendall(b"2\r\nde\r\n0\r\n\r\n")
        c.sendall(GET_CLOSE)
        data = read_all(c)
    assert b"".join(pieces) == b"abcde"
    assert data.startswith(b"HTTP/1.1 404 Not Found\r\n") and b"Foo-Header: bar" in data
    assert b"d\r\nresponse body\r\n12\r\nmore response body\r\n0\r\n\r\n" in data
    assert data.count(b"HTTP/1.1 404") == 2


def test_read_n_bytes(start_server: Start) -> None:
    def handler(http: Stream) -> None:
        a = http.read(3)
        b = http.read(100)  # fewer at the end of the body
        http.setheader("Content-Length", str(len(a) + len(b) + 1))
        http.write(a + b"|" + b)

    s = start_server(handler, stream=True)
    resp = exchange(
        s.port,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        b"Connection: close\r\n\r\nabcde"
    )
    assert resp.endswith(b"\r\n\r\nabc|de") and b"Transfer-Encoding" not in resp


def test_async_stream_handler(start_server: Start) -> None:
    async def handler(http: Stream) -> None:
        body = await http.aread()
        http.setstatus(201)
        await http.astartwrite()
        await http.awrite(body.upper())
        await http.aclosewrite()

    s = start_server(handler, stream=True)
    resp = exchange(
        s.port,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
        b"Connection: close\r\n\r\nabc"
    )
    assert resp.startswith(b"HTTP/1.1 201 Created") and b"3\r\nABC\r\n0\r\n\r\n" in resp


def test_blocking_method_on_the_loop_is_an_error(start_server: Start) -> None:
    async def handler(http: Stream) -> None:
        http.read()

    s = start_server(handler, stream=True)
    assert status_of(exchange(s.port, GET_CLOSE)) == 500


def test_handler_that_writes_nothing_gets_500(start_server: Start) -> None:
    def handler(http: Stream) -> None:
        http.setstatus(200)

    s = start_server(handler, stream=True)
    assert status_of(exchange(s.port, GET_CLOSE)) == 500


def test_stream_handler_exception_is_500(start_server: Start) -> None:
    def handler(http: Stream) -> None:
        raise KeyError("private")

    s = start_server(handler, stream=True)
    resp = exchange(s.port, GET_CLOSE)
    assert status_of(resp) == 500 and b"private" not in resp


def _read_all_body(http: Stream) -> None:
    http.read()
    http.setstatus(200)
    http.write(b"read it")


def _read_and_wrap(http: Stream) -> None:
    try:
        http.read()
    except Exception as exc:
        raise RuntimeError("could not read the upload") from exc
    http.write(b"read it")


async def _aread_all_body(http: Stream) -> None:
    await http.aread()
    http.write(b"read it")


@pytest.mark.parametrize("handler", [_read_all_body, _read_and_wrap, _aread_all_body])
def test_a_body_error_that_escapes_the_handler_gets_its_own_status(
    start_server: Start, handler: Callable[[Stream], object]
) -> None:
    # A malformed chunk reaches the handler as an error from read(); if the handler lets it
    # out (as it is, or raised from), the client gets 400 — the error is theirs, not a 500.
    s = start_server(handler, stream=True)
    resp = exchange(
        s.port,
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n",
    )
    assert status_of(resp) == 400 and b"Connection: close" in resp


def test_a_handler_bug_while_handling_a_body_error_is_still_a_500(
    start_server: Start, caplog: pytest.LogCaptureFixture
) -> None:
    # Raised *during* the handling of the body error (its __context__), not *from* it: the
    # handler's own failure, logged and answered 500 — not hidden behind the client's 400.
    state: dict[str, str] = {}

    def handler(http: Stream) -> None:
        try:
            http.read()
        except Exception:
            state["cleanup"] += "done"  # a bug in the handler's error path: a KeyError

    s = start_server(handler, stream=True)
    with caplog.at_level(logging.ERROR, logger="wirehttp.server"):
        resp = exchange(
            s.port,
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        )
    assert status_of(resp) == 500
    assert any(r.exc_info and isinstance(r.exc_info[1], KeyError) for r in caplog.records)


def test_a_body_that_stops_coming_is_a_408_for_a_stream_handler(start_server: Start) -> None:
    s = start_server(_read_all_body, stream=True, body_timeout=0.3)
    with connect(s.port) as c:
        c.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
        resp = read_all(c)
    assert status_of(resp) == 408


def test_expect_continue_only_when_the_body_is_read(start_server: Start) -> None:
    def handler(http: Stream) -> None:
        if http.message.target == "/reject":
            http.setstatus(403)
            http.write(b"no")
            return
        http.write(http.read())

    s = start_server(handler, stream=True)
    with connect(s.port) as c:
        c.sendall(
            b"PUT /reject HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
            b"Expect: 100-continue\r\n\r\n"
        )
        rejected = read_all(c)
    assert rejected.startswith(b"HTTP/1.1 403") and b"100 Continue" not in rejected
    assert b"Connection: close" in rejected  # the unsent body would desynchronise the next one
    with connect(s.port) as c:
        c.sendall(
            b"PUT /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
            b"Expect: 100-continue\r\n\r\n"
        )
        assert c.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        c.sendall(b"data")
        head, _ = read_response(c)
        assert head.startswith(b"HTTP/1.1 200")


def test_http10_stream_response_is_close_delimited(start_server: Start) -> None:
    def handler(http: Stream) -> None:
        http.write("Hello")

    s = start_server(handler, stream=True)
    resp = exchange(s.port, b"GET / HTTP/1.0\r\n\r\n")
    assert resp.startswith(b"HTTP/1.1 200 OK\r\n") and resp.endswith(b"\r\n\r\nHello")
    assert b"Transfer-Encoding" not in resp and b"Connection: close" in resp


def test_head_request_on_a_stream_sends_no_body(start_server: Start) -> None:
    def handler(http: Stream) -> None:
        http.setheader("Content-Length", "5")
        http.write("Hello")

    s = start_server(handler, stream=True)
    resp = exchange(s.port, b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert b"Content-Length: 5\r\n" in resp and resp.endswith(b"Connection: close\r\n\r\n")


def test_streamhandler_wraps_a_request_handler(start_server: Start) -> None:
    def handler(req: Request) -> Response:
        assert isinstance(req.body, bytes)
        return Response(200, [("X-Len", str(len(req.body)))], req.body[::-1])

    s = start_server(streamhandler(handler), stream=True)
    resp = exchange(
        s.port,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
        b"Connection: close\r\n\r\nabc"
    )
    assert b"X-Len: 3" in resp and b"Content-Length: 3" in resp and resp.endswith(b"cba")


def test_streamhandler_wraps_an_async_request_handler(start_server: Start) -> None:
    async def handler(req: Request) -> Response:
        await asyncio.sleep(0)  # suspends: a real coroutine, not one that finishes at once
        assert isinstance(req.body, bytes)
        return Response(200, [("X-Len", str(len(req.body)))], req.body.upper())

    wrapped = streamhandler(handler)
    assert asyncio.iscoroutinefunction(wrapped)  # runs on the loop, like an async def handler
    s = start_server(wrapped, stream=True)
    with connect(s.port) as c:
        c.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
        head, body = read_response(c)
        assert head.startswith(b"HTTP/1.1 200 OK\r\n") and b"X-Len: 3" in head
        assert body == b"ABC"
        c.sendall(  # keep-alive, and a chunked body
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            b"Connection: close\r\n\r\n2\r\nde\r\n0\r\n\r\n"
        )
        assert read_all(c).endswith(b"\r\n\r\nDE")


def test_streamhandler_awaits_what_a_plain_callable_returns(start_server: Start) -> None:
    async def route(req: Request) -> Response:
        assert isinstance(req.body, bytes)
        return Response(200, req.body)

    def dispatch(req: Request) -> Awaitable[Response]:  # a Router with async def routes
        return route(req)

    s = start_server(streamhandler(dispatch), stream=True)
    resp = exchange(
        s.port, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi"
    )
    assert resp.startswith(b"HTTP/1.1 200 OK\r\n") and resp.endswith(b"\r\n\r\nhi")


def test_streamhandler_body_limit(start_server: Start) -> None:
    calls: list[bytes] = []

    def handler(req: Request) -> Response:
        assert isinstance(req.body, bytes)
        calls.append(req.body)
        return Response(200, "ok")

    async def ahandler(req: Request) -> Response:
        return handler(req)

    for h in (streamhandler(handler, max_body=5), streamhandler(ahandler, max_body=5)):
        s = start_server(h, stream=True)
        # Up to the limit: handled.
        ok = exchange(
            s.port,
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\n12345",
        )
        assert status_of(ok) == 200
        # A declared length past it: 413 at once, no 100 (Continue), connection closed.
        with connect(s.port) as c:
            c.sendall(
                b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n"
                b"Expect: 100-continue\r\n\r\n"
            )
            resp = read_all(c)
        assert resp.startswith(b"HTTP/1.1 413 Content Too Large\r\n"), resp
        assert b"Connection: close" in resp and b"100 Continue" not in resp
        # A chunked body that grows past it.
        resp = exchange(
            s.port,
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n",
        )
        assert status_of(resp) == 413 and b"Connection: close" in resp
    assert calls == [b"12345", b"12345"]


def test_streamhandler_default_body_limit_is_serves(start_server: Start) -> None:
    assert MAX_BODY == DEFAULT_MAX_BODY
    s = start_server(streamhandler(lambda req: Response(200, "ok")), stream=True)
    resp = exchange(
        s.port, f"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {MAX_BODY + 1}\r\n\r\n".encode()
    )
    assert status_of(resp) == 413


def test_serve_with_stream_true(start_server: Start) -> None:
    def handler(http: Stream) -> None:
        http.write("streamed")

    from wirehttp_server import serve_background

    s = serve_background(handler, "127.0.0.1", 0, stream=True)
    try:
        assert exchange(s.port, GET_CLOSE).endswith(
            b"8\r\nstreamed\r\n0\r\n\r\n"
        )
    finally:
        s.close()


def test_upgrade_hand_off(start_server: Start) -> None:
    class Echo(asyncio.Protocol):
        def __init__(self, transport: asyncio.Transport, first: bytes) -> None:
            self.transport = transport
            if first:
                transport.write(b"echo:" + first)

        def data_received(self, data: bytes) -> None:
            self.transport.write(b"echo:" + data)

    async def handler(http: Stream) -> None:
        if http.message.headers.get("Upgrade") != "echo":
            http.setstatus(400)
            await http.awrite(b"no")
            return
        http.setstatus(101)
        http.setheader("Upgrade", "echo")
        http.setheader("Connection", "Upgrade")
        await http.astartwrite()
        transport, first = await http.adetach()
        transport.set_protocol(Echo(transport, first))
        transport.resume_reading()

    s = start_server(handler, stream=True)
    with connect(s.port) as c:
        c.sendall(
            b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nearly"
        )
        got = b""
        while b"echo:early" not in got:
            got += c.recv(1000)
        assert got.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
        c.sendall(b"more")
        assert c.recv(1000) == b"echo:more"


def test_declined_upgrade_goes_on_with_http(start_server: Start) -> None:
    def handler(http: Stream) -> None:
        http.write(http.message.target)

    s = start_server(handler, stream=True)
    with connect(s.port) as c:
        c.sendall(
            b"GET /a HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"
            b"GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        data = read_all(c)
    assert b"2\r\n/a\r\n" in data and b"2\r\n/b\r\n" in data


def test_closebody_isaborted_peer_and_header(start_server: Start) -> None:
    seen: dict[str, object] = {}

    def handler(http: Stream) -> None:
        seen["peer"] = http.peer
        seen["ua"] = http.header("User-Agent")
        http.write("part")
        http.closebody()
        seen["aborted"] = http.isaborted()
        seen["open"] = http.isopen()

    s = start_server(handler, stream=True)
    resp = exchange(
        s.port, b"GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: t/1\r\nConnection: close\r\n\r\n"
    )
    assert resp.endswith(b"4\r\npart\r\n0\r\n\r\n")
    peer = seen["peer"]
    assert isinstance(peer, tuple) and peer[0] == "127.0.0.1"
    assert seen["ua"] == "t/1" and seen["aborted"] is False and seen["open"] is True
