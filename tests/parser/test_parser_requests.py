"""RequestParser: the server side of the sans-I/O parser — framing, keep-alive, pipelining,
pauses for upgrades and CONNECT, the end of input, limits."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from wirehttp_parser import (
    CLOSED,
    HTTP_1_0,
    HTTP_1_1,
    NEED_DATA,
    PAUSED,
    BodyTooLarge,
    Data,
    EndOfMessage,
    Event,
    HeaderTooLarge,
    Headers,
    IncompleteMessage,
    InvalidHeaderField,
    Limits,
    ParseError,
    RequestHead,
    RequestLineTooLong,
    RequestParser,
    Signal,
)


def run(parser: RequestParser, data: bytes = b"", *, eof: bool = False) -> list[Event | Signal]:
    """Feed ``data`` (and the end of input) and collect events up to the first signal."""
    parser.feed(data)
    if eof:
        parser.feed_eof()
    out: list[Event | Signal] = []
    while True:
        event = parser.next_event()
        out.append(event)
        if isinstance(event, Signal):
            return out


def head_of(events: Sequence[Event | Signal]) -> RequestHead:
    head = events[0]
    assert isinstance(head, RequestHead)
    return head


def body_of(events: Sequence[Event | Signal]) -> bytes:
    return b"".join(e.data for e in events if isinstance(e, Data))


def test_simple_get() -> None:
    events = run(RequestParser(), b"GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n")
    assert events == [
        RequestHead(
            "GET", "/index.html?q=1", HTTP_1_1, Headers([("Host", "example.com")]), 0, False, True
        ),
        EndOfMessage(),
        NEED_DATA,
    ]


def test_head_fields_keep_raw_case_order_and_strip_ows() -> None:
    raw = (
        b"GET / HTTP/1.1\r\nhOsT: a\r\nX-Multi: 1\r\nx-multi:2\r\nX-Ows: \t v a l \t\r\n"
        b"X-Empty:\r\nX-Empty2: \r\n\r\n"
    )
    head = head_of(run(RequestParser(), raw))
    assert list(head.headers) == [
        ("hOsT", "a"),
        ("X-Multi", "1"),
        ("x-multi", "2"),
        ("X-Ows", "v a l"),
        ("X-Empty", ""),
        ("X-Empty2", ""),
    ]
    assert head.headers.getall("X-MULTI") == ["1", "2"]


def test_content_length_body() -> None:
    events = run(
        RequestParser(), b"POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
    )
    head = head_of(events)
    assert (head.content_length, head.chunked) == (5, False)
    assert events[1:] == [Data(b"hello"), EndOfMessage(), NEED_DATA]


def test_body_arriving_in_pieces() -> None:
    p = RequestParser()
    assert run(p, b"PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nab")[1:] == [
        Data(b"ab"),
        NEED_DATA,
    ]
    assert run(p, b"cd") == [Data(b"cd"), NEED_DATA]
    assert run(p, b"efGET") == [Data(b"ef"), EndOfMessage(), NEED_DATA]


def test_chunked_body_with_trailers() -> None:
    raw = (
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nfoo\r\n3;name=value\r\nbar\r\n0\r\nTrailer-Key: Trailer-Value\r\n\r\n"
    )
    events = run(RequestParser(), raw)
    head = head_of(events)
    assert (head.content_length, head.chunked) == (None, True)
    assert body_of(events) == b"foobar"
    end = events[-2]
    assert isinstance(end, EndOfMessage)
    assert list(end.trailers) == [("Trailer-Key", "Trailer-Value")]


def test_no_content_length_means_no_body() -> None:
    # RFC 9112 §6.3 rule 6; HTTP.jl's test 110: what follows is the next request.
    events = run(RequestParser(), b"GET / HTTP/1.1\r\nHost: a\r\n\r\nHELLO")
    assert events[1:] == [EndOfMessage(), NEED_DATA]


def test_pipelined_requests_come_out_in_order() -> None:
    raw = (
        b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
        b"POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
        b"POST /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"
        b"GET /4 HTTP/1.1\r\nHost: a\r\n\r\n"
    )
    p = RequestParser()
    p.feed(raw)
    events = p.events()
    targets = [e.target for e in events if isinstance(e, RequestHead)]
    assert targets == ["/1", "/2", "/3", "/4"]
    assert [type(e).__name__ for e in events] == [
        "RequestHead", "EndOfMessage",
        "RequestHead", "Data", "EndOfMessage",
        "RequestHead", "Data", "EndOfMessage",
        "RequestHead", "EndOfMessage",
    ]  # fmt: skip
    assert p.next_event() is NEED_DATA


@pytest.mark.parametrize(
    ("version", "connection", "keep_alive"),
    [
        (b"1.1", None, True),
        (b"1.1", b"close", False),
        (b"1.1", b"Keep-Alive, CLOSE", False),
        (b"1.1", b"keep-alive", True),
        (b"1.0", None, False),
        (b"1.0", b"keep-alive", True),
        (b"1.0", b"Keep-Alive", True),
        (b"1.0", b"close, keep-alive", False),
    ],
)
def test_keep_alive(version: bytes, connection: bytes | None, keep_alive: bool) -> None:
    # RFC 9112 §9.3: HTTP/1.1 is persistent unless "close"; HTTP/1.0 only with "keep-alive".
    raw = b"GET / HTTP/" + version + b"\r\nHost: a\r\n"
    if connection is not None:
        raw += b"Connection: " + connection + b"\r\n"
    p = RequestParser()
    events = run(p, raw + b"\r\n")
    assert head_of(events).keep_alive is keep_alive
    assert p.keep_alive is keep_alive
    assert events[-1] is (NEED_DATA if keep_alive else PAUSED)


def test_no_request_is_processed_after_a_close() -> None:
    # RFC 9112 §9.6: after "Connection: close" the server processes no further requests.
    p = RequestParser()
    later = b"GET /evil HTTP/1.1\r\nHost: a\r\n\r\n"
    events = run(p, b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" + later)
    assert events[1:] == [EndOfMessage(), PAUSED]
    assert p.paused
    assert p.trailing_data == later
    assert p.next_event() is PAUSED
    with pytest.raises(RuntimeError):
        p.resume()


def test_upgrade_request_pauses_with_the_new_protocol_in_trailing_data() -> None:
    p = RequestParser()
    events = run(
        p,
        b"GET /chat HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\n"
        b"Upgrade: websocket\r\n\r\n\x81\x05hello",
    )
    assert head_of(events).upgrade == "websocket"
    assert events[1:] == [EndOfMessage(), PAUSED]
    assert p.trailing_data == b"\x81\x05hello"
    p.feed(b"more")
    assert p.trailing_data == b"\x81\x05hellomore"


def test_declined_upgrade_resumes_http() -> None:
    p = RequestParser()
    events = run(
        p,
        b"POST /up HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: h2c\r\n"
        b"Content-Length: 4\r\n\r\nbody"
        b"GET /next HTTP/1.1\r\nHost: a\r\n\r\n",
    )
    assert events[1:] == [Data(b"body"), EndOfMessage(), PAUSED]
    p.resume()
    events = run(p)
    assert head_of(events).target == "/next"
    assert events[1:] == [EndOfMessage(), NEED_DATA]


@pytest.mark.parametrize(
    "raw",
    [
        # Upgrade without the "upgrade" connection option is ignored (RFC 9110 §7.8) …
        b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n",
        # … and so is any Upgrade in an HTTP/1.0 request.
        b"GET / HTTP/1.0\r\nConnection: upgrade, keep-alive\r\nUpgrade: websocket\r\n\r\n",
    ],
)
def test_upgrade_ignored(raw: bytes) -> None:
    events = run(RequestParser(), raw)
    assert head_of(events).upgrade is None
    assert events[-1] is NEED_DATA


def test_connect_pauses_for_the_tunnel() -> None:
    p = RequestParser()
    events = run(
        p, b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03\x01"
    )
    assert head_of(events).target == "example.com:443"
    assert events[1:] == [EndOfMessage(), PAUSED]
    assert p.trailing_data == b"\x16\x03\x01"


@pytest.mark.parametrize(
    ("version", "value", "expected"),
    [(b"1.1", b"100-continue", True), (b"1.1", b"100-Continue", True),
     (b"1.0", b"100-continue", False), (b"1.1", b"something-else", False)],
)  # fmt: skip
def test_expect_continue(version: bytes, value: bytes, expected: bool) -> None:
    # RFC 9110 §10.1.1: a server ignores 100-continue in an HTTP/1.0 request.
    raw = b"PUT / HTTP/" + version + b"\r\nHost: a\r\nExpect: " + value + b"\r\n"
    head = head_of(run(RequestParser(), raw + b"Content-Length: 1\r\n\r\nx"))
    assert head.expect_continue is expected


def test_http_1_0_request_without_host() -> None:
    head = head_of(run(RequestParser(), b"GET / HTTP/1.0\r\n\r\n"))
    assert head.version == HTTP_1_0
    assert head.keep_alive is False


@pytest.mark.parametrize(
    "target",
    [b"/", b"//user@host/is/actually/a/path/", b"/a?b=c&d=%20#frag", b"http://example.com/x?y",
     b"https://user:pw@example.com:8443", b"urn:example:animal"],
)  # fmt: skip
def test_target_forms_accepted(target: bytes) -> None:
    head = head_of(run(RequestParser(), b"GET " + target + b" HTTP/1.1\r\nHost: a\r\n\r\n"))
    assert head.target == target.decode()


@pytest.mark.parametrize(
    "raw",
    [b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
     b"CONNECT 127.0.0.1:6060 HTTP/1.1\r\nHost: 127.0.0.1:6060\r\n\r\n",
     b"CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n"],
)  # fmt: skip
def test_special_target_forms(raw: bytes) -> None:
    assert isinstance(run(RequestParser(), raw)[0], RequestHead)


def test_identical_content_lengths_are_one() -> None:
    # RFC 9110 §8.6: "42, 42" and repeated identical fields may be taken as one value.
    for fields in (b"Content-Length: 3, 3\r\n", b"Content-Length: 3\r\nContent-Length: 3\r\n"):
        events = run(RequestParser(), b"POST / HTTP/1.1\r\nHost: a\r\n" + fields + b"\r\nabc")
        assert head_of(events).content_length == 3
        assert body_of(events) == b"abc"


def test_one_empty_line_before_the_request_line_is_ignored() -> None:
    events = run(RequestParser(), b"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert head_of(events).method == "GET"
    # between pipelined requests too (a client that adds CRLF after a body)
    p = RequestParser()
    events = run(
        p, b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nq=42\r\nGET / HTTP/1.1\r\n"
    )
    assert events[-1] is NEED_DATA
    events = run(p, b"Host: a\r\n\r\n")
    assert head_of(events).method == "GET"


def test_utf8_and_latin1_values() -> None:
    head = head_of(run(RequestParser(), "GET / HTTP/1.1\r\nHost: a\r\nX: Düsseldorf\r\n\r\n".encode()))
    assert head.headers["X"] == "Düsseldorf"
    # A head that is not UTF-8 is read as Latin-1 (HTTP.jl #796).
    head = head_of(run(RequestParser(), b"GET / HTTP/1.1\r\nHost: a\r\nX: Bogot\xe1\r\n\r\n"))
    assert head.headers["X"] == "Bogotá"


# -- the end of input ------------------------------------------------------------------------


def test_eof_between_messages_is_a_clean_close() -> None:
    p = RequestParser()
    assert run(p, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", eof=True)[1:] == [EndOfMessage(), CLOSED]
    assert p.next_event() is CLOSED
    assert run(RequestParser(), eof=True) == [CLOSED]


@pytest.mark.parametrize(
    "raw",
    [b"GET / HTTP/1.1\r\nHost: a\r\n",
     b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc",
     b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
     b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n",
     b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\r\n"],
)  # fmt: skip
def test_eof_mid_message_is_incomplete(raw: bytes) -> None:
    # RFC 9112 §8: a message cut short by the close is incomplete.
    p = RequestParser()
    p.feed(raw)
    p.feed_eof()
    with pytest.raises(IncompleteMessage) as info:
        while not isinstance(p.next_event(), Signal):
            pass
    assert info.value.status == 400


def test_feed_after_eof_is_an_error() -> None:
    p = RequestParser()
    p.feed_eof()
    with pytest.raises(RuntimeError):
        p.feed(b"GET")


def test_empty_feed_does_nothing() -> None:
    p = RequestParser()
    p.feed(b"")
    assert p.next_event() is NEED_DATA


def test_input_is_copied() -> None:
    data = bytearray(b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nab")
    p = RequestParser()
    p.feed(data)
    data[:] = b"X" * len(data)
    p.feed(memoryview(b"c"))
    events = p.events()
    assert head_of(events).target == "/"
    assert body_of(events) == b"abc"


# -- errors ----------------------------------------------------------------------------------


def test_events_returns_good_events_before_an_error() -> None:
    p = RequestParser()
    p.feed(b"GET /ok HTTP/1.1\r\nHost: a\r\n\r\nGET /bad HTTP/1.1\r\nHost : a\r\n\r\n")
    events = p.events()
    assert [type(e) for e in events] == [RequestHead, EndOfMessage]
    with pytest.raises(InvalidHeaderField):
        p.events()


def test_an_error_is_final() -> None:
    p = RequestParser()
    p.feed(b"GET / HTTP/1.1\r\nHost : a\r\n\r\n")
    with pytest.raises(InvalidHeaderField) as first:
        p.next_event()
    with pytest.raises(InvalidHeaderField) as again:
        p.next_event()
    assert again.value is first.value


def test_error_offsets_count_from_the_start_of_the_stream() -> None:
    first = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nok"
    p = RequestParser()
    p.feed(first)
    p.events()
    p.feed(b"GET / HTTP/1.1\r\nHost: a\r\nBad\x01: x\r\n\r\n")
    with pytest.raises(ParseError) as info:
        p.events()
    assert info.value.offset == len(first) + len(b"GET / HTTP/1.1\r\nHost: a\r\nBad")


# -- limits ----------------------------------------------------------------------------------


def test_head_over_the_limit_fails_before_its_end_arrives() -> None:
    p = RequestParser(limits=Limits(max_header_bytes=1024))
    p.feed(b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: ")
    assert p.next_event() is NEED_DATA
    p.feed(b"a" * 1000)
    with pytest.raises(HeaderTooLarge) as info:
        p.next_event()
    assert info.value.status == 431


def test_head_exactly_at_the_limit_is_accepted() -> None:
    raw = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
    assert head_of(run(RequestParser(limits=Limits(max_header_bytes=len(raw))), raw))
    with pytest.raises(HeaderTooLarge):
        run(RequestParser(limits=Limits(max_header_bytes=len(raw) - 1)), raw)


def test_too_many_headers() -> None:
    fields = b"".join(b"X-%d: v\r\n" % i for i in range(11))
    raw = b"GET / HTTP/1.1\r\nHost: a\r\n" + fields + b"\r\n"
    with pytest.raises(HeaderTooLarge) as info:
        run(RequestParser(limits=Limits(max_headers=11)), raw)
    assert info.value.status == 431
    assert info.value.data.startswith(b"X-10")
    assert len(head_of(run(RequestParser(limits=Limits(max_headers=12)), raw)).headers) == 12


def test_request_line_too_long() -> None:
    limits = Limits(max_start_line=64)
    with pytest.raises(RequestLineTooLong) as info:
        run(RequestParser(limits=limits), b"GET /" + b"a" * 100 + b" HTTP/1.1\r\nHost: a\r\n\r\n")
    assert info.value.status == 414
    # without waiting for the end of the line
    p = RequestParser(limits=limits)
    p.feed(b"GET /" + b"a" * 100)
    with pytest.raises(RequestLineTooLong):
        p.next_event()


def test_max_body_checks_content_length_at_the_head() -> None:
    p = RequestParser(limits=Limits(max_body=10))
    p.feed(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n")
    with pytest.raises(BodyTooLarge) as info:
        p.next_event()
    assert info.value.status == 413
    assert info.value.data == b"Content-Length: 11"
    ok = run(RequestParser(limits=Limits(max_body=10)),
             b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789")  # fmt: skip
    assert body_of(ok) == b"0123456789"


def test_max_body_counts_chunked_content() -> None:
    p = RequestParser(limits=Limits(max_body=10))
    p.feed(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
    p.feed(b"6\r\nabcdef\r\n")
    assert [type(e) for e in p.events()] == [RequestHead, Data]
    p.feed(b"5\r\nghijk\r\n")
    with pytest.raises(BodyTooLarge) as info:
        p.events()
    assert info.value.data == b"5"


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError):
        Limits(max_headers=0)
    with pytest.raises(ValueError):
        Limits(max_body=-1)
