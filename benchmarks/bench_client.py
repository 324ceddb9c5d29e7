"""Client benchmark: wirehttp vs http.client, urllib3, requests and httpx, in one run against
the same local server.

The server is a minimal asyncio server in a separate process (pinned to the last CPU when
possible) that answers every request with a fixed response, so what is measured is the
client. For each client and case we report requests/s (wall clock) and the client's CPU time
per request (``time.process_time()`` of this process, which runs only the client):

* ``small``: 3000 sequential keep-alive GETs of a 13-byte body;
* ``1mb``: 300 sequential keep-alive GETs of a 1 MiB body (CPU also per MiB);
* ``threads``: 3000 GETs of the small body from 50 threads sharing one client.

Run: ``uv run python benchmarks/bench_client.py [--quick] [--repeat N]`` (``--repeat``: N
interleaved rounds, each figure the best of them).
"""

from __future__ import annotations

import argparse
import http.client
import importlib.metadata
import platform
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

SERVER = r'''
import asyncio, os, sys
try:
    os.sched_setaffinity(0, {os.cpu_count() - 1})
except (AttributeError, OSError):
    pass
SMALL = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!"
BIG = (b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n"
       % (1 << 20)) + b"x" * (1 << 20)

class P(asyncio.Protocol):
    def connection_made(self, t):
        self.t = t
        self.buf = b""
    def data_received(self, data):
        self.buf += data
        while True:
            i = self.buf.find(b"\r\n\r\n")
            if i < 0:
                return
            head, self.buf = self.buf[:i], self.buf[i + 4:]
            self.t.write(BIG if b" /1mb " in head.split(b"\r\n", 1)[0] + b" " else SMALL)

async def main():
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(P, "127.0.0.1", 0, backlog=1024)
    print(srv.sockets[0].getsockname()[1], flush=True)
    await srv.serve_forever()

asyncio.run(main())
'''


def start_server() -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    return proc, port


Getter = Callable[[str], int]  # GET a path, return the body length


def wirehttp_client() -> tuple[Getter, Callable[[], None]]:
    import wirehttp_client as C

    pool = C.Pool(64)

    def get(url: str) -> int:
        body = C.get(url, pool=pool).body
        assert isinstance(body, bytes)
        return len(body)

    return get, pool.close


def httpclient_client() -> tuple[Getter, Callable[[], None]]:
    local = threading.local()
    conns: list[http.client.HTTPConnection] = []

    def get(url: str) -> int:
        conn = getattr(local, "conn", None)
        if conn is None:
            host, _, rest = url.removeprefix("http://").partition("/")
            conn = local.conn = http.client.HTTPConnection(host)
            conns.append(conn)
        conn.request("GET", "/" + url.split("/", 3)[3])
        return len(conn.getresponse().read())

    def close() -> None:
        for c in conns:
            c.close()

    return get, close


def urllib3_client() -> tuple[Getter, Callable[[], None]]:
    import urllib3

    pm = urllib3.PoolManager(maxsize=64)
    return (lambda url: len(pm.request("GET", url).data)), pm.clear


def requests_client() -> tuple[Getter, Callable[[], None]]:
    import requests
    import requests.adapters

    s = requests.Session()
    s.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=64))
    return (lambda url: len(s.get(url).content)), s.close


def httpx_client() -> tuple[Getter, Callable[[], None]]:
    import httpx

    c = httpx.Client(limits=httpx.Limits(max_connections=64, max_keepalive_connections=64))
    return (lambda url: len(c.get(url).content)), c.close


CLIENTS: dict[str, Callable[[], tuple[Getter, Callable[[], None]]]] = {
    "wirehttp": wirehttp_client,
    "http.client": httpclient_client,
    "urllib3": urllib3_client,
    "httpx": httpx_client,
    "requests": requests_client,
}


def run_case(get: Getter, url: str, n: int, threads: int) -> tuple[float, float]:
    """(requests per second, client CPU µs per request)."""
    for _ in range(20):
        get(url)  # warm up: connections, caches
    cpu0, t0 = time.process_time(), time.perf_counter()
    if threads == 1:
        for _ in range(n):
            get(url)
    else:
        with ThreadPoolExecutor(threads) as ex:
            for _ in ex.map(lambda _: get(url), range(n)):
                pass
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
    return n / wall, cpu / n * 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer requests (a smoke run)")
    ap.add_argument("--clients", default=",".join(CLIENTS))
    ap.add_argument("--repeat", type=int, default=1,
                    help="rounds over all clients (interleaved); report each figure's best")
    args = ap.parse_args()
    try:
        os.sched_setaffinity(0, {0})
    except (AttributeError, OSError):
        pass
    scale = 10 if args.quick else 1
    cases = [("small", "/small", 3000 // scale, 1), ("1mb", "/1mb", 300 // scale, 1),
             ("threads", "/small", 3000 // scale, 50)]
    proc, port = start_server()
    versions = []
    for dist in ("wirehttp-client", "urllib3", "requests", "httpx"):
        try:
            versions.append(f"{dist} {importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    print(f"# {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.system()} {platform.release()}, {os.cpu_count()} CPUs; {', '.join(versions)}")
    names = args.clients.split(",")
    clients = {name: CLIENTS[name]() for name in names}
    best: dict[tuple[str, str], tuple[float, float]] = {}
    try:
        # Rounds interleave the clients, so a noisy moment on the machine hits all of them.
        for _ in range(args.repeat):
            for name in names:
                get, _close = clients[name]
                for case, path, n, threads in cases:
                    rps, cpu = run_case(get, f"http://127.0.0.1:{port}{path}", n, threads)
                    old = best.get((name, case))
                    best[(name, case)] = (rps, cpu) if old is None else (max(old[0], rps), min(old[1], cpu))
        if args.repeat > 1:
            print(f"# best of {args.repeat} rounds (req/s: highest, CPU: lowest)")
        print(f"{'client':<12} {'case':<8} {'req/s':>9} {'CPU us/req':>11} {'CPU us/MiB':>11}")
        for name in names:
            for case, *_ in cases:
                rps, cpu = best[(name, case)]
                per_mib = f"{cpu:11.0f}" if case == "1mb" else f"{'':>11}"
                print(f"{name:<12} {case:<8} {rps:9.0f} {cpu:11.1f} {per_mib}", flush=True)
        for _get, close in clients.values():
            close()
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
