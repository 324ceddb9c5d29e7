"""Which event loop the server runs on: uvloop by default when it is installed (it is, in the
dev environment and in the isolated environment, which installs the server's extras), the
stdlib asyncio loop with ``use_uvloop=False``. Handlers see the loop as the running loop."""

from __future__ import annotations

import asyncio

import uvloop

from wirehttp_parser import Request, Response
from wirehttp_server import Stream

from ._net import GET_CLOSE, exchange
from .conftest import Start


def _loop_kind() -> str:
    loop = asyncio.get_running_loop()
    if isinstance(loop, uvloop.Loop):
        return "uvloop"
    if isinstance(loop, asyncio.BaseEventLoop):  # the stdlib's loops all derive from it
        return "asyncio"
    return type(loop).__name__


async def kind_handler(req: Request) -> Response:
    return Response(200, _loop_kind())


async def kind_stream_handler(http: Stream) -> None:
    await http.awrite(_loop_kind())


def _body(port: int) -> bytes:
    return exchange(port, GET_CLOSE).partition(b"\r\n\r\n")[2]


def test_uvloop_is_the_default_when_installed(start_server: Start) -> None:
    s = start_server(kind_handler)
    assert _body(s.port) == b"uvloop"


def test_use_uvloop_true_runs_on_uvloop(start_server: Start) -> None:
    s = start_server(kind_handler, use_uvloop=True)
    assert _body(s.port) == b"uvloop"


def test_use_uvloop_false_runs_on_the_stdlib_loop(start_server: Start) -> None:
    s = start_server(kind_handler, use_uvloop=False)
    assert _body(s.port) == b"asyncio"


def test_stream_handlers_run_on_the_same_loop_choice(start_server: Start) -> None:
    default = start_server(kind_stream_handler, stream=True)
    stdlib = start_server(kind_stream_handler, stream=True, use_uvloop=False)
    # chunked: "6\r\nuvloop\r\n0\r\n\r\n"
    assert b"\r\nuvloop\r\n" in _body(default.port)
    assert b"\r\nasyncio\r\n" in _body(stdlib.port)
