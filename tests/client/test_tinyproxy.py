"""Against tinyproxy (started by the test suite, see conftest): plain HTTP through the proxy
(absolute-form targets), CONNECT tunnels to nginx's TLS port, ``Proxy-Authorization`` from the
proxy URL, 407 without credentials, and the proxy environment variables end to end.

tinyproxy marks what it forwards with ``Via: 1.1 tinyproxy (...)`` on the response, which
tells a proxied answer from a direct one. Loopback hosts are never proxied when the proxy comes
from the environment (``_environment.py``), so the environment tests aim at a name under
``.invalid`` (RFC 6761 §6.4: never resolves): through the proxy, tinyproxy answers it with its
own error page; bypassing the proxy, our own DNS lookup fails."""

from __future__ import annotations

import socket
from typing import Any

import pytest

import wirehttp_client as C
from wirehttp_parser import Response

from .conftest import Nginx, Tinyproxy

Proxies = tuple[Tinyproxy, Tinyproxy]
NOWHERE = "wirehttp-test.invalid"


def _json(r: Response) -> dict[str, Any]:
    data = r.json()
    assert isinstance(data, dict)
    return data


def _via_tinyproxy(r: Response) -> bool:
    return "tinyproxy" in r.headers.get("Via", "").lower()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY",
                 "REQUEST_METHOD"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_plain_http_through_proxy(nginx: Nginx, tinyproxies: Proxies) -> None:
    proxy, _ = tinyproxies
    with C.Pool(2) as pool:
        r = C.get(nginx.url + "/get?x=1", proxy=proxy.url, pool=pool)
        assert _via_tinyproxy(r)
        assert _json(r)["args"] == {"x": "1"}
        # Direct requests use a different pool key than proxied ones.
        r = C.get(nginx.url + "/get", pool=pool, proxy="")
        assert not _via_tinyproxy(r)
    # tinyproxy closes each client connection after its response without saying so (no
    # "Connection: close"), so a POST on the pooled one could race that close, and a POST is
    # never replayed (it may have been acted on): it goes on a fresh connection here.
    with C.Pool(2) as fresh:
        r = C.post(nginx.url + "/post", body="hello", proxy=proxy.url, pool=fresh)
        assert _json(r)["data"] == "hello" and _via_tinyproxy(r)


@pytest.mark.parametrize("backend", ["stdlib", "pyopenssl"])
def test_connect_tunnel_to_nginx_tls(nginx: Nginx, tinyproxies: Proxies, backend: str) -> None:
    proxy, _ = tinyproxies
    tls: C.TLSBackend = (
        C.StdlibTLS(cafile=nginx.ca_file) if backend == "stdlib" else C.PyOpenSSLTLS(cafile=nginx.ca_file)
    )
    with C.Pool(2) as pool:
        serials = set()
        for i in range(1, 4):
            r = C.get(nginx.tls_url + "/conn", proxy=proxy.url, socket_type_tls=tls, pool=pool)
            serial, count = r.body_bytes().split()
            serials.add(serial)
            assert int(count) == i  # the tunnel is kept and reused
            assert not _via_tinyproxy(r)  # end-to-end TLS: the proxy sees no HTTP inside
        assert len(serials) == 1
        r = C.post(nginx.tls_url + "/post", body={"k": "v"}, proxy=proxy.url, socket_type_tls=tls, pool=pool)
        assert _json(r)["form"] == {"k": "v"}


def test_proxy_auth_from_url(nginx: Nginx, tinyproxies: Proxies) -> None:
    _, auth = tinyproxies
    tls = C.StdlibTLS(cafile=nginx.ca_file)
    r = C.get(nginx.url + "/get", proxy=auth.auth_url)
    assert r.status == 200 and _via_tinyproxy(r)
    # The origin never sees the proxy credentials.
    assert "Proxy-Authorization" not in _json(r)["headers"]
    r = C.get(nginx.tls_url + "/static/hello.txt", proxy=auth.auth_url, socket_type_tls=tls)
    assert r.body == b"hello from nginx\n"


def test_407_without_credentials_is_a_clear_error(nginx: Nginx, tinyproxies: Proxies) -> None:
    _, auth = tinyproxies
    with pytest.raises(C.StatusError) as info:
        C.get(nginx.url + "/get", proxy=auth.url)
    assert info.value.status == 407
    assert "Proxy-Authenticate" in info.value.response.headers
    assert "407" in str(info.value) and "user:password@" in str(info.value)
    with pytest.raises(C.StatusError):
        C.get(nginx.url + "/get", proxy=f"http://user:wrong@127.0.0.1:{auth.port}")
    # https: the CONNECT is refused, a ConnectError carrying the proxy's 407.
    with pytest.raises(C.ConnectError) as refused:
        C.get(nginx.tls_url + "/conn", proxy=auth.url, socket_type_tls=C.StdlibTLS(cafile=nginx.ca_file))
    assert refused.value.response is not None and refused.value.response.status == 407
    assert "407" in str(refused.value)


