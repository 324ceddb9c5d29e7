"""Parser speed: wirehttp's sans-I/O parser against h11 and httptools on the same messages.

    uv run python benchmarks/bench_parser.py [--quick]

Each figure is microseconds per message, the best of several runs (``time.perf_counter_ns``),
for a full parse from fresh bytes to the end of the message:

* ``ours fresh``  — a new RequestParser/ResponseParser per message: ``feed`` then ``events()``.
* ``ours reused`` — one parser for all messages, one ``feed`` + ``events()`` per message (a
  keep-alive connection).
* ``ours pipelined`` — one parser fed 16 messages at once, ``events()`` once; per message.
* ``h11``        — a new ``h11.Connection`` per message, ``next_event()`` until EndOfMessage. For
  responses h11 requires the request to be sent first; that is done *outside* the timed loop.
* ``httptools``  — a new ``HttpRequestParser``/``HttpResponseParser`` per message with callbacks
  that collect the URL, the header pairs and the body.

Strict validation is on for us (the default) and for h11 (it has no other mode). No network.

The first line says which build of ``wirehttp_parser`` was loaded: the pure-Python one (the
default) or the mypyc-compiled one (``scripts/build_compiled_parser.sh`` builds that wheel into a
throwaway environment and runs this file there).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from importlib.metadata import version

import h11
import httptools

from wirehttp_parser import (
    Data,
    EndOfMessage,
    Event,
    RequestParser,
    ResponseParser,
)

GET = (
    b"GET /wiki/Hypertext_Transfer_Protocol?action=view&section=3 HTTP/1.1\r\n"
    b"Host: en.wikipedia.org\r\n"
    b"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n"
    b"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;"
    b"q=0.8\r\n"
    b"Accept-Language: en-US,en;q=0.5\r\n"
    b"Accept-Encoding: gzip, deflate, br\r\n"
    b"Referer: https://en.wikipedia.org/wiki/Main_Page\r\n"
    b"Connection: keep-alive\r\n"
    b"Cookie: enwikiSession=abc123def456; WMF-Last-Access=24-Nov-2025; GeoIP=US:CA:SF\r\n"
    b"Upgrade-Insecure-Requests: 1\r\n"
    b"Sec-Fetch-Dest: document\r\n"
    b"Sec-Fetch-Mode: navigate\r\n"
    b"Sec-Fetch-Site: same-origin\r\n"
    b"\r\n"
)
RESPONSE = (
    b"HTTP/1.1 200 OK\r\n"
    b"Date: Mon, 24 Nov 2025 10:00:00 GMT\r\n"
    b"Server: wirehttp\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: 13\r\n"
    b"Cache-Control: no-cache\r\n"
    b"Connection: keep-alive\r\n"
    b"X-Request-Id: 4b1a3c7e-52f1-4d2a-9e6b-0c1d2e3f4a5b\r\n"
    b"Vary: Accept-Encoding\r\n"
    b"\r\n"
    b"Hello, world!"
)
_PIECES = [b'{"items": [1, 2, 3, 4, 5],', b' "next": "/api/items?page=2",', b' "total": 12345678,',
           b' "ok": true}\n']  # fmt: skip
CHUNKED = (
    b"HTTP/1.1 200 OK\r\n"
    b"Date: Mon, 24 Nov 2025 10:00:00 GMT\r\n"
    b"Server: wirehttp\r\n"
    b"Content-Type: application/json\r\n"
    b"Transfer-Encoding: chunked\r\n"
    b"Connection: keep-alive\r\n"
    b"\r\n"
    + b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in _PIECES)
    + b"0\r\n\r\n"
)
SCENARIOS = {
    "GET, 12 headers (620 B)": (GET, False),
    "response, 8 headers + 13 B body": (RESPONSE, True),
    "chunked response, 4 chunks": (CHUNKED, True),
}


def best_per_call(fn: Callable[[], object], number: int, repeat: int) -> float:
    """Best-of-``repeat`` microseconds per call of ``fn``, over ``number`` calls each."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter_ns()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter_ns() - start) / number)
    return best / 1000


def interleaved(contenders: dict[str, Callable[[], Callable[[], object]]], number: int,
                repeat: int) -> dict[str, float]:  # fmt: skip
    """Best microseconds per call for each contender, timing them in turn within each round so
    that a busy spell on a shared machine hits all of them alike. Each contender is a factory
    giving a fresh callable per round (h11's client connections are used up as they go)."""
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(repeat):
        for name, factory in contenders.items():
            best[name] = min(best[name], best_per_call(factory(), number, 1))
    return best


# -- ours --------------------------------------------------------------------------------------


def ours_fresh(data: bytes, response: bool) -> Callable[[], object]:
    cls = ResponseParser if response else RequestParser

    def run() -> object:
        parser = cls()
        parser.feed(data)
        return parser.events()

    return run


