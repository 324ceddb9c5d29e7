"""The typed ``request.context`` keys the client stores (HTTP.jl's ``req.context[:...]``)."""

from __future__ import annotations

from wirehttp_parser import ContextKey

from ._bodies import OutgoingBody

__all__ = ["RETRY_ATTEMPT", "LAYER_TIMINGS", "DEADLINE"]

RETRY_ATTEMPT = ContextKey[int]("retryattempt")
"""How many retries the request has had (HTTP.jl's ``:retryattempt``)."""

LAYER_TIMINGS = ContextKey[dict[str, float]]("layer_timings")
"""With ``observelayers=True``: ``"<layer>_duration_ms"`` (cumulative over retries and
redirects) and ``"<layer>_count"`` for every layer."""

DEADLINE = ContextKey[tuple[float, float]]("deadline")
"""The total ``timeout``: (absolute ``time.monotonic()`` deadline, the timeout in seconds)."""

# Private to the client's layers.
BODY = ContextKey[OutgoingBody]("body")
FOLLOW = ContextKey[bool]("follow_redirect")
JAR_COOKIE = ContextKey[str]("jar_cookie")
# Part of the response reached the caller (a response_stream, or the stream open() handed
# over): the exchange can no longer be retried behind the caller's back.
SINK_WRITTEN = ContextKey[bool]("sink_written")
