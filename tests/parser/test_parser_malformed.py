"""Malformed input, one row per strict rule: each must fail with a specific error carrying the
status a server answers and the offending bytes with their offset in the stream.

The rows include the parser-strictness probe of python-anchors.md §2.3 (where our answer is the
strict one) and HTTP.jl's parser tests 100, 101, 109, 115, 116 and 119.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from wirehttp_parser import (
    BodyTooLarge,
    HeaderTooLarge,
    InvalidChunk,
    InvalidContentLength,
    InvalidFraming,
    InvalidHeaderField,
    InvalidHost,
    InvalidRequestLine,
    InvalidStatusLine,
    Limits,
    ParseError,
    RequestLineTooLong,
    RequestParser,
    ResponseParser,
    Signal,
    UnsupportedTransferCoding,
    UnsupportedVersion,
)

H = b"Host: example.com\r\n"


@dataclass(frozen=True)
class Case:
    id: str
    raw: bytes
    error: type[ParseError]
    status: int
    offending: bytes  # what ``exc.data`` starts with
    response: bool = False
    limits: Limits = Limits()


def req(*lines: bytes, body: bytes = b"") -> bytes:
    return b"".join(line + b"\r\n" for line in lines) + b"\r\n" + body


CHUNKED = b"Transfer-Encoding: chunked"

CASES = [
    # -- python-anchors §2.3 -----------------------------------------------------------------
    Case("cl-and-te", req(b"POST / HTTP/1.1", H[:-2], b"Content-Length: 3", CHUNKED),
         InvalidFraming, 400, CHUNKED),
    Case("differing-content-lengths", req(b"POST / HTTP/1.1", H[:-2], b"Content-Length: 3",
         b"Content-Length: 4"), InvalidContentLength, 400, b"Content-Length: 4"),
    Case("space-before-colon", req(b"POST / HTTP/1.1", H[:-2], b"Content-Length : 2"),
         InvalidHeaderField, 400, b" : 2"),
    Case("obs-fold-transfer-encoding", req(b"POST / HTTP/1.1", H[:-2], b"Transfer-Encoding:",
         b" chunked"), InvalidHeaderField, 400, b" chunked"),
    Case("te-xchunked", req(b"POST / HTTP/1.1", H[:-2], b"Transfer-Encoding: xchunked"),
         InvalidFraming, 400, b"Transfer-Encoding: xchunked"),
    Case("bare-lf-line-ends", b"GET / HTTP/1.1\nHost: a\n\n", InvalidRequestLine, 400,
         b"GET / HTTP/1.1\n"),
    Case("missing-host", req(b"GET / HTTP/1.1"), InvalidHost, 400, b"GET / HTTP/1.1"),
    Case("bad-chunk-size", req(b"POST / HTTP/1.1", H[:-2], CHUNKED, body=b"zz\r\nabc\r\n0\r\n\r\n"),
         InvalidChunk, 400, b"zz"),
    # -- Content-Length (RFC 9112 §6.3 rule 5, RFC 9110 §8.6) ---------------------------------
    Case("differing-content-length-list", req(b"POST / HTTP/1.1", H[:-2],
         b"Content-Length: 3, 4"), InvalidContentLength, 400, b"Content-Length: 3, 4"),
    Case("negative-content-length", req(b"POST / HTTP/1.1", H[:-2], b"Content-Length: -1"),
         InvalidContentLength, 400, b"Content-Length: -1"),
    Case("plus-content-length", req(b"POST / HTTP/1.1", H[:-2], b"Content-Length: +1"),
         InvalidContentLength, 400, b"Content-Length: +1"),
    Case("hex-content-length", req(b"POST / HTTP/1.1", H[:-2], b"Content-Length: 0x10"),
         InvalidContentLength, 400, b"Content-Length: 0x10"),
    Case("spaced-content-length", req(b"POST / HTTP/1.1", H[:-2], b"Content-Length: 1 2"),
         InvalidContentLength, 400, b"Content-Length: 1 2"),
    Case("empty-content-length", req(b"POST / HTTP/1.1", H[:-2], b"Content-Length:"),
         InvalidContentLength, 400, b"Content-Length:"),
    Case("non-ascii-digit-content-length", req(b"POST / HTTP/1.1", H[:-2],
         "Content-Length: ١".encode()), InvalidContentLength, 400, b"Content-Length: "),
    Case("huge-content-length", req(b"POST / HTTP/1.1", H[:-2], b"Content-Length: " + b"9" * 20),
         InvalidContentLength, 400, b"Content-Length: 999"),
    # -- Transfer-Encoding (RFC 9112 §6.1, §6.3 rule 4) --------------------------------------
    Case("te-unknown-coding", req(b"POST / HTTP/1.1", H[:-2],
         b"Transfer-Encoding: xfoo, chunked"), UnsupportedTransferCoding, 501,
         b"Transfer-Encoding: xfoo, chunked"),
    Case("te-chunked-twice", req(b"POST / HTTP/1.1", H[:-2], b"Transfer-Encoding: chunked",
         b"Transfer-Encoding: chunked"), InvalidFraming, 400, b"Transfer-Encoding: chunked"),
    Case("te-chunked-not-final", req(b"POST / HTTP/1.1", H[:-2],
         b"Transfer-Encoding: chunked, gzip"), InvalidFraming, 400, b"Transfer-Encoding: chunked"),
    Case("te-identity", req(b"POST / HTTP/1.1", H[:-2], b"Transfer-Encoding: identity",
         b"Content-Length: 5", body=b"World"), InvalidFraming, 400, b"Transfer-Encoding: identity"),
    Case("te-empty", req(b"POST / HTTP/1.1", H[:-2], b"Transfer-Encoding: ,"), InvalidFraming,
         400, b"Transfer-Encoding: ,"),
    Case("te-in-http-1.0", req(b"POST / HTTP/1.0", CHUNKED), InvalidFraming, 400, CHUNKED),
    # -- line ends and control characters (RFC 9112 §2.2, RFC 9110 §5.5) ---------------------
    Case("bare-lf-after-field", b"GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", InvalidHeaderField,
         400, b"Host: a\n"),
    Case("bare-cr-in-value", req(b"GET / HTTP/1.1", H[:-2], b"Foo: 1\rBar: 1"),
         InvalidHeaderField, 400, b"\rBar: 1"),
    Case("bare-cr-in-request-line", req(b"GET /\r HTTP/1.1", H[:-2]), InvalidRequestLine, 400,
         b"\r HTTP/1.1"),
    Case("ctl-in-value", req(b"GET / HTTP/1.1", H[:-2], b"X: a\x01b"), InvalidHeaderField, 400,
         b"\x01b"),
    Case("nul-in-value", req(b"GET / HTTP/1.1", H[:-2], b"X: a\x00b"), InvalidHeaderField, 400,
         b"\x00b"),
    Case("del-in-value", req(b"GET / HTTP/1.1", H[:-2], b"X: a\x7fb"), InvalidHeaderField, 400,
         b"\x7fb"),
    Case("escape-in-name", req(b"GET / HTTP/1.1", H[:-2], b"Connection\x1b\x35: x"),
         InvalidHeaderField, 400, b"\x1b5: x"),
    Case("ctl-and-cr-in-name", req(b"GET / HTTP/1.1", H[:-2], b"Connection\r\x1b\x35\xd5eep-Alive"),
         InvalidHeaderField, 400, b"\r\x1b5"),
    Case("whitespace-line-after-start-line", req(b"GET / HTTP/1.1", b" Host: a"),
         InvalidHeaderField, 400, b" Host: a"),
    Case("obs-fold", req(b"GET / HTTP/1.1", H[:-2], b"X: a", b"\tb"), InvalidHeaderField, 400,
         b"\tb"),
    # -- field names (RFC 9110 §5.1) ----------------------------------------------------------
    Case("name-with-at", req(b"GET / HTTP/1.1", H[:-2], b"Fo@: x"), InvalidHeaderField, 400,
         b"@: x"),
    Case("name-with-ctl", req(b"GET / HTTP/1.1", H[:-2], b"Foo\x01: x"), InvalidHeaderField, 400,
         b"\x01: x"),
    Case("tab-before-colon", req(b"GET / HTTP/1.1", H[:-2], b"Host\t: a"), InvalidHeaderField, 400,
         b"\t: a"),
    Case("empty-name", req(b"GET / HTTP/1.1", H[:-2], b": x"), InvalidHeaderField, 400, b": x"),
    Case("no-colon", req(b"GET / HTTP/1.1", H[:-2], b"NoColonHere"), InvalidHeaderField, 400,
         b"NoColonHere"),
    Case("space-separated-name", req(b"GET / HTTP/1.1", H[:-2], b"en-US Content-Type: text/xml"),
         InvalidHeaderField, 400, b" Content-Type: text/xml"),
    Case("name-then-space-colon-line", req(b"GET / HTTP/1.1", H[:-2], b"Foo", b" : value"),
         InvalidHeaderField, 400, b"Foo"),
    # -- Host (RFC 9112 §3.2) -----------------------------------------------------------------
    Case("two-hosts", req(b"GET / HTTP/1.1", b"Host: a", b"Host: b"), InvalidHost, 400,
         b"Host: b"),
    Case("host-with-path", req(b"GET / HTTP/1.1", b"Host: a/path"), InvalidHost, 400,
         b"Host: a/path"),
    Case("host-with-space", req(b"GET / HTTP/1.1", b"Host: a b"), InvalidHost, 400, b"Host: a b"),
    Case("host-with-userinfo", req(b"GET / HTTP/1.1", b"Host: user@a"), InvalidHost, 400,
         b"Host: user@a"),
    Case("host-bad-port", req(b"GET / HTTP/1.1", b"Host: a:8x"), InvalidHost, 400,
         b"Host: a:8x"),
    Case("two-hosts-in-http-1.0", req(b"GET / HTTP/1.0", b"Host: a", b"HOST: a"), InvalidHost,
         400, b"HOST: a"),
    # -- request line (RFC 9112 §3) -----------------------------------------------------------
    Case("missing-target", req(b"GET  HTTP/1.1", H[:-2]), InvalidRequestLine, 400,
         b"GET  HTTP/1.1"),
    Case("double-space", req(b"GET  / HTTP/1.1", H[:-2]), InvalidRequestLine, 400,
         b"GET  / HTTP/1.1"),
    Case("tab-separator", req(b"GET\t/ HTTP/1.1", H[:-2]), InvalidRequestLine, 400,
         b"GET\t/ HTTP/1.1"),
    Case("extra-word", req(b"GET / HTTP/1.1 x", H[:-2]), InvalidRequestLine, 400,
         b"GET / HTTP/1.1 x"),
    Case("no-version", req(b"GET /", H[:-2]), InvalidRequestLine, 400, b"GET /"),
    Case("misspelt-version", req(b"GET / HTP/1.1", H[:-2]), InvalidRequestLine, 400, b"HTP/1.1"),
    Case("lowercase-version", req(b"GET / http/1.1", H[:-2]), InvalidRequestLine, 400,
         b"http/1.1"),
    Case("two-digit-version", req(b"GET / HTTP/1.10", H[:-2]), InvalidRequestLine, 400,
         b"HTTP/1.10"),
    Case("version-without-minor", req(b"GET / HTTP/1", H[:-2]), InvalidRequestLine, 400,
         b"HTTP/1"),
    Case("version-as-method", req(b"HTTP/1.1 / HTTP/1.1", H[:-2]), InvalidRequestLine, 400,
         b"HTTP/1.1 / HTTP/1.1"),
    Case("words", req(b"hello world / HTTP/1.1", H[:-2]), InvalidRequestLine, 400,
         b"hello world / HTTP/1.1"),
    Case("method-not-a-token", req(b"GE(T / HTTP/1.1", H[:-2]), InvalidRequestLine, 400,
         b"GE(T / HTTP/1.1"),
    Case("ctl-in-target", req(b"GET /a\x01b HTTP/1.1", H[:-2]), InvalidRequestLine, 400,
         b"\x01b"),
    Case("non-ascii-target", req("GET /δ¶ HTTP/1.1".encode(), H[:-2]), InvalidRequestLine, 400,
         "δ¶".encode()),
    Case("dot-dot-target", req(b"GET ../../../../etc/passwd HTTP/1.1", H[:-2]),
         InvalidRequestLine, 400, b"../../../../etc/passwd"),
    Case("relative-target", req(b"GET foo HTTP/1.1", H[:-2]), InvalidRequestLine, 400, b"foo"),
    Case("asterisk-with-get", req(b"GET * HTTP/1.1", H[:-2]), InvalidRequestLine, 400, b"*"),
    Case("connect-origin-form", req(b"CONNECT /x HTTP/1.1", H[:-2]), InvalidRequestLine, 400,
         b"/x"),
    Case("connect-absolute-form", req(b"CONNECT http://a:1/ HTTP/1.1", H[:-2]),
         InvalidRequestLine, 400, b"http://a:1/"),
    Case("connect-without-port", req(b"CONNECT example.com HTTP/1.1", H[:-2]),
         InvalidRequestLine, 400, b"example.com"),
    Case("two-empty-lines-first", b"\r\n\r\nGET / HTTP/1.1\r\n" + H + b"\r\n", InvalidRequestLine,
         400, b"\r\n"),
    Case("leading-space", req(b" GET / HTTP/1.1", H[:-2]), InvalidRequestLine, 400,
         b" GET / HTTP/1.1"),
    Case("http-2-preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", UnsupportedVersion, 505,
         b"HTTP/2.0"),
    Case("http-2.0", req(b"GET / HTTP/2.0", H[:-2]), UnsupportedVersion, 505, b"HTTP/2.0"),
    Case("http-0.9-version", req(b"GET / HTTP/0.9", H[:-2]), UnsupportedVersion, 505,
         b"HTTP/0.9"),
    Case("http-3.0", req(b"GET / HTTP/3.0", H[:-2]), UnsupportedVersion, 505, b"HTTP/3.0"),
    Case("http-1.2", req(b"GET / HTTP/1.2", H[:-2]), UnsupportedVersion, 505, b"HTTP/1.2"),
    # -- chunked (RFC 9112 §7.1; HTTP.jl test 119) -------------------------------------------
    Case("chunk-size-0x", req(b"POST / HTTP/1.1", H[:-2], CHUNKED, body=b"0x5\r\nhello\r\n"),
         InvalidChunk, 400, b"0x5"),
    Case("chunk-size-overflow", req(b"POST / HTTP/1.1", H[:-2], CHUNKED,
         body=b"10000000000000000\r\n"), InvalidChunk, 400, b"10000000000000000"),
    Case("chunk-bare-lf", req(b"POST / HTTP/1.1", H[:-2], CHUNKED, body=b"5\nhello\r\n"),
         InvalidChunk, 400, b"5\n"),
    Case("chunk-data-too-long", req(b"POST / HTTP/1.1", H[:-2], CHUNKED,
         body=b"2\r\nabc\r\n0\r\n\r\n"), InvalidChunk, 400, b"c\r\n0"),
    # -- limits -------------------------------------------------------------------------------
    Case("request-line-too-long", req(b"GET /" + b"a" * 100 + b" HTTP/1.1", H[:-2]),
         RequestLineTooLong, 414, b"GET /aaa", limits=Limits(max_start_line=64)),
    Case("head-too-large", req(b"GET / HTTP/1.1", H[:-2], b"X: " + b"a" * 200),
         HeaderTooLarge, 431, b"GET / HTTP/1.1", limits=Limits(max_header_bytes=128)),
    Case("too-many-fields", req(b"GET / HTTP/1.1", H[:-2], b"A: 1", b"B: 2"), HeaderTooLarge,
         431, b"B: 2", limits=Limits(max_headers=2)),
    Case("body-too-large", req(b"POST / HTTP/1.1", H[:-2], b"Content-Length: 100"),
         BodyTooLarge, 413, b"Content-Length: 100", limits=Limits(max_body=99)),
    # -- responses ----------------------------------------------------------------------------
    Case("status-code-then-no-sp", b"HTTP/1.1 200OK\r\n\r\n", InvalidStatusLine, 400,
         b"HTTP/1.1 200OK", response=True),
    Case("status-code-letters", b"HTTP/1.1 OK 200\r\n\r\n", InvalidStatusLine, 400,
         b"HTTP/1.1 OK 200", response=True),
    Case("status-leading-space", b" HTTP/1.1 200 OK\r\n\r\n", InvalidStatusLine, 400,
         b" HTTP/1.1 200 OK", response=True),
    Case("status-empty-line-first", b"\r\nHTTP/1.1 200 OK\r\n\r\n", InvalidStatusLine, 400,
         b"\r\n", response=True),
    Case("status-http-2", b"HTTP/2.0 200 OK\r\n\r\n", UnsupportedVersion, 505, b"HTTP/2.0",
         response=True),
    Case("response-cl-and-te", req(b"HTTP/1.1 200 OK", b"Content-Length: 3", CHUNKED),
         InvalidFraming, 400, CHUNKED, response=True),
    Case("response-differing-cl", req(b"HTTP/1.1 200 OK", b"Content-Length: 1",
         b"Content-Length: 0"), InvalidContentLength, 400, b"Content-Length: 0", response=True),
    Case("response-chunked-twice", req(b"HTTP/1.1 200 OK", b"Transfer-Encoding: chunked, chunked"),
         InvalidFraming, 400, b"Transfer-Encoding: chunked, chunked", response=True),
    Case("response-unknown-coding", req(b"HTTP/1.1 200 OK", b"Transfer-Encoding: br, chunked"),
         UnsupportedTransferCoding, 501, b"Transfer-Encoding: br", response=True),
    Case("response-obs-fold", req(b"HTTP/1.1 200 OK", b"X: a", b" b"), InvalidHeaderField, 400,
         b" b", response=True),
    Case("response-bare-lf", b"HTTP/1.1 200 OK\r\nX: 1\n\r\n", InvalidHeaderField, 400,
         b"X: 1\n", response=True),
    Case("response-status-line-too-long", b"HTTP/1.1 200 " + b"x" * 100 + b"\r\n\r\n",
         InvalidStatusLine, 400, b"HTTP/1.1 200 xxx", response=True,
         limits=Limits(max_start_line=64)),
]  # fmt: skip


def _parse(case: Case, pieces: list[bytes]) -> ParseError:
    parser: RequestParser | ResponseParser
    if case.response:
        parser = ResponseParser(limits=case.limits)
    else:
        parser = RequestParser(limits=case.limits)
    for piece in pieces:
        parser.feed(piece)
        try:
            while not isinstance(parser.next_event(), Signal):
                pass
        except ParseError as exc:
            return exc
    parser.feed_eof()
    with pytest.raises(ParseError) as info:
        while not isinstance(parser.next_event(), Signal):
            pass
    return info.value


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_malformed(case: Case) -> None:
    exc = _parse(case, [case.raw])
    assert type(exc) is case.error, exc
    assert exc.status == case.status
    assert exc.offset is not None
    assert case.raw[exc.offset : exc.offset + len(exc.data)] == exc.data, exc
    assert exc.data.startswith(case.offending), exc
    assert str(exc)  # a message a human can read, with the bytes and the offset


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_malformed_fed_byte_by_byte(case: Case) -> None:
    # The same error, offset and bytes however the input is split.
    exc = _parse(case, [case.raw[i : i + 1] for i in range(len(case.raw))])
    whole = _parse(case, [case.raw])
    assert type(exc) is type(whole)
    assert exc.offset is not None
    assert exc.offset == whole.offset
    assert case.raw[exc.offset : exc.offset + len(exc.data)] == exc.data
