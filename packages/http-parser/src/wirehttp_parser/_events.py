"""What the parser hands back: one value per piece of a message, plus three signals.

A message comes out as a head (:class:`RequestHead` or :class:`ResponseHead`), zero or more
:class:`Data` events carrying the content, and one :class:`EndOfMessage` carrying the trailers.
When the parser has nothing more to give it returns a :class:`Signal` instead: ``NEED_DATA``
(feed more bytes), ``PAUSED`` (HTTP/1.1 ends here on this connection: an upgrade, a tunnel, or a
message after which the connection must close) or ``CLOSED`` (the peer closed cleanly between
messages).

These are on the hot path, one or more per message, so they are plain classes with
``__slots__`` and a positional ``__init__`` rather than frozen dataclasses, which cost several
microseconds each to build. Treat them as read-only values; they compare by value.

The heads carry the *framing facts* the parser worked out from the fields (RFC 9112 §6.3, §9.3),
so a caller never re-parses ``Content-Length``, ``Transfer-Encoding`` or ``Connection``.
"""

from __future__ import annotations

import enum
from typing import Final, TypeAlias, final

from ._headers import Headers
from ._version import HTTPVersion

__all__ = [
    "RequestHead",
    "ResponseHead",
    "Data",
    "EndOfMessage",
    "Event",
    "Signal",
    "NEED_DATA",
    "PAUSED",
    "CLOSED",
]


# mypyc: a native class's __slots__ cannot be read through the class object, so the field
# names used by __eq__/__repr__ are module constants.
_REQUESTHEAD_FIELDS: Final = (
    "method", "target", "version", "headers", "content_length", "chunked", "keep_alive",
    "upgrade", "expect_continue",
)
_RESPONSEHEAD_FIELDS: Final = (
    "status", "reason", "version", "headers", "content_length", "chunked", "keep_alive",
    "upgrade",
)


@final
class RequestHead:
    """The request line and header fields of a request, and how its body is framed.

    ``method``, ``target`` and ``version`` are from the request line, ``headers`` in wire order
    with their raw case. Framing facts:

    ``content_length``
        Bytes of content that follow (0 without ``Content-Length`` and ``Transfer-Encoding``,
        RFC 9112 §6.3 rule 6), or ``None`` when the body is chunked.
    ``chunked``
        The body uses the chunked transfer coding.
    ``keep_alive``
        The connection may carry another request after this one (RFC 9112 §9.3): HTTP/1.1
        unless ``Connection: close``; HTTP/1.0 only with ``Connection: keep-alive``. False too
        in lenient mode when ``Content-Length`` came with ``Transfer-Encoding`` (§6.1).
    ``upgrade``
        The ``Upgrade`` field's value when the client asks to switch protocols (HTTP/1.1,
        ``Upgrade`` present and ``upgrade`` in ``Connection``, RFC 9110 §7.8), else ``None``.
        After such a request, and after any ``CONNECT``, the parser pauses.
    ``expect_continue``
        ``Expect: 100-continue`` on an HTTP/1.1 request (RFC 9110 §10.1.1): the client waits
        for a 100 response before sending the body.
    """

    __slots__ = (
        "method",
        "target",
        "version",
        "headers",
        "content_length",
        "chunked",
        "keep_alive",
        "upgrade",
        "expect_continue",
    )

    method: str
    target: str
    version: HTTPVersion
    headers: Headers
    content_length: int | None
    chunked: bool
    keep_alive: bool
    upgrade: str | None
    expect_continue: bool

    def __init__(
        self,
        method: str,
        target: str,
        version: HTTPVersion,
        headers: Headers,
        content_length: int | None = 0,
        chunked: bool = False,
        keep_alive: bool = True,
        upgrade: str | None = None,
        expect_continue: bool = False,
    ) -> None:
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.content_length = content_length
        self.chunked = chunked
        self.keep_alive = keep_alive
        self.upgrade = upgrade
        self.expect_continue = expect_continue

    def __eq__(self, other: object) -> bool:
        if type(other) is not RequestHead:
            return NotImplemented
        return all(getattr(self, s) == getattr(other, s) for s in _REQUESTHEAD_FIELDS)

    __hash__ = None  # type: ignore[assignment]  # holds mutable Headers

    def __repr__(self) -> str:
        fields = ", ".join(f"{s}={getattr(self, s)!r}" for s in _REQUESTHEAD_FIELDS)
        return f"RequestHead({fields})"


