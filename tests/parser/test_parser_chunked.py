"""The chunked transfer coding (RFC 9112 §7.1): sizes, extensions, the CRLFs, trailers."""

from __future__ import annotations

import pytest

from wirehttp_parser import (
    NEED_DATA,
    Data,
    EndOfMessage,
    Event,
    HeaderTooLarge,
    InvalidChunk,
    InvalidHeaderField,
    Limits,
    RequestParser,
    ResponseParser,
    Signal,
)

HEAD = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"


def chunked(body: bytes, *, strict: bool = True, limits: Limits | None = None) -> list[Event]:
    p = RequestParser(strict=strict) if limits is None else RequestParser(limits=limits)
    p.feed(HEAD + body)
    out: list[Event] = []
    while True:
        event = p.next_event()
        if isinstance(event, Signal):
            return out
        out.append(event)


def content(events: list[Event]) -> bytes:
    return b"".join(e.data for e in events if isinstance(e, Data))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"5\r\nhello\r\n0\r\n\r\n", b"hello"),
        (b"A\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n", b"0123456789" * 2),
        (b"0005\r\nhello\r\n000\r\n\r\n", b"hello"),
        (b"1\r\n\n\r\n0\r\n\r\n", b"\n"),  # a bare LF *in the data* is just data
        (b"3\r\n\r\n\r\r\n0\r\n\r\n", b"\r\n\r"),
        (b"0\r\n\r\n", b""),
    ],
)
def test_chunk_sizes(body: bytes, expected: bytes) -> None:
    events = chunked(body)
    assert content(events) == expected
    assert isinstance(events[-1], EndOfMessage)


@pytest.mark.parametrize(
    "line",
    [
        b"5;name",
        b"5;name=value",
        b'5;name="quoted value"',
        b'5;name="escaped \\" quote"',
        b"5 ;name=value",
        b"5; name = value",
        b"5;a=1;b=2;c",
        b"5; ihatew3;whattheheck=aretheseparametersfor",
    ],
)
def test_chunk_extensions_are_parsed_and_ignored(line: bytes) -> None:
    assert content(chunked(line + b"\r\nhello\r\n0;last\r\n\r\n")) == b"hello"


@pytest.mark.parametrize(
    "line",
    [
        b"+5", b"-0", b"-1", b"0x5", b"0X5", b" 5", b"5 ", b"5\t", b"5_0", b"", b"g", b"zz",
        b"5;", b"5;=v", b"5;a=", b'5;a="unterminated', b"5;a b", b"5\x00", b"\xef\xbc\x95",
        b"5\r", b"10000000000000000", b"8000000000000000",
    ],
)  # fmt: skip
def test_bad_chunk_size_lines(line: bytes) -> None:
    # 1*HEXDIG only: no sign, 0x, _, spaces (RFC 9112 §7.1); sizes above 2**63 - 1 overflow.
    with pytest.raises(InvalidChunk) as info:
        chunked(line + b"\r\nhello\r\n0\r\n\r\n")
    assert info.value.status == 400
    assert info.value.offset == len(HEAD)


def test_largest_chunk_size_is_accepted_until_the_data_runs_out() -> None:
    # 2**63 - 1: representable, so not an overflow; max_body bounds real use.
    p = RequestParser()
    p.feed(HEAD + b"7fffffffffffffff\r\nabc")
    assert [type(e) for e in p.events()][1:] == [Data]


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize(
    "body",
    [b"5\nhello\r\n0\r\n\r\n", b"5\r\nhello\n0\r\n\r\n", b"5\r\nhello\r\n0\n\r\n",
     b"5;ext\nhello\r\n0\r\n\r\n"],
)  # fmt: skip
def test_bare_lf_in_chunked_framing_is_rejected_in_every_mode(body: bytes, strict: bool) -> None:
    # RFC 9112 errata 7633, llhttp's default: chunked framing lines end in CRLF.
    with pytest.raises((InvalidChunk, InvalidHeaderField)):
        chunked(body, strict=strict)


@pytest.mark.parametrize("strict", [True, False])
def test_bare_lf_ending_the_trailer_section_is_rejected(strict: bool) -> None:
    with pytest.raises(InvalidHeaderField):
        chunked(b"0\r\nX: y\n\n", strict=strict)
    with pytest.raises(InvalidHeaderField):
        chunked(b"0\r\nX: y\r\n\n", strict=strict)


def test_chunk_data_must_end_in_crlf() -> None:
    with pytest.raises(InvalidChunk) as info:
        chunked(b"3\r\nabcX\r\n0\r\n\r\n")
    assert info.value.offset == len(HEAD) + len(b"3\r\nabc")
    with pytest.raises(InvalidChunk):
        chunked(b"3\r\nabc\rX0\r\n\r\n")


def test_trailers() -> None:
    events = chunked(b"3\r\nabc\r\n0\r\nX-Sum: 900150983cd24fb0\r\nX-Other:  two \r\n\r\n")
    end = events[-1]
    assert isinstance(end, EndOfMessage)
    assert list(end.trailers) == [("X-Sum", "900150983cd24fb0"), ("X-Other", "two")]
    # The trailers stay out of the head's fields.
    assert "X-Sum" not in events[0].headers  # type: ignore[union-attr]