def test_environment_http_proxy(clean_env: pytest.MonkeyPatch, nginx: Nginx, tinyproxies: Proxies) -> None:
    proxy, _ = tinyproxies
    clean_env.setenv("http_proxy", proxy.url)
    r = C.get(f"http://{NOWHERE}/x", status_exception=False, retry=False)
    assert r.status >= 400 and b"tinyproxy" in r.body_bytes().lower()  # the proxy's error page
    # Upper case works too, and lower case wins.
    clean_env.delenv("http_proxy")
    clean_env.setenv("HTTP_PROXY", proxy.url)
    assert C.get(f"http://{NOWHERE}/x", status_exception=False, retry=False).status >= 400
    clean_env.setenv("http_proxy", "http://127.0.0.1:1")  # nothing listens there
    with pytest.raises(C.ConnectError):
        C.get(f"http://{NOWHERE}/x", retry=False)
    clean_env.setenv("http_proxy", proxy.url)
    # Loopback is never proxied: nginx answers directly.
    assert not _via_tinyproxy(C.get(nginx.url + "/get"))


def test_environment_https_proxy_uses_connect(clean_env: pytest.MonkeyPatch, tinyproxies: Proxies) -> None:
    proxy, _ = tinyproxies
    clean_env.setenv("https_proxy", proxy.url)
    with pytest.raises(C.ConnectError) as info:
        C.get(f"https://{NOWHERE}/", retry=False)
    # tinyproxy could not reach the host and answered the CONNECT with an error status.
    assert info.value.response is not None and info.value.response.status >= 400
    # http_proxy does not apply to https URLs.
    clean_env.delenv("https_proxy")
    clean_env.setenv("http_proxy", proxy.url)
    with pytest.raises(C.ConnectError) as direct:
        C.get(f"https://{NOWHERE}/", retry=False)
    assert direct.value.response is None and isinstance(direct.value.cause, socket.gaierror)


@pytest.mark.parametrize("rule", [NOWHERE, ".invalid", "invalid", "*", f"x.example, {NOWHERE}:80"])
def test_environment_no_proxy(clean_env: pytest.MonkeyPatch, tinyproxies: Proxies, rule: str) -> None:
    proxy, _ = tinyproxies
    clean_env.setenv("http_proxy", proxy.url)
    clean_env.setenv("no_proxy", rule)
    with pytest.raises(C.ConnectError) as info:  # went direct: our own DNS lookup failed
        C.get(f"http://{NOWHERE}/x", retry=False)
    assert info.value.response is None and isinstance(info.value.cause, socket.gaierror)
    clean_env.setenv("no_proxy", "other.invalid, 10.0.0.0/8, invalid:81")
    assert C.get(f"http://{NOWHERE}/x", status_exception=False, retry=False).status >= 400


def test_request_method_disables_upper_case_http_proxy(clean_env: pytest.MonkeyPatch, tinyproxies: Proxies) -> None:
    proxy, _ = tinyproxies
    clean_env.setenv("HTTP_PROXY", proxy.url)
    clean_env.setenv("REQUEST_METHOD", "GET")  # under CGI: httpoxy
    with pytest.raises(C.ConnectError):
        C.get(f"http://{NOWHERE}/x", retry=False)


def test_environment_upper_case_https_proxy_and_no_proxy(clean_env: pytest.MonkeyPatch,
                                                          tinyproxies: Proxies) -> None:
    proxy, _ = tinyproxies
    clean_env.setenv("HTTPS_PROXY", proxy.url)
    with pytest.raises(C.ConnectError) as info:  # through the proxy: a CONNECT it refused
        C.get(f"https://{NOWHERE}/", retry=False)
    assert info.value.response is not None and info.value.response.status >= 400
    clean_env.setenv("NO_PROXY", f"other.example, {NOWHERE}")
    with pytest.raises(C.ConnectError) as direct:  # bypassed: our own DNS lookup failed
        C.get(f"https://{NOWHERE}/", retry=False)
    assert direct.value.response is None and isinstance(direct.value.cause, socket.gaierror)
