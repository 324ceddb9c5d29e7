"""Lenient mode (``strict=False``): what it accepts from broken peers, and the rules it keeps
because relaxing them would open request smuggling."""

from __future__ import annotations

import pytest

from wirehttp_parser import (
    HTTP_1_1,
    PAUSED,
    Data,
    EndOfMessage,
    Event,
    HTTPVersion,
    InvalidChunk,
    InvalidContentLength,
    InvalidFraming,
    InvalidHeaderField,
    InvalidHost,
    ParseError,
    RequestHead,
    RequestParser,
    ResponseHead,
    ResponseParser,
    Signal,
    UnsupportedTransferCoding,
    UnsupportedVersion,
)


def lenient(raw: bytes, *, response: bool = False, eof: bool = False) -> list[Event | Signal]:
    parser = ResponseParser(strict=False) if response else RequestParser(strict=False)
    parser.feed(raw)
    if eof:
        parser.feed_eof()
    out: list[Event | Signal] = []
    while True:
        event = parser.next_event()
        out.append(event)
        if isinstance(event, Signal):
            return out


def strict_error(raw: bytes, *, response: bool = False) -> ParseError:
    parser = ResponseParser() if response else RequestParser()
    parser.feed(raw)
    with pytest.raises(ParseError) as info:
        while not isinstance(parser.next_event(), Signal):
            pass
    return info.value


def request(events: list[Event | Signal]) -> RequestHead:
    assert isinstance(events[0], RequestHead)
    return events[0]


def response(events: list[Event | Signal]) -> ResponseHead:
    assert isinstance(events[0], ResponseHead)
    return events[0]


def test_bare_lf_line_ends() -> None:
    # RFC 9112 §2.2: a recipient MAY take a bare LF as a line end.
    raw = b"GET / HTTP/1.1\nHost: a\nX: 1\n\nGET /2 HTTP/1.1\r\nHost: a\n\r\n"
    events = lenient(raw)
    assert request(events).headers.items() == [("Host", "a"), ("X", "1")]
    assert [e.target for e in events if isinstance(e, RequestHead)] == ["/", "/2"]
    strict_error(raw)


def test_obs_fold_is_replaced_by_one_space() -> None:
    # RFC 9112 §5.2: replace each obs-fold with SP; leading and trailing OWS go.
    raw = (
        b"GET / HTTP/1.1\r\nHost: a\r\nLine1:   abc\r\n\tdef\r\n ghi\r\n\t\tjkl\r\n"
        b"Line3:\r\n line3\r\nConnection: keep-alive,\r\n close\r\n\r\n"
    )
    head = request(lenient(raw))
    assert head.headers.items() == [
        ("Host", "a"),
        ("Line1", "abc def ghi jkl"),
        ("Line3", "line3"),
        ("Connection", "keep-alive, close"),
    ]
    assert head.keep_alive is False  # the folded value is what framing sees


def test_control_characters_in_values() -> None:
    # HTTP.jl's test 117: \x01 and \x02 in values are accepted when not strict.
    head = request(lenient(b"GET / HTTP/1.1\r\nHost: a\r\nX: 1\x01\x02\x7f\r\n\r\n"))
    assert head.headers["X"] == "1\x01\x02\x7f"


def test_content_length_with_transfer_encoding_uses_chunked_and_closes() -> None:
    # RFC 9112 §6.1/§6.3 rule 3: TE wins, and the connection must close afterwards.
    raw = (
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nabc\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
    )
    events = lenient(raw)
    head = request(events)
    assert (head.chunked, head.content_length, head.keep_alive) == (True, None, False)
    assert events[1:] == [Data(b"abc"), EndOfMessage(), PAUSED]


def test_missing_host() -> None:
    assert request(lenient(b"GET / HTTP/1.1\r\n\r\n")).version == HTTP_1_1


