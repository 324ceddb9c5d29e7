"""Retries and redirects, as BRIEF.md decides."""

from __future__ import annotations

import io
import socket
import time
from collections.abc import Callable
from typing import Any

import pytest

import wirehttp_client as C
from wirehttp_parser import Request, Response

from .conftest import Httpbin, RawServer, read_request

Make = Callable[[Callable[[socket.socket], None]], RawServer]


def _statuses(*answers: bytes) -> Callable[[socket.socket], None]:
    queue = list(answers)

    def serve(c: socket.socket) -> None:
        while read_request(c):
            c.sendall(queue.pop(0) if len(queue) > 1 else queue[0])

    return serve


R503 = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"
R200 = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def test_backoff_policy() -> None:
    b = C.ExponentialBackOff(n=4, first_delay=0.1, factor=3.0, jitter=0.0, max_delay=1.0)
    assert list(b) == pytest.approx([0.1, 0.3, 0.9, 1.0])
    j = list(C.ExponentialBackOff(n=50, first_delay=1.0, factor=1.0, jitter=0.1))
    assert all(0.9 <= d <= 1.1 for d in j) and len(set(j)) > 1
    with pytest.raises(ValueError):
        C.ExponentialBackOff(jitter=2.0)


def test_retry_after_parsing() -> None:
    assert C.parse_retry_after("120") == 120.0
    assert C.parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480.0 - 10) == pytest.approx(10.0)
    assert C.parse_retry_after("soon") is None


def test_retries_5xx_then_succeeds(raw_server: Make) -> None:
    srv = raw_server(_statuses(R503, R503, R200))
    r = C.get(srv.url, retry_delays=[0.0, 0.0, 0.0], pool=C.Pool(1))
    assert r.status == 200 and r.request is not None
    assert r.request.context[C.RETRY_ATTEMPT] == 2


def test_retries_are_limited(raw_server: Make) -> None:
    srv = raw_server(_statuses(R503))
    with pytest.raises(C.StatusError) as info:
        C.get(srv.url, retries=2, retry_delays=[0.0] * 5, pool=C.Pool(1))
    assert info.value.status == 503
    assert info.value.request is not None and info.value.request.context[C.RETRY_ATTEMPT] == 2
    with pytest.raises(C.StatusError):
        C.get(srv.url, retry=False, pool=C.Pool(1))


def test_exponential_backoff_object_as_retry_delays(raw_server: Make) -> None:
    policy = C.ExponentialBackOff(n=2, first_delay=0.05, factor=2.0, jitter=0.0)
    srv = raw_server(_statuses(R503, R503, R200))
    t = time.monotonic()
    r = C.get(srv.url, retry_delays=policy, pool=C.Pool(1))
    assert time.monotonic() - t >= 0.05 + 0.1  # its delays were waited, in order
    assert r.status == 200 and r.request is not None and r.request.context[C.RETRY_ATTEMPT] == 2
    # The same frozen policy again (a fresh sequence each time): its n=2 limits the retries
    # below retries=4.
    always = raw_server(_statuses(R503))
    with pytest.raises(C.StatusError) as info:
        C.get(always.url, retry_delays=policy, pool=C.Pool(1))
    assert info.value.request is not None and info.value.request.context[C.RETRY_ATTEMPT] == 2


def test_post_not_retried_unless_asked(raw_server: Make) -> None:
    srv = raw_server(_statuses(R503, R200))
    with pytest.raises(C.StatusError):
        C.post(srv.url, body=b"x", retry_delays=[0.0], pool=C.Pool(1))
    srv2 = raw_server(_statuses(R503, R200))
    assert C.post(srv2.url, body=b"x", retry_non_idempotent=True, retry_delays=[0.0], pool=C.Pool(1)).status == 200


def test_status_exception_false_still_retries_retryable_status(raw_server: Make) -> None:
    srv = raw_server(_statuses(R503, R200))
    assert C.get(srv.url, status_exception=False, retry_delays=[0.0], pool=C.Pool(1)).status == 200


def test_retry_after_honoured_and_capped(raw_server: Make) -> None:
    r429 = b"HTTP/1.1 429 Too Many\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n"
    srv = raw_server(_statuses(r429, R200))
    t = time.monotonic()
    assert C.get(srv.url, retry_delays=[0.0], pool=C.Pool(1)).status == 200
    assert time.monotonic() - t >= 0.9
    srv2 = raw_server(_statuses(r429, R200))
    with pytest.raises(C.StatusError):
        C.get(srv2.url, retry_delays=[0.0], retry_after_max=0.5, pool=C.Pool(1))


