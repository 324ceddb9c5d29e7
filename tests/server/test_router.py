"""Router and register: HTTP.jl's test/handlers.jl as a table, 405 with Allow, automatic HEAD,
whole-segment regexes, middleware, and the router served over real sockets."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from wirehttp_parser import Request, Response
from wirehttp_server import (
    PARAMS,
    ROUTE,
    Router,
    Stream,
    getparam,
    getparams,
    getroute,
    register,
)

from ._net import exchange, status_of
from .conftest import Start


def returns(n: int) -> Callable[[Request], Response]:
    return lambda req: Response(200, str(n))


def build() -> tuple[Router, list[str]]:
    ran: list[str] = []

    def middleware(h: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def wrapped(req: Request) -> Response:
            ran.append(req.target)
            return h(req)

        return wrapped

    r = Router(lambda req: Response(404, "0"), lambda req: Response(405, "-1"), middleware)
    register(r, "GET", "/test", returns(1))
    register(r, "GET", "/path/to/greatness", returns(2))
    register(r, "GET", "/next/path/to/greatness", returns(3))
    register(r, "GET", "/sget", returns(4))
    register(r, "POST", "/spost", returns(5))
    register(r, "POST", "/tpost", returns(6))
    register(r, "GET", "/tpost", returns(7))
    register(r, "GET", "/test/*", returns(8))
    register(r, "GET", "/test/sarv/ghotra", returns(9))
    register(r, "GET", "/test/*/ghotra/seven", returns(10))
    register(r, "GET", "/api/issue/{issue_id}", returns(11))
    register(r, "GET", "/api/widgets/{id}", returns(12))
    register(r, "GET", "/api/widgets/{name}", returns(13))  # same shape: replaces {id}
    register(r, "GET", "/api/alpha/{id:[a-z]+}", returns(14))
    register(r, "GET", "/test/**", returns(15))
    register(r, "GET", "/sub/{name:[a-z]+}/subwidgetsbyname", returns(16))
    register(r, "GET", "/sub/{id:[0-9]+}/subwidgetsbyid", returns(17))
    register(r, "GET", "/sub/{id}", returns(18))
    register(r, "GET", "/sub/{subId}/subwidget", returns(19))
    register(r, "GET", "/sub/{subName}/subwidgetname", returns(20))
    register(r, "/any", returns(21))
    return r, ran


TABLE = [
    ("GET", "/test", "1"),
    ("GET", "/path/to/greatness", "2"),
    ("GET", "/next/path/to/greatness", "3"),
    ("GET", "/sget", "4"),
    ("POST", "/sget", "-1"),
    ("POST", "/spost", "5"),
    ("POST", "/tpost", "6"),
    ("GET", "/tpost", "7"),
    ("GET", "/test/sarv", "8"),
    ("GET", "/test/foo", "8"),
    ("GET", "/test/sarv/ghotra", "9"),
    ("GET", "/test/foo/ghotra/seven", "10"),
    ("GET", "/api/issue/871", "11"),
    ("GET", "/api/widgets/11", "13"),
    ("GET", "/api/alpha/11", "0"),
    ("GET", "/api/alpha/abc", "14"),
    ("GET", "/api/alpha/abc123", "0"),  # whole-segment regex (HTTP.jl 2.x; BRIEF)
    ("GET", "/test/foo/foobar", "15"),
    ("GET", "/test/foo/foobar/baz/sailor", "15"),
    ("GET", "/sub/abc/subwidgetsbyname", "16"),
    ("GET", "/sub/123/subwidgetsbyid", "17"),
    ("GET", "/sub/123", "18"),
    ("GET", "/sub/x1/subwidget", "19"),
    ("GET", "/sub/x1/subwidgetname", "20"),
    ("DELETE", "/any", "21"),
    ("GET", "/nope", "0"),
    ("GET", "/test/?x=1", "1"),  # the query is ignored, trailing slashes too
    ("GET", "//test//", "1"),
]


@pytest.mark.parametrize(("method", "target", "expected"), TABLE)
def test_routing_table(method: str, target: str, expected: str) -> None:
    r, _ = build()
    resp = r(Request(method, target))
    assert isinstance(resp, Response) and resp.body == expected.encode()


def test_params_and_route_in_context() -> None:
    r, _ = build()
    req = Request("GET", "/api/issue/871")
    r(req)
    assert getparams(req) == {"issue_id": "871"} and req.context[PARAMS] == {"issue_id": "871"}
    assert getroute(req) == "/api/issue/{issue_id}" == req.context[ROUTE]
    req2 = Request("GET", "/api/widgets/11")
    r(req2)
    assert getparam(req2, "name") == "11" and getparam(req2, "id") is None
    assert getparam(req2, "id", "dflt") == "dflt"
    req3 = Request("GET", "/test")
    r(req3)
    assert getparams(req3) is None and getroute(req3) == "/test"


def test_middleware_runs_only_for_matched_routes() -> None:
    r, ran = build()
    r(Request("GET", "/test"))
    r(Request("POST", "/sget"))  # 405
    r(Request("GET", "/api/alpha/11"))  # 404
    assert ran == ["/test"]


def test_405_lists_every_method_of_the_path() -> None:
    r = Router()
    register(r, "GET", "/item/{id}", returns(1))
    register(r, "PUT", "/item/{id}", returns(2))
    register(r, "DELETE", "/item/*", returns(3))
    resp = r(Request("POST", "/item/7"))
    assert isinstance(resp, Response) and resp.status == 405
    assert resp.headers["Allow"] == "GET, HEAD, PUT, DELETE"


def test_the_405_handler_is_one_per_allowed_set_not_one_per_request() -> None:
    # The server keeps per-handler state keyed on the handler: a fresh 405 closure per request
    # would grow it with every wrong-method request.
    r = Router()
    register(r, "GET", "/a", returns(1))
    register(r, "GET", "/b", returns(2))
    register(r, "PUT", "/c", returns(3))
    first = r.resolve(Request("POST", "/a"))
    assert r.resolve(Request("POST", "/a")) is first
    assert r.resolve(Request("DELETE", "/b")) is first  # the same Allow: GET, HEAD
    assert r.resolve(Request("POST", "/c")) is not first
    resp = first(Request("POST", "/b"))
    assert isinstance(resp, Response) and resp.headers["Allow"] == "GET, HEAD"


def test_automatic_head_for_get_routes() -> None:
    r = Router()
    register(r, "GET", "/g", returns(1))
    register(r, "HEAD", "/h", lambda req: Response(204))
    head = r(Request("HEAD", "/g"))
    assert isinstance(head, Response) and head.body == b"1"  # the server drops the body
    assert r(Request("HEAD", "/h")).status == 204


def test_double_star_must_be_last() -> None:
    with pytest.raises(ValueError, match="last segment"):
        register(Router(), "GET", "/test/**/foo", returns(1))


def test_default_404_and_405() -> None:
    r = Router()
    register(r, "GET", "/a", returns(1))
    assert r(Request("GET", "/b")).status == 404
    assert r(Request("POST", "/a")).status == 405


def test_router_served_with_async_routes(start_server: Start) -> None:
    r = Router()

    async def widget(req: Request) -> Response:
        await asyncio.sleep(0)
        return Response(200, f"widget {getparam(req, 'id')}")

    register(r, "GET", "/widget/{id:[0-9]+}", widget)
    register(r, "GET", "/plain", returns(5))
    s = start_server(r)
    resp = exchange(s.port, b"GET /widget/42 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert resp.endswith(b"widget 42")
    head = exchange(s.port, b"HEAD /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert b"Content-Length: 1\r\n" in head and head.endswith(b"\r\n\r\n")
    bad = exchange(
        s.port,
        b"POST /plain HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
        b"Connection: close\r\n\r\n"
    )
    assert status_of(bad) == 405 and b"Allow: GET, HEAD" in bad


def test_router_with_stream_handlers(start_server: Start) -> None:
    r = Router()

    def streamed(http: Stream) -> None:
        http.write(f"id={getparam(http.message, 'id')}")

    register(r, "GET", "/s/{id}", streamed)
    s = start_server(r, stream=True)
    resp = exchange(s.port, b"GET /s/9 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert b"4\r\nid=9\r\n" in resp
    missing = exchange(s.port, b"GET /zzz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status_of(missing) == 404