@pytest.mark.parametrize(
    "raw",
    [b"NOTIFY * HTTP/1.1\r\nHost: a\r\n\r\n",
     b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n\r\n",
     b"CONNECT /_goRPC_ HTTP/1.1\r\nHost: a\r\n\r\n",
     "GET /δ¶/δt/pope?q=1#narf HTTP/1.1\r\nHost: github.com\r\n\r\n".encode(),
     b"GET  /  HTTP/1.1\r\nHost: a\r\n\r\n"],
)  # fmt: skip
def test_request_lines(raw: bytes) -> None:
    assert isinstance(lenient(raw)[0], RequestHead)
    strict_error(raw)


@pytest.mark.parametrize(
    ("line", "status", "reason"),
    [(b" HTTP/1.1 200 OK", 200, "OK"),  # HTTP.jl #190: one leading space
     (b"HTTP/1.1 999 Custom", 999, "Custom")],
)  # fmt: skip
def test_status_lines(line: bytes, status: int, reason: str) -> None:
    head = response(lenient(line + b"\r\nContent-Length: 0\r\n\r\n", response=True))
    assert (head.status, head.reason) == (status, reason)
    strict_error(line + b"\r\nContent-Length: 0\r\n\r\n", response=True)


@pytest.mark.parametrize(("line", "version"), [(b"HTTP/0.9", HTTPVersion(0, 9)),
                                               (b"HTTP/1.2", HTTPVersion(1, 2))])
def test_response_versions(line: bytes, version: HTTPVersion) -> None:
    head = response(lenient(line + b" 200 OK\r\nContent-Length: 0\r\n\r\n", response=True))
    assert head.version == version
    assert head.keep_alive is (version >= HTTP_1_1)


def test_http_2_response_is_still_refused() -> None:
    with pytest.raises(UnsupportedVersion):
        lenient(b"HTTP/2.0 200 OK\r\n\r\n", response=True)


def test_bare_lf_response_without_length() -> None:
    events = lenient(
        b"HTTP/1.1 200 OK\nContent-Type: text/html; charset=utf-8\nConnection: close\n\n"
        b"these headers are from http://news.ycombinator.com/",
        response=True,
        eof=True,
    )
    assert b"".join(e.data for e in events if isinstance(e, Data)).startswith(b"these headers")


# -- what lenient mode still refuses ---------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        # RFC 9112 §5.1: whitespace before the colon is a MUST-reject in every mode.
        (b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length : 2\r\n\r\n", InvalidHeaderField),
        # bare CR (HTTP.jl's test 116, in its lenient mode too)
        (b"GET / HTTP/1.1\r\nHost: a\r\nFoo: 1\rBar: 1\r\n\r\n", InvalidHeaderField),
        # NUL in a value (RFC 9110 §5.5)
        (b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", InvalidHeaderField),
        # a folded line right after the request line (RFC 9112 §2.2)
        (b"GET / HTTP/1.1\r\n X: a\r\nHost: a\r\n\r\n", InvalidHeaderField),
        # names are tokens
        (b"GET / HTTP/1.1\r\nHost: a\r\nFo@: x\r\n\r\n", InvalidHeaderField),
        # differing lengths (RFC 9112 §6.3 rule 5)
        (b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
         InvalidContentLength),
        # a request TE not ending in chunked (§6.3 rule 4 is a MUST) or chunked twice
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", InvalidFraming),
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
         InvalidFraming),
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: foo, chunked\r\n\r\n",
         UnsupportedTransferCoding),
        # two Hosts, a bad Host
        (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", InvalidHost),
        (b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", InvalidHost),
        # the chunked framing's CRLFs (errata 7633) and its sizes
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n",
         InvalidChunk),
        (b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n",
         InvalidChunk),
    ],
)
def test_still_rejected(raw: bytes, error: type[ParseError]) -> None:
    parser = RequestParser(strict=False)
    parser.feed(raw)
    with pytest.raises(error):
        while not isinstance(parser.next_event(), Signal):
            pass
