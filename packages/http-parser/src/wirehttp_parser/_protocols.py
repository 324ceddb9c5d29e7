"""The typed protocols through which wirehttp's packages plug into each other (BRIEF:
dependencies point down; add-ons plug in through protocols defined here).

- :class:`Body` (in ``_body``): a request body that knows its content type and length —
  ``wirehttp_forms.Form`` satisfies it, so the client sends forms without importing the forms
  package.
- :class:`CookieStore`: what the client needs from a cookie jar — ``wirehttp_cookies.CookieJar``
  satisfies it, so the client uses the jar when the cookies package is installed and works
  without it.
- The handler, middleware, stream-handler and layer types shared by the client and the server.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeAlias, runtime_checkable

from ._headers import Headers
from ._messages import Request, Response
from ._uri import URI

__all__ = [
    "CookieStore",
    "HTTPStream",
    "ServerStream",
    "Handler",
    "AsyncHandler",
    "RequestHandler",
    "Middleware",
    "StreamHandler",
    "ClientHandler",
    "ClientStreamHandler",
    "Layer",
    "StreamLayer",
    "startwrite",
    "startread",
    "closewrite",
    "closeread",
]


@runtime_checkable
class CookieStore(Protocol):
    """A cookie jar as the client sees it (HTTP.jl's ``getcookies!``/``setcookies!``)."""

    def cookieheader(self, url: URI) -> str:
        """The ``Cookie`` header value to send to ``url`` (``""`` for none); expired cookies
        are dropped on the way."""
        ...

    def setcookies(self, url: URI, headers: Headers) -> None:
        """Store the cookies of the ``Set-Cookie`` fields in ``headers``, received from
        ``url``."""
        ...


@runtime_checkable
class HTTPStream(Protocol):
    """A message being streamed (HTTP.jl's ``HTTP.Stream``): the request head in ``message``,
    its body read in pieces, a body written in pieces."""

    @property
    def message(self) -> Request: ...

    def read(self, n: int = -1, /) -> bytes: ...

    def readavailable(self) -> bytes: ...

    def eof(self) -> bool: ...

    def write(self, data: bytes | str, /) -> int: ...

    def startwrite(self) -> None: ...

    def closewrite(self) -> None: ...

    def closeread(self) -> None: ...


@runtime_checkable
class ServerStream(HTTPStream, Protocol):
    """The server's stream: a stream handler also sets the response status and headers."""

    def setstatus(self, status: int, /) -> None: ...

    def setheader(self, name: str, value: str, /) -> None: ...


Handler: TypeAlias = Callable[[Request], Response]
"""A request handler: ``f(req) -> Response``."""

AsyncHandler: TypeAlias = Callable[[Request], Awaitable[Response]]
"""An ``async def`` request handler."""

RequestHandler: TypeAlias = Handler | AsyncHandler
"""What ``serve`` accepts: a plain or an ``async def`` handler."""

Middleware: TypeAlias = Callable[[Handler], Handler]
"""``f(handler) -> handler``: HTTP.jl's ``handler |> middleware`` is ``middleware(handler)``."""

StreamHandler: TypeAlias = Callable[[ServerStream], None] | Callable[[ServerStream], Awaitable[None]]
"""What ``listen`` accepts: ``f(stream)`` that reads the request and writes the response."""


class ClientHandler(Protocol):
    """A client-side request handler: the request plus the request's keyword arguments, which
    each layer may read and pass on (HTTP.jl's ``(req; kw...) -> Response``)."""

    def __call__(self, req: Request, /, **kw: object) -> Response: ...


class ClientStreamHandler(Protocol):
    """A client-side stream handler, at the bottom of the layer stack."""

    def __call__(self, stream: HTTPStream, /, **kw: object) -> Response: ...


Layer: TypeAlias = Callable[[ClientHandler], ClientHandler]
"""A client request layer: ``f(handler) -> handler``."""

StreamLayer: TypeAlias = Callable[[ClientStreamHandler], ClientStreamHandler]
"""A client stream layer."""


class _StartReadable(Protocol):
    def startread(self) -> Response: ...


# HTTP.jl exports these four at module level (``HTTP.startwrite(http)``); they work on the
# client's and the server's streams alike.


def startwrite(stream: HTTPStream) -> None:
    """Send the head: the request's on a client stream, the response's on a server stream."""
    stream.startwrite()


def startread(stream: _StartReadable) -> Response:
    """Read the response head on a client stream and return the response."""
    return stream.startread()


def closewrite(stream: HTTPStream) -> None:
    """Finish the body being written (the last chunk when chunked)."""
    stream.closewrite()


def closeread(stream: HTTPStream) -> None:
    """Finish reading the body (and its trailers); the connection can then be reused."""
    stream.closeread()
