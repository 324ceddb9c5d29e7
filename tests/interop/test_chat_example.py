"""The reference's chat example (docs/server.md) run for real: a server and a client process,
each typing scripted lines, and full-duplex streaming of one exchange (the request body still
being written while the response is read) between our server and our client."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import wirehttp_client
from wirehttp_server import Stream, listen_background

DOCS = Path(__file__).resolve().parents[2] / "docs" / "server.md"


def _read_until(io: wirehttp_client.ClientStream, needle: bytes, timeout: float = 5.0) -> bytes:
    got = b""
    end = time.monotonic() + timeout
    while needle not in got:
        assert time.monotonic() < end, f"{needle!r} did not come; got {got!r}"
        piece = io.readavailable()
        assert piece, f"the body ended before {needle!r}; got {got!r}"
        got += piece
    return got


def test_full_duplex_exchange_between_our_client_and_server() -> None:
    def handler(io: Stream) -> None:
        io.write("welcome\n")
        while not io.eof():
            io.write(b"server got: " + io.readavailable())

    s = listen_background(handler, "127.0.0.1", 0)
    try:
        _duplex(s.port)
    finally:
        s.forceclose()


def _duplex(port: int) -> None:
    with wirehttp_client.open("POST", f"http://127.0.0.1:{port}/chat") as io:
        resp = io.startread(closewrite=False)
        assert resp.status == 200
        assert b"welcome" in _read_until(io, b"welcome\n")
        io.write("hello\n")
        assert b"server got: hello\n" in _read_until(io, b"hello\n")
        io.write("again\n")
        assert b"server got: again\n" in _read_until(io, b"again\n")
        io.closewrite()
        assert io.readavailable() == b"" and io.eof()  # the server's handler returned


def _chat_code(port: int) -> str:
    text = DOCS.read_text()
    m = re.search(r"```python\n(import sys\nimport threading\n.*?def chat_client.*?)```", text, re.S)
    assert m, "the chat example is no longer in docs/server.md"
    code = m.group(1)
    assert '"", 8087' in code and "127.0.0.1:8087" in code
    return code.replace('"", 8087', f'"127.0.0.1", {port}').replace("8087", str(port))


def test_the_documented_chat_example(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (tmp_path / "chat.py").write_text(_chat_code(port))
    run = [sys.executable, "-u", "-c"]
    server = subprocess.Popen(
        [*run, "import chat; chat.chat_server()"],
        cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        assert server.stdin is not None
        server.stdin.write(b"hi from the server\n")
        server.stdin.close()  # the server's typist is done after one line
        server.stdin = None  # (so communicate() below does not flush it)
        end = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < end and server.poll() is None, "the server did not start"
                time.sleep(0.05)
        client = subprocess.run(
            [*run, "import chat; chat.chat_client()"],
            cwd=tmp_path, input=b"hello from the client\n", capture_output=True, timeout=20,
        )
        assert client.returncode == 0, client.stderr.decode()
        out = client.stdout.decode()
        assert "wirehttp chat server. Welcome!" in out and "hi from the server" in out
    finally:
        server.terminate()
        server_out, server_err = server.communicate(timeout=10)
    assert "hello from the client" in server_out.decode(), server_err.decode()
