"""TLS with a stdlib SSLContext or a pyOpenSSL context, and a test CA made by trustme (a test
tool, installed in the workspace and in the isolated environments scripts/check.sh makes;
pyOpenSSL comes with the server's ``pyopenssl`` extra, which check.sh installs there too)."""

from __future__ import annotations

import asyncio
import http.client
import socket
import ssl
import subprocess
import sys

import pytest
import trustme
from OpenSSL import SSL

from wirehttp_parser import Request, Response
from wirehttp_server import Stream

from ._net import GET_CLOSE, connect, is_closed, read_all
from .conftest import Start


def ok(req: Request) -> Response:
    return Response(200, "ok")


def test_tls_with_a_trustme_ca(start_server: Start) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    s = start_server(ok, sslconfig=server_ctx)
    conn = http.client.HTTPSConnection("localhost", s.port, context=client_ctx, timeout=5)
    conn.request("GET", "/")
    assert conn.getresponse().read() == b"ok"
    conn.request("GET", "/again")
    assert conn.getresponse().read() == b"ok"
    conn.close()
    # A client that connects and leaves during the handshake does not break the server.
    socket.create_connection(("127.0.0.1", s.port), timeout=2).close()
    # Plain HTTP to the TLS port gets no HTTP answer.
    with connect(s.port, timeout=2) as c:
        c.sendall(GET_CLOSE)
        try:
            data = c.recv(1000)
        except (ConnectionResetError, TimeoutError):
            data = b""
        assert not data.startswith(b"HTTP/1.1 200")
    conn = http.client.HTTPSConnection("localhost", s.port, context=client_ctx, timeout=5)
    conn.request("GET", "/")
    assert conn.getresponse().status == 200
    conn.close()


# -- pyOpenSSL contexts -----------------------------------------------------------------------
def _pyopenssl_context(ca: trustme.CA) -> SSL.Context:
    """A pyOpenSSL server context with a certificate for localhost/127.0.0.1 from ``ca``."""
    cert = ca.issue_cert("localhost", "127.0.0.1")
    ctx = SSL.Context(SSL.TLS_SERVER_METHOD)
    with cert.private_key_and_cert_chain_pem.tempfile() as pem:
        ctx.use_certificate_chain_file(pem)
        ctx.use_privatekey_file(pem)
    ctx.check_privatekey()
    return ctx


def _client_context(ca: trustme.CA) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    return ctx


def echo(req: Request) -> Response:
    assert isinstance(req.body, bytes)
    return Response(200, f"{req.method} {req.target} ".encode() + req.body)


@pytest.mark.parametrize("use_uvloop", [None, False], ids=["default-loop", "stdlib-loop"])
def test_pyopenssl_context_get_post_keep_alive(
    start_server: Start, use_uvloop: bool | None
) -> None:
    ca = trustme.CA()
    s = start_server(echo, sslconfig=_pyopenssl_context(ca), use_uvloop=use_uvloop)
    conn = http.client.HTTPSConnection("localhost", s.port, context=_client_context(ca), timeout=5)
    conn.request("GET", "/one")
    resp = conn.getresponse()
    assert (resp.status, resp.read()) == (200, b"GET /one ")
    sock = conn.sock
    body = b"x" * 200_000  # many TLS records each way
    conn.request("POST", "/two", body=body)
    resp = conn.getresponse()
    assert (resp.status, resp.read()) == (200, b"POST /two " + body)
    assert conn.sock is sock  # both requests on one connection (keep-alive)
    assert isinstance(sock, ssl.SSLSocket) and sock.version() is not None
    conn.close()


def test_pyopenssl_context_stream_handler(start_server: Start) -> None:
    ca = trustme.CA()

    seen: list[int] = []  # the local port of each socket tcpisvalid saw

    def handler(stream: Stream) -> None:
        data = stream.read()
        assert stream.peer[0] == "127.0.0.1"
        stream.setstatus(200)
        stream.write(b"got " + str(len(data)).encode())

    def tcpisvalid(sock: socket.socket) -> bool:
        seen.append(sock.getsockname()[1])
        return True

    s = start_server(
        handler, stream=True, sslconfig=_pyopenssl_context(ca), tcpisvalid=tcpisvalid
    )
    conn = http.client.HTTPSConnection("localhost", s.port, context=_client_context(ca), timeout=5)
    conn.request("PUT", "/", body=b"y" * 100_000, headers={"Content-Type": "text/plain"})
    resp = conn.getresponse()
    assert (resp.status, resp.read()) == (200, b"got 100000")
    conn.close()
    assert seen == [s.port]  # tcpisvalid got the TCP socket


