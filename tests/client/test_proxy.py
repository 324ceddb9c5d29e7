"""Proxies against a small relay proxy written here (tinyproxy: test_tinyproxy.py): absolute-form
targets with Proxy-Authorization for http, CONNECT tunnels for https, a refused CONNECT."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Iterator

import pytest
import trustme

import wirehttp_client as C

from .conftest import RawServer, read_request

Make = Callable[[Callable[[socket.socket], None]], RawServer]


def _relay(a: socket.socket, b: socket.socket) -> None:
    def pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    t = threading.Thread(target=pump, args=(b, a), daemon=True)
    t.start()
    pump(a, b)
    t.join(5)


class Proxy:
    """Records each request head; answers plain requests itself and relays CONNECT tunnels
    (or refuses them with 407 when ``refuse``)."""

    def __init__(self, make: Make, refuse: bool = False) -> None:
        self.heads: list[bytes] = []
        self.refuse = refuse
        self.server = make(self.handle)

    def handle(self, c: socket.socket) -> None:
        while head := read_request(c):
            self.heads.append(head)
            line = head.split(b"\r\n", 1)[0]
            method, target, _ = line.split(b" ")
            if method == b"CONNECT":
                if self.refuse:
                    c.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
                    return
                host, port = target.rsplit(b":", 1)
                upstream = socket.create_connection((host.decode(), int(port)), timeout=5)
                c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                _relay(c, upstream)
                upstream.close()
                return
            body = b"proxied " + target
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))


def test_http_through_proxy_uses_absolute_form_and_auth(raw_server: Make) -> None:
    proxy = Proxy(raw_server)
    r = C.get("http://example.test:8080/path?q=1#frag", proxy=f"http://u%40x:p@127.0.0.1:{proxy.server.port}")
    assert r.body == b"proxied http://example.test:8080/path?q=1"
    head = proxy.heads[0]
    assert head.startswith(b"GET http://example.test:8080/path?q=1 HTTP/1.1\r\n")
    assert b"\r\nProxy-Authorization: Basic dUB4OnA=\r\n" in head  # base64("u@x:p")
    assert b"\r\nHost: example.test:8080\r\n" in head


def test_proxy_from_environment(raw_server: Make, monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = Proxy(raw_server)
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.server.port}")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    assert C.get("http://example.test/x").body == b"proxied http://example.test/x"
    monkeypatch.setenv("no_proxy", "example.test")
    with pytest.raises(C.ConnectError):
        C.get("http://example.test/x", retry=False, connect_timeout=2)  # no such host: DNS fails


@pytest.fixture
def tls_origin() -> Iterator[tuple[RawServer, trustme.CA]]:
    ca = trustme.CA()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(ctx)

    def serve(c: socket.socket) -> None:
        while head := read_request(c):
            body = b"tunnelled " + head.split(b" ", 2)[1]
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))

    srv = RawServer(serve, tls=ctx)
    try:
        yield srv, ca
    finally:
        srv.close()


def test_https_through_connect_tunnel(raw_server: Make, tls_origin: tuple[RawServer, trustme.CA]) -> None:
    origin, ca = tls_origin
    proxy = Proxy(raw_server)
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    url = f"https://localhost:{origin.port}/secret"
    pool = C.Pool(2)
    for _ in range(2):
        r = C.get(url, proxy=f"http://user:pw@127.0.0.1:{proxy.server.port}", sslconfig=ctx, pool=pool)
        assert r.body == b"tunnelled /secret"
    assert len(proxy.heads) == 1  # one tunnel, reused
    connect = proxy.heads[0]
    assert connect.startswith(f"CONNECT localhost:{origin.port} HTTP/1.1\r\n".encode())
    assert b"Proxy-Authorization: Basic " in connect


def test_refused_connect_is_a_connect_error(raw_server: Make) -> None:
    proxy = Proxy(raw_server, refuse=True)
    with pytest.raises(C.ConnectError) as info:
        C.get("https://localhost:1/", proxy=f"http://127.0.0.1:{proxy.server.port}", retry=False)
    assert info.value.response is not None and info.value.response.status == 407
    assert "407" in str(info.value)
