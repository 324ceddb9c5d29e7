"""Request heads and bodies exactly as they reach the socket, read by a raw-socket server: one
chunk per element of an iterable body, a ``Body`` with a known length sent with
``Content-Length`` and no chunking, header pairs from a generator, and the reference's
"Stream bodies from and to files" example (a file body and ``response_stream`` in one call)."""

from __future__ import annotations

import io
import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import wirehttp_client as C

from .conftest import RawServer

Make = Callable[[Callable[[socket.socket], None]], RawServer]

Seen = list[tuple[bytes, bytes]]


def _recv_until(c: socket.socket, buf: bytes, done: Callable[[bytes], bool]) -> bytes:
    while not done(buf):
        more = c.recv(65536)
        if not more:
            raise AssertionError(f"the client closed early after {buf!r}")
        buf += more
    return buf


def _recording(seen: Seen, answer: Callable[[bytes], bytes] = lambda body: b"ok") -> Callable[[socket.socket], None]:
    """A server that records each request's head and its body bytes as sent (chunk framing
    included), answering ``100 Continue`` when asked, then ``answer(raw body)``."""

    def serve(c: socket.socket) -> None:
        buf = b""
        while True:
            try:
                buf = _recv_until(c, buf, lambda b: b"\r\n\r\n" in b)
            except AssertionError:
                return  # the client closed a kept-alive connection
            head, _, rest = buf.partition(b"\r\n\r\n")
            if re.search(rb"(?i)\r\nexpect:\s*100-continue", head):
                c.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            if re.search(rb"(?i)\r\ntransfer-encoding:\s*chunked", head):
                rest = _recv_until(c, rest, lambda b: b == b"0\r\n\r\n" or b.endswith(b"\r\n0\r\n\r\n"))
                body, buf = rest, b""
            else:
                m = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
                n = int(m.group(1)) if m else 0
                rest = _recv_until(c, rest, lambda b: len(b) >= n)
                body, buf = rest[:n], rest[n:]
            seen.append((head, body))
            out = answer(body)
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(out), out))

    return serve


def _chunks(raw: bytes) -> list[bytes]:
    """The chunks of a chunked body (RFC 9112 §7.1), strictly: every size line, every CRLF."""
    out: list[bytes] = []
    pos = 0
    while True:
        end = raw.index(b"\r\n", pos)
        size = int(raw[pos:end], 16)
        pos = end + 2
        if size == 0:
            assert raw[pos:] == b"\r\n", raw[pos:]  # no trailers
            return out
        out.append(raw[pos:pos + size])
        assert raw[pos + size:pos + size + 2] == b"\r\n"
        pos += size + 2


def _header(head: bytes, name: bytes) -> list[bytes]:
    return re.findall(rb"(?im)^" + name + rb":\s*(.*?)\r?$", head)


def test_iterable_body_is_one_chunk_per_element(raw_server: Make) -> None:
    seen: Seen = []
    srv = raw_server(_recording(seen))
    parts: list[object] = [b"preamble", b"", "data \u00e9", bytearray(b"xy"), memoryview(b"z"),
                           {"k": "v w"}]
    C.post(srv.url + "/list", [], parts)
    C.post(srv.url + "/gen", [], (f"chunk{i}" for i in range(1, 6)))
    (head1, raw1), (head2, raw2) = seen
    for head in (head1, head2):
        assert _header(head, b"Transfer-Encoding") == [b"chunked"]
        assert not _header(head, b"Content-Length")
    # Each element is its own chunk, the empty one is skipped (a zero-size chunk ends a body).
    assert _chunks(raw1) == [b"preamble", "data \u00e9".encode(), b"xy", b"z", b"k=v%20w"]
    assert raw1 == b"8\r\npreamble\r\n7\r\ndata \xc3\xa9\r\n2\r\nxy\r\n1\r\nz\r\n7\r\nk=v%20w\r\n0\r\n\r\n"
    assert _chunks(raw2) == [f"chunk{i}".encode() for i in range(1, 6)]


def test_body_protocol_with_known_length_is_not_chunked(raw_server: Make) -> None:
    class Known:
        """A stand-in for wirehttp_forms.Form with its length known."""

        content_type = "text/x-known"
        content_length = 11

        def chunks(self) -> Iterator[bytes]:
            yield b"hello"
            yield b" "
            yield b"world"

        def rewind(self) -> bool:
            return True

    seen: Seen = []
    srv = raw_server(_recording(seen))
    assert C.post(srv.url + "/known", [], Known()).body == b"ok"
    head, raw = seen[0]
    assert _header(head, b"Content-Length") == [b"11"]
    assert _header(head, b"Content-Type") == [b"text/x-known"]
    assert not _header(head, b"Transfer-Encoding") and not _header(head, b"Expect")
    assert raw == b"hello world"  # the pieces back to back, no chunk framing


def test_header_pairs_from_a_generator(raw_server: Make) -> None:
    seen: Seen = []
    srv = raw_server(_recording(seen))
    pairs = ((f"X-H{i}", str(i) if i != 2 else "") for i in range(4))
    C.get(srv.url + "/h", pairs)
    head = seen[0][0]
    assert b"\r\nX-H0: 0\r\nX-H1: 1\r\nX-H3: 3\r\n" in head  # in order; the empty one not sent
    assert b"X-H2" not in head


def test_stream_bodies_from_and_to_files(raw_server: Make, tmp_path: Path) -> None:
    # The reference's example: in = open("foo.png"); out = open("foo.jpg", "w");
    # HTTP.request("POST", "http://convert.com/png2jpg", [], in, response_stream=out)
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 300
    (tmp_path / "foo.png").write_bytes(png)

    def convert(body: bytes) -> bytes:
        return b"\xff\xd8JPEG" + body[::-1]

    seen: Seen = []
    srv = raw_server(_recording(seen, convert))
    with open(tmp_path / "foo.png", "rb") as in_, open(tmp_path / "foo.jpg", "wb") as out:
        r = C.request("POST", srv.url + "/png2jpg", [], in_, response_stream=out)
    assert r.status == 200 and r.body is out
    head, raw = seen[0]
    assert _header(head, b"Content-Length") == [str(len(png)).encode()]  # a file's size is known
    assert raw == png
    assert (tmp_path / "foo.jpg").read_bytes() == convert(png)
    # The same with in-memory streams.
    buf = io.BytesIO()
    C.request("POST", srv.url + "/png2jpg", [], io.BytesIO(b"abc"), response_stream=buf)
    assert buf.getvalue() == b"\xff\xd8JPEGcba"
