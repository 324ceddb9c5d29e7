"""However the input is split across ``feed`` calls, the events are the same (``Data`` may be cut
differently; its concatenation is not), parsing stays linear in the input, and the fast path for
common heads agrees with the line-by-line path that defines the rules."""

from __future__ import annotations

import time
from collections.abc import Sequence

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirehttp_parser import (
    CLOSED,
    NEED_DATA,
    Data,
    Event,
    HeaderTooLarge,
    InvalidHeaderField,
    Limits,
    ParseError,
    RequestParser,
    ResponseParser,
    Signal,
)
from wirehttp_parser import _head  # the fast/slow agreement below is an internal invariant

TCHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
VCHARS = "".join(chr(c) for c in range(0x21, 0x7F))

names = st.text(TCHARS, min_size=1, max_size=12).filter(
    lambda n: n.lower() not in {"host", "content-length", "transfer-encoding", "connection",
                                "upgrade", "expect", "te", "trailer"}
)  # fmt: skip
values = st.builds(
    lambda a, b: (a + b).strip(" \t"),
    st.text(VCHARS, max_size=20),
    st.text(VCHARS + " \t", max_size=20),
)
ows = st.sampled_from(["", " ", "  ", "\t", " \t "])


@st.composite
def fields(draw: st.DrawFn) -> bytes:
    out = b""
    for name, value in draw(st.lists(st.tuples(names, values), max_size=6)):
        out += f"{name}:{draw(ows)}{value}{draw(ows)}\r\n".encode()
    return out


@st.composite
def body(draw: st.DrawFn) -> bytes:
    """Framing fields plus the body: none, Content-Length, or chunked with extensions and
    trailers."""
    kind = draw(st.sampled_from(["none", "length", "chunked"]))
    data = draw(st.binary(max_size=60))
    if kind == "none":
        return b"\r\n"
    if kind == "length":
        return b"Content-Length: %d\r\n\r\n" % len(data) + data
    out = b"Transfer-Encoding: chunked\r\n\r\n"
    rest = data
    while rest:
        n = draw(st.integers(1, len(rest)))
        ext = draw(st.sampled_from([b"", b";a=b", b' ; q="x y"']))
        out += b"%x%s\r\n" % (n, ext) + rest[:n] + b"\r\n"
        rest = rest[n:]
    out += b"0\r\n" + draw(fields()) + b"\r\n"
    return out


@st.composite
def requests(draw: st.DrawFn) -> bytes:
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "X-CUSTOM"]))
    target = "/" + draw(st.text("abcxyz019/?=&%-._~", max_size=20))
    head = f"{method} {target} HTTP/1.1\r\nHost: example.com\r\n".encode() + draw(fields())
    return head + draw(body())


@st.composite
def responses(draw: st.DrawFn) -> tuple[bytes, str]:
    status, method = draw(st.sampled_from([(200, "GET"), (404, "GET"), (201, "POST"),
                                           (204, "GET"), (304, "GET"), (200, "HEAD")]))  # fmt: skip
    head = f"HTTP/1.1 {status} Reason Phrase\r\n".encode() + draw(fields())
    if status in (204, 304) or method == "HEAD":
        return head + b"Content-Length: 7\r\n\r\n", method
    return head + draw(body()), method


def merged(events: Sequence[Event | Signal]) -> list[Event | Signal]:
    """Adjacent Data events joined: only their concatenation is meaningful."""
    out: list[Event | Signal] = []
    for event in events:
        if isinstance(event, Data) and out and isinstance(out[-1], Data):
            out[-1] = Data(out[-1].data + event.data)
        else:
            out.append(event)
    return out


def parse(parser: RequestParser | ResponseParser, pieces: Sequence[bytes]) -> list[Event | Signal]:
    out: list[Event | Signal] = []
    for piece in pieces:
        parser.feed(piece)
        out.extend(parser.events())
    parser.feed_eof()
    while True:
        event = parser.next_event()
        out.append(event)
        if isinstance(event, Signal):
            return merged(out)


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)])]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(requests(), min_size=1, max_size=3), st.lists(st.integers(0, 10**6), max_size=12))
def test_request_splits_give_the_same_events(messages: list[bytes], cuts: list[int]) -> None:
    data = b"".join(messages)
    whole = parse(RequestParser(), [data])
    assert whole[-1] is CLOSED
    assert parse(RequestParser(), split(data, cuts)) == whole


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(responses(), min_size=1, max_size=3), st.lists(st.integers(0, 10**6), max_size=12))
def test_response_splits_give_the_same_events(
    messages: list[tuple[bytes, str]], cuts: list[int]
) -> None:
    data = b"".join(raw for raw, _ in messages)

    def parser() -> ResponseParser:
        p = ResponseParser()
        for _, method in messages:
            p.expect(method)
        return p

    whole = parse(parser(), [data])
    assert whole[-1] is CLOSED
    assert parse(parser(), split(data, cuts)) == whole


