"""Starting and stopping: the host/port, port-only and socket forms, close() (graceful, loses
no request under load), forceclose(), wait(), on_shutdown, the blocking form stopped by a
signal, several processes on one port, tcpisvalid (TLS: test_tls.py)."""

from __future__ import annotations

import asyncio
import http.client
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from wirehttp_parser import Request, Response
from wirehttp_server import listen_background, serve_background, supportsreuseaddr

from ._net import GET_CLOSE, connect, exchange, is_closed, read_response, status_of
from .conftest import Start


def ok(req: Request) -> Response:
    return Response(200, "ok")


def test_port_only_form() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = serve_background(ok, port)
    try:
        assert server.port == port and server.host == "127.0.0.1"
        assert exchange(port, GET_CLOSE).endswith(b"ok")
    finally:
        server.close()


def test_pre_bound_socket_form() -> None:
    sock = socket.create_server(("127.0.0.1", 0))
    server = serve_background(ok, sock)
    try:
        assert server.port == sock.getsockname()[1]
        assert exchange(server.port, GET_CLOSE).endswith(b"ok")
    finally:
        server.close()
    sock2 = socket.create_server(("127.0.0.1", 0))
    server2 = listen_background(lambda http: http.write("s"), server=sock2)
    try:
        assert server2.port == sock2.getsockname()[1]
    finally:
        server2.close()


def test_listenany_takes_the_next_free_port() -> None:
    taken = socket.create_server(("127.0.0.1", 0))
    port = taken.getsockname()[1]
    try:
        with pytest.raises(OSError):
            serve_background(ok, "127.0.0.1", port)  # taken, and listenany is off
        server = serve_background(ok, "127.0.0.1", port, listenany=True)
        try:
            assert server.port > port
            assert exchange(server.port, GET_CLOSE).endswith(b"ok")
        finally:
            server.close()
        # A free port is used as given.
        taken.close()
        server = serve_background(ok, "127.0.0.1", port, listenany=True)
        try:
            assert server.port == port
        finally:
            server.close()
    finally:
        taken.close()


def test_unknown_keyword_is_an_error() -> None:
    with pytest.raises(TypeError, match="unknown keyword"):
        serve_background(ok, "127.0.0.1", 0, readtimeot=3)  # type: ignore[call-overload]


def test_context_manager_close_and_wait() -> None:
    with serve_background(ok, "127.0.0.1", 0) as server:
        assert server.isopen() and not server.wait(0.01)
        port = server.port
    assert not server.isopen() and server.wait(1)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1)


