"""TLS backends: how a TCP socket becomes a TLS one, behind one protocol.

The client never imports a TLS library beyond the stdlib on its own: :class:`StdlibTLS` (the
default, ``ssl``) and :class:`PyOpenSSLTLS` (``pyopenssl``, an optional extra) both satisfy
:class:`TLSBackend`, and a backend is passed explicitly — per call with
``socket_type_tls=``, or as the process default with :func:`set_default_tls` (HTTP.jl's
``HTTP.SOCKET_TYPE_TLS[]``) — never swapped by monkeypatching (STYLE).

Verification is on by default: the certificate chain is checked against the system's CAs plus
the bundle named in the environment (see :mod:`._environment`), and the host name against the
certificate (RFC 6125); SNI is always sent for a host name.
"""

from __future__ import annotations

import select
import socket
import ssl
import threading
import time
from typing import Protocol, TypeAlias, runtime_checkable

from ._environment import ca_bundle

# collections.abc.Buffer is Python 3.12+.
Buffer: TypeAlias = "bytes | bytearray | memoryview"

__all__ = ["Transport", "TLSBackend", "StdlibTLS", "PyOpenSSLTLS", "set_default_tls", "default_tls"]


@runtime_checkable
class Transport(Protocol):
    """The byte stream a connection runs over: a plain or TLS socket, or a wrapper with the
    same blocking-with-timeout behaviour (``socket.timeout`` when the timeout passes)."""

    def sendall(self, data: Buffer, /) -> None: ...

    def recv_into(self, buffer: Buffer, nbytes: int = 0, /) -> int: ...

    def settimeout(self, value: float | None, /) -> None: ...

    def fileno(self) -> int: ...

    def close(self) -> None: ...


@runtime_checkable
class TLSBackend(Protocol):
    """Wraps a connected TCP socket in TLS for ``server_hostname`` and completes the handshake
    within the socket's current timeout. ``verify=False`` skips certificate and host-name
    checks (``require_ssl_verification=False``). ``key`` identifies the configuration, so the
    pool never hands a connection made with one configuration to a request asking for
    another."""

    @property
    def key(self) -> object: ...

    def wrap(self, sock: socket.socket, server_hostname: str, *, verify: bool) -> Transport: ...


def _default_context(verify: bool) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    extra = ca_bundle()
    if extra:
        ctx.load_verify_locations(cafile=extra)
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


class StdlibTLS:
    """The ``ssl`` module's TLS. ``context`` replaces the default context entirely (HTTP.jl's
    ``sslconfig``); otherwise ``cafile`` adds CAs and ``certfile``/``keyfile`` give a client
    certificate. Contexts are built once (loading the system CAs takes milliseconds)."""

    def __init__(
        self,
        context: ssl.SSLContext | None = None,
        *,
        cafile: str | None = None,
        certfile: str | None = None,
        keyfile: str | None = None,
    ) -> None:
        self._given = context
        self._cafile = cafile
        self._certfile = certfile
        self._keyfile = keyfile
        self._contexts: dict[bool, ssl.SSLContext] = {}
        self._lock = threading.Lock()

    @property
    def key(self) -> object:
        # The objects themselves, not their id(): the pool keeps its keys, so a backend (or
        # context) with idle connections stays alive and its identity is never reused by a
        # new one with another configuration (a freed object's id() is, at once).
        if self._given is not None:
            return ("ssl-context", self._given)
        return ("ssl", self)

    def context(self, verify: bool) -> ssl.SSLContext:
        """The ``SSLContext`` used for ``verify`` (built on first use)."""
        if self._given is not None:
            return self._given
        ctx = self._contexts.get(verify)
        if ctx is None:
            with self._lock:
                ctx = self._contexts.get(verify)
                if ctx is None:
                    ctx = _default_context(verify)
                    if self._cafile:
                        ctx.load_verify_locations(cafile=self._cafile)
                    if self._certfile:
                        ctx.load_cert_chain(self._certfile, self._keyfile)
                    self._contexts[verify] = ctx
        return ctx

    def wrap(self, sock: socket.socket, server_hostname: str, *, verify: bool) -> Transport:
        ctx = self.context(verify)
        # SNI only for names: RFC 6066 §3 forbids literal IP addresses in server_name.
        return ctx.wrap_socket(sock, server_hostname=server_hostname)


