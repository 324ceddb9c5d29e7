"""Proxy rules from the environment (no_proxy host, suffix, CIDR, port, *), read at call time."""

from __future__ import annotations

import pytest

import wirehttp_client as C
from wirehttp_parser import URI


def test_no_proxy_rules() -> None:
    rules = "example.com, .internal, 10.0.0.0/8, host:8080, [fe80::1]"
    assert C.bypass_proxy("example.com", 80, rules)
    assert C.bypass_proxy("api.example.com", 80, rules)
    assert not C.bypass_proxy("badexample.com", 80, rules)
    assert C.bypass_proxy("a.internal", 80, rules) and C.bypass_proxy("internal", 80, rules)
    assert C.bypass_proxy("10.2.3.4", 80, rules) and not C.bypass_proxy("11.2.3.4", 80, rules)
    assert C.bypass_proxy("host", 8080, rules) and not C.bypass_proxy("host", 80, rules)
    assert C.bypass_proxy("fe80::1", 80, rules)
    assert C.bypass_proxy("anything", 1, "*")
    assert C.bypass_proxy("localhost", 1, "") and C.bypass_proxy("127.0.0.5", 1, "")
    assert C.bypass_proxy("::1", 1, "")


def test_proxy_for_reads_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY", "REQUEST_METHOD"):
        monkeypatch.delenv(name, raising=False)
    assert C.proxy_for(URI("http://example.com/")) is None
    monkeypatch.setenv("HTTP_PROXY", "http://upper:3128")
    assert C.proxy_for(URI("http://example.com/")) == "http://upper:3128"
    monkeypatch.setenv("http_proxy", "http://lower:3128")
    assert C.proxy_for(URI("http://example.com/")) == "http://lower:3128"
    assert C.proxy_for(URI("https://example.com/")) is None
    monkeypatch.setenv("https_proxy", "http://tls:3128")
    assert C.proxy_for(URI("https://example.com/")) == "http://tls:3128"
    monkeypatch.setenv("no_proxy", "example.com")
    assert C.proxy_for(URI("https://www.example.com/")) is None
    assert C.proxy_for(URI("http://127.0.0.1:8000/")) is None


def test_httpoxy_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://injected:1")
    monkeypatch.setenv("REQUEST_METHOD", "GET")
    assert C.proxy_for(URI("http://example.com/")) is None


def test_ca_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HTTP_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    assert C.ca_bundle() is None
    monkeypatch.setenv("CURL_CA_BUNDLE", "/tmp/ca.pem")
    assert C.ca_bundle() == "/tmp/ca.pem"


def test_upper_case_https_proxy_and_no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY", "REQUEST_METHOD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://upper-tls:3128")
    assert C.proxy_for(URI("https://example.com/")) == "http://upper-tls:3128"
    assert C.proxy_for(URI("wss://example.com/")) == "http://upper-tls:3128"
    assert C.proxy_for(URI("http://example.com/")) is None  # HTTPS_PROXY is for https only
    monkeypatch.setenv("REQUEST_METHOD", "GET")  # the httpoxy guard is about HTTP_PROXY only
    assert C.proxy_for(URI("https://example.com/")) == "http://upper-tls:3128"
    monkeypatch.delenv("REQUEST_METHOD")
    monkeypatch.setenv("https_proxy", "http://lower-tls:3128")
    assert C.proxy_for(URI("https://example.com/")) == "http://lower-tls:3128"  # lower case wins
    monkeypatch.delenv("https_proxy")
    monkeypatch.setenv("NO_PROXY", "example.com, 10.0.0.0/8")
    assert C.proxy_for(URI("https://api.example.com/")) is None
    assert C.proxy_for(URI("https://10.1.2.3/")) is None
    assert C.proxy_for(URI("https://example.org/")) == "http://upper-tls:3128"
    assert C.bypass_proxy("example.com", 443) and not C.bypass_proxy("example.org", 443)
    monkeypatch.setenv("no_proxy", "example.org")  # lower case wins over NO_PROXY
    assert C.proxy_for(URI("https://example.org/")) is None
    assert C.proxy_for(URI("https://example.com/")) == "http://upper-tls:3128"
