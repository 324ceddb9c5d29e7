"""Access logs: every logfmt variable, the common and combined formats, and the log lines the
server writes for normal, HEAD, failing and closing requests."""

from __future__ import annotations

import io
import logging
import re

import pytest

from wirehttp_parser import Limits, ParseError, Request, Response
from wirehttp_server import LOGFMT_VARIABLES, Stream, combined_logfmt, common_logfmt, logfmt

from ._net import GET_CLOSE, connect, exchange, read_response, status_of
from .conftest import Start

CLF_TIME = r"\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}"
ISO_TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}"


def handler(req: Request) -> Response:
    if req.target == "/fail":
        raise RuntimeError("boom")
    if req.target == "/444":
        return Response(444, [("Connection", "close")], "")
    return Response(200, [("Content-Type", "text/plain")], "Hello world!")


def lines_for(
    start_server: Start, caplog: pytest.LogCaptureFixture, fmt: object, requests: list[bytes]
) -> list[str]:
    s = start_server(handler, access_log=fmt)
    with caplog.at_level(logging.INFO, logger="wirehttp.access"):
        for r in requests:
            exchange(s.port, r)
    return [r.getMessage() for r in caplog.records if r.name == "wirehttp.access"]


def test_every_variable(start_server: Start, caplog: pytest.LogCaptureFixture) -> None:
    fmt = logfmt(
        "$http_accept $sent_http_content_type $request $request_method $request_uri "
        "$remote_addr $remote_port $remote_user $server_protocol $time_iso8601 "
        "[$time_local] $status $body_bytes_sent ${status}x"
    )
    (line,) = lines_for(
        start_server,
        caplog,
        fmt,
        [
            b"GET / HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n"
            b"Authorization: Basic dXNlcjpwYXNz\r\nConnection: close\r\n\r\n"
        ],
    )
    pattern = (
        rf"application/json text/plain GET / HTTP/1\.1 GET / 127\.0\.0\.1 \d+ user HTTP/1\.1 "
        rf"{ISO_TIME} \[{CLF_TIME}\] 200 12 200x"
    )
    assert re.fullmatch(pattern, line), line
    assert len(LOGFMT_VARIABLES) == 13


def test_common_format_lines(start_server: Start, caplog: pytest.LogCaptureFixture) -> None:
    lines = lines_for(
        start_server,
        caplog,
        common_logfmt,
        [
            GET_CLOSE,
            b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            b"GET /fail HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /444 HTTP/1.1\r\nHost: x\r\n\r\n",
        ],
    )
    prefix = rf"127\.0\.0\.1 - - \[{CLF_TIME}\] "
    assert re.fullmatch(prefix + r'"GET / HTTP/1\.1" 200 12', lines[0]), lines[0]
    assert re.fullmatch(prefix + r'"HEAD / HTTP/1\.1" 200 0', lines[1]), lines[1]
    assert re.fullmatch(prefix + r'"GET /fail HTTP/1\.1" 500 \d+', lines[2]), lines[2]
    assert re.fullmatch(prefix + r'"GET /444 HTTP/1\.1" 444 0', lines[3]), lines[3]


def test_combined_format(start_server: Start, caplog: pytest.LogCaptureFixture) -> None:
    lines = lines_for(
        start_server,
        caplog,
        combined_logfmt,
        [
            b"GET / HTTP/1.1\r\nHost: x\r\nReferer: http://r/\r\nUser-Agent: curl/8\r\n"
            b"Connection: close\r\n\r\n",
            GET_CLOSE,
        ],
    )
    assert lines[0].endswith('200 12 "http://r/" "curl/8"')
    assert lines[1].endswith('200 12 "-" "-"')


def test_stream_handler_is_logged(start_server: Start, caplog: pytest.LogCaptureFixture) -> None:
    def streamed(http: Stream) -> None:
        http.setstatus(201)
        http.write("abc")
        http.write("de")

    s = start_server(streamed, stream=True, access_log=logfmt("$status $body_bytes_sent"))
    with caplog.at_level(logging.INFO, logger="wirehttp.access"):
        exchange(s.port, GET_CLOSE)
    assert [r.getMessage() for r in caplog.records if r.name == "wirehttp.access"] == ["201 5"]


