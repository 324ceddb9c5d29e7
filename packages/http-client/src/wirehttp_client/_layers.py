"""The client's built-in layers (HTTP.jl's client-side middleware), except the redirect
(``_redirect.py``) and retry (``_retry.py``) layers; ``_stack.py`` assembles them.

A request layer is ``f(handler) -> handler`` where a handler is ``h(req, **kw) -> Response``; a
stream layer is the same over ``h(stream, **kw)``. Keyword arguments of ``request()`` travel
down the stack: each layer takes the ones it owns and passes the rest on, and the bottom one
(:func:`streamlayer`) refuses any left over, so an unknown keyword is a ``TypeError`` as Python
users expect (BRIEF), while a custom layer can add its own (the reference's ``authcreds``).

The default stack, outermost first::

    redirectlayer → headerslayer → cookielayer → retrylayer → exceptionlayer
        → connectionlayer → [stream layers] → streamlayer
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, cast

from wirehttp_parser import (
    DEFAULT_MAX_DECODED_SIZE,
    SUPPORTED_ENCODINGS,
    URI,
    ClientHandler,
    ClientStreamHandler,
    ContentDecoder,
    CookieStore,
    Headers,
    HTTPStream,
    Request,
    Response,
    isidempotent,
    iserror,
    isredirect,
    sniff,
    unescapeuri,
)

from ._bodies import OutgoingBody
from ._connection import Connection, PoolKey, open_connection
from ._context_keys import BODY, DEADLINE, FOLLOW, JAR_COOKIE, SINK_WRITTEN
from ._environment import proxy_for
from ._errors import ConnectError, RequestError, StatusError, TimeoutError
from ._pool import Pool, default_pool
from ._stream import ClientStream
from ._tls import StdlibTLS, TLSBackend, default_tls

__all__ = [
    "headerslayer",
    "cookielayer",
    "exceptionlayer",
    "connectionlayer",
    "streamlayer",
    "USER_AGENT",
]

log = logging.getLogger("wirehttp.client")

USER_AGENT = "wirehttp/0.1.0"
"""The default ``User-Agent`` (BRIEF: ``wirehttp/<version>``); change it with ``setuseragent``."""
_settings: dict[str, str] = {"user_agent": USER_AGENT}
_ACCEPT_ENCODING = ", ".join(e for e in ("gzip", "deflate", "br", "zstd") if e in SUPPORTED_ENCODINGS)


# -- request layers ---------------------------------------------------------------------------


def headerslayer(handler: ClientHandler) -> ClientHandler:
    """Default headers and body framing facts (keywords ``basicauth=True``,
    ``detect_content_type=False``, ``canonicalize_headers=False``): ``Host``, ``Accept: */*``,
    ``User-Agent``, ``Accept-Encoding`` (unless ``decompress=False``), ``Authorization: Basic``
    from the URL's userinfo, the body's ``Content-Type`` (a form or a ``Body``). A header the
    caller gave — even empty, which then is not sent — is never replaced."""

    def defaults(req: Request, /, **kw: Any) -> Response:
        basicauth = bool(kw.pop("basicauth", True))
        detect = bool(kw.pop("detect_content_type", False))
        canonical = bool(kw.pop("canonicalize_headers", False))
        h = req.headers
        url = req.url
        names = {n.lower() for n, _ in h}
        # Values below are valid by construction (a parsed URI's host, constants, base64, a
        # User-Agent checked by setuseragent), so they skip the per-field checks.
        extra: list[tuple[str, str]] = []
        if "host" not in names:
            extra.append(("Host", url.host_header))
        if "accept" not in names:
            extra.append(("Accept", "*/*"))
        if "user-agent" not in names:
            extra.append(("User-Agent", _settings["user_agent"]))
        if "accept-encoding" not in names and kw.get("decompress") is not False:
            extra.append(("Accept-Encoding", _ACCEPT_ENCODING))
        if basicauth and url.userinfo and "authorization" not in names:
            user, _, password = url.userinfo.partition(":")
            raw = f"{unescapeuri(user)}:{unescapeuri(password)}".encode()
            extra.append(("Authorization", "Basic " + base64.b64encode(raw).decode("ascii")))
        if extra:
            h.extend(Headers._trusted(extra))
        body = OutgoingBody(req.body)
        req.context[BODY] = body
        if "content-type" not in names:
            if body.content_type is not None:
                h.append("Content-Type", body.content_type)
            elif detect and body.data:
                h.append("Content-Type", sniff(body.data))
        if canonical:
            h.canonicalize()
        resp = handler(req, **kw)
        if canonical:
            resp.headers.canonicalize()
        return resp

    return defaults


_JAR: list[CookieStore | None] = []


def _default_jar() -> CookieStore | None:
    """The cookies package's global jar (``wirehttp_cookies.COOKIEJAR``) when that package is
    installed — imported lazily, once: the client does not depend on it — else None, and then
    ``cookies=True`` sends none."""
    if not _JAR:
        try:
            import wirehttp_cookies
        except ImportError:
            _JAR.append(None)
        else:
            jar = getattr(wirehttp_cookies, "COOKIEJAR", None)
            _JAR.append(jar if isinstance(jar, CookieStore) else None)
    return _JAR[0]


