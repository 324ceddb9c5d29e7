"""Fault servers: every misbehaviour is a clear, specific error, and nothing hangs."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import pytest

import wirehttp_client as C
from wirehttp_parser import IncompleteMessage, InvalidStatusLine, ParseError

from .conftest import RawServer, read_request

Make = Callable[[Callable[[socket.socket], None]], RawServer]

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def test_connection_refused() -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    with pytest.raises(C.ConnectError) as info:
        C.get(f"http://127.0.0.1:{port}/", retry=False)
    assert isinstance(info.value.cause, ConnectionRefusedError)
    assert info.value.url == f"127.0.0.1:{port}" and info.value.request is not None


def test_stalled_server_readtimeout(raw_server: Make) -> None:
    def stall(c: socket.socket) -> None:
        read_request(c)
        time.sleep(2)

    srv = raw_server(stall)
    t = time.monotonic()
    with pytest.raises(C.TimeoutError) as info:
        C.get(srv.url, readtimeout=0.3, retry=False)
    assert time.monotonic() - t < 1.5
    assert info.value.phase == "read" and isinstance(info.value, TimeoutError)


def test_readtimeout_triggers_retries(raw_server: Make) -> None:
    def stall(c: socket.socket) -> None:
        read_request(c)
        time.sleep(1.5)

    srv = raw_server(stall)
    with pytest.raises(C.TimeoutError):
        C.get(srv.url, readtimeout=0.2, retries=2, retry_delays=[0.0, 0.0])
    assert srv.connections == 3


def test_total_deadline_covers_slow_body(raw_server: Make) -> None:
    def dribble(c: socket.socket) -> None:
        read_request(c)
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        for _ in range(100):
            c.sendall(b"x")
            time.sleep(0.05)

    srv = raw_server(dribble)
    t = time.monotonic()
    with pytest.raises(C.TimeoutError) as info:
        C.get(srv.url, timeout=0.5)
    assert time.monotonic() - t < 1.5
    assert info.value.phase == "deadline"


def test_reset_mid_body(raw_server: Make) -> None:
    def reset(c: socket.socket) -> None:
        read_request(c)
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 100)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        c.close()

    srv = raw_server(reset)
    with pytest.raises(C.RequestError) as info:
        C.get(srv.url, retry=False)
    assert info.value.request is not None


def test_content_length_body_in_dribbled_pieces_arrives_whole(raw_server: Make) -> None:
    # With no deadline the rest of the body is one recv that waits for all of it
    # (MSG_WAITALL): pieces that arrive apart must still make up the exact body.
    body = bytes(range(256)) * 1024  # 256 KiB, every byte value, so a misplaced piece shows

    def dribble(c: socket.socket) -> None:
        read_request(c)
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:1000])
        for i in range(1000, len(body), 50_000):
            time.sleep(0.02)
            c.sendall(body[i:i + 50_000])
        read_request(c)  # the connection goes back to the pool intact: a second request
        c.sendall(OK)

    srv = raw_server(dribble)
    pool = C.Pool(1)
    assert C.get(srv.url, pool=pool).body == body
    assert C.get(srv.url, pool=pool).body == b"ok"
    assert srv.connections == 1


def test_server_closing_before_the_end_of_a_long_body_is_an_error(raw_server: Make) -> None:
    # An orderly close (FIN, not a reset) while the client waits for the rest of the body:
    # the read returns short, and that is an error naming the missing bytes, never a hang
    # and never a truncated body handed back.
    def short(c: socket.socket) -> None:
        read_request(c)
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 300000\r\n\r\n" + b"x" * 1000)
        time.sleep(0.05)
        c.sendall(b"y" * 100_000)
        c.shutdown(socket.SHUT_WR)

    srv = raw_server(short)
    t = time.monotonic()
    with pytest.raises(C.RequestError, match="199000 bytes before the end of the body"):
        C.get(srv.url, retry=False)
    assert time.monotonic() - t < 5


def test_close_mid_body_is_incomplete(raw_server: Make) -> None:
    def short(c: socket.socket) -> None:
        read_request(c)
        c.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel")

    srv = raw_server(short)
    with pytest.raises(C.RequestError) as info:
        C.get(srv.url, retry=False)
    assert isinstance(info.value.cause, IncompleteMessage)


def test_malformed_status_line(raw_server: Make) -> None:
    def bad(c: socket.socket) -> None:
        read_request(c)
        c.sendall(b"HTTP/1.1 2OO OK\r\n\r\n")

    srv = raw_server(bad)
    with pytest.raises(C.RequestError) as info:
        C.get(srv.url, retry=False)
    cause = info.value.cause
    assert isinstance(cause, InvalidStatusLine) and b"2OO" in cause.data


def test_malformed_headers_and_framing(raw_server: Make) -> None:
    for answer in (
        b"HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ):
        def serve(c: socket.socket, a: bytes = answer) -> None:
            read_request(c)
            c.sendall(a)
            time.sleep(0.2)

        srv = raw_server(serve)
        with pytest.raises(C.RequestError) as info:
            C.get(srv.url, retry=False)
        assert isinstance(info.value.cause, ParseError)


def test_server_closes_without_answer(raw_server: Make) -> None:
    def hang_up(c: socket.socket) -> None:
        read_request(c)

    srv = raw_server(hang_up)
    with pytest.raises(C.RequestError, match="without answering"):
        C.get(srv.url, retry=False)


def test_stale_pooled_connection_is_never_an_error(raw_server: Make) -> None:
    """The server answers one request per connection but keeps it looking alive, then closes
    it: the next idempotent request must succeed on a fresh connection."""

    def one_then_close(c: socket.socket) -> None:
        read_request(c)
        c.sendall(OK)
        time.sleep(0.1)

    srv = raw_server(one_then_close)
    pool = C.Pool(4)
    for _ in range(5):
        assert C.get(srv.url, pool=pool, retry=False).body == b"ok"
        time.sleep(0.15)
    assert srv.connections == 5


def test_back_to_back_gets_skip_the_staleness_check(
    raw_server: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counting calls (a spy, not a fake): a GET on a connection idle for under TRUST_IDLE
    takes it without the check's system call; a POST is checked every time."""
    from wirehttp_client._connection import Connection

    calls = [0]
    real = Connection.is_stale

    def counted(self: Connection) -> bool:
        calls[0] += 1
        return real(self)

    monkeypatch.setattr(Connection, "is_stale", counted)

    def keep_alive(c: socket.socket) -> None:
        while read_request(c):
            c.sendall(OK)

    srv = raw_server(keep_alive)
    pool = C.Pool(2)
    for _ in range(5):
        assert C.get(srv.url, pool=pool).body == b"ok"
    assert calls[0] == 0
    for _ in range(3):
        assert C.post(srv.url, body=b"x", pool=pool).body == b"ok"
    assert calls[0] == 3
    assert srv.connections == 1


