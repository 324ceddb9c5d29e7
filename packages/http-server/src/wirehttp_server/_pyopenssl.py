"""TLS with a pyOpenSSL context (``sslconfig=OpenSSL.SSL.Context(...)``).

The event loop's own TLS (``create_server(ssl=...)``) takes only a stdlib ``ssl.SSLContext``.
For a pyOpenSSL context the server instead puts a small layer between the loop's TCP
transport and the HTTP :class:`~._connection.Connection`, built on pyOpenSSL's memory-BIO API
(``OpenSSL.SSL.Connection(ctx, None)``): ciphertext from the socket goes in with
``bio_write``, plaintext comes out of ``recv``; plaintext from the HTTP side goes in with
``send`` and the records to put on the wire come out of ``bio_read``. OpenSSL never touches
the socket, so nothing blocks and the loop stays in charge of all I/O.

Two objects make the layer, as in asyncio's own ``sslproto``:

- :class:`TLSProtocol` is the protocol of the TCP transport: it runs the handshake and
  decrypts;
- :class:`TLSTransport` is the transport the HTTP protocol sees: it encrypts, and passes flow
  control, ``close``/``abort`` and ``get_extra_info`` through.

The HTTP protocol is told of the connection (``connection_made``) only once the handshake is
done, as with the loop's TLS; a handshake that fails or takes longer than the handshake
timeout just closes the socket, and the HTTP protocol never hears of that connection.

pyOpenSSL is an optional dependency (``pip install wirehttp-server[pyopenssl]``): the server
imports this module, and with it pyOpenSSL, only when it is given a pyOpenSSL context.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, cast

try:
    from OpenSSL import SSL
except ImportError:
    # The server imports this module only when handed a pyOpenSSL context, so pyOpenSSL is
    # there; without it the module still imports (the export checks walk every module) but
    # cannot be used.
    if not TYPE_CHECKING:
        SSL = None

__all__: list[str] = []

log = logging.getLogger("wirehttp.server")

# Plaintext asked of OpenSSL per recv() call: a TLS record holds at most 16 KiB, and one
# SSL_read returns at most one record's worth.
_RECV_SIZE: Final = 64 * 1024
# Ciphertext read from the outgoing memory BIO per bio_read() call.
_BIO_READ_SIZE: Final = 256 * 1024


class TLSProtocol(asyncio.Protocol):
    """The protocol of one accepted TCP connection that speaks TLS through pyOpenSSL; it hands
    the decrypted stream to the protocol that ``app_factory`` makes."""

    __slots__ = (
        "loop", "app", "tls", "raw", "view", "handshake_timeout", "timer",
        "handshaken", "closing", "app_reading_paused", "read_scheduled", "app_made",
    )

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        context: SSL.Context,
        app_factory: Callable[[], asyncio.Protocol],
        handshake_timeout: float | None,
    ) -> None:
        self.loop = loop
        # Made now, at accept, so that its clock (header_timeout counts from accept) includes
        # the handshake; it gets the connection (connection_made) once the handshake is done.
        self.app: asyncio.Protocol | None = app_factory()
        # socket=None: OpenSSL reads from and writes to memory BIOs, never to a file descriptor.
        self.tls = SSL.Connection(context, None)
        self.tls.set_accept_state()
        self.raw: asyncio.Transport | None = None
        self.view: TLSTransport | None = None
        self.handshake_timeout = handshake_timeout
        self.timer: asyncio.TimerHandle | None = None
        self.handshaken = False
        self.closing = False  # closing or closed (by either side): no more reads or writes
        self.app_reading_paused = False
        self.read_scheduled = False
        self.app_made = False  # app.connection_made was called: connection_lost is owed

    # -- asyncio.Protocol (the TCP side) -------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports satisfy asyncio.Transport without subclassing it.
        self.raw = cast(asyncio.Transport, transport)
        if self.handshake_timeout:
            # A client that stalls the handshake is a slowloris too (the loop's TLS has
            # ssl_handshake_timeout for the same reason).
            self.timer = self.loop.call_later(self.handshake_timeout, self._handshake_expired)

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return
        self.tls.bio_write(data)
        if not self.handshaken and not self._handshake():
            return
        self._read_plaintext()

    def eof_received(self) -> bool:
        # The client shut down its sending side without a TLS close_notify. TLS cannot
        # half-close: tell the HTTP protocol, then close (as the loop's TLS does).
        if self.app_made and self.app is not None and not self.closing:
            self.app.eof_received()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        self._cancel_timer()
        if self.app_made and self.app is not None:
            self.app_made = False
            self.app.connection_lost(exc)

    def pause_writing(self) -> None:
        # The TCP transport's buffer is over its high-water mark: it holds our ciphertext, so
        # the HTTP protocol is the one that must stop writing.
        if self.app_made and self.app is not None:
            self.app.pause_writing()

    def resume_writing(self) -> None:
        if self.app_made and self.app is not None:
            self.app.resume_writing()

    # -- the handshake -------------------------------------------------------------------------
    def _handshake(self) -> bool:
        """Advance the handshake with the bytes fed so far; ``True`` once it is complete and
        the HTTP protocol has the connection."""
        try:
            self.tls.do_handshake()
        except SSL.WantReadError:
            self._flush()  # our part of the handshake (ServerHello...) goes out now
            return False
        except SSL.Error as exc:
            # An untrusted certificate, no shared cipher, plain HTTP on the TLS port...:
            # routine on a public port, so debug level (the loop's TLS logs it the same way).
            log.debug("TLS handshake failed: %r", exc)
            self._flush()  # the alert, if OpenSSL made one, tells the client why
            self._close_raw()
            return False
        self.handshaken = True
        self._cancel_timer()
        self._flush()  # the end of the handshake, and TLS 1.3 session tickets
        self.view = TLSTransport(self)
        app = self.app
        assert app is not None
        self.app_made = True
        app.connection_made(self.view)
        return not self.closing

    def _handshake_expired(self) -> None:
        self.timer = None
        if not self.handshaken and not self.closing:
            log.debug("TLS handshake timed out")
            self.abort()

    def _cancel_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    # -- reading -------------------------------------------------------------------------------
    def _read_plaintext(self) -> None:
        """Decrypt everything the TCP side has delivered and pass it on in one
        ``data_received`` (at most what one socket read brought: the TCP transport reads
        256 KiB at a time). While the HTTP protocol has reading paused, nothing is decrypted:
        the ciphertext waits in OpenSSL's buffer."""
        if self.closing or self.app_reading_paused:
            return
        tls = self.tls
        chunks: list[bytes] = []
        eof = False
        while True:
            try:
                data = tls.recv(_RECV_SIZE)
            except SSL.WantReadError:
                break  # a partial record, or none: wait for more ciphertext
            except SSL.ZeroReturnError:
                eof = True  # the client sent close_notify: the end of its data
                break
            except SSL.Error as exc:
                # A corrupt record or a bad MAC: the connection cannot go on.
                log.debug("TLS error on read: %r", exc)
                self._flush()
                self._close_raw()
                return
            if not data:
                break
            chunks.append(data)
        # Reading may have produced records to send (alerts, key updates).
        self._flush()
        app = self.app
        assert app is not None
        if chunks:
            app.data_received(chunks[0] if len(chunks) == 1 else b"".join(chunks))
        if eof and not self.closing and not app.eof_received():
            self.close()  # TLS cannot half-close (as with a TCP EOF, see eof_received)

    def _resume_read(self) -> None:
        self.read_scheduled = False
        if self.handshaken:
            self._read_plaintext()

    # -- used by TLSTransport ------------------------------------------------------------------
    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self.closing or not data:
            return
        view = memoryview(data)
        while view:
            # The memory BIO never blocks, so send() takes everything (in one call, or in
            # several with the partial writes pyOpenSSL enables).
            sent = self.tls.send(view)
            view = view[sent:]
        self._flush()

    def pause_reading(self) -> None:
        if not self.app_reading_paused:
            self.app_reading_paused = True
            if self.raw is not None and not self.closing:
                self.raw.pause_reading()

    def resume_reading(self) -> None:
        if self.app_reading_paused:
            self.app_reading_paused = False
            if self.raw is not None and not self.closing:
                self.raw.resume_reading()
            # Plaintext may already wait inside OpenSSL; deliver it on the next loop turn (not
            # now: the HTTP protocol calls this from inside its own processing).
            if not self.read_scheduled:
                self.read_scheduled = True
                self.loop.call_soon(self._resume_read)

    def close(self) -> None:
        """Send close_notify after what is already written, then close the socket once the
        TCP transport has flushed its buffer (we do not wait for the client's close_notify:
        HTTP frames its messages itself)."""
        if self.closing:
            return
        if self.handshaken:
            try:
                self.tls.shutdown()
            except SSL.Error:
                pass
            self._flush()
        self._close_raw()

    def abort(self) -> None:
        self.closing = True
        self._cancel_timer()
        if self.raw is not None:
            self.raw.abort()

    def _close_raw(self) -> None:
        self.closing = True
        self._cancel_timer()
        if self.raw is not None:
            self.raw.close()

    def _flush(self) -> None:
        """Move the records OpenSSL has made from its outgoing memory BIO to the socket."""
        chunks: list[bytes] = []
        while True:
            try:
                chunks.append(self.tls.bio_read(_BIO_READ_SIZE))
            except SSL.WantReadError:
                break  # the BIO is empty
        if chunks and self.raw is not None and not self.raw.is_closing():
            self.raw.write(chunks[0] if len(chunks) == 1 else b"".join(chunks))


