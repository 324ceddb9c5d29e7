"""HTTPVersion, statustext and StatusCodes, the string helpers, the typed context, nbytes."""

from __future__ import annotations

import io

import pytest

from wirehttp_parser import (
    HTTP_1_0,
    HTTP_1_1,
    Context,
    ContextKey,
    HTTPVersion,
    StatusCodes,
    ascii_lc_isequal,
    escapehtml,
    iso8859_1_to_utf8,
    nbytes,
    statustext,
    tocameldash,
)


def test_version_parse_and_compare() -> None:
    assert HTTPVersion.parse("1.1") is HTTP_1_1
    assert HTTPVersion.parse("HTTP/1.0") is HTTP_1_0
    assert HTTPVersion.parse("1") == HTTP_1_0
    assert HTTPVersion.parse("2.0") == HTTPVersion(2, 0)
    assert HTTP_1_0 < HTTP_1_1 < HTTPVersion(2, 0)
    assert HTTP_1_1 == (1, 1) and HTTP_1_1 == "1.1" and HTTP_1_1 >= "1.0"
    assert str(HTTP_1_1) == "1.1" and repr(HTTP_1_0) == "HTTPVersion(1, 0)"
    assert len({HTTPVersion(1, 1), HTTP_1_1}) == 1


@pytest.mark.parametrize("bad", ["", "1.", "1.1.1", "x.y", "11.1", "HTTP/", "1,1"])
def test_version_rejects(bad: str) -> None:
    with pytest.raises(ValueError, match="HTTP version"):
        HTTPVersion.parse(bad)


def test_version_digits_are_single() -> None:
    with pytest.raises(ValueError, match="0-9"):
        HTTPVersion(10, 0)


def test_statustext() -> None:
    assert statustext(200) == "OK"
    assert statustext(404) == "Not Found"
    assert statustext(440) == "Login Timeout"
    assert statustext(444) == "No Response"
    assert statustext(522) == "Connection Timed Out"
    assert statustext(299) == "Unknown Code"


def test_status_codes() -> None:
    assert int(StatusCodes.OK) == 200
    assert int(StatusCodes.NOT_FOUND) == 404
    assert StatusCodes["PAYLOAD_TOO_LARGE"] is StatusCodes["CONTENT_TOO_LARGE"]
    assert StatusCodes.IM_A_TEAPOT.phrase == "I'm a teapot"
    assert all(statustext(int(code)) != "Unknown Code" for code in StatusCodes)


def test_strings() -> None:
    assert tocameldash("content-type") == "Content-Type"
    assert tocameldash("X-CUSTOM-HEADER") == "X-Custom-Header"
    assert tocameldash("x-ünï-code") == "X-ünï-Code"
    assert escapehtml("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
    assert iso8859_1_to_utf8(b"D\xfcsseldorf") == "Düsseldorf"
    assert ascii_lc_isequal("Content-Type", "content-type")
    assert not ascii_lc_isequal("a", "ab")
    assert ascii_lc_isequal("ÄbC", "Äbc") and not ascii_lc_isequal("Äb", "äb")


def test_typed_context() -> None:
    ROUTE = ContextKey[str]("route")
    COUNT = ContextKey[int]("count")
    ctx = Context()
    assert ctx.get(ROUTE) is None
    ctx[ROUTE] = "/users/{id}"
    ctx[COUNT] = 2
    assert ctx[ROUTE] == "/users/{id}" and ctx[COUNT] == 2
    assert ROUTE in ctx and len(ctx) == 2
    assert ctx.setdefault(COUNT, 5) == 2
    other = ContextKey[str]("route")  # same label, different key: no collision
    assert other not in ctx
    assert ctx.pop(COUNT) == 2 and ctx.get(COUNT, 7) == 7
    del ctx[ROUTE]
    assert len(ctx) == 0 and "route" not in repr(ctx)
    with pytest.raises(KeyError):
        ctx[ROUTE]


def test_nbytes() -> None:
    assert nbytes(7) is None
    assert nbytes(b"abc") == 3 and nbytes(bytearray(b"ab")) == 2
    assert nbytes(memoryview(b"abcd")[1:]) == 3
    assert nbytes("héllo") == 6
    assert nbytes(["ab", b"cd"]) == 4
    buf = io.BytesIO(b"hello")
    buf.read(2)
    assert nbytes(buf) == 3
    assert nbytes([io.BytesIO(b"ab"), io.BytesIO(b"c")]) == 3
    assert nbytes(iter([b"a"])) is None
    assert nbytes([b"a", iter([b"b"])]) is None
