"""The sans-I/O writer: heads, chunks, trailers; it never emits what a strict parser rejects."""

from __future__ import annotations

import pytest

from wirehttp_parser import (
    HTTP_1_0,
    ProtocolError,
    encode_chunk,
    encode_headers,
    encode_last_chunk,
    encode_request_head,
    encode_response_head,
)


def test_request_head() -> None:
    assert encode_request_head("GET", "/foo", [("Foo", "Bar")]) == b"GET /foo HTTP/1.1\r\nFoo: Bar\r\n\r\n"
    assert encode_request_head("OPTIONS", "*", [], HTTP_1_0) == b"OPTIONS * HTTP/1.0\r\n\r\n"


def test_response_head_default_and_custom_reason() -> None:
    assert encode_response_head(404, [("A", "b")]) == b"HTTP/1.1 404 Not Found\r\nA: b\r\n\r\n"
    assert encode_response_head(200, [], reason="Fine") == b"HTTP/1.1 200 Fine\r\n\r\n"
    assert encode_response_head(299, []) == b"HTTP/1.1 299 Unknown Code\r\n\r\n"


def test_empty_values_are_not_written() -> None:
    assert encode_headers([("Accept", ""), ("A", "1")]) == b"A: 1\r\n\r\n"


def test_utf8_values() -> None:
    assert encode_headers([("City", "Düsseldorf")]) == "City: Düsseldorf\r\n\r\n".encode()


@pytest.mark.parametrize(
    "call",
    [
        lambda: encode_request_head("GE T", "/", []),
        lambda: encode_request_head("GET", "/a b", []),
        lambda: encode_request_head("GET", "", []),
        lambda: encode_request_head("GET", "/\r\nX: 1", []),
        lambda: encode_request_head("GET", "/ü", []),
        lambda: encode_headers([("X", "a\r\nY: b")]),
        lambda: encode_headers([("X Y", "a")]),
        lambda: encode_response_head(99, []),
        lambda: encode_response_head(1000, []),
        lambda: encode_response_head(200, [], reason="a\r\nb"),
        lambda: encode_last_chunk([("Content-Length", "5")]),
        lambda: encode_last_chunk([("Transfer-Encoding", "chunked")]),
    ],
)
def test_refuses_to_emit_invalid_messages(call: object) -> None:
    with pytest.raises(ProtocolError):
        call()  # type: ignore[operator]


def test_chunks() -> None:
    assert encode_chunk(b"hello") == b"5\r\nhello\r\n"
    assert encode_chunk(b"x" * 26) == b"1a\r\n" + b"x" * 26 + b"\r\n"
    assert encode_chunk(b"") == b""
    assert encode_chunk(memoryview(b"ab")) == b"2\r\nab\r\n"
    assert encode_last_chunk() == b"0\r\n\r\n"
    assert encode_last_chunk([("X-Checksum", "abc")]) == b"0\r\nX-Checksum: abc\r\n\r\n"