def test_recently_closed_pooled_connection_under_a_post_is_caught_by_the_check(
    raw_server: Make,
) -> None:
    """A GET may skip the staleness check on a connection idle for under a second (a closed
    one is replayed); a POST cannot be replayed, so it is always checked and never sent on a
    connection the server has closed."""

    def one_then_close(c: socket.socket) -> None:
        read_request(c)
        c.sendall(OK)
        time.sleep(0.05)

    srv = raw_server(one_then_close)
    pool = C.Pool(4)
    for _ in range(4):
        assert C.post(srv.url, body=b"x", pool=pool, retry=False).body == b"ok"
        time.sleep(0.15)  # closed by now, idle well under TRUST_IDLE
    assert srv.connections == 4


def test_stale_race_replayed_once(raw_server: Make) -> None:
    """The close arrives after the pool's check (the request is already sent): the request is
    replayed on a fresh connection even with retries off."""
    state = {"n": 0}

    def handler(c: socket.socket) -> None:
        state["n"] += 1
        if state["n"] == 1:
            read_request(c)
            c.sendall(OK)
            read_request(c)  # the second request arrives ... and is dropped unanswered
            return
        while read_request(c):
            c.sendall(OK)

    srv = raw_server(handler)
    pool = C.Pool(2)
    assert C.get(srv.url, pool=pool).body == b"ok"
    assert C.get(srv.url, pool=pool, retry=False).body == b"ok"
    assert srv.connections == 2


def test_stale_race_not_replayed_for_post(raw_server: Make) -> None:
    """A POST may have been processed before the connection broke: it is not replayed."""

    def handler(c: socket.socket) -> None:
        read_request(c)
        c.sendall(OK)
        read_request(c)  # the second request is dropped unanswered

    srv = raw_server(handler)
    pool = C.Pool(2)
    assert C.post(srv.url, body=b"x", pool=pool).body == b"ok"
    with pytest.raises(C.RequestError, match="without answering"):
        C.post(srv.url, body=b"x", pool=pool, retry=False)
    assert srv.connections == 1


