"""One HTTP/1.1 connection: an ``asyncio.Protocol`` that drives the sans-I/O
:class:`RequestParser` directly (no asyncio streams, no task per connection).

The fast path (``serve`` with a request handler): bytes arrive in ``data_received``, go into the
parser, and once a request is complete the handler is called right there, on the loop, and the
response head and body leave in one ``transport.write``. Nothing else is allocated per request
but the :class:`Request`, its :class:`Response` and the bytes.

- A plain handler runs on the worker threads (:mod:`._workers`), so a handler that blocks
  (file, database or network I/O, ``time.sleep``, a call back into this server) never stalls
  the loop and with it every other connection. ``threaded=False`` runs plain handlers inline
  on the loop instead (the fast path: no thread hop), for handlers known never to block.
  ``threaded="auto"`` starts them on the threads and promotes one that has returned faster
  than ``slow_handler_threshold`` ``PROMOTE_AFTER`` times in a row to run inline; if an inline
  call then takes longer than the threshold (returning or raising) it goes back to the threads
  for good, with a warning. Promotion is opt-in because running on the loop's thread is not
  the same as running on a worker: a promoted handler that blocks stalls everyone for that
  call, one that calls back into this server waits on the loop it is blocking, and code that
  checks for a running event loop (``asyncio.run``) sees the server's.
- An ``async def`` handler's coroutine is driven inline with ``send(None)``; only if it
  suspends does it become a :class:`asyncio.Task` (``inline_async=False`` always makes a task:
  use it if the handler needs :func:`asyncio.current_task` before its first ``await``, e.g.
  ``asyncio.timeout`` or a ``TaskGroup`` on its first line).
- Stream handlers (``listen``) get a :class:`Stream`; a plain one runs on the thread pool, an
  ``async def`` one as a task.

Requests on one connection are handled one at a time, in order (pipelining, RFC 9112 §9.3.2):
while a request is being handled the parser is not asked for the next head; bytes that arrive
meanwhile stay in the parser's buffer, and past :data:`PIPELINE_HIGH` the socket stops being
read until the response is written (back-pressure).

Timeouts use one timer per connection and a deadline that the state changes move (an
assignment, not a timer re-arm, on the hot path). See :class:`ServerState` for which deadline
applies when.
"""

from __future__ import annotations

import asyncio
import heapq
import inspect
import logging
import math
import ssl
import sys
import time
from collections.abc import Callable, Coroutine, Generator
from io import StringIO
from types import CoroutineType
from typing import IO, Any, Final, Literal, cast

from wirehttp_parser import (
    CLOSED,
    HTTP_1_1,
    NEED_DATA,
    PAUSED,
    Data,
    EndOfMessage,
    Headers,
    Limits,
    ParseError,
    Request,
    RequestHead,
    RequestParser,
    Response,
    statustext,
)

from ._framing import frame_response
from ._router import Router
from ._sendqueue import kernel_unsent
from ._stream import BODY_BUFFER_HIGH, Stream
from ._workers import WorkerPool, call_on_worker

__all__: list[str] = []

log = logging.getLogger("wirehttp.server")
access_logger = logging.getLogger("wirehttp.access")

# Stop reading a connection once this many bytes of later (pipelined) requests are buffered.
PIPELINE_HIGH: Final = 256 * 1024

_CONTINUE: Final = b"HTTP/1.1 100 Continue\r\n\r\n"

# On a stdlib TLS connection, a write at least this big makes us watch the socket's send queue
# (see Connection._watch_send), looking every _SEND_POLL seconds until it is empty.
_TLS_WATCH_MIN: Final = 65536
_SEND_POLL: Final = 0.02

# A plain handler that returned faster than slow_handler_threshold this many times in a row
# on a worker thread is promoted to run inline on the loop (see the module docstring).
PROMOTE_AFTER: Final = 1000

# At most this many handlers are tracked for promotion (a middleware that makes a new closure
# per request must not grow the table without bound); others always run on the threads.
MAX_TRACKED_HANDLERS: Final = 4096

# After a stream handler returns, at most this much of a request body it left unread is read
# and dropped to keep the connection; a longer body closes it instead.
DISCARD_LIMIT: Final = 4 * 1024 * 1024

# On a graceful close, how long an idle connection may still deliver a request in flight.
SHUTDOWN_GRACE: Final = 0.25

# Connection phases, for the timeouts.
_HEAD: Final = 0  # waiting for (the rest of) a request head: header_timeout, from accept
_BODY: Final = 1  # reading a request body for ``serve``: body_timeout of inactivity
_HANDLER: Final = 2  # a handler runs: no deadline (a stream read arms body_timeout)
_IDLE: Final = 3  # between requests: idle_timeout

# How a request handler is called (ServerState.kinds): a count >= 0 is a plain handler on the
# worker threads with that many fast calls in a row; these two are the other states.
_INLINE: Final = -1  # on the loop: async def, or promoted
_PINNED: Final = -2  # on the threads for good: it blocked the loop once, or can't be tracked

AccessLog = Callable[[IO[str], Stream], object]


