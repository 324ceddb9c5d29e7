"""Messages over blocking binary streams: HTTP.jl's ``write(io, m)``, ``writeheaders``,
``writestartline`` and ``readheaders``. The bytes come from the sans-I/O writer and parser;
this module only moves them."""

from __future__ import annotations

from typing import Protocol

from ._body import body_chunks
from ._errors import IncompleteMessage, ParseError, ProtocolError
from ._events import NEED_DATA, RequestHead, ResponseHead
from ._limits import DEFAULT_LIMITS, Limits
from ._messages import Message, Request, Response
from ._parser import RequestParser, ResponseParser
from ._predicates import ischunked
from ._writer import encode_chunk, encode_last_chunk, encode_request_head, encode_response_head

__all__ = ["writestartline", "writeheaders", "write", "readheaders", "Writable", "LineReadable"]


class Writable(Protocol):
    def write(self, data: bytes, /) -> object: ...


class LineReadable(Protocol):
    """A buffered binary stream that can read one line: ``socket.makefile("rb")``, a
    ``BufferedReader``, ``BytesIO``."""

    def readline(self, size: int = -1, /) -> bytes: ...


def _head_bytes(m: Message) -> bytes:
    if isinstance(m, Request):
        return encode_request_head(m.method, m.target, m.headers, m.version)
    assert isinstance(m, Response)
    return encode_response_head(m.status, m.headers, m.version, m.reason)


def writestartline(io_: Writable, m: Message) -> None:
    """Write the request or status line."""
    head = _head_bytes(m)
    io_.write(head[: head.index(b"\r\n") + 2])


def writeheaders(io_: Writable, m: Message) -> None:
    """Write the start line, one line per header (empty values skipped) and the blank line."""
    io_.write(_head_bytes(m))


def write(io_: Writable, m: Message) -> None:
    """Write the whole message: head, then the body — as chunks (and trailers) if the message
    is chunked, else as is. Refuses a message that announces both Content-Length and
    Transfer-Encoding (RFC 9112 §6.2: a sender MUST NOT)."""
    if "Content-Length" in m.headers and "Transfer-Encoding" in m.headers:
        raise ProtocolError("a message must not carry both Content-Length and Transfer-Encoding")
    io_.write(_head_bytes(m))
    if ischunked(m):
        for chunk in body_chunks(m.body):
            io_.write(encode_chunk(chunk))
        io_.write(encode_last_chunk(m.trailers))
    else:
        for chunk in body_chunks(m.body):
            io_.write(chunk)


# -- reading ------------------------------------------------------------------------------------

def readheaders(io_: LineReadable, m: Message, *, strict: bool = True, limits: Limits = DEFAULT_LIMITS) -> None:
    """Read a start line and headers from a buffered binary stream into ``m`` (a Request or a
    Response), consuming exactly the head and leaving the body in the stream. Raises
    :class:`IncompleteMessage` (an ``EOFError``) if the stream ends first, and the parser's
    errors for a malformed head."""
    parser: RequestParser | ResponseParser
    if isinstance(m, Request):
        parser = RequestParser(strict=strict, limits=limits)
    else:
        parser = ResponseParser(strict=strict, limits=limits)
        if isinstance(m, Response) and m.request is not None:
            parser.expect(m.request.method)
    total = 0
    while True:
        # A line over the head limit is cut here and rejected by the parser: never unbounded.
        line = io_.readline(limits.max_header_bytes + 1)
        if not line:
            raise IncompleteMessage("the stream ended before the end of the message head", b"", total)
        total += len(line)
        parser.feed(line)
        event = parser.next_event()
        if event is NEED_DATA:
            continue
        if isinstance(event, RequestHead) and isinstance(m, Request):
            m.method, m.target, m.version, m.headers = event.method, event.target, event.version, event.headers
            m._url = None  # worked out from the new target on first use
            return
        if isinstance(event, ResponseHead) and isinstance(m, Response):
            m.status, m.reason, m.version, m.headers = event.status, event.reason, event.version, event.headers
            return
        raise ParseError(f"unexpected parser event {event!r} while reading a head")
