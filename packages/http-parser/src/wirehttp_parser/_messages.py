"""HTTP messages: :class:`Request` and :class:`Response` (HTTP.jl's ``HTTP.Messages``).

Messages are plain mutable values with ``__slots__``: the client builds a request and fills in
its response, the server the other way round, and layers mutate headers as HTTP.jl's do. They
hold no I/O; :func:`write`, :func:`writeheaders` and :func:`readheaders` move them over a
blocking binary stream, and ``Request.parse``/``Response.parse`` build them from bytes through
the sans-I/O parser.

``repr()`` and ``str()`` give HTTP.jl's multi-line ``show`` form, with credentials masked;
``bytes(m)`` gives the exact wire form (HTTP.jl's ``String(m)``).
"""

from __future__ import annotations

import io
import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from typing import Protocol, overload

from ._body import Body, BodyLike, Readable, nbytes
from ._context import Context
from ._errors import IncompleteMessage, InvalidContentLength, ParseError, ProtocolError
from ._events import NEED_DATA, PAUSED, Data, EndOfMessage, RequestHead, ResponseHead
from ._headers import Headers, HeadersLike
from ._limits import DEFAULT_LIMITS, Limits
from ._parser import RequestParser, ResponseParser
from ._status import statustext
from ._uri import URI, escapeuri
from ._version import HTTP_1_1, HTTPVersion
from ._writer import encode_chunk, encode_last_chunk, encode_request_head, encode_response_head

__all__ = [
    "Message",
    "Request",
    "Response",
    "nobody",
    "iserror",
    "isredirect",
    "ischunked",
    "issafe",
    "isidempotent",
    "retryable",
    "headerscomplete",
    "bodylength",
    "hasbody",
    "keepalive",
    "expectcontinue",
    "isupgrade",
    "writestartline",
    "writeheaders",
    "write",
    "readheaders",
    "set_show_max",
]

nobody = b""
"""The empty body (HTTP.jl's ``HTTP.nobody``)."""

# At most this many body bytes are shown by repr() (HTTP.jl's BODY_SHOW_MAX).
_show_max = 1000
_SECRET = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})


def set_show_max(n: int) -> None:
    """Show at most ``n`` body bytes in a message's ``repr`` (default 1000)."""
    global _show_max
    _show_max = n


class Writable(Protocol):
    def write(self, data: bytes, /) -> object: ...


class LineReadable(Protocol):
    """A buffered binary stream that can read one line: ``socket.makefile("rb")``, a
    ``BufferedReader``, ``BytesIO``."""

    def readline(self, size: int = -1, /) -> bytes: ...


def _normalise_body(body: object) -> object:
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytearray, memoryview)):
        return bytes(body)
    return body


class Message(ABC):
    """What requests and responses share: a version, headers, a body and trailers."""

    __slots__ = ("version", "headers", "body", "trailers")

    version: HTTPVersion
    headers: Headers
    body: object
    trailers: Headers

    # -- body -------------------------------------------------------------------------------
    @property
    def text(self) -> str:
        """The body decoded with the charset of its Content-Type (UTF-8 if none is given;
        ISO-8859-1 bodies decode as such, as HTTP.jl's ``payload(m, String)`` does)."""
        data = self.body_bytes()
        charset = "utf-8"
        ctype = self.headers.get("Content-Type", "")
        for param in ctype.split(";")[1:]:
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "charset" and value:
                charset = value.strip().strip('"')
        try:
            return data.decode(charset, errors="replace")
        except LookupError:
            return data.decode("utf-8", errors="replace")

    def json(self) -> object:
        """The body parsed as JSON."""
        return json.loads(self.body_bytes())

    def body_bytes(self) -> bytes:
        """The body as bytes. A mapping body is form-urlencoded; a :class:`Body` or an iterable
        of chunks is joined; a readable stream is *read* (and so consumed)."""
        b = self.body
        if isinstance(b, bytes):
            return b
        return b"".join(_iter_body(b))

    def __bytes__(self) -> bytes:
        """The exact wire form: start line, headers, body (HTTP.jl's ``String(m)``)."""
        out = io.BytesIO()
        write(out, self)
        return out.getvalue()

    @abstractmethod
    def _startline(self) -> str:
        """The request or status line as shown by repr()."""

    def _show(self) -> str:
        lines = [f"{type(self).__name__}:", '"""', self._startline()]
        for name, value in self.headers:
            if not value:
                continue
            lines.append(f"{name}: {'******' if name.lower() in _SECRET else value}")
        lines.append("")
        body = self.body
        if isinstance(body, bytes):
            if body:
                try:
                    text = body[:_show_max].decode("utf-8")
                except UnicodeDecodeError:
                    lines.append(f"⋮\n{len(body)}-byte body")
                else:
                    lines.append(text)
                    if len(body) > _show_max:
                        lines.append(f"⋮\n{len(body)}-byte body")
        elif body is not None:
            lines.append(f"[{type(body).__name__} body]")
        lines.append('"""')
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self._show()

    __str__ = __repr__