class ServerState:
    """What all connections of one server share: the handler, the limits and timeouts, and the
    set of open connections (for graceful close and ``max_connections``).

    Timeouts, in seconds (``None`` or 0: none):

    ``header_timeout``
        From accept, or from the first byte of a later request, until its head is complete
        (slowloris: an idle or trickling client is closed; a partial head gets 408).
    ``idle_timeout``
        Between requests on a keep-alive connection.
    ``body_timeout``
        Inactivity while a request body is read.
    ``write_timeout``
        While the client does not read what we send (the transport's buffer stays full).
    """

    __slots__ = (
        "loop",
        "handler",
        "stream_mode",
        "limits",
        "header_timeout",
        "idle_timeout",
        "body_timeout",
        "write_timeout",
        "max_connections",
        "tcpisvalid",
        "access_log",
        "server_header",
        "verbose",
        "threaded",
        "auto",
        "slow_threshold",
        "inline_async",
        "pool",
        "connections",
        "closing",
        "kinds",
        "all_closed",
        "tasks",
        "writev",
        "deadlines",
        "deadline_seq",
        "wake",
        "wake_time",
    )

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        handler: Callable[..., Any],
        *,
        stream_mode: bool,
        limits: Limits,
        header_timeout: float | None,
        idle_timeout: float | None,
        body_timeout: float | None,
        write_timeout: float | None,
        max_connections: int | None,
        tcpisvalid: Callable[[Any], bool] | None,
        access_log: AccessLog | None,
        server_header: str | None,
        verbose: bool,
        threaded: bool | Literal["auto"],
        slow_threshold: float,
        inline_async: bool,
        pool: WorkerPool,
    ) -> None:
        self.loop = loop
        self.handler = handler
        self.stream_mode = stream_mode
        self.limits = limits
        self.header_timeout = header_timeout or None
        self.idle_timeout = idle_timeout or None
        self.body_timeout = body_timeout or None
        self.write_timeout = write_timeout or None
        self.max_connections = max_connections
        self.tcpisvalid = tcpisvalid
        self.access_log = access_log
        self.server_header = server_header
        self.verbose = verbose
        self.threaded = threaded
        self.auto = threaded == "auto"
        self.slow_threshold = slow_threshold
        self.inline_async = inline_async
        self.pool = pool
        self.connections: set[Connection] = set()
        self.closing = False
        self.kinds: dict[object, int] = {}
        self.all_closed: asyncio.Future[None] | None = None
        self.tasks: set[asyncio.Task[Any]] = set()  # handlers that suspended (for shutdown)
        # Whether transport.writelines hands its buffers to the kernel together (uvloop: one
        # writev at the end of the iteration; asyncio's own loop from 3.12: sendmsg). Before
        # 3.12 asyncio's writelines joins them first — a copy of the whole body.
        self.writev = sys.version_info >= (3, 12) or type(loop).__module__.startswith("uvloop")
        # Every connection's timeouts share one loop timer, armed for the earliest deadline of
        # a heap of (when, sequence, connection). A loop timer per connection (a call_at at
        # accept, a cancel at close) cost 5-8 µs of CPU a connection on uvloop: with
        # `Connection: close` that was 17-25% of a request. An entry is stale once its
        # connection's timer_at is no longer its time (re-armed, cancelled, closed): skipped
        # when it comes up, and dropped when stale entries outnumber the live ones.
        self.deadlines: list[tuple[float, int, Connection]] = []
        self.deadline_seq = 0
        self.wake: asyncio.TimerHandle | None = None
        self.wake_time = math.inf

    def wake_at(self, conn: Connection, when: float) -> None:
        """Have ``conn._on_timer`` called at ``when`` (loop time)."""
        self.deadline_seq += 1
        heapq.heappush(self.deadlines, (when, self.deadline_seq, conn))
        if when < self.wake_time:
            self._arm_wake(when)
        elif len(self.deadlines) > 2 * len(self.connections) + 64:
            # Short-lived connections leave their entries behind (a 10 s header timeout, at
            # thousands of connections a second): keep the heap near the live count.
            self.deadlines = [e for e in self.deadlines if e[2].timer_at == e[0]]
            heapq.heapify(self.deadlines)

    def _arm_wake(self, when: float) -> None:
        if self.wake is not None:
            self.wake.cancel()
        self.wake = self.loop.call_at(when, self._expire)
        self.wake_time = when

    def _expire(self) -> None:
        self.wake = None
        self.wake_time = math.inf
        now = self.loop.time()
        heap = self.deadlines
        while heap and heap[0][0] <= now:
            when, _, conn = heapq.heappop(heap)
            if conn.timer_at == when:
                conn._on_timer()  # may re-arm: wake_at, which may arm the wake timer
        if heap and heap[0][0] < self.wake_time:
            self._arm_wake(heap[0][0])

    def forget(self, conn: Connection) -> None:
        self.connections.discard(conn)
        if not self.connections and self.all_closed is not None and not self.all_closed.done():
            self.all_closed.set_result(None)


def _error_response(status: int, server: str | None) -> bytes:
    """A complete error response that closes the connection; the body is the status text only,
    never an exception's message (no internals leak to the client)."""
    text = statustext(status).encode("ascii")
    head, _, _ = frame_response(
        status, None, _EMPTY_HEADERS, len(text), False, False, False, server
    )
    return head + text


_EMPTY_HEADERS: Final = Headers._trusted([])


