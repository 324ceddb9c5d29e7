"""Pins the static types of the server's public API (mypy --strict checks the assert_type
calls; pytest runs them too)."""

from __future__ import annotations

from typing import IO, assert_type

from wirehttp_parser import Request, Response
from wirehttp_server import (
    PARAMS,
    ROUTE,
    Router,
    Server,
    Stream,
    getparam,
    getparams,
    getroute,
    logfmt,
    register,
    serve_background,
    supportsreuseaddr,
)


def test_server_and_router_types() -> None:
    def handler(req: Request) -> Response:
        return Response(200, "x")

    r = Router()
    register(r, "GET", "/a/{id}", handler)
    req = Request("GET", "/a/1")
    resp = r(req)
    assert isinstance(resp, Response)
    assert_type(getparams(req), dict[str, str] | None)
    assert_type(getparam(req, "id"), str | None)
    assert_type(getroute(req), str | None)
    assert_type(req.context[ROUTE], str)
    assert_type(req.context[PARAMS], dict[str, str])
    assert_type(supportsreuseaddr(), bool)
    with serve_background(handler, "127.0.0.1", 0) as server:
        assert_type(server, Server)
        assert_type(server.port, int)
        assert_type(server.wait(0.01), bool)


def test_stream_and_logfmt_types() -> None:
    fmt = logfmt("$status")
    assert callable(fmt)

    def stream_handler(http: Stream) -> None:
        assert_type(http.message, Request)
        assert_type(http.read(), bytes)
        assert_type(http.readavailable(), bytes)
        assert_type(http.eof(), bool)
        assert_type(http.write(b"x"), int)

    async def async_stream_handler(http: Stream) -> None:
        assert_type(await http.aread(), bytes)
        assert_type(await http.awrite("x"), int)

    def use(f: object, log: IO[str] | None = None) -> None:
        assert f is not None

    use(stream_handler)
    use(async_stream_handler)
