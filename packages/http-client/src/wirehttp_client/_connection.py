"""One client connection: a socket (plain, TLS, or tunnelled through a proxy) and the time
limits on each blocking call.

Time limits are absolute deadlines on the monotonic clock rather than per-call timeouts, so a
server dribbling one byte at a time cannot stretch a request past its limit (each call gets
only what is left). The connection knows nothing of HTTP framing beyond the proxy ``CONNECT``
handshake: requests and responses are framed by the stream (``_stream.py``) with the parser.
"""

from __future__ import annotations

import base64
import ipaddress
import select
import socket
import ssl
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

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
    """The absolute deadline for connecting (DNS, TCP, proxy CONNECT and TLS together), which
    limit it is, and that limit's configured value: ``connect_timeout`` or, when the total
    deadline comes first, the total ``timeout``."""
    now = time.monotonic()
    if connect_timeout > 0 and (deadline is None or now + connect_timeout <= deadline):
        return now + connect_timeout, "connect", connect_timeout
    if deadline is None:
        return None, "connect", 0.0
    return deadline, "deadline", timeout or 0.0


def _left(until: float | None, what: str) -> float | None:
    """Seconds left before ``until`` (None: no limit); ``socket.timeout`` once it has passed,
    so that no call is ever made with a zero timeout (which would mean non-blocking)."""
    if until is None:
        return None
    left = until - time.monotonic()
    if left <= 0:
        raise socket.timeout(f"{what} timed out")
    return left


AddrInfo = Sequence[tuple[socket.AddressFamily, socket.SocketKind, int, str, tuple[Any, ...]]]


class _Lookup:
    """One ``getaddrinfo`` running in its own daemon thread, shared by every caller waiting for
    the same (host, port), so a hung resolver holds one thread per name, not one per request."""

    __slots__ = ("done", "result", "error")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: AddrInfo = []
        self.error: BaseException | None = None


_LOOKUPS: dict[tuple[str, int], _Lookup] = {}
_LOOKUPS_LOCK = threading.Lock()


def _needs_no_resolver(host: str) -> bool:
    """IP literals and ``localhost`` never wait on DNS (``localhost`` resolves locally, RFC 6761
    §6.3), so they skip the worker thread."""
    if host.lower() == "localhost":
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def resolve(host: str, port: int, until: float | None) -> AddrInfo:
    """``getaddrinfo(host, port)`` for TCP, bounded by the deadline ``until``.

    ``getaddrinfo`` cannot be interrupted and may block far longer than any timeout (the
    resolver's own retries: 5 s per server per attempt in glibc's defaults), so a name is looked
    up in a daemon worker thread and we wait for it only until ``until``; a late answer is
    discarded (the thread ends when the resolver gives up). Raises ``socket.timeout`` when the
    deadline passes, ``socket.gaierror`` when the name does not resolve."""
    if until is None or _needs_no_resolver(host):
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    key = (host, port)
    with _LOOKUPS_LOCK:
        lookup = _LOOKUPS.get(key)
        if lookup is None:
            lookup = _LOOKUPS[key] = _Lookup()
            threading.Thread(target=_run_lookup, args=(key, lookup), daemon=True,
                             name=f"wirehttp-resolve {host}").start()
    if not lookup.done.wait(_left(until, f"resolving {host}")):
        raise socket.timeout(f"resolving {host} timed out")
    if lookup.error is not None:
        raise lookup.error
    return lookup.result


def _run_lookup(key: tuple[str, int], lookup: _Lookup) -> None:
    try:
        lookup.result = socket.getaddrinfo(key[0], key[1], type=socket.SOCK_STREAM)
    except BaseException as exc:  # handed to the waiting callers, re-raised there
        lookup.error = exc
    finally:
        with _LOOKUPS_LOCK:
            # Each lookup answers its own waiters only: the next connection resolves afresh
            # (DNS answers change; caching them is the resolver's job, with their TTLs).
            _LOOKUPS.pop(key, None)
        lookup.done.set()


def _connect_tcp(host: str, port: int, until: float | None) -> socket.socket:
    """Connect to the first address of ``host`` that accepts, all within ``until`` (addresses
    are tried one after the other, as HTTP.jl 1.x does; a timeout ends the attempts since the
    deadline is shared)."""
    infos = resolve(host, port, until)
    if not infos:
        raise OSError(f"getaddrinfo returned no address for {host}")
    first_error: OSError | None = None
    for family, kind, proto, _, addr in infos:
        left = _left(until, f"connecting to {host}:{port}")
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(left)
            sock.connect(addr)
            return sock
        except socket.timeout:
            sock.close()
            raise
        except OSError as exc:
            sock.close()
            first_error = first_error or exc
    assert first_error is not None
    raise first_error


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
    ``connect_timeout`` bounds DNS, TCP, the proxy ``CONNECT`` and the TLS handshake together,
    and so does the total ``deadline``.

    Raises :class:`ConnectError` (nothing was sent) or :class:`TimeoutError` (phase
    ``connect`` or ``deadline``)."""
    secure = url.scheme.lower() in ("https", "wss")
    host = url.ascii_host
    port = url.effective_port or (443 if secure else 80)
    peer = proxy if proxy is not None else url
    peer_host = peer.ascii_host
    peer_port = peer.effective_port or 80
    where = f"{peer_host}:{peer_port}"
    until, phase, configured = _limit(connect_timeout, deadline, timeout)
    try:
        raw = _connect_tcp(peer_host, peer_port, until)
    except socket.timeout as exc:
        text = str(exc)
        if text in ("", "timed out"):  # the socket's own wording names no host
            text = f"connecting to {where} timed out"
        raise TimeoutError(text, phase=phase, timeout=configured, request=request, cause=exc) from exc
    except OSError as exc:
        raise ConnectError(str(exc) or type(exc).__name__, url=where, request=request, cause=exc) from exc
    try:
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        conn = Connection(raw, key)
        stage = "the proxy CONNECT"
        if proxy is not None and secure:
            _tunnel(conn, host, port, proxy, request, where, until)
        elif proxy is not None:
            conn.absolute_form = True
            conn.proxy_auth = proxy_authorization(proxy)
        stage = "the TLS handshake"
        if secure:
            raw.settimeout(_left(until, stage))
            conn.sock = tls.wrap(raw, host, verify=verify)
            conn._timeout = -1.0
    except socket.timeout as exc:
        raw.close()
        raise TimeoutError(f"{stage} to {host}:{port} timed out", phase=phase,
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


def _tunnel(
    conn: Connection, host: str, port: int, proxy: URI, request: Request | None, where: str, until: float | None
) -> None:
    """Open a ``CONNECT`` tunnel (RFC 9110 §9.3.6) to ``host:port`` through the proxy, within
    ``until``. A non-2xx answer is a :class:`ConnectError` carrying the proxy's response."""
    authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    headers = [("Host", authority)]
    auth = proxy_authorization(proxy)
    if auth:
        headers.append(("Proxy-Authorization", auth))
    conn.sock.settimeout(_left(until, "the proxy CONNECT"))
    conn.sock.sendall(encode_request_head("CONNECT", authority, headers))
    parser = ResponseParser()
    parser.expect("CONNECT")
    buf = bytearray(65536)
    while True:
        # Each wait gets only what is left, so a proxy dribbling bytes cannot stretch it.
        conn.sock.settimeout(_left(until, "the proxy CONNECT"))
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
