"""The connection pool: keep-alive reuse, a cap on connections in use, idle eviction and stale
detection, safe under many threads.

As in HTTP.jl 1.x, ``Pool(max)`` caps the connections *in use* across all hosts; a caller over
the cap waits (within its deadline) for one to be released. Idle connections are kept per key
(scheme, host, port, TLS settings, proxy) and reused last-in first-out, so a burst's extra
connections age out while the warm ones keep serving. Before reuse a connection is checked: one
idle longer than ``idle_timeout`` is closed (HTTP.jl #1331: a connection reused after minutes of
idle hung for a quarter of an hour), and so is one the server has closed meanwhile
(:meth:`Connection.is_stale`). The remaining race — the server closes just as we send — is
handled by the connection layer, which replays an idempotent request once on a fresh
connection (for ``open()``, by the stream itself: ``ClientStream._may_replay``). Because that
replay exists, a replayable request skips the check on a connection idle for under a second
(``TRUST_IDLE``): the check's system call is a sixth of a small keep-alive GET.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from ._connection import Connection, PoolKey
from ._errors import TimeoutError

__all__ = ["Pool", "default_pool"]

# HTTP.jl's default cap, max(16, 4 * nthreads), chosen after AWS/Azure benchmarking.
DEFAULT_MAX = 16
# Go's and HTTP.jl 2.x's idle eviction (90 s) is longer than many servers' keep-alive timeout
# (nginx 75 s, gunicorn 2 s, Node 5 s); stale detection covers the gap.
DEFAULT_IDLE_TIMEOUT = 90.0
# A connection idle for less than this is reused by a replayable request without the staleness
# check (a select() system call, 2-6 µs, a sixth of a small GET's cost here): servers close
# idle connections after seconds (gunicorn 2 s, Node and uvicorn 5 s, nginx 75 s), and in the
# rare case one is closed sooner the request goes again on a fresh connection, as it would if
# the server closed it just after a check. Requests that cannot be replayed are always checked.
TRUST_IDLE = 1.0
# Past this many pool keys (origins, TLS settings, proxies), keys with no idle connection left
# are dropped before a new one is added: a crawler's pool does not grow with every host.
PRUNE_AT = 256


class Pool:
    """A thread-safe pool allowing at most ``max`` connections in use at a time.

    ``idle_timeout`` (seconds) closes connections idle for longer; ``max_idle_per_host``
    bounds the idle connections kept per key."""

    def __init__(
        self,
        max: int = DEFAULT_MAX,  # noqa: A002  (HTTP.jl's Pool(max))
        *,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        max_idle_per_host: int | None = None,
    ) -> None:
        if max < 1:
            raise ValueError(f"Pool max must be >= 1, got {max}")
        self.max = max
        self.idle_timeout = idle_timeout
        self.max_idle_per_host = max_idle_per_host if max_idle_per_host is not None else max
        self._idle: dict[PoolKey, deque[Connection]] = {}
        self._in_use = 0
        self._waiting = 0  # callers blocked in acquire(): release() notifies only then
        # ``with self._lock`` is the C lock's own context manager; ``with self._cond`` would
        # add two Python-level calls per use. Both hold the same lock.
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)

    def __repr__(self) -> str:
        idle = sum(len(d) for d in self._idle.values())
        return f"Pool(max={self.max}, in_use={self._in_use}, idle={idle})"

    @property
    def in_use(self) -> int:
        return self._in_use

    def idle_count(self, key: PoolKey | None = None) -> int:
        """Idle connections kept (for ``key``, or in all)."""
        with self._lock:
            if key is not None:
                return len(self._idle.get(key, ()))
            return sum(len(d) for d in self._idle.values())

    def acquire(
        self,
        key: PoolKey,
        connect: Callable[[], Connection],
        *,
        deadline: float | None = None,
        timeout: float | None = None,
        fresh: bool = False,
        replayable: bool = False,
    ) -> Connection:
        """A connection for ``key``: an idle one if a healthy one exists (unless ``fresh``), else a
        new one from ``connect()`` once fewer than ``max`` are in use. Waits for a release when
        the pool is full; :class:`TimeoutError` (phase ``pool``) if ``deadline`` passes first.

        ``replayable``: the caller replays the request on a fresh connection if this one turns
        out closed (an idempotent request with nothing to rewind), so a connection idle for
        less than ``TRUST_IDLE`` seconds is taken without the staleness check's system call."""
        stale: list[Connection] = []
        conn: Connection | None = None
        with self._lock:
            while True:
                if not fresh:
                    conn = self._take_idle(key, stale, replayable)
                    if conn is not None:
                        self._in_use += 1
                        break
                if self._in_use < self.max:
                    self._in_use += 1
                    break
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    for c in stale:
                        c.close()
                    raise TimeoutError(
                        f"no free connection in {self!r}", phase="pool", timeout=timeout or 0.0
                    )
                self._waiting += 1
                try:
                    self._cond.wait(left)
                finally:
                    self._waiting -= 1
        for c in stale:
            c.close()
        if conn is not None:
            return conn
        try:
            return connect()
        except BaseException:
            with self._lock:
                self._in_use -= 1
                if self._waiting:
                    self._cond.notify()
            raise

    def _take_idle(
        self, key: PoolKey, stale: list[Connection], replayable: bool = False
    ) -> Connection | None:
        idle = self._idle.get(key)
        if not idle:
            return None
        now = time.monotonic()
        while idle:
            conn = idle.pop()
            idle_for = now - conn.idle_since
            if idle_for > self.idle_timeout or (
                (not replayable or idle_for > TRUST_IDLE) and conn.is_stale()
            ):
                stale.append(conn)
                continue
            conn.reused = True
            return conn
        return None

    def release(self, conn: Connection, reuse: bool) -> None:
        """Give ``conn`` back: kept idle for reuse if ``reuse``, else closed."""
        drop: Connection | None = None
        with self._lock:
            self._in_use -= 1
            if reuse:
                conn.idle_since = time.monotonic()
                idle = self._idle.get(conn.key)
                if idle is None:
                    if len(self._idle) >= PRUNE_AT:
                        self._prune()
                    idle = self._idle[conn.key] = deque()
                idle.append(conn)
                if len(idle) > self.max_idle_per_host:
                    drop = idle.popleft()
            else:
                drop = conn
            if self._waiting:
                self._cond.notify()
        if drop is not None:
            drop.close()

    def _prune(self) -> None:
        """Drop the entries of keys with no idle connection (with the lock held). Their empty
        queues are kept otherwise, so that keep-alive reuse of one host makes no new queue per
        request; a client that talks to many hosts prunes them here."""
        for key in [k for k, d in self._idle.items() if not d]:
            del self._idle[key]

    def forget(self, conn: Connection) -> None:
        """``conn`` leaves the pool for good, open (``openraw``, an upgrade): it no longer counts
        as in use and will never be reused."""
        with self._lock:
            self._in_use -= 1
            if self._waiting:
                self._cond.notify()

    def close(self) -> None:
        """Close every idle connection (connections in use are closed when released)."""
        with self._lock:
            conns = [c for d in self._idle.values() for c in d]
            self._idle.clear()
        for c in conns:
            c.close()

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_DEFAULT_POOL = Pool()


def default_pool() -> Pool:
    """The global pool used when a request names none."""
    return _DEFAULT_POOL
