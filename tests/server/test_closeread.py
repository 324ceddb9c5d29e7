"""``Stream.closeread`` (and ``acloseread``): a stream handler that does not want the request
body discards it, and the connection stays usable: the next request, pipelined behind the body
or sent later on the keep-alive connection, is answered."""

from __future__ import annotations

import socket

import pytest

from wirehttp_server import Stream

from ._net import connect, read_all, read_response, status_of
from .conftest import Start


def discard(http: Stream) -> None:
    http.closeread()
    http.setheader("Content-Length", str(len(http.message.target)))
    http.write(http.message.target)


async def adiscard(http: Stream) -> None:
    await http.acloseread()
    http.setheader("Content-Length", str(len(http.message.target)))
    await http.awrite(http.message.target)


def _post(target: str, body: bytes) -> bytes:
    head = f"POST {target} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


def _chunked(target: str, body: bytes, size: int = 1000) -> bytes:
    head = f"POST {target} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
    chunks = b"".join(
        f"{len(body[i : i + size]):x}\r\n".encode() + body[i : i + size] + b"\r\n"
        for i in range(0, len(body), size)
    )
    return head + chunks + b"0\r\n\r\n"


GET_NEXT = b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n"
GET_NEXT_CLOSE = b"GET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


def test_closeread_lets_a_pipelined_request_follow_an_unread_body(start_server: Start) -> None:
    s = start_server(discard, stream=True)
    with connect(s.port) as c:
        c.sendall(_post("/first", b"a" * 1000) + GET_NEXT)
        assert read_response(c)[1] == b"/first"
        assert read_response(c)[1] == b"/next"
        c.sendall(GET_NEXT)  # still open: keep-alive
        assert read_response(c)[1] == b"/next"


def test_closeread_discards_a_chunked_body(start_server: Start) -> None:
    s = start_server(discard, stream=True)
    with connect(s.port) as c:
        c.sendall(_chunked("/first", b"b" * 5000) + GET_NEXT)
        assert read_response(c)[1] == b"/first"
        assert read_response(c)[1] == b"/next"


def test_closeread_discards_a_body_past_the_read_buffer(start_server: Start) -> None:
    # 4 MiB: well past the 256 KiB the server buffers before it stops reading the socket, so
    # closeread has to resume reading to reach the next request.
    big = b"c" * (4 * 1024 * 1024)
    s = start_server(discard, stream=True)
    with connect(s.port) as c:
        c.sendall(_post("/big", big) + GET_NEXT)
        assert read_response(c)[1] == b"/big"
        assert read_response(c)[1] == b"/next"


def test_acloseread_in_an_async_handler(start_server: Start) -> None:
    s = start_server(adiscard, stream=True)
    with connect(s.port) as c:
        c.sendall(_post("/first", b"d" * 300_000) + _chunked("/second", b"e" * 3000) + GET_NEXT)
        assert [read_response(c)[1] for _ in range(3)] == [b"/first", b"/second", b"/next"]


def test_closeread_after_a_partial_read_discards_only_the_rest(start_server: Start) -> None:
    def handler(http: Stream) -> None:
        out = http.read(3) or http.message.target.encode()
        http.closeread()
        http.setheader("Content-Length", str(len(out)))
        http.write(out)

    s = start_server(handler, stream=True)
    with connect(s.port) as c:
        c.sendall(_post("/p", b"xyz" + b"-" * 10_000) + GET_NEXT)
        assert read_response(c)[1] == b"xyz"
        assert read_response(c)[1] == b"/next"


def test_closeread_raises_eoferror_when_the_client_stops_mid_body(start_server: Start) -> None:
    seen: list[BaseException] = []

    def handler(http: Stream) -> None:
        try:
            http.closeread()
        except EOFError as exc:
            seen.append(exc)
            http.setstatus(400)
        http.setheader("Content-Length", "0")
        http.startwrite()

    s = start_server(handler, stream=True)
    with connect(s.port) as c:
        c.sendall(_post("/cut", b"f" * 10)[:-5])  # 5 of the 10 body bytes
        c.shutdown(socket.SHUT_WR)
        resp = read_all(c)
    assert len(seen) == 1 and isinstance(seen[0], EOFError)
    assert status_of(resp) == 400


def _target_only(http: Stream) -> None:
    out = http.message.target.encode()
    http.setheader("Content-Length", str(len(out)))
    http.write(out)


@pytest.mark.parametrize("padding", [0, 3 * 1024 * 1024], ids=["small", "past-the-buffer"])
def test_a_body_the_handler_left_unread_is_discarded_and_the_connection_kept(
    start_server: Start, padding: int
) -> None:
    # Without closeread the server reads the rest of the body itself after the handler (as
    # HTTP.jl's server does): a request hidden in the body is never answered, and the request
    # after the body is.
    smuggled = b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
    s = start_server(_target_only, stream=True)
    with connect(s.port) as c:
        c.sendall(_post("/ignored", smuggled + b"h" * padding) + GET_NEXT)
        assert read_response(c)[1] == b"/ignored"
        assert read_response(c)[1] == b"/next"
        c.sendall(GET_NEXT)  # still open: keep-alive
        assert read_response(c)[1] == b"/next"


def test_an_unread_body_past_the_discard_limit_closes_the_connection(start_server: Start) -> None:
    from wirehttp_server._connection import DISCARD_LIMIT

    s = start_server(_target_only, stream=True)
    body = b"h" * (DISCARD_LIMIT + 2 * 1024 * 1024)
    answered: list[bytes] = []
    with connect(s.port) as c:
        try:
            c.sendall(_post("/ignored", body) + GET_NEXT)
        except OSError:  # reset while sending: the server answered and closed first
            pass
        try:
            while True:
                answered.append(read_response(c)[1])
        except (EOFError, OSError):  # closed (a reset: it left bytes unread)
            pass
    assert answered in ([], [b"/ignored"])  # never /next: the connection is not reused
