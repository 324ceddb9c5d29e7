"""TLS with a stdlib SSLContext and a test CA made by trustme (a test tool, installed in the
workspace and in the isolated environments scripts/check.sh makes)."""

from __future__ import annotations

import http.client
import socket
import ssl

import pytest
import trustme

from wirehttp_parser import Request, Response

from ._net import GET_CLOSE, connect
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
