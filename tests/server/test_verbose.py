"""``verbose=True`` logs connection information on the ``wirehttp.server`` logger at INFO
(HTTP.jl: "log connection information"): the listening address, each connection accepted
and closed, bad requests and request timeouts. ``verbose`` is a flag, as in HTTP.jl's
``listen``/``serve`` (``verbose::Bool``); without it none of these lines appear. The lines
about the listening address and accepted connections are in test_lifecycle.py."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pytest

from wirehttp_parser import Request, Response

from ._net import GET_CLOSE, connect, exchange, read_all, status_of
from .conftest import Start


def ok(req: Request) -> Response:
    return Response(200, "ok")


def _messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "wirehttp.server"]


def _eventually(check: Callable[[], bool], timeout: float = 3.0) -> bool:
    """Log lines from the server's thread may land just after the client saw the close."""
    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True


def test_verbose_logs_the_close_of_each_connection_with_the_peer(
    start_server: Start, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="wirehttp.server"):
        s = start_server(ok, verbose=True)
        with connect(s.port) as c:
            port = c.getsockname()[1]
            c.sendall(GET_CLOSE)
            assert read_all(c).endswith(b"ok")
        peer = f"127.0.0.1:{port}"
        assert _eventually(lambda: f"closed connection from {peer}" in _messages(caplog))
    assert f"accepted connection from {peer}" in _messages(caplog)


def test_verbose_logs_a_bad_request(
    start_server: Start, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="wirehttp.server"):
        s = start_server(ok, verbose=True)
        assert status_of(exchange(s.port, b"GET / HTTP/1.1\r\n\r\n")) == 400  # no Host
        assert _eventually(
            lambda: any(m.startswith("bad request from 127.0.0.1:") for m in _messages(caplog))
        )


def test_verbose_logs_a_request_timeout(
    start_server: Start, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="wirehttp.server"):
        s = start_server(ok, verbose=True, header_timeout=0.2)
        with connect(s.port) as c:
            c.sendall(b"GET / HTTP/1.1\r\n")  # half a head
            assert status_of(read_all(c)) == 408
        assert _eventually(
            lambda: any(
                m.startswith("request timeout for 127.0.0.1:") for m in _messages(caplog)
            )
        )


def test_without_verbose_connections_are_not_logged(
    start_server: Start, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="wirehttp.server"):
        s = start_server(ok)
        assert exchange(s.port, GET_CLOSE).endswith(b"ok")
        assert status_of(exchange(s.port, b"GET / HTTP/1.1\r\n\r\n")) == 400
        time.sleep(0.2)  # let any late line arrive
    assert _messages(caplog) == []
