"""``listen``/``serve``, their ``_background`` forms and the :class:`Server` they return.

A server is one event loop (uvloop when installed, unless ``use_uvloop=False``) running
:class:`~._connection.Connection` protocols on one listening socket. The blocking forms run that
loop in the calling thread until Ctrl-C (a graceful close, then the ``on_shutdown`` callbacks);
the background forms run it in a daemon thread and return at once with a :class:`Server`
whose ``close()``/``forceclose()``/``wait()`` are safe to call from any thread.

To use several cores, start several processes on one port with ``reuseaddr=True``
(``SO_REUSEPORT``: the kernel spreads connections over them), as HTTP.jl and the TechEmpower
entries do; see ``docs/server.md``.
"""

from __future__ import annotations

import asyncio
import errno
import importlib
import logging
import signal
import socket
import ssl
import sys
import threading
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypedDict, TypeGuard, Unpack, overload

from wirehttp_parser import Limits, Request, Response

from ._connection import SHUTDOWN_GRACE, AccessLog, Connection, ServerState
from ._framing import SERVER_NAME
from ._stream import MAX_BODY, Stream
from ._workers import WorkerPool

if TYPE_CHECKING:  # pyOpenSSL is optional: imported only when such a context is passed
    from OpenSSL import SSL

__all__ = [
    "Server",
    "ServerOptions",
    "listen",
    "listen_background",
    "serve",
    "serve_background",
    "supportsreuseaddr",
]

log = logging.getLogger("wirehttp.server")

DEFAULT_MAX_BODY = MAX_BODY
"""``serve`` buffers request bodies up to this many bytes (413 past it): HTTP.jl 2.x's 64 MiB;
nginx uses 1 MiB, aiohttp 1 MiB, waitress 1 GiB."""

RequestHandlerT = Callable[[Request], Response] | Callable[[Request], Awaitable[Response]]
StreamHandlerT = Callable[[Stream], None] | Callable[[Stream], Awaitable[None]]


ShutdownHook = Callable[[], object]
Host = str | int | socket.socket


class ServerOptions(TypedDict, total=False):
    """The keywords of ``listen``/``serve`` (HTTP.jl's, plus the limits and timeouts of the
    BRIEF). Times are in seconds; ``0`` or ``None`` disables a timeout."""

    sslconfig: ssl.SSLContext | SSL.Context | None
    """Serve HTTPS with this server-side context: a stdlib ``ssl.SSLContext``
    (``ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)`` plus ``load_cert_chain``) or a
    pyOpenSSL ``OpenSSL.SSL.Context`` (``pip install wirehttp-server[pyopenssl]``)."""
    tcpisvalid: Callable[[Any], bool] | None
    """``f(sock) -> bool`` on each accepted connection; false closes it (e.g. IP filtering)."""
    readtimeout: float
    """HTTP.jl's inactivity timeout: when > 0 it sets both ``idle_timeout`` and
    ``body_timeout``."""
    reuseaddr: bool
    """Bind with ``SO_REUSEPORT`` so several processes can listen on one port."""
    server: socket.socket | None
    """An already bound (and listening) socket to serve on."""
    listenany: bool
    """If the port is taken, bind the first free port above it (HTTP.jl's ``listenany``;
    ``server.port`` tells which). Default ``False``: a taken port raises ``OSError``."""
    verbose: bool
    """Log the listening address and each connection on the ``wirehttp.server`` logger."""
    access_log: AccessLog | None
    """``f(io, stream)`` writing one line per request (see :func:`logfmt`); each line is logged
    at INFO on the ``wirehttp.access`` logger."""
    on_shutdown: ShutdownHook | Sequence[ShutdownHook] | None
    """One or more functions run when the server closes; a failure is logged, not raised."""
    max_connections: int | None
    """Connections over this number get an immediate 503 and are closed."""
    backlog: int
    """The ``listen()`` backlog (default 2048, as uvicorn and gunicorn)."""
    header_timeout: float | None
    """From accept (or a later request's first byte) until the head is complete: 10 s."""
    idle_timeout: float | None
    """Between requests on a keep-alive connection: 5 s (uvicorn and hypercorn's default)."""
    body_timeout: float | None
    """Inactivity while reading a request body: 30 s."""
    write_timeout: float | None
    """How long the client may leave our send buffer full: 30 s."""
    max_body: int | None
    """``serve`` only: the largest request body read into ``req.body`` (413 past it)."""
    limits: Limits | None
    """The parser's limits (request line, header block, header count, chunk line...)."""
    server_header: str | None
    """The ``Server`` field sent on each response (``None`` sends none)."""
    threaded: bool | Literal["auto"]
    """Plain request handlers: ``True`` (default) runs them on the worker threads, so one that
    blocks never stalls the other connections; ``False`` runs them inline on the event loop
    (fastest; only for handlers that never block); ``"auto"`` starts them on the threads and
    promotes one that has been faster than ``slow_handler_threshold`` 1000 times in a row to
    the loop, back to the threads for good if it is ever slow there (see docs/server.md for
    what changes for a handler on the loop's thread). ``async def`` handlers always run on the
    loop."""
    slow_handler_threshold: float
    """See ``threaded`` (default 0.02 s)."""
    inline_async: bool
    """Drive ``async def`` handlers inline until they first suspend (default ``True``)."""
    max_threads: int
    """The most worker threads for plain handlers (default 64; they start one at a time, as
    handlers block; see ``_workers.py``)."""
    worker_nice: int
    """Linux: how much lower the worker threads' scheduling priority is than the event loop's
    (added to their ``nice`` value, capped at 19; default 5, 0 to leave it; 0-19). Keeps a
    woken worker from preempting the loop on a busy core; see docs/server.md, *Concurrency*."""
    use_uvloop: bool | None
    """``None``: uvloop when installed."""


