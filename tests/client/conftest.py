"""Peers for the client tests, all on 127.0.0.1 with ephemeral ports: httpbin under gunicorn
(``-k gthread``), and raw-socket servers that misbehave on purpose. Every process and thread
started here is stopped in teardown, by its own handle, and every wait has a timeout."""

from __future__ import annotations

import os
import re
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

_LISTENING = re.compile(rb"Listening at: http://127\.0\.0\.1:(\d+)")


class Httpbin:
    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def __call__(self, path: str) -> str:
        return self.url + path


def _start_gunicorn(extra: list[str], scheme: str = "http") -> tuple[subprocess.Popen[bytes], int]:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(
        [str(gunicorn), "-k", "gthread", "-w", "1", "--threads", "16", "-b", "127.0.0.1:0",
         "--keep-alive", "30", "--log-level", "info", *extra, "httpbin:app"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd="/tmp",
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 30
    port = 0
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        m = _LISTENING.search(line.replace(b"https://", b"http://"))
        if m:
            port = int(m.group(1))
            break
    if not port:
        proc.kill()
        proc.wait(10)
        raise RuntimeError("gunicorn did not start")
    # Keep draining its log so it never blocks on a full pipe.
    threading.Thread(target=lambda: proc.stderr and proc.stderr.read(), daemon=True).start()
    # Wait until the worker answers.
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /status/200 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if s.recv(12):
                    break
        except OSError:
            time.sleep(0.05)
    return proc, port


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


@pytest.fixture(scope="session")
def httpbin() -> Iterator[Httpbin]:
    proc, port = _start_gunicorn([])
    try:
        yield Httpbin(port)
    finally:
        _stop(proc)


class RawServer:
    """A TCP server on 127.0.0.1 whose every connection is handed to ``handler(sock)`` in its
    own thread; ``connections`` counts them."""

    def __init__(self, handler: Callable[[socket.socket], None], tls: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.tls = tls
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = f"https://localhost:{self.port}" if tls else f"http://127.0.0.1:{self.port}"
        self.connections = 0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._clients: list[socket.socket] = []
        self._accept = threading.Thread(target=self._loop, daemon=True)
        self._accept.start()

    def _loop(self) -> None:
        self.sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                c, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self._clients.append(c)
            t = threading.Thread(target=self._serve, args=(c,), daemon=True)
            self._threads.append(t)
            t.start()

    def _serve(self, c: socket.socket) -> None:
        c.settimeout(10)
        try:
            if self.tls is not None:
                c = self.tls.wrap_socket(c, server_side=True)
                self._clients.append(c)
            self.handler(c)
        except (OSError, ssl.SSLError):
            pass
        finally:
            try:
                c.close()
            except OSError:
                pass

    def close(self) -> None:
        self._stop.set()
        self._accept.join(5)
        self.sock.close()
        for c in self._clients:
            try:
                # shutdown() wakes a thread blocked in recv(); close() alone would not.
                c.shutdown(socket.SHUT_RDWR)
            except (OSError, ValueError):
                pass
            try:
                c.close()
            except OSError:
                pass
        for t in self._threads:
            t.join(5)


def read_request(c: socket.socket) -> bytes:
    """Read one request head (and a Content-Length body) from ``c``; b"" at EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = c.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    m = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
    if m:
        n = int(m.group(1))
        while len(rest) < n:
            chunk = c.recv(65536)
            if not chunk:
                break
            rest += chunk
    return head + b"\r\n\r\n" + rest


@pytest.fixture
def raw_server() -> Iterator[Callable[[Callable[[socket.socket], None]], RawServer]]:
    servers: list[RawServer] = []

    def make(handler: Callable[[socket.socket], None]) -> RawServer:
        s = RawServer(handler)
        servers.append(s)
        return s

    try:
        yield make
    finally:
        for s in servers:
            s.close()
