"""HTTP.jl's low-level "Parser Interface" (``HTTP.Parsers``): functions that find the end of a
head, a chunk-size line or a trailer section in a buffer, and parse one start line, one field
line or one chunk size.

They exist for code that frames messages itself — HTTP.jl's own connection code did. Client and
server use the incremental :class:`RequestParser`/:class:`ResponseParser` instead, which apply
the same rules to a whole stream. Strict by default, with the same errors (carrying the
offending bytes and their offset within the given input).
"""

from __future__ import annotations

import re

from ._chunked import chunk_size
from ._errors import (
    HeaderTooLarge,
    IncompleteMessage,
    InvalidChunk,
    InvalidHeaderField,
    InvalidRequestLine,
    InvalidStatusLine,
    UnsupportedVersion,
)
from ._headers import Headers
from ._limits import DEFAULT_LIMITS
from ._messageio import LineReadable
from ._messages import Message, Request, Response
from ._version import HTTPVersion

__all__ = [
    "find_end_of_header",
    "find_end_of_chunk_size",
    "find_end_of_trailer",
    "parse_request_line",
    "parse_status_line",
    "parse_header_field",
    "parse_chunk_size",
    "readchunksize",
]

# RFC 9112 §3: method SP request-target SP HTTP-version (single SP; a target of VCHARs).
_REQUEST_LINE = re.compile(rb"([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([!-~]+) HTTP/([0-9])\.([0-9])")
# RFC 9112 §4: HTTP-version SP 3DIGIT SP [ reason-phrase ]; the reason excludes CTLs but HTAB.
_STATUS_LINE = re.compile(rb"HTTP/([0-9])\.([0-9]) ([0-9]{3}) ([\t -~\x80-\xff]*)")
# RFC 9110 §5.1, §5.5 and RFC 9112 §5: field-name ":" OWS field-value OWS, no space before ":".
_FIELD_LINE = re.compile(rb"([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*([\t -~\x80-\xff]*?)[ \t]*")
_SUPPORTED = frozenset({(1, 0), (1, 1)})


def _as_bytes(s: str | bytes | bytearray | memoryview) -> bytes:
    return s.encode("utf-8") if isinstance(s, str) else bytes(s)


def _decode(b: bytes) -> str:
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:  # HTTP.jl #796: a head that is not UTF-8 is read as Latin-1
        return b.decode("latin-1")


def find_end_of_header(data: bytes | bytearray | memoryview, *, limit: int = DEFAULT_LIMITS.max_header_bytes) -> int:
    """The index just after the ``CRLF CRLF`` that ends a head in ``data``, or 0 if the head is
    not complete yet. :class:`HeaderTooLarge` (431) if ``limit`` bytes hold no end of head:
    the search never runs past the limit (HTTP.jl's 64 KiB ``header_size_limit``)."""
    buf = bytes(data[: limit + 4]) if len(data) > limit + 4 else bytes(data)
    end = buf.find(b"\r\n\r\n")
    if end >= 0 and end + 4 <= limit:
        return end + 4
    if len(data) > limit:
        raise HeaderTooLarge(f"no end of head within {limit} bytes", buf[:80], 0)
    return 0


def find_end_of_chunk_size(data: bytes | bytearray | memoryview, *, limit: int = DEFAULT_LIMITS.max_chunk_line) -> int:
    """The index just after the CRLF ending the chunk-size line at the start of ``data``, or 0
    if it is not complete. :class:`InvalidChunk` if the line runs past ``limit`` bytes."""
    buf = bytes(data[: limit + 2])
    end = buf.find(b"\r\n")
    if end >= 0 and end <= limit:
        return end + 2
    if len(data) > limit:
        raise InvalidChunk(f"chunk-size line longer than {limit} bytes", buf[:80], 0)
    return 0


def find_end_of_trailer(data: bytes | bytearray | memoryview, *, limit: int = DEFAULT_LIMITS.max_trailer_bytes) -> int:
    """The index just after the trailer section that starts ``data`` (after the last chunk's
    size line): 2 for an empty section (``CRLF``), else after ``CRLF CRLF``; 0 if incomplete."""
    buf = bytes(data[: limit + 4])
    if buf.startswith(b"\r\n"):
        return 2
    end = buf.find(b"\r\n\r\n")
    if end >= 0 and end + 4 <= limit:
        return end + 4
    if len(data) > limit:
        raise HeaderTooLarge(f"trailer section longer than {limit} bytes", buf[:80], 0)
    return 0


def _first_line(raw: bytes, error: type[InvalidRequestLine] | type[InvalidStatusLine]) -> tuple[bytes, bytes]:
    end = raw.find(b"\r\n")
    if end < 0:
        if b"\n" in raw or b"\r" in raw:
            raise error("start line must end in CRLF (RFC 9112 §2.2)", raw[:80], 0)
        return raw, b""
    return raw[:end], raw[end + 2 :]


