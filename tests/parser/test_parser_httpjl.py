"""HTTP.jl's test/parser.jl behaviours 97–119 (httpjl-inventory.md), as our parser does them.

HTTP.jl runs those tests with ``strict = false``, so most map to our lenient mode. Where we
deliberately differ the test name says ``diverges`` and the comment says why:

* 102 — trailers are kept apart in ``EndOfMessage.trailers``, not appended to the head's fields
  (RFC 9110 §6.5.1: a recipient must not merge them blindly).
* 113 — Content-Length with Transfer-Encoding is rejected in strict mode (HTTP.jl 1.x accepts
  it; 2.x rejects it too); lenient mode takes chunked and closes the connection (RFC 9112 §6.1).
* 119 — a 15-hex-digit chunk size fits in 63 bits, so it is not an overflow for us; HTTP.jl caps
  chunks at 2**31 - 1. ``Limits.max_body`` is our bound on the content.
* 97 — the fixture ``Transfer-Encoding: identity`` + ``Content-Length`` is refused: ``identity``
  is no longer a transfer coding, and a request whose final coding is not chunked is a 400
  (RFC 9112 §6.3 rule 4, a MUST).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from wirehttp_parser import (
    HTTP_1_0,
    HTTP_1_1,
    NEED_DATA,
    Data,
    EndOfMessage,
    Event,
    HTTPVersion,
    IncompleteMessage,
    InvalidChunk,
    InvalidContentLength,
    InvalidFraming,
    InvalidHeaderField,
    InvalidRequestLine,
    ParseError,
    RequestHead,
    RequestParser,
    ResponseHead,
    ResponseParser,
    Signal,
)


def events(
    raw: bytes, *, strict: bool = False, response: bool = False, method: str = "GET",
    eof: bool = False,
) -> list[Event | Signal]:  # fmt: skip
    parser: RequestParser | ResponseParser
    if response:
        parser = ResponseParser(strict=strict)
        parser.expect(method)
    else:
        parser = RequestParser(strict=strict)
    parser.feed(raw)
    if eof:
        parser.feed_eof()
    out: list[Event | Signal] = []
    while True:
        event = parser.next_event()
        out.append(event)
        if isinstance(event, Signal):
            return out


def body(evs: list[Event | Signal]) -> bytes:
    return b"".join(e.data for e in evs if isinstance(e, Data))


def fails(
    raw: bytes, error: type[ParseError] = ParseError, *, strict: bool = False,
    response: bool = False, eof: bool = False,
) -> ParseError:  # fmt: skip
    with pytest.raises(error) as info:
        events(raw, strict=strict, response=response, eof=eof)
    return info.value


# -- 97: every fixture of the nodejs http-parser suite parses ---------------------------------


@dataclass
class Fixture:
    raw: bytes
    first: tuple[str, str] | tuple[int, str]  # (method, target) or (status, reason)
    headers: list[tuple[str, str]] = field(default_factory=list)
    content: bytes = b""
    version: HTTPVersion = HTTP_1_1
    keep_alive: bool = True


REQUEST_FIXTURES = {
    "curl get, no space after a colon": Fixture(
        b"GET /test HTTP/1.1\r\nUser-Agent: curl/7.18.0 (i486-pc-linux-gnu)\r\n"
        b"Host:0.0.0.0=5000\r\nAccept: */*\r\n\r\n",
        ("GET", "/test"),
        [("User-Agent", "curl/7.18.0 (i486-pc-linux-gnu)"), ("Host", "0.0.0.0=5000"),
         ("Accept", "*/*")],
    ),
    "odd name": Fixture(
        b"GET /x HTTP/1.1\r\naaaaaaaaaaaaa:++++++++++\r\n\r\n", ("GET", "/x"),
        [("aaaaaaaaaaaaa", "++++++++++")],
    ),
    "fragment in the target": Fixture(
        b"GET /forums/1/topics/2375?page=1#posts-17408 HTTP/1.1\r\n\r\n",
        ("GET", "/forums/1/topics/2375?page=1#posts-17408"),
    ),
    "funny-case content length on HTTP/1.0": Fixture(
        b"GET /get_funky HTTP/1.0\r\nconTENT-Length: 5\r\n\r\nHELLO", ("GET", "/get_funky"),
        [("conTENT-Length", "5")], b"HELLO", HTTP_1_0, False,
    ),
    "chunked": Fixture(
        b"POST /chunked HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"1e\r\nall your base are belong to us\r\n0\r\n\r\n",
        ("POST", "/chunked"), [("Transfer-Encoding", "chunked")],
        b"all your base are belong to us",
    ),
    "two chunks, triple zero ending": Fixture(
        b"POST /two HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n6\r\n world\r\n000\r\n\r\n",
        ("POST", "/two"), [("Transfer-Encoding", "chunked")], b"hello world",
    ),
    "chunk extensions": Fixture(
        b"POST /ext HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5; ihatew3;whattheheck=aretheseparametersfor\r\nhello\r\n"
        b"6; blahblah; blah\r\n world\r\n0\r\n\r\n",
        ("POST", "/ext"), [("Transfer-Encoding", "chunked")], b"hello world",
    ),
    "quotes in the target": Fixture(
        b'GET /with_"stupid"_quotes?foo="bar" HTTP/1.1\r\n\r\n',
        ("GET", '/with_"stupid"_quotes?foo="bar"'),
    ),
    "apachebench": Fixture(
        b"GET /test HTTP/1.0\r\nHost: 0.0.0.0:5000\r\nUser-Agent: ApacheBench/2.3\r\n"
        b"Accept: */*\r\n\r\n",
        ("GET", "/test"),
        [("Host", "0.0.0.0:5000"), ("User-Agent", "ApacheBench/2.3"), ("Accept", "*/*")],
        version=HTTP_1_0, keep_alive=False,
    ),
    "newline prefix": Fixture(b"\r\nGET /test HTTP/1.1\r\n\r\n", ("GET", "/test")),
    "report method": Fixture(b"REPORT /test HTTP/1.1\r\n\r\n", ("REPORT", "/test")),
    "m-search": Fixture(
        b'M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\n'
        b'ST: "ssdp:all"\r\n\r\n',
        ("M-SEARCH", "*"),
        [("HOST", "239.255.255.250:1900"), ("MAN", '"ssdp:discover"'), ("ST", '"ssdp:all"')],
    ),
    "absolute form with a query": Fixture(
        b"GET http://hypnotoad.org:1234?hail=all HTTP/1.1\r\n\r\n",
        ("GET", "http://hypnotoad.org:1234?hail=all"),
    ),
    "absolute form with userinfo": Fixture(
        b"GET http://a%12:b!&*$@hypnotoad.org:1234/toto HTTP/1.1\r\n\r\n",
        ("GET", "http://a%12:b!&*$@hypnotoad.org:1234/toto"),
    ),
    "patch": Fixture(
        b'PATCH /file.txt HTTP/1.1\r\nHost: www.example.com\r\nIf-Match: "e0023aa4e"\r\n'
        b"Content-Length: 10\r\n\r\ncccccccccc",
        ("PATCH", "/file.txt"),
        [("Host", "www.example.com"), ("If-Match", '"e0023aa4e"'), ("Content-Length", "10")],
        b"cccccccccc",
    ),
    "utf-8 path": Fixture(
        "GET /δ¶/δt/pope?q=1#narf HTTP/1.1\r\nHost: github.com\r\n\r\n".encode(),
        ("GET", "/δ¶/δt/pope?q=1#narf"), [("Host", "github.com")],
    ),
    "purge": Fixture(b"PURGE /file.txt HTTP/1.1\r\nHost: a\r\n\r\n", ("PURGE", "/file.txt"),
                     [("Host", "a")]),
    "two link fields": Fixture(
        b'LINK /images/my_dog.jpg HTTP/1.1\r\nHost: example.com\r\n'
        b'Link: <http://example.com/profiles/joe>; rel="tag"\r\n'
        b'Link: <http://example.com/profiles/sally>; rel="tag"\r\n\r\n',
        ("LINK", "/images/my_dog.jpg"),
        [("Host", "example.com"), ("Link", '<http://example.com/profiles/joe>; rel="tag"'),
         ("Link", '<http://example.com/profiles/sally>; rel="tag"')],
    ),
    "eat CRLF after the body": Fixture(
        b"POST / HTTP/1.1\r\nHost: www.example.com\r\nContent-Length: 4\r\n"
        b"Connection: close\r\n\r\nq=42\r\n",
        ("POST", "/"),
        [("Host", "www.example.com"), ("Content-Length", "4"), ("Connection", "close")],
        b"q=42", keep_alive=False,
    ),
    "line folding": Fixture(
        b"GET / HTTP/1.1\r\nLine1:   abc\r\n\tdef\r\n ghi\r\n\t\tjkl\r\n  mno \r\n\t \tqrs\r\n"
        b"Line2: \t line2\t\r\nLine3:\r\n line3\r\nLine4: \r\n \r\nConnection:\r\n close\r\n\r\n",
        ("GET", "/"),
        [("Line1", "abc def ghi jkl mno qrs"), ("Line2", "line2"), ("Line3", "line3"),
         ("Line4", ""), ("Connection", "close")],
        keep_alive=False,
    ),
}  # fmt: skip

RESPONSE_FIXTURES = {
    "google 301": Fixture(
        b"HTTP/1.1 301 Moved Permanently\r\nLocation: http://www.google.com/\r\n"
        b"X-$PrototypeBI-Version: 1.6.0.3\r\nContent-Length:  5  \r\n\r\n<HTML",
        (301, "Moved Permanently"),
        [("Location", "http://www.google.com/"), ("X-$PrototypeBI-Version", "1.6.0.3"),
         ("Content-Length", "5")],
        b"<HTML",
    ),
    "404 without fields, read to the close": Fixture(
        b"HTTP/1.1 404 Not Found\r\n\r\n", (404, "Not Found"), keep_alive=False,
    ),
    "301 without a reason": Fixture(b"HTTP/1.1 301\r\n\r\n", (301, ""), keep_alive=False),
    "trailing spaces after chunk sizes": Fixture(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n25  \r\n"
        b"This is the data in the first chunk\r\n\r\n1C\r\nand this is the second one\r\n"
        b"\r\n0  \r\n\r\n",
        (200, "OK"), [("Transfer-Encoding", "chunked")],
        b"This is the data in the first chunk\r\nand this is the second one\r\n",
    ),
    "underscore in a name": Fixture(
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nDCLK_imp: v7;x;114750856;0-0;;~cs=o\r\n\r\n",
        (200, "OK"), [("Content-Length", "0"), ("DCLK_imp", "v7;x;114750856;0-0;;~cs=o")],
    ),
    "HTTP/1.0 keep-alive with an empty value": Fixture(
        b"HTTP/1.0 301 Moved Permanently\r\nPragma: \r\nContent-Length: 0\r\n"
        b"Connection: keep-alive\r\n\r\n",
        (301, "Moved Permanently"),
        [("Pragma", ""), ("Content-Length", "0"), ("Connection", "keep-alive")],
        version=HTTP_1_0,
    ),
    "names starting with . and _": Fixture(
        b"HTTP/1.1 200 OK\r\n.et-Cookie: PlaxoCS=1; path=/\r\n_eep-Alive: timeout=45\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n",
        (200, "OK"),
        [(".et-Cookie", "PlaxoCS=1; path=/"), ("_eep-Alive", "timeout=45"),
         ("Transfer-Encoding", "chunked"), ("Connection", "close")],
        keep_alive=False,
    ),
    "non-ASCII reason": Fixture(
        "HTTP/1.1 500 Oriëntatieprobleem\r\nContent-Length: 0\r\n\r\n".encode(),
        (500, "Oriëntatieprobleem"), [("Content-Length", "0")],
    ),
    "HTTP/0.9 status line": Fixture(
        b"HTTP/0.9 200 OK\r\n\r\n", (200, "OK"), version=HTTPVersion(0, 9), keep_alive=False,
    ),
    "bare LF chunk data": Fixture(
        b"HTTP/1.1 301 MovedPermanently\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n\n\r\n0\r\n\r\n",
        (301, "MovedPermanently"), [("Transfer-Encoding", "chunked")], b"\n",
    ),
    "Content-Length-X is not Content-Length": Fixture(
        b"HTTP/1.1 200 OK\r\nContent-Length-X: 0\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"2\r\nOK\r\n0\r\n\r\n",
        (200, "OK"), [("Content-Length-X", "0"), ("Transfer-Encoding", "chunked")], b"OK",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", REQUEST_FIXTURES)
def test_httpjl_097_request_fixtures_parse(name: str) -> None:
    fx = REQUEST_FIXTURES[name]
    evs = events(fx.raw, eof=True)
    head = evs[0]
    assert isinstance(head, RequestHead)
    assert (head.method, head.target) == fx.first
    assert head.headers.items() == fx.headers
    assert (head.version, head.keep_alive) == (fx.version, fx.keep_alive)
    assert body(evs) == fx.content


@pytest.mark.parametrize("name", RESPONSE_FIXTURES)
def test_httpjl_097_response_fixtures_parse(name: str) -> None:
    fx = RESPONSE_FIXTURES[name]
    evs = events(fx.raw, response=True, eof=True)
    head = evs[0]
    assert isinstance(head, ResponseHead)
    assert (head.status, head.reason) == fx.first
    assert head.headers.items() == fx.headers
    assert (head.version, head.keep_alive) == (fx.version, fx.keep_alive)
    assert body(evs) == fx.content


def test_httpjl_097_diverges_on_transfer_encoding_identity() -> None:
    fails(b"POST /p HTTP/1.1\r\nTransfer-Encoding: identity\r\nContent-Length: 5\r\n\r\nWorld",
          InvalidFraming)  # fmt: skip


# -- 98–119 ----------------------------------------------------------------------------------


def test_httpjl_098_absolute_form_kept_verbatim() -> None:
    raw = (
        b"GET http://www.techcrunch.com/ HTTP/1.1\r\nHost: www.techcrunch.com\r\n"
        b"User-Agent: Fake\r\nAccept: text/html\r\nAccept-Language: en-us,en;q=0.5\r\n"
        b"Accept-Encoding: gzip,deflate\r\nAccept-Charset: ISO-8859-1,utf-8;q=0.7,*;q=0.7\r\n"
        b"Keep-Alive: 300\r\nContent-Length: 7\r\nProxy-Connection: keep-alive\r\n\r\n1234567"
    )
    for strict in (True, False):
        evs = events(raw, strict=strict)
        head = evs[0]
        assert isinstance(head, RequestHead)
        assert head.target == "http://www.techcrunch.com/"
        assert len(head.headers) == 9
        assert body(evs) == b"1234567"


def test_httpjl_099_double_slash_target_is_a_path() -> None:
    head = events(b"GET //user@host/is/actually/a/path/ HTTP/1.1\r\nHost: a\r\n\r\n", strict=True)[0]
    assert isinstance(head, RequestHead)
    assert head.target == "//user@host/is/actually/a/path/"


def test_httpjl_100_missing_target() -> None:
    for strict in (True, False):
        fails(b"GET  HTTP/1.1\r\nHost: a\r\n\r\n", InvalidRequestLine, strict=strict)


def test_httpjl_101_target_starting_with_a_dot() -> None:
    for strict in (True, False):
        fails(b"GET ../../../../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n", InvalidRequestLine,
              strict=strict)  # fmt: skip


def test_httpjl_102_diverges_trailers_are_kept_apart() -> None:
    evs = events(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nfoo\r\n3\r\nbar\r\n0\r\nTrailer-Key: Trailer-Value\r\n\r\n",
        strict=True,
    )
    head, end = evs[0], evs[-2]
    assert body(evs) == b"foobar"
    assert isinstance(head, RequestHead) and isinstance(end, EndOfMessage)
    assert end.trailers.items() == [("Trailer-Key", "Trailer-Value")]
    assert "Trailer-Key" not in head.headers


@pytest.mark.parametrize(
    ("raw", "strict"),
    [(b"CONNECT www.google.com:443 HTTP/1.1\r\nHost: www.google.com:443\r\n\r\n", True),
     (b"CONNECT 127.0.0.1:6060 HTTP/1.1\r\nHost: 127.0.0.1:6060\r\n\r\n", True),
     (b"CONNECT /_goRPC_ HTTP/1.1\r\nHost: a\r\n\r\n", False),
     (b"NOTIFY * HTTP/1.1\r\nServer: foo\r\n\r\n", False),
     (b"OPTIONS * HTTP/1.1\r\nServer: foo\r\nHost: a\r\n\r\n", True)],
)  # fmt: skip
def test_httpjl_103_connect_and_asterisk_targets(raw: bytes, strict: bool) -> None:
    assert isinstance(events(raw, strict=strict)[0], RequestHead)


def test_httpjl_104_head_with_content_length_zero_and_close() -> None:
    evs = events(b"HEAD / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                 strict=True)  # fmt: skip
    head = evs[0]
    assert isinstance(head, RequestHead)
    assert (head.method, head.content_length, head.keep_alive) == ("HEAD", 0, False)


def test_httpjl_105_extra_crlf_after_the_body_is_not_content() -> None:
    parser = RequestParser()
    parser.feed(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 19\r\n\r\n"
                b"param1=1&param2=two\r\n\r\n")  # fmt: skip
    assert [type(e) for e in parser.events()] == [RequestHead, Data, EndOfMessage]
    # One empty line before the next request is ignored (RFC 9112 §2.2); a second is not.
    with pytest.raises(InvalidRequestLine):
        parser.events()


def test_httpjl_106_utf8_value_preserved() -> None:
    head = events("GET / HTTP/1.1\r\nHost: a\r\nCity: Düsseldorf\r\n\r\n".encode(), strict=True)[0]
    assert isinstance(head, RequestHead)
    assert head.headers["city"] == "Düsseldorf"


@pytest.mark.parametrize("method", ["M-SEARCH", "FOOMETHOD", "C******", "PROPPATCHA", "PX", "get"])
def test_httpjl_107_token_methods_as_written(method: str) -> None:
    head = events(f"{method} / HTTP/1.1\r\nHost: a\r\n\r\n".encode(), strict=True)[0]
    assert isinstance(head, RequestHead)
    assert head.method == method


def test_httpjl_108_folded_certificate_is_one_field() -> None:
    lines = ["-----BEGIN CERTIFICATE-----", "MIIFbTCCBFWgAwIBAgICH4cwDQYJKoZIhvcNAQEFBQAwcDELMAkGA1UEBhMCVUsx",
             "ETAPBgNVBAoTCGVTY2llbmNlMRIwEAYDVQQLEwlBdXRob3JpdHkxCzAJBgNVBAMT", "-----END CERTIFICATE-----"]  # fmt: skip
    raw = ("GET / HTTP/1.1\r\nHost: a\r\nX-SSL-Bullshit:   " + "\r\n\t".join(lines) + "\r\n\r\n")
    head = events(raw.encode())[0]
    assert isinstance(head, RequestHead)
    assert head.headers.items() == [("Host", "a"), ("X-SSL-Bullshit", " ".join(lines))]
    fails(raw.encode(), InvalidHeaderField, strict=True)


def test_httpjl_109_control_bytes_in_a_name() -> None:
    for strict in (True, False):
        fails(b"GET / HTTP/1.1\r\nHost: a\r\nConnection\r\x1b\x35\xd5eep-Alive\r\n\r\n",
              InvalidHeaderField, strict=strict)  # fmt: skip


def test_httpjl_110_no_content_length_means_an_empty_body() -> None:
    evs = events(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nHELLO", strict=True)
    assert body(evs) == b""
    assert evs[1:] == [EndOfMessage(), NEED_DATA]


def test_httpjl_111_huge_lengths_are_accepted_at_the_head() -> None:
    head = events(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1844674407370955160\r\n\r\n",
                  strict=True)[0]  # fmt: skip
    assert isinstance(head, RequestHead)
    assert head.content_length == 1844674407370955160
    evs = events(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                 b"FFFFFFFFFFFFFFF\r\n", strict=True)  # fmt: skip
    assert isinstance(evs[0], RequestHead) and evs[-1] is NEED_DATA


def test_httpjl_112_differing_content_lengths() -> None:
    cl = b"Content-Length: 0\r\nContent-Length: 1\r\n\r\n"
    for strict in (True, False):
        fails(b"GET / HTTP/1.1\r\nHost: a\r\n" + cl, InvalidContentLength, strict=strict)
        fails(b"HTTP/1.1 200 OK\r\n" + cl, InvalidContentLength, strict=strict, response=True)


def test_httpjl_113_diverges_chunked_with_content_length() -> None:
    raw = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n"
    fails(raw, InvalidFraming, strict=True)
    # lenient: chunked framing wins, as in HTTP.jl; the body never comes, so EOF is an error
    # (HTTP.jl's EOFError), and the connection would be closed after it.
    evs = events(raw)
    head = evs[0]
    assert isinstance(head, RequestHead)
    assert (head.chunked, head.keep_alive) == (True, False)
    fails(raw, IncompleteMessage, eof=True)


def test_httpjl_114_bare_lf_then_an_incomplete_head() -> None:
    raw = b"GET / HTTP/1.1\r\nHost: a\nX-Incomplete: "
    fails(raw, InvalidHeaderField, strict=True)  # strict: the bare LF is the error, at once
    fails(raw, IncompleteMessage, eof=True)  # lenient: a line end, then EOF mid-head


@pytest.mark.parametrize("line", [b"GET / HTP/1.1", b"HTTP/1.1 / HTTP/1.1", b"hello world / HTTP/1.1"])
def test_httpjl_115_invalid_request_lines(line: bytes) -> None:
    for strict in (True, False):
        err = fails(line + b"\r\nHost: a\r\n\r\n", InvalidRequestLine, strict=strict)
        assert err.code == "INVALID_REQUEST_LINE"


@pytest.mark.parametrize(
    "fields",
    [b"Fo@: Failure", b"Foo\x01\r\nFoo: Bar", b"Foo: 1\rBar: 1", b"Foo", b"Foo\r\n : Bar"],
)
def test_httpjl_116_invalid_header_fields(fields: bytes) -> None:
    for strict in (True, False):
        err = fails(b"GET / HTTP/1.1\r\nHost: a\r\n" + fields + b"\r\n\r\n", InvalidHeaderField,
                    strict=strict)  # fmt: skip
        assert err.code == "INVALID_HEADER_FIELD"
        fails(b"HTTP/1.1 200 OK\r\n" + fields + b"\r\n\r\n", InvalidHeaderField, strict=strict,
              response=True)  # fmt: skip


@pytest.mark.parametrize("value", [b"Foo\x01", b"Foo\x01\x02"])
def test_httpjl_117_control_bytes_in_values_when_lenient(value: bytes) -> None:
    raw = b"GET / HTTP/1.1\r\nHost: a\r\nFoo: " + value + b"\r\n\r\n"
    head = events(raw)[0]
    assert isinstance(head, RequestHead)
    assert head.headers.getall("Foo") == [value.decode()]
    fails(raw, InvalidHeaderField, strict=True)


def test_httpjl_118_latin1_head_is_decoded_as_latin1() -> None:
    link = b"<http://example.com/Bogot\xed>; rel=\"canonical\", " * 20
    head = events(b"HTTP/1.1 200 OK\r\nlink: " + link + b"\r\nContent-Length: 0\r\n\r\n",
                  strict=True, response=True)[0]  # fmt: skip
    assert isinstance(head, ResponseHead)
    assert "Bogotí" in head.headers["link"]


def test_httpjl_119_diverges_chunk_size_limits() -> None:
    head = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
    # 2**60 - 1 fits in 63 bits: not an overflow (HTTP.jl caps chunks at 2**31 - 1)
    assert events(head + b"FFFFFFFFFFFFFFF\r\n", strict=True)[-1] is NEED_DATA
    for strict in (True, False):
        fails(head + b"10000000000000000\r\n", InvalidChunk, strict=strict)
