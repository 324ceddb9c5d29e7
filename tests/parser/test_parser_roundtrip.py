"""What the writer sends, the parser reads back unchanged: heads, chunked bodies, trailers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wirehttp_parser import (
    HTTP_1_0,
    HTTP_1_1,
    Data,
    EndOfMessage,
    Event,
    HTTPVersion,
    RequestHead,
    RequestParser,
    ResponseHead,
    ResponseParser,
    Signal,
    encode_chunk,
    encode_last_chunk,
    encode_request_head,
    encode_response_head,
)

TCHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
FRAMING = {"host", "content-length", "transfer-encoding", "connection", "upgrade", "expect",
           "te", "trailer", "keep-alive", "proxy-connection"}  # fmt: skip

names = st.text(TCHARS, min_size=1, max_size=16).filter(lambda n: n.lower() not in FRAMING)
# Values: any character the writer may send (no controls but HTAB), without surrounding OWS,
# which is not part of a value (RFC 9112 §5.1). Non-ASCII text goes out as UTF-8.
value_chars = st.characters(min_codepoint=0x20, blacklist_characters="\x7f", codec="utf-8") | st.just(
    "\t"
)
values = st.text(value_chars, min_size=1, max_size=30).map(lambda v: v.strip(" \t")).filter(bool)
fields = st.lists(st.tuples(names, values), max_size=8)
# The writer refuses framing, routing and authentication fields as trailers (RFC 9110 §6.5.1).
trailer_fields = st.lists(st.tuples(names.map(lambda n: "X-T-" + n), values), max_size=4)
chunks = st.lists(st.binary(min_size=1, max_size=40), max_size=5)
targets = st.text("abcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@/?%", max_size=30)


def collect(parser: RequestParser | ResponseParser, data: bytes) -> list[Event]:
    parser.feed(data)
    parser.feed_eof()
    out: list[Event] = []
    while True:
        event = parser.next_event()
        if isinstance(event, Signal):
            return out
        out.append(event)


@settings(max_examples=200)
@given(st.sampled_from(["GET", "POST", "PUT", "PATCH", "PURGE"]), targets, fields,
       st.sampled_from([HTTP_1_0, HTTP_1_1]))  # fmt: skip
def test_request_head_round_trip(
    method: str, path: str, pairs: list[tuple[str, str]], version: HTTPVersion
) -> None:
    headers = [("Host", "example.com"), *pairs]
    events = collect(RequestParser(), encode_request_head(method, "/" + path, headers, version))
    head = events[0]
    assert isinstance(head, RequestHead)
    assert (head.method, head.target, head.version) == (method, "/" + path, version)
    assert head.headers.items() == headers
    assert events[1:] == [EndOfMessage()]


@settings(max_examples=200)
@given(fields, chunks, trailer_fields)
def test_chunked_request_round_trip(
    pairs: list[tuple[str, str]], data: list[bytes], trailers: list[tuple[str, str]]
) -> None:
    headers = [("Host", "a"), ("Transfer-Encoding", "chunked"), *pairs]
    wire = encode_request_head("POST", "/upload", headers)
    wire += b"".join(encode_chunk(piece) for piece in data) + encode_last_chunk(trailers)
    events = collect(RequestParser(), wire)
    assert b"".join(e.data for e in events if isinstance(e, Data)) == b"".join(data)
    end = events[-1]
    assert isinstance(end, EndOfMessage)
    assert end.trailers.items() == trailers


@settings(max_examples=200)
@given(st.integers(200, 599), fields, st.binary(max_size=50))
def test_response_round_trip(status: int, pairs: list[tuple[str, str]], content: bytes) -> None:
    no_content = status in (204, 304)  # the length field is sent, the content is not
    wire = encode_response_head(status, [("Content-Length", str(len(content))), *pairs])
    events = collect(ResponseParser(), wire + (b"" if no_content else content))
    head = events[0]
    assert isinstance(head, ResponseHead)
    assert head.status == status
    assert head.headers.items()[1:] == pairs
    got = b"".join(e.data for e in events if isinstance(e, Data))
    assert got == (b"" if no_content else content)


def test_custom_reason_round_trip() -> None:
    events = collect(ResponseParser(),
                     encode_response_head(299, [("Content-Length", "0")], reason="Custom Status"))  # fmt: skip
    head = events[0]
    assert isinstance(head, ResponseHead)
    assert (head.status, head.reason) == (299, "Custom Status")