_OPTION_NAMES = frozenset(ServerOptions.__annotations__)


def _is_pyopenssl_context(obj: object) -> TypeGuard[SSL.Context]:
    """Whether ``obj`` is a pyOpenSSL context, without importing pyOpenSSL: whoever made one
    has imported ``OpenSSL.SSL`` already."""
    mod = sys.modules.get("OpenSSL.SSL")
    return mod is not None and isinstance(obj, mod.Context)


def _check_sslconfig(sslconfig: object) -> None:
    if sslconfig is None or isinstance(sslconfig, ssl.SSLContext):
        return
    if not _is_pyopenssl_context(sslconfig):
        raise TypeError(
            "sslconfig must be an ssl.SSLContext or an OpenSSL.SSL.Context, "
            f"got {type(sslconfig).__name__}"
        )


def supportsreuseaddr() -> bool:
    """Whether this platform has ``SO_REUSEPORT`` (HTTP.jl's ``Servers.supportsreuseaddr``)."""
    return hasattr(socket, "SO_REUSEPORT")


class Server:
    """A running server (HTTP.jl's ``HTTP.Server``), returned by :func:`listen_background` and
    :func:`serve_background`; also a context manager that closes it on exit."""

    def __init__(
        self,
        handler: Callable[..., Any],
        listener: socket.socket,
        stream_mode: bool,
        options: ServerOptions,
    ) -> None:
        self.listener = listener
        """The listening socket."""
        self._handler = handler
        self._stream_mode = stream_mode
        self._options = options
        hooks = options.get("on_shutdown")
        if hooks is None:
            self.on_shutdown: list[ShutdownHook] = []
        elif callable(hooks):
            self.on_shutdown = [hooks]
        else:
            self.on_shutdown = list(hooks)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._state: ServerState | None = None
        self._aserver: asyncio.AbstractServer | None = None
        self._done: asyncio.Future[None] | None = None
        self._closing: asyncio.Task[None] | None = None
        self._stopped = threading.Event()
        sockname = listener.getsockname()
        self.host: str = str(sockname[0])
        """The address the server listens on."""
        self.port: int = int(sockname[1])
        """The bound port (useful with ``port=0``)."""

    def __repr__(self) -> str:
        state = "open" if self.isopen() else "closed"
        return f"<Server {self.host}:{self.port} {state}>"

    # -- public API ----------------------------------------------------------------------------
    def isopen(self) -> bool:
        """Whether the server still accepts connections."""
        return self._done is not None and not self._stopped.is_set() and not (
            self._state is not None and self._state.closing
        )

    def close(self, timeout: float = 10.0) -> None:
        """Graceful close: stop accepting, close idle connections, let requests under way
        finish (their responses get ``Connection: close``), force-close whatever is left after
        ``timeout`` seconds; then run ``on_shutdown``. Blocks until done (from a handler on the
        server's own loop it only starts the close)."""
        self._stop(timeout, force=False)

    def forceclose(self) -> None:
        """Close the listener and every connection at once; then run ``on_shutdown``."""
        self._stop(0.0, force=True)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the server is closed (by :meth:`close` or an error); ``False`` if
        ``timeout`` passed first."""
        return self._stopped.wait(timeout)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- running -------------------------------------------------------------------------------
    def _new_loop(self) -> asyncio.AbstractEventLoop:
        use = self._options.get("use_uvloop")
        if use is None or use:
            try:
                uvloop = importlib.import_module("uvloop")
            except ImportError:
                if use:
                    raise
            else:
                loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
                return loop
        return asyncio.new_event_loop()

    async def _startup(self) -> None:
        loop = asyncio.get_running_loop()
        o = self._options
        readtimeout = o.get("readtimeout", 0)
        limits = o.get("limits") or Limits()
        if not self._stream_mode:
            max_body = o.get("max_body", DEFAULT_MAX_BODY)
            limits = Limits(
                max_start_line=limits.max_start_line,
                max_header_bytes=limits.max_header_bytes,
                max_headers=limits.max_headers,
                max_chunk_line=limits.max_chunk_line,
                max_trailer_bytes=limits.max_trailer_bytes,
                max_body=max_body,
            )
        header_timeout = o.get("header_timeout", 10.0)
        state = ServerState(
            loop,
            self._handler,
            stream_mode=self._stream_mode,
            limits=limits,
            header_timeout=header_timeout,
            idle_timeout=readtimeout or o.get("idle_timeout", 5.0),
            body_timeout=readtimeout or o.get("body_timeout", 30.0),
            write_timeout=o.get("write_timeout", 30.0),
            max_connections=o.get("max_connections"),
            tcpisvalid=o.get("tcpisvalid"),
            access_log=o.get("access_log"),
            server_header=o.get("server_header", SERVER_NAME),
            verbose=o.get("verbose", False),
            threaded=o.get("threaded", True),
            slow_threshold=o.get("slow_handler_threshold", 0.02),
            inline_async=o.get("inline_async", True),
            pool=WorkerPool(
                loop, max_threads=o.get("max_threads", 64), nice=o.get("worker_nice", 5)
            ),
        )
        self._state = state
        sslconfig = o.get("sslconfig")
        # A client that stalls the TLS handshake is a slowloris too.
        handshake_timeout = header_timeout or 60.0
        if sslconfig is None or isinstance(sslconfig, ssl.SSLContext):
            self._aserver = await loop.create_server(
                lambda: Connection(state),
                sock=self.listener,
                ssl=sslconfig,
                backlog=o.get("backlog", 2048),
                ssl_handshake_timeout=handshake_timeout if sslconfig is not None else None,
            )
        else:
            # A pyOpenSSL context (_check_sslconfig let nothing else through). The loop's TLS
            # takes only the stdlib's contexts, so pyOpenSSL runs in a layer between the TCP
            # transport and the Connection (see _pyopenssl.py); imported only now, as
            # pyOpenSSL is an optional dependency.
            from ._pyopenssl import TLSProtocol

            context = sslconfig
            self._aserver = await loop.create_server(
                lambda: TLSProtocol(loop, context, lambda: Connection(state), handshake_timeout),
                sock=self.listener,
                backlog=o.get("backlog", 2048),
            )
        self._done = loop.create_future()
        if state.verbose:
            scheme = "https" if sslconfig is not None else "http"
            log.info("listening on %s://%s:%d", scheme, self.host, self.port)

    async def _shutdown(self, timeout: float, force: bool) -> None:
        state = self._state
        assert state is not None and self._aserver is not None and self._done is not None
        state.closing = True
        self._aserver.close()
        conns = list(state.connections)
        grace = min(SHUTDOWN_GRACE, timeout)
        for conn in conns:
            if force:
                conn.abort()
            else:
                conn.begin_close(grace)
        if state.connections and not force:
            state.all_closed = asyncio.get_running_loop().create_future()
            try:
                await asyncio.wait_for(asyncio.shield(state.all_closed), timeout)
            except TimeoutError:
                log.warning(
                    "%d connection(s) still busy after %.1f s; closing them",
                    len(state.connections),
                    timeout,
                )
        for conn in list(state.connections):
            conn.abort()
        tasks = list(state.tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=1.0)
        state.pool.close()
        self._run_hooks()
        if not self._done.done():
            self._done.set_result(None)

    def _run_hooks(self) -> None:
        for hook in self.on_shutdown:
            try:
                hook()
            except Exception:
                log.exception("shutdown function %r failed", hook)

    def _begin_shutdown(self, timeout: float, force: bool) -> asyncio.Task[None]:
        if self._closing is None:
            assert self._loop is not None
            self._closing = self._loop.create_task(self._shutdown(timeout, force))
        elif force:
            assert self._state is not None
            for conn in list(self._state.connections):
                conn.abort()
        return self._closing

    def _stop(self, timeout: float, force: bool) -> None:
        loop = self._loop
        if loop is None or self._stopped.is_set():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._begin_shutdown(timeout, force)  # called from a handler: cannot block here
            return
        if loop.is_closed():
            return

        async def stop() -> None:
            await asyncio.shield(self._begin_shutdown(timeout, force))

        try:
            asyncio.run_coroutine_threadsafe(stop(), loop).result()
        except RuntimeError:  # the loop stopped meanwhile
            pass
        self._stopped.wait(timeout + 5.0)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout + 5.0)

    def _run(self, ready: threading.Event | None, errors: list[BaseException]) -> None:
        """Run the loop in this thread until the server is closed."""
        loop = self._new_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            try:
                loop.run_until_complete(self._startup())
            except BaseException as exc:
                errors.append(exc)
                self.listener.close()
                return
            finally:
                if ready is not None:
                    ready.set()
            assert self._done is not None
            if ready is None and threading.current_thread() is threading.main_thread():
                # Blocking form: SIGTERM (and SIGINT, when not ignored) close gracefully, as
                # uvicorn and gunicorn do; the on_shutdown callbacks run.
                for sig in (signal.SIGTERM, signal.SIGINT):
                    if signal.getsignal(sig) is not signal.SIG_IGN:
                        try:
                            loop.add_signal_handler(sig, self._on_signal, sig)
                        except (NotImplementedError, RuntimeError):
                            pass
            try:
                loop.run_until_complete(self._done)
            except KeyboardInterrupt:
                log.info("interrupted; closing the server")
                loop.run_until_complete(self._begin_shutdown(10.0, False))
        finally:
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                asyncio.set_event_loop(None)
                loop.close()
                self._stopped.set()

    def _on_signal(self, sig: int) -> None:
        log.info("received %s; closing the server", signal.Signals(sig).name)
        self._begin_shutdown(10.0, False)

    def _run_blocking(self) -> None:
        errors: list[BaseException] = []
        self._run(None, errors)
        if errors:
            raise errors[0]

    def _run_background(self) -> None:
        ready = threading.Event()
        errors: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._run, args=(ready, errors), name=f"wirehttp-server-{self.port}", daemon=True
        )
        self._thread.start()
        ready.wait()
        if errors:
            raise errors[0]


# -- entry points ------------------------------------------------------------------------------
def _bind(host: Host, port: int, options: ServerOptions) -> socket.socket:
    unknown = set(options) - _OPTION_NAMES
    if unknown:
        raise TypeError(f"unknown keyword argument(s): {', '.join(sorted(unknown))}")
    _check_sslconfig(options.get("sslconfig"))
    threaded = options.get("threaded", True)
    if threaded is not True and threaded is not False and threaded != "auto":
        raise ValueError(f"threaded must be True, False or 'auto', got {threaded!r}")
    given = options.get("server")
    if isinstance(host, socket.socket):
        given = host
    if given is not None:
        given.setblocking(False)
        return given
    if isinstance(host, int) and not isinstance(host, bool):
        port = host
        host = "127.0.0.1"
    if not isinstance(host, str):
        raise TypeError(f"host must be a str, a port number or a socket, got {host!r}")
    reuse = bool(options.get("reuseaddr", False))
    if reuse and not supportsreuseaddr():
        log.warning("SO_REUSEPORT is not supported here; reuseaddr=True is ignored")
        reuse = False
    bind_host = host or "0.0.0.0"  # HTTP.jl: "" means every interface
    family = socket.AF_INET6 if ":" in bind_host else socket.AF_INET
    backlog = options.get("backlog", 2048)
    if not options.get("listenany", False) or port == 0:
        sock = socket.create_server((bind_host, port), family=family, backlog=backlog,
                                    reuse_port=reuse)
    else:
        sock = _bind_any(bind_host, port, family, backlog, reuse)
    sock.setblocking(False)
    return sock


def _bind_any(host: str, port: int, family: socket.AddressFamily, backlog: int,
              reuse: bool) -> socket.socket:
    """HTTP.jl's ``listenany``: the first free port at or above ``port`` (``server.port``
    tells which). A port in use or not ours to bind (EACCES: privileged) is skipped, as Julia's
    ``bind`` reports both as "not bound"; any other error (an address that is not local)
    would fail on every port, so it is raised at once. With ``reuseaddr`` a port held by
    another ``SO_REUSEPORT`` listener of the same user is shared, not skipped: that is what
    the option asks the kernel for."""
    for candidate in range(port, 65536):
        try:
            return socket.create_server((host, candidate), family=family, backlog=backlog,
                                        reuse_port=reuse)
        except OSError as exc:
            if exc.errno not in (errno.EADDRINUSE, errno.EACCES):
                raise
    raise OSError(errno.EADDRINUSE, f"no free port at or above {port} on {host!r}")


def listen(
    handler: StreamHandlerT,
    host: Host = "127.0.0.1",
    port: int = 8081,
    **options: Unpack[ServerOptions],
) -> None:
    """Serve stream handlers ``f(stream)`` until Ctrl-C (HTTP.jl's ``HTTP.listen``). ``host``
    may be a host name or address (``""``: every interface), a port number (host
    127.0.0.1), or a listening socket."""
    Server(handler, _bind(host, port, options), True, options)._run_blocking()


def listen_background(
    handler: StreamHandlerT,
    host: Host = "127.0.0.1",
    port: int = 8081,
    **options: Unpack[ServerOptions],
) -> Server:
    """:func:`listen` in a background thread (HTTP.jl's ``HTTP.listen!``): returns once the
    server accepts connections."""
    server = Server(handler, _bind(host, port, options), True, options)
    server._run_background()
    return server


@overload
def serve(
    handler: RequestHandlerT,
    host: Host = ...,
    port: int = ...,
    *,
    stream: Literal[False] = ...,
    **options: Unpack[ServerOptions],
) -> None: ...
@overload
def serve(
    handler: StreamHandlerT,
    host: Host = ...,
    port: int = ...,
    *,
    stream: Literal[True],
    **options: Unpack[ServerOptions],
) -> None: ...
def serve(
    handler: RequestHandlerT | StreamHandlerT,
    host: Host = "127.0.0.1",
    port: int = 8081,
    *,
    stream: bool = False,
    **options: Unpack[ServerOptions],
) -> None:
    """Serve a request handler ``f(req) -> Response`` (plain or ``async def``) until Ctrl-C
    or SIGTERM (HTTP.jl's ``HTTP.serve``); with ``stream=True`` the handler is a stream
    handler, as for :func:`listen`. The request body is read in full first (``max_body``,
    413 past it)."""
    Server(handler, _bind(host, port, options), stream, options)._run_blocking()


@overload
def serve_background(
    handler: RequestHandlerT,
    host: Host = ...,
    port: int = ...,
    *,
    stream: Literal[False] = ...,
    **options: Unpack[ServerOptions],
) -> Server: ...
@overload
def serve_background(
    handler: StreamHandlerT,
    host: Host = ...,
    port: int = ...,
    *,
    stream: Literal[True],
    **options: Unpack[ServerOptions],
) -> Server: ...
def serve_background(
    handler: RequestHandlerT | StreamHandlerT,
    host: Host = "127.0.0.1",
    port: int = 8081,
    *,
    stream: bool = False,
    **options: Unpack[ServerOptions],
) -> Server:
    """:func:`serve` in a background thread (HTTP.jl's ``HTTP.serve!``)."""
    server = Server(handler, _bind(host, port, options), stream, options)
    server._run_background()
    return server
