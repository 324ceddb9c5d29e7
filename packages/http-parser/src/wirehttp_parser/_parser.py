"""The sans-I/O HTTP/1.1 parser, for both directions.

A parser never touches a socket: the caller ``feed``s it the bytes it received and asks for
events with :meth:`~RequestParser.next_event` (one at a time) or :meth:`~RequestParser.events`
(all that are ready). :class:`RequestParser` is the server side, :class:`ResponseParser` the
client side; they share one core, a small state machine whose current reader (``_step``) is
one of the reader functions of the class, called with the parser: each call does one dispatch
and no table lookup. It is the plain function (``_Parser._read_head``), not the bound method
(``self._read_head``): a bound method would hold the parser, and the parser holding it would
make a reference cycle, so every parser, with its buffer, would wait for the cyclic garbage
collector instead of being freed when its last reference goes (and building a bound method on
each state change costs an allocation).

The receive buffer is a ``bytes`` object while a whole message arrives in one ``feed`` (the
common case: no copy at all) and becomes a ``bytearray`` only when bytes must be kept across
feeds. The search for the end of a head resumes where the last one stopped, so a head fed one
byte at a time still costs O(n); limits are checked on every incomplete head, so an oversized
one fails as soon as its bytes pass the limit.

Framing follows RFC 9112 §6.3 in order; see :mod:`._head` for the head rules and
``docs/parser.md`` for the conformance table.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections import deque
from typing import TYPE_CHECKING, ClassVar, Final, final

from ._chunked import chunk_size, plain_chunk_line
from ._errors import (
    BodyTooLarge,
    HeaderTooLarge,
    IncompleteMessage,
    InvalidChunk,
    InvalidHeaderField,
    InvalidRequestLine,
    InvalidStatusLine,
    ParseError,
    RequestLineTooLong,
)
from ._events import (
    CLOSED,
    NEED_DATA,
    PAUSED,
    Data,
    EndOfMessage,
    Event,
    Signal,
)
from ._head import parse_request_head, parse_response_head, parse_trailers
from ._headers import Headers
from ._limits import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["RequestParser", "ResponseParser"]

# An LF not preceded by CR: the end of a line in lenient mode, an error in strict mode.
_BARE_LF: Final = re.compile(rb"(?<!\r)\n")
# The end of a head in lenient mode, where a line may end in LF alone (RFC 9112 §2.2).
_LENIENT_HEAD_END: Final = re.compile(rb"\n\r?\n")
# Compact the buffer once this many consumed bytes sit before the unconsumed ones.
_COMPACT: Final = 65536


class _Parser(ABC):
    """The state machine both parsers share. Subclasses provide ``_parse_head``."""

    __slots__ = (
        "_strict",
        "_limits",
        "_buf",
        "_pos",
        "_base",
        "_scan",
        "_step",
        "_eof",
        "_remaining",
        "_body_seen",
        "_pause",
        "_upgrading",
        "_skipped",
        "_line_seen",
        "_trailers",
        "_error",
        "_methods",
        "keep_alive",
    )

    _start_error: ClassVar[type[ParseError]] = InvalidRequestLine

    def __init__(self, *, strict: bool = True, limits: Limits = DEFAULT_LIMITS) -> None:
        self._strict = strict
        self._limits = limits
        self._buf: bytes | bytearray = b""
        self._pos = 0  # first unconsumed byte in _buf
        self._base = 0  # stream offset of _buf[0]
        self._scan = 0  # where the search for the end of the head resumes
        self._step: Callable[[_Parser], Event | Signal] = _Parser._read_head
        self._eof = False
        self._remaining = 0  # content bytes left in a Content-Length body or a chunk
        self._body_seen = 0  # content bytes so far, for Limits.max_body
        self._pause = False  # stop after this message (upgrade, tunnel, or not keep-alive)
        self._upgrading = False  # the pause is for an upgrade or tunnel (resume() allowed)
        self._skipped = False  # the one empty line before a request line was skipped
        self._line_seen = False  # the start line's end is buffered (for max_start_line)
        self._trailers: Headers | None = None
        self._error: ParseError | None = None
        self._methods: deque[str] | None = None  # ResponseParser: methods of awaited responses
        self.keep_alive = True
        """Whether the connection may carry another message after the last head parsed."""

    # -- public API ------------------------------------------------------------------------
    @property
    def strict(self) -> bool:
        """Strict (the default) or lenient parsing; see ``docs/parser.md``."""
        return self._strict

    @property
    def limits(self) -> Limits:
        return self._limits

    @property
    def trailing_data(self) -> bytes:
        """The bytes received but not parsed: after a pause, what follows the last message
        (the first bytes of an upgraded protocol or tunnel, or what a peer sent after a
        message that closes the connection)."""
        return bytes(self._buf[self._pos :])

    @property
    def paused(self) -> bool:
        """The parser stopped after a message (see :data:`PAUSED`)."""
        return self._step is _Parser._paused

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Add received bytes. An empty ``data`` does nothing; the end of input is signalled
        with :meth:`feed_eof`, not with ``b""``."""
        if self._eof:
            raise RuntimeError("feed() after feed_eof()")
        if not data:
            return
        buf = self._buf
        pos = self._pos
        if pos >= len(buf):
            # Nothing unconsumed: take the caller's bytes as they are (no copy for bytes).
            self._base += len(buf)
            self._scan = 0 if self._scan <= pos else self._scan - pos
            self._buf = data if type(data) is bytes else bytes(data)
            self._pos = 0
        elif isinstance(buf, bytes):
            grown = bytearray(memoryview(buf)[pos:])
            grown += data
            self._buf = grown
            self._base += pos
            self._scan = max(0, self._scan - pos)
            self._pos = 0
        else:
            if pos >= _COMPACT:
                del buf[:pos]
                self._base += pos
                self._scan = max(0, self._scan - pos)
                self._pos = 0
            buf += data

    def feed_eof(self) -> None:
        """The peer closed its side. A body delimited by the close ends here; a message cut
        short raises :class:`IncompleteMessage` from the next :meth:`next_event` (RFC 9112
        §8), once the events before it are delivered."""
        self._eof = True

    def next_event(self) -> Event | Signal:
        """The next event, or a :class:`Signal` (``NEED_DATA``, ``PAUSED``, ``CLOSED``).

        Raises a :class:`ParseError` subclass for bad input; after that the parser is dead
        and raises the same error again."""
        try:
            return self._step(self)
        except ParseError as exc:
            self._fail(exc)
            raise

    def events(self) -> list[Event]:
        """Every event that is ready, in order (empty when none). If bad input comes after
        some good events, those are returned first and the error is raised by the next call
        (so a server can still answer the requests before a malformed one)."""
        out: list[Event] = []
        try:
            while True:
                ev = self._step(self)
                if type(ev) is Signal:
                    return out
                out.append(ev)  # type: ignore[arg-type]  # narrowed by the type() test
        except ParseError as exc:
            self._fail(exc)
            if out:
                return out
            raise

    def resume(self) -> None:
        """After a pause for an upgrade or ``CONNECT`` that the server declined, go on parsing
        HTTP/1.1 from ``trailing_data``. Not allowed after a message that closes the
        connection (RFC 9112 §9.6: no further requests are processed)."""
        if not self.paused or not self._upgrading:
            raise RuntimeError("resume() is only for a parser paused by an upgrade or CONNECT")
        self._new_message()

    # -- internals -------------------------------------------------------------------------
    def _fail(self, exc: ParseError) -> None:
        self._error = exc
        self._step = _Parser._failed

    def _failed(self) -> Event | Signal:
        assert self._error is not None
        raise self._error

    def _paused(self) -> Event | Signal:
        return PAUSED

    def _closed(self) -> Event | Signal:
        return CLOSED

    def _new_message(self) -> None:
        self._step = _Parser._read_head
        self._scan = self._pos
        self._skipped = False
        self._line_seen = False
        self._pause = False
        self._upgrading = False
        self._trailers = None
        self._body_seen = 0

    @abstractmethod
    def _parse_head(self, raw: bytes, base: int) -> Event:
        """Parse one head (start line to the last field line's CRLF) at stream ``base``."""

    @abstractmethod
    def _check_head(self, raw: bytes, base: int) -> None:
        """Raise the first error in ``raw`` as :meth:`_parse_head` would, changing no state."""

    def _read_head(self) -> Event | Signal:
        buf = self._buf
        pos = self._pos
        if pos >= len(buf):
            return CLOSED if self._eof else NEED_DATA
        if buf[pos] < 0x21:
            signal = self._leading_whitespace()
            if signal is not None:
                return signal
        limit = self._limits.max_header_bytes
        if self._strict:
            end = buf.find(b"\r\n\r\n", self._scan, pos + limit)
            if end < 0:
                return self._head_incomplete()
            head_end = end + 2
            after = end + 4
        else:
            m = _LENIENT_HEAD_END.search(buf, self._scan, pos + limit)
            if m is None:
                return self._head_incomplete()
            head_end = m.start() + 1
            after = m.end()
        raw = buf[pos:head_end]
        event = self._parse_head(raw if type(raw) is bytes else bytes(raw), self._base + pos)
        self._pos = self._scan = after
        self._skipped = self._line_seen = False
        return event

    def _leading_whitespace(self) -> Event | Signal | None:
        """RFC 9112 §2.2: a server SHOULD ignore at least one empty line before a request
        line; we ignore exactly one (lenient mode: also before a status line, and a bare-LF
        one). HTTP.jl's lenient status line may start with one space (#190). Anything else
        that starts with whitespace or a control byte is the start line's error. ``None``
        means: go on parsing the head."""
        buf = self._buf
        pos = self._pos
        request = self._start_error is InvalidRequestLine
        first = buf[pos]
        if not self._skipped and (request or not self._strict):
            if first == 0x0D:
                if pos + 1 >= len(buf):
                    if self._eof:
                        raise self._incomplete_body("an empty line")
                    return NEED_DATA
                if buf[pos + 1] == 0x0A:
                    self._skip(2)
                    return self._read_head()
            elif first == 0x0A and not self._strict:
                self._skip(1)
                return self._read_head()
        if first == 0x20 and not request and not self._strict:
            return None
        nl = buf.find(b"\n", pos)
        line = bytes(buf[pos : nl + 1 if nl >= 0 else len(buf)])
        if first == 0x0A:
            raise self._start_error(
                "line ends in a bare LF, not CRLF (RFC 9112 §2.2)", line, self._base + pos
            )
        raise self._start_error(
            "start line begins with whitespace or a control character (RFC 9112 §2.2)",
            line,
            self._base + pos,
        )

    def _skip(self, n: int) -> None:
        self._skipped = True
        self._pos += n
        self._scan = self._pos

    def _head_incomplete(self) -> Event | Signal:
        buf = self._buf
        pos = self._pos
        size = len(buf) - pos
        base = self._base
        limits = self._limits
        if size == 0:
            return CLOSED if self._eof else NEED_DATA
        if size >= limits.max_header_bytes:
            raise HeaderTooLarge(
                f"message head longer than {limits.max_header_bytes} bytes "
                "(Limits.max_header_bytes)",
                bytes(buf[pos : pos + 80]),
                base + pos,
            )
        scan = max(pos, self._scan)
        if not self._line_seen:
            if buf.find(b"\n", scan) >= 0:
                self._line_seen = True
            elif size > limits.max_start_line + 1:
                cls = self._start_error
                if cls is InvalidRequestLine:
                    cls = RequestLineTooLong
                raise cls(
                    f"start line longer than {limits.max_start_line} bytes "
                    "(Limits.max_start_line)",
                    bytes(buf[pos : pos + 80]),
                    base + pos,
                )
        if self._strict:
            m = _BARE_LF.search(buf, max(pos + 1, scan))
            if m is not None:
                nl = m.start()
                # Fail as parsing the whole head would, whatever the split: an earlier error in
                # the lines before this one (a bare CR, a bad field line) is reported first.
                self._check_head(bytes(buf[pos : nl + 1]), base + pos)
                start = buf.rfind(b"\n", pos, nl) + 1 or pos
                cls = self._start_error if start == pos else InvalidHeaderField
                raise cls(
                    "line ends in a bare LF, not CRLF (RFC 9112 §2.2)",
                    bytes(buf[start : nl + 1]),
                    base + start,
                )
        if self._eof:
            raise IncompleteMessage(
                "connection closed in the middle of a message head (RFC 9112 §8)",
                bytes(buf[pos : pos + 80]),
                base + pos,
            )
        self._scan = max(pos, len(buf) - 3)
        return NEED_DATA

    def _start_body(self, content_length: int | None, chunked: bool) -> None:
        if chunked:
            self._body_seen = 0
            self._step = _Parser._read_chunk_size
        elif content_length is None:
            self._body_seen = 0
            self._step = _Parser._read_until_close
        elif content_length:
            self._remaining = content_length
            self._step = _Parser._read_fixed
        else:
            self._step = _Parser._end_message

    def _end_message(self) -> Event | Signal:
        # Once per message, so only what must change: the per-message flags are reset where
        # they are set (_read_head, _start_body).
        trailers = self._trailers
        if trailers is None:
            event = EndOfMessage()
        else:
            self._trailers = None
            event = EndOfMessage(trailers)
        if self._pause:
            self._step = _Parser._paused
        else:
            self._step = _Parser._read_head
            self._scan = self._pos
        return event

    def _incomplete_body(self, what: str) -> IncompleteMessage:
        return IncompleteMessage(
            f"connection closed in the middle of {what} (RFC 9112 §8)",
            b"",
            self._base + self._pos,
        )

    def _read_fixed(self) -> Event | Signal:
        buf = self._buf
        pos = self._pos
        avail = len(buf) - pos
        if avail <= 0:
            if self._eof:
                raise self._incomplete_body(f"the content ({self._remaining} bytes missing)")
            return NEED_DATA
        n = self._remaining
        if avail >= n:
            data = buf[pos : pos + n]
            self._pos = pos + n
            self._step = _Parser._end_message
        else:
            data = buf[pos:]
            self._pos = len(buf)
            self._remaining = n - avail
        return Data(data if type(data) is bytes else bytes(data))

    def _read_until_close(self) -> Event | Signal:
        buf = self._buf
        pos = self._pos
        if pos < len(buf):
            data = buf[pos:]
            self._pos = len(buf)
            self._body_seen += len(data)
            max_body = self._limits.max_body
            if max_body is not None and self._body_seen > max_body:
                raise BodyTooLarge(
                    f"content over the limit of {max_body} bytes (Limits.max_body)",
                    bytes(data[:80]),
                    self._base + pos,
                )
            return Data(data if type(data) is bytes else bytes(data))
        if self._eof:
            # RFC 9112 §6.3 rule 8: the close ends the content; then the connection is done.
            self._pause = False
            self._step = _Parser._closed
            return EndOfMessage()
        return NEED_DATA

    # -- chunked (RFC 9112 §7.1) -----------------------------------------------------------
    def _read_chunk_size(self) -> Event | Signal:
        buf = self._buf
        pos = self._pos
        max_line = self._limits.max_chunk_line
        # The common case first: a plain size line, read in one pass (see plain_chunk_line);
        # anything else is found and parsed by the general code, which says what is wrong.
        size, end = plain_chunk_line(buf, pos, max_line)
        if size < 0:
            end = buf.find(b"\r\n", pos, pos + max_line + 2)
            if end < 0:
                return self._chunk_line_incomplete()
            size = chunk_size(bytes(buf[pos:end]), self._base + pos, self._strict)
        start = end + 2
        if size == 0:
            self._pos = start
            self._scan = start
            self._step = _Parser._read_trailers
            return self._read_trailers()
        max_body = self._limits.max_body
        seen = self._body_seen + size
        if max_body is not None and seen > max_body:
            raise BodyTooLarge(
                f"chunked content over the limit of {max_body} bytes (Limits.max_body)",
                bytes(buf[pos:end]),
                self._base + pos,
            )
        self._body_seen = seen
        stop = start + size
        n = len(buf)
        if n < stop + 2 or buf[stop] != 0x0D or buf[stop + 1] != 0x0A:
            self._pos = start
            self._remaining = size
            self._step = _Parser._read_chunk_data
            return self._read_chunk_data()
        data = buf[start:stop]
        pos = stop + 2
        if pos < n and type(buf) is bytes:
            # The whole chunk and its CRLF are here, and more bytes after them. The chunks
            # after it that are buffered whole go into the same Data event (how content is cut
            # into events is not part of the contract): a chunked body that arrived in one read
            # costs one event, not one per chunk. Only plain size lines are taken here; an
            # extension, a last chunk with trailers, a chunk over Limits.max_body or anything
            # malformed ends the run, and the next call deals with it (so the data before a
            # bad chunk is still delivered first). Only for a buffer that is one feed's bytes
            # (the common case): the type test lets compiled code index and slice ``buf`` as
            # bytes, and costs Python one comparison.
            pieces: list[bytes | bytearray] | None = None
            taken = seen
            while pos < n:
                size, end = plain_chunk_line(buf, pos, max_line)
                if size < 0:
                    break
                start = end + 2
                if size == 0:
                    # The last chunk: its line is consumed here; the trailer section is next.
                    self._scan = start
                    self._step = _Parser._read_trailers
                    pos = start
                    break
                stop = start + size
                seen += size
                if (
                    n < stop + 2
                    or buf[stop] != 0x0D
                    or buf[stop + 1] != 0x0A
                    or (max_body is not None and seen > max_body)
                ):
                    break
                if pieces is None:
                    pieces = [data]
                pieces.append(buf[start:stop])
                taken = seen
                pos = stop + 2
            self._body_seen = taken
            if pieces is not None:
                self._pos = pos
                return Data(b"".join(pieces))
        self._pos = pos
        return Data(data if type(data) is bytes else bytes(data))

    def _chunk_line_incomplete(self) -> Event | Signal:
        buf = self._buf
        pos = self._pos
        limit = self._limits.max_chunk_line
        nl = buf.find(b"\n", pos, pos + limit + 2)
        if nl >= 0:
            # Not preceded by CR (else find() above would have seen CRLF): a bare LF, which
            # chunked framing never allows (RFC 9112 errata 7633).
            raise InvalidChunk(
                "chunk-size line ends in a bare LF, not CRLF (RFC 9112 §7.1)",
                bytes(buf[pos : nl + 1]),
                self._base + pos,
            )
        if len(buf) - pos > limit + 1:
            raise InvalidChunk(
                f"chunk-size line longer than {limit} bytes (Limits.max_chunk_line)",
                bytes(buf[pos : pos + 80]),
                self._base + pos,
            )
        if self._eof:
            raise self._incomplete_body("a chunked body")
        return NEED_DATA

    def _read_chunk_data(self) -> Event | Signal:
        buf = self._buf
        pos = self._pos
        avail = len(buf) - pos
        if avail <= 0:
            if self._eof:
                raise self._incomplete_body("a chunk")
            return NEED_DATA
        n = self._remaining
        if avail >= n:
            data = buf[pos : pos + n]
            self._pos = pos + n
            self._step = _Parser._read_chunk_end
        else:
            data = buf[pos:]
            self._pos = len(buf)
            self._remaining = n - avail
        return Data(data if type(data) is bytes else bytes(data))

    def _read_chunk_end(self) -> Event | Signal:
        buf = self._buf
        pos = self._pos
        have = len(buf) - pos
        if have >= 2 and buf[pos] == 0x0D and buf[pos + 1] == 0x0A:
            self._pos = pos + 2
            self._step = _Parser._read_chunk_size
            return self._read_chunk_size()
        if have >= 2 or (have == 1 and buf[pos] != 0x0D):
            raise InvalidChunk(
                "chunk data not followed by CRLF (RFC 9112 §7.1)",
                bytes(buf[pos : pos + 16]),
                self._base + pos,
            )
        if self._eof:
            raise self._incomplete_body("a chunked body")
        return NEED_DATA

    def _read_trailers(self) -> Event | Signal:
        buf = self._buf
        pos = self._pos
        have = len(buf) - pos
        if have >= 2 and buf[pos] == 0x0D and buf[pos + 1] == 0x0A:
            self._pos = pos + 2
            return self._end_message()
        limit = self._limits.max_trailer_bytes
        end = buf.find(b"\r\n\r\n", max(pos, self._scan), pos + limit)
        if end < 0:
            if have == 1 and buf[pos] == 0x0D or have == 0:
                if self._eof:
                    raise self._incomplete_body("a chunked body")
                return NEED_DATA
            m = _BARE_LF.search(buf, max(pos + 1, self._scan))
            if m is not None or buf[pos] == 0x0A:
                nl = pos if buf[pos] == 0x0A else m.start()  # type: ignore[union-attr]
                start = buf.rfind(b"\n", pos, nl) + 1 or pos
                raise InvalidHeaderField(
                    "trailer line ends in a bare LF, not CRLF (RFC 9112 §7.1)",
                    bytes(buf[start : nl + 1]),
                    self._base + start,
                )
            if have >= limit:
                raise HeaderTooLarge(
                    f"trailer section longer than {limit} bytes (Limits.max_trailer_bytes)",
                    bytes(buf[pos : pos + 80]),
                    self._base + pos,
                )
            if self._eof:
                raise self._incomplete_body("the trailer section")
            self._scan = max(pos, len(buf) - 3)
            return NEED_DATA
        self._trailers = parse_trailers(
            bytes(buf[pos : end + 2]), self._base + pos, self._strict, self._limits
        )
        self._pos = end + 4
        return self._end_message()


