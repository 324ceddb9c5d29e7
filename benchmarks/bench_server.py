"""Server benchmark: wirehttp's server against uvicorn, aiohttp.web and the stdlib, with wrk.

    uv run python benchmarks/bench_server.py [--duration 5] [--unpinned] [--only NAME ...]

Each server runs in its own process, pinned to core 0 (``taskset -c 0``) unless
``--unpinned``; ``wrk -t1 -c50`` runs on core 1 against a loopback address (127.0.0.x) only.
For each case we report requests/s and p99 latency (from wrk) and the server's CPU time per
request (user + system time of the server process over the run, from ``/proc/<pid>/stat``,
divided by the requests wrk completed): the CPU figure is the one to compare on a shared
machine, where the wall-clock rate moves with the neighbours' load.

Cases: hello-world (13-byte body) with keep-alive, the same with ``Connection: close``, and a
1 MiB response body. Every process started here is stopped by its PID at the end of its case.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

HELLO = b"Hello, world!"

# One tiny app per server; each reads argv[1] (port) and argv[2] (body size: "hello" or "1m").
APPS: dict[str, str] = {
    "wirehttp": """
        import sys
        from wirehttp_parser import Response
        from wirehttp_server import serve
        body = b"Hello, world!" if sys.argv[2] == "hello" else b"x" * (1 << 20)
        def handler(req):
            return Response(200, [("Content-Type", "text/plain")], body)
        serve(handler, sys.argv[3], int(sys.argv[1]))
    """,
    "wirehttp-inline": """
        # The same plain handler run on the event loop (threaded=False): no thread hop.
        import sys
        from wirehttp_parser import Response
        from wirehttp_server import serve
        body = b"Hello, world!" if sys.argv[2] == "hello" else b"x" * (1 << 20)
        def handler(req):
            return Response(200, [("Content-Type", "text/plain")], body)
        serve(handler, sys.argv[3], int(sys.argv[1]), threaded=False)
    """,
    "wirehttp-async": """
        import sys
        from wirehttp_parser import Response
        from wirehttp_server import serve
        body = b"Hello, world!" if sys.argv[2] == "hello" else b"x" * (1 << 20)
        async def handler(req):
            return Response(200, [("Content-Type", "text/plain")], body)
        serve(handler, sys.argv[3], int(sys.argv[1]))
    """,
    "uvicorn": """
        import sys, uvicorn
        body = b"Hello, world!" if sys.argv[2] == "hello" else b"x" * (1 << 20)
        start = {"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]}
        async def app(scope, receive, send):
            if scope["type"] != "http":
                return
            await send(start)
            await send({"type": "http.response.body", "body": body})
        uvicorn.run(app, host=sys.argv[3], port=int(sys.argv[1]), http="httptools",
                    loop="uvloop", access_log=False, log_level="warning")
    """,
    "granian-asgi": """
        # granian (Rust, hyper) running the same raw ASGI app as uvicorn, one worker process.
        import sys
        body = b"Hello, world!" if sys.argv[2] == "hello" else b"x" * (1 << 20)
        start = {"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]}
        async def app(scope, receive, send):
            if scope["type"] != "http":
                return
            await send(start)
            await send({"type": "http.response.body", "body": body})
        if __name__ == "__main__":
            import os
            from granian import Granian
            mod = os.path.splitext(os.path.basename(__file__))[0]
            Granian(f"{mod}:app", address=sys.argv[3], port=int(sys.argv[1]), interface="asgi",
                    workers=1, loop="uvloop", log_enabled=False, websockets=False,
                    backlog=2048).serve()
    """,
    "granian-rsgi": """
        # granian's own interface (RSGI): its fastest Python path.
        import sys
        body = b"Hello, world!" if sys.argv[2] == "hello" else b"x" * (1 << 20)
        async def app(scope, proto):
            proto.response_bytes(200, [("content-type", "text/plain")], body)
        if __name__ == "__main__":
            import os
            from granian import Granian
            mod = os.path.splitext(os.path.basename(__file__))[0]
            Granian(f"{mod}:app", address=sys.argv[3], port=int(sys.argv[1]), interface="rsgi",
                    workers=1, loop="uvloop", log_enabled=False, websockets=False,
                    backlog=2048).serve()
    """,
    "aiohttp": """
        import sys, asyncio, uvloop
        from aiohttp import web
        body = b"Hello, world!" if sys.argv[2] == "hello" else b"x" * (1 << 20)
        async def handler(request):
            return web.Response(body=body, content_type="text/plain")
        app = web.Application()
        app.router.add_get("/", handler)
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
        web.run_app(app, host=sys.argv[3], port=int(sys.argv[1]), access_log=None,
                    print=None)
    """,
    "bare-protocol": """
        # The floor: an asyncio.Protocol on uvloop that answers every read with canned bytes
        # and parses nothing (only meaningful for the keep-alive hello case).
        import sys, asyncio, uvloop
        body = b"Hello, world!" if sys.argv[2] == "hello" else b"x" * (1 << 20)
        resp = b"HTTP/1.1 200 OK\\r\\nContent-Length: %d\\r\\n\\r\\n" % len(body) + body
        class P(asyncio.Protocol):
            def connection_made(self, t):
                self.t = t
            def data_received(self, d):
                self.t.write(resp)
        loop = uvloop.new_event_loop()
        loop.run_until_complete(loop.create_server(P, sys.argv[3], int(sys.argv[1])))
        loop.run_forever()
    """,
    "threading": """
        import sys
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        body = b"Hello, world!" if sys.argv[2] == "hello" else b"x" * (1 << 20)
        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # head and body are two writes: avoid 40 ms stalls
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *a):
                pass
        class Server(ThreadingHTTPServer):
            request_queue_size = 2048  # the default backlog of 5 drops wrk's connections
            daemon_threads = True
        Server((sys.argv[3], int(sys.argv[1])), H).serve_forever()
    """,
}


@dataclass
class Result:
    server: str
    case: str
    rps: float
    p99_ms: float
    cpu_us: float


_runs = [0]


def _next_host() -> str:
    """A fresh loopback address per run (127.0.0.2, .3, ...): the Connection: close case leaves
    tens of thousands of TIME_WAIT sockets behind, and new connections to the same address
    and port then get slower to open, which would penalise whichever server runs later."""
    _runs[0] += 1
    return f"127.0.0.{2 + _runs[0] % 250}"


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _wait_port(
    host: str, port: int, proc: subprocess.Popen[bytes], timeout: float = 15.0
) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def _cpu_seconds(pid: int) -> float:
    """User + system time of ``pid`` and every process below it (granian answers from a worker
    process it forks; the others are one process)."""
    ticks = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}  # pid -> (parent, seconds)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        stats[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    total = 0.0
    todo = [pid]
    while todo:
        p = todo.pop()
        total += stats.get(p, (0, 0.0))[1]
        todo.extend(child for child, (parent, _) in stats.items() if parent == p)
    return total


def _to_ms(value: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s)", value)
    if m is None:
        return float("nan")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
    return float(m.group(1)) * scale


def run_case(
    name: str, case: str, duration: int, pinned: bool, workdir: Path
) -> Result | None:
    script = workdir / f"app_{name.replace('-', '_')}.py"
    script.write_text(textwrap.dedent(APPS[name]))
    host = _next_host()
    port = _free_port(host)
    size = "1m" if case == "1mb" else "hello"
    server_cmd = [sys.executable, str(script), str(port), size, host]
    wrk_cmd = ["wrk", "-t1", "-c50", f"-d{duration}s", "--latency"]
    if case == "close":
        wrk_cmd += ["-H", "Connection: close"]
    wrk_cmd.append(f"http://{host}:{port}/")
    if pinned:
        server_cmd = ["taskset", "-c", "0", *server_cmd]
        wrk_cmd = ["taskset", "-c", "1", *wrk_cmd]
    proc = subprocess.Popen(server_cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_port(host, port, proc)
        subprocess.run(  # warm-up
            ["wrk", "-t1", "-c10", "-d1s", f"http://{host}:{port}/"],
            capture_output=True,
            check=False,
        )
        cpu0 = _cpu_seconds(proc.pid)
        out = subprocess.run(wrk_cmd, capture_output=True, text=True, check=False).stdout
        cpu1 = _cpu_seconds(proc.pid)
    except RuntimeError as exc:
        print(f"{name}/{case}: {exc}", file=sys.stderr)
        return None
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    m_req = re.search(r"^\s*(\d+) requests in", out, re.M)
    m_rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    m_p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    if m_req is None or m_rps is None:
        print(f"{name}/{case}: wrk output not understood:\n{out}", file=sys.stderr)
        return None
    m_err = re.search(r"Socket errors: (.*)", out)
    if m_err is not None or "Non-2xx" in out:
        print(f"{name}/{case}: wrk reported errors: {m_err.group(1) if m_err else 'non-2xx'}",
              file=sys.stderr)
    requests = int(m_req.group(1))
    return Result(
        name,
        case,
        float(m_rps.group(1)),
        _to_ms(m_p99.group(1)) if m_p99 else float("nan"),
        (cpu1 - cpu0) / max(requests, 1) * 1e6,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--unpinned", action="store_true")
    ap.add_argument("--only", nargs="*", default=None, help="servers to run")
    ap.add_argument("--cases", nargs="*", default=["hello", "close", "1mb"])
    ap.add_argument(
        "--repeat", type=int, default=1,
        help="rounds over all servers (interleaved); the table shows each figure's median",
    )
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    names = args.only or list(APPS)
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.cases:
            for _ in range(args.repeat):
                for name in names:
                    r = run_case(name, case, args.duration, not args.unpinned, Path(tmp))
                    if r is not None:
                        results.append(r)
                        print(
                            f"{r.case:6} {r.server:15} {r.rps:10.0f} req/s  "
                            f"p99 {r.p99_ms:7.2f} ms  {r.cpu_us:7.1f} µs CPU/req",
                            flush=True,
                        )
    print()
    print(f"pinned: {not args.unpinned}; median of {args.repeat} interleaved run(s) each")
    print("| case | server | req/s | p99 (ms) | server CPU µs/req |")
    print("|---|---|---:|---:|---:|")
    for case in args.cases:
        for name in names:
            rs = [r for r in results if r.case == case and r.server == name]
            if rs:
                rps = statistics.median(r.rps for r in rs)
                p99 = statistics.median(r.p99_ms for r in rs)
                cpu = statistics.median(r.cpu_us for r in rs)
                print(f"| {case} | {name} | {rps:.0f} | {p99:.2f} | {cpu:.1f} |")


if __name__ == "__main__":
    main()