def _full_backlog() -> tuple[socket.socket, list[socket.socket]]:
    """A listener whose accept queue is full: Linux drops further SYNs (the kernel's
    ``ListenOverflows``), even on loopback, so a new connect() stalls in SYN-SENT."""
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(0)
    port = lsock.getsockname()[1]
    fillers = []
    for _ in range(3):
        f = socket.socket()
        f.setblocking(False)
        f.connect_ex(("127.0.0.1", port))
        fillers.append(f)
    time.sleep(0.1)
    return lsock, fillers


def _check_cause(err: C.TimeoutError) -> None:
    # The socket's own timeout is kept, as .cause and as the chained __cause__.
    assert isinstance(err.cause, socket.timeout) and err.__cause__ is err.cause


def test_connect_timeout() -> None:
    lsock, fillers = _full_backlog()  # connecting hangs until connect_timeout fires
    port = lsock.getsockname()[1]
    try:
        t = time.monotonic()
        with pytest.raises(C.TimeoutError) as info:
            C.get(f"http://127.0.0.1:{port}/", connect_timeout=0.3, retry=False)
        assert time.monotonic() - t < 2
        assert info.value.phase == "connect"
        _check_cause(info.value)
    finally:
        for f in fillers:
            f.close()
        lsock.close()


def test_total_timeout_during_a_stalled_connect() -> None:
    lsock, fillers = _full_backlog()
    port = lsock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/stalled"
    try:
        t = time.monotonic()
        with pytest.raises(C.TimeoutError) as info:
            C.get(url, timeout=0.4)  # connect_timeout is 30 s: the total deadline fires first
        elapsed = time.monotonic() - t
        assert 0.3 < elapsed < 2, elapsed
        err = info.value
        assert err.phase == "deadline" and err.timeout == 0.4
        assert "connecting to 127.0.0.1" in str(err)
        assert err.request is not None and str(err.request.url) == url and err.request.method == "GET"
        _check_cause(err)
    finally:
        for f in fillers:
            f.close()
        lsock.close()


def test_total_timeout_during_a_stalled_response_head(raw_server: Make) -> None:
    def stall(c: socket.socket) -> None:
        read_request(c)
        time.sleep(1)  # never answers (within the test's 0.4 s)

    srv = raw_server(stall)
    t = time.monotonic()
    with pytest.raises(C.TimeoutError) as info:
        C.get(srv.url + "/head", timeout=0.4)  # no readtimeout: only the total deadline
    elapsed = time.monotonic() - t
    assert 0.3 < elapsed < 2, elapsed
    err = info.value
    assert err.phase == "deadline" and err.timeout == 0.4 and "reading the response" in str(err)
    assert err.request is not None and str(err.request.url) == srv.url + "/head"
    _check_cause(err)
    assert srv.connections == 1  # the total deadline is never retried
    # A builtin TimeoutError too, and an HTTPError.
    assert isinstance(err, TimeoutError) and isinstance(err, C.ClientError)


def test_close_delimited_and_http10_bodies(raw_server: Make) -> None:
    def serve(c: socket.socket) -> None:
        read_request(c)
        c.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the close")

    srv = raw_server(serve)
    pool = C.Pool(1)
    r = C.get(srv.url, pool=pool)
    assert r.body == b"until the close" and pool.idle_count() == 0


def test_no_body_statuses_keep_the_connection(raw_server: Make) -> None:
    answers = [b"HTTP/1.1 204 No Content\r\n\r\n", b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", OK]

    def serve(c: socket.socket) -> None:
        for a in answers:
            if not read_request(c):
                return
            c.sendall(a)

    srv = raw_server(serve)
    pool = C.Pool(1)
    assert C.get(srv.url, pool=pool).status == 204
    assert C.get(srv.url, pool=pool).status == 304
    assert C.get(srv.url, pool=pool).body == b"ok"
    assert srv.connections == 1


def test_ipv6_loopback() -> None:
    lsock = socket.socket(socket.AF_INET6)
    lsock.bind(("::1", 0))
    lsock.listen(1)
    port = lsock.getsockname()[1]
    got: list[bytes] = []

    def serve() -> None:
        c, _ = lsock.accept()
        with c:
            got.append(read_request(c))
            c.sendall(OK)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        assert C.get(f"http://[::1]:{port}/v6", pool=C.Pool(1)).body == b"ok"
    finally:
        t.join(5)
        lsock.close()
    assert b"\r\nHost: [::1]:%d\r\n" % port in got[0]
