"""One client connection: a socket (plain, TLS, or tunnelled through a proxy) and the time
limits on each blocking call.

Time limits are absolute deadlines on the monotonic clock rather than per-call timeouts, so a
server dribbling one byte at a time cannot stretch a request past its limit (each call gets
only what is left). The connection knows nothing of HTTP framing beyond the proxy ``CONNECT``
handshake: requests and responses are framed by the stream (``_stream.py``) with the parser.
"""

from __future__ import annotations

import base64
import select
import socket
import ssl
import time
from typing import TYPE_CHECKING

from wirehttp_parser import (
    NEED_DATA,
    URI,
    ParseError,
    Response,
    ResponseHead,
    ResponseParser,
    encode_request_head,
    unescapeuri,
)

from ._errors import ConnectError, TimeoutError
from ._tls import TLSBackend, Transport

if TYPE_CHECKING:
    from wirehttp_parser import Request

__all__: list[str] = []

# Connection pool key: scheme, host, port, verification, TLS backend, proxy.
PoolKey = tuple[str, str, int, bool, object, str]


def proxy_authorization(proxy: URI) -> str | None:
    """``Basic`` credentials from the proxy URL's userinfo (RFC 9110 §11.7.1), or None."""
    if not proxy.userinfo:
        return None
    user, _, password = proxy.userinfo.partition(":")
    raw = f"{unescapeuri(user)}:{unescapeuri(password)}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


class Connection:
    """A connected transport, reusable for keep-alive requests to one origin (or one proxy).

    ``absolute_form``: requests go to an HTTP proxy, so their target is the absolute URL
    (RFC 9112 §3.2.2) and ``proxy_auth`` is sent with each of them."""

    __slots__ = (
        "sock", "key", "idle_since", "reused", "absolute_form", "proxy_auth", "rbuf", "_timeout",
    )

    def __init__(self, sock: Transport, key: PoolKey) -> None:
        self.sock = sock
        self.key = key
        self.idle_since = 0.0
        self.reused = False
        self.absolute_form = False
        self.proxy_auth: str | None = None
        # The receive buffer, reused for every response on this connection.
        self.rbuf = bytearray(65536)
        self._timeout: float | None = -1.0

    def settimeout(self, timeout: float | None) -> None:
        if timeout != self._timeout:
            self.sock.settimeout(timeout)
            self._timeout = timeout

    def is_stale(self) -> bool:
        """An idle keep-alive connection is stale if the peer has closed it or sent anything
        unasked for: either way it is readable (RFC 9112 §9.3.1 lets a server close an idle
        connection at any time; the client must detect this before reusing it)."""
        try:
            readable, _, _ = select.select([self.sock.fileno()], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def _limit(connect_timeout: float, deadline: float | None, timeout: float | None) -> tuple[float | None, str, float]:
    """The timeout for connecting, which limit it is, and that limit's configured value."""
    left = None if deadline is None else deadline - time.monotonic()
    if connect_timeout > 0 and (left is None or connect_timeout <= left):
        return connect_timeout, "connect", connect_timeout
    if left is None:
        return None, "connect", 0.0
    return max(left, 0.0), "deadline", timeout or 0.0


def open_connection(
    url: URI,
    key: PoolKey,
    *,
    proxy: URI | None,
    tls: TLSBackend,
    verify: bool,
    connect_timeout: float,
    deadline: float | None,
    timeout: float | None,
    request: Request | None,
) -> Connection:
    """Connect to ``url``'s origin (through ``proxy`` when given), with TLS for https/wss.

    Raises :class:`ConnectError` (nothing was sent) or :class:`TimeoutError` (phase
    ``connect`` or ``deadline``)."""
    secure = url.scheme.lower() in ("https", "wss")
    host = url.ascii_host
    port = url.effective_port or (443 if secure else 80)
    peer = proxy if proxy is not None else url
    peer_host = peer.ascii_host
    peer_port = peer.effective_port or 80
    where = f"{peer_host}:{peer_port}"
    limit, phase, configured = _limit(connect_timeout, deadline, timeout)
    try:
        # Addresses are tried one after the other (HTTP.jl 1.x; parallel attempts were reverted).
        raw = socket.create_connection((peer_host, peer_port), timeout=limit)
    except socket.timeout as exc:
        raise TimeoutError(f"connecting to {where} timed out", phase=phase, timeout=configured,
                           request=request, cause=exc) from exc
    except OSError as exc:
        raise ConnectError(str(exc) or type(exc).__name__, url=where, request=request, cause=exc) from exc
    try:
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        conn = Connection(raw, key)
        if proxy is not None and secure:
            _tunnel(conn, host, port, proxy, request, where)
        elif proxy is not None:
            conn.absolute_form = True
            conn.proxy_auth = proxy_authorization(proxy)
        if secure:
            raw.settimeout(_limit(connect_timeout, deadline, timeout)[0])
            conn.sock = tls.wrap(raw, host, verify=verify)
            conn._timeout = -1.0
    except socket.timeout as exc:
        raw.close()
        raise TimeoutError(f"TLS handshake with {host}:{port} timed out", phase=phase,
                           timeout=configured, request=request, cause=exc) from exc
    except ConnectError:
        raw.close()
        raise
    except (OSError, ssl.SSLError, ValueError) as exc:
        raw.close()
        raise ConnectError(f"TLS handshake failed: {exc}", url=f"{host}:{port}", request=request,
                           cause=exc) from exc
    except Exception as exc:  # a TLS backend's own error type (pyOpenSSL's SSL.Error)
        raw.close()
        raise ConnectError(f"TLS handshake failed: {exc!r}", url=f"{host}:{port}", request=request,
                           cause=exc) from exc
    return conn


def _tunnel(conn: Connection, host: str, port: int, proxy: URI, request: Request | None, where: str) -> None:
    """Open a ``CONNECT`` tunnel (RFC 9110 §9.3.6) to ``host:port`` through the proxy. A non-2xx
    answer is a :class:`ConnectError` carrying the proxy's response."""
    authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    headers = [("Host", authority)]
    auth = proxy_authorization(proxy)
    if auth:
        headers.append(("Proxy-Authorization", auth))
    conn.sock.sendall(encode_request_head("CONNECT", authority, headers))
    parser = ResponseParser()
    parser.expect("CONNECT")
    buf = bytearray(65536)
    while True:
        n = conn.sock.recv_into(buf)
        if n == 0:
            parser.feed_eof()
        else:
            parser.feed(memoryview(buf)[:n])
        try:
            ev = parser.next_event()
        except ParseError as exc:
            raise ConnectError(f"malformed answer to CONNECT: {exc}", url=where, request=request,
                               cause=exc) from exc
        if ev is NEED_DATA:
            continue
        if isinstance(ev, ResponseHead):
            if ev.informational:
                continue
            if 200 <= ev.status < 300:
                return
            resp = Response._from_head(ev, request)
            raise ConnectError(f"proxy refused CONNECT {authority}: {ev.status} {ev.reason}",
                               url=where, request=request, response=resp)
        raise ConnectError("proxy closed the connection during CONNECT", url=where, request=request)
