"""Timeouts armed at accept (slowloris), idle keep-alive, body read, and max_connections."""

from __future__ import annotations

import time

from wirehttp_parser import Request, Response
from wirehttp_server import Stream

from ._net import GET_CLOSE, connect, exchange, is_closed, read_all, read_response, status_of
from .conftest import Start


def ok(req: Request) -> Response:
    return Response(200, "ok")


def test_idle_new_connection_is_closed(start_server: Start) -> None:
    s = start_server(ok, header_timeout=0.3)
    with connect(s.port) as c:
        t0 = time.monotonic()
        assert is_closed(c, timeout=3)
        assert time.monotonic() - t0 < 1.5


def test_half_sent_headers_get_408_and_close(start_server: Start) -> None:
    s = start_server(ok, header_timeout=0.3)
    with connect(s.port) as c:
        t0 = time.monotonic()
        c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        resp = read_all(c, timeout=3)
        assert time.monotonic() - t0 < 1.5
    assert status_of(resp) == 408 and b"Connection: close" in resp


def test_trickling_headers_do_not_extend_the_deadline(start_server: Start) -> None:
    s = start_server(ok, header_timeout=0.5)
    with connect(s.port) as c:
        t0 = time.monotonic()
        closed = False
        for ch in b"GET / HTTP/1.1\r\nHost: slowloris\r\nX-A: " + b"a" * 40:
            try:
                c.sendall(bytes([ch]))
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            time.sleep(0.05)
            if time.monotonic() - t0 > 1.5:
                break
        assert closed or is_closed(c, timeout=1)
        assert time.monotonic() - t0 < 2.0


def test_idle_keep_alive_connection_is_closed(start_server: Start) -> None:
    s = start_server(ok, idle_timeout=0.3)
    with connect(s.port) as c:
        c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(c)[1] == b"ok"
        t0 = time.monotonic()
        assert is_closed(c, timeout=3)
        assert time.monotonic() - t0 < 1.5


def test_readtimeout_sets_idle_and_body_timeouts(start_server: Start) -> None:
    s = start_server(ok, readtimeout=0.3)
    with connect(s.port) as c:
        c.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
        t0 = time.monotonic()
        resp = read_all(c, timeout=3)
        assert time.monotonic() - t0 < 1.5
    assert status_of(resp) == 408


def test_stream_body_read_times_out(start_server: Start) -> None:
    errors: list[BaseException] = []

    def handler(http: Stream) -> None:
        try:
            http.read()
        except Exception as exc:
            errors.append(exc)
            raise

    s = start_server(handler, stream=True, body_timeout=0.3)
    with connect(s.port) as c:
        c.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
        resp = read_all(c, timeout=3)
    # The handler let the body's own error out: the client gets 408 (its fault), not 500.
    assert status_of(resp) == 408 and isinstance(errors[0], TimeoutError)


def test_a_slow_handler_is_not_timed_out(start_server: Start) -> None:
    async def handler(req: Request) -> Response:
        import asyncio

        await asyncio.sleep(0.5)
        return Response(200, "late")

    s = start_server(handler, header_timeout=0.2, idle_timeout=0.2, body_timeout=0.2)
    resp = exchange(s.port, GET_CLOSE)
    assert resp.endswith(b"late")


def test_max_connections_answers_503(start_server: Start) -> None:
    s = start_server(ok, max_connections=2)
    held = [connect(s.port), connect(s.port)]
    try:
        time.sleep(0.1)
        resp = exchange(s.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status_of(resp) == 503 and b"Retry-After" in resp
        held[0].sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert read_response(held[0])[1] == b"ok"  # the admitted ones are served
    finally:
        for c in held:
            c.close()
    time.sleep(0.1)
    assert exchange(s.port, GET_CLOSE).endswith(b"ok")


def test_write_timeout_aborts_a_client_that_does_not_read(start_server: Start) -> None:
    big = b"x" * (32 * 1024 * 1024)

    def handler(http: Stream) -> None:
        http.setheader("Content-Length", str(len(big)))
        http.write(big)

    s = start_server(handler, stream=True, write_timeout=0.3)
    with connect(s.port) as c:
        c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(1.5)  # never read: the server's buffer stays full past write_timeout
        assert is_closed(c, timeout=5)  # reads what was buffered, then sees the abort
    assert exchange(s.port, b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")


def test_large_upload_to_a_slow_stream_reader(start_server: Start) -> None:
    size = 8 * 1024 * 1024

    def handler(http: Stream) -> None:
        total = 0
        while not http.eof():
            total += len(http.readavailable())
            time.sleep(0.001)  # a slow consumer: the server must pause reading, not buffer
        http.write(str(total))

    s = start_server(handler, stream=True)
    with connect(s.port, timeout=20) as c:
        c.sendall(f"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {size}\r\n\r\n".encode())
        c.sendall(b"y" * size)
        data = b""
        while not data.endswith(b"0\r\n\r\n"):
            chunk = c.recv(65536)
            assert chunk
            data += chunk
    assert data.startswith(b"HTTP/1.1 200 OK") and f"\r\n{size}\r\n".encode() in data


def test_many_short_connections_leave_no_pile_of_timer_entries(start_server: Start) -> None:
    # Every connection's timeouts share one loop timer over a heap of deadlines; a closed
    # connection's entry (here a 60 s header timeout) is stale until it comes up. Hundreds of
    # one-request connections must not leave hundreds of entries (nor keep their Connection
    # objects alive): the heap stays near the number of live connections.
    s = start_server(ok, header_timeout=60, idle_timeout=60)
    for _ in range(400):
        assert status_of(exchange(s.port, GET_CLOSE)) == 200
    state = s._state
    assert state is not None
    assert len(state.deadlines) <= 2 * len(state.connections) + 65


def test_connections_with_different_timeouts_each_fire_on_time(start_server: Start) -> None:
    # One shared timer, armed for the earliest deadline: a connection with a later deadline
    # must not delay an earlier one, nor the other way round.
    s = start_server(ok, header_timeout=0.3, idle_timeout=1.5)
    with connect(s.port) as kept, connect(s.port) as idle:
        kept.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status_of(read_response(kept)[0]) == 200  # now idle: 1.5 s from here
        t0 = time.monotonic()
        assert is_closed(idle, timeout=3)  # never sent anything: 0.3 s
        assert time.monotonic() - t0 < 1.0
        assert is_closed(kept, timeout=4)
        assert 1.0 < time.monotonic() - t0 < 3.0
