"""open() on a stale pooled connection: the server closed a keep-alive connection just as it
was reused (RFC 9112 §9.3.1). The exchange is sent again, once, on a fresh connection when that
is safe — nothing of the response arrived, no body byte was written, an idempotent method — and
is a clear RequestError otherwise. Also: open() retries a failed connect (nothing handed over
yet), never an exchange the block already has, and does not follow redirects."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import pytest

import wirehttp_client as C

from .conftest import RawServer, free_port, read_request

Make = Callable[[Callable[[socket.socket], None]], RawServer]
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def _drops_second_request(c: socket.socket, first: list[bool]) -> None:
    """The first connection answers one request, then reads the next and closes unanswered
    (after the pool's staleness check); later connections answer everything."""
    if not first:
        first.append(True)
        read_request(c)
        c.sendall(OK)
        read_request(c)
        return
    while read_request(c):
        c.sendall(OK)


def _server(raw_server: Make) -> RawServer:
    first: list[bool] = []
    return raw_server(lambda c: _drops_second_request(c, first))


def test_open_get_replayed_on_fresh_connection(raw_server: Make) -> None:
    srv = _server(raw_server)
    pool = C.Pool(2)
    assert C.get(srv.url, pool=pool).body == b"ok"
    with C.open("GET", srv.url, pool=pool) as io:
        r = io.startread()
        assert r.status == 200 and io.read() == b"ok"
    assert srv.connections == 2
    assert pool.in_use == 0 and pool.idle_count() == 1


def test_open_iteration_replayed(raw_server: Make) -> None:
    srv = _server(raw_server)
    pool = C.Pool(2)
    C.get(srv.url, pool=pool)
    with C.open("GET", srv.url, pool=pool) as io:
        assert b"".join(io) == b"ok"
    assert srv.connections == 2


def test_open_closewrite_replayed(raw_server: Make) -> None:
    srv = _server(raw_server)
    pool = C.Pool(2)
    C.get(srv.url, pool=pool)
    with C.open("DELETE", srv.url, pool=pool) as io:
        io.closewrite()
        assert io.startread().status == 200
    assert srv.connections == 2


def test_open_not_replayed_after_body_written(raw_server: Make) -> None:
    srv = _server(raw_server)
    pool = C.Pool(2)
    C.get(srv.url, pool=pool)
    # The server closed the reused connection: depending on timing the body write fails
    # (broken pipe) or the read finds it closed or reset. Either way nothing is replayed.
    with pytest.raises(C.RequestError, match="without answering|sending the request failed|reading the response failed"):
        with C.open("PUT", srv.url, pool=pool) as io:
            io.write(b"part of the body")
            io.startread()
    assert srv.connections == 1
    assert pool.in_use == 0


def test_open_not_replayed_for_post(raw_server: Make) -> None:
    srv = _server(raw_server)
    pool = C.Pool(2)
    C.get(srv.url, pool=pool)
    with pytest.raises(C.RequestError):
        with C.open("POST", srv.url, [("Content-Length", "0")], pool=pool) as io:
            io.startread()
    assert srv.connections == 1


def test_open_retries_a_failed_connect_before_handing_over() -> None:
    """Connection refused at first, then the server is up: open() retries (nothing was handed
    over or sent yet), so the block runs once, on the working connection."""
    port = free_port()
    holder: list[RawServer] = []

    def serve(c: socket.socket) -> None:
        while read_request(c):
            c.sendall(OK)

    def start_later() -> None:
        time.sleep(0.1)
        holder.append(RawServer(serve, port=port))

    t = threading.Thread(target=start_later)
    t.start()
    try:
        with C.open("POST", f"http://127.0.0.1:{port}/", retry_delays=[0.4, 0.4]) as io:
            io.write(b"body")
            assert io.startread().status == 200 and io.read() == b"ok"
        assert holder and holder[0].connections == 1
    finally:
        t.join(5)
        for s in holder:
            s.close()


def test_open_does_not_retry_after_handing_over(raw_server: Make) -> None:
    calls: list[int] = []

    def unavailable(c: socket.socket) -> None:
        while read_request(c):
            calls.append(1)
            c.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")

    srv = raw_server(unavailable)
    with pytest.raises(C.StatusError) as info:
        with C.open("GET", srv.url, retry_delays=[0.01]) as io:
            assert io.startread().status == 503
    assert info.value.status == 503 and len(calls) == 1


def test_open_does_not_follow_redirects(raw_server: Make) -> None:
    def redirect(c: socket.socket) -> None:
        while read_request(c):
            c.sendall(b"HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n")

    srv = raw_server(redirect)
    with pytest.raises(C.StatusError) as info:
        with C.open("GET", srv.url) as io:
            assert io.startread().status == 302
    assert info.value.status == 302
    with C.open("GET", srv.url, status_exception=False) as io:
        assert io.startread().status == 302 and io.read() == b""