@final
class ResponseHead:
    """The status line and header fields of a response, and how its body is framed.

    A 1xx interim response (100, 102, 103) is delivered as its own head with
    ``informational`` true and no :class:`EndOfMessage`; the final response follows. A 101
    (Switching Protocols) ends HTTP on the connection: it gets an :class:`EndOfMessage` and the
    parser pauses with the new protocol's first bytes in ``trailing_data``; so does a 2xx answer
    to ``CONNECT``.

    ``content_length``
        Bytes of content that follow: 0 for a response that has none (to HEAD, 1xx, 204, 304,
        RFC 9112 §6.3 rule 1, or a tunnel), ``None`` when chunked or delimited by the close of
        the connection (no ``Content-Length`` and no ``Transfer-Encoding``, §6.3 rule 7).
    ``chunked``
        The body uses the chunked transfer coding.
    ``keep_alive``
        The connection may carry another response (RFC 9112 §9.3); never for a body delimited
        by the close.
    ``upgrade``
        On a 101 response, the ``Upgrade`` field's value (``""`` if the server sent none);
        otherwise ``None``.
    """

    __slots__ = (
        "status",
        "reason",
        "version",
        "headers",
        "content_length",
        "chunked",
        "keep_alive",
        "upgrade",
    )

    status: int
    reason: str
    version: HTTPVersion
    headers: Headers
    content_length: int | None
    chunked: bool
    keep_alive: bool
    upgrade: str | None

    def __init__(
        self,
        status: int,
        reason: str,
        version: HTTPVersion,
        headers: Headers,
        content_length: int | None = None,
        chunked: bool = False,
        keep_alive: bool = True,
        upgrade: str | None = None,
    ) -> None:
        self.status = status
        self.reason = reason
        self.version = version
        self.headers = headers
        self.content_length = content_length
        self.chunked = chunked
        self.keep_alive = keep_alive
        self.upgrade = upgrade

    @property
    def informational(self) -> bool:
        """A 1xx interim response other than 101: the final response is still to come."""
        return 100 <= self.status < 200 and self.status != 101

    def __eq__(self, other: object) -> bool:
        if type(other) is not ResponseHead:
            return NotImplemented
        return all(getattr(self, s) == getattr(other, s) for s in _RESPONSEHEAD_FIELDS)

    __hash__ = None  # type: ignore[assignment]  # holds mutable Headers

    def __repr__(self) -> str:
        fields = ", ".join(f"{s}={getattr(self, s)!r}" for s in _RESPONSEHEAD_FIELDS)
        return f"ResponseHead({fields})"


@final
class Data:
    """A piece of a message's content, with any chunked coding removed. How the content is cut
    into Data events depends on how the bytes arrived; only their concatenation is meaningful."""

    __slots__ = ("data",)

    data: bytes

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __eq__(self, other: object) -> bool:
        if type(other) is not Data:
            return NotImplemented
        return self.data == other.data

    def __hash__(self) -> int:
        return hash((Data, self.data))

    def __repr__(self) -> str:
        shown = self.data[:40]
        more = f"…+{len(self.data) - 40}" if len(self.data) > 40 else ""
        return f"Data({shown!r}{more})"


@final
class EndOfMessage:
    """The message is complete. ``trailers`` holds the trailer fields of a chunked body
    (RFC 9112 §7.1.2), empty otherwise; they are kept apart from the head's fields because a
    sender may not put framing or routing fields there (RFC 9110 §6.5.1)."""

    __slots__ = ("_trailers",)

    _trailers: Headers | None

    def __init__(self, trailers: Headers | None = None) -> None:
        self._trailers = trailers

    @property
    def trailers(self) -> Headers:
        # Built on first use: most messages have none, and this event is on the hot path.
        trailers = self._trailers
        if trailers is None:
            trailers = self._trailers = Headers._trusted([])
        return trailers

    def __eq__(self, other: object) -> bool:
        if type(other) is not EndOfMessage:
            return NotImplemented
        return self.trailers == other.trailers

    __hash__ = None  # type: ignore[assignment]  # holds mutable Headers

    def __repr__(self) -> str:
        if not self._trailers:
            return "EndOfMessage()"
        return f"EndOfMessage({self._trailers!r})"


class Signal(enum.Enum):
    """Why :meth:`next_event` has no event to give."""

    NEED_DATA = "NEED_DATA"
    """Nothing complete is buffered: ``feed`` more bytes (or ``feed_eof``)."""
    PAUSED = "PAUSED"
    """HTTP/1.1 parsing stopped after a message: an upgrade, a tunnel, or a message after which
    the connection must close. Unparsed bytes are in ``trailing_data``."""
    CLOSED = "CLOSED"
    """The peer closed the connection between messages (after ``feed_eof``)."""

    def __repr__(self) -> str:
        return self.value


NEED_DATA: Final = Signal.NEED_DATA
PAUSED: Final = Signal.PAUSED
CLOSED: Final = Signal.CLOSED

Event: TypeAlias = RequestHead | ResponseHead | Data | EndOfMessage
"""Any event :meth:`next_event` returns (a union usable with ``isinstance``)."""