@final
class RequestParser(_Parser):
    """Parses the requests a client sends (the server side of a connection).

    ``strict`` (default) enforces RFC 9112 as described in ``docs/parser.md``; ``strict=False``
    accepts what broken peers send where that is safe (bare-LF line ends, obs-fold, control
    characters in values, ``Content-Length`` with ``Transfer-Encoding`` — the latter then
    closes the connection). ``limits`` bounds every size.

    After a request with ``Upgrade`` (and ``Connection: upgrade``) or a ``CONNECT``, the
    parser returns ``PAUSED`` after its :class:`EndOfMessage`: take ``trailing_data`` if the
    upgrade is accepted, or call :meth:`resume` to go on with HTTP/1.1. After a request that
    does not keep the connection alive it pauses too (RFC 9112 §9.6).
    """

    __slots__ = ()

    def _check_head(self, raw: bytes, base: int) -> None:
        parse_request_head(raw, base, self._strict, self._limits)

    def _parse_head(self, raw: bytes, base: int) -> Event:
        head = parse_request_head(raw, base, self._strict, self._limits)
        self.keep_alive = keep_alive = head.keep_alive
        self._upgrading = upgrading = head.upgrade is not None or head.method == "CONNECT"
        self._pause = upgrading or not keep_alive
        if head.content_length == 0:
            self._step = _Parser._end_message  # most requests: no content
        else:
            self._start_body(head.content_length, head.chunked)
        return head