def test_pyopenssl_bad_clients_do_not_stop_the_server(start_server: Start) -> None:
    ca = trustme.CA()
    s = start_server(ok, sslconfig=_pyopenssl_context(ca))
    good = _client_context(ca)
    # A client that does not trust the CA fails the handshake...
    untrusting = ssl.create_default_context()
    untrusting.load_verify_locations(cadata=trustme.CA().cert_pem.bytes().decode())
    conn = http.client.HTTPSConnection("localhost", s.port, context=untrusting, timeout=5)
    with pytest.raises(ssl.SSLCertVerificationError):
        conn.request("GET", "/")
    conn.close()
    # ... one that connects and leaves mid-handshake is forgotten...
    socket.create_connection(("127.0.0.1", s.port), timeout=2).close()
    # ... plain HTTP on the TLS port gets no HTTP answer and is closed...
    with connect(s.port, timeout=2) as c:
        c.sendall(GET_CLOSE)
        data = read_all(c, timeout=2)
        assert not data.startswith(b"HTTP/")
        assert is_closed(c, timeout=2)
    # ... and the next good client is served.
    conn = http.client.HTTPSConnection("localhost", s.port, context=good, timeout=5)
    conn.request("GET", "/")
    resp = conn.getresponse()
    assert (resp.status, resp.read()) == (200, b"ok")
    conn.close()
    assert s.isopen()


def test_pyopenssl_handshake_timeout(start_server: Start) -> None:
    ca = trustme.CA()
    s = start_server(ok, sslconfig=_pyopenssl_context(ca), header_timeout=0.3)
    with connect(s.port, timeout=3) as c:
        assert is_closed(c, timeout=3)  # sent nothing: closed after header_timeout


def test_sslconfig_of_another_type_is_a_type_error(start_server: Start) -> None:
    with pytest.raises(TypeError, match="sslconfig"):
        start_server(ok, sslconfig=object())


def test_pyopenssl_is_imported_only_when_used() -> None:
    # pyOpenSSL is an optional dependency: importing the server must not import it.
    code = "import sys, wirehttp_server; assert 'OpenSSL' not in sys.modules, 'imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)


def test_pyopenssl_flow_control_both_ways(start_server: Start) -> None:
    # A 2 MB upload read slowly (the server pauses reading, with plaintext left inside
    # OpenSSL) and an 8 MB answer (the TCP buffer fills: pause_writing/resume_writing).
    ca = trustme.CA()
    upload = bytes(range(256)) * 8192
    answer = b"z" * 8_000_000

    async def handler(stream: Stream) -> None:
        got = 0
        while not await stream.aeof():
            got += len(await stream.aread(4096))
            await asyncio.sleep(0.0005)
        assert got == len(upload)
        stream.setstatus(200)
        stream.setheader("Content-Length", str(len(answer)))
        await stream.awrite(answer)

    s = start_server(handler, stream=True, sslconfig=_pyopenssl_context(ca))
    conn = http.client.HTTPSConnection("localhost", s.port, context=_client_context(ca), timeout=10)
    conn.request("POST", "/up", body=upload)
    resp = conn.getresponse()
    assert resp.status == 200
    assert resp.read() == answer
    conn.close()


def test_pyopenssl_pipelined_requests(start_server: Start) -> None:
    ca = trustme.CA()
    s = start_server(echo, sslconfig=_pyopenssl_context(ca))
    with connect(s.port) as raw:
        with _client_context(ca).wrap_socket(raw, server_hostname="localhost") as c:
            c.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n" * 2 + GET_CLOSE)
            data = read_all(c)
    assert data.count(b"HTTP/1.1 200 OK") == 3
    assert b"GET /a " in data and data.endswith(b"GET / ")
