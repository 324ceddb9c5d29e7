"""The blocking forms, ``listen(...)`` and ``serve(...)``, run in a subprocess (they block the
calling thread and take Ctrl-C there): served, then stopped with SIGINT, the signal Ctrl-C
sends. They must exit cleanly (status 0, no traceback), run every ``on_shutdown`` function,
and let a request under way finish first."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from ._net import GET_CLOSE, connect, exchange, read_all

START = 10.0
"""Generous: a loaded two-core machine may take seconds to start an interpreter."""


def _spawn(tmp_path: Path, body: str, pass_fds: tuple[int, ...] = ()) -> subprocess.Popen[str]:
    app = tmp_path / "app.py"
    app.write_text(textwrap.dedent(body))
    return subprocess.Popen(
        [sys.executable, str(app)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        pass_fds=pass_fds,
        # A child of a non-interactive shell may inherit SIGINT ignored; Ctrl-C must reach it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.default_int_handler),
    )


def _interrupt(proc: subprocess.Popen[str], send: bool = True) -> tuple[int, str, str]:
    """SIGINT (Ctrl-C) unless already sent, then the exit status, stdout and stderr."""
    if send:
        proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=START)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"still running 10 s after SIGINT; stderr: {err}") from None
    return proc.returncode, out, err


def _wait_for(path: Path, proc: subprocess.Popen[str]) -> None:
    end = time.monotonic() + START
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"the server exited early: {proc.communicate()[1]}")
        assert time.monotonic() < end, f"{path.name} did not appear"
        time.sleep(0.02)


def _wait_listening(port: int, proc: subprocess.Popen[str]) -> None:
    end = time.monotonic() + START
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited early: {proc.communicate()[1]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            assert time.monotonic() < end, "the server did not start listening"
            time.sleep(0.02)


def _listener() -> socket.socket:
    sock = socket.create_server(("127.0.0.1", 0))
    sock.set_inheritable(True)
    return sock


def test_blocking_listen_stops_on_ctrl_c_and_runs_every_on_shutdown(tmp_path: Path) -> None:
    # A free port for the host/port form: bound, then released for the child to bind.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    proc = _spawn(
        tmp_path,
        f"""
        from wirehttp_server import Stream, listen

        def handler(http: Stream) -> None:
            http.setheader("Content-Length", "8")
            http.write("blocking")

        listen(handler, "127.0.0.1", {port},
               on_shutdown=[lambda: print("first hook", flush=True),
                            lambda: print("second hook", flush=True)])
        print("listen returned", flush=True)
        """,
    )
    try:
        _wait_listening(port, proc)
        assert exchange(port, GET_CLOSE).endswith(b"\r\n\r\nblocking")
        rc, out, err = _interrupt(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert rc == 0, err
    assert out.splitlines() == ["first hook", "second hook", "listen returned"]
    assert "Traceback" not in err


def test_blocking_serve_on_a_socket_finishes_the_request_under_way_on_ctrl_c(
    tmp_path: Path,
) -> None:
    started = tmp_path / "started"
    with _listener() as sock:
        proc = _spawn(
            tmp_path,
            f"""
            import asyncio, pathlib, socket
            from wirehttp_parser import Request, Response
            from wirehttp_server import serve

            async def handler(req: Request) -> Response:
                if req.target == "/slow":
                    pathlib.Path({str(started)!r}).write_text("")
                    await asyncio.sleep(0.5)
                    return Response(200, "slow done")
                return Response(200, "quick")

            serve(handler, socket.socket(fileno={sock.fileno()}),
                  on_shutdown=lambda: print("shutdown ran", flush=True))
            print("serve returned", flush=True)
            """,
            pass_fds=(sock.fileno(),),
        )
        port = int(sock.getsockname()[1])
    try:
        # The listening socket is the child's now: connections queue until it accepts them.
        assert exchange(port, GET_CLOSE, timeout=START).endswith(b"\r\n\r\nquick")
        with connect(port, timeout=START) as c:
            c.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
            _wait_for(started, proc)
            proc.send_signal(signal.SIGINT)  # while the handler sleeps
            resp = read_all(c, timeout=START)
        rc, out, err = _interrupt(proc, send=False)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    # The request accepted before Ctrl-C gets its whole response, marked as the last one.
    assert resp.startswith(b"HTTP/1.1 200 OK\r\n") and resp.endswith(b"\r\n\r\nslow done")
    assert b"\r\nConnection: close\r\n" in resp
    assert rc == 0, err
    assert out.splitlines() == ["shutdown ran", "serve returned"]
    assert "Traceback" not in err
