"""Request and Response: constructors as users write them, predicates, the wire form, the
masked repr, parse round-trips, write/readheaders over streams (inventory test/messages.jl
127–141)."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator

import pytest

from wirehttp_parser import (
    HTTP_1_0,
    HTTP_1_1,
    Context,
    ContextKey,
    Headers,
    IncompleteMessage,
    InvalidContentLength,
    InvalidFraming,
    ParseError,
    ProtocolError,
    Request,
    Response,
    URI,
    bodylength,
    expectcontinue,
    hasbody,
    header,
    headerscomplete,
    iserror,
    isidempotent,
    isredirect,
    issafe,
    isupgrade,
    ischunked,
    keepalive,
    queryparams,
    readheaders,
    retryable,
    set_show_max,
    setheader,
    write,
    writeheaders,
    writestartline,
)


def test_request_constructor_forms() -> None:
    r = Request("GET", "/foo", [("Foo", "Bar")])
    assert (r.method, r.target, r.version, r.body) == ("GET", "/foo", HTTP_1_1, b"")
    assert header(r, "foo") == "Bar"
    assert Request("GET", "").target == "/"
    assert Request("POST", "/", {"A": "1"}, "héllo").body == "héllo".encode()
    assert Request(version="1.0").version == HTTP_1_0
    assert isinstance(Request().context, Context)


def test_request_headers_are_copied() -> None:
    h = Headers([("A", "1")])
    r = Request("GET", "/", h)
    h.append("B", "2")
    assert len(r.headers) == 1


def test_request_url_from_target() -> None:
    r = Request("GET", "/a/b?x=1")
    assert r.url.path == "/a/b" and r.url.query == "x=1"
    r2 = Request("GET", "http://example.com/p?q=2")
    assert r2.url.host == "example.com"
    r3 = Request("GET", "/", url="http://h:1/")
    assert r3.url == URI("http://h:1/")


def test_response_constructor_forms() -> None:
    assert Response(200).status == 200 and Response(200).body == b""
    assert Response(404, "nope").body == b"nope"
    assert Response(200, b"raw").body == b"raw"
    r = Response(201, [("Content-Type", "text/plain")], "made")
    assert (r.status, r.body, header(r, "content-type")) == (201, b"made", "text/plain")
    assert Response(200, {"A": "b"}, body="x").body == b"x"
    assert Response("just a body").status == 200
    assert Response(404).reason == "Not Found"
    assert Response(299, reason="Custom").reason == "Custom"
    with pytest.raises(TypeError):
        Response(True)


def test_wire_form_exact() -> None:
    assert bytes(Request("GET", "/foo", [("Foo", "Bar")])) == b"GET /foo HTTP/1.1\r\nFoo: Bar\r\n\r\n"
    resp = Response(200, [("Content-Length", "5")], "Hello")
    assert bytes(resp) == b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHello"


def test_setheader_then_read_back_then_remove() -> None:
    r = Request()
    setheader(r, "X-Y", "z")
    assert header(r, "x-y") == "z"
    r.headers.remove("X-Y")
    assert header(r, "X-Y") == ""


def test_write_chunked_with_trailers() -> None:
    r = Request("POST", "/up", [("Host", "h"), ("Transfer-Encoding", "chunked")], [b"ab", "cd", b""])
    r.trailers.append("X-Sum", "4")
    out = io.BytesIO()
    write(out, r)
    assert out.getvalue() == (
        b"POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"2\r\nab\r\n2\r\ncd\r\n0\r\nX-Sum: 4\r\n\r\n"
    )


def test_write_streams_and_forms() -> None:
    r = Request("POST", "/", [("Content-Length", "5")], io.BytesIO(b"hello"))
    assert bytes(r).endswith(b"\r\n\r\nhello")
    form = Request("POST", "/", [], {"a": "1 2", "b": "&"})
    assert bytes(form).endswith(b"\r\n\r\na=1%202&b=%26")


def test_write_refuses_cl_with_te() -> None:
    r = Request("POST", "/", [("Content-Length", "1"), ("Transfer-Encoding", "chunked")], b"x")
    with pytest.raises(ProtocolError, match="both"):
        bytes(r)


def test_writestartline_and_writeheaders() -> None:
    r = Request("GET", "/x", [("A", "1"), ("Empty", "")])
    a, b = io.BytesIO(), io.BytesIO()
    writestartline(a, r)
    writeheaders(b, r)
    assert a.getvalue() == b"GET /x HTTP/1.1\r\n"
    assert b.getvalue() == b"GET /x HTTP/1.1\r\nA: 1\r\n\r\n"


def test_parse_round_trip_ignores_trailing_junk() -> None:
    raw_req = b"POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
    req = Request.parse(raw_req + b"xxx")
    assert bytes(req) == raw_req and req.body == b"abc"
    raw_resp = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHello"
    resp = Response.parse(raw_resp + b"xxx")
    assert bytes(resp) == raw_resp


def test_parse_chunked_exposes_trailers() -> None:
    resp = Response.parse(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nfoo\r\n3\r\nbar\r\n0\r\n"
        b"Trailer-Key: Trailer-Value\r\n\r\n"
    )
    assert resp.body == b"foobar"
    assert list(resp.trailers) == [("Trailer-Key", "Trailer-Value")]


def test_parse_skips_informational_and_handles_head() -> None:
    resp = Response.parse(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    assert resp.status == 200 and resp.body == b"ok"
    head = Response.parse(b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", request_method="HEAD")
    assert head.body == b""


def test_parse_close_delimited_response() -> None:
    assert Response.parse(b"HTTP/1.1 200 OK\r\n\r\nuntil close").body == b"until close"


def test_parse_incomplete_and_strict() -> None:
    with pytest.raises(IncompleteMessage):
        Request.parse(b"GET / HTTP/1.1\r\nHost: a\r\n")
    with pytest.raises(EOFError):
        Response.parse(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort")
    with pytest.raises(InvalidFraming):
        Request.parse(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")


def test_readheaders_consumes_only_the_head() -> None:
    stream = io.BytesIO(b"HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\nX: y\r\n\r\nbody")
    resp = Response(0)
    readheaders(stream, resp)
    assert (resp.status, header(resp, "x")) == (404, "y")
    assert stream.read() == b"body"
    req = Request("", "")
    readheaders(io.BytesIO(b"PUT /a?b=1 HTTP/1.0\r\nContent-Length: 0\r\n\r\n"), req)
    assert (req.method, req.target, req.version, req.url.query) == ("PUT", "/a?b=1", HTTP_1_0, "b=1")


def test_readheaders_incomplete_is_eof() -> None:
    with pytest.raises(EOFError):
        readheaders(io.BytesIO(b"HTTP/1.1 200 OK\r\nX: y\r\n"), Response(0))


def test_predicates() -> None:
    assert iserror(404) and iserror(500) and not iserror(200) and not iserror(304)
    assert not iserror(302) and not iserror(0) and iserror(99) and iserror(600)
    assert isredirect(301) and isredirect(Response(308)) and not isredirect(304)
    assert issafe("GET") and issafe(Request("HEAD")) and not issafe("POST")
    assert isidempotent("PUT") and isidempotent("DELETE") and not isidempotent("PATCH")
    assert retryable(403) and retryable(429) and retryable(599) and not retryable(404)
    assert headerscomplete(Response(200)) and not headerscomplete(Response(100))
    assert not headerscomplete(Request("", "/"))


def test_bodylength_and_hasbody() -> None:
    assert bodylength(Response(200, [("Content-Length", "5")])) == 5
    assert bodylength(Response(204)) == 0 and bodylength(Response(304)) == 0
    assert bodylength(Response(200)) is None  # read until close
    assert bodylength(Response(200, [("Transfer-Encoding", "gzip, chunked")])) is None
    head = Response(200, [("Content-Length", "5")], request=Request("HEAD"))
    assert bodylength(head) == 0 and not hasbody(head)
    assert bodylength(Request("POST")) == 0 and not hasbody(Request())
    assert bodylength(Request("POST", "/", [("Content-Length", "3, 3")])) == 3
    with pytest.raises(InvalidContentLength):
        bodylength(Request("POST", "/", [("Content-Length", "3"), ("Content-Length", "4")]))
    with pytest.raises(InvalidContentLength):
        bodylength(Response(200, [("Content-Length", "-1")]))


def test_chunked_keepalive_expect_upgrade() -> None:
    assert ischunked(Request("POST", "/", [("Transfer-Encoding", "gzip, Chunked")]))
    assert not ischunked(Request("POST", "/", [("Transfer-Encoding", "chunked, gzip")]))
    assert keepalive(Request()) and not keepalive(Request("GET", "/", [("Connection", "close")]))
    assert not keepalive(Request(version="1.0"))
    assert keepalive(Request("GET", "/", [("Connection", "Keep-Alive")], version="1.0"))
    assert expectcontinue(Request("PUT", "/", [("Expect", "100-Continue")]))
    assert isupgrade(Request("GET", "/", [("Connection", "keep-alive, Upgrade"), ("Upgrade", "websocket")]))
    assert isupgrade(Response(101)) and not isupgrade(Request())


def test_text_and_json() -> None:
    r = Response(200, [("Content-Type", "text/plain; charset=ISO-8859-1")], b"D\xfcsseldorf")
    assert r.text == "Düsseldorf"
    assert Response(200, '{"a": [1, 2]}').json() == {"a": [1, 2]}
    assert Response(200, [("Content-Type", "text/plain; charset=bogus")], "x").text == "x"


def test_repr_masks_and_truncates() -> None:
    r = Request("GET", "/", [("authorization", "Bearer s3cret"), ("Cookie", "c=1"), ("Accept", "")])
    text = repr(r)
    assert "s3cret" not in text and "c=1" not in text and "******" in text
    assert "Accept" not in text  # empty headers are not shown (#828)
    assert text.startswith('Request:\n"""\nGET / HTTP/1.1')
    big = Response(200, b"x" * 10013)
    set_show_max(1000)
    shown = repr(big)
    assert "x" * 1000 in shown and "x" * 1001 not in shown and "10013-byte body" in shown
    assert "3-byte body" in repr(Response(200, b"\xff\xfe\xfd"))


