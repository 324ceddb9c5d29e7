"""``write_timeout``: a client that asks for a big response and stops reading is disconnected
once the server's send buffer has stayed full for ``write_timeout`` seconds, whichever handler
kind wrote the response; a client that keeps reading, however slowly, is not; and a response
that filled the buffer does not leave the keep-alive connection without its idle timeout.

The clients that stop reading shrink SO_RCVBUF, so that the kernel buffers little and the
server's own buffer fills at once."""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Callable

import pytest
import trustme

from wirehttp_parser import Request, Response
from wirehttp_server import Stream

from ._net import is_closed
from .conftest import Start

BIG = b"x" * (16 * 1024 * 1024)
MID = BIG[: 6 * 1024 * 1024]
GET = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
WRITE_TIMEOUT = 0.3


def big_response(req: Request) -> Response:
    return Response(200, BIG)


def big_stream(http: Stream) -> None:
    http.setheader("Content-Length", str(len(BIG)))
    for i in range(0, len(BIG), 1024 * 1024):
        http.write(BIG[i : i + 1024 * 1024])


async def big_async_stream(http: Stream) -> None:
    for i in range(0, len(BIG), 1024 * 1024):  # chunked: no Content-Length
        await http.awrite(BIG[i : i + 1024 * 1024])


def _stingy_client(port: int) -> socket.socket:
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: sets the window
    c.settimeout(5)
    c.connect(("127.0.0.1", port))
    return c


def _drain(c: socket.socket, limit: int, within: float = 2.0) -> tuple[int, bool]:
    """Read for up to ``within`` seconds, until the server ends the connection or ``limit``
    bytes came: (bytes read, whether the server ended it)."""
    n = 0
    end = time.monotonic() + within
    c.settimeout(within)
    try:
        while n < limit and time.monotonic() < end:
            data = c.recv(1024 * 1024)
            if not data:
                return n, True
            n += len(data)
    except ConnectionResetError:
        return n, True
    except TimeoutError:
        pass
    return n, False


HANDLERS = pytest.mark.parametrize(
    ("handler", "stream"),
    [(big_response, False), (big_stream, True), (big_async_stream, True)],
    ids=["serve", "stream", "async-stream"],
)


@HANDLERS
def test_a_client_that_stops_reading_is_aborted_after_write_timeout(
    start_server: Start, handler: Callable[..., object], stream: bool
) -> None:
    # idle_timeout is left at its default (5 s): write_timeout alone must end the connection.
    s = start_server(handler, stream=stream, write_timeout=WRITE_TIMEOUT)
    with _stingy_client(s.port) as c:
        c.sendall(GET)
        time.sleep(1.5)  # five write timeouts without reading a byte
        received, ended = _drain(c, len(BIG) + 1000)
    assert ended and received < len(BIG)


def test_write_timeout_holds_with_idle_timeout_disabled(start_server: Start) -> None:
    s = start_server(big_response, write_timeout=WRITE_TIMEOUT, idle_timeout=None)
    with _stingy_client(s.port) as c:
        c.sendall(GET)
        time.sleep(1.5)
        received, ended = _drain(c, len(BIG) + 1000)
    assert ended and received < len(BIG)


def mid_response(req: Request) -> Response:
    return Response(200, MID)


def one_write(http: Stream) -> None:
    http.setheader("Content-Length", str(len(MID)))
    http.write(MID)


def many_writes(http: Stream) -> None:
    http.setheader("Content-Length", str(len(MID)))
    for i in range(0, len(MID), 64 * 1024):
        http.write(MID[i : i + 64 * 1024])


async def many_awrites(http: Stream) -> None:
    for i in range(0, len(MID), 64 * 1024):  # chunked
        await http.awrite(MID[i : i + 64 * 1024])


@pytest.mark.parametrize(
    ("handler", "stream"),
    [
        (mid_response, False),
        (one_write, True),
        (many_writes, True),
        (many_awrites, True),
    ],
    ids=["serve", "stream-one-write", "stream-many-writes", "async-stream-many-writes"],
)
def test_a_slow_but_steady_reader_gets_the_whole_response(
    start_server: Start, handler: Callable[..., object], stream: bool
) -> None:
    # A client on a slow link: it reads 32 KiB every 10 ms (about 3 MB/s), so the 6 MiB take
    # about 2 s, four times write_timeout and idle_timeout; it never stalls for even one of
    # them, so it must get everything (write_timeout bounds a stall, not the transfer).
    s = start_server(handler, stream=stream, write_timeout=0.5, idle_timeout=0.5)
    with socket.create_connection(("127.0.0.1", s.port), timeout=5) as c:
        c.sendall(GET)
        t0 = time.monotonic()
        got = bytearray()
        while not _complete(got):
            data = c.recv(32 * 1024)
            assert data, f"cut off after {len(got)} bytes, {time.monotonic() - t0:.1f} s"
            got += data
            time.sleep(0.01)
    assert time.monotonic() - t0 > 1.0
    body = bytes(got).partition(b"\r\n\r\n")[2]
    assert body.replace(b"\r\n", b"").count(b"x") == len(MID)


