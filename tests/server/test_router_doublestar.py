"""A trailing ``**`` route against the path it hangs from: ``/x/**`` matches ``/x/a`` and
``/x/a/b/c`` but not ``/x`` itself (nor ``/x/``, the same path once empty segments are
dropped). That is HTTP.jl's rule: its ``match`` tries the double wildcard only while a request
segment is left, so ``**`` stands for one or more segments, and ``/x`` needs its own route.
The router's table tests are in test_router.py; these pin this edge, directly and over a
socket."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from wirehttp_parser import Request, Response
from wirehttp_server import Router, getparams, getroute, register

from ._net import exchange, status_of
from .conftest import Start


def named(name: str) -> Callable[[Request], Response]:
    return lambda req: Response(200, name)


def _call(router: Router, method: str, target: str) -> Response:
    req = Request(method, target)
    resp = router(req)
    assert isinstance(resp, Response)
    return resp


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("/x", 404),
        ("/x/", 404),
        ("/x?q=1", 404),
        ("/x/a", 200),
        ("/x/a/", 200),
        ("/x/a/b/c", 200),
        ("/xa", 404),
        ("/", 404),
    ],
)
def test_double_star_needs_at_least_one_segment(target: str, status: int) -> None:
    r = Router()
    register(r, "GET", "/x/**", named("rest"))
    resp = _call(r, "GET", target)
    assert resp.status == status
    if status == 200:
        assert resp.body == b"rest"


def test_the_bare_path_takes_its_own_route_beside_double_star() -> None:
    r = Router()
    register(r, "GET", "/x/**", named("rest"))
    register(r, "GET", "/x", named("bare"))
    assert _call(r, "GET", "/x").body == b"bare"
    assert _call(r, "GET", "/x/").body == b"bare"
    assert _call(r, "GET", "/x/a").body == b"rest"


def test_double_star_at_the_root_matches_every_path_but_the_root() -> None:
    r = Router()
    register(r, "GET", "/**", named("any"))
    assert _call(r, "GET", "/a/b").body == b"any"
    assert _call(r, "GET", "/").status == 404


def test_double_star_route_is_recorded_and_captures_nothing() -> None:
    r = Router()
    register(r, "GET", "/files/{bucket}/**", named("file"))
    req = Request("GET", "/files/b1/dir/name.txt")
    resp = r(req)
    assert isinstance(resp, Response) and resp.body == b"file"
    assert getroute(req) == "/files/{bucket}/**"
    assert getparams(req) == {"bucket": "b1"}  # the trailing segments are not a variable


def test_a_more_specific_route_beats_double_star() -> None:
    r = Router()
    register(r, "GET", "/x/**", named("rest"))
    register(r, "GET", "/x/{id}", named("one"))
    register(r, "GET", "/x/a/b", named("exact"))
    assert _call(r, "GET", "/x/a").body == b"one"
    assert _call(r, "GET", "/x/a/b").body == b"exact"
    assert _call(r, "GET", "/x/a/c").body == b"rest"


def test_double_star_wrong_method_is_405_but_bare_path_is_404() -> None:
    r = Router()
    register(r, "GET", "/x/**", named("rest"))
    resp = _call(r, "POST", "/x/a")
    assert resp.status == 405 and resp.headers.get("Allow") == "GET, HEAD"
    assert _call(r, "POST", "/x").status == 404  # no route covers /x at all


def test_double_star_over_a_socket(start_server: Start) -> None:
    r = Router()
    register(r, "GET", "/static/**", named("static"))
    s = start_server(r)

    def get(target: str) -> bytes:
        return exchange(
            s.port, f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
        )

    assert get("/static/css/site.css").endswith(b"\r\n\r\nstatic")
    assert status_of(get("/static")) == 404
    assert status_of(get("/static/")) == 404
