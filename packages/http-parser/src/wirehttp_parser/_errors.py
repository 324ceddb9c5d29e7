"""The error tree shared by every wirehttp package.

One root, :class:`HTTPError`, as in HTTP.jl. Every error carries what a caller needs to decide
what to do: a parse error carries the status a server should answer, the offending bytes and
their offset in the stream; a URI error names the part at fault. Lower layers' errors are
translated at each boundary with ``raise ... from exc``.

    HTTPError
    ├── ParseError                      (status 400 unless a subclass says otherwise)
    │   ├── InvalidRequestLine
    │   ├── InvalidStatusLine
    │   ├── InvalidHeaderField
    │   ├── InvalidHost                 (missing, repeated or malformed Host, RFC 9112 §3.2)
    │   ├── InvalidContentLength        (RFC 9112 §6.3 rule 5)
    │   ├── InvalidFraming              (CL with TE, TE on a request not ending in chunked, …)
    │   ├── InvalidChunk                (bad chunk-size line, missing CRLF after data)
    │   ├── RequestLineTooLong          (414)
    │   ├── HeaderTooLarge              (431)
    │   ├── BodyTooLarge                (413)
    │   ├── UnsupportedTransferCoding   (501)
    │   ├── UnsupportedVersion          (505)
    │   └── IncompleteMessage           (the peer closed mid-message)
    ├── URIError                        (also a ValueError)
    ├── DecodeError                     (a Content-Encoding could not be decoded)
    │   └── DecodedSizeError            (decoded body over its cap)
    └── ProtocolError                   (we were asked to *send* something the RFCs forbid)
"""

from __future__ import annotations

__all__ = [
    "HTTPError",
    "ParseError",
    "InvalidRequestLine",
    "InvalidStatusLine",
    "InvalidHeaderField",
    "InvalidHost",
    "InvalidContentLength",
    "InvalidFraming",
    "InvalidChunk",
    "RequestLineTooLong",
    "HeaderTooLarge",
    "BodyTooLarge",
    "UnsupportedTransferCoding",
    "UnsupportedVersion",
    "IncompleteMessage",
    "URIError",
    "DecodeError",
    "DecodedSizeError",
    "ProtocolError",
]

# How much of the offending input an error keeps and shows: enough to recognise it, never a
# whole hostile header block in a log line.
_SHOWN = 80


class HTTPError(Exception):
    """Root of every error raised by wirehttp (HTTP.jl's ``HTTP.Exceptions.HTTPError``)."""


class ParseError(HTTPError):
    """The peer sent bytes that are not a valid HTTP/1.1 message.

    ``code`` is HTTP.jl's symbolic name (``"INVALID_REQUEST_LINE"``, …); ``status`` is what a
    server should answer before closing the connection; ``data`` holds the offending bytes and
    ``offset`` their position in the connection's input stream, when known.
    """

    code: str = "INVALID_MESSAGE"
    status: int = 400

    def __init__(
        self,
        message: str,
        data: bytes = b"",
        offset: int | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.data = bytes(data[: _SHOWN * 4])
        self.offset = offset
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        text = self.message
        if self.data:
            shown = self.data[:_SHOWN]
            more = "…" if len(self.data) > _SHOWN else ""
            text += f": {shown!r}{more}"
        if self.offset is not None:
            text += f" at offset {self.offset}"
        return text

    def __reduce__(self) -> tuple[object, ...]:
        return (
            _rebuild_parse_error,
            (type(self), self.message, self.data, self.offset, self.code, self.status),
        )


def _rebuild_parse_error(
    cls: type[ParseError], message: str, data: bytes, offset: int | None, code: str, status: int
) -> ParseError:
    return cls(message, data, offset, code=code, status=status)


class InvalidRequestLine(ParseError):
    code = "INVALID_REQUEST_LINE"


class InvalidStatusLine(ParseError):
    code = "INVALID_STATUS_LINE"


class InvalidHeaderField(ParseError):
    code = "INVALID_HEADER_FIELD"


class InvalidHost(ParseError):
    code = "INVALID_HOST"


class InvalidContentLength(ParseError):
    code = "INVALID_CONTENT_LENGTH"


class InvalidFraming(ParseError):
    code = "INVALID_FRAMING"


class InvalidChunk(ParseError):
    code = "INVALID_CHUNK_SIZE"


class RequestLineTooLong(ParseError):
    code = "REQUEST_LINE_TOO_LONG"
    status = 414


class HeaderTooLarge(ParseError):
    code = "HEADER_SIZE_EXCEEDS_LIMIT"
    status = 431


class BodyTooLarge(ParseError):
    code = "BODY_SIZE_EXCEEDS_LIMIT"
    status = 413


class UnsupportedTransferCoding(ParseError):
    code = "UNSUPPORTED_TRANSFER_CODING"
    status = 501


class UnsupportedVersion(ParseError):
    code = "UNSUPPORTED_VERSION"
    status = 505


class IncompleteMessage(ParseError, EOFError):
    """The input ended before the message did (RFC 9112 §8). Also an ``EOFError``, which is
    what HTTP.jl's ``readheaders`` throws for incomplete input."""

    code = "INCOMPLETE_MESSAGE"


class URIError(HTTPError, ValueError):
    """A URI string or URI part is malformed. ``part`` names the component at fault
    (``"scheme"``, ``"userinfo"``, ``"host"``, ``"port"``, ``"path"``, ``"query"``,
    ``"fragment"`` or ``"uri"``) and ``value`` holds the offending text."""

    def __init__(self, message: str, *, part: str, value: str) -> None:
        super().__init__(f"{message} (in {part}: {value[:_SHOWN]!r})")
        self.part = part
        self.value = value

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_uri_error, (type(self), str(self), self.part, self.value))


def _rebuild_uri_error(cls: type[URIError], text: str, part: str, value: str) -> URIError:
    err = cls.__new__(cls)
    Exception.__init__(err, text)
    err.part = part
    err.value = value
    return err


class DecodeError(HTTPError):
    """A body could not be decoded with its ``Content-Encoding`` (``encoding``)."""

    def __init__(self, message: str, *, encoding: str) -> None:
        super().__init__(f"{message} (Content-Encoding: {encoding})")
        self.encoding = encoding


class DecodedSizeError(DecodeError):
    """The decoded body grew past ``limit`` bytes (a decompression bomb, or a cap set too low)."""

    def __init__(self, *, encoding: str, limit: int) -> None:
        super().__init__(f"decoded body exceeds the limit of {limit} bytes", encoding=encoding)
        self.limit = limit


class ProtocolError(HTTPError, ValueError):
    """We were asked to send something the RFCs forbid: a header value with CR/LF, a name that
    is no token, Content-Length together with Transfer-Encoding, a body on a 204, …"""
