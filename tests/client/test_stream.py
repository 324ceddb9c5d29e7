"""open() over a ClientStream, openraw(), Expect: 100-continue and trailers (download():
test_download.py)."""

from __future__ import annotations

import gzip
import json
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

import wirehttp_client as C

from .conftest import Httpbin, RawServer, read_request

Make = Callable[[Callable[[socket.socket], None]], RawServer]


def test_open_write_body_in_pieces(httpbin: Httpbin) -> None:
    with C.open("POST", httpbin("/post")) as io:
        io.write(b"preamble ")
        io.write("data ")
        io.write(b"checksum")
        r = io.startread()
        assert r.status == 200
        body = b"".join(io)
    j = json.loads(body)
    assert j["data"] == "preamble data checksum"
    assert j["headers"]["Transfer-Encoding"] == "chunked"


def test_open_read_stream_until_eof(httpbin: Httpbin) -> None:
    lines: list[bytes] = []
    with C.open("GET", httpbin("/stream/10")) as io:
        r = io.startread()
        assert r.status == 200
        while not io.eof():
            lines.append(io.readavailable())
    assert len(b"".join(lines).splitlines()) == 10


def test_open_stream_download_into_subprocess(httpbin: Httpbin) -> None:
    """The reference's vlc example, with a subprocess that counts bytes."""
    n = 0
    with C.open("GET", httpbin("/bytes/30000")) as http:
        r = http.startread()
        length = int(r.headers["Content-Length"])
        proc = subprocess.Popen([sys.executable, "-c", "import sys; print(len(sys.stdin.buffer.read()))"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert proc.stdin is not None
        while not http.eof():
            data = http.readavailable()
            proc.stdin.write(data)
            n += len(data)
        out, _ = proc.communicate(timeout=10)
    assert n == length == 30000 and int(out) == 30000


def test_open_stream_download_into_subprocess_short_form(httpbin: Httpbin) -> None:
    """The reference's short vlc form (``write(vlc, http)``): the stream is a file-like
    ``read(n)`` source, so ``shutil.copyfileobj`` pipes it."""
    with C.open("GET", httpbin("/bytes/30000")) as http:
        proc = subprocess.Popen([sys.executable, "-c", "import sys; print(len(sys.stdin.buffer.read()))"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert proc.stdin is not None
        shutil.copyfileobj(http, proc.stdin)
        out, _ = proc.communicate(timeout=10)
    assert int(out) == 30000


def test_open_json_body_then_read_music_example(httpbin: Httpbin) -> None:
    """The reference's ``HTTP.open("POST", "http://music.com/play") do io`` example."""
    pieces: list[bytes] = []
    with C.open("POST", httpbin("/post")) as io:
        io.write(json.dumps({"auth": "12345XXXX", "song_id": 7}))
        r = io.startread()
        assert r.status == 200
        while not io.eof():
            pieces.append(io.readavailable())
    assert json.loads(b"".join(pieces))["json"] == {"auth": "12345XXXX", "song_id": 7}


def test_open_read_n(httpbin: Httpbin) -> None:
    with C.open("GET", httpbin("/bytes/100")) as io:
        a = io.read(30)
        b = io.read(-1)
    assert len(a) == 30 and len(b) == 70


def test_open_error_status_is_raised(httpbin: Httpbin) -> None:
    with pytest.raises(C.StatusError):
        with C.open("GET", httpbin("/status/404")) as io:
            io.startread()


def test_expect_continue_early_refusal(raw_server: Make) -> None:
    """A large body waits for 100 Continue; a server refusing it answers first and the body
    is never sent."""
    got: list[bytes] = []

    def refuse(c: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            head += c.recv(65536)
        got.append(head)
        c.sendall(b"HTTP/1.1 413 Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    srv = raw_server(refuse)
    with pytest.raises(C.StatusError) as info:
        C.post(srv.url, body=b"x" * (2 * 1024 * 1024), retry=False)
    assert info.value.status == 413
    assert b"expect: 100-continue" in got[0].lower() and len(got[0]) < 1000


def test_expect_continue_accepted(raw_server: Make) -> None:
    def accept(c: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            data += c.recv(65536)
        c.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = data.partition(b"\r\n\r\n")[2]
        while len(body) < 2 * 1024 * 1024:
            body += c.recv(1 << 20)
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%d" % (len(str(len(body))), len(body)))

    srv = raw_server(accept)
    r = C.post(srv.url, body=b"y" * (2 * 1024 * 1024), retry=False)
    assert r.body == str(2 * 1024 * 1024).encode()


def test_response_trailers_exposed(raw_server: Make) -> None:
    def trailers(c: socket.socket) -> None:
        read_request(c)
        c.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n"
                  b"3\r\nabc\r\n0\r\nX-Sum: 42\r\n\r\n")

    srv = raw_server(trailers)
    r = C.get(srv.url)
    assert r.body == b"abc" and r.trailers["X-Sum"] == "42"


def test_gzip_response_stream_is_decoded(raw_server: Make) -> None:
    payload = gzip.compress(b"hello " * 1000)

    def serve(c: socket.socket) -> None:
        read_request(c)
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(payload) + payload)

    srv = raw_server(serve)
    import io

    buf = io.BytesIO()
    C.get(srv.url, response_stream=buf)
    assert buf.getvalue() == b"hello " * 1000


def test_decompress_true_and_size_cap(raw_server: Make) -> None:
    payload = gzip.compress(b"z" * 100_000)

    def serve(c: socket.socket) -> None:
        while read_request(c):
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(payload) + payload)

    srv = raw_server(serve)
    pool = C.Pool(1)
    assert C.get(srv.url, pool=pool).body == payload  # no Content-Encoding: left alone
    assert C.get(srv.url, decompress=True, pool=pool).body == b"z" * 100_000
    from wirehttp_parser import DecodedSizeError

    with pytest.raises(DecodedSizeError):
        C.get(srv.url, decompress=True, max_decoded_size=1000, pool=pool)


def test_open_block_error_aborts_the_exchange(httpbin: Httpbin) -> None:
    class Boom(Exception):
        pass

    pool = C.Pool(1)
    with pytest.raises(Boom):
        with C.open("GET", httpbin("/bytes/100000"), pool=pool) as io:
            io.startread()
            raise Boom
    assert pool.in_use == 0
    assert C.get(httpbin("/get"), pool=pool).status == 200  # the pool is usable afterwards


def test_client_open_and_stream_layer(httpbin: Httpbin) -> None:
    seen: list[str] = []

    def streamspy(handler: Any) -> Any:
        def h(stream: Any, /, **kw: Any) -> Any:
            seen.append(stream.message.method)
            return handler(stream, **kw)

        return h

    c = C.client(stream_layers=[streamspy])
    with c.open("PUT", httpbin("/put"), [("Content-Length", "5")]) as io:
        io.write(b"hello")
        body = io.read()
    assert json.loads(body)["data"] == "hello" and seen == ["PUT"]
    C.pushlayer(streamspy, request=False)
    try:
        C.get(httpbin("/get"))
    finally:
        C.poplayer(request=False)
    assert seen == ["PUT", "GET"]


def test_openraw_upgrade_hands_over_the_socket(raw_server: Make) -> None:
    def upgrade(c: socket.socket) -> None:
        head = read_request(c)
        assert b"Upgrade: echo" in head
        c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nhello")
        data = c.recv(100)
        c.sendall(b"echo:" + data)

    srv = raw_server(upgrade)
    pool = C.Pool(1)
    sock, resp, excess = C.openraw("GET", srv.url, [("Upgrade", "echo"), ("Connection", "Upgrade")], pool=pool)
    try:
        assert resp.status == 101 and excess == b"hello"
        assert pool.in_use == 0 and pool.idle_count() == 0
        sock.sendall(b"ping")
        buf = bytearray(100)
        n = sock.recv_into(buf)
        assert bytes(buf[:n]) == b"echo:ping"
    finally:
        sock.close()
