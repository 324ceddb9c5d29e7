"""Name resolution bounded by ``connect_timeout`` and the total deadline.

A hung resolver cannot be produced without the network, so these tests replace
``socket.getaddrinfo`` for made-up ``.test`` names (RFC 6761 §6.2) with a fake that blocks,
fails, or maps the name to 127.0.0.1, and check what the client does around it: it waits only
as long as its limits allow, shares one lookup between concurrent callers, and never uses the
worker thread for IP literals or ``localhost``."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import wirehttp_client as C

from .conftest import RawServer, read_request

Make = Callable[[Callable[[socket.socket], None]], RawServer]
_REAL = socket.getaddrinfo


class FakeResolver:
    """``getaddrinfo`` for ``*.test``: ``slow.test`` blocks until released, ``fast.test`` is
    127.0.0.1, ``fail.test`` does not exist; other names go to the real resolver. Records the
    thread each lookup ran on."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls: list[tuple[str, str]] = []

    def __call__(self, host: Any, port: Any, *args: Any, **kw: Any) -> Any:
        self.calls.append((str(host), threading.current_thread().name))
        if host == "slow.test":
            self.release.wait(10)
            return _REAL("127.0.0.1", port, *args, **kw)
        if host == "fast.test":
            return _REAL("127.0.0.1", port, *args, **kw)
        if host == "fail.test":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return _REAL(host, port, *args, **kw)


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeResolver]:
    fake = FakeResolver()
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    try:
        yield fake
    finally:
        fake.release.set()  # lets a blocked worker thread finish; wait for it, so that its
        # late answer cannot serve the next test's lookup of the same name
        for t in threading.enumerate():
            if t.name.startswith("wirehttp-resolve"):
                t.join(5)


def _ok(c: socket.socket) -> None:
    while read_request(c):
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")


def test_slow_dns_is_bounded_by_connect_timeout(resolver: FakeResolver) -> None:
    t0 = time.monotonic()
    with pytest.raises(C.TimeoutError) as info:
        C.get("http://slow.test:1/", connect_timeout=0.3, retry=False)
    elapsed = time.monotonic() - t0
    assert 0.25 <= elapsed < 2.0
    assert info.value.phase == "connect" and info.value.timeout == 0.3
    assert "resolving slow.test" in str(info.value)
    assert resolver.calls[0][1].startswith("wirehttp-resolve")


def test_slow_dns_is_bounded_by_total_deadline(resolver: FakeResolver) -> None:
    t0 = time.monotonic()
    with pytest.raises(C.TimeoutError) as info:
        C.get("http://slow.test:1/", timeout=0.3)  # retries cannot extend the deadline
    assert time.monotonic() - t0 < 2.0
    assert info.value.phase == "deadline"


def test_concurrent_callers_share_one_lookup(resolver: FakeResolver) -> None:
    errors: list[BaseException] = []

    def call() -> None:
        try:
            C.get("http://slow.test:1/", connect_timeout=0.3, retry=False)
        except C.TimeoutError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert len(errors) == 5
    assert [h for h, _ in resolver.calls].count("slow.test") == 1


def test_resolved_name_connects(resolver: FakeResolver, raw_server: Make) -> None:
    srv = raw_server(_ok)
    r = C.get(f"http://fast.test:{srv.port}/", connect_timeout=5)
    assert r.body == b"ok"
    assert resolver.calls == [("fast.test", resolver.calls[0][1])]
    assert resolver.calls[0][1].startswith("wirehttp-resolve")
    # A late answer is not cached: the next connection resolves afresh.
    C.get(f"http://fast.test:{srv.port}/", connect_timeout=5, pool=C.Pool(1))
    assert len(resolver.calls) == 2


def test_unknown_name_is_a_connect_error(resolver: FakeResolver) -> None:
    with pytest.raises(C.ConnectError) as info:
        C.get("http://fail.test/", retry=False)
    assert isinstance(info.value.cause, socket.gaierror)


def test_literals_and_localhost_skip_the_worker(resolver: FakeResolver, raw_server: Make) -> None:
    srv = raw_server(_ok)
    me = threading.current_thread().name
    for host in ("127.0.0.1", "localhost"):
        assert C.get(f"http://{host}:{srv.port}/", pool=C.Pool(1)).body == b"ok"
    assert resolver.calls == [("127.0.0.1", me), ("localhost", me)]


def test_no_limit_resolves_inline(resolver: FakeResolver, raw_server: Make) -> None:
    srv = raw_server(_ok)
    assert C.get(f"http://fast.test:{srv.port}/", connect_timeout=0).body == b"ok"
    assert resolver.calls == [("fast.test", threading.current_thread().name)]
