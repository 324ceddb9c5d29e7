"""HTTP.jl's low-level parser interface: find_end_of_header/chunk_size/trailer,
parse_request_line, parse_status_line, parse_header_field, parse_chunk_size, readchunksize."""

from __future__ import annotations

import io

import pytest

from wirehttp_parser import (
    HTTP_1_0,
    HTTP_1_1,
    HeaderTooLarge,
    IncompleteMessage,
    InvalidChunk,
    InvalidHeaderField,
    InvalidRequestLine,
    InvalidStatusLine,
    Request,
    Response,
    UnsupportedVersion,
    find_end_of_chunk_size,
    find_end_of_header,
    find_end_of_trailer,
    parse_chunk_size,
    parse_header_field,
    parse_request_line,
    parse_status_line,
    readchunksize,
)


def test_find_end_of_header() -> None:
    head = b"GET / HTTP/1.1\r\nHost: a\r\n\r\nBODY"
    assert find_end_of_header(head) == len(head) - 4
    assert find_end_of_header(b"GET / HTTP/1.1\r\nHost: a\r\n") == 0
    assert find_end_of_header(b"") == 0


def test_find_end_of_header_limit() -> None:
    with pytest.raises(HeaderTooLarge) as info:
        find_end_of_header(b"X" * 70000)
    assert info.value.status == 431
    assert find_end_of_header(b"a" * 100 + b"\r\n\r\n", limit=200) == 104
    with pytest.raises(HeaderTooLarge):
        find_end_of_header(b"a" * 300 + b"\r\n\r\n", limit=200)


def test_find_end_of_chunk_size_and_trailer() -> None:
    assert find_end_of_chunk_size(b"1a;ext=1\r\ndata") == 10
    assert find_end_of_chunk_size(b"1a") == 0
    with pytest.raises(InvalidChunk):
        find_end_of_chunk_size(b"1" * 5000)
    assert find_end_of_trailer(b"\r\nnext") == 2
    assert find_end_of_trailer(b"X-A: 1\r\n\r\nnext") == 10
    assert find_end_of_trailer(b"X-A: 1\r\n") == 0


def test_parse_request_line() -> None:
    req = Request("", "")
    rest = parse_request_line(b"GET /a?b=1 HTTP/1.0\r\nHost: h\r\n\r\n", req)
    assert (req.method, req.target, req.version) == ("GET", "/a?b=1", HTTP_1_0)
    assert req.url.query == "b=1"
    assert rest == "Host: h\r\n\r\n"
    parse_request_line("M-SEARCH * HTTP/1.1\r\n", req)
    assert (req.method, req.target, req.version) == ("M-SEARCH", "*", HTTP_1_1)


@pytest.mark.parametrize(
    "line",
    [b"GET  HTTP/1.1", b"GET / HTP/1.1", b"HTTP/1.1 / HTTP/1.1", b"hello world / HTTP/1.1",
     b"GET ../../../../etc/passwd HTTP/1.1", b"GET  / HTTP/1.1", b"GET /\x01 HTTP/1.1"],
)
def test_parse_request_line_rejects(line: bytes) -> None:
    with pytest.raises(InvalidRequestLine) as info:
        parse_request_line(line + b"\r\n", Request())
    assert info.value.data and info.value.status == 400


def test_parse_request_line_versions() -> None:
    with pytest.raises(UnsupportedVersion) as info:
        parse_request_line(b"GET / HTTP/2.0\r\n", Request())
    assert info.value.status == 505
    with pytest.raises(InvalidRequestLine):
        parse_request_line(b"GET / HTTP/1.1\n", Request())


def test_parse_status_line() -> None:
    resp = Response(0)
    rest = parse_status_line(b"HTTP/1.1 404 Not Found\r\nA: b\r\n\r\n", resp)
    assert (resp.status, resp.reason, resp.version, rest) == (404, "Not Found", HTTP_1_1, "A: b\r\n\r\n")
    parse_status_line(b"HTTP/1.0 200 \r\n", resp)
    assert (resp.status, resp.reason) == (200, "")
    for bad in [b"HTTP/1.1 20 OK", b"HTTP/1.1 OK", b"HTTP/1.x 200 OK", b"ICY 200 OK"]:
        with pytest.raises(InvalidStatusLine):
            parse_status_line(bad + b"\r\n", resp)


def test_parse_header_field() -> None:
    pair, rest = parse_header_field(b"Content-Type:  text/plain \r\nX: y\r\n\r\n")
    assert pair == ("Content-Type", "text/plain") and rest == "X: y\r\n\r\n"
    pair, rest = parse_header_field("City: Düsseldorf\r\n")
    assert pair == ("City", "Düsseldorf")
    assert parse_header_field(b"\r\nbody") == (None, "body")


@pytest.mark.parametrize(
    "line",
    [b"Fo@: 1", b"Foo\x01: 1", b"Foo : 1", b" folded: 1", b"Foo: 1\rBar: 1", b"NoColon",
     b"Foo: a\x00b"],
)
def test_parse_header_field_rejects(line: bytes) -> None:
    with pytest.raises(InvalidHeaderField) as info:
        parse_header_field(line + b"\r\n")
    assert info.value.data == line


def test_parse_header_field_incomplete() -> None:
    with pytest.raises(IncompleteMessage):
        parse_header_field(b"Foo: 1")


def test_parse_chunk_size() -> None:
    assert parse_chunk_size(b"1a\r\n") == 26
    assert parse_chunk_size(b"FF;name=value;x=\"q\"") == 255
    for bad in [b"", b"zz", b"-1", b"0x1a", b"1_0", b" 1", b"FFFFFFFFFFFFFFFFF", b"10000000000000000"]:
        with pytest.raises(InvalidChunk):
            parse_chunk_size(bad)


def test_readchunksize_reads_trailers_at_the_last_chunk() -> None:
    stream = io.BytesIO(b"5\r\nhello\r\n0\r\nX-Sum: 5\r\n\r\nrest")
    m = Response(200)
    assert readchunksize(stream, m) == 5
    assert stream.read(7) == b"hello\r\n"
    assert readchunksize(stream, m) == 0
    assert list(m.trailers) == [("X-Sum", "5")]
    assert stream.read() == b"rest"


def test_readchunksize_errors() -> None:
    with pytest.raises(IncompleteMessage):
        readchunksize(io.BytesIO(b"5"), Response(200))
    with pytest.raises(InvalidChunk):
        readchunksize(io.BytesIO(b"z\r\n"), Response(200))
    with pytest.raises(InvalidChunk):
        readchunksize(io.BytesIO(b"1" * 5000 + b"\r\n"), Response(200))
