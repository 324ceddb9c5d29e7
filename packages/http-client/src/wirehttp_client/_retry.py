"""Retry policy (HTTP.jl's ``retrylayer`` with ``Base.ExponentialBackOff``), as values.

A request is retried when it failed in a way worth retrying — a connection or I/O error, a
``readtimeout``, or a retryable status (403, 408, 409, 429, 5xx) — and it can be retried: retries
are on, the limit is not reached, the body can be sent again, and the method is idempotent (RFC
9110 §9.2.2) or nothing of the request was sent or ``retry_non_idempotent`` is set. Independently,
``retry_check(state, exc, req, resp, resp_body)`` may ask for a retry (HTTP.jl's rule), as long
as the body can be replayed and the limit is not reached. The total ``timeout`` is never
retried, and a delay that would pass it ends the retries.

Delays grow exponentially with jitter (so clients that failed together do not retry together)
and a ``Retry-After`` answer (RFC 9110 §10.2.3) on 429/503 replaces the delay, up to a cap.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from wirehttp_parser import ClientHandler, Request, Response, isidempotent, retryable

from ._context_keys import BODY, DEADLINE, RETRY_ATTEMPT, SINK_WRITTEN
from ._errors import ClientError, ConnectError, RequestError, StatusError, TimeoutError

__all__ = ["ExponentialBackOff", "RetryState", "parse_retry_after", "retrylayer"]

log = logging.getLogger("wirehttp.client")


@dataclass(frozen=True, slots=True)
class ExponentialBackOff:
    """``n`` delays: ``first_delay``, then each ``factor`` times the last, capped at
    ``max_delay``, each scaled by a random factor in ``[1 - jitter, 1 + jitter]`` (Julia's
    ``ExponentialBackOff``; HTTP.jl uses ``factor=3``). Frozen, so one policy can be shared by
    every thread; iterating gives a fresh sequence each time."""

    n: int = 4
    first_delay: float = 0.05
    max_delay: float = 10.0
    factor: float = 3.0
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if self.n < 0 or self.first_delay < 0 or self.max_delay < 0 or self.factor < 1:
            raise ValueError(f"invalid backoff {self!r}")
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"jitter must be within [0, 1], got {self.jitter}")

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[float]:
        delay = self.first_delay
        for _ in range(self.n):
            scale = 1.0 + random.uniform(-self.jitter, self.jitter) if self.jitter else 1.0
            yield min(self.max_delay, delay) * scale
            delay = min(self.max_delay, delay * self.factor)


@dataclass(frozen=True, slots=True)
class RetryState:
    """What ``retry_check`` gets as its first argument: ``attempt`` (1 for the first retry),
    ``delay`` (the seconds the retry would wait) and ``retries`` (the limit)."""

    attempt: int
    delay: float
    retries: int


def parse_retry_after(value: str, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delay-seconds or an HTTP-date (RFC 9110
    §10.2.3); ``None`` when it is neither."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def _recoverable(exc: ClientError) -> bool:
    if isinstance(exc, TimeoutError):
        return exc.phase in ("read", "connect")  # never the total deadline
    if isinstance(exc, StatusError):
        return retryable(exc.status)
    return isinstance(exc, (ConnectError, RequestError))


def _nothing_sent(exc: ClientError | None) -> bool:
    if isinstance(exc, ConnectError):
        return True
    return isinstance(exc, RequestError) and not exc.sent


def retrylayer(handler: ClientHandler) -> ClientHandler:
    """Retries (keywords ``retry=True``, ``retries=4``, ``retry_non_idempotent=False``,
    ``retry_delays=ExponentialBackOff(n=retries)``, ``retry_check=None``,
    ``retry_after_max=60.0``, ``logerrors=False``, ``logtag=None``); see ``_retry.py``."""

    def retries_(req: Request, /, **kw: Any) -> Response:
        enabled = bool(kw.pop("retry", True))
        limit = int(kw.pop("retries", 4))
        non_idempotent = bool(kw.pop("retry_non_idempotent", False))
        policy = kw.pop("retry_delays", None)
        check: Callable[..., bool] | None = kw.pop("retry_check", None)
        after_max = float(kw.pop("retry_after_max", 60.0))
        logerrors = bool(kw.pop("logerrors", False))
        logtag = kw.pop("logtag", None)
        delays: Iterator[float] | None = None  # built on the first retry: most requests need none
        attempt = 0
        while True:
            exc: ClientError | None = None
            resp: Response | None = None
            try:
                resp = handler(req, **kw)
            except ClientError as e:
                exc = e
                if logerrors:
                    log.error("%s%s %s failed: %s", f"[{logtag}] " if logtag else "",
                              req.method, req.url, e)
                resp = getattr(e, "response", None)
            if exc is None:
                assert resp is not None
                if not retryable(resp.status) or kw.get("status_exception", True) is not False:
                    return resp
            if not enabled or attempt >= limit:
                return _finish(exc, resp)
            if delays is None:
                delays = iter(policy if policy is not None else ExponentialBackOff(n=limit))
            delay = next(delays, None)
            if delay is None:
                return _finish(exc, resp)
            if resp is not None and resp.status in (429, 503):
                after = parse_retry_after(resp.headers.get("Retry-After", ""))
                if after is not None:
                    if after > after_max:
                        return _finish(exc, resp)
                    delay = after
            body = req.context.get(BODY)
            replayable = (body is None or body.replayable) and not req.context.get(SINK_WRITTEN)
            wanted = (
                replayable
                and (exc is None or _recoverable(exc))
                and (isidempotent(req) or non_idempotent or _nothing_sent(exc))
            )
            if not wanted and check is not None and replayable:
                state = RetryState(attempt=attempt + 1, delay=delay, retries=limit)
                resp_body = resp.body if resp is not None and isinstance(resp.body, bytes) else None
                wanted = bool(check(state, exc, req, resp, resp_body))
            if not wanted:
                return _finish(exc, resp)
            deadline = req.context.get(DEADLINE)
            if deadline is not None and time.monotonic() + delay >= deadline[0]:
                return _finish(exc, resp)
            if body is not None and not body.rewind():
                return _finish(exc, resp)
            attempt += 1
            req.context[RETRY_ATTEMPT] = attempt
            req.response = None
            if kw.get("verbose", 0):
                log.info("retry %d of %s %s in %.3f s", attempt, req.method, req.url, delay)
            time.sleep(delay)

    return retries_


def _finish(exc: ClientError | None, resp: Response | None) -> Response:
    if exc is not None:
        raise exc
    assert resp is not None
    return resp
