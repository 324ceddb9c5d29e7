"""The connection pool: keep-alive reuse, the cap on connections in use, waiting, idle
eviction, thread safety."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import pytest

import wirehttp_client as C

from .conftest import Httpbin, RawServer, read_request

Make = Callable[[Callable[[socket.socket], None]], RawServer]


def _keepalive(delay: float = 0.0) -> Callable[[socket.socket], None]:
    def serve(c: socket.socket) -> None:
        while read_request(c):
            if delay:
                time.sleep(delay)
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    return serve


def test_keepalive_reuse(raw_server: Make) -> None:
    srv = raw_server(_keepalive())
    pool = C.Pool(4)
    for _ in range(20):
        assert C.get(srv.url, pool=pool).body == b"ok"
    assert srv.connections == 1
    assert pool.idle_count() == 1 and pool.in_use == 0


def test_keepalive_reuse_with_httpbin(httpbin: Httpbin) -> None:
    pool = C.Pool(2)
    for _ in range(5):
        C.get(httpbin("/get"), pool=pool)
    assert pool.idle_count() == 1


def test_connection_close_is_not_reused(raw_server: Make) -> None:
    def serve(c: socket.socket) -> None:
        read_request(c)
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    srv = raw_server(serve)
    pool = C.Pool(2)
    for _ in range(3):
        C.get(srv.url, pool=pool)
    assert srv.connections == 3 and pool.idle_count() == 0


def test_pool_max_caps_concurrency_and_waiters_proceed(raw_server: Make) -> None:
    srv = raw_server(_keepalive(delay=0.1))
    pool = C.Pool(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            assert C.get(srv.url, pool=pool).body == b"ok"
        except BaseException as e:  # collected for the assertion below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not errors
    assert srv.connections == 2  # never more than max at once, then reused
    assert pool.in_use == 0


def test_pool_wait_respects_deadline(raw_server: Make) -> None:
    srv = raw_server(_keepalive(delay=1.0))
    pool = C.Pool(1)
    t = threading.Thread(target=lambda: C.get(srv.url, pool=pool))
    t.start()
    time.sleep(0.1)
    with pytest.raises(C.TimeoutError) as info:
        C.get(srv.url, pool=pool, timeout=0.2)
    assert info.value.phase == "pool"
    t.join(5)


def test_idle_eviction(raw_server: Make) -> None:
    srv = raw_server(_keepalive())
    pool = C.Pool(2, idle_timeout=0.1)
    C.get(srv.url, pool=pool)
    time.sleep(0.2)
    C.get(srv.url, pool=pool)
    assert srv.connections == 2


def test_many_threads_share_the_default_pool(httpbin: Httpbin) -> None:
    results: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            r = C.get(httpbin("/get"))
            with lock:
                results.append(r.status)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == [200] * 100
    assert C.default_pool().in_use == 0


def test_pool_rejects_bad_max() -> None:
    with pytest.raises(ValueError):
        C.Pool(0)


def test_a_pool_used_for_many_origins_does_not_keep_an_entry_per_origin() -> None:
    # Bookkeeping only: stand-in connections that are never sent on (the pool asks them
    # nothing but their key, whether they are stale, and to close).
    from typing import cast

    from wirehttp_client._connection import Connection, PoolKey
    from wirehttp_client._pool import PRUNE_AT

    class Stub:
        def __init__(self, key: PoolKey) -> None:
            self.key = key
            self.idle_since = 0.0
            self.reused = False

        def is_stale(self) -> bool:
            return False

        def close(self) -> None:
            pass

    def key_of(port: int) -> PoolKey:
        return ("http", "127.0.0.1", port, True, None, "")

    def maker(key: PoolKey) -> Callable[[], Connection]:
        return lambda: cast(Connection, Stub(key))

    pool = C.Pool(4)
    for port in range(PRUNE_AT * 3):
        conn = pool.acquire(key_of(port), maker(key_of(port)))
        pool.release(conn, True)
        # Taken again: its origin's queue is left empty.
        assert pool.acquire(key_of(port), maker(key_of(port))) is conn
        pool.release(conn, False)
    assert len(pool._idle) <= PRUNE_AT
    # An origin with an idle connection keeps it through the prunes.
    kept = pool.acquire(key_of(1), maker(key_of(1)))
    pool.release(kept, True)
    for port in range(PRUNE_AT * 3, PRUNE_AT * 4):
        c = pool.acquire(key_of(port), maker(key_of(port)))
        pool.release(c, True)
        assert pool.acquire(key_of(port), maker(key_of(port))) is c
        pool.release(c, False)
    assert pool.acquire(key_of(1), maker(key_of(1))) is kept
