"""HTTP messages: :class:`Request` and :class:`Response` (HTTP.jl's ``HTTP.Messages``);
their predicates live in ``_predicates`` and their stream I/O in ``_messageio``.

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
import weakref
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TypeAlias, cast, overload

from ._body import Body, BodyLike, Readable, body_chunks
from ._context import Context
from ._errors import IncompleteMessage
from ._events import CLOSED, NEED_DATA, PAUSED, Data, EndOfMessage, RequestHead, ResponseHead
from ._headers import _SECRET, Headers, HeadersLike
from ._limits import DEFAULT_LIMITS, Limits
from ._parser import RequestParser, ResponseParser
from ._status import statustext
from ._uri import URI
from ._version import HTTP_1_1, HTTPVersion

# Header collections a caller passes as Response's second argument (never a body).
_HEADER_CONTAINERS: frozenset[type] = frozenset((list, tuple, dict, Headers))

__all__ = [
    "Message",
    "Request",
    "Response",
    "nobody",
    "set_show_max",
]

nobody = b""
"""The empty body (HTTP.jl's ``HTTP.nobody``)."""

# At most this many body bytes are shown by repr() (HTTP.jl's BODY_SHOW_MAX).
_show_max = 1000


def set_show_max(n: int) -> None:
    """Show at most ``n`` body bytes in a message's ``repr`` (default 1000)."""
    global _show_max
    _show_max = n


def _normalise_body(body: object) -> object:
    if type(body) is bytes:
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytearray, memoryview)):
        return bytes(body)
    return body


SingleBody: TypeAlias = "bytes | bytearray | memoryview | str | Readable | Body"
"""A body that can stand alone as ``Response(status, body)``'s second argument. An iterable of
chunks can't (a list of pairs would be ambiguous): pass it as ``Response(status, headers, body)``."""


def _version_arg(version: HTTPVersion | str) -> HTTPVersion:
    if type(version) is HTTPVersion or isinstance(version, HTTPVersion):
        return version
    return HTTPVersion.parse(version)


def _NO_RESPONSE() -> None:
    return None


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
        return b"".join(body_chunks(b))

    def __bytes__(self) -> bytes:
        """The exact wire form: start line, headers, body (HTTP.jl's ``String(m)``)."""
        # Writing lives in _messageio, which builds on this module; import it here, late.
        from ._messageio import write

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
                except UnicodeDecodeError as exc:
                    # A character cut by the show limit is not a binary body: drop the piece.
                    cut = len(body) > _show_max and exc.start >= _show_max - 3
                    text = body[: exc.start].decode("utf-8") if cut else ""
                    if not cut:
                        lines.append(f"⋮\n{len(body)}-byte body")
                if text:
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

    __slots__ = ("method", "target", "_url", "_response", "parent", "_context", "__weakref__")

    method: str
    target: str
    _url: URI | None
    _response: Callable[[], Response | None]
    parent: Response | None
    _context: Context | None

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
        self.version = _version_arg(version)
        self._url = None if url is None else url if isinstance(url, URI) else URI(url)
        self.response = response
        self.parent = parent
        self._context = context

    @classmethod
    def _from_head(cls, head: RequestHead) -> Request:
        self = cls.__new__(cls)
        self.method = head.method
        self.target = head.target
        self.headers = head.headers
        self.body = nobody
        self.trailers = Headers()
        self.version = head.version
        self._url = None
        self._response = _NO_RESPONSE
        self.parent = None
        self._context = None
        return self

    # url and context are made on first use: a server answers most requests without either,
    # and parsing the target into a URI was a fifth of its per-request time.
    @property
    def url(self) -> URI:
        """The URI this request is for: what the target says (RFC 9112 §3.2) unless set —
        the client sets the full URL."""
        u = self._url
        if u is None:
            u = self._url = _url_from_target(self.target)
        return u

    @url.setter
    def url(self, value: URI) -> None:
        self._url = value

    @property
    def context(self) -> Context:
        """Typed per-request values (HTTP.jl's ``req.context``)."""
        c = self._context
        if c is None:
            c = self._context = Context()
        return c

    @context.setter
    def context(self, value: Context) -> None:
        self._context = value

    @property
    def response(self) -> Response | None:
        """The response to this request, once there is one. The link is weak (the response
        holds its request strongly): a request ↔ response cycle would keep every body alive
        until the cyclic garbage collector runs."""
        return self._response()

    @response.setter
    def response(self, value: Response | None) -> None:
        self._response = _NO_RESPONSE if value is None else weakref.ref(value)

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

    __slots__ = ("status", "reason", "request", "__weakref__")

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
        body: SingleBody,
        /,
        *,
        version: HTTPVersion | str = HTTP_1_1,
        request: Request | None = None,
        reason: str | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self,
        body: SingleBody,
        /,
        *,
        version: HTTPVersion | str = HTTP_1_1,
        request: Request | None = None,
        reason: str | None = None,
    ) -> None: ...
    def __init__(
        self,
        status: int | SingleBody = 200,
        headers: HeadersLike | SingleBody | None = None,
        body: BodyLike = nobody,
        *,
        version: HTTPVersion | str = HTTP_1_1,
        request: Request | None = None,
        reason: str | None = None,
    ) -> None:
        # The exact-type tests first: isinstance against a runtime-checkable Protocol walks
        # the protocol's members (~5 µs each), and Response(200, [...], body) is the hot path.
        if type(status) is not int and isinstance(
            status, (bytes, bytearray, memoryview, str, Readable, Body)
        ):
            body, status, headers = status, 200, None  # Response(body)
        if (
            headers is not None
            and type(headers) not in _HEADER_CONTAINERS
            and isinstance(headers, (bytes, bytearray, memoryview, str, Readable, Body))
        ):
            body, headers = headers, None  # Response(status, body)
        if isinstance(status, bool) or not isinstance(status, int):
            raise TypeError(f"status must be an int, got {status!r}")
        self.status = status
        self.reason = reason if reason is not None else statustext(status)
        # The exact-type test above hides from mypy that a body can't be left here.
        self.headers = Headers(cast("HeadersLike | None", headers))
        self.body = _normalise_body(body)
        self.trailers = Headers()
        self.version = _version_arg(version)
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
        if event is CLOSED or (event is PAUSED and head is None):
            raise IncompleteMessage("no message in the input", raw[:80], 0)
        if event is PAUSED:
            assert head is not None
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
