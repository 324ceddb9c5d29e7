"""Against nginx (started by the test suite, see conftest): keep-alive reuse to a real server,
nginx's own keep-alive upstream to httpbin, a 1 MiB static file, and TLS with a trustme CA
through both TLS backends. nginx's ``$connection`` (serial number of the TCP connection) and
``$connection_requests`` (requests served on it) show reuse from the server's side."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

import wirehttp_client as C
from wirehttp_parser import Response

from .conftest import Nginx


def _json(r: Response) -> dict[str, Any]:
    data = r.json()
    assert isinstance(data, dict)
    return data


def _conn(r: Response) -> tuple[int, int]:
    serial, count = r.body_bytes().split()
    return int(serial), int(count)


def test_keepalive_reuse_seen_by_nginx(nginx: Nginx) -> None:
    with C.Pool(4) as pool:
        seen = [_conn(C.get(nginx.url + "/conn", pool=pool)) for _ in range(5)]
        assert len({serial for serial, _ in seen}) == 1  # one TCP connection
        assert [n for _, n in seen] == [1, 2, 3, 4, 5]
        assert pool.idle_count() == 1 and pool.in_use == 0


def test_httpbin_behind_nginx_keepalive_upstream(nginx: Nginx) -> None:
    with C.Pool(2) as pool:
        for i in range(3):
            r = C.get(nginx.url + "/get", query={"i": str(i)}, pool=pool)
            assert _json(r)["args"] == {"i": str(i)}
        r = C.post(nginx.url + "/post", body=b"x" * 100_000, pool=pool)
        assert len(_json(r)["data"]) == 100_000
        assert _conn(C.get(nginx.url + "/conn", pool=pool))[1] == 5  # all on one connection
        with pytest.raises(C.StatusError) as info:
            C.get(nginx.url + "/status/404", pool=pool)
        assert info.value.status == 404
        assert pool.idle_count() == 1  # an error status keeps the connection


def test_static_file_one_mib(nginx: Nginx) -> None:
    expected = (nginx.static / "big.bin").read_bytes()
    with C.Pool(2) as pool:
        for _ in range(2):
            r = C.get(nginx.url + "/static/big.bin", pool=pool)
            assert r.headers["Content-Length"] == str(len(expected))
            assert hashlib.sha256(r.body_bytes()).digest() == hashlib.sha256(expected).digest()
        with C.open("GET", nginx.url + "/static/big.bin", pool=pool) as io:
            got = b"".join(io)
        assert got == expected
        assert pool.idle_count() == 1
    assert C.head(nginx.url + "/static/hello.txt").headers["Content-Length"] == "17"


@pytest.mark.parametrize("backend", ["stdlib", "pyopenssl"])
def test_tls_with_trustme_ca(nginx: Nginx, backend: str) -> None:
    tls: C.TLSBackend = (
        C.StdlibTLS(cafile=nginx.ca_file) if backend == "stdlib" else C.PyOpenSSLTLS(cafile=nginx.ca_file)
    )
    with C.Pool(2) as pool:
        seen = [_conn(C.get(nginx.tls_url + "/conn", socket_type_tls=tls, pool=pool)) for _ in range(3)]
        assert len({s for s, _ in seen}) == 1 and [n for _, n in seen] == [1, 2, 3]  # TLS keep-alive
        r = C.get(nginx.tls_url + "/static/big.bin", socket_type_tls=tls, pool=pool)
        assert r.body_bytes() == (nginx.static / "big.bin").read_bytes()
        r = C.post(nginx.tls_url + "/post", body={"a": "1"}, socket_type_tls=tls, pool=pool)
        assert _json(r)["form"] == {"a": "1"}
        # The certificate names 127.0.0.1 too: verified by IP address (no SNI for a literal).
        ip_url = f"https://127.0.0.1:{nginx.tls_port}/static/hello.txt"
        assert C.get(ip_url, socket_type_tls=tls, pool=pool).body == b"hello from nginx\n"


@pytest.mark.parametrize("backend", ["stdlib", "pyopenssl"])
def test_tls_untrusted_ca_is_a_connect_error(nginx: Nginx, backend: str) -> None:
    tls: C.TLSBackend = C.StdlibTLS() if backend == "stdlib" else C.PyOpenSSLTLS()
    with pytest.raises(C.ConnectError) as info:
        C.get(nginx.tls_url + "/conn", socket_type_tls=tls, retry=False)
    assert info.value.cause is not None
    # Verification off: the same server answers.
    r = C.get(nginx.tls_url + "/static/hello.txt", socket_type_tls=tls, require_ssl_verification=False)
    assert r.body == b"hello from nginx\n"


def test_tls_ca_from_sslconfig_context(nginx: Nginx) -> None:
    import ssl

    ctx = ssl.create_default_context()
    nginx.ca.configure_trust(ctx)
    assert C.get(nginx.tls_url + "/static/hello.txt", sslconfig=ctx).body == b"hello from nginx\n"
