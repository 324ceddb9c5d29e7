"""The server's :class:`Stream`: one request/response exchange read and written in pieces
(HTTP.jl's ``HTTP.Stream`` on the server side).

Design: the stream's state lives on the event loop and is changed only there. The ``async``
methods (``aread``, ``awrite``, …) are the implementation; the blocking methods HTTP.jl users
know (``read``, ``write``, …) submit the same coroutine to the loop from the handler's thread
and wait for it, so there is one copy of the protocol logic (BRIEF: sync and asyncio front-ends
drive one core). A plain stream handler therefore runs on a worker thread; an ``async def``
stream handler runs on the loop and uses the ``a``-prefixed methods.

Body bytes are pushed in by the connection as the parser produces them and buffered up to a
bound; past it the connection stops reading the socket (back-pressure) until the handler
consumes. ``Expect: 100-continue`` is answered only when the handler first asks for body bytes
(RFC 9110 §10.1.1), so a handler that rejects a request never makes the client upload it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, Final, TypeVar, overload

from wirehttp_parser import (
    Headers,
    ProtocolError,
    Request,
    RequestHead,
    Response,
    encode_chunk,
    statustext,
)

from ._framing import body_allowed, encode_fields, has_token, server_fields, status_line

if TYPE_CHECKING:
    from ._connection import Connection

__all__ = ["Stream", "streamhandler"]

T = TypeVar("T")

# Past this many buffered body bytes the connection pauses reading (back-pressure).
BODY_BUFFER_HIGH = 256 * 1024

# serve and streamhandler buffer request bodies up to this many bytes (413 past it): HTTP.jl
# 2.x's 64 MiB (nginx uses 1 MiB). The one definition; _server.DEFAULT_MAX_BODY is this.
MAX_BODY: Final = 64 * 1024 * 1024


class Stream:
    """One request being served: ``message`` is the :class:`Request` (head only; its body is
    read from the stream), the response is written to it.

    Reading: :meth:`read`, :meth:`readavailable`, :meth:`eof`, :meth:`closeread`.
    Writing: :meth:`setstatus`, :meth:`setheader`, :meth:`startwrite`, :meth:`write`,
    :meth:`closewrite`. Each blocking method has an ``async`` twin prefixed with ``a`` for
    ``async def`` handlers. ``status``, ``headers`` (the response's) and ``nwritten`` (body
    bytes written, -1 before :meth:`startwrite`) are what an access log reads; an access log
    also sees the server's own error responses, where ``message.method`` is ``""`` if the
    request was rejected before its request line was parsed.
    """

    __slots__ = (
        "message",
        "status",
        "reason",
        "headers",
        "nwritten",
        "_conn",
        "_head",
        "_chunks",
        "_buffered",
        "_body_done",
        "_body_error",
        "_waiter",
        "_continue_pending",
        "_chunked",
        "_length",
        "_write_closed",
        "_no_body",
        "_keep_alive",
        "_detached",
    )

    message: Request
    status: int
    reason: str | None
    headers: Headers
    nwritten: int

    def __init__(self, conn: Connection, head: RequestHead, request: Request) -> None:
        self.message = request
        self.status = 200
        self.reason = None
        self.headers = Headers._trusted([])
        self.nwritten = -1
        self._conn = conn
        self._head = head
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        no_content = head.content_length == 0 and not head.chunked
        self._body_done = False  # set by the EndOfMessage event, which even an empty body has
        self._body_error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._continue_pending = head.expect_continue and not no_content
        self._chunked = False
        self._length: int | None = None
        self._write_closed = False
        self._no_body = False
        self._keep_alive = head.keep_alive
        self._detached = False

    # -- fed by the connection (loop thread) ---------------------------------------------------
    def _push(self, data: bytes) -> None:
        self._chunks.append(data)
        self._buffered += len(data)
        self._wake()

    def _end(self) -> None:
        self._body_done = True
        self._wake()

    def _fail(self, exc: BaseException) -> None:
        self._body_error = exc
        self._wake()

    def _wake(self) -> None:
        w = self._waiter
        if w is not None and not w.done():
            w.set_result(None)

    async def _wait_once(self) -> None:
        """Wait for the connection to push body bytes, the end of the body or an error."""
        if self._body_error is not None:
            raise self._body_error
        if self._continue_pending:
            # RFC 9110 §10.1.1: the client waits for 100 (Continue) before the content.
            self._continue_pending = False
            self._conn.send_continue()
        self._conn.want_body(wait=True)
        w = self._waiter = self._conn.loop.create_future()
        try:
            await w
        finally:
            self._waiter = None
            self._conn.body_wait_over()

    async def _need_data(self) -> None:
        """Wait until a body byte or the end of the body is there."""
        while not self._chunks and not self._body_done:
            await self._wait_once()

    def _take(self, n: int) -> bytes:
        chunks = self._chunks
        if n < 0 or n >= self._buffered:
            data = b"".join(chunks)
            chunks.clear()
        else:
            parts: list[bytes] = []
            left = n
            while left:
                c = chunks.popleft()
                if len(c) > left:
                    parts.append(c[:left])
                    chunks.appendleft(c[left:])
                    left = 0
                else:
                    parts.append(c)
                    left -= len(c)
            data = b"".join(parts)
        self._buffered -= len(data)
        if self._buffered < BODY_BUFFER_HIGH:
            self._conn.want_body(wait=False)
        return data

    # -- async API (loop thread) ---------------------------------------------------------------
    async def aread(self, n: int = -1) -> bytes:
        """The whole rest of the body (``n < 0``), or ``n`` bytes (fewer only at the end of
        the body)."""
        while not self._body_done and (n < 0 or self._buffered < n):
            await self._wait_once()
        return self._take(n)

    async def areadavailable(self) -> bytes:
        """The body bytes buffered now, waiting for some if there are none; ``b""`` at the
        end of the body."""
        await self._need_data()
        return self._take(-1)

    async def aeof(self) -> bool:
        """Whether the body is exhausted (waits for the next bytes to know)."""
        await self._need_data()
        return not self._chunks and self._body_done

    async def acloseread(self) -> None:
        """Finish reading: discard what is left of the body. Raises ``EOFError`` if the client
        closed before sending all of it (HTTP.jl's server-side ``closeread``)."""
        while not self._body_done:
            await self.areadavailable()
            if self._body_error is not None:
                break
        self._chunks.clear()
        self._buffered = 0
        if self._body_error is not None:
            raise EOFError("the request body was incomplete") from self._body_error

    async def astartwrite(self) -> None:
        """Send the response head (status and headers as set so far)."""
        if self.nwritten >= 0:
            return
        self._conn.write(self._encode_head())
        self.nwritten = 0

    async def awrite(self, data: bytes | str) -> int:
        """Send a piece of the body (one chunk when the body is chunked); returns its size."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        if self._write_closed:
            raise ProtocolError("write() after closewrite(): the response is complete")
        if self.nwritten < 0:
            await self.astartwrite()
        n = len(data)
        if not n or self._no_body:
            return n
        if self._length is not None and self.nwritten + n > self._length:
            raise ProtocolError(
                f"writing {n} bytes passes the Content-Length of {self._length} "
                f"({self.nwritten} already written)"
            )
        self._conn.write(encode_chunk(data) if self._chunked else data)
        self.nwritten += n
        await self._conn.drain()
        return n

    async def aclosewrite(self) -> None:
        """End the response body (the last chunk when chunked)."""
        if self._write_closed:
            return
        if self.nwritten < 0:
            await self.astartwrite()
        self._write_closed = True
        if self._chunked:
            self._conn.write(b"0\r\n\r\n")
        elif self._length is not None and self.nwritten < self._length:
            # Content-Length promised more than was sent: the client cannot find the end of
            # this message, so the connection must not be reused (RFC 9112 §6.3, §9.3).
            self._keep_alive = False
        await self._conn.drain()

    async def adetach(self) -> tuple[asyncio.Transport, bytes]:
        """Take the connection over (for an upgrade such as WebSocket, after writing the 101
        response): returns the transport and the bytes the client sent after the request
        head. The server stops reading and never touches the connection again; call
        ``transport.set_protocol(...)`` to install your own protocol."""
        self._detached = True
        self._write_closed = True
        if self.nwritten < 0:
            self.nwritten = 0
        return self._conn.detach()

    # -- response state (any thread: plain attributes, no I/O) ---------------------------------
    def setstatus(self, status: int, /) -> None:
        """The response status (default 200); before :meth:`startwrite`."""
        if self.nwritten >= 0:
            raise ProtocolError("setstatus() after the response head was sent")
        self.status = status

    def setheader(self, name: str, value: str, /) -> None:
        """Set a response header (replacing one of the same name); before :meth:`startwrite`."""
        if self.nwritten >= 0:
            raise ProtocolError("setheader() after the response head was sent")
        self.headers.set(name, value)

    def header(self, name: str, default: str = "") -> str:
        """A request header (HTTP.jl's ``HTTP.header(http, name)``)."""
        return self.message.headers.get(name, default)

    @property
    def peer(self) -> tuple[str, int]:
        """The client's address and port (HTTP.jl's ``peeraddr``)."""
        return self._conn.peer

    def isopen(self) -> bool:
        """Whether the connection is still open."""
        return not self._conn.closed

    def isaborted(self) -> bool:
        """Whether the exchange was cut short: the connection closed before the response was
        complete (the client went away, or a timeout closed it)."""
        return self._conn.closed and not self._write_closed

    # -- blocking API (handler threads) --------------------------------------------------------
    def _sync(self, coro: Coroutine[Any, Any, T]) -> T:
        loop = self._conn.loop
        if loop.is_running() and _on_loop_thread(loop):
            coro.close()
            raise RuntimeError(
                "a blocking Stream method was called on the event loop; in an async def "
                "handler use the awaitable twin (aread, awrite, ...)"
            )
        try:
            fut = asyncio.run_coroutine_threadsafe(coro, loop)
        except RuntimeError as exc:  # the loop is closed: the server is gone
            coro.close()
            raise ConnectionResetError("the server has closed") from exc
        while True:
            try:
                return fut.result(timeout=1.0)
            except concurrent.futures.TimeoutError:
                if fut.done():
                    raise  # the operation itself failed with a TimeoutError (a body timeout)
                # A read may wait for long; but if the server's loop closed meanwhile nothing
                # will ever complete it, and the handler thread must not hang forever.
                if loop.is_closed():
                    fut.cancel()
                    raise ConnectionResetError("the server has closed") from None

    def read(self, n: int = -1, /) -> bytes:
        return self._sync(self.aread(n))

    def readavailable(self) -> bytes:
        return self._sync(self.areadavailable())

    def eof(self) -> bool:
        return self._sync(self.aeof())

    def closeread(self) -> None:
        self._sync(self.acloseread())

    def startwrite(self) -> None:
        self._sync(self.astartwrite())

    def write(self, data: bytes | str, /) -> int:
        return self._sync(self.awrite(data))

    def closewrite(self) -> None:
        self._sync(self.aclosewrite())

    def closebody(self) -> None:
        """HTTP.jl's ``closebody``: end the response body; the same as :meth:`closewrite` on
        the server side (the connection's fate follows the keep-alive rules)."""
        self._sync(self.aclosewrite())

    def detach(self) -> tuple[asyncio.Transport, bytes]:
        return self._sync(self.adetach())

    # -- internals -----------------------------------------------------------------------------
    def _encode_head(self) -> bytes:
        status = self.status
        headers = self.headers
        head = self._head
        extra = server_fields(headers, self._conn.state.server_header)
        if self._continue_pending:
            # The body will not be read: the client may still send it, so close afterwards.
            self._keep_alive = False
        if head.method == "HEAD" or not body_allowed(status):
            self._no_body = True
            cl = headers.get("Content-Length")
            self._length = int(cl) if cl is not None and cl.isdigit() else None
        elif "content-length" in headers:
            cl = headers["Content-Length"]
            if not cl.isdigit():
                raise ProtocolError(f"invalid Content-Length {cl!r} set by the handler")
            self._length = int(cl)
        elif has_token(headers, "Transfer-Encoding", "chunked"):
            self._chunked = True
        elif head.version.minor >= 1:
            self._chunked = True
            extra.append(("Transfer-Encoding", "chunked"))
        else:
            # HTTP/1.0 has no chunked coding: the close delimits the body (RFC 9112 §6.3).
            self._keep_alive = False
        if has_token(headers, "Connection", "close"):
            self._keep_alive = False
        if self._conn.closing:
            self._keep_alive = False
        if status == 101:
            self._keep_alive = False
        elif not self._keep_alive:
            if not has_token(headers, "Connection", "close"):
                extra.append(("Connection", "close"))
        elif head.version.minor == 0:
            extra.append(("Connection", "keep-alive"))
        return status_line(status, self.reason) + encode_fields(headers, extra)


def _on_loop_thread(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


@overload
def streamhandler(
    handler: Callable[[Request], Awaitable[Response]], *, max_body: int | None = ...
) -> Callable[[Stream], Coroutine[Any, Any, None]]: ...
@overload
def streamhandler(
    handler: Callable[[Request], Response], *, max_body: int | None = ...
) -> Callable[[Stream], None]: ...
def streamhandler(
    handler: Callable[[Request], Response] | Callable[[Request], Awaitable[Response]],
    *,
    max_body: int | None = MAX_BODY,
) -> Callable[[Stream], None] | Callable[[Stream], Coroutine[Any, Any, None]]:
    """Turn a request handler into a stream handler (HTTP.jl's ``streamhandler``): read the
    whole body into ``req.body``, call ``handler``, write the response it returns. ``serve``
    does the same on its fast path without a :class:`Stream`; this is for composing with
    ``listen``.

    A body over ``max_body`` bytes (``None``: no limit) is answered 413 with
    ``Connection: close`` and never reaches ``handler``, as with ``serve``'s ``max_body``; a
    declared ``Content-Length`` over it is refused before any of the body is read (no
    ``100 Continue``). An ``async def`` handler gives an ``async def`` stream handler, which
    runs on the event loop; a plain one runs on the thread pool (and may still return an
    awaitable, as a :class:`Router` with ``async def`` routes does: it is awaited on the loop).
    """
    name = f"streamhandler({getattr(handler, '__name__', 'handler')})"
    if _is_async(handler):

        async def ahandle(stream: Stream) -> None:
            req = stream.message
            if await _read_body(stream, max_body):
                result = handler(req)
                resp = result if isinstance(result, Response) else await result
                resp.request = req
            else:
                resp = _too_large()
            await _send(stream, _prepare(stream, resp))

        ahandle.__name__ = name
        return ahandle

    def handle(stream: Stream) -> None:
        req = stream.message
        if stream._sync(_read_body(stream, max_body)):
            result = handler(req)
            resp = result if isinstance(result, Response) else stream._sync(_await(result))
            resp.request = req
        else:
            resp = _too_large()
        stream._sync(_send(stream, _prepare(stream, resp)))

    handle.__name__ = name
    return handle


def _is_async(handler: object) -> bool:
    return inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(
        getattr(handler, "__call__", None)
    )


async def _await(result: Awaitable[T]) -> T:
    return await result


async def _read_body(stream: Stream, max_body: int | None) -> bool:
    """Read the whole request body into ``stream.message.body``; ``False`` as soon as it is
    known to be over ``max_body`` (the rest is left unread: the 413 closes the connection)."""
    if max_body is None:
        body = await stream.aread()
    else:
        declared = stream._head.content_length
        if declared is not None and declared > max_body:
            return False  # before the first read, so no 100 (Continue) is sent
        parts: list[bytes] = []
        size = 0
        while data := await stream.areadavailable():
            size += len(data)
            if size > max_body:  # a chunked body has no declared length
                return False
            parts.append(data)
        body = b"".join(parts)
    await stream.acloseread()
    stream.message.body = body
    return True


def _too_large() -> Response:
    # RFC 9110 §15.5.14: 413, and close, since the rest of the content is not read.
    return Response(413, [("Connection", "close")], statustext(413))


def _prepare(stream: Stream, resp: Response) -> bytes:
    """Set ``stream``'s status and headers from ``resp``, with a Content-Length when the body
    is not chunked; returns the body to write."""
    stream.setstatus(resp.status)
    stream.reason = resp.reason
    for name, value in resp.headers:
        stream.headers.append(name, value)
    body = resp.body_bytes()
    if "content-length" not in stream.headers and not has_token(
        stream.headers, "Transfer-Encoding", "chunked"
    ):
        stream.headers.append("Content-Length", str(len(body)))
    return body


async def _send(stream: Stream, body: bytes) -> None:
    await stream.astartwrite()
    await stream.awrite(body)
    await stream.aclosewrite()