class Request(Message):
    """An HTTP request.

    ``Request("GET", "/", headers, body, version=..., url=..., response=..., parent=...,
    context=...)``. ``headers`` is any collection of pairs (copied into a new
    :class:`Headers`); ``body`` is bytes, ``str`` (stored as UTF-8 bytes), a readable
    stream, an iterable of chunks, a mapping (form-urlencoded when sent) or a :class:`Body`.
    An empty target becomes ``"/"``. ``url`` is the URI the request is for (the client fills
    it); ``response`` is the response once there is one; ``parent`` is the redirect response
    that led to this request; ``context`` holds typed per-request values.
    """

    __slots__ = ("method", "target", "url", "response", "parent", "context")

    method: str
    target: str
    url: URI
    response: Response | None
    parent: Response | None
    context: Context

    def __init__(
        self,
        method: str = "GET",
        target: str = "/",
        headers: HeadersLike | None = None,
        body: BodyLike = nobody,
        *,
        version: HTTPVersion | str = HTTP_1_1,
        url: URI | str | None = None,
        response: Response | None = None,
        parent: Response | None = None,
        context: Context | None = None,
    ) -> None:
        self.method = method
        self.target = target or "/"
        self.headers = Headers(headers)
        self.body = _normalise_body(body)
        self.trailers = Headers()
        self.version = version if isinstance(version, HTTPVersion) else HTTPVersion.parse(version)
        if url is None:
            self.url = _url_from_target(self.target)
        else:
            self.url = url if isinstance(url, URI) else URI(url)
        self.response = response
        self.parent = parent
        self.context = context if context is not None else Context()

    @classmethod
    def _from_head(cls, head: RequestHead) -> Request:
        self = cls.__new__(cls)
        self.method = head.method
        self.target = head.target
        self.headers = head.headers
        self.body = nobody
        self.trailers = Headers()
        self.version = head.version
        self.url = _url_from_target(head.target)
        self.response = None
        self.parent = None
        self.context = Context()
        return self

    def _startline(self) -> str:
        return f"{self.method} {self.target} HTTP/{self.version}"

    @classmethod
    def parse(cls, data: bytes | str, *, strict: bool = True, limits: Limits = DEFAULT_LIMITS) -> Request:
        """Parse one whole request (head and body) from ``data``; bytes after its end are
        ignored, as in HTTP.jl's ``parse(Request, str)``. Incomplete input raises
        :class:`IncompleteMessage`."""
        parser = RequestParser(strict=strict, limits=limits)
        head, body, trailers = _parse_one(parser, data)
        assert isinstance(head, RequestHead)
        req = cls._from_head(head)
        req.body = body
        req.trailers = trailers
        return req


def _url_from_target(target: str) -> URI:
    """The URI a request target names, as far as the target alone says (RFC 9112 §3.2)."""
    try:
        if target.startswith("/"):
            return URI(path=target.partition("?")[0], query=target.partition("?")[2])
        if "://" in target:
            return URI(target)
    except ValueError:
        pass
    return URI()