def _version(major: bytes, minor: bytes, line: bytes) -> HTTPVersion:
    v = (int(major), int(minor))
    if v not in _SUPPORTED:
        raise UnsupportedVersion(f"HTTP/{v[0]}.{v[1]} is not HTTP/1.x (RFC 9112 §2.3)", line, 0)
    return HTTPVersion(*v)


def parse_request_line(s: str | bytes, req: Request) -> str:
    """Parse the request line at the start of ``s`` into ``req.method``, ``req.target``,
    ``req.version`` (and ``req.url``); return the rest — the field lines — as a ``str``.
    :class:`InvalidRequestLine` for anything but ``method SP target SP HTTP/d.d``;
    :class:`UnsupportedVersion` (505) for a version other than 1.0 and 1.1."""
    raw = _as_bytes(s)
    line, rest = _first_line(raw, InvalidRequestLine)
    m = _REQUEST_LINE.fullmatch(line)
    if m is None:
        raise InvalidRequestLine("malformed request line (RFC 9112 §3)", line, 0)
    method, target = m.group(1).decode("ascii"), m.group(2).decode("ascii")
    if target.startswith("."):
        raise InvalidRequestLine("request target may not start with '.'", line, len(method) + 1)
    req.version = _version(m.group(3), m.group(4), line)
    req.method, req.target = method, target
    req._url = None  # worked out from the new target on first use
    return _decode(rest)


def parse_status_line(s: str | bytes, resp: Response) -> str:
    """Parse the status line at the start of ``s`` into ``resp.status``, ``resp.reason`` and
    ``resp.version``; return the field lines that follow as a ``str``."""
    raw = _as_bytes(s)
    line, rest = _first_line(raw, InvalidStatusLine)
    m = _STATUS_LINE.fullmatch(line)
    if m is None:
        raise InvalidStatusLine("malformed status line (RFC 9112 §4)", line, 0)
    resp.version = _version(m.group(1), m.group(2), line)
    resp.status = int(m.group(3))
    resp.reason = _decode(m.group(4))
    return _decode(rest)


def parse_header_field(s: str | bytes) -> tuple[tuple[str, str] | None, str]:
    """Parse the first field line of ``s``: ``((name, value), rest)``, or ``(None, rest)`` at
    the blank line that ends a head (``rest`` is then what follows it). Whitespace before the
    colon, obs-fold, bare CR or LF and control characters are :class:`InvalidHeaderField`
    (RFC 9112 §5.1, §5.2; RFC 9110 §5.5)."""
    raw = _as_bytes(s)
    end = raw.find(b"\r\n")
    if end < 0:
        raise IncompleteMessage("field line is not terminated by CRLF", raw[:80], 0)
    line, rest = raw[:end], raw[end + 2 :]
    if not line:
        return None, _decode(rest)
    if line[:1] in (b" ", b"\t"):
        raise InvalidHeaderField("obsolete line folding (RFC 9112 §5.2)", line, 0)
    m = _FIELD_LINE.fullmatch(line)
    if m is None:
        colon = line.find(b":")
        what = "no colon" if colon < 0 else "invalid name or value"
        raise InvalidHeaderField(f"malformed field line: {what} (RFC 9112 §5)", line, 0)
    return (m.group(1).decode("ascii"), _decode(m.group(2))), _decode(rest)


def parse_chunk_size(data: bytes | bytearray | memoryview) -> int:
    """The size a chunk-size line announces (its CRLF optional): 1*HEXDIG, extensions checked
    and ignored; :class:`InvalidChunk` for anything else or a size over 2**63 - 1."""
    line = bytes(data)
    if line.endswith(b"\r\n"):
        line = line[:-2]
    return chunk_size(line, 0, True)


def readchunksize(io_: LineReadable, m: Message) -> int:
    """Read one chunk-size line from a buffered stream and return the size. At the last chunk
    (size 0) the trailer section is read too, and its fields appended to ``m.trailers``."""
    limit = DEFAULT_LIMITS.max_chunk_line
    line = io_.readline(limit + 2)
    if not line.endswith(b"\r\n"):
        if len(line) > limit:
            raise InvalidChunk(f"chunk-size line longer than {limit} bytes", line[:80], 0)
        raise IncompleteMessage("the stream ended inside a chunk-size line", line, 0)
    size = parse_chunk_size(line)
    if size == 0:
        fields: list[tuple[str, str]] = []
        while True:
            tline = io_.readline(DEFAULT_LIMITS.max_trailer_bytes)
            pair, _ = parse_header_field(tline)
            if pair is None:
                break
            fields.append(pair)
        m.trailers.extend(Headers(fields))
    return size