class TLSTransport(asyncio.Transport):
    """The transport the HTTP protocol sees on a pyOpenSSL connection: it writes plaintext and
    passes everything else to the TCP transport underneath."""

    __slots__ = ("_tls",)

    def __init__(self, tls: TLSProtocol) -> None:
        super().__init__()
        self._tls = tls

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        tls = self._tls
        if name == "sslcontext":
            return tls.tls.get_context()
        if name == "ssl_object":
            # The OpenSSL.SSL.Connection (ALPN, the client's certificate...). The stdlib's
            # "peercert" and "cipher" are left out: their values have stdlib shapes.
            return tls.tls
        if tls.raw is None:
            return default
        return tls.raw.get_extra_info(name, default)

    def is_closing(self) -> bool:
        return self._tls.closing or (self._tls.raw is not None and self._tls.raw.is_closing())

    def close(self) -> None:
        self._tls.close()

    def abort(self) -> None:
        self._tls.abort()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        # An upgraded connection (Stream.detach) hands the stream to a new protocol.
        self._tls.app = cast(asyncio.Protocol, protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        app = self._tls.app
        assert app is not None
        return app

    def is_reading(self) -> bool:
        return not self._tls.app_reading_paused and not self._tls.closing

    def pause_reading(self) -> None:
        self._tls.pause_reading()

    def resume_reading(self) -> None:
        self._tls.resume_reading()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self._tls.write(data)

    def can_write_eof(self) -> bool:
        return False  # TLS has no half-close (close_notify ends both directions)

    def write_eof(self) -> None:
        raise NotImplementedError("TLS connections cannot half-close; use close()")

    def get_write_buffer_size(self) -> int:
        raw = self._tls.raw
        return 0 if raw is None else raw.get_write_buffer_size()

    def get_write_buffer_limits(self) -> tuple[int, int]:
        raw = self._tls.raw
        return (0, 0) if raw is None else raw.get_write_buffer_limits()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        if self._tls.raw is not None:
            self._tls.raw.set_write_buffer_limits(high, low)