def cookielayer(handler: ClientHandler) -> ClientHandler:
    """Cookies (keywords ``cookies=True``, ``cookiejar=None``): ``True`` sends the jar's
    cookies for the URL and stores the response's ``Set-Cookie`` (the given ``cookiejar``, else
    the cookies package's global jar if installed); a mapping sends exactly those cookies;
    ``False`` none."""

    def cookies(req: Request, /, **kw: Any) -> Response:
        setting = kw.pop("cookies", True)
        jar: CookieStore | None = kw.pop("cookiejar", None)
        if setting is not True and isinstance(setting, Mapping):
            value = "; ".join(f"{k}={v}" for k, v in setting.items())
            if value:
                req.headers.set("Cookie", value)
            return handler(req, **kw)
        if setting is not True and not setting:
            return handler(req, **kw)
        if jar is None:
            jar = _default_jar()
            if jar is None:
                return handler(req, **kw)
        value = jar.cookieheader(req.url)
        if value:
            existing = req.headers.get("Cookie", "")
            req.headers.set("Cookie", f"{existing}; {value}" if existing else value)
            req.context[JAR_COOKIE] = value
        resp = handler(req, **kw)
        jar.setcookies(req.url, resp.headers)
        return resp

    return cookies


def exceptionlayer(handler: ClientHandler) -> ClientHandler:
    """Raise :class:`StatusError` for a 4xx or 5xx response (keyword
    ``status_exception=True``); the response is read in full first."""

    def exceptions(req: Request, /, **kw: Any) -> Response:
        status_exception = kw.pop("status_exception", True)
        resp = handler(req, **kw)
        if status_exception and iserror(resp.status):
            raise StatusError(resp.status, req.method, req.target, resp, request=req)
        return resp

    return exceptions


# -- the connection and the stream ------------------------------------------------------------


def _tls_backend(sslconfig: object, socket_type_tls: object) -> TLSBackend:
    if socket_type_tls is not None:
        return cast(TLSBackend, socket_type_tls)
    if sslconfig is not None:
        import ssl

        if not isinstance(sslconfig, ssl.SSLContext):
            raise TypeError(f"sslconfig must be an ssl.SSLContext, got {type(sslconfig).__name__}")
        return _context_backend(sslconfig)
    return default_tls()


_CONTEXT_BACKENDS: dict[int, StdlibTLS] = {}


def _context_backend(ctx: object) -> StdlibTLS:
    import ssl

    assert isinstance(ctx, ssl.SSLContext)
    backend = _CONTEXT_BACKENDS.get(id(ctx))
    if backend is None or backend.context(True) is not ctx:
        backend = _CONTEXT_BACKENDS[id(ctx)] = StdlibTLS(ctx)
    return backend


class _NoTLS:
    """Stands in for a TLS backend on plain-HTTP connections (never asked to wrap)."""

    key: object = None

    def wrap(self, sock: object, server_hostname: str, *, verify: bool) -> Any:
        raise AssertionError("plain HTTP connections are not wrapped")


_NO_TLS: TLSBackend = _NoTLS()


