"""Peers for the client tests, all on 127.0.0.1 with ephemeral ports: httpbin under gunicorn
(``-k gthread``), and raw-socket servers that misbehave on purpose. Every process and thread
started here is stopped in teardown, by its own handle, and every wait has a timeout."""

from __future__ import annotations

import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme

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

    def __init__(
        self, handler: Callable[[socket.socket], None], tls: ssl.SSLContext | None = None, port: int = 0
    ) -> None:
        self.handler = handler
        self.tls = tls
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
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


# -- real peers: nginx and tinyproxy (peers-and-corpora.md §8–§9) ------------------------------


def free_port() -> int:
    """A port free right now on 127.0.0.1 (nginx and tinyproxy cannot report an ephemeral one);
    the short race with other processes is acceptable for a test."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_listening(port: int, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port}")


class Nginx:
    """nginx in front of httpbin (an upstream with ``keepalive``) and serving ``/static/``,
    on plain HTTP (``url``) and TLS (``tls_url``, a certificate for localhost and 127.0.0.1
    from ``ca``)."""

    def __init__(self, port: int, tls_port: int, ca: trustme.CA, ca_file: str, static: Path) -> None:
        self.port = port
        self.tls_port = tls_port
        self.url = f"http://127.0.0.1:{port}"
        self.tls_url = f"https://localhost:{tls_port}"
        self.ca = ca
        self.ca_file = ca_file
        self.static = static


_NGINX_CONF = """
daemon off;
master_process on;
worker_processes 1;
user root;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    default_type application/octet-stream;
    keepalive_timeout 30s;
    keepalive_requests 1000;
    upstream httpbin {{ server 127.0.0.1:{upstream}; keepalive 8; }}
    server {{
        listen 127.0.0.1:{port};
        listen 127.0.0.1:{tls_port} ssl;
        server_name localhost;
        ssl_certificate {d}/server.pem;
        ssl_certificate_key {d}/server.key;
        location /static/ {{ alias {d}/static/; }}
        location /conn {{ return 200 "$connection $connection_requests\\n"; }}
        location / {{
            proxy_pass http://httpbin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
        }}
    }}
}}
"""


@pytest.fixture(scope="session")
def nginx(httpbin: Httpbin, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nginx]:
    d = tmp_path_factory.mktemp("nginx")
    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    cert.cert_chain_pems[0].write_to_path(str(d / "server.pem"))
    for extra in cert.cert_chain_pems[1:]:
        extra.write_to_path(str(d / "server.pem"), append=True)
    cert.private_key_pem.write_to_path(str(d / "server.key"))
    ca.cert_pem.write_to_path(str(d / "ca.pem"))
    static = d / "static"
    static.mkdir()
    (static / "hello.txt").write_bytes(b"hello from nginx\n")
    (static / "big.bin").write_bytes(bytes(range(256)) * 4096)  # 1 MiB
    port, tls_port = free_port(), free_port()
    conf = d / "nginx.conf"
    conf.write_text(_NGINX_CONF.format(d=d, port=port, tls_port=tls_port, upstream=httpbin.port))
    proc = subprocess.Popen(["/usr/sbin/nginx", "-c", str(conf), "-p", str(d)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_listening(port, proc, "nginx")
        _wait_listening(tls_port, proc, "nginx (TLS)")
        yield Nginx(port, tls_port, ca, str(d / "ca.pem"), static)
    finally:
        proc.send_signal(signal.SIGQUIT)  # graceful stop of the master and its worker
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


class Tinyproxy:
    def __init__(self, port: int, auth: tuple[str, str] | None) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.auth = auth

    @property
    def auth_url(self) -> str:
        assert self.auth is not None
        return f"http://{self.auth[0]}:{self.auth[1]}@127.0.0.1:{self.port}"


def _start_tinyproxy(d: Path, auth: tuple[str, str] | None) -> tuple[subprocess.Popen[bytes], Tinyproxy]:
    port = free_port()
    lines = [
        f"Port {port}", "Listen 127.0.0.1", "Allow 127.0.0.1", "Timeout 10", "MaxClients 50",
        "LogLevel Warning", f"LogFile \"{d}/tinyproxy-{port}.log\"",
    ]
    if auth is not None:
        lines.append(f"BasicAuth {auth[0]} {auth[1]}")
    conf = d / f"tinyproxy-{port}.conf"
    conf.write_text("\n".join(lines) + "\n")
    proc = subprocess.Popen(["/usr/bin/tinyproxy", "-d", "-c", str(conf)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_listening(port, proc, "tinyproxy")
    return proc, Tinyproxy(port, auth)


@pytest.fixture(scope="session")
def tinyproxies(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Tinyproxy, Tinyproxy]]:
    """Two tinyproxy instances: an open one, and one requiring ``BasicAuth user pass``."""
    d = tmp_path_factory.mktemp("tinyproxy")
    procs: list[subprocess.Popen[bytes]] = []
    try:
        p1, open_proxy = _start_tinyproxy(d, None)
        procs.append(p1)
        p2, auth_proxy = _start_tinyproxy(d, ("user", "pass"))
        procs.append(p2)
        yield open_proxy, auth_proxy
    finally:
        for p in procs:
            _stop(p)