@settings(max_examples=100)
@given(requests())
def test_byte_at_a_time(message: bytes) -> None:
    assert parse(RequestParser(), [message[i : i + 1] for i in range(len(message))]) == parse(
        RequestParser(), [message]
    )


@settings(max_examples=200)
@given(requests(), st.integers(0, 10**6), st.binary(min_size=1, max_size=3))
def test_errors_do_not_depend_on_splits(message: bytes, at: int, junk: bytes) -> None:
    """A corrupted message fails (or not) the same way whole and byte by byte."""
    at %= len(message)
    data = message[:at] + junk + message[at:]

    def outcome(pieces: Sequence[bytes]) -> object:
        try:
            return parse(RequestParser(), pieces)
        except ParseError as exc:
            return (type(exc), exc.offset)

    assert outcome([data[i : i + 1] for i in range(len(data))]) == outcome([data])


# -- linear time -----------------------------------------------------------------------------


def _feed_head_bytewise(size: int) -> float:
    parser = RequestParser(limits=Limits(max_header_bytes=1 << 20, max_headers=10_000))
    line = b"X-Filler: " + b"a" * 50 + b"\r\n"
    head = b"GET / HTTP/1.1\r\nHost: a\r\n" + line * (size // len(line))
    start = time.perf_counter()
    for i in range(len(head)):
        parser.feed(head[i : i + 1])
        assert parser.next_event() is NEED_DATA
    parser.feed(b"\r\n")
    assert parser.events()
    return time.perf_counter() - start


def test_a_head_fed_byte_by_byte_costs_linear_time() -> None:
    # The search for the blank line resumes where it stopped (h11's receive buffer); a
    # rescan from the start would make 4x the input cost 16x the time.
    _feed_head_bytewise(8000)  # warm up
    small = min(_feed_head_bytewise(16000) for _ in range(3))
    large = min(_feed_head_bytewise(64000) for _ in range(3))
    assert large < small * 8, (small, large)


def test_an_oversized_head_fails_as_its_bytes_arrive() -> None:
    parser = RequestParser(limits=Limits(max_header_bytes=4096))
    start = b"GET / HTTP/1.1\r\nHost: a\r\nX: "
    parser.feed(start)
    fed = len(start)
    try:
        while True:
            parser.feed(b"a" * 100)
            fed += 100
            parser.next_event()
    except HeaderTooLarge:
        pass
    assert 4096 <= fed < 4096 + 100  # failed with the feed that passed the limit


# -- the fast path agrees with the rules -----------------------------------------------------


def _outcome(fn: object, *args: object) -> object:
    try:
        return fn(*args)  # type: ignore[operator]
    except ParseError as exc:
        return (type(exc), exc.offset, exc.data)


small_limits = st.sampled_from(
    [Limits(), Limits(max_headers=2), Limits(max_start_line=24), Limits(max_body=3)]
)


@settings(max_examples=400)
@given(requests(), st.integers(0, 10**6), st.binary(max_size=2), st.booleans(), small_limits)
def test_fast_path_matches_slow_path(
    message: bytes, at: int, junk: bytes, strict: bool, limits: Limits
) -> None:
    end = message.index(b"\r\n\r\n") + 2
    raw = message[:end]
    at %= len(raw)
    raw = raw[:at] + junk + raw[at:]
    slow = _outcome(_head._slow_request_head, raw, 100, strict, limits)
    fast = _outcome(_head.parse_request_head, raw, 100, strict, limits)  # names now cached
    assert fast == slow


@settings(max_examples=200)
@given(responses(), st.integers(0, 10**6), st.binary(max_size=2), st.booleans(), small_limits)
def test_fast_path_matches_slow_path_for_responses(
    message: tuple[bytes, str], at: int, junk: bytes, strict: bool, limits: Limits
) -> None:
    raw, method = message
    raw = raw[: raw.index(b"\r\n\r\n") + 2]
    at %= len(raw)
    raw = raw[:at] + junk + raw[at:]
    slow = _outcome(_head._slow_response_head, raw, 7, strict, limits, method)
    fast = _outcome(_head.parse_response_head, raw, 7, strict, limits, method)
    assert fast == slow


def test_first_error_wins_however_the_head_is_split() -> None:
    """Regression (found by hypothesis): a bare CR before a bare LF is the error reported,
    whether the head arrives whole or byte by byte (the early bare-LF check used to win)."""
    data = (
        b"X-CUSTOM /0000000 HTTP/1.1\r\nHost: example.com\r\n00:0000000000000000 \r\n"
        b"000000000000:  0 \t \r\r\n\n0000000: 000000000000000 \t \r\n\r\n"
    )

    def outcome(pieces: Sequence[bytes]) -> object:
        try:
            return parse(RequestParser(), pieces)
        except ParseError as exc:
            return (type(exc), exc.offset, exc.data)

    whole = outcome([data])
    assert whole == (InvalidHeaderField, 88, b"\r")
    assert outcome([data[i : i + 1] for i in range(len(data))]) == whole
