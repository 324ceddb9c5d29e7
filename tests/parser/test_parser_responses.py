"""ResponseParser: the client side — bodies framed by the request method and the status,
interim responses, tunnels and upgrades, close-delimited bodies, the status line."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from wirehttp_parser import (
    CLOSED,
    HTTP_1_0,
    HTTP_1_1,
    NEED_DATA,
    PAUSED,
    Data,
    EndOfMessage,
    Event,
    Headers,
    IncompleteMessage,
    InvalidFraming,
    InvalidStatusLine,
    Limits,
    ResponseHead,
    ResponseParser,
    Signal,
    UnsupportedVersion,
)


def run(parser: ResponseParser, data: bytes = b"", *, eof: bool = False) -> list[Event | Signal]:
    parser.feed(data)
    if eof:
        parser.feed_eof()
    out: list[Event | Signal] = []
    while True:
        event = parser.next_event()
        out.append(event)
        if isinstance(event, Signal):
            return out


def heads(events: Sequence[Event | Signal]) -> list[ResponseHead]:
    return [e for e in events if isinstance(e, ResponseHead)]


def body_of(events: Sequence[Event | Signal]) -> bytes:
    return b"".join(e.data for e in events if isinstance(e, Data))


def test_content_length_response() -> None:
    events = run(ResponseParser(), b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, world!")
    assert events == [
        ResponseHead(200, "OK", HTTP_1_1, Headers([("Content-Length", "13")]), 13, False, True),
        Data(b"Hello, world!"),
        EndOfMessage(),
        NEED_DATA,
    ]


def test_chunked_response() -> None:
    raw = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"7\r\nMozilla\r\n11\r\nDeveloper Network\r\n0\r\nExpires: never\r\n\r\n"
    )
    events = run(ResponseParser(), raw)
    assert heads(events)[0].chunked
    assert body_of(events) == b"MozillaDeveloper Network"
    end = events[-2]
    assert isinstance(end, EndOfMessage)
    assert end.trailers["expires"] == "never"


def test_body_delimited_by_the_close() -> None:
    # RFC 9112 §6.3 rule 7: neither Content-Length nor Transfer-Encoding.
    p = ResponseParser()
    events = run(p, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhello ")
    head = heads(events)[0]
    assert (head.content_length, head.chunked, head.keep_alive) == (None, False, False)
    assert run(p, b"world") == [Data(b"world"), NEED_DATA]
    assert run(p, eof=True) == [EndOfMessage(), CLOSED]
    assert p.keep_alive is False


def test_close_delimited_empty_body() -> None:
    events = run(ResponseParser(), b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", eof=True)
    assert events[1:] == [EndOfMessage(), CLOSED]


@pytest.mark.parametrize("status", [204, 304])
def test_no_content_statuses_ignore_framing_fields(status: int) -> None:
    # RFC 9112 §6.3 rule 1 (HTTP.jl 2.x V19: a 204 with Content-Length: 5 has no body).
    p = ResponseParser()
    raw = b"HTTP/1.1 %d X\r\nContent-Length: 5\r\n\r\n" % status
    events = run(p, raw + b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    assert [h.status for h in heads(events)] == [status, 200]
    assert heads(events)[0].content_length == 0
    assert body_of(events) == b"ok"


def test_head_response_has_no_body_and_queued_methods_apply_in_order() -> None:
    p = ResponseParser()
    p.expect("HEAD")
    p.expect("GET")
    events = run(
        p,
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
    )
    assert [h.content_length for h in heads(events)] == [0, 3]
    assert body_of(events) == b"abc"
    assert [type(e) for e in events] == [
        ResponseHead, EndOfMessage, ResponseHead, Data, EndOfMessage, Signal,
    ]  # fmt: skip


def test_interim_responses_come_before_the_final_one() -> None:
    p = ResponseParser()
    p.expect("HEAD")
    events = run(
        p,
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n",
    )
    hs = heads(events)
    assert [(h.status, h.informational) for h in hs] == [(100, True), (103, True), (200, False)]
    assert hs[1].headers["link"] == "</style.css>; rel=preload"
    # the interim responses did not use up the queued HEAD: the final one has no body
    assert events[3:] == [EndOfMessage(), NEED_DATA]


def test_switching_protocols_pauses() -> None:
    p = ResponseParser()
    events = run(
        p,
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"\r\n\x81\x02hi",
    )
    head = heads(events)[0]
    assert (head.upgrade, head.informational) == ("websocket", False)
    assert events[1:] == [EndOfMessage(), PAUSED]
    assert p.trailing_data == b"\x81\x02hi"


def test_connect_success_is_a_tunnel_and_failure_is_a_response() -> None:
    p = ResponseParser()
    p.expect("CONNECT")
    events = run(p, b"HTTP/1.1 200 Connection established\r\nContent-Length: 99\r\n\r\n\x16\x03")
    assert events[1:] == [EndOfMessage(), PAUSED]
    assert p.trailing_data == b"\x16\x03"

    p = ResponseParser()
    p.expect("CONNECT")
    events = run(p, b"HTTP/1.1 407 Proxy Auth\r\nContent-Length: 4\r\n\r\ndeny")
    assert body_of(events) == b"deny"
    assert events[-1] is NEED_DATA


def test_response_after_which_the_connection_closes_pauses() -> None:
    p = ResponseParser()
    events = run(p, b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nokjunk")
    assert events[1:] == [Data(b"ok"), EndOfMessage(), PAUSED]
    assert p.trailing_data == b"junk"


@pytest.mark.parametrize(
    ("raw", "keep_alive"),
    [
        (b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", False),
        (b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", True),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", True),
        (b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n", False),
    ],
)
def test_response_keep_alive(raw: bytes, keep_alive: bool) -> None:
    assert heads(run(ResponseParser(), raw))[0].keep_alive is keep_alive


def test_transfer_coding_not_ending_in_chunked_reads_until_close() -> None:
    # RFC 9112 §6.3 rule 4 for responses; the gzip coding stays on the content.
    p = ResponseParser()
    events = run(p, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n\x1f\x8b", eof=True)
    head = heads(events)[0]
    assert (head.chunked, head.content_length, head.keep_alive) == (False, None, False)
    assert body_of(events) == b"\x1f\x8b"
    assert events[-2:] == [EndOfMessage(), CLOSED]


def test_chunked_in_http_1_0_response_closes_the_connection() -> None:
    # RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing: close.
    events = run(
        ResponseParser(), b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    )
    assert heads(events)[0].keep_alive is False
    assert events[-1] is PAUSED


def test_response_with_content_length_and_transfer_encoding_is_rejected() -> None:
    with pytest.raises(InvalidFraming):
        run(ResponseParser(),
            b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")  # fmt: skip


@pytest.mark.parametrize(
    ("line", "status", "reason"),
    [
        (b"HTTP/1.1 200 OK", 200, "OK"),
        (b"HTTP/1.1 200 ", 200, ""),
        (b"HTTP/1.0 404 Not Found", 404, "Not Found"),
        (b"HTTP/1.1 500 Ori\xc3\xabntatieprobleem", 500, "Oriëntatieprobleem"),
        (b"HTTP/1.1 299 Custom\tStatus  ", 299, "Custom\tStatus  "),
        (b"HTTP/1.1 599  double space", 599, " double space"),
    ],
)
def test_status_lines(line: bytes, status: int, reason: str) -> None:
    head = heads(run(ResponseParser(), line + b"\r\nContent-Length: 0\r\n\r\n"))[0]
    assert (head.status, head.reason) == (status, reason)


@pytest.mark.parametrize(
    "line",
    [b"HTTP/1.1 200OK", b"HTTP/1.1 20 OK", b"HTTP/1.1 2000 OK", b"HTTP/1.1 600 Too High",
     b"HTTP/1.1 099 Low", b"HTTP/1.1  200 OK", b"HTTP/1.1 2x0 OK", b"HTTP/11 200 OK",
     b"http/1.1 200 OK", b"ICY 200 OK", b" HTTP/1.1 200 OK", b"HTTP/1.1 200 O\x01K"],
)  # fmt: skip
def test_bad_status_lines(line: bytes) -> None:
    with pytest.raises(InvalidStatusLine):
        run(ResponseParser(), line + b"\r\nContent-Length: 0\r\n\r\n")


@pytest.mark.parametrize("line", [b"HTTP/2.0 200 OK", b"HTTP/0.9 200 OK", b"HTTP/1.2 200 OK"])
def test_unsupported_response_versions(line: bytes) -> None:
    with pytest.raises(UnsupportedVersion) as info:
        run(ResponseParser(), line + b"\r\n\r\n")
    assert info.value.data == line[:8]


def test_status_line_limit_counts_bytes() -> None:
    line = "HTTP/1.1 200 ".encode() + "é".encode() * 10  # 13 + 20 bytes, 23 characters
    p = ResponseParser(limits=Limits(max_start_line=30))
    p.feed(line + b"\r\nContent-Length: 0\r\n\r\n")
    with pytest.raises(InvalidStatusLine):
        p.next_event()
    p = ResponseParser(limits=Limits(max_start_line=33))
    p.feed(line + b"\r\nContent-Length: 0\r\n\r\n")
    assert heads(p.events())[0].reason == "é" * 10


def test_eof_mid_response() -> None:
    with pytest.raises(IncompleteMessage):
        run(ResponseParser(), b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", eof=True)
    with pytest.raises(IncompleteMessage):
        run(ResponseParser(), b"HTTP/1.1 200 OK\r\nContent", eof=True)


def test_http_1_0_response_version() -> None:
    head = heads(run(ResponseParser(), b"HTTP/1.0 200 OK\r\n\r\n", eof=True))[0]
    assert head.version == HTTP_1_0


def test_status_line_without_the_space_before_an_empty_reason_is_accepted() -> None:
    """Real servers send "HTTP/1.1 200" with no SP; h11, llhttp and curl accept it, and it
    cannot change framing, so strict mode accepts it too (the reason is empty)."""
    from wirehttp_parser import Response

    resp = Response.parse(b"HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok")
    assert (resp.status, resp.reason, resp.body) == (200, "", b"ok")