def _complete(got: bytearray) -> bool:
    """Whether ``got`` holds a whole response with MID as its body (either framing)."""
    end = got.find(b"\r\n\r\n")
    if end < 0:
        return False
    if b"\r\ntransfer-encoding: chunked" in got[:end].lower():
        return got.endswith(b"\r\n0\r\n\r\n")
    return len(got) - end - 4 >= len(MID)


def test_idle_timeout_still_applies_after_a_response_that_filled_the_buffer(
    start_server: Start,
) -> None:
    s = start_server(big_response, idle_timeout=0.5)
    with socket.create_connection(("127.0.0.1", s.port), timeout=5) as c:
        c.sendall(GET)
        time.sleep(0.2)  # the response fills the send buffer; then the client reads it all
        received, ended = _drain(c, len(BIG), within=4.0)
        assert not ended and received >= len(BIG)
        t0 = time.monotonic()
        assert is_closed(c, timeout=3), "the idle keep-alive connection was never closed"
        assert time.monotonic() - t0 < 2.0


ONE_MIB = BIG[: 1024 * 1024]


def one_mib(req: Request) -> Response:
    return Response(200, ONE_MIB)


def test_a_pipelining_client_that_reads_steadily_is_not_aborted(start_server: Start) -> None:
    # The next pipelined request is taken only once the last response has left, so the
    # buffer only shrinks while a client reads, and write_timeout sees that progress.
    s = start_server(one_mib, write_timeout=0.5, idle_timeout=0.5)
    c = _stingy_client(s.port)
    with c:
        c.sendall(GET * 4)
        got = 0
        end = time.monotonic() + 10
        # Until more than the four bodies came: the heads add bytes, so this reads to the end
        # (a read that happens to stop at exactly 4 MiB is not the end).
        while got <= 4 * len(ONE_MIB) and time.monotonic() < end:
            data = c.recv(64 * 1024)
            if not data:
                break
            got += len(data)
            time.sleep(0.005)  # a steady reader, slower than the server writes
    assert got > 4 * len(ONE_MIB)  # every body arrived (plus the heads)


def test_pipelined_requests_do_not_pile_up_responses_in_memory(start_server: Start) -> None:
    # A client that pipelines many requests for a big response and reads nothing must not
    # make the server queue every response: one at a time is in the transport's buffer.
    s = start_server(one_mib, write_timeout=5)
    c = _stingy_client(s.port)
    with c:
        c.sendall(GET * 200)
        time.sleep(0.5)
        state = s._state
        assert state is not None and len(state.connections) == 1
        conn = next(iter(state.connections))
        assert conn.transport is not None
        assert conn.transport.get_write_buffer_size() < 3 * len(ONE_MIB)


# -- over TLS (stdlib ssl): the TLS layer hides the buffer from the connection ------------------


@pytest.fixture(scope="module")
def tls_ca() -> trustme.CA:
    return trustme.CA()


def _tls_pair(ca: trustme.CA) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return server, client


@pytest.mark.parametrize("use_uvloop", [None, False], ids=["default-loop", "stdlib-loop"])
def test_over_tls_a_client_that_stops_reading_is_aborted(
    start_server: Start, tls_ca: trustme.CA, use_uvloop: bool | None
) -> None:
    server_ctx, client_ctx = _tls_pair(tls_ca)
    s = start_server(
        big_response, sslconfig=server_ctx, write_timeout=WRITE_TIMEOUT, use_uvloop=use_uvloop
    )
    with client_ctx.wrap_socket(_stingy_client(s.port), server_hostname="localhost") as c:
        c.sendall(GET)
        t0 = time.monotonic()
        c.recv(1024)  # the response has started...
        time.sleep(WRITE_TIMEOUT * 4)  # ...and we stop reading
        n, ended = _drain(c, len(BIG), within=3.0)
    assert ended and n < len(BIG), (n, time.monotonic() - t0)


def test_over_tls_a_steady_reader_gets_the_whole_response_and_the_next_one(
    start_server: Start, tls_ca: trustme.CA
) -> None:
    server_ctx, client_ctx = _tls_pair(tls_ca)
    s = start_server(one_mib, sslconfig=server_ctx, write_timeout=0.5, idle_timeout=0.5)
    with client_ctx.wrap_socket(_stingy_client(s.port), server_hostname="localhost") as c:
        for _ in range(2):  # keep-alive: the second request is answered after the first
            c.sendall(GET)
            got = 0
            end = time.monotonic() + 10
            while got < len(ONE_MIB) and time.monotonic() < end:
                data = c.recv(64 * 1024)
                if not data:
                    break
                got += len(data)
                time.sleep(0.002)
            assert got > len(ONE_MIB)  # the body and its head
