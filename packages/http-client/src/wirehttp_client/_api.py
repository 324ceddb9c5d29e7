"""The public face of the client: ``request`` and the verbs, ``client()`` (HTTP.jl's
``@client``), ``open``, ``openraw`` and ``download``.

``request`` is HTTP.jl's ``messagelayer``: it turns its arguments into a :class:`Request` — the
``query`` merged into the URL's own query (BRIEF), the fragment never sent (RFC 9110 §7.1), the
headers copied unless ``copyheaders=False`` — starts the total ``timeout``, and hands the request
and the remaining keywords to the layer stack.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypedDict, Unpack

from wirehttp_parser import (
    URI,
    ClientHandler,
    CookieStore,
    Headers,
    HeadersLike,
    Request,
    Response,
    check_field_value,
    escapeuri,
    nobody,
    resource,
)

from ._context_keys import DEADLINE, SINK_WRITTEN
from ._layers import _settings
from ._stack import LayerOrder, build_stack, stack_version
from ._pool import Pool
from ._retry import ExponentialBackOff, RetryState
from ._stream import ClientStream
from ._tls import TLSBackend, Transport

__all__ = [
    "RequestOptions",
    "Client",
    "client",
    "request",
    "get",
    "put",
    "post",
    "head",
    "patch",
    "delete",
    "open",
    "OpenRequest",
    "openraw",
    "setuseragent",
]

log = logging.getLogger("wirehttp.client")

QueryArg = Mapping[str, Any] | Sequence[tuple[str, Any]] | str


class RequestOptions(TypedDict, total=False):
    """Every keyword ``request()`` and the verbs accept (the reference's, plus ``timeout``,
    ``retry_after_max`` and ``max_decoded_size``)."""

    query: QueryArg | None
    copyheaders: bool
    timeout: float | None
    response_stream: Any
    verbose: int
    connect_timeout: float
    pool: Pool | None
    readtimeout: float
    status_exception: bool
    basicauth: bool
    canonicalize_headers: bool
    proxy: str | URI | None
    detect_content_type: bool
    decompress: bool | None
    max_decoded_size: int | None
    logerrors: bool
    logtag: object
    observelayers: bool
    retry: bool
    retries: int
    retry_non_idempotent: bool
    retry_delays: ExponentialBackOff | Sequence[float]
    retry_check: Callable[[RetryState, Exception | None, Request, Response | None, bytes | None], bool]
    retry_after_max: float
    redirect: bool
    redirect_limit: int
    redirect_method: str | None
    forwardheaders: bool
    require_ssl_verification: bool
    sslconfig: Any
    socket_type_tls: TLSBackend | None
    cookies: bool | Mapping[str, str]
    cookiejar: CookieStore | None


def _merge_query(uri: URI, query: QueryArg) -> URI:
    extra = query if isinstance(query, str) else escapeuri(query)
    if not extra:
        return uri
    return uri.replace(query=f"{uri.query}&{extra}" if uri.query else extra)


# Parsed URLs by their text: a URI is immutable, and programs send many requests to the same few
# URLs, so parsing each once saves a few µs per request. Bounded: cleared when full.
_URIS: dict[str, URI] = {}
_URIS_MAX = 256


def _parse_url(url: str) -> URI:
    uri = _URIS.get(url)
    if uri is None:
        uri = URI(url)
        if len(_URIS) >= _URIS_MAX:
            _URIS.clear()
        _URIS[url] = uri
    return uri


class Client:
    """A client with its own extra layers (HTTP.jl's ``@client``); its verbs run the global
    stack plus those layers. Create one with :func:`client`."""

    def __init__(
        self,
        request_layers: Sequence[Any] | LayerOrder = (),
        stream_layers: Sequence[Any] | LayerOrder = (),
    ) -> None:
        self.request_layers = request_layers
        self.stream_layers = stream_layers
        self._cache: dict[bool, tuple[int, ClientHandler]] = {}

    def stack(self, observe: bool = False) -> ClientHandler:
        """The handler this client runs (rebuilt when the global stack changes)."""
        version = stack_version()
        cached = self._cache.get(observe)
        if cached is None or cached[0] != version:
            cached = (version, build_stack(self.request_layers, self.stream_layers, observe=observe))
            self._cache[observe] = cached
        return cached[1]

    def _prepare(self, method: str, url: str | URI, headers: HeadersLike | None, body: object,
                 kw: dict[str, Any]) -> Request:
        uri = url if isinstance(url, URI) else _parse_url(url)
        query = kw.pop("query", None)
        if query is not None:
            uri = _merge_query(uri, query)
        copy = kw.pop("copyheaders", True)
        req = Request(method.upper(), resource(uri), headers, body, url=uri)  # type: ignore[arg-type]
        if not copy and isinstance(headers, Headers):
            req.headers = headers  # HTTP.jl's copyheaders=false: the layers mutate the caller's
        timeout = kw.pop("timeout", None)
        if timeout is not None and timeout > 0:
            req.context[DEADLINE] = (time.monotonic() + float(timeout), float(timeout))
        return req

    def request(
        self,
        method: str,
        url: str | URI,
        headers: HeadersLike | None = None,
        body: object = nobody,
        **kw: Any,
    ) -> Response:
        """Send a request and return the response with its body read (see the module doc and
        :class:`RequestOptions`)."""
        req = self._prepare(method, url, headers, body, kw)
        observe = bool(kw.pop("observelayers", False))
        return self.stack(observe)(req, **kw)

    def get(self, url: str | URI, headers: HeadersLike | None = None, body: object = nobody, **kw: Any) -> Response:
        return self.request("GET", url, headers, body, **kw)

    def put(self, url: str | URI, headers: HeadersLike | None = None, body: object = nobody, **kw: Any) -> Response:
        return self.request("PUT", url, headers, body, **kw)

    def post(self, url: str | URI, headers: HeadersLike | None = None, body: object = nobody, **kw: Any) -> Response:
        return self.request("POST", url, headers, body, **kw)

    def head(self, url: str | URI, headers: HeadersLike | None = None, **kw: Any) -> Response:
        return self.request("HEAD", url, headers, nobody, **kw)

    def patch(self, url: str | URI, headers: HeadersLike | None = None, body: object = nobody, **kw: Any) -> Response:
        return self.request("PATCH", url, headers, body, **kw)

    def delete(self, url: str | URI, headers: HeadersLike | None = None, body: object = nobody, **kw: Any) -> Response:
        return self.request("DELETE", url, headers, body, **kw)

    def open(self, method: str, url: str | URI, headers: HeadersLike | None = None, **kw: Any) -> OpenRequest:
        """A context manager giving the :class:`ClientStream` (see :func:`open`)."""
        return OpenRequest(self, method, url, headers, kw)


def client(
    request_layers: Sequence[Any] | LayerOrder = (),
    stream_layers: Sequence[Any] | LayerOrder = (),
) -> Client:
    """A :class:`Client` whose verbs include ``request_layers`` and ``stream_layers`` (HTTP.jl's
    ``HTTP.@client requestlayers streamlayers``). Each is a list of layers — run after the
    global request layers, right before the connection (stream layers: right before the final
    one) — or ``{"first": [...], "last": [...]}`` for finer placement: ``first`` layers run
    before all others."""
    return Client(request_layers, stream_layers)


_DEFAULT = Client()


def request(
    method: str,
    url: str | URI,
    headers: HeadersLike | None = None,
    body: object = nobody,
    **kw: Unpack[RequestOptions],
) -> Response:
    """Send ``method`` to ``url`` and return the :class:`Response` (HTTP.jl's ``HTTP.request``).

    ``headers``: any collection of pairs; an empty value is not sent (and suppresses a default).
    ``body``: bytes or ``str`` as is; a mapping form-urlencoded; a readable stream streamed
    (``Content-Length`` when its size is known, else chunked); any other iterable chunked, one
    chunk per element; a ``Body`` (``wirehttp_forms.Form``) with its content type. Keywords: see
    :class:`RequestOptions` and ``docs/client.md``."""
    return _DEFAULT.request(method, url, headers, body, **kw)


def get(url: str | URI, headers: HeadersLike | None = None, body: object = nobody,
        **kw: Unpack[RequestOptions]) -> Response:
    """``request("GET", ...)``."""
    return _DEFAULT.request("GET", url, headers, body, **kw)


def put(url: str | URI, headers: HeadersLike | None = None, body: object = nobody,
        **kw: Unpack[RequestOptions]) -> Response:
    """``request("PUT", ...)``."""
    return _DEFAULT.request("PUT", url, headers, body, **kw)


def post(url: str | URI, headers: HeadersLike | None = None, body: object = nobody,
         **kw: Unpack[RequestOptions]) -> Response:
    """``request("POST", ...)``."""
    return _DEFAULT.request("POST", url, headers, body, **kw)


def head(url: str | URI, headers: HeadersLike | None = None, **kw: Unpack[RequestOptions]) -> Response:
    """``request("HEAD", ...)``."""
    return _DEFAULT.request("HEAD", url, headers, nobody, **kw)


def patch(url: str | URI, headers: HeadersLike | None = None, body: object = nobody,
          **kw: Unpack[RequestOptions]) -> Response:
    """``request("PATCH", ...)``."""
    return _DEFAULT.request("PATCH", url, headers, body, **kw)


def delete(url: str | URI, headers: HeadersLike | None = None, body: object = nobody,
           **kw: Unpack[RequestOptions]) -> Response:
    """``request("DELETE", ...)``."""
    return _DEFAULT.request("DELETE", url, headers, body, **kw)


def setuseragent(agent: str | None) -> None:
    """Set the default ``User-Agent`` (``None`` or ``""``: send none)."""
    if agent:
        check_field_value("User-Agent", agent)  # ProtocolError for CR/LF/controls
    _settings["user_agent"] = agent or ""


# -- open: the stream API ---------------------------------------------------------------------


class OpenRequest:
    """What :func:`open` returns: ``with open(method, url) as stream:``. The layer stack runs
    in a helper thread and hands the stream over; the caller writes and reads it, and on
    leaving the block the stack finishes (the connection goes back to the pool) and
    ``stream.response`` is the response.

    Retries apply only until the stream is handed over (a failed connect, a full pool); after
    that only a stale pooled connection is replaced, inside the stream. Redirects are not
    followed: the caller has already read the 3xx (``redirect=False``, as in ``openraw``)."""

    def __init__(self, c: Client, method: str, url: str | URI, headers: HeadersLike | None,
                 kw: dict[str, Any]) -> None:
        kw.setdefault("redirect", False)
        self._req = c._prepare(method, url, headers, nobody, kw)
        self._stack = c.stack(bool(kw.pop("observelayers", False)))
        self._kw = kw
        self._handoff: queue.Queue[ClientStream | BaseException] = queue.Queue()
        self._done = threading.Event()
        self._result: Response | BaseException | None = None
        self._thread: threading.Thread | None = None
        self.stream: ClientStream | None = None

    def _run(self) -> None:
        def io(stream: ClientStream) -> None:
            if self.stream is not None or self._done.is_set():
                # A second attempt (a replay on a fresh connection): the caller already used
                # the first stream, so the exchange cannot be repeated behind its back.
                raise RuntimeError("the streamed exchange failed and cannot be replayed")
            stream.message.context[SINK_WRITTEN] = True  # no retry once the caller has it
            self._handoff.put(stream)
            self._done.wait()

        try:
            self._result = self._stack(self._req, iofunction=io, **self._kw)
        except BaseException as exc:  # handed to the caller's thread
            self._result = exc
            self._handoff.put(exc)

    def __enter__(self) -> ClientStream:
        self._thread = threading.Thread(target=self._run, name="wirehttp-open", daemon=True)
        self._thread.start()
        got = self._handoff.get()
        if isinstance(got, BaseException):
            self._thread.join()
            raise got
        self.stream = got
        return got

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        stream = self.stream
        if stream is not None and exc is None:
            try:
                stream.closewrite()
                stream.startread()
                while stream.readavailable():
                    pass  # drain what the block left, so the connection can be reused
            except BaseException:
                self._done.set()
                assert self._thread is not None
                self._thread.join()
                raise
        elif stream is not None:
            stream.abort()
        self._done.set()
        assert self._thread is not None
        self._thread.join()
        if exc is None and isinstance(self._result, BaseException):
            raise self._result

    @property
    def response(self) -> Response | None:
        """The response once the block has ended."""
        return self._result if isinstance(self._result, Response) else None


def open(  # noqa: A001  (HTTP.jl's name)
    method: str, url: str | URI, headers: HeadersLike | None = None, **kw: Unpack[RequestOptions]
) -> OpenRequest:
    """Stream a request and its response (HTTP.jl's ``HTTP.open``)::

        with open("POST", url) as io:
            io.write(b"part one"); io.write(b"part two")    # chunked unless Content-Length
            resp = io.startread()
            while not io.eof():
                piece = io.readavailable()

    The response body is the raw body (not decompressed)."""
    return _DEFAULT.open(method, url, headers, **kw)


def openraw(
    method: str, url: str | URI, headers: HeadersLike | None = None, **kw: Unpack[RequestOptions]
) -> tuple[Transport, Response, bytes]:
    """Send a request head and hand over the raw connection (HTTP.jl's ``HTTP.openraw``), for
    protocol upgrades: returns the transport (a socket, or a TLS socket), the response (head
    only) and the bytes that arrived after its head. The connection leaves the pool; close it
    yourself. No retries or redirects."""
    options: dict[str, Any] = dict(kw)
    options.setdefault("retry", False)
    options.setdefault("redirect", False)
    req = _DEFAULT._prepare(method, url, headers, nobody, options)
    observe = bool(options.pop("observelayers", False))
    got: list[tuple[Transport, Response, bytes]] = []

    def io(stream: ClientStream) -> None:
        stream.closewrite()
        resp = stream.startread()
        sock, excess = stream.detach()
        got.append((sock, resp, excess))

    try:
        _DEFAULT.stack(observe)(req, iofunction=io, **options)
    except BaseException:
        for sock, _, _ in got:
            sock.close()
        raise
    return got[0]