def test_trailer_errors() -> None:
    with pytest.raises(InvalidHeaderField):
        chunked(b"0\r\nX : y\r\n\r\n")
    with pytest.raises(InvalidHeaderField):
        chunked(b"0\r\n folded: y\r\n\r\n")
    with pytest.raises(InvalidHeaderField):
        chunked(b"0\r\nX: y\r\n z\r\n\r\n")
    with pytest.raises(InvalidHeaderField):
        chunked(b"0\r\nNo colon\r\n\r\n")


def test_chunk_line_limit() -> None:
    limits = Limits(max_chunk_line=16)
    assert content(chunked(b"5;abcdefghijklmn\r\nhello\r\n0\r\n\r\n", limits=limits)) == b"hello"
    with pytest.raises(InvalidChunk):
        chunked(b"5;abcdefghijklmno\r\nhello\r\n0\r\n\r\n", limits=limits)
    # without waiting for the CRLF
    p = RequestParser(limits=limits)
    p.feed(HEAD + b"5;" + b"a" * 40)
    assert len(p.events()) == 1  # the head; the error comes with the next call
    with pytest.raises(InvalidChunk):
        p.events()


def test_trailer_section_limit() -> None:
    p = RequestParser(limits=Limits(max_trailer_bytes=64))
    p.feed(HEAD + b"0\r\nX-Big: " + b"a" * 100)
    p.next_event()
    with pytest.raises(HeaderTooLarge):
        p.next_event()


def test_chunked_fed_one_byte_at_a_time() -> None:
    body = b"3;x=y\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nT: v\r\n\r\n"
    p = ResponseParser()
    events: list[Event] = []
    for byte in b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body:
        p.feed(bytes([byte]))
        events.extend(p.events())
    assert content(events) == b"abc0123456789abcdef"
    end = events[-1]
    assert isinstance(end, EndOfMessage)
    assert end.trailers["t"] == "v"
    assert p.next_event() is NEED_DATA


def test_lenient_spaces_after_the_chunk_size() -> None:
    # HTTP.jl's "200 trailing space on chunked body" fixture; llhttp's
    # lenient_spaces_after_chunk_size. Strict mode rejects it (above).
    assert content(chunked(b"5  \r\nhello\r\n0 \t\r\n\r\n", strict=False)) == b"hello"


# -- the fast reader of plain chunk-size lines (one method per build; see docs/parser.md) ------


@pytest.mark.parametrize(
    ("line", "size"),
    [(b"0", 0), (b"a", 10), (b"FF", 255), (b"1f4", 500), (b"fffffffffffffff", 16**15 - 1)],
)
def test_plain_chunk_line_reads_plain_sizes(line: bytes, size: int) -> None:
    from wirehttp_parser._chunked import plain_chunk_line

    for prefix in (b"", b"xyz"):  # at the start of the buffer and further in
        buf = prefix + line + b"\r\nrest"
        assert plain_chunk_line(buf, len(prefix), 16) == (size, len(prefix) + len(line))
        assert plain_chunk_line(bytearray(buf), len(prefix), 16) == (
            size, len(prefix) + len(line),
        )


@pytest.mark.parametrize(
    "buf",
    [
        b"",  # nothing yet
        b"a",  # no line end yet
        b"a\r",  # half a CRLF
        b"a\n",  # a bare LF
        b"\r\n",  # no digits
        b"g\r\n",  # not hex
        b" a\r\n",  # whitespace before
        b"a \r\n",  # and after
        b"a;ext=1\r\n",  # an extension: the general reader's job
        b"0x1\r\n",  # int()'s prefix
        b"1_0\r\n",  # int()'s separator
        b"+1\r\n",  # int()'s sign
        b"\xd9\xa1\r\n",  # a non-ASCII digit
        b"1000000000000000\r\n",  # 16 digits: past what is read without an overflow check
    ],
)
def test_plain_chunk_line_leaves_everything_else_to_the_general_reader(buf: bytes) -> None:
    from wirehttp_parser._chunked import plain_chunk_line

    assert plain_chunk_line(buf, 0, 16) == (-1, -1)


def test_plain_chunk_line_respects_the_line_limit() -> None:
    from wirehttp_parser._chunked import plain_chunk_line

    assert plain_chunk_line(b"abc\r\n", 0, 2) == (-1, -1)  # longer than max_chunk_line
    assert plain_chunk_line(b"abc\r\n", 0, 3) == (0xABC, 3)


def test_leading_zeros_are_read_either_way() -> None:
    # One build reads them in its fast loop, the other leaves them to the general reader:
    # the parser's result is the same.
    events = chunked(b"00a\r\n0123456789\r\n0\r\n\r\n")
    assert b"".join(e.data for e in events if isinstance(e, Data)) == b"0123456789"
