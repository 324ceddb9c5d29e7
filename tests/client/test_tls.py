"""TLS against a local server with a trustme CA, through both TLS backends."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

import wirehttp_client as C

from .conftest import RawServer, read_request


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def _serve(c: socket.socket) -> None:
    while req := read_request(c):
        body = b"secure " + req.split(b" ", 2)[1]
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))


@pytest.fixture
def sni_names() -> list[str | None]:
    """The server name each TLS handshake with ``tls_server`` indicated (None: no SNI)."""
    return []


@pytest.fixture
def tls_server(ca: trustme.CA, sni_names: list[str | None]) -> Iterator[RawServer]:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(ctx)

    def sni(sslobj: object, name: str | None, context: ssl.SSLContext) -> None:
        # Run by the server's handshake with the name the client sent in its ClientHello
        # (a server-side socket's server_hostname is always None: it cannot tell).
        sni_names.append(name)

    ctx.sni_callback = sni
    srv = RawServer(_serve, tls=ctx)
    try:
        yield srv
    finally:
        srv.close()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    p = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(p))
    return str(p)


def test_untrusted_certificate_is_a_connect_error(tls_server: RawServer) -> None:
    with pytest.raises(C.ConnectError) as info:
        C.get(tls_server.url + "/x", retry=False)
    assert isinstance(info.value.cause, ssl.SSLCertVerificationError)


def test_verification_can_be_disabled(tls_server: RawServer) -> None:
    r = C.get(tls_server.url + "/x", require_ssl_verification=False)
    assert r.body_bytes().startswith(b"secure /x")


def test_ca_bundle_from_environment(tls_server: RawServer, ca_file: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_CA_BUNDLE", ca_file)
    backend = C.StdlibTLS()  # reads the environment when it builds its context
    pool = C.Pool(2)
    for _ in range(3):
        r = C.get(tls_server.url + "/env", socket_type_tls=backend, pool=pool)
        assert r.body == b"secure /env"
    assert tls_server.connections == 1  # keep-alive over TLS


def test_sslconfig_context(tls_server: RawServer, ca: trustme.CA) -> None:
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    assert C.get(tls_server.url + "/ctx", sslconfig=ctx).body == b"secure /ctx"


def test_hostname_is_checked(tls_server: RawServer, ca: trustme.CA) -> None:
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    ip_url = tls_server.url.replace("localhost", "127.0.0.1")
    assert C.get(ip_url + "/ip", sslconfig=ctx).status == 200  # the cert names 127.0.0.1 too
    other = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("elsewhere.example").configure_cert(other)
    srv = RawServer(_serve, tls=other)
    try:
        with pytest.raises(C.ConnectError):
            C.get(srv.url + "/x", sslconfig=ctx, retry=False)
    finally:
        srv.close()


def test_pyopenssl_backend(tls_server: RawServer, ca_file: str) -> None:
    backend = C.PyOpenSSLTLS(cafile=ca_file)
    pool = C.Pool(2)
    r = C.get(tls_server.url + "/ossl", socket_type_tls=backend, pool=pool)
    assert r.body == b"secure /ossl"
    r = C.get(tls_server.url + "/again", socket_type_tls=backend, pool=pool)
    assert r.body == b"secure /again" and tls_server.connections == 1
    with pytest.raises(C.ConnectError):
        C.get(tls_server.url + "/x", socket_type_tls=C.PyOpenSSLTLS(), retry=False)


def test_pyopenssl_hostname_mismatch(ca: trustme.CA, ca_file: str) -> None:
    other = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("elsewhere.example").configure_cert(other)
    srv = RawServer(_serve, tls=other)
    try:
        with pytest.raises(C.ConnectError, match="not valid for"):
            C.get(srv.url + "/x", socket_type_tls=C.PyOpenSSLTLS(cafile=ca_file), retry=False)
    finally:
        srv.close()


def test_default_backend_can_be_switched(tls_server: RawServer, ca_file: str) -> None:
    before = C.default_tls()
    C.set_default_tls(C.PyOpenSSLTLS(cafile=ca_file))
    try:
        assert C.get(tls_server.url + "/d").status == 200
    finally:
        C.set_default_tls(before)


def test_client_certificate(ca: trustme.CA, ca_file: str, tmp_path: Path) -> None:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(ctx)
    ca.configure_trust(ctx)
    ctx.verify_mode = ssl.CERT_REQUIRED
    srv = RawServer(_serve, tls=ctx)
    client_cert = ca.issue_cert("client@example")
    pem = tmp_path / "client.pem"
    client_cert.private_key_and_cert_chain_pem.write_to_path(str(pem))
    try:
        r = C.get(srv.url + "/mtls", socket_type_tls=C.StdlibTLS(cafile=ca_file, certfile=str(pem)))
        assert r.body == b"secure /mtls"
        with pytest.raises((C.ConnectError, C.RequestError)):
            C.get(srv.url + "/none", socket_type_tls=C.StdlibTLS(cafile=ca_file), retry=False)
    finally:
        srv.close()


@pytest.mark.parametrize("backend", ["stdlib", "pyopenssl"])
def test_sni_is_sent_for_names_not_for_ip_literals(tls_server: RawServer, sni_names: list[str | None],
                                                    ca_file: str, backend: str) -> None:
    tls: C.TLSBackend = C.StdlibTLS(cafile=ca_file) if backend == "stdlib" else C.PyOpenSSLTLS(cafile=ca_file)
    assert C.get(tls_server.url + "/sni", socket_type_tls=tls, pool=C.Pool(1)).body == b"secure /sni"
    assert sni_names == ["localhost"]
    # RFC 6066 §3: a literal IP address is not permitted as a server name; none is sent.
    sni_names.clear()
    ip_url = tls_server.url.replace("localhost", "127.0.0.1")
    assert C.get(ip_url + "/ip", socket_type_tls=tls, pool=C.Pool(1)).status == 200
    assert sni_names == [None]


def test_backend_keys_never_collide_after_garbage_collection(ca_file: str) -> None:
    # The pool key includes the backend's key; were it id(backend), a backend created after
    # another was freed could get its id and be handed the other's connections (made with
    # another CA or client certificate): test_client_certificate failed that way now and then.
    import gc

    for make in (lambda: C.StdlibTLS(cafile=ca_file), lambda: C.PyOpenSSLTLS(cafile=ca_file)):
        keys = []
        for _ in range(20):
            backend = make()
            keys.append(backend.key)
            del backend
            gc.collect()
        assert len(set(keys)) == 20
    ctx_keys = []
    for _ in range(20):
        ctx = ssl.create_default_context()
        ctx_keys.append(C.StdlibTLS(ctx).key)
        del ctx
        gc.collect()
    assert len(set(ctx_keys)) == 20
