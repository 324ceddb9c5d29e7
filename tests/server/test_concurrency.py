"""Where plain and async handlers run: the worker threads (the default), the loop
(``threaded=False``), promotion to the loop and demotion back (``threaded="auto"``), the pool
growing when handlers block — and the promise behind the default: a slow blocking handler never
stalls the other connections."""

from __future__ import annotations

import logging
import socket
import threading
import time

import pytest

from wirehttp_parser import Request, Response

from ._net import GET_CLOSE, connect, exchange, read_response, status_of
from .conftest import Start

PROMOTE_AFTER = 1000  # wirehttp_server._connection.PROMOTE_AFTER


def _get(port: int, target: str) -> bytes:
    return exchange(port, f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())


def _timed_get(port: int, target: str, out: dict[str, float]) -> None:
    t0 = time.monotonic()
    _get(port, target)
    out[target] = time.monotonic() - t0


def _timed_gets(port: int, targets: list[str], out: dict[str, float]) -> None:
    """GET every target at once, each on its own connection and thread; wait for them all."""
    threads = [threading.Thread(target=_timed_get, args=(port, t, out)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)


def _thread_names(port: int, n: int) -> list[str]:
    """``n`` keep-alive GETs of /; each response body is the name of the thread that ran the
    handler."""
    names = []
    with connect(port) as c:
        for _ in range(n):
            c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            _, body = read_response(c)
            names.append(body.decode())
    return names


def where(req: Request) -> Response:
    return Response(200, threading.current_thread().name)


def test_slow_plain_handler_does_not_stall_others_from_its_first_call(start_server: Start) -> None:
    # The default settings: nothing tells the server that /slow blocks.
    def handler(req: Request) -> Response:
        if req.target == "/slow":
            time.sleep(1.0)
        return Response(200, req.target)

    s = start_server(handler)
    results: dict[str, float] = {}
    slow = threading.Thread(target=_timed_get, args=(s.port, "/slow", results))
    slow.start()
    time.sleep(0.1)
    _timed_get(s.port, "/fast", results)
    slow.join(5)
    assert results["/fast"] < 0.5 < 1.0 <= results["/slow"]


def test_many_blocked_handlers_grow_the_pool(start_server: Start) -> None:
    # Eight calls that each block 0.5 s finish together, not one after another (4 s).
    def handler(req: Request) -> Response:
        time.sleep(0.5)
        return Response(200, "done")

    s = start_server(handler)
    results: dict[str, float] = {}
    t0 = time.monotonic()
    _timed_gets(s.port, [f"/{i}" for i in range(8)], results)
    assert len(results) == 8
    assert time.monotonic() - t0 < 2.0


def test_plain_handlers_stay_on_the_threads_by_default(start_server: Start) -> None:
    s = start_server(where)
    names = _thread_names(s.port, PROMOTE_AFTER + 20)
    assert all(n.startswith("wirehttp-handler") for n in names)


def test_a_handler_can_call_back_into_its_own_server(start_server: Start) -> None:
    # On a worker thread the handler may block on a request to this very server: the loop is
    # free to answer it. (On the loop, it would wait on the loop it blocks.)
    port: list[int] = []

    def handler(req: Request) -> Response:
        if req.target == "/outer":
            inner = _get(port[0], "/inner")
            return Response(200, b"outer got: " + inner.rsplit(b"\r\n\r\n", 1)[-1])
        return Response(200, "inner")

    s = start_server(handler)
    port.append(s.port)
    assert _get(s.port, "/outer").endswith(b"outer got: inner")


def test_a_fast_plain_handler_is_promoted_to_the_loop(start_server: Start) -> None:
    s = start_server(where, threaded="auto")
    names = _thread_names(s.port, PROMOTE_AFTER + 5)
    assert names[0].startswith("wirehttp-handler")  # starts on a worker thread
    assert all(n.startswith("wirehttp-handler") for n in names[:PROMOTE_AFTER])
    assert not any(n.startswith("wirehttp-handler") for n in names[PROMOTE_AFTER + 1 :])


def test_a_promoted_handler_that_blocks_goes_back_to_the_threads(
    start_server: Start, caplog: pytest.LogCaptureFixture
) -> None:
    block = threading.Event()

    def handler(req: Request) -> Response:
        if req.target == "/slow" or (req.target == "/" and block.is_set()):
            time.sleep(0.6)
        return Response(200, threading.current_thread().name)

    s = start_server(handler, threaded="auto", slow_handler_threshold=0.05)
    _thread_names(s.port, PROMOTE_AFTER + 1)  # promoted by now
    block.set()
    with caplog.at_level(logging.WARNING, logger="wirehttp.server"):
        _get(s.port, "/")  # the one call that stalls the loop
    assert any("worker threads from now on" in r.getMessage() for r in caplog.records)
    # From now on it runs on the threads: a slow call no longer holds up a fast one.
    results: dict[str, float] = {}
    t = threading.Thread(target=_timed_get, args=(s.port, "/", results))
    t.start()
    time.sleep(0.1)
    block.clear()
    t0 = time.monotonic()
    body = _get(s.port, "/fast")
    assert time.monotonic() - t0 < 0.4
    assert b"wirehttp-handler" in body
    t.join(5)


def test_a_handler_that_is_sometimes_slow_is_not_promoted(start_server: Start) -> None:
    calls = [0]

    def handler(req: Request) -> Response:
        calls[0] += 1
        if calls[0] % 500 == 0:
            time.sleep(0.06)  # over the threshold: the run of fast calls starts again
        return Response(200, threading.current_thread().name)

    s = start_server(handler, threaded="auto", slow_handler_threshold=0.05)
    names = _thread_names(s.port, PROMOTE_AFTER + 100)
    assert all(n.startswith("wirehttp-handler") for n in names)


def test_a_promoted_handler_that_blocks_then_raises_is_demoted_too(
    start_server: Start, caplog: pytest.LogCaptureFixture
) -> None:
    # The usual way a blocking call fails: it waits, then raises (a database timeout).
    block = threading.Event()

    def handler(req: Request) -> Response:
        if block.is_set():
            time.sleep(0.3)
            raise TimeoutError("upstream timed out")
        return Response(200, threading.current_thread().name)

    s = start_server(handler, threaded="auto", slow_handler_threshold=0.05)
    _thread_names(s.port, PROMOTE_AFTER + 1)
    block.set()
    with caplog.at_level(logging.WARNING, logger="wirehttp.server"):
        assert status_of(_get(s.port, "/")) == 500
    assert any("worker threads from now on" in r.getMessage() for r in caplog.records)
    block.clear()
    assert b"wirehttp-handler" in _get(s.port, "/")


def test_threaded_must_be_a_bool_or_auto(start_server: Start) -> None:
    with pytest.raises(ValueError, match="threaded"):
        start_server(where, threaded="yes")


@pytest.mark.parametrize("threaded", [True, "auto"])
def test_handlers_that_block_briefly_get_more_threads(
    start_server: Start, threaded: bool | str
) -> None:
    # 40 calls of 5 ms each, 20 at a time: on one thread they would take 200 ms end to end;
    # the pool must grow although its one thread keeps taking jobs.
    def handler(req: Request) -> Response:
        time.sleep(0.005)
        return Response(200, "ok")

    s = start_server(handler, threaded=threaded)
    _get(s.port, "/")  # the first thread exists
    results: dict[str, float] = {}
    t0 = time.monotonic()
    _timed_gets(s.port, [f"/{i}" for i in range(20)], results)
    _timed_gets(s.port, [f"/b{i}" for i in range(20)], results)
    assert len(results) == 40
    names = {n for n in (t.name for t in threading.enumerate()) if n.startswith("wirehttp-handler")}
    assert len(names) > 1, names
    assert time.monotonic() - t0 < 5


def test_threaded_false_runs_on_the_loop_from_the_start(start_server: Start) -> None:
    s = start_server(where, threaded=False)
    names = _thread_names(s.port, 3)
    assert not any(n.startswith("wirehttp-handler") for n in names)
    assert len(set(names)) == 1  # the loop's thread


@pytest.mark.parametrize("threaded", [True, False, "auto"])
def test_async_handlers_always_run_on_the_loop(start_server: Start, threaded: bool | str) -> None:
    async def handler(req: Request) -> Response:
        return Response(200, threading.current_thread().name)

    s = start_server(handler, threaded=threaded)
    names = _thread_names(s.port, 3)
    assert not any(n.startswith("wirehttp-handler") for n in names)


def test_a_plain_middleware_around_an_async_handler_works(start_server: Start) -> None:
    # The plain wrapper runs on a worker; the coroutine it returns is run on the loop.
    async def inner(req: Request) -> Response:
        return Response(200, "inner " + threading.current_thread().name)

    def middleware(req: Request) -> object:
        return inner(req)

    s = start_server(middleware)
    resp = _get(s.port, "/")
    assert status_of(resp) == 200 and b"inner " in resp
    assert b"wirehttp-handler" not in resp


def test_system_exit_in_a_worker_thread_is_a_500_and_the_server_lives(start_server: Start) -> None:
    def handler(req: Request) -> Response:
        if req.target == "/exit":
            raise SystemExit(3)
        return Response(200, "alive")

    s = start_server(handler)
    assert status_of(_get(s.port, "/exit")) == 500
    assert status_of(_get(s.port, "/")) == 200


def test_pipelined_requests_on_the_threads_are_answered_in_order(start_server: Start) -> None:
    def handler(req: Request) -> Response:
        if req.target == "/1":
            time.sleep(0.2)  # the first takes longest: order must still hold
        return Response(200, req.target)

    s = start_server(handler, threaded=True)
    with connect(s.port) as c:
        c.sendall(b"".join(f"GET /{i} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for i in range(1, 6)))
        bodies = [read_response(c)[1] for _ in range(5)]
    assert bodies == [f"/{i}".encode() for i in range(1, 6)]


def test_graceful_close_waits_for_a_handler_on_a_worker(start_server: Start) -> None:
    started = threading.Event()

    def handler(req: Request) -> Response:
        started.set()
        time.sleep(0.4)
        return Response(200, "finished")

    s = start_server(handler, threaded=True)
    out: list[bytes] = []
    t = threading.Thread(target=lambda: out.append(exchange(s.port, GET_CLOSE)))
    t.start()
    assert started.wait(5)
    s.close(timeout=5)
    t.join(5)
    assert out and status_of(out[0]) == 200 and out[0].endswith(b"finished")
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", s.port), timeout=1).close()