class Connection(asyncio.Protocol):
    """The protocol object for one accepted connection (see the module docstring)."""

    __slots__ = (
        "state", "loop", "transport", "parser", "accepted_at", "_peer", "phase", "deadline",
        "write_deadline", "timer_at", "head", "body", "stream", "busy", "in_process",
        "closing", "closed", "detached", "reading_paused", "write_paused", "write_left", "tls_watch", "send_watch",
        "drain_waiter", "pending", "got_bytes", "parse_error", "may_pause",
    )

    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.loop = state.loop
        self.transport: asyncio.Transport | None = None
        self.parser = RequestParser(limits=state.limits)
        # The factory is called at accept, before a TLS handshake (connection_made: after it).
        self.accepted_at = state.loop.time()
        self._peer: tuple[str, int] | None = None
        self.phase = _HEAD
        self.deadline = 0.0
        # While the transport's buffer is over its high-water mark: when the client must next
        # have taken some of it (0.0 otherwise), and how much was left at the last look.
        self.write_deadline = 0.0
        self.write_left = 0
        # A stdlib (asyncio or uvloop) TLS transport, whose flow control does not reach us for
        # a big write; and whether we are watching the socket's send queue instead.
        self.tls_watch = False
        self.send_watch = False
        self.timer_at = math.inf  # when the state's shared timer looks at us (inf: never)
        self.head: RequestHead | None = None
        self.body: list[bytes] = []
        self.stream: Stream | None = None
        self.busy = False  # a request is being handled; the next head waits
        self.in_process = False  # _process is on the stack (no re-entry: pipelining loops)
        self.closing = False  # answer the current request with Connection: close, then close
        self.closed = False
        self.detached = False
        self.reading_paused = False
        self.write_paused = False
        self.drain_waiter: asyncio.Future[None] | None = None
        self.pending = 0  # bytes fed while busy (pipelined requests)
        self.got_bytes = False
        self.parse_error: ParseError | None = None
        self.may_pause = False

    @property
    def peer(self) -> tuple[str, int]:
        """The client's address and port, looked up on first use (a system call most requests
        never need)."""
        peer = self._peer
        if peer is None:
            info = self.transport.get_extra_info("peername") if self.transport else None
            if isinstance(info, tuple) and len(info) >= 2:
                peer = (str(info[0]), int(info[1]))
            else:
                peer = ("", 0)
            self._peer = peer
        return peer

    # -- asyncio.Protocol ----------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports satisfy asyncio.Transport without subclassing it.
        self.transport = transport = cast(asyncio.Transport, transport)
        state = self.state
        self.tls_watch = isinstance(transport.get_extra_info("sslcontext"), ssl.SSLContext)
        state.connections.add(self)
        if state.verbose:
            log.info("accepted connection from %s:%d", *self.peer)
        if state.closing:
            # Accepted as the listener closed: answer one request (with Connection: close) if
            # it comes within the grace period, as for idle connections in begin_close.
            self.closing = True
            self._arm(SHUTDOWN_GRACE)
            return
        if state.max_connections is not None and len(state.connections) > state.max_connections:
            # Over the limit: answer at once and close (uvicorn's --limit-concurrency does the
            # same) rather than letting the backlog hide the overload from the client.
            transport.write(_SERVICE_UNAVAILABLE)
            if state.access_log is not None:
                self._log_error(503, None, _SERVICE_UNAVAILABLE_FIELDS)
            transport.close()
            return
        if state.tcpisvalid is not None:
            try:
                ok = bool(state.tcpisvalid(transport.get_extra_info("socket")))
            except Exception:
                log.exception("tcpisvalid raised; closing the connection")
                ok = False
            if not ok:
                transport.abort()
                return
        # Armed at accept, not after a first response (uvicorn's gap, python-anchors §2.2): an
        # idle or trickling client is closed after header_timeout. Counted from when the
        # protocol was made (the accept), so that with TLS the handshake's time counts too.
        if state.header_timeout:
            self.deadline = self.accepted_at + state.header_timeout
            self._ensure_timer()

    def data_received(self, data: bytes) -> None:
        if self.detached or self.closed:
            return
        phase = self.phase
        if phase == _IDLE:
            self.phase = _HEAD
            self._arm(self.state.header_timeout)
        elif phase == _BODY or (phase == _HANDLER and self.deadline):
            self._arm(self.state.body_timeout)
        self.got_bytes = True
        self.parser.feed(data)
        if self.send_watch:
            self._check_send(False)  # the response may have left since the last look
        if (self.busy or self.write_paused) and (self.stream is None or self.stream._body_done):
            # A request is being handled, or its response is still leaving: later (pipelined)
            # requests wait in the parser's buffer, up to PIPELINE_HIGH.
            self.pending += len(data)
            if self.pending > PIPELINE_HIGH:
                self._pause_reading()
            return
        self._process()

    def eof_received(self) -> bool:
        if self.detached:
            return True
        self.parser.feed_eof()
        if not (self.busy and (self.stream is None or self.stream._body_done)):
            self._process()
        # Keep our side open to send the response to a half-closed client (TLS cannot
        # half-close: there the transport closes regardless).
        return self.transport is None or self.transport.get_extra_info("sslcontext") is None

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._cancel_timer()
        self.state.forget(self)
        stream = self.stream
        if stream is not None and not stream._body_done:
            stream._fail(ConnectionResetError("the client closed the connection"))
        w = self.drain_waiter
        if w is not None and not w.done():
            w.set_exception(ConnectionResetError("the client closed the connection"))
        if self.state.verbose:
            log.info("closed connection from %s:%d", *self.peer)

    def pause_writing(self) -> None:
        # write_timeout is inactivity, as nginx's send_timeout: the client must take some of
        # what is buffered every write_timeout seconds, not all of it (a big response to a
        # slow but steady reader is fine). The read-side deadline is suspended meanwhile: a
        # connection still sending its response is not idle.
        self.write_paused = True
        timeout = self.state.write_timeout
        if timeout and self.transport is not None:
            self.write_left = self._unsent()
            self.write_deadline = self.loop.time() + timeout
            self._ensure_timer()

    def resume_writing(self) -> None:
        self.write_paused = False
        self.write_deadline = 0.0
        if self.closing or self.state.closing:
            # A graceful close began while we were sending: the grace period, not a new idle
            # timeout (begin_close's deadline was suspended with the others).
            self.deadline = self.loop.time() + SHUTDOWN_GRACE
            self._ensure_timer()
        elif self.deadline:
            # The read-side deadline ran while we were sending: it starts afresh now that the
            # output is drained (the idle time of a keep-alive connection counts from here).
            self._arm(self._phase_timeout())
        w = self.drain_waiter
        if w is not None and not w.done():
            w.set_result(None)
        if not self.busy and not self.closed:
            # Requests that arrived while the response was leaving: their turn now.
            self.pending = 0
            if self.reading_paused:
                self._resume_reading()
            self._process()

    # -- the parser loop -----------------------------------------------------------------------
    def _process(self) -> None:
        if self.in_process:
            return
        self.in_process = True
        parser = self.parser
        try:
            # The next request is taken only once the last response has left our buffer
            # (write_paused clears): a pipelining client that reads slowly must not make us
            # queue response after response (RFC 9112 §9.3.2 lets us take them in our time).
            while not self.closed and (
                (not self.busy and not self.write_paused)
                or (self.stream is not None and not self.stream._body_done)
            ):
                try:
                    ev = parser.next_event()
                except ParseError as exc:
                    self._bad_request(exc)
                    return
                if isinstance(ev, RequestHead):
                    self._on_head(ev)
                elif isinstance(ev, EndOfMessage):
                    if self.stream is not None:
                        self.stream._end()
                        self.deadline = 0.0
                    else:
                        self._dispatch()
                elif isinstance(ev, Data):
                    stream = self.stream
                    if stream is None:
                        self.body.append(ev.data)
                    else:
                        stream._push(ev.data)
                        if stream._buffered > BODY_BUFFER_HIGH:
                            self._pause_reading()
                elif ev is NEED_DATA:
                    return
                elif ev is CLOSED:
                    self._close()
                    return
                else:
                    # PAUSED: the request we answer last closes the connection, or asked for an
                    # upgrade; _request_done decides once it is answered.
                    assert ev is PAUSED
                    if not self.busy:
                        self._close()
                    return
        finally:
            self.in_process = False

    def _on_head(self, head: RequestHead) -> None:
        self.head = head
        if head.upgrade is not None or head.method == "CONNECT":
            self.may_pause = True  # the parser pauses after this request (RFC 9110 §7.8)
        self.pending = 0
        state = self.state
        if state.stream_mode:
            stream = Stream(self, head, Request._from_head(head))
            self.stream = stream
            self.busy = True
            self.phase = _HANDLER
            self.deadline = 0.0
            self._run_stream_handler(stream)
            return
        # self.body is empty here: _dispatch takes the chunks of each body and leaves a new list.
        if head.content_length or head.chunked:
            self.phase = _BODY
            self._arm(state.body_timeout)
            if head.expect_continue:
                # serve reads the body in full before calling the handler, so it asks for it
                # now; a body over the limit already failed at the head (413, no 100 sent).
                self.send_continue()

    # -- request handlers (serve) --------------------------------------------------------------
    def _dispatch(self) -> None:
        head = self.head
        assert head is not None
        req = Request._from_head(head)
        body = self.body
        if body:
            req.body = body[0] if len(body) == 1 else b"".join(body)
            self.body = []
        self.busy = True
        self.phase = _HANDLER
        self.deadline = 0.0
        state = self.state
        handler = state.handler
        if type(handler) is Router:
            # Resolve the route first, so that a slow route (not the whole router) moves to
            # the thread pool, and an async route is driven like an async handler.
            handler = handler.resolve(req)
        kinds = state.kinds
        try:
            kind = kinds.get(handler)
            if kind is None:
                kind = self._first_kind(handler)
                if len(kinds) < MAX_TRACKED_HANDLERS:
                    kinds[handler] = kind
        except TypeError:  # an unhashable callable: judged on each call, never promoted
            kind = self._first_kind(handler)
        if kind != _INLINE:
            state.pool.submit(_HandlerJob(self, handler, req))
            return
        auto = state.auto
        t0 = time.perf_counter() if auto else 0.0
        try:
            result = handler(req)
        except Exception as exc:
            if auto:
                self._check_inline_time(handler, t0)
            self._handler_failed(req, exc)
            return
        if auto:
            self._check_inline_time(handler, t0)
        if isinstance(result, Response):
            self._respond(req, result)
        elif type(result) is CoroutineType or isinstance(result, Coroutine):
            self._drive(req, result)
        else:
            self._handler_failed(
                req, TypeError(f"the handler returned {type(result).__name__}, not a Response")
            )

    def _first_kind(self, handler: Callable[..., Any]) -> int:
        """Where a handler not seen before runs: ``async def`` on the loop; a plain one on the
        worker threads (``threaded=True``, the default), on the loop (``False``), or on the
        threads counting its fast calls for promotion (``"auto"``)."""
        if _is_async(handler):
            return _INLINE
        threaded = self.state.threaded
        if threaded is True:
            return _PINNED
        if threaded is False:
            return _INLINE
        return 0

    def _check_inline_time(self, handler: Callable[..., Any], t0: float) -> None:
        """``threaded="auto"``: a promoted handler that took longer than the threshold on the
        loop (returning or raising) blocked every other connection: back to the threads."""
        if time.perf_counter() - t0 > self.state.slow_threshold and not _is_async(handler):
            self._demote(handler)

    def _count_fast(self, handler: object, elapsed: float) -> None:
        """A plain handler returned on a worker thread after ``elapsed`` s: count its run of
        fast calls; PROMOTE_AFTER in a row and it runs on the loop from then on."""
        kinds = self.state.kinds
        try:
            kind = kinds.get(handler)
            if kind is None or kind < 0:
                return
            if elapsed > self.state.slow_threshold:
                kinds[handler] = 0
            else:
                kinds[handler] = _INLINE if kind + 1 >= PROMOTE_AFTER else kind + 1
        except TypeError:
            return

    def _demote(self, handler: object) -> None:
        """A handler on the loop took longer than ``slow_handler_threshold``: it blocked every
        other connection for that long, so it goes back to the threads, for good."""
        try:
            self.state.kinds[handler] = _PINNED
        except TypeError:
            return
        log.warning(
            "handler %r blocked the event loop for over %.0f ms; it runs on the worker threads "
            "from now on (threaded=True, the default, keeps plain handlers off the loop)",
            handler,
            self.state.slow_threshold * 1000,
        )

    def _drive(self, req: Request, coro: Coroutine[Any, Any, Any]) -> None:
        """Run the coroutine inline until it finishes or first suspends; only then is a Task
        made (most handlers never suspend: no Task, no extra loop iteration)."""
        if not self.state.inline_async:
            self._track(self.loop.create_task(coro), req)
            return
        try:
            first = coro.send(None)
        except StopIteration as stop:
            self._finish_async(req, stop.value)
            return
        except Exception as exc:
            self._handler_failed(req, exc)
            return
        self._track(self.loop.create_task(_Resume(coro, first).run()), req)

    def _track(self, task: asyncio.Task[Any], req: Request) -> None:
        tasks = self.state.tasks
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        task.add_done_callback(lambda t: self._task_done(req, t))

    def _task_done(self, req: Request, task: asyncio.Task[Any]) -> None:
        if task.cancelled():
            self._handler_failed(req, asyncio.CancelledError("the handler was cancelled"))
            return
        exc = task.exception()
        if exc is not None:
            self._handler_failed(req, exc)
        else:
            self._finish_async(req, task.result())

    def _finish_async(self, req: Request, result: object) -> None:
        if isinstance(result, Response):
            self._respond(req, result)
        else:
            self._handler_failed(
                req, TypeError(f"the handler returned {type(result).__name__}, not a Response")
            )

    def _thread_done(self, job: _HandlerJob) -> None:
        """A plain handler finished on a worker thread (see :class:`_HandlerJob`)."""
        req = job.req
        result = job.result
        error = job.error
        if self.state.auto:
            self._count_fast(job.handler, job.elapsed)
        if error is not None:
            self._handler_failed(req, error)
        elif isinstance(result, Response):
            self._respond(req, result)
        elif type(result) is CoroutineType or isinstance(result, Coroutine):
            # A plain callable (a middleware) that called an async def handler: run the
            # coroutine it returned on the loop.
            self._drive(req, result)
        else:
            self._handler_failed(
                req, TypeError(f"the handler returned {type(result).__name__}, not a Response")
            )

    def _handler_failed(self, req: Request, exc: BaseException) -> None:
        log.error("handler error for %s %s", req.method, req.target, exc_info=exc)
        self._send_error(500, req)

    def _respond(self, req: Request, resp: Response) -> None:
        if self.closed:
            return
        head = self.head
        assert head is not None
        body = resp.body
        if type(body) is not bytes:
            try:
                body = resp.body_bytes()
            except Exception as exc:
                self._handler_failed(req, exc)
                return
        keep = head.keep_alive and not self.closing
        try:
            data, keep, send_body = frame_response(
                resp.status,
                resp.reason,
                resp.headers,
                len(body),
                head.method == "HEAD",
                head.version.minor == 0,
                keep,
                self.state.server_header,
            )
        except Exception as exc:  # a bad status or reason from the handler
            self._handler_failed(req, exc)
            return
        assert self.transport is not None
        if send_body and body:
            if len(body) < 65536:
                self.transport.write(data + body)
            else:
                if self.state.writev:
                    # Head and body in one vectored write, not two writes: no head-only
                    # segment goes out ahead of the body (TCP_NODELAY sends a small write at
                    # once, and the client wakes for it), and one system call. On the 1 MiB
                    # benchmark: 3.5k → 4.6k req/s, p99 40 → 21 ms (uvicorn, which writes
                    # twice: 2.7k, 34 ms).
                    self.transport.writelines((data, body))
                else:
                    self.transport.write(data)
                    self.transport.write(body)
                if self.tls_watch:
                    self._watch_send()
        else:
            self.transport.write(data)
        if self.state.access_log is not None:
            self._log_response(req, resp.status, resp.headers, len(body) if send_body else 0)
        self._request_done(keep)

    # -- stream handlers (listen) --------------------------------------------------------------
    def _run_stream_handler(self, stream: Stream) -> None:
        handler = self.state.handler
        if _is_async(handler):
            task = self.loop.create_task(handler(stream))
            self.state.tasks.add(task)
            task.add_done_callback(self.state.tasks.discard)
            task.add_done_callback(lambda t: self._stream_done(stream, _task_error(t)))
        else:
            call_on_worker(
                self.state.pool,
                lambda: handler(stream),
                lambda result, exc: self._stream_thread_done(stream, result, exc),
            )

    def _stream_thread_done(self, stream: Stream, result: object, exc: BaseException | None) -> None:
        if isinstance(result, Coroutine):
            # A plain callable (a Router, a middleware) that dispatched to an async def
            # stream handler: run what it returned on the loop.
            task = self.loop.create_task(result)
            self.state.tasks.add(task)
            task.add_done_callback(self.state.tasks.discard)
            task.add_done_callback(lambda t: self._stream_done(stream, _task_error(t)))
            return
        self._stream_done(stream, exc)

    def _stream_done(self, stream: Stream, exc: BaseException | None) -> None:
        if stream._detached:
            return
        req = stream.message
        if self.closed:
            self.stream = None
            if isinstance(exc, ConnectionError):
                # The client went away mid-exchange: routine, not a server error (HTTP.jl
                # logs client resets at debug level too).
                log.debug("client gone during %s %s: %r", req.method, req.target, exc)
            elif exc is not None:
                log.error("handler error for %s %s", req.method, req.target, exc_info=exc)
            return
        if exc is not None:
            body_error = stream._body_error
            if stream.nwritten < 0 and body_error is not None and _caused_by(exc, body_error):
                # The handler let the request body's own error out of read(): that is the
                # client's fault, answered with its status (413, 400, 408), not a 500.
                self.stream = None
                if isinstance(body_error, ParseError):
                    self._bad_request(body_error)
                elif isinstance(body_error, TimeoutError):
                    self._send_error(408, req)
                else:  # the client went away mid-body: nobody to answer
                    self._close()
                return
            if stream.nwritten < 0:
                self._handler_failed(req, exc)
            else:
                log.error("handler error for %s %s", req.method, req.target, exc_info=exc)
                self._close()  # the response is half written: only closing can say so
            return
        if stream.nwritten < 0:
            if self.parse_error is not None:
                # The handler read the malformed body's error and wrote nothing: answer it
                # now (with the stream still set, _bad_request would only hand it the error).
                self.stream = None
                self._bad_request(self.parse_error)
                return
            log.error(
                "the handler for %s %s wrote no response (call setstatus/startwrite/write)",
                req.method,
                req.target,
            )
            self._send_error(500, req)
            return
        if not stream._write_closed:
            stream._write_closed = True
            if stream._chunked:
                self.write(b"0\r\n\r\n")
            elif stream._length is not None and stream.nwritten < stream._length:
                stream._keep_alive = False
        if self.state.access_log is not None:
            self._log_stream(stream)
        if (
            not stream._body_done
            and stream._body_error is None
            and stream._keep_alive
            and self.parse_error is None
        ):
            # The handler left part of the request body unread. As HTTP.jl's server does
            # (closeread after the handler), read the rest and drop it, so the connection can
            # take the next request; closing with unread input would make the kernel reset
            # the connection, and the client could lose the response it is reading.
            task = self.loop.create_task(self._discard_body(stream))
            self.state.tasks.add(task)
            task.add_done_callback(self.state.tasks.discard)
            return
        keep = stream._keep_alive and stream._body_done and self.parse_error is None
        self._request_done(keep)

    async def _discard_body(self, stream: Stream) -> None:
        """Read and drop what is left of ``stream``'s body (up to DISCARD_LIMIT bytes, each wait
        bounded by ``body_timeout``), then finish the request; past the limit, or on any error,
        the connection closes instead."""
        dropped = 0
        try:
            while not stream._body_done and dropped <= DISCARD_LIMIT:
                dropped += len(await stream.areadavailable())
        except Exception:  # a body error or timeout: the connection cannot be reused
            pass
        if self.closed:
            return
        keep = stream._body_done and stream._body_error is None and self.parse_error is None
        self._request_done(keep)

    # -- used by Stream ------------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        if self.transport is not None and not self.closed:
            self.transport.write(data)
            if self.tls_watch and len(data) >= _TLS_WATCH_MIN:
                self._watch_send()

    async def drain(self) -> None:
        if self.closed:
            raise ConnectionResetError("the client closed the connection")
        if not self.write_paused:
            return
        w = self.drain_waiter = self.loop.create_future()
        await w

    def send_continue(self) -> None:
        self.write(_CONTINUE)

    def want_body(self, wait: bool) -> None:
        """A stream handler consumed body bytes: read the socket again. If it ``wait``s for
        more, the client has ``body_timeout`` to send them (the deadline runs only while a
        reader waits: a handler busy with what it has is not a slow client)."""
        stream = self.stream
        if self.reading_paused and (stream is None or stream._buffered < BODY_BUFFER_HIGH):
            self._resume_reading()
        if wait and stream is not None and not stream._body_done:
            self._arm(self.state.body_timeout)

    def body_wait_over(self) -> None:
        if self.phase == _HANDLER:
            self.deadline = 0.0

    def detach(self) -> tuple[asyncio.Transport, bytes]:
        assert self.transport is not None
        self.detached = True
        self._cancel_timer()
        self.state.forget(self)
        self.transport.pause_reading()  # the new owner resumes once its protocol is set
        return self.transport, self.parser.trailing_data

    # -- ending requests and connections -------------------------------------------------------
    def _request_done(self, keep: bool) -> None:
        """The response is out: close, or go on to the next request (this runs ``_process``
        unless it is already on the stack, so callers need not)."""
        self.busy = False
        self.stream = None
        self.head = None
        if not keep or self.closing or self.state.closing:
            self._close()
            return
        parser = self.parser
        if self.may_pause and parser.paused:
            self.may_pause = False
            try:
                parser.resume()  # an upgrade or CONNECT that the handler declined
            except RuntimeError:
                self._close()
                return
        self.phase = _IDLE
        self._arm(self.state.idle_timeout)
        if self.reading_paused:
            self._resume_reading()
        self.pending = 0
        if not self.in_process:
            self._process()

    def _bad_request(self, exc: ParseError) -> None:
        """Strict parsing failed: answer the error's status and close (RFC 9112 §9.6); nothing
        of the request reaches a handler."""
        if self.stream is not None and not self.stream._body_done:
            # The handler is running; it sees the error on its next read.
            self.parse_error = exc
            self.stream._fail(exc)
            return
        if self.state.verbose:
            log.info("bad request from %s:%d: %s", *self.peer, exc)
        self._send_error(exc.status, None)

    def _send_error(self, status: int, req: Request | None) -> None:
        if self.transport is not None and not self.closed:
            self.transport.write(_error_response(status, self.state.server_header))
            if self.state.access_log is not None:
                self._log_error(status, req)
        self.busy = False
        self._close()

    def _close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._cancel_timer()
        if self.transport is not None:
            self.transport.close()  # flushes what is buffered, then closes

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()
        self.closed = True

    def begin_close(self, grace: float) -> None:
        """Graceful shutdown: a request under way is answered with ``Connection: close``; an
        idle connection gets ``grace`` seconds for a request already on its way (a client
        cannot know we are closing, RFC 9112 §9.6), then closes."""
        self.closing = True
        if not self.busy and (self.phase == _IDLE or not self.got_bytes):
            if grace > 0:
                self.deadline = min(self.deadline or math.inf, self.loop.time() + grace)
                self._ensure_timer()
            else:
                self._close()

    # -- timeouts ------------------------------------------------------------------------------
    def _arm(self, seconds: float | None) -> None:
        if not seconds:
            self.deadline = 0.0
            return
        self.deadline = deadline = self.loop.time() + seconds
        if self.timer_at > deadline:  # no timer, or one due after the new deadline
            self._ensure_timer()
        # else: the timer fires early and re-arms itself for the new deadline (the hot path:
        # an assignment per state change, no timer call)

    def _phase_timeout(self) -> float | None:
        """The read-side timeout of the current phase."""
        state = self.state
        phase = self.phase
        if phase == _IDLE:
            return state.idle_timeout
        if phase == _HEAD:
            return state.header_timeout
        return state.body_timeout  # reading a body (serve), or a stream handler waiting for it

    def _next_deadline(self) -> float:
        """When the timer must next look: the read-side deadline (suspended while output is
        paused) or the write deadline; 0.0 for none."""
        if self.write_paused:
            return self.write_deadline
        return self.deadline

    def _ensure_timer(self) -> None:
        due = self._next_deadline()
        if not due or self.timer_at <= due:
            return  # none needed, or a look due earlier re-arms for the new deadline
        self.timer_at = due
        self.state.wake_at(self, due)

    def _cancel_timer(self) -> None:
        self.timer_at = math.inf  # our entry in the state's heap is stale now: skipped

    def _on_timer(self) -> None:
        self.timer_at = math.inf
        if self.closed or self.detached:
            return
        now = self.loop.time()
        if self.write_paused:
            if not self.write_deadline or now < self.write_deadline:
                self._ensure_timer()
                return
            assert self.transport is not None
            left = self._unsent()
            if left < self.write_left:  # the client took some: another write_timeout
                self.write_left = left
                self.write_deadline = now + (self.state.write_timeout or 0.0)
                self._ensure_timer()
                return
            log.info("write timeout: %s:%d does not read; aborting", *self.peer)
            self.abort()
            return
        if not self.deadline:
            return
        if now < self.deadline:
            self._ensure_timer()
            return
        if self.phase == _IDLE or (self.phase == _HEAD and not self.got_bytes):
            self._close()  # nothing was asked: just close (RFC 9112 §9.5)
            return
        if self.stream is not None:
            # A stream handler waits for a body that does not come.
            self.stream._fail(TimeoutError("the request body did not arrive in time"))
            self.deadline = 0.0
            return
        if self.state.verbose:
            log.info("request timeout for %s:%d", *self.peer)
        self._send_error(408, None)  # a partial head or body: 408, then close

    def _unsent(self) -> int:
        """Bytes of ours the client has not yet taken: the transport's buffer plus the kernel's
        send queue (``TIOCOUTQ``: unsent and unacknowledged). The kernel's share matters: it
        signals the socket writable only once a third of its (autotuned, megabytes) buffer is
        free, so a slow reader can drain the kernel queue for seconds while the transport's
        buffer does not move."""
        assert self.transport is not None
        sock = self.transport.get_extra_info("socket")
        return self.transport.get_write_buffer_size() + kernel_unsent(sock)

    def _watch_send(self) -> None:
        """After a big write on a stdlib TLS transport. asyncio's and uvloop's TLS layer
        encrypts a write and hands all of it to the TCP transport at once, so the buffer we
        see stays empty and ``pause_writing`` never comes, however long the client takes:
        ``write_timeout`` would never fire and later requests would be taken while this
        response still waits. So pause ourselves while the socket's send queue holds our bytes,
        and look again every ``_SEND_POLL`` seconds (and when the client sends something)."""
        if self.write_paused or self.closed or not self.state.write_timeout:
            return
        if not self._unsent():
            return  # the kernel has taken it all already
        self.send_watch = True
        self.pause_writing()
        self.loop.call_later(_SEND_POLL, self._check_send, True)

    def _check_send(self, again: bool) -> None:
        if self.closed or not self.send_watch:
            return
        if not self._unsent():
            self.send_watch = False
            if self.write_paused:
                self.resume_writing()
        elif again:
            self.loop.call_later(_SEND_POLL, self._check_send, True)

    # -- flow control --------------------------------------------------------------------------
    def _pause_reading(self) -> None:
        if not self.reading_paused and self.transport is not None:
            self.reading_paused = True
            self.transport.pause_reading()

    def _resume_reading(self) -> None:
        if self.reading_paused and self.transport is not None and not self.closed:
            self.reading_paused = False
            self.transport.resume_reading()

    # -- access log ----------------------------------------------------------------------------
    def _log_response(self, req: Request, status: int, headers: Headers, nbytes: int) -> None:
        """Log a response written without a :class:`Stream` (``serve``, or the server's own
        error responses): the formatter gets one built for it."""
        head = self.head
        stream = Stream(self, head if head is not None else _unparsed_head(), req)
        stream.status = status
        stream.headers = headers
        stream.nwritten = nbytes
        self._log_stream(stream)

    def _log_error(
        self,
        status: int,
        req: Request | None,
        fields: tuple[tuple[str, str], ...] = (("Connection", "close"),),
    ) -> None:
        """Log an error response the server wrote itself. ``req`` is ``None`` when the server
        rejected the request before a handler saw it (a malformed request, a timeout, too many
        connections): then the request is what was parsed of it, if its head was, else one
        with an empty method, which the access log variables show as ``-`` (as nginx does)."""
        if req is None:
            head = self.head
            req = Request._from_head(head if head is not None else _unparsed_head())
        nbytes = len(statustext(status))
        headers = Headers._trusted([("Content-Length", str(nbytes)), *fields])
        self._log_response(req, status, headers, nbytes)

    def _log_stream(self, stream: Stream) -> None:
        fmt = self.state.access_log
        assert fmt is not None
        out = StringIO()
        try:
            fmt(out, stream)
        except Exception:
            log.exception("access_log formatter failed")
            return
        access_logger.info(out.getvalue())