@final
class ResponseParser(_Parser):
    """Parses the responses a server sends (the client side of a connection).

    Tell it the method of each request whose response is awaited with :meth:`expect`, in
    order (pipelined requests queue several); without one it assumes ``GET``. The method
    decides the framing: a response to HEAD has no content, a 2xx to CONNECT opens a tunnel.
    1xx interim responses come out as their own :class:`ResponseHead` (``informational``);
    a 101, a tunnel, or a response after which the connection closes ends with ``PAUSED``.
    """

    __slots__ = ()

    _start_error: ClassVar[type[ParseError]] = InvalidStatusLine

    def expect(self, method: str) -> None:
        """Queue the method of a request sent on this connection, whose response comes after
        those of the requests queued before it."""
        if self._methods is None:
            self._methods = deque()
        self._methods.append(method)

    def _check_head(self, raw: bytes, base: int) -> None:
        methods = self._methods
        parse_response_head(raw, base, self._strict, self._limits, methods[0] if methods else "GET")

    def _parse_head(self, raw: bytes, base: int) -> Event:
        methods = self._methods
        method = methods[0] if methods else "GET"
        head = parse_response_head(raw, base, self._strict, self._limits, method)
        status = head.status
        if 100 <= status < 200 and status != 101:
            # An interim response: the final one follows on the same request (RFC 9110 §15.2).
            self._new_message()
            return head
        if methods:
            methods.popleft()
        self.keep_alive = head.keep_alive
        self._upgrading = status == 101 or (method == "CONNECT" and 200 <= status < 300)
        self._pause = self._upgrading or not head.keep_alive
        if self._upgrading:
            self._step = _Parser._end_message
        else:
            self._start_body(head.content_length, head.chunked)
        return head