class Response(Message):
    """An HTTP response.

    ``Response(200)``, ``Response(200, body)``, ``Response(200, headers, body)``,
    ``Response(200, headers, body=...)`` and ``Response(body)`` (status 200) all work; a ``str``
    body is stored as UTF-8 bytes. ``request`` is the request this answers, ``reason`` the
    reason phrase (``statustext(status)`` unless the peer sent another).
    """

    __slots__ = ("status", "reason", "request")

    status: int
    reason: str
    request: Request | None

    @overload
    def __init__(
        self,
        status: int = 200,
        headers: HeadersLike | None = None,
        body: BodyLike = nobody,
        *,
        version: HTTPVersion | str = HTTP_1_1,
        request: Request | None = None,
        reason: str | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        status: int,
        body: bytes | str,
        /,
        *,
        version: HTTPVersion | str = HTTP_1_1,
        request: Request | None = None,
        reason: str | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        body: bytes | str,
        /,
        *,
        version: HTTPVersion | str = HTTP_1_1,
        request: Request | None = None,
        reason: str | None = None,
    ) -> None: ...
    def __init__(
        self,
        status: int | bytes | str = 200,
        headers: HeadersLike | bytes | str | None = None,
        body: BodyLike = nobody,
        *,
        version: HTTPVersion | str = HTTP_1_1,
        request: Request | None = None,
        reason: str | None = None,
    ) -> None:
        if isinstance(status, (bytes, str)):  # Response(body)
            body, status, headers = status, 200, None
        if isinstance(headers, (bytes, str)):  # Response(status, body)
            body, headers = headers, None
        if isinstance(status, bool) or not isinstance(status, int):
            raise TypeError(f"status must be an int, got {status!r}")
        self.status = status
        self.reason = reason if reason is not None else statustext(status)
        self.headers = Headers(headers)
        self.body = _normalise_body(body)
        self.trailers = Headers()
        self.version = version if isinstance(version, HTTPVersion) else HTTPVersion.parse(version)
        self.request = request

    @classmethod
    def _from_head(cls, head: ResponseHead, request: Request | None = None) -> Response:
        self = cls.__new__(cls)
        self.status = head.status
        self.reason = head.reason
        self.headers = head.headers
        self.body = nobody
        self.trailers = Headers()
        self.version = head.version
        self.request = request
        return self

    def _startline(self) -> str:
        return f"HTTP/{self.version} {self.status} {self.reason}"

    @classmethod
    def parse(
        cls,
        data: bytes | str,
        *,
        request_method: str = "GET",
        strict: bool = True,
        limits: Limits = DEFAULT_LIMITS,
    ) -> Response:
        """Parse one whole response from ``data`` (a close-delimited body runs to the end of
        ``data``); 1xx informational heads before the final one are skipped. Bytes after the
        framed end are ignored."""
        parser = ResponseParser(strict=strict, limits=limits)
        parser.expect(request_method)
        head, body, trailers = _parse_one(parser, data)
        assert isinstance(head, ResponseHead)
        resp = cls._from_head(head)
        resp.body = body
        resp.trailers = trailers
        return resp


def _parse_one(
    parser: RequestParser | ResponseParser, data: bytes | str
) -> tuple[RequestHead | ResponseHead, bytes, Headers]:
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    parser.feed(raw)
    head: RequestHead | ResponseHead | None = None
    chunks: list[bytes] = []
    eof_sent = False
    while True:
        event = parser.next_event()
        if event is NEED_DATA:
            if eof_sent:
                raise IncompleteMessage("the input ended before the message did", raw[-80:], len(raw))
            parser.feed_eof()
            eof_sent = True
            continue
        if event is PAUSED:
            if head is None:
                raise IncompleteMessage("no message in the input", raw[:80], 0)
            return head, b"".join(chunks), Headers()
        if isinstance(event, ResponseHead) and event.status < 200 and event.status != 101:
            continue  # informational; the final response follows
        if isinstance(event, (RequestHead, ResponseHead)):
            head = event
        elif isinstance(event, Data):
            chunks.append(event.data)
        elif isinstance(event, EndOfMessage):
            assert head is not None
            return head, b"".join(chunks), event.trailers


# -- predicates (HTTP.jl's Messages predicates) ------------------------------------------------

def _status_of(x: Response | int) -> int:
    return x if isinstance(x, int) else x.status


def iserror(x: Response | int) -> bool:
    """True for a status that is an error: 4xx, 5xx, or not a valid status at all (outside
    100–599). Unlike HTTP.jl 1.x, 3xx are not errors here: the client raises ``StatusError``
    for a redirect it does not follow, and never for 304 Not Modified (BRIEF decision)."""
    s = _status_of(x)
    return s != 0 and (s >= 400 or s < 100)


_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def isredirect(x: Response | int) -> bool:
    """True for 301, 302, 303, 307 and 308: the statuses the client follows."""
    return _status_of(x) in _REDIRECTS


def ischunked(m: Message) -> bool:
    """True if the last Transfer-Encoding coding is ``chunked`` (RFC 9112 §6.1)."""
    te = m.headers.getall("Transfer-Encoding")
    return bool(te) and te[-1].rsplit(",", 1)[-1].strip().lower() == "chunked"


_SAFE = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_IDEMPOTENT = _SAFE | {"PUT", "DELETE"}


def issafe(x: Request | str) -> bool:
    """GET, HEAD, OPTIONS and TRACE (RFC 9110 §9.2.1)."""
    return (x if isinstance(x, str) else x.method).upper() in _SAFE


def isidempotent(x: Request | str) -> bool:
    """The safe methods plus PUT and DELETE (RFC 9110 §9.2.2)."""
    return (x if isinstance(x, str) else x.method).upper() in _IDEMPOTENT


_RETRYABLE = frozenset({403, 408, 409, 429})