def ours_reused(data: bytes, response: bool) -> Callable[[], object]:
    parser = ResponseParser() if response else RequestParser()

    def run() -> object:
        parser.feed(data)
        return parser.events()

    return run


def ours_pipelined(data: bytes, response: bool, batch: int) -> Callable[[], object]:
    stream = data * batch
    cls = ResponseParser if response else RequestParser

    def run() -> object:
        parser = cls()
        parser.feed(stream)
        return parser.events()

    return run


# -- h11 ---------------------------------------------------------------------------------------


def h11_request(data: bytes) -> Callable[[], object]:
    def run() -> object:
        conn = h11.Connection(h11.SERVER)
        conn.receive_data(data)
        events = []
        while True:
            event = conn.next_event()
            events.append(event)
            if type(event) is h11.EndOfMessage:
                return events

    return run


def h11_responses(data: bytes, count: int) -> Callable[[], object]:
    # h11 needs the request sent before it reads a response: done here, outside the timing.
    conns = []
    for _ in range(count):
        conn = h11.Connection(h11.CLIENT)
        conn.send(h11.Request(method="GET", target="/", headers=[("Host", "example.com")]))
        conn.send(h11.EndOfMessage())
        conns.append(conn)
    it = iter(conns)

    def run() -> object:
        conn = next(it)
        conn.receive_data(data)
        events = []
        while True:
            event = conn.next_event()
            events.append(event)
            if type(event) is h11.EndOfMessage:
                return events

    return run


# -- httptools ---------------------------------------------------------------------------------


class _Collect:
    def __init__(self) -> None:
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.done = False

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        self.done = True


def httptools_run(data: bytes, response: bool) -> Callable[[], _Collect]:
    def run_request() -> _Collect:
        sink = _Collect()
        parser = httptools.HttpRequestParser(sink)
        parser.feed_data(data)
        parser.get_method()
        return sink

    def run_response() -> _Collect:
        sink = _Collect()
        parser = httptools.HttpResponseParser(sink)
        parser.feed_data(data)
        parser.get_status_code()
        return sink

    return run_response if response else run_request


# -- main --------------------------------------------------------------------------------------


def _check(data: bytes, response: bool) -> None:
    """Make sure every contender parses the message completely before timing it."""
    events: list[Event] = ours_fresh(data, response)()  # type: ignore[assignment]
    assert isinstance(events[-1], EndOfMessage), events
    body = b"".join(e.data for e in events if isinstance(e, Data))
    h11_events = (h11_responses(data, 1) if response else h11_request(data))()
    assert type(h11_events).__name__ == "list"
    sink = httptools_run(data, response)()
    assert sink.done and b"".join(sink.body) == body


def build_name() -> str:
    """Which build of the parser this process loaded, and from where."""
    path = sys.modules[RequestParser.__module__].__file__ or "?"
    kind = "compiled (mypyc)" if path.endswith((".so", ".pyd")) else "pure Python"
    return f"wirehttp_parser build: {kind}, {os.path.dirname(path)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run)")
    args = parser.parse_args()
    number, repeat = (200, 1) if args.quick else (2000, 7)
    batch = 16

    print(build_name())
    print(f"Python {sys.version.split()[0]} on {platform.machine()}, {os.cpu_count()} CPUs, "
          f"{platform.platform()}")  # fmt: skip
    print(f"h11 {version('h11')}, httptools {version('httptools')}; "
          f"best of {repeat * 3} rounds of {number // 4} messages, contenders interleaved\n")  # fmt: skip
    header = (f"{'message':34} {'ours fresh':>10} {'reused':>8} {'pipelined':>9} {'h11':>8} "
              f"{'httptools':>9} {'h11/ours':>9} {'ours/httptools':>14}")  # fmt: skip
    print(header)
    print("-" * len(header))
    for name, (data, response) in SCENARIOS.items():
        _check(data, response)
        rounds = number // 4
        times = interleaved(
            {
                "fresh": lambda: ours_fresh(data, response),
                "reused": lambda: ours_reused(data, response),
                # 'rounds' calls of a 'batch'-message stream: divided by 'batch' below
                "pipelined": lambda: ours_pipelined(data, response, batch),
                "h11": (lambda: h11_responses(data, rounds)) if response
                else (lambda: h11_request(data)),
                "httptools": lambda: httptools_run(data, response),
            },
            rounds,
            repeat * 3,
        )
        piped = times["pipelined"] / batch
        fresh, h11_time, ht = times["fresh"], times["h11"], times["httptools"]
        print(f"{name:34} {fresh:10.2f} {times['reused']:8.2f} {piped:9.2f} {h11_time:8.2f} "
              f"{ht:9.2f} {h11_time / fresh:8.1f}x {fresh / ht:13.2f}x")  # fmt: skip
    print("\nµs per message; ratios use 'ours fresh'. Targets: h11/ours >= 8, ours/httptools <= 2.")


if __name__ == "__main__":
    main()
