"""The worker pool behind plain handlers, on its own: results come back on the loop in batches,
one failing delivery does not strand the others, blocked workers make the pool grow, and
close() stops the threads."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from wirehttp_parser import Request, Response
from wirehttp_server import serve_background
from wirehttp_server._workers import WorkerPool, call_on_worker

from ._net import connect, read_response


class _Job:
    def __init__(self, name: str, out: list[str], *, fail: bool = False, sleep: float = 0.0):
        self.name = name
        self.out = out
        self.fail = fail
        self.sleep = sleep
        self.thread = ""

    def run(self) -> None:
        self.thread = threading.current_thread().name
        time.sleep(self.sleep)

    def finish(self) -> None:
        if self.fail:
            raise RuntimeError(f"delivering {self.name} failed")
        self.out.append(self.name)


async def _until(pred: Callable[[], bool], timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < end, "timed out"
        await asyncio.sleep(0.01)


def test_a_failing_delivery_does_not_strand_the_rest_of_the_batch(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def main() -> list[str]:
        pool = WorkerPool(asyncio.get_running_loop())
        out: list[str] = []
        # Queued together, so that they come back in one batch.
        for job in (_Job("A", out, fail=True), _Job("B", out), _Job("C", out)):
            pool.submit(job)
        await _until(lambda: len(out) == 2)
        pool.close()
        return out

    assert asyncio.run(main()) == ["B", "C"]
    assert any("delivering" in r.getMessage() for r in caplog.records)


def test_jobs_run_on_worker_threads_and_finish_on_the_loop() -> None:
    async def main() -> tuple[str, str]:
        pool = WorkerPool(asyncio.get_running_loop())
        where: list[str] = []
        call_on_worker(
            pool,
            lambda: threading.current_thread().name,
            lambda result, exc: where.extend([result, threading.current_thread().name]),
        )
        await _until(lambda: len(where) == 2)
        pool.close()
        return where[0], where[1]

    worker, loop_thread = asyncio.run(main())
    assert worker.startswith("wirehttp-handler") and loop_thread == "MainThread"


def test_an_error_in_a_call_is_delivered_not_lost() -> None:
    async def main() -> BaseException | None:
        pool = WorkerPool(asyncio.get_running_loop())
        got: list[BaseException | None] = []

        def boom() -> None:
            raise ValueError("from the thread")

        call_on_worker(pool, boom, lambda result, exc: got.append(exc))
        await _until(lambda: bool(got))
        pool.close()
        return got[0]

    assert isinstance(asyncio.run(main()), ValueError)


def test_blocked_workers_make_the_pool_grow_up_to_its_cap() -> None:
    async def main() -> tuple[int, float]:
        pool = WorkerPool(asyncio.get_running_loop(), max_threads=4, grow_after=0.01)
        out: list[str] = []
        jobs = [_Job(str(i), out, sleep=0.3) for i in range(8)]
        t0 = time.monotonic()
        for job in jobs:
            pool.submit(job)
        await _until(lambda: len(out) == 8)
        elapsed = time.monotonic() - t0
        pool.close()
        return len({j.thread for j in jobs}), elapsed

    threads, elapsed = asyncio.run(main())
    assert threads == 4  # grown to the cap, not past it
    assert elapsed < 1.5  # 8 x 0.3 s on 4 threads, not 2.4 s on one


def test_close_drops_queued_jobs_and_refuses_new_ones() -> None:
    async def main() -> None:
        pool = WorkerPool(asyncio.get_running_loop())
        pool.close()
        with pytest.raises(RuntimeError, match="closed"):
            pool.submit(_Job("late", []))

    asyncio.run(main())


def test_max_threads_must_be_positive() -> None:
    async def main() -> None:
        with pytest.raises(ValueError, match="max_threads"):
            WorkerPool(asyncio.get_running_loop(), max_threads=0)

    asyncio.run(main())


def test_jobs_of_one_loop_iteration_are_queued_together_after_it() -> None:
    # submit() only collects: the jobs reach the queue (and can wake a worker) once the loop
    # has finished the callbacks of its iteration, all of them at once and in order.
    async def main() -> tuple[int, list[str]]:
        pool = WorkerPool(asyncio.get_running_loop())
        out: list[str] = []
        for name in "ABCD":
            pool.submit(_Job(name, out))
        queued_during_the_callback = pool._jobs.qsize()
        await _until(lambda: len(out) == 4)
        pool.close()
        return queued_during_the_callback, out

    queued, out = asyncio.run(main())
    assert queued == 0
    assert out == ["A", "B", "C", "D"]


def test_close_before_the_iteration_ends_drops_the_collected_jobs() -> None:
    async def main() -> list[str]:
        pool = WorkerPool(asyncio.get_running_loop())
        out: list[str] = []
        ran: list[_Job] = [_Job("A", out), _Job("B", out)]
        for job in ran:
            pool.submit(job)
        pool.close()  # the server closing their connections: they must not run after it
        await asyncio.sleep(0.1)
        return [job.thread for job in ran] + out

    assert asyncio.run(main()) == ["", ""]


def test_a_long_loop_iteration_does_not_make_the_pool_grow() -> None:
    # A job waits in the iteration's batch until the iteration ends; a worker cannot take it
    # before. Time spent there (a loop iteration longer than grow_after) is not a sign that
    # the workers are busy: only time on the queue counts.
    async def main() -> int:
        pool = WorkerPool(asyncio.get_running_loop(), grow_after=0.01)
        out: list[str] = []
        pool.submit(_Job("A", out))
        time.sleep(0.05)  # the rest of this iteration takes five grow_after ticks
        await _until(lambda: out == ["A"])
        await asyncio.sleep(0.05)
        started = len(pool._threads)
        pool.close()
        return started

    assert asyncio.run(main()) == 1


def test_submit_on_a_closed_loop_is_refused_and_keeps_nothing() -> None:
    loop = asyncio.new_event_loop()
    pool = WorkerPool(loop)
    loop.close()
    with pytest.raises(RuntimeError, match="closed"):
        pool.submit(_Job("A", []))
    assert pool._batch == [] and pool._submitted == 0


def test_worker_threads_run_at_a_lower_priority_than_the_loop() -> None:
    # Linux: worker_nice (default 5) is added to the worker threads' nice value, so that a
    # woken worker does not preempt the event loop on the core they share; 0 leaves it.
    def nice(req: Request) -> Response:
        return Response(200, str(os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))

    base = os.getpriority(os.PRIO_PROCESS, 0)
    cases: list[tuple[dict[str, Any], int]] = [({}, 5), ({"worker_nice": 0}, 0),
                                               ({"worker_nice": 19}, 19)]
    for kw, bump in cases:
        with serve_background(nice, "127.0.0.1", 0, **kw) as s, connect(s.port) as c:
            c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            got = int(read_response(c)[1])
        assert got == (min(19, base + bump) if sys.platform == "linux" else base), kw


@pytest.mark.parametrize("bad", [-1, 20, 2.5, True, "5"])
def test_worker_nice_out_of_range_is_refused(bad: object) -> None:
    def ok(req: Request) -> Response:
        return Response(200)

    with pytest.raises(ValueError, match="worker_nice"):
        serve_background(ok, "127.0.0.1", 0, worker_nice=bad)  # type: ignore[call-overload]
