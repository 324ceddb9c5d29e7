"""Our client against our server, on 127.0.0.1: the reference's streaming examples, the
module-level stream functions (HTTP.startwrite & co.), a Router behind serve, keep-alive."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import wirehttp as HTTP


@pytest.fixture
def echo_stream_server() -> Iterator[HTTP.Server]:
    def handler(http: HTTP.Stream) -> None:
        body = http.read()
        HTTP.closeread(http)
        http.setstatus(200)
        http.setheader("Content-Type", "application/octet-stream")
        HTTP.startwrite(http)
        http.write(body.upper())
        HTTP.closewrite(http)

    server = HTTP.listen_background(handler, "127.0.0.1", 0)
    try:
        yield server
    finally:
        server.forceclose()


def test_stream_functions_both_sides(echo_stream_server: HTTP.Server) -> None:
    url = f"http://127.0.0.1:{echo_stream_server.port}/echo"
    with HTTP.open("POST", url) as io:
        HTTP.startwrite(io)
        io.write(b"hello ")
        io.write("world")
        HTTP.closewrite(io)
        resp = HTTP.startread(io)
        assert resp.status == 200
        assert io.read() == b"HELLO WORLD"
        HTTP.closeread(io)


def test_router_served_and_requested_with_keep_alive() -> None:
    router = HTTP.Router()
    HTTP.register(router, "GET", "/users/{id:[0-9]+}", lambda req: HTTP.Response(200, f"user {HTTP.getparam(req, 'id')}"))
    HTTP.register(router, "POST", "/users", lambda req: HTTP.Response(201, req.body))
    pool = HTTP.Pool(1)
    with HTTP.serve_background(router, "127.0.0.1", 0) as server:
        base = f"http://127.0.0.1:{server.port}"
        assert HTTP.get(f"{base}/users/42", pool=pool).text == "user 42"
        assert HTTP.post(f"{base}/users", body=b"new", pool=pool).status == 201
        with pytest.raises(HTTP.StatusError) as info:
            HTTP.request("PUT", f"{base}/users/42", pool=pool, retry=False)
        assert info.value.status == 405
        assert "GET" in HTTP.header(info.value.response, "Allow")
        with pytest.raises(HTTP.StatusError) as info404:
            HTTP.get(f"{base}/nope", pool=pool)
        assert info404.value.status == 404
