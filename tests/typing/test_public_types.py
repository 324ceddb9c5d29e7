"""Pins the static types of the public API: mypy --strict checks these ``assert_type`` calls,
and pytest runs them so they also hold at run time."""

from __future__ import annotations

from typing import assert_type

import wirehttp as HTTP


def test_header_functions_types() -> None:
    h = HTTP.Headers([("A", "1")])
    assert_type(h["A"], str)
    assert_type(h[0], tuple[str, str])
    assert_type(h.get("A"), str | None)
    assert_type(h.get("A", ""), str)
    assert_type(h.getall("A"), list[str])
    assert_type(HTTP.header(h, "A"), str)
    assert_type(HTTP.header(h, "A", None), str | None)
    assert_type(HTTP.headers(h, "A"), list[str])
    assert_type(HTTP.hasheader(h, "A"), bool)


def test_message_types() -> None:
    req = HTTP.Request("GET", "/")
    resp = HTTP.Response(200, "x", request=req)
    assert_type(req.method, str)
    assert_type(req.url, HTTP.URI)
    assert_type(req.response, HTTP.Response | None)
    assert_type(resp.status, int)
    assert_type(resp.request, HTTP.Request | None)
    assert_type(resp.trailers, HTTP.Headers)
    assert_type(HTTP.bodylength(resp), int | None)
    assert_type(HTTP.statustext(200), str)
    assert_type(HTTP.HTTPVersion.parse("1.1"), HTTP.HTTPVersion)


def test_context_types() -> None:
    key = HTTP.ContextKey[int]("n")
    ctx = HTTP.Context()
    ctx[key] = 1
    assert_type(ctx[key], int)
    assert_type(ctx.get(key), int | None)
    assert_type(ctx.get(key, 0), int)


def test_error_attributes() -> None:
    err = HTTP.InvalidHeaderField("bad", b"x", 3)
    assert_type(err.status, int)
    assert_type(err.data, bytes)
    assert_type(err.offset, int | None)
    assert err.status == 400 and err.code == "INVALID_HEADER_FIELD"
    assert HTTP.HeaderTooLarge("big").status == 431
    assert str(HTTP.InvalidChunk("bad size", b"zz", 40)) == "bad size: b'zz' at offset 40"


def test_parser_and_uri_types() -> None:
    parser = HTTP.RequestParser()
    parser.feed(b"GET /a?x=1 HTTP/1.1\r\nHost: h\r\n\r\n")
    event = parser.next_event()
    assert isinstance(event, HTTP.RequestHead)
    assert_type(event.method, str)
    assert_type(event.headers, HTTP.Headers)
    assert_type(event.content_length, int | None)
    assert_type(parser.events(), list[HTTP.Event])
    uri = HTTP.URI("http://h/a?x=1")
    assert_type(uri.host, str)
    assert_type(HTTP.queryparams(uri), dict[str, str])
    assert_type(HTTP.queryparams(HTTP.Response(200)), dict[str, str] | None)
    assert_type(HTTP.resolvereference(uri, "../b"), HTTP.URI)
    assert_type(HTTP.splitpath("/a/b"), list[str])
    assert_type(HTTP.escapeuri("a b"), str)
    assert_type(HTTP.sniff(b"x"), str)
    assert_type(HTTP.isjson(b"{}"), tuple[bool, int])
    assert_type(HTTP.decode(b"", "identity"), bytes)