_SERVICE_UNAVAILABLE_FIELDS: Final = (("Connection", "close"), ("Retry-After", "1"))
_SERVICE_UNAVAILABLE: Final = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 19\r\nConnection: close\r\n"
    b"Retry-After: 1\r\n\r\nService Unavailable"
)


def _unparsed_head() -> RequestHead:
    """The head of a request rejected before its request line was parsed: empty method and
    target (the access log shows ``-``); a new one each time, as its Headers are mutable."""
    return RequestHead("", "", HTTP_1_1, Headers._trusted([]), keep_alive=False)


def _is_async(handler: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(
        getattr(handler, "__call__", None)
    )


def _caused_by(exc: BaseException, cause: BaseException) -> bool:
    """Whether ``exc`` is ``cause`` or was raised from it (``raise ... from``), a few links
    deep. Not an exception merely raised while handling it (``__context__``): that is the
    handler's own failure, a 500 that is logged. A copy counts: crossing from the loop to a
    handler thread, ``run_coroutine_threadsafe`` re-creates a ``TimeoutError`` with the same
    arguments."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if seen is cause or (type(seen) is type(cause) and seen.args == cause.args):
            return True
        seen = seen.__cause__
    return False


def _task_error(task: asyncio.Task[Any]) -> BaseException | None:
    if task.cancelled():
        return asyncio.CancelledError("the handler was cancelled")
    return task.exception()


class _Resume:
    """Continue a coroutine that already ran up to its first suspension, inside a Task: the
    Task waits on the future the coroutine yielded, then sends results (or throws errors)
    back into it exactly as if the Task had started it."""

    __slots__ = ("coro", "first")

    def __init__(self, coro: Coroutine[Any, Any, Any], first: Any) -> None:
        self.coro = coro
        self.first = first

    def __await__(self) -> Generator[Any, Any, Any]:
        coro = self.coro
        pending = self.first
        while True:
            try:
                sent = yield pending
            except GeneratorExit:  # the task is being destroyed: close the handler too
                coro.close()
                raise
            except BaseException as exc:  # cancellation and errors go into the coroutine
                try:
                    pending = coro.throw(exc)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    pending = coro.send(sent)
                except StopIteration as stop:
                    return stop.value

    async def run(self) -> Any:
        return await self


class _HandlerJob:
    """One plain request-handler call for the :class:`WorkerPool`: ``run`` on a worker thread,
    ``finish`` back on the loop. Whatever the handler raises is kept and answered with a 500
    on the loop; nothing escapes on the thread (which would leave the connection waiting)."""

    __slots__ = ("conn", "handler", "req", "result", "error", "elapsed")

    def __init__(self, conn: Connection, handler: Callable[[Request], Any], req: Request) -> None:
        self.conn = conn
        self.handler = handler
        self.req = req
        self.result: object = None
        self.error: BaseException | None = None
        self.elapsed = 0.0

    def run(self) -> None:
        t0 = time.perf_counter()
        try:
            self.result = self.handler(self.req)
        except BaseException as exc:  # SystemExit too: a 500, not a dead worker
            self.error = exc
        self.elapsed = time.perf_counter() - t0

    def finish(self) -> None:
        self.conn._thread_done(self)