def test_queryparams_of_messages() -> None:
    assert queryparams(Request("GET", "http://google.com?q=123&l=345")) == {"q": "123", "l": "345"}
    assert queryparams(Request("GET", "/")) == {}
    req = Request("GET", "/?a=1")
    assert queryparams(Response(200, request=req)) == {"a": "1"}
    assert queryparams(Response(200)) is None


def test_body_bytes_of_streams_and_iterables() -> None:
    assert Response(200, [], io.BytesIO(b"abc")).body_bytes() == b"abc"
    r = Request("POST", "/", [], [b"a", "b", io.BytesIO(b"c")])
    assert r.body_bytes() == b"abc"
    with pytest.raises(TypeError):
        Request("POST", "/", [], 42).body_bytes()  # type: ignore[arg-type]


def test_typed_context_on_requests() -> None:
    key = ContextKey[list[float]]("timings")
    r = Request()
    r.context[key] = [0.1]
    assert r.context[key] == [0.1]


def test_gzip_body_is_bytes() -> None:
    data = gzip.compress(json.dumps({"x": 1}).encode())
    r = Response(200, [("Content-Encoding", "gzip")], data)
    assert r.body == data


def test_request_response_link_is_not_a_cycle() -> None:
    import gc
    import weakref

    req = Request("GET", "/")
    resp = Response(200, b"x" * 1000, request=req)
    req.response = resp
    assert req.response is resp and resp.request is req
    probe = weakref.ref(resp)
    gc.disable()
    try:
        del resp
        assert probe() is None  # freed by reference counting alone, no cycle to collect
        assert req.response is None
    finally:
        gc.enable()