def test_rejected_requests_are_logged(
    start_server: Start, caplog: pytest.LogCaptureFixture
) -> None:
    fmt = logfmt(
        '"$request" $request_method $request_uri $server_protocol $remote_addr $remote_user '
        "$http_host $sent_http_connection $status $body_bytes_sent"
    )
    lines = lines_for(
        start_server,
        caplog,
        fmt,
        [
            b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n",  # malformed head: 400
            b"not http at all\r\n\r\n",  # 400
            # The head parsed, then a malformed chunk: the request line is known.
            b"POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        ],
    )
    assert lines == [
        '"-" - - - 127.0.0.1 - - close 400 11',
        '"-" - - - 127.0.0.1 - - close 400 11',
        '"POST /up HTTP/1.1" POST /up HTTP/1.1 127.0.0.1 - x close 400 11',
    ]


def test_server_errors_are_logged_in_stream_mode_too(
    start_server: Start, caplog: pytest.LogCaptureFixture
) -> None:
    def streamed(http: Stream) -> None:
        http.write("x")

    s = start_server(
        streamed,
        stream=True,
        access_log=logfmt('"$request" $status'),
        header_timeout=0.2,
        limits=Limits(max_body=3),
    )
    with caplog.at_level(logging.INFO, logger="wirehttp.access"):
        assert status_of(exchange(s.port, b"GET / HTTP/1.1\r\nHo")) == 408  # a partial head
        assert status_of(exchange(s.port, b"GET\x00 / HTTP/1.1\r\n\r\n")) == 400
        resp = exchange(s.port, b"PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n")
        assert status_of(resp) == 413
    lines = [r.getMessage() for r in caplog.records if r.name == "wirehttp.access"]
    assert lines == ['"-" 408', '"-" 400', '"-" 413']


def test_malformed_body_a_stream_handler_ignores_is_answered_and_logged(
    start_server: Start, caplog: pytest.LogCaptureFixture
) -> None:
    def streamed(http: Stream) -> None:
        try:
            http.read()
        except ParseError:
            pass  # and writes nothing: the server answers the parser's 400

    s = start_server(streamed, stream=True, access_log=logfmt('"$request" $status'))
    with caplog.at_level(logging.INFO, logger="wirehttp.access"):
        resp = exchange(
            s.port, b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
        )
    assert status_of(resp) == 400
    lines = [r.getMessage() for r in caplog.records if r.name == "wirehttp.access"]
    assert lines == ['"POST / HTTP/1.1" 400']


def test_over_max_connections_is_logged(
    start_server: Start, caplog: pytest.LogCaptureFixture
) -> None:
    fmt = logfmt("$status $sent_http_retry_after $request")
    s = start_server(handler, access_log=fmt, max_connections=1)
    with caplog.at_level(logging.INFO, logger="wirehttp.access"), connect(s.port) as first:
        first.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        read_response(first)  # the first connection is open and counted
        assert status_of(exchange(s.port, GET_CLOSE)) == 503
    lines = [r.getMessage() for r in caplog.records if r.name == "wirehttp.access"]
    assert lines == ["200 - GET / HTTP/1.1", "503 1 -"]


def test_unknown_variable_is_an_error_at_compile_time() -> None:
    with pytest.raises(ValueError, match=r"\$nonsense"):
        logfmt("$status $nonsense")


def test_logfmt_writes_to_io() -> None:
    fmt = logfmt("[$request_method]")
    out = io.StringIO()

    class FakeConn:
        peer = ("10.0.0.1", 5)

    from wirehttp_parser import RequestParser, RequestHead

    p = RequestParser()
    p.feed(b"PUT /x HTTP/1.1\r\nHost: h\r\n\r\n")
    head = p.next_event()
    assert isinstance(head, RequestHead)
    stream = Stream(FakeConn(), head, Request("PUT", "/x"))  # type: ignore[arg-type]
    fmt(out, stream)
    assert out.getvalue() == "[PUT]"
