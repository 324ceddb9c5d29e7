"""The ``wirehttp`` command. ``wirehttp demo`` shows the sans-I/O parser at work (a request fed
in awkward pieces, a pipelined second request, a chunked response with a trailer, a message
rejected by the strict rules, the URI, sniffing and writer helpers), then starts a server with
a Router on 127.0.0.1 and exercises it with the client."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import wirehttp as HTTP


def _say(title: str) -> None:
    print(f"\n\033[1m== {title}\033[0m" if sys.stdout.isatty() else f"\n== {title}")


def demo() -> int:
    _say("A request fed to the parser 7 bytes at a time, then a pipelined one")
    wire = (
        b"POST /upload?tag=demo HTTP/1.1\r\nHost: example.com\r\nContent-Type: text/plain\r\n"
        b"Content-Length: 11\r\n\r\nhello world"
        b"GET /next HTTP/1.1\r\nHost: example.com\r\n\r\n"
    )
    parser = HTTP.RequestParser()
    for i in range(0, len(wire), 7):
        parser.feed(wire[i : i + 7])
        while (event := parser.next_event()) not in (HTTP.NEED_DATA, HTTP.PAUSED):
            print("  ", event)

    _say("A chunked response with a trailer, parsed whole")
    resp = HTTP.Response.parse(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n"
        b"5\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: 42\r\n\r\n"
    )
    print(f"   status={resp.status} body={resp.body!r} trailers={list(resp.trailers)}")

    _say("Strict by default: a request smuggling attempt is refused")
    smuggle = (
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    )
    try:
        HTTP.Request.parse(smuggle)
    except HTTP.ParseError as exc:
        print(f"   {type(exc).__name__} (answer {exc.status}): {exc}")

    _say("Building and writing messages")
    out = HTTP.Response(200, [("Content-Type", "text/plain")], "hello")
    print("  ", bytes(out))
    req = HTTP.Request("GET", "/", [("Authorization", "Bearer secret")])
    print("   repr masks credentials:", repr(req).splitlines()[3])

    _say("URIs, sniffing, status texts")
    uri = HTTP.URI("http://user@example.com:8080/a/b/../c?x=1&y=2#frag")
    print(f"   {uri!s} -> host={uri.host} port={uri.port} path={uri.path}")
    print("   queryparams:", HTTP.queryparams(uri))
    print("   resolvereference:", HTTP.resolvereference("http://a/b/c/d;p?q", "../g"))
    print("   sniff(PNG):", HTTP.sniff(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
    print("   sniff(JSON):", HTTP.sniff('{"a": -1.0}'))
    print("   statustext(418):", HTTP.statustext(418))

    _say("A server with a Router on 127.0.0.1, exercised with the client")
    router = HTTP.Router()
    HTTP.register(router, "GET", "/hello/{name}", lambda req: HTTP.Response(200, f"Hello, {HTTP.getparam(req, 'name')}!"))
    HTTP.register(router, "POST", "/echo", lambda req: HTTP.Response(200, [("Content-Type", "text/plain")], req.body))
    with HTTP.serve_background(router, "127.0.0.1", 0) as server:
        base = f"http://127.0.0.1:{server.port}"
        r = HTTP.get(f"{base}/hello/julia")
        print(f"   GET /hello/julia -> {r.status} {r.text!r}")
        r = HTTP.post(f"{base}/echo", body=["streamed ", "in ", "chunks"])
        print(f"   POST /echo (chunked) -> {r.status} {r.text!r}")
        r = HTTP.request("DELETE", f"{base}/echo", status_exception=False)
        print(f"   DELETE /echo -> {r.status}, Allow: {HTTP.header(r, 'Allow')}")
        r = HTTP.get(f"{base}/nowhere", status_exception=False)
        print(f"   GET /nowhere -> {r.status}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wirehttp", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="show the parser, writer and helpers at work")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo()
    parser.error(f"unknown command {args.command!r}")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