@pytest.mark.parametrize("data", [b"", b"\r\n", "  "])
def test_parse_of_no_message_is_an_error_not_a_hang(data: bytes | str) -> None:
    with pytest.raises((IncompleteMessage, ParseError)):
        Request.parse(data)
    with pytest.raises((IncompleteMessage, ParseError)):
        Response.parse(data)


def test_repr_of_utf8_body_cut_by_the_show_limit() -> None:
    set_show_max(1000)
    shown = repr(Response(200, ("x" * 999 + "é" * 10).encode()))
    assert "x" * 999 in shown and "-byte body" in shown
    assert "1019-byte body" in shown


def test_response_status_and_a_lone_body_of_any_single_kind() -> None:
    stream = io.BytesIO(b"streamed")
    r = Response(200, stream)
    assert r.body is stream and len(r.headers) == 0 and r.body_bytes() == b"streamed"
    assert Response(200, bytearray(b"ab")).body == b"ab"
    assert Response(200, memoryview(b"cd")).body == b"cd"
    assert Response(io.BytesIO(b"x")).status == 200

    class Form:
        content_type = "text/plain"
        content_length = 2

        def chunks(self) -> Iterator[bytes]:
            yield b"ok"

        def rewind(self) -> bool:
            return True

    form = Form()
    assert Response(201, form).body is form
    # a list stays headers (a list of chunks goes in the three-argument form)
    assert Response(200, [("A", "1")]).headers["a"] == "1"
    assert Response(200, [], [b"a", b"b"]).body_bytes() == b"ab"
