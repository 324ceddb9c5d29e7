"""The client side of one exchange on a connection (HTTP.jl's client ``HTTP.Stream``).

The protocol logic is the parser's: the stream writes the head with the writer, frames the body
(``Content-Length`` or chunked), and reads the response through a :class:`ResponseParser`,
moving bytes and enforcing the deadline. One shortcut is taken for speed: once the parser has
framed a ``Content-Length`` body, the rest of it is received straight into one preallocated
buffer with ``recv_into`` instead of being fed through the parser piece by piece (reading a 1 MiB
body costs ~0.2 ms this way; joining small chunks, as requests and httpx do, 1–1.5 ms).
"""

from __future__ import annotations

import io
import select
import socket
import time
from typing import TYPE_CHECKING, Any

from wirehttp_parser import (
    CLOSED,
    NEED_DATA,
    Data,
    EndOfMessage,
    Headers,
    ParseError,
    Request,
    Response,
    ResponseHead,
    ResponseParser,
    encode_chunk,
    encode_last_chunk,
    encode_request_head,
    isidempotent,
)

from ._bodies import OutgoingBody
from ._errors import RequestError, TimeoutError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from wirehttp_parser import Event, Signal

    from ._connection import Connection
    from ._pool import Pool
    from ._tls import Transport

__all__ = ["ClientStream"]

# Methods whose requests carry no content unless given some: no framing header is sent for an
# empty body (RFC 9110 §8.6: a user agent SHOULD NOT send Content-Length then).
_NO_CONTENT_METHODS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT"})
# Bodies larger than this (or of unknown size) are sent after ``Expect: 100-continue``
# (RFC 9110 §10.1.1), so a server refusing them answers before the upload.
EXPECT_CONTINUE_THRESHOLD = 1024 * 1024
# How long to wait for 100 Continue before sending anyway (RFC 9110 §10.1.1: a client SHOULD
# NOT wait for an indefinite period; curl waits 1 s).
EXPECT_CONTINUE_WAIT = 1.0
# The first read of a response (see ClientStream._fill).
_HEAD_READ = 8192


# recv flags for a body read with no deadline on a plain TCP socket (0 where the platform lacks
# MSG_WAITALL): see _BodyReader.
_WAITALL = getattr(socket, "MSG_WAITALL", 0)


class _BodyReader(io.RawIOBase):
    """The rest of a ``Content-Length`` body as a raw stream: first the part that came with the
    head, then the socket (each read within the stream's deadline).

    With no deadline, on a plain (blocking) TCP socket, the read asks the kernel for the whole
    remainder at once (``MSG_WAITALL``): it copies each segment as it arrives without returning
    to us in between, so a 1 MiB body is one ``recv`` instead of one per segment the loopback or
    the network delivered. It still returns early, with what it has, at the end of the stream
    (a server that closes early: reported by ``read_body``) or on a signal. With a deadline the
    socket has a timeout (non-blocking underneath, polled per read) and TLS sockets take no
    flags, so those read piece by piece as before."""

    def __init__(self, stream: ClientStream, first: bytes) -> None:
        self._stream = stream
        self._first = memoryview(first)
        sock = stream.conn.sock
        self._waitall: socket.socket | None = None
        if _WAITALL and stream._deadline is None and type(sock) is socket.socket:
            self._waitall = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._first:
            n = min(len(buffer), len(self._first))
            buffer[:n] = self._first[:n]
            self._first = self._first[n:]
            return n
        self._stream._settimeout()
        waitall = self._waitall
        got: int
        if waitall is not None:
            got = waitall.recv_into(buffer, 0, _WAITALL)
        else:
            got = self._stream.conn.sock.recv_into(buffer)
        return got