def connectionlayer(handler: ClientStreamHandler) -> ClientHandler:
    """Take a connection from the pool and run the stream layers on it (keywords ``pool``,
    ``connect_timeout=30``, ``readtimeout=0``, ``proxy``, ``require_ssl_verification=True``,
    ``sslconfig``, ``socket_type_tls``). The connection goes back to the pool afterwards, reused
    only after a complete response that keeps it open. A request that fails on a reused
    connection before any byte of the response arrived — the server closed the idle
    connection as we sent (RFC 9112 §9.3.1) — is sent again once on a fresh connection when it
    is idempotent (or nothing was sent) and its body can be replayed."""

    def connection(req: Request, /, **kw: Any) -> Response:
        pool: Pool = kw.pop("pool", None) or default_pool()
        connect_timeout = float(kw.pop("connect_timeout", 30) or 0)
        readtimeout = float(kw.pop("readtimeout", 0) or 0)
        proxy_arg: str | URI | None = kw.pop("proxy", None)
        verify = bool(kw.pop("require_ssl_verification", True))
        sslconfig = kw.pop("sslconfig", None)
        socket_type_tls = kw.pop("socket_type_tls", None)
        url = req.url
        scheme = url.scheme.lower()
        if scheme not in ("http", "https", "ws", "wss") or not url.host:
            raise ConnectError(f"unsupported URL {str(url)!r}: need http(s)://host", url=str(url),
                               request=req)
        secure = scheme in ("https", "wss")
        tls = _tls_backend(sslconfig, socket_type_tls) if secure else _NO_TLS
        proxy_text = proxy_for(url) if proxy_arg is None else str(proxy_arg)
        proxy = URI(proxy_text) if proxy_text else None
        port = url.effective_port or (443 if secure else 80)
        key: PoolKey = (scheme, url.host.lower(), port, verify, tls.key if secure else None,
                        proxy_text or "")
        dl = req.context.get(DEADLINE)
        total_deadline, total = (dl[0], dl[1]) if dl is not None else (None, None)

        def connect() -> Connection:
            return open_connection(url, key, proxy=proxy, tls=tls, verify=verify,
                                   connect_timeout=connect_timeout, deadline=total_deadline,
                                   timeout=total, request=req)

        stream_driven = kw.get("iofunction")
        fresh = False
        # What the except clause below replays without asking (an idempotent request whose body
        # is in memory): then the pool may skip its staleness check on a recently used one.
        outgoing = req.context.get(BODY)
        replayable = (
            stream_driven is None
            and isidempotent(req)
            and (outgoing is None or outgoing.data is not None)
        )
        while True:
            try:
                conn = pool.acquire(key, connect, deadline=total_deadline, timeout=total,
                                    fresh=fresh, replayable=replayable)
            except TimeoutError as exc:
                exc.request = req
                raise
            deadline, phase, limit = total_deadline, "deadline", total or 0.0
            if readtimeout > 0:
                rd = time.monotonic() + readtimeout
                if deadline is None or rd < deadline:
                    deadline, phase, limit = rd, "read", readtimeout
            stream = ClientStream(req, conn, pool, deadline=deadline, phase=phase, limit=limit)
            if stream_driven is not None and not fresh:
                # open(): the caller drives the stream in its own thread, so a stale pooled
                # connection is replaced inside the stream (ClientStream._may_replay), not here.
                stream.reconnect = lambda: pool.acquire(key, connect, deadline=total_deadline,
                                                        timeout=total, fresh=True)
            try:
                return handler(stream, **kw)
            except RequestError as exc:
                stream.abort()
                if (
                    conn.reused
                    and not stream.received_any
                    and not fresh
                    and stream_driven is None  # open(): the stream replays (see above)
                    and (isidempotent(req) or not exc.sent)
                    and (outgoing is None or outgoing.rewind())
                ):
                    fresh = True  # a stale pooled connection: once more on a new one
                    req.response = None
                    continue
                raise
            except BaseException:
                stream.abort()
                raise
            finally:
                stream.release()

    return connection


def _verbose_output() -> None:
    """``verbose`` must show something even where logging is not configured (HTTP.jl prints):
    then the client's logger gets its own stderr handler at INFO, once."""
    if not log.hasHandlers():
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
    if log.getEffectiveLevel() > logging.INFO:
        log.setLevel(logging.INFO)


def _log_message(m: Request | Response, verbose: int) -> None:
    if isinstance(m, Request):
        log.info("%s %s", m.method, m.url)
    else:
        log.info("HTTP/%s %d %s", m.version, m.status, m.reason)
    if verbose >= 2:
        for name, value in m.headers:
            shown = "******" if name.lower() in ("authorization", "proxy-authorization",
                                                  "cookie", "set-cookie") else value
            log.info("  %s: %s", name, shown)


def streamlayer(stream: HTTPStream, /, **kw: Any) -> Response:
    """The bottom of the stack: send the request, read the response (keywords
    ``response_stream``, ``decompress``, ``verbose``, ``max_decoded_size``, and ``iofunction``
    for ``open``). Refuses keywords no layer took."""
    sink = kw.pop("response_stream", None)
    decompress: bool | None = kw.pop("decompress", None)
    verbose = int(kw.pop("verbose", 0) or 0)
    max_size: int | None = kw.pop("max_decoded_size", DEFAULT_MAX_DECODED_SIZE)
    iofunction: Callable[[ClientStream], object] | None = kw.pop("iofunction", None)
    if kw:
        raise TypeError(f"request() got unexpected keyword argument(s): {', '.join(sorted(kw))}")
    if not isinstance(stream, ClientStream):
        raise TypeError(f"a stream layer handed on {type(stream).__name__}, not the ClientStream")
    req = stream.message
    if verbose:
        _verbose_output()
        _log_message(req, verbose)
    if iofunction is not None:
        iofunction(stream)
        resp = stream.startread()
        stream.closeread()
        return resp
    body = req.context.get(BODY)
    stream.send_request(body if body is not None else OutgoingBody(req.body))
    resp = stream.startread()
    if verbose:
        _log_message(resp, verbose)
    encoding = resp.headers.get("Content-Encoding")  # one scan when absent, the usual case
    if encoding is not None:
        encoding = ", ".join(resp.headers.getall("Content-Encoding"))
    decoder: ContentDecoder | None = None
    if decompress is True or (decompress is None and encoding):
        decoder = ContentDecoder(encoding or "gzip", max_size=max_size)
    following = req.context.get(FOLLOW, False) and isredirect(resp.status)
    if sink is not None and not iserror(resp.status) and not following:
        write = sink.write
        for piece in stream:
            req.context[SINK_WRITTEN] = True
            write(decoder.decompress(piece) if decoder is not None else piece)
        if decoder is not None:
            decoder.flush()
        resp.body = sink
    else:
        data = stream.read_body()
        if decoder is not None:
            data = decoder.decompress(data)
            decoder.flush()
        resp.body = data
    stream.closeread()
    if verbose >= 2 and isinstance(resp.body, bytes):
        log.info("  body: %r", resp.body[:1000])
    return resp