def retryable(x: Response | int) -> bool:
    """403, 408, 409, 429 and every 5xx: the statuses worth retrying (HTTP.jl's list, with
    all of 5xx as the BRIEF decides)."""
    s = _status_of(x)
    return s in _RETRYABLE or 500 <= s <= 599


def headerscomplete(m: Message) -> bool:
    """A response has a final status (not 0 and not 100); a request has a method."""
    if isinstance(m, Response):
        return m.status not in (0, 100)
    assert isinstance(m, Request)
    return m.method != ""


def _content_length(m: Message) -> int | None:
    values = m.headers.getall("Content-Length")
    if not values:
        return None
    items = {v.strip() for value in values for v in value.split(",")}
    if len(items) != 1:
        raise InvalidContentLength(f"differing Content-Length values {values!r}", ", ".join(values).encode())
    (text,) = items
    if not text.isdigit() or not text.isascii():
        raise InvalidContentLength(f"invalid Content-Length {text!r}", text.encode())
    return int(text)


def bodylength(m: Message) -> int | None:
    """The body length the head announces (RFC 9112 §6.3): 0 for a response to HEAD and for
    1xx, 204 and 304; ``None`` (unknown) for chunked bodies and for responses read until the
    connection closes; otherwise Content-Length (0 for a request with neither)."""
    if isinstance(m, Response):
        if m.request is not None and m.request.method == "HEAD":
            return 0
        if m.status < 200 or m.status in (204, 304):
            return 0
        if ischunked(m):
            return None
        return _content_length(m)
    if ischunked(m):
        return None
    n = _content_length(m)
    return 0 if n is None else n


def hasbody(m: Message) -> bool:
    """True if the message carries (or announces) a body."""
    n = bodylength(m)
    return n is None or n > 0


def keepalive(m: Message) -> bool:
    """True if the connection stays open after this message (RFC 9112 §9.3): HTTP/1.1 unless
    ``Connection: close``; HTTP/1.0 only with ``Connection: keep-alive``."""
    tokens = {t.strip().lower() for v in m.headers.getall("Connection") for t in v.split(",")}
    if "close" in tokens:
        return False
    if m.version >= HTTP_1_1:
        return True
    return "keep-alive" in tokens


def expectcontinue(m: Request) -> bool:
    """The request asks for ``100 Continue`` before it sends its body (RFC 9110 §10.1.1)."""
    return m.version >= HTTP_1_1 and m.headers.get("Expect", "").strip().lower() == "100-continue"


def isupgrade(m: Message) -> bool:
    """The message asks for (or, as a 101, confirms) a protocol upgrade (RFC 9110 §7.8)."""
    if isinstance(m, Response) and m.status == 101:
        return True
    return "Upgrade" in m.headers and any(
        t.strip().lower() == "upgrade" for v in m.headers.getall("Connection") for t in v.split(",")
    )


# -- writing ------------------------------------------------------------------------------------

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


def _iter_body(b: object) -> Iterable[bytes]:
    if b is None:
        return
    if isinstance(b, bytes):
        if b:
            yield b
    elif isinstance(b, (bytearray, memoryview)):
        if len(b):
            yield bytes(b)
    elif isinstance(b, str):
        if b:
            yield b.encode("utf-8")
    elif isinstance(b, Body):
        yield from b.chunks()
    elif isinstance(b, Readable):
        while chunk := b.read(65536):
            yield chunk
    elif isinstance(b, Mapping):
        yield escapeuri(b).encode("ascii")
    elif isinstance(b, Iterable):
        for part in b:
            yield from _iter_body(part)
    else:
        raise TypeError(f"cannot send a body of type {type(b).__name__}")


def write(io_: Writable, m: Message) -> None:
    """Write the whole message: head, then the body — as chunks (and trailers) if the message
    is chunked, else as is. Refuses a message that announces both Content-Length and
    Transfer-Encoding (RFC 9112 §6.2: a sender MUST NOT)."""
    if "Content-Length" in m.headers and "Transfer-Encoding" in m.headers:
        raise ProtocolError("a message must not carry both Content-Length and Transfer-Encoding")
    io_.write(_head_bytes(m))
    if ischunked(m):
        for chunk in _iter_body(m.body):
            io_.write(encode_chunk(chunk))
        io_.write(encode_last_chunk(m.trailers))
    else:
        for chunk in _iter_body(m.body):
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
            m.url = _url_from_target(event.target)
            return
        if isinstance(event, ResponseHead) and isinstance(m, Response):
            m.status, m.reason, m.version, m.headers = event.status, event.reason, event.version, event.headers
            return
        raise ParseError(f"unexpected parser event {event!r} while reading a head")

