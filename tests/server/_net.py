"""Helpers for the server tests: raw sockets on 127.0.0.1, every read bounded by a timeout."""

from __future__ import annotations

import socket
import time

TIMEOUT = 5.0

GET_CLOSE = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
"""A GET of / that asks the server to close after answering."""


def connect(port: int, timeout: float = TIMEOUT) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.settimeout(timeout)
    _buffers.pop(s.fileno(), None)
    return s


def read_all(s: socket.socket, timeout: float = TIMEOUT) -> bytes:
    """Read until the server closes (or ``timeout`` passes: then what came so far)."""
    s.settimeout(timeout)
    out = b""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            data = s.recv(65536)
        except (TimeoutError, ConnectionResetError):
            break
        if not data:
            break
        out += data
    return out


def exchange(port: int, data: bytes, timeout: float = TIMEOUT) -> bytes:
    """Send ``data`` on a new connection and read until the server closes it."""
    with connect(port, timeout) as s:
        s.sendall(data)
        return read_all(s, timeout)


def read_response(s: socket.socket, timeout: float = TIMEOUT) -> tuple[bytes, bytes]:
    """One response (with a Content-Length body, or none) from a keep-alive connection:
    (head, body). Bytes after it stay buffered for the next call on the same socket."""
    s.settimeout(timeout)
    buf = _buffers.pop(s.fileno(), b"")
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise EOFError(f"closed before a full head: {buf!r}")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and not head.startswith(b"HTTP/1.1 1"):
            length = int(value.strip())
    while len(rest) < length:
        chunk = s.recv(65536)
        if not chunk:
            raise EOFError("closed in the body")
        rest += chunk
    if len(rest) > length:
        _buffers[s.fileno()] = rest[length:]
    return head, rest[:length]


_buffers: dict[int, bytes] = {}


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def is_closed(s: socket.socket, timeout: float = TIMEOUT) -> bool:
    """Whether the server closed the connection within ``timeout`` (reads and drops data)."""
    s.settimeout(timeout)
    end = time.monotonic() + timeout
    try:
        while time.monotonic() < end:
            if not s.recv(65536):
                return True
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return False
