"""The threads that run plain (blocking) request handlers, so that a slow one never stalls the
event loop and with it every other connection.

Why not ``loop.run_in_executor``: per call it makes a ``concurrent.futures.Future``, an asyncio
future chained to it, and wakes the loop with ``call_soon_threadsafe`` (a write to the loop's
self-pipe) once per call; measured on the hello-world benchmark that is ~35 µs a request on top
of the handler. Here a job is one object on a ``SimpleQueue`` (C, lock-free for the common case),
and results come back on a deque with *one* wake-up per batch: under load the loop reads many
requests in one iteration, the workers answer them all, and the loop is woken once.

The jobs go the other way in batches too: ``submit`` only collects them, and one ``call_soon``
puts them on the queue once the loop has run every I/O callback of its iteration. Putting each
job at once woke a waiting worker per request, which (with the GIL held by the loop, and on
one core) cost two or three context switches a request — measured with ``perf stat`` on the
hello-world benchmark: 3.1 switches and ~6 µs of CPU per request, 54k req/s; collected and put
once per iteration: 0.23 switches per request, 84k req/s, within 5% of running the handler on
the loop itself.

How many threads: one to start with (with the GIL, more threads than busy handlers only adds
switching). A job still queued ``grow_after`` seconds after it was put on the queue means the
workers are all busy — stuck in slow handlers, or just more blocking work than they can take —
so more are started (doubling, up to ``max_threads``); the check is a timer armed only while
jobs are queued, so the fast path pays next to nothing for it. Workers idle for ``IDLE_EXIT``
seconds exit (should the last one go while a job arrives, the timer starts another).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from collections import deque
from collections.abc import Callable
from queue import Empty, SimpleQueue
from typing import Any, Final, Protocol

__all__: list[str] = []

log = logging.getLogger("wirehttp.server")

# A worker with nothing to do for this long exits, unless it is the last one.
IDLE_EXIT: Final = 30.0


class Job(Protocol):
    """What a worker runs: the connection side of one handler call."""

    def run(self) -> None:
        """Call the handler (on a worker thread); keep what it returned or raised."""

    def finish(self) -> None:
        """Deliver the outcome (on the loop)."""


class WorkerPool:
    """Runs :class:`Job` s on threads; delivers their outcomes on ``loop``."""

    __slots__ = (
        "loop",
        "max_threads",
        "nice",
        "grow_after",
        "name",
        "_jobs",
        "_done",
        "_wake_pending",
        "_threads",
        "_submitted",
        "_queued",
        "_taken",
        "_mark",
        "_timer",
        "_closed",
        "_batch",
    )

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        max_threads: int = 64,
        nice: int = 0,
        grow_after: float = 0.01,
        name: str = "wirehttp-handler",
    ) -> None:
        if max_threads < 1:
            raise ValueError(f"max_threads must be at least 1, got {max_threads}")
        if type(nice) is not int or not 0 <= nice <= 19:
            raise ValueError(f"worker_nice must be an int from 0 to 19, got {nice!r}")
        self.loop = loop
        self.max_threads = max_threads
        self.nice = nice
        self.grow_after = grow_after
        self.name = name
        self._jobs: SimpleQueue[Job | None] = SimpleQueue()
        self._done: deque[Job] = deque()
        self._wake_pending = False
        self._threads: set[threading.Thread] = set()
        # Counters, not a queue size: _submitted is written by the loop, _taken by the workers
        # (``+=`` under the GIL; on a free-threaded build a lost increment would only make the
        # pool grow sooner). _queued counts the jobs put on the queue (a job waits in _batch
        # until the end of its loop iteration first). _mark is _queued at the last look of the
        # timer: a job numbered below it has been on the queue for at least grow_after once
        # _taken is still below it — time spent in _batch, where no worker could take it (a
        # long loop iteration), does not count.
        self._submitted = 0
        self._queued = 0
        self._taken = 0
        self._mark = 0
        self._timer: asyncio.TimerHandle | None = None
        self._closed = False
        self._batch: list[Job] = []  # submitted in this loop iteration, not yet queued

    def submit(self, job: Job) -> None:
        """Queue ``job`` (called on the loop)."""
        if self._closed:
            raise RuntimeError("the worker pool is closed")
        batch = self._batch
        if not batch:
            # Scheduled before the job is kept: should call_soon fail (a closed loop), the job
            # is refused with the error, not left in a batch no flush will come for.
            self.loop.call_soon(self._flush)
        batch.append(job)
        self._submitted += 1
        if not self._threads:
            self._start_thread()
        if self._timer is None:
            self._mark = self._queued
            self._timer = self.loop.call_later(self.grow_after, self._check)

    def _flush(self) -> None:
        """Queue this iteration's jobs (on the loop, after its I/O callbacks): only the first
        put can wake a waiting worker, so a batch costs one wake-up, not one per request."""
        batch = self._batch
        self._batch = []
        if self._closed:
            return  # dropped, as close() drops queued jobs
        put = self._jobs.put
        for job in batch:
            put(job)
        self._queued += len(batch)

    def _check(self) -> None:
        """Timer: while jobs wait, grow the pool if one queued a tick ago is still untaken."""
        self._timer = None
        if self._closed or self._taken >= self._submitted:
            return  # nothing waits: disarmed until the next submit
        if self._taken < self._mark:
            # Double (1, 2, 4, ...): fifty connections all waiting on slow handlers get their
            # threads within a few ticks, while a momentary hiccup adds only a few.
            alive = len(self._threads)
            waiting = self._submitted - self._taken
            for _ in range(min(max(alive, 1), waiting, self.max_threads - alive)):
                self._start_thread()
        self._mark = self._queued
        self._timer = self.loop.call_later(self.grow_after, self._check)

    def _start_thread(self) -> None:
        t = threading.Thread(
            target=self._work, name=f"{self.name}-{len(self._threads) + 1}", daemon=True
        )
        self._threads.add(t)
        t.start()

    def _work(self) -> None:
        me = threading.current_thread()
        if self.nice and sys.platform == "linux":
            # Linux schedules threads on their own: this one's nice value only. A woken worker
            # then does not preempt the loop's thread on the core they share — it waits for
            # the loop to block — so the GIL is not passed back and forth at every uvloop
            # callback. With `Connection: close` (a batch of ~3 requests per wake-up) that was
            # 2.4 context switches a request, 20k req/s; at nice 5, 1.0 and 29.5k (hello
            # unchanged). Lowering our own priority needs no privilege; should it be refused
            # anyway (a sandbox), the thread runs as it is.
            tid = threading.get_native_id()
            try:
                base = os.getpriority(os.PRIO_PROCESS, tid)
                os.setpriority(os.PRIO_PROCESS, tid, min(19, base + self.nice))
            except OSError:
                pass
        jobs = self._jobs
        done = self._done
        try:
            while True:
                try:
                    job = jobs.get(timeout=IDLE_EXIT)
                except Empty:
                    if len(self._threads) > 1:
                        return
                    continue
                if job is None:  # close()
                    return
                self._taken += 1
                job.run()
                done.append(job)
                # One wake-up per batch: _deliver clears the flag *before* it drains, so a job
                # appended after the drain began either is seen by it or sets up the next one.
                if not self._wake_pending:
                    self._wake_pending = True
                    try:
                        self.loop.call_soon_threadsafe(self._deliver)
                    except RuntimeError:  # the loop closed under us (forced shutdown)
                        return
        finally:
            self._threads.discard(me)

    def _deliver(self) -> None:
        self._wake_pending = False
        done = self._done
        while done:
            job = done.popleft()
            try:
                job.finish()
            except Exception:  # one bad outcome must not strand the rest of the batch
                log.exception("delivering a handler's result failed")
            except BaseException:  # KeyboardInterrupt, SystemExit: let it out, the rest later
                if done:
                    self.loop.call_soon(self._deliver)
                raise

    def close(self) -> None:
        """Stop the workers once they finish what they are running (queued jobs are dropped:
        the server closes their connections)."""
        self._closed = True
        self._batch = []
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while True:
            try:
                self._jobs.get_nowait()
            except Empty:
                break
        for _ in range(len(self._threads)):
            self._jobs.put(None)


def call_on_worker(
    pool: WorkerPool, fn: Callable[[], Any], then: Callable[[Any, BaseException | None], None]
) -> None:
    """Run ``fn()`` on ``pool``; ``then(result, error)`` on the loop (a convenience for calls
    that are not on the per-request hot path)."""
    pool.submit(_Call(fn, then))


class _Call:
    __slots__ = ("fn", "then", "result", "error")

    def __init__(
        self, fn: Callable[[], Any], then: Callable[[Any, BaseException | None], None]
    ) -> None:
        self.fn = fn
        self.then = then
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.fn()
        except BaseException as exc:  # delivered to the loop, never lost on the thread
            self.error = exc

    def finish(self) -> None:
        self.then(self.result, self.error)