class ClientStream:
    """A request/response exchange on one pooled connection.

    Write side: :meth:`startwrite` (the head), :meth:`write` (a piece of the body; one chunk
    when chunked), :meth:`closewrite` (the last chunk and trailers). Read side:
    :meth:`startread` (the response head, skipping 1xx), :meth:`eof`, :meth:`readavailable`,
    :meth:`read`, iteration over the body's pieces, :meth:`closeread` (the trailers land in
    ``response.trailers``; the connection goes back to the pool if it can be reused)."""

    __slots__ = (
        "message", "response", "conn", "_pool", "_parser", "_head", "_early_head",
        "_deadline", "_phase", "_limit", "_wrote_head", "_chunked", "_closed_write",
        "_complete", "_released", "_received", "_sent", "_pending", "_reusable",
        "_body_written", "reconnect",
    )

    def __init__(
        self,
        request: Request,
        conn: Connection,
        pool: Pool,
        *,
        deadline: float | None = None,
        phase: str = "read",
        limit: float = 0.0,
    ) -> None:
        self.message = request
        self.response: Response | None = None
        self.conn = conn
        self._pool = pool
        self._parser = ResponseParser()
        self._parser.expect(request.method)
        self._head: ResponseHead | None = None
        self._early_head: ResponseHead | None = None
        self._deadline = deadline
        self._phase = phase
        self._limit = limit
        self._wrote_head = False
        self._chunked = False
        self._closed_write = False
        self._complete = False
        self._released = False
        self._received = 0
        self._sent = False
        self._pending = b""
        self._reusable = True
        self._body_written = False
        # Set by the connection layer for ``open()``: a fresh connection for a one-time replay
        # of the exchange when this (reused) one turns out stale; see _may_replay.
        self.reconnect: Callable[[], Connection] | None = None

    def __repr__(self) -> str:
        return f"<ClientStream {self.message.method} {self.message.url}>"

    # -- facts for the layers above -------------------------------------------------------
    @property
    def received_any(self) -> bool:
        """Some of the response arrived (so a failure is not a stale pooled connection)."""
        return self._received > 0

    @property
    def sent_any(self) -> bool:
        """Some of the request reached the socket."""
        return self._sent

    # -- I/O with the deadline ------------------------------------------------------------
    def _timeout_error(self, exc: BaseException | None = None) -> TimeoutError:
        what = "reading the response" if self._wrote_head else "sending the request"
        return TimeoutError(f"{what} timed out", phase=self._phase, timeout=self._limit,
                            request=self.message, cause=exc)

    def _settimeout(self) -> None:
        deadline = self._deadline
        if deadline is None:
            self.conn.settimeout(None)
            return
        left = deadline - time.monotonic()
        if left <= 0:
            raise self._timeout_error()
        self.conn.settimeout(left)

    def _send(self, data: bytes) -> None:
        self._settimeout()
        try:
            self.conn.sock.sendall(data)
        except socket.timeout as exc:
            self._reusable = False
            raise self._timeout_error(exc) from exc
        except OSError as exc:
            self._reusable = False
            raise RequestError(f"sending the request failed: {exc}", request=self.message,
                               cause=exc, sent=self._sent) from exc
        self._sent = True

    def _fill(self) -> None:
        conn = self.conn
        self._settimeout()
        try:
            # Until the head is parsed, read at most _HEAD_READ bytes: what the parser is fed
            # stays referenced until the exchange is garbage-collected, and a Content-Length
            # body is received in place after the head anyway (read_body). Bodies read through
            # the parser (chunked, streamed) use the whole buffer.
            n = conn.sock.recv_into(conn.rbuf, _HEAD_READ if self._head is None else 0)
        except socket.timeout as exc:
            self._reusable = False
            raise self._timeout_error(exc) from exc
        except OSError as exc:
            self._reusable = False
            raise RequestError(f"reading the response failed: {exc}", request=self.message,
                               cause=exc, sent=self._sent) from exc
        if n == 0:
            self._parser.feed_eof()
        else:
            self._received += n
            self._parser.feed(memoryview(conn.rbuf)[:n])

    def _next(self) -> Event | Signal:
        parser = self._parser
        while True:
            try:
                ev = parser.next_event()
            except ParseError as exc:
                self._reusable = False
                if not self._received:
                    msg = "the server closed the connection without answering"
                else:
                    msg = f"malformed response: {exc}"
                raise RequestError(msg, request=self.message, cause=exc, sent=self._sent) from exc
            if ev is NEED_DATA:
                self._fill()
                continue
            return ev

    # -- write side -----------------------------------------------------------------------
    def _target(self) -> str:
        req = self.message
        if self.conn.absolute_form:
            # RFC 9112 §3.2.2: absolute-form to a proxy, without userinfo or fragment.
            u = req.url
            port = f":{u.port}" if u.port else ""
            host = f"[{u.host}]" if ":" in u.host else u.host
            return f"{u.scheme}://{host}{port}{req.target}"
        return req.target

    def _head_bytes(self, length: int | None, *, has_body: bool) -> bytes:
        req = self.message
        h = req.headers
        framed = False
        te = ""
        for name, value in h:
            lname = name.lower()
            if lname == "transfer-encoding":
                te = value
                framed = True
            elif lname == "content-length" or lname == "upgrade":
                framed = True
        if not framed:
            if length is not None:
                if length or req.method not in _NO_CONTENT_METHODS:
                    h.append("Content-Length", str(length))
            elif has_body:
                h.append("Transfer-Encoding", "chunked")
                te = "chunked"
        self._chunked = te.rsplit(",", 1)[-1].strip().lower() == "chunked"
        fields: Headers | list[tuple[str, str]] = h
        if self.conn.proxy_auth is not None and "Proxy-Authorization" not in h:
            fields = [*h, ("Proxy-Authorization", self.conn.proxy_auth)]
        return encode_request_head(req.method, self._target(), fields, req.version)

    def startwrite(self) -> None:
        """Send the request head (once). Without a framing header the body is chunked."""
        if self._wrote_head:
            return
        head = self._head_bytes(None, has_body=self.message.method not in _NO_CONTENT_METHODS)
        self._wrote_head = True
        self._send(head)

    def write(self, data: bytes | str, /) -> int:
        """Send a piece of the body (one chunk when chunked; an empty piece sends nothing)."""
        if self._closed_write:
            raise RuntimeError("write() after closewrite()")
        if not self._wrote_head:
            req = self.message
            if "Content-Length" not in req.headers and "Transfer-Encoding" not in req.headers:
                req.headers.append("Transfer-Encoding", "chunked")
            self.startwrite()
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        if raw:
            self._body_written = True
            self._send(encode_chunk(raw) if self._chunked else raw)
        return len(raw)

    def closewrite(self) -> None:
        """End the body: the last chunk and ``message.trailers`` when chunked."""
        if self._closed_write:
            return
        try:
            self._closewrite()
        except RequestError as exc:
            if not self._may_replay(exc):
                raise
            self._replay()

    def _closewrite(self) -> None:
        self.startwrite()
        self._closed_write = True
        if self._chunked:
            self._send(encode_last_chunk(self.message.trailers))

    def _may_replay(self, exc: RequestError) -> bool:
        """Whether a failed exchange of ``open()`` may be sent again, once, on a fresh
        connection: the failed connection came from the pool (a keep-alive connection the
        server closed as we used it, RFC 9112 §9.3.1), nothing of the response arrived, no body
        byte was written, and the method is idempotent or nothing at all reached the server."""
        return (
            self.reconnect is not None
            and self.conn.reused
            and not self._received
            and not self._body_written
            and (isidempotent(self.message) or not exc.sent)
        )

    def _replay(self) -> None:
        """Send what was sent so far (the head, and the end of an empty body) again on a fresh
        connection, in place of the stale one."""
        reconnect = self.reconnect
        assert reconnect is not None
        self.reconnect = None  # once only
        closed_write = self._closed_write
        self._pool.release(self.conn, False)
        try:
            self.conn = reconnect()
        except BaseException:
            self._released = True  # nothing left to give back
            raise
        self._parser = ResponseParser()
        self._parser.expect(self.message.method)
        self._early_head = None
        self._wrote_head = self._closed_write = self._sent = False
        self._reusable = True
        self._received = 0
        self.startwrite()
        if closed_write:
            self._closewrite()

    def send_request(self, body: OutgoingBody) -> None:
        """Send head and body in one go (the request() path). Large or unsized bodies go after
        ``Expect: 100-continue``; if the server answers finally before that, the body is not
        sent and the connection is not reused."""
        req = self.message
        head = self._head_bytes(body.length, has_body=bool(body.length) or body.streamed)
        self._wrote_head = True
        if body.data is not None and len(body.data) <= 65536:
            self._send(head + body.data if body.data else head)
            self._closed_write = True
            return
        given = req.headers.get("Expect")
        expect = given is not None and given.strip().lower() == "100-continue"
        # An Expect header the caller set, even empty (which suppresses it), is left alone.
        if given is None and (body.length is None or body.length > EXPECT_CONTINUE_THRESHOLD):
            head = head[:-2] + b"Expect: 100-continue\r\n\r\n"
            expect = True
        self._send(head)
        if expect and not self._await_continue():
            self._closed_write = True
            self._reusable = False
            return
        chunked = self._chunked
        for chunk in body.chunks():
            self._send(encode_chunk(chunk) if chunked else chunk)
        self._closed_write = True
        if chunked:
            self._send(encode_last_chunk(req.trailers))

    def _await_continue(self) -> bool:
        """Wait briefly for ``100 Continue``: True to send the body, False if a final
        response came instead (kept for :meth:`startread`)."""
        wait = EXPECT_CONTINUE_WAIT
        if self._deadline is not None:
            wait = min(wait, max(self._deadline - time.monotonic(), 0.0))
        try:
            ready, _, _ = select.select([self.conn.sock.fileno()], [], [], wait)
        except (OSError, ValueError):
            return True
        if not ready:
            return True  # no answer yet: send anyway (RFC 9110 §10.1.1)
        ev = self._next()
        if isinstance(ev, ResponseHead):
            if ev.informational:
                return True
            self._early_head = ev
            return False
        return True

    # -- read side ------------------------------------------------------------------------
    def startread(self, *, closewrite: bool = True) -> Response:
        """Read the response head (interim 1xx skipped) and return the response, its body
        still to be read.

        The request body is ended first (``closewrite``), so that ``write(...)`` then
        ``startread()`` works against any server. ``closewrite=False`` leaves it open — full
        duplex: the response is read while the request body is still being written (one thread
        reading, another writing, as the chat example in ``docs/server.md`` does); the caller
        then calls :meth:`closewrite` when done writing."""
        if self.response is not None:
            return self.response
        try:
            return self._startread(closewrite)
        except RequestError as exc:
            if not self._may_replay(exc):
                raise
            self._replay()
            return self._startread(closewrite)

    def _startread(self, closewrite: bool = True) -> Response:
        if not closewrite:
            self.startwrite()  # the server answers nothing before it has the request head
        elif not self._closed_write:
            self.closewrite()
        head = self._early_head
        while head is None:
            ev = self._next()
            if isinstance(ev, ResponseHead):
                if not ev.informational:
                    head = ev
            elif ev is CLOSED:
                self._reusable = False
                raise RequestError("the server closed the connection without answering",
                                   request=self.message, sent=self._sent)
            else:  # pragma: no cover - the parser yields a head first
                raise RequestError(f"unexpected {ev!r} before the response head",
                                   request=self.message)
        self._head = head
        if not head.keep_alive:
            self._reusable = False
        resp = Response._from_head(head, self.message)
        self.response = resp
        self.message.response = resp
        return resp

    def _on_end(self, ev: EndOfMessage) -> None:
        self._complete = True
        if ev.trailers is not None and self.response is not None:
            self.response.trailers = ev.trailers
        if self._parser.trailing_data:
            self._reusable = False  # bytes after the response: the connection is unusable

    def readavailable(self) -> bytes:
        """The next piece of the body; ``b""`` at its end."""
        if self._pending:
            data, self._pending = self._pending, b""
            return data
        if self._complete:
            return b""
        if self.response is None:
            self.startread()
        while True:
            ev = self._next()
            if type(ev) is Data:
                if ev.data:
                    return ev.data
                continue
            if isinstance(ev, EndOfMessage):
                self._on_end(ev)
                return b""
            self._complete = True  # PAUSED or CLOSED after the message
            return b""

    def eof(self) -> bool:
        """True when the whole body has been read (blocks until that is known)."""
        if self._pending:
            return False
        if self._complete:
            return True
        self._pending = self.readavailable()
        return not self._pending

    def read(self, n: int = -1, /) -> bytes:
        """Up to ``n`` bytes of the body (all of the rest for ``n < 0``); ``b""`` at the end."""
        if n < 0:
            return self.read_body()
        out = bytearray()
        while len(out) < n:
            piece = self.readavailable()
            if not piece:
                break
            take = n - len(out)
            out += piece[:take]
            if len(piece) > take:
                self._pending = piece[take:]
        return bytes(out)

    def __iter__(self) -> Iterator[bytes]:
        while piece := self.readavailable():
            yield piece

    def read_body(self) -> bytes:
        """The rest of the body in memory. A ``Content-Length`` body is received straight into
        one buffer of its size."""
        if self.response is None:
            self.startread()
        head = self._head
        assert head is not None
        length = head.content_length
        if self._pending or self._complete or head.chunked or length is None or length == 0:
            return b"".join(self)  # readavailable() hands out _pending first
        first = self.readavailable()
        if len(first) >= length or self._complete:
            if not self._complete:
                self.readavailable()  # EndOfMessage
            return first
        # BufferedReader.read(n) allocates the result once and has the raw reader fill it in
        # place (CPython reads straight into the bytes object when n exceeds its buffer), so
        # the body is neither joined from pieces nor copied out of a bytearray.
        raw = _BodyReader(self, first)
        try:
            data = io.BufferedReader(raw, buffer_size=1).read(length)
        except socket.timeout as exc:
            self._reusable = False
            raise self._timeout_error(exc) from exc
        except OSError as exc:
            self._reusable = False
            raise RequestError(f"reading the response body failed: {exc}",
                               request=self.message, cause=exc) from exc
        self._received += len(data) - len(first)
        if len(data) < length:
            self._reusable = False
            raise RequestError(
                f"the server closed the connection {length - len(data)} bytes before the end "
                "of the body (RFC 9112 §8)", request=self.message)
        # The parser was bypassed for this body; it is not used again on this exchange.
        self._complete = True
        return data

    def closeread(self) -> None:
        """Finish the exchange and give the connection back to the pool — for reuse only if
        the response was read to its end and the connection may stay open."""
        self.release()

    def release(self) -> None:
        if self._released:
            return
        self._released = True
        reuse = self._reusable and self._complete and self._closed_write
        self._pool.release(self.conn, reuse)

    def detach(self) -> tuple[Transport, bytes]:
        """Take the connection out of HTTP: the transport (blocking, no timeout) and the bytes
        received after the response head (for a 101, the new protocol's first bytes). The
        pool forgets the connection; the caller owns and closes it."""
        if self._released:
            raise RuntimeError("the stream's connection was already released")
        self._released = True
        excess = self._parser.trailing_data
        self._pool.forget(self.conn)
        sock = self.conn.sock
        sock.settimeout(None)
        return sock, excess

    def abort(self) -> None:
        """Close the connection without reuse (after an error)."""
        self._reusable = False
        self.release()