class _PyOpenSSLSocket:
    """A pyOpenSSL connection behaving like a blocking socket with a timeout: pyOpenSSL on a
    socket with a timeout raises ``WantReadError``/``WantWriteError`` instead of waiting, so we
    wait for the descriptor ourselves, within the timeout."""

    def __init__(self, conn: object, sock: socket.socket) -> None:
        self._conn = conn
        self._sock = sock
        self._timeout: float | None = sock.gettimeout()

    def _wait(self, write: bool, deadline: float | None) -> None:
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise socket.timeout("timed out")
        fd = self._sock.fileno()
        r, w, _ = select.select([] if write else [fd], [fd] if write else [], [], left)
        if not r and not w:
            raise socket.timeout("timed out")

    def _call(self, name: str, *args: object) -> object:
        from OpenSSL import SSL

        fn = getattr(self._conn, name)
        deadline = None if self._timeout is None else time.monotonic() + self._timeout
        while True:
            try:
                return fn(*args)
            except SSL.WantReadError:
                self._wait(False, deadline)
            except SSL.WantWriteError:
                self._wait(True, deadline)
            except SSL.ZeroReturnError:
                return 0 if name == "recv_into" else None
            except SSL.SysCallError as exc:
                if exc.args and exc.args[0] == -1:  # unexpected EOF
                    return 0 if name == "recv_into" else None
                raise ConnectionResetError(str(exc)) from exc

    def do_handshake(self) -> None:
        self._call("do_handshake")

    def sendall(self, data: Buffer, /) -> None:
        view = memoryview(data).cast("B")
        while view:
            sent = self._call("send", view)
            assert isinstance(sent, int)
            view = view[sent:]

    def recv_into(self, buffer: Buffer, nbytes: int = 0, /) -> int:
        n = self._call("recv_into", buffer, nbytes or None)
        assert isinstance(n, int)
        return n

    def settimeout(self, value: float | None, /) -> None:
        self._timeout = value
        self._sock.settimeout(0.0 if value is not None else None)
        if value is not None:
            self._sock.setblocking(False)

    def fileno(self) -> int:
        return self._sock.fileno()

    def close(self) -> None:
        self._sock.close()


class PyOpenSSLTLS:
    """TLS through pyOpenSSL (``pip install wirehttp-client[pyopenssl]``), with the same
    defaults as :class:`StdlibTLS`: system CAs plus the environment's bundle plus ``cafile``,
    host-name verification, SNI, optional client certificate."""

    def __init__(
        self, *, cafile: str | None = None, certfile: str | None = None, keyfile: str | None = None
    ) -> None:
        from OpenSSL import SSL  # the optional dependency, imported only when chosen

        self._SSL = SSL
        self._cafile = cafile
        self._certfile = certfile
        self._keyfile = keyfile
        self._contexts: dict[bool, object] = {}
        self._lock = threading.Lock()

    @property
    def key(self) -> object:
        return ("pyopenssl", self)  # the object, not id(self): see StdlibTLS.key

    def _context(self, verify: bool) -> object:
        ctx = self._contexts.get(verify)
        if ctx is not None:
            return ctx
        with self._lock:
            SSL = self._SSL
            c = SSL.Context(SSL.TLS_CLIENT_METHOD)
            c.set_min_proto_version(SSL.TLS1_2_VERSION)
            c.set_default_verify_paths()
            for extra in (ca_bundle(), self._cafile):
                if extra:
                    c.load_verify_locations(extra)
            if self._certfile:
                c.use_certificate_chain_file(self._certfile)
                c.use_privatekey_file(self._keyfile or self._certfile)
            c.set_verify(SSL.VERIFY_PEER if verify else SSL.VERIFY_NONE)
            self._contexts[verify] = c
            return c

    def wrap(self, sock: socket.socket, server_hostname: str, *, verify: bool) -> Transport:
        SSL = self._SSL
        conn = SSL.Connection(self._context(verify), sock)
        if not _is_ip(server_hostname):
            conn.set_tlsext_host_name(server_hostname.encode("idna"))
        conn.set_connect_state()
        wrapped = _PyOpenSSLSocket(conn, sock)
        wrapped.settimeout(sock.gettimeout())
        wrapped.do_handshake()
        if verify:
            _check_hostname(conn, server_hostname)
        return wrapped


def _is_ip(host: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
    except OSError:
        return False
    return True


def _check_hostname(conn: object, host: str) -> None:
    """RFC 6125 host-name check of the peer certificate, with the stdlib's matcher rules."""
    from cryptography import x509

    cert = conn.get_peer_certificate()  # type: ignore[attr-defined]
    if cert is None:
        raise ssl.SSLCertVerificationError("the server sent no certificate")
    crt = cert.to_cryptography()
    names: list[str] = []
    ips: list[str] = []
    try:
        san = crt.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = san.get_values_for_type(x509.DNSName)
        ips = [str(a) for a in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        pass
    if _is_ip(host):
        ok = host in ips
    else:
        h = host.lower().rstrip(".")
        ok = any(_dns_match(n.lower(), h) for n in names)
    if not ok:
        raise ssl.SSLCertVerificationError(
            f"certificate is not valid for {host!r} (names: {names + ips})"
        )


def _dns_match(pattern: str, host: str) -> bool:
    # RFC 6125 §6.4.3: a wildcard only as the whole left-most label, matching one label.
    if pattern.startswith("*."):
        first, _, rest = host.partition(".")
        return bool(first) and rest == pattern[2:]
    return pattern == host


_DEFAULT: list[TLSBackend] = []
_DEFAULT_LOCK = threading.Lock()


def default_tls() -> TLSBackend:
    """The process-wide default TLS backend (a :class:`StdlibTLS` unless changed)."""
    if not _DEFAULT:
        with _DEFAULT_LOCK:
            if not _DEFAULT:
                _DEFAULT.append(StdlibTLS())
    return _DEFAULT[0]


def set_default_tls(backend: TLSBackend) -> None:
    """Make ``backend`` the default for calls without ``socket_type_tls`` (HTTP.jl's
    ``HTTP.SOCKET_TYPE_TLS[] = OpenSSL.SSLStream``)."""
    with _DEFAULT_LOCK:
        _DEFAULT[:] = [backend]
