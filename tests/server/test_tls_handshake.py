"""The TLS handshake is bounded by ``header_timeout`` with a stdlib ``ssl.SSLContext`` too (the
pyOpenSSL layer has its own test in test_tls.py): a client that connects and never starts, or
stalls in, the handshake is closed, on uvloop and on the stdlib loop alike."""

from __future__ import annotations

import socket
import ssl
import time

import pytest
import trustme

from wirehttp_parser import Request, Response

from ._net import connect, is_closed
from .conftest import Start

HEADER_TIMEOUT = 0.3

LOOPS = pytest.mark.parametrize("use_uvloop", [None, False], ids=["default-loop", "stdlib-loop"])


def ok(req: Request) -> Response:
    return Response(200, "ok")


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def server_ctx(ca: trustme.CA) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(ctx)
    return ctx


def _closed_after(c: socket.socket) -> float:
    """Seconds until the server closes ``c`` (fails if it stays open 3 s)."""
    t0 = time.monotonic()
    assert is_closed(c, timeout=3)
    return time.monotonic() - t0


@LOOPS
def test_a_client_that_sends_nothing_is_closed_after_header_timeout(
    start_server: Start, server_ctx: ssl.SSLContext, use_uvloop: bool | None
) -> None:
    s = start_server(
        ok, sslconfig=server_ctx, header_timeout=HEADER_TIMEOUT, use_uvloop=use_uvloop
    )
    with connect(s.port) as c:
        assert _closed_after(c) < 1.5


@LOOPS
def test_a_stalled_client_hello_is_closed_after_header_timeout(
    start_server: Start, server_ctx: ssl.SSLContext, use_uvloop: bool | None
) -> None:
    s = start_server(
        ok, sslconfig=server_ctx, header_timeout=HEADER_TIMEOUT, use_uvloop=use_uvloop
    )
    with connect(s.port) as c:
        # A TLS handshake record header announcing 512 bytes, then one byte of them.
        c.sendall(b"\x16\x03\x01\x02\x00\x01")
        assert _closed_after(c) < 1.5


@LOOPS
def test_a_stalled_client_does_not_block_others(
    start_server: Start, ca: trustme.CA, server_ctx: ssl.SSLContext, use_uvloop: bool | None
) -> None:
    s = start_server(
        ok, sslconfig=server_ctx, header_timeout=HEADER_TIMEOUT, use_uvloop=use_uvloop
    )
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    with connect(s.port) as stalled:
        # While one client stalls its handshake, another completes a request.
        with client_ctx.wrap_socket(connect(s.port), server_hostname="localhost") as tls:
            tls.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := tls.recv(65536):
                data += chunk
        assert data.startswith(b"HTTP/1.1 200 OK") and data.endswith(b"ok")
        assert is_closed(stalled, timeout=3)


@LOOPS
def test_after_the_handshake_an_idle_client_is_closed_by_header_timeout(
    start_server: Start, ca: trustme.CA, server_ctx: ssl.SSLContext, use_uvloop: bool | None
) -> None:
    s = start_server(
        ok, sslconfig=server_ctx, header_timeout=HEADER_TIMEOUT, use_uvloop=use_uvloop
    )
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    with client_ctx.wrap_socket(connect(s.port), server_hostname="localhost") as tls:
        t0 = time.monotonic()
        tls.settimeout(3)
        try:
            data = tls.recv(100)
        except (ConnectionResetError, ssl.SSLError):
            data = b""
        assert data == b"" and time.monotonic() - t0 < 1.5


@LOOPS
def test_the_handshake_time_counts_toward_header_timeout(
    start_server: Start, ca: trustme.CA, server_ctx: ssl.SSLContext, use_uvloop: bool | None
) -> None:
    # One budget from accept to a complete head: a client that spends most of header_timeout
    # before its handshake does not get a second header_timeout after it.
    s = start_server(ok, sslconfig=server_ctx, header_timeout=1.0, use_uvloop=use_uvloop)
    _check_one_budget(s.port, ca)


def test_the_handshake_time_counts_toward_header_timeout_with_pyopenssl(
    start_server: Start, ca: trustme.CA
) -> None:
    from .test_tls import _pyopenssl_context

    s = start_server(ok, sslconfig=_pyopenssl_context(ca), header_timeout=1.0)
    _check_one_budget(s.port, ca)


def _check_one_budget(port: int, ca: trustme.CA) -> None:
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    raw = connect(port)
    t0 = time.monotonic()
    time.sleep(0.7)
    with client_ctx.wrap_socket(raw, server_hostname="localhost") as tls:
        tls.settimeout(3)
        try:
            data = tls.recv(100)
        except (ConnectionResetError, ssl.SSLError):
            data = b""
    elapsed = time.monotonic() - t0
    assert data == b"" and 0.9 < elapsed < 1.6  # not 1.7 (0.7 + a fresh 1.0)