def test_on_shutdown_single_many_and_failing(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[str] = []
    server = serve_background(ok, "127.0.0.1", 0, on_shutdown=lambda: calls.append("one"))
    server.close()
    assert calls == ["one"]

    def broken() -> None:
        raise RuntimeError("Broken")

    server = serve_background(
        ok,
        "127.0.0.1",
        0,
        on_shutdown=[lambda: calls.append("a"), broken, lambda: calls.append("b")],
    )
    server.forceclose()
    assert calls == ["one", "a", "b"]
    assert any("shutdown function" in r.getMessage() for r in caplog.records)


def test_graceful_close_under_load_loses_no_request() -> None:
    """Clients keep sending on keep-alive connections, and reconnecting, while the server
    closes: every request fully sent before close() was called gets its full response."""

    async def handler(req: Request) -> Response:
        await asyncio.sleep(0.005)
        return Response(200, req.target)

    server = serve_background(handler, "127.0.0.1", 0)
    close_called = [float("inf")]
    lost: list[str] = []
    answered: list[str] = []
    lock = threading.Lock()

    def client(k: int) -> None:
        n = 0
        while True:
            try:
                c = connect(server.port, timeout=5)
            except OSError:
                return  # refused: the listener is closed
            with c:
                while True:
                    n += 1
                    target = f"/{k}/{n}"
                    try:
                        c.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                    except OSError:
                        break
                    sent_at = time.monotonic()
                    try:
                        head, body = read_response(c)
                    except (OSError, EOFError):
                        if sent_at < close_called[0]:
                            with lock:
                                lost.append(target)
                        break
                    assert body == target.encode()
                    with lock:
                        answered.append(target)
                    if b"Connection: close" in head:
                        break

    threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    close_called[0] = time.monotonic()
    server.close(timeout=5)
    for t in threads:
        t.join(10)
    assert len(answered) > 50 and lost == []


def test_close_waits_for_a_busy_request_then_forces() -> None:
    async def handler(req: Request) -> Response:
        await asyncio.sleep(10 if req.target == "/forever" else 0.3)
        return Response(200, "done")

    server = serve_background(handler, "127.0.0.1", 0)
    with connect(server.port) as busy, connect(server.port) as idle:
        busy.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.05)
        closer = threading.Thread(target=server.close, kwargs={"timeout": 2})
        closer.start()
        assert is_closed(idle, timeout=1)  # idle connections close at once
        head, body = read_response(busy)
        assert body == b"done" and b"Connection: close" in head
        closer.join(5)
    server2 = serve_background(handler, "127.0.0.1", 0)
    with connect(server2.port) as stuck:
        stuck.sendall(b"GET /forever HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.05)
        t0 = time.monotonic()
        server2.close(timeout=0.3)
        assert time.monotonic() - t0 < 2 and is_closed(stuck, timeout=1)


def test_forceclose_drops_connections() -> None:
    async def handler(req: Request) -> Response:
        await asyncio.sleep(10)
        return Response(200)

    server = serve_background(handler, "127.0.0.1", 0)
    with connect(server.port) as c:
        c.sendall(GET_CLOSE)
        time.sleep(0.05)
        server.forceclose()
        assert is_closed(c, timeout=2)
    assert server.wait(1)


def _script(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "app.py"
    path.write_text(textwrap.dedent(body))
    return path


def _wait_listening(port: int, proc: subprocess.Popen[Any]) -> None:
    for _ in range(100):
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("server did not start")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_blocking_serve_stops_on_signal_and_runs_on_shutdown(
    tmp_path: Path, sig: signal.Signals
) -> None:
    port = _free_port()
    marker = tmp_path / "shutdown"
    app = _script(
        tmp_path,
        f"""
        from pathlib import Path
        from wirehttp_parser import Response
        from wirehttp_server import serve
        serve(lambda req: Response(200, "blocking"), {port},
              on_shutdown=lambda: Path({str(marker)!r}).write_text("ran"))
        """,
    )
    proc = subprocess.Popen(
        [sys.executable, str(app)],
        stderr=subprocess.PIPE,
        # A child of a non-interactive shell may inherit SIGINT ignored; restore it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.default_int_handler),
    )
    try:
        _wait_listening(port, proc)
        assert exchange(port, GET_CLOSE).endswith(b"blocking")
        proc.send_signal(sig)
        assert proc.wait(10) == 0
        assert marker.read_text() == "ran"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_several_processes_on_one_port(tmp_path: Path) -> None:
    assert supportsreuseaddr(), "SO_REUSEPORT is available on Linux, where CI runs"
    port = _free_port()
    app = _script(
        tmp_path,
        f"""
        import os
        from wirehttp_parser import Response
        from wirehttp_server import serve
        serve(lambda req: Response(200, str(os.getpid())), "127.0.0.1", {port}, reuseaddr=True)
        """,
    )
    procs = [subprocess.Popen([sys.executable, str(app)], stderr=subprocess.PIPE) for _ in range(3)]
    try:
        for p in procs:
            _wait_listening(port, p)
        time.sleep(0.3)
        pids = set()
        for _ in range(60):
            resp = exchange(port, GET_CLOSE)
            pids.add(int(resp.rpartition(b"\r\n\r\n")[2]))
        assert pids <= {p.pid for p in procs} and len(pids) >= 2
        with pytest.raises(OSError):  # without reuseaddr the port is taken
            serve_background(ok, "127.0.0.1", port)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def test_tcpisvalid_filters_connections(start_server: Start) -> None:
    seen: list[tuple[str, int]] = []

    def only_once(sock: Any) -> bool:
        seen.append(sock.getpeername())
        return len(seen) == 1

    s = start_server(ok, tcpisvalid=only_once)
    assert exchange(s.port, GET_CLOSE).endswith(b"ok")
    assert exchange(s.port, GET_CLOSE) == b""
    assert seen[0][0] == "127.0.0.1"


def test_verbose_logs_connections(start_server: Start, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    with caplog.at_level(logging.INFO, logger="wirehttp.server"):
        s = start_server(ok, verbose=True)
        exchange(s.port, GET_CLOSE)
        time.sleep(0.1)
    messages = [r.getMessage() for r in caplog.records]
    assert any("listening on http://127.0.0.1" in m for m in messages)
    assert any("accepted connection" in m for m in messages)
    assert status_of(exchange(s.port, GET_CLOSE)) == 200
    assert os.getpid() > 0
