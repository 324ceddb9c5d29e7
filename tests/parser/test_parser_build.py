"""What must hold in both builds of the parser (pure Python, and mypyc-compiled by
scripts/build_compiled_parser.sh): the same exceptions for bad arguments, and chunked bodies
delivered in as few Data events as the buffered bytes allow."""

from __future__ import annotations

import os
import sys

import pytest

from wirehttp_parser import (
    BodyTooLarge,
    Data,
    EndOfMessage,
    Event,
    Headers,
    InvalidChunk,
    Limits,
    ProtocolError,
    RequestHead,
    RequestParser,
    ResponseHead,
    ResponseParser,
)

HEAD = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"


def test_loaded_build_is_the_expected_one() -> None:
    # CI runs this file against the compiled wheel with WIREHTTP_EXPECT_BUILD=compiled, so a
    # run that silently imported the pure source instead fails here.
    path = sys.modules[RequestParser.__module__].__file__ or ""
    compiled = path.endswith((".so", ".pyd"))
    expected = os.environ.get("WIREHTTP_EXPECT_BUILD") or None
    if expected is not None:
        assert expected in ("compiled", "pure")
        assert compiled == (expected == "compiled")


@pytest.mark.parametrize(
    "field",
    ["max_start_line", "max_header_bytes", "max_headers", "max_chunk_line", "max_trailer_bytes"],
)
@pytest.mark.parametrize("bad", ["x", 1.5, None, True, 0, -1])
def test_limits_reject_bad_values_with_valueerror(field: str, bad: object) -> None:
    with pytest.raises(ValueError, match=f"Limits.{field} must be a positive int"):
        Limits(**{field: bad})  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["x", 1.5, True, -1])
def test_limits_max_body_rejects_bad_values_with_valueerror(bad: object) -> None:
    with pytest.raises(ValueError, match="Limits.max_body must be None or an int"):
        Limits(max_body=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [["Host", "a", "b"], "ab", 3, ("Host",), (1, "a"), ("Host", b"a")])
def test_headers_reject_bad_items_with_protocolerror(bad: object) -> None:
    with pytest.raises(ProtocolError):
        Headers([bad])  # type: ignore[list-item]


def test_head_repr_and_eq_cover_every_field() -> None:
    p = RequestParser()
    p.feed(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    head = p.events()[0]
    assert isinstance(head, RequestHead)
    for name in ("method", "target", "version", "headers", "content_length", "chunked",
                 "keep_alive", "upgrade", "expect_continue"):  # fmt: skip
        assert f"{name}=" in repr(head)
    r = ResponseParser()
    r.feed(b"HTTP/1.1 204 No Content\r\n\r\n")
    rhead = r.events()[0]
    assert isinstance(rhead, ResponseHead)
    for name in ("status", "reason", "version", "headers", "content_length", "chunked",
                 "keep_alive", "upgrade"):  # fmt: skip
        assert f"{name}=" in repr(rhead)
    p2 = RequestParser()
    p2.feed(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert p2.events()[0] == head


def test_buffered_chunks_come_as_one_data_event() -> None:
    p = RequestParser()
    p.feed(HEAD + b"3\r\nabc\r\n2\r\nde\r\n1\r\nf\r\n0\r\n\r\n")
    events = p.events()
    assert [type(e) for e in events] == [RequestHead, Data, EndOfMessage]
    assert events[1] == Data(b"abcdef")
    single = RequestParser()
    single.feed(HEAD + b"3\r\nabc\r\n0\r\n\r\n")
    assert single.events()[1:] == [Data(b"abc"), EndOfMessage()]


def test_coalescing_stops_at_an_incomplete_chunk() -> None:
    p = RequestParser()
    p.feed(HEAD + b"3\r\nabc\r\n2\r\nde\r\n5\r\nfg")
    assert p.events()[1:] == [Data(b"abcde"), Data(b"fg")]
    p.feed(b"hij\r\n0\r\n\r\n")
    assert p.events() == [Data(b"hij"), EndOfMessage()]


def test_coalescing_stops_at_an_extension_and_trailers() -> None:
    p = RequestParser()
    p.feed(HEAD + b"3\r\nabc\r\n2;x=y\r\nde\r\n1\r\nf\r\n0\r\nX-T: 1\r\n\r\n")
    events = p.events()
    assert events[1:3] == [Data(b"abc"), Data(b"def")]
    end = events[3]
    assert isinstance(end, EndOfMessage) and end.trailers["X-T"] == "1"


def test_max_body_fails_at_the_chunk_that_passes_it() -> None:
    body = b"3\r\nabc\r\n3\r\ndef\r\n3\r\nghi\r\n0\r\n\r\n"
    p = RequestParser(limits=Limits(max_body=6))
    p.feed(HEAD + body)
    # The data before the chunk over the limit is delivered, then that chunk's line fails.
    assert p.events()[1:] == [Data(b"abcdef")]
    with pytest.raises(BodyTooLarge) as info:
        p.events()
    assert info.value.offset == len(HEAD) + body.index(b"3\r\nghi")
    assert info.value.data == b"3"
    exact = RequestParser(limits=Limits(max_body=9))
    exact.feed(HEAD + body)
    assert exact.events()[1:] == [Data(b"abcdefghi"), EndOfMessage()]


def test_bad_chunk_after_good_ones_is_raised_after_their_data() -> None:
    body = b"3\r\nabc\r\n2\r\nde\r\n+1\r\nf\r\n0\r\n\r\n"
    p = RequestParser()
    p.feed(HEAD + body)
    assert p.events()[1:] == [Data(b"abcde")]
    with pytest.raises(InvalidChunk) as info:
        p.events()
    assert info.value.offset == len(HEAD) + body.index(b"+1")


def test_coalesced_content_is_the_same_however_it_is_fed() -> None:
    body = b"".join(b"%x\r\n%s\r\n" % (n, bytes([65 + n]) * n) for n in range(1, 12)) + b"0\r\n\r\n"
    whole = RequestParser()
    whole.feed(HEAD + body)
    expected = b"".join(e.data for e in whole.events() if isinstance(e, Data))
    for step in (1, 2, 3, 7, 16):
        p = RequestParser()
        got: list[Event] = []
        data = HEAD + body
        for i in range(0, len(data), step):
            p.feed(data[i : i + step])
            got += p.events()
        assert b"".join(e.data for e in got if isinstance(e, Data)) == expected
        assert isinstance(got[-1], EndOfMessage)
