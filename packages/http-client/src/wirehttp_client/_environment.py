"""The one place the client reads environment variables (STYLE: never deep in the library).

Read at call time, so a change to ``os.environ`` takes effect on the next request:

``http_proxy`` / ``HTTP_PROXY``, ``https_proxy`` / ``HTTPS_PROXY``
    The proxy for ``http``/``ws`` and ``https``/``wss`` URLs (lower case wins, as in curl).
    ``HTTP_PROXY`` is ignored when ``REQUEST_METHOD`` is set: under CGI it can be injected by a
    client's ``Proxy:`` header (httpoxy, CVE-2016-5385).
``no_proxy`` / ``NO_PROXY``
    Comma-separated hosts that bypass the proxy: ``*`` (all), an exact host, a domain and its
    subdomains (``example.com`` or ``.example.com``), an IP address or CIDR block
    (``10.0.0.0/8``), each optionally with ``:port``. ``localhost``, ``127.0.0.0/8`` and ``::1``
    are never proxied (as in HTTP.jl).
``HTTP_CA_BUNDLE``, ``CURL_CA_BUNDLE``
    A PEM file of CA certificates to trust *in addition to* the system's (HTTP.jl's variables).
    ``SSL_CERT_FILE``/``SSL_CERT_DIR`` keep their usual OpenSSL meaning for the system store.
"""

from __future__ import annotations

import functools
import ipaddress
import os

from wirehttp_parser import URI

__all__ = ["proxy_for", "bypass_proxy", "ca_bundle"]


def _env(*names: str) -> str:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value.strip()
    return ""


def ca_bundle() -> str | None:
    """The extra CA bundle named by ``HTTP_CA_BUNDLE`` or ``CURL_CA_BUNDLE``, or ``None``."""
    return _env("HTTP_CA_BUNDLE", "CURL_CA_BUNDLE") or None


@functools.lru_cache(maxsize=256)
def _is_loopback(host: str) -> bool:
    # Cached: a request asks this for its host every time, and hosts repeat.
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _entry_matches(entry: str, host: str, port: int | None) -> bool:
    entry = entry.strip().lower()
    if not entry:
        return False
    if entry == "*":
        return True
    # Optional ":port" (not inside an IPv6 literal, which has several colons).
    want_port: int | None = None
    if entry.count(":") == 1 or (entry.startswith("[") and "]:" in entry):
        name, _, p = entry.rpartition(":")
        if p.isdigit():
            entry, want_port = name, int(p)
    if want_port is not None and want_port != port:
        return False
    entry = entry.strip("[]")
    bare = host.strip("[]").lower()
    if "/" in entry:
        try:
            net = ipaddress.ip_network(entry, strict=False)
            return ipaddress.ip_address(bare) in net
        except ValueError:
            return False
    entry = entry.lstrip(".")
    # A domain matches itself and every subdomain (curl's rule), never a mere suffix:
    # "example.com" does not match "badexample.com".
    return bare == entry or bare.endswith("." + entry)


def bypass_proxy(host: str, port: int | None = None, no_proxy: str | None = None) -> bool:
    """Whether ``host`` (and ``port``) skips the proxy under ``no_proxy`` (default: the
    environment's ``no_proxy``/``NO_PROXY``)."""
    if _is_loopback(host):
        return True
    rules = _env("no_proxy", "NO_PROXY") if no_proxy is None else no_proxy
    return any(_entry_matches(e, host, port) for e in rules.split(","))


def proxy_for(url: URI) -> str | None:
    """The proxy URL the environment gives for ``url``, or ``None``."""
    if _is_loopback(url.host):
        return None  # never proxied, whatever the environment says: no need to read it
    scheme = url.scheme.lower()
    if scheme in ("https", "wss"):
        proxy = _env("https_proxy", "HTTPS_PROXY")
    else:
        proxy = _env("http_proxy")
        if not proxy and "REQUEST_METHOD" not in os.environ:
            # Under CGI, HTTP_PROXY may come from the client's Proxy: header (httpoxy).
            proxy = _env("HTTP_PROXY")
    if not proxy or bypass_proxy(url.host, url.effective_port):
        return None
    return proxy