def test_retry_check_gets_five_arguments(raw_server: Make) -> None:
    seen: list[tuple[Any, ...]] = []
    r400 = b"HTTP/1.1 400 Bad\r\nContent-Length: 4\r\n\r\nnope"
    srv = raw_server(_statuses(r400, R200))

    def check(s: C.RetryState, exc: Exception | None, req: Request, resp: Response | None, body: bytes | None) -> bool:
        seen.append((s.attempt, type(exc).__name__, req.method, resp.status if resp else None, body))
        return True

    assert C.get(srv.url, retry_check=check, retry_delays=[0.0], pool=C.Pool(1)).status == 200
    assert seen == [(1, "StatusError", "GET", 400, b"nope")]


def test_unrewindable_stream_is_not_retried(raw_server: Make) -> None:
    srv = raw_server(_statuses(R503, R200))

    def gen() -> Any:
        yield b"once"

    # An empty Expect suppresses the automatic "Expect: 100-continue", so the body is sent
    # (and consumed) before the 503 arrives.
    with pytest.raises(C.StatusError):
        C.put(srv.url, [("Expect", "")], gen(), retry_delays=[0.0], pool=C.Pool(1))
    srv2 = raw_server(_statuses(R503, R200))
    assert C.put(srv2.url, body=io.BytesIO(b"again"), retry_delays=[0.0], pool=C.Pool(1)).status == 200


def test_redirects_followed_with_parent_chain(httpbin: Httpbin) -> None:
    r = C.get(httpbin("/redirect/3"))
    assert r.status == 200
    req = r.request
    assert req is not None and req.url.path == "/get"
    hops = 0
    while req is not None and req.parent is not None:
        hops += 1
        assert req.parent.status == 302
        req = req.parent.request
    assert hops == 3


def test_redirect_limit_and_off(httpbin: Httpbin) -> None:
    with pytest.raises(C.StatusError) as info:
        C.get(httpbin("/redirect/4"))
    assert info.value.status == 302
    r = C.get(httpbin("/redirect/1"), redirect=False, status_exception=False)
    assert r.status == 302
    assert C.get(httpbin("/redirect/4"), redirect_limit=4).status == 200


def test_redirect_methods(httpbin: Httpbin) -> None:
    def to(status: int, method: str, **kw: Any) -> Any:
        url = httpbin(f"/redirect-to?url=/anything&status_code={status}")
        return C.request(method, url, [], b"payload", **kw).json()

    assert to(302, "POST")["method"] == "GET"
    assert to(303, "PUT")["method"] == "GET"
    j = to(307, "POST")
    assert j["method"] == "POST" and j["data"] == "payload"
    j = to(308, "PUT")
    assert j["method"] == "PUT" and j["data"] == "payload"
    assert to(302, "PATCH", redirect_method="same")["method"] == "PATCH"
    assert to(302, "POST", redirect_method="PUT")["method"] == "PUT"
    r = C.head(httpbin("/redirect-to?url=/get&status_code=301"))
    assert r.status == 200 and r.request is not None and r.request.method == "HEAD"


def test_redirect_cross_origin_drops_credentials(httpbin: Httpbin) -> None:
    other = f"http://localhost:{httpbin.port}/anything"
    hdrs = [("Authorization", "Bearer x"), ("Cookie", "a=1"), ("Proxy-Authorization", "y"), ("X-Keep", "1")]
    j = C.get(httpbin(f"/redirect-to?url={other}"), hdrs).json()
    assert isinstance(j, dict)
    assert "Authorization" not in j["headers"] and "Cookie" not in j["headers"]
    assert "Proxy-Authorization" not in j["headers"] and j["headers"]["X-Keep"] == "1"
    same = C.get(httpbin("/redirect-to?url=/anything"), hdrs).json()
    assert isinstance(same, dict) and same["headers"]["Authorization"] == "Bearer x"
    bare = C.get(httpbin("/redirect-to?url=/anything"), hdrs, forwardheaders=False).json()
    assert isinstance(bare, dict) and "X-Keep" not in bare["headers"]


def test_redirect_body_not_sent_to_response_stream(httpbin: Httpbin) -> None:
    buf = io.BytesIO()
    C.get(httpbin("/redirect/1"), response_stream=buf)
    assert b'"url"' in buf.getvalue() and buf.getvalue().count(b"{") >= 1


def test_connect_error_retried_even_for_post() -> None:
    """Nothing was sent when connecting failed, so even a POST is retried."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    attempts: list[int] = []

    def check(st: C.RetryState, exc: Exception | None, req: Request, resp: Response | None, body: bytes | None) -> bool:
        attempts.append(st.attempt)
        return False

    with pytest.raises(C.ConnectError) as info:
        C.post(f"http://127.0.0.1:{port}/", body=b"x", retries=2, retry_delays=[0.0, 0.0], retry_check=check)
    assert info.value.request is not None and info.value.request.context[C.RETRY_ATTEMPT] == 2
    assert attempts == []  # the default rule already retried; retry_check was not needed
