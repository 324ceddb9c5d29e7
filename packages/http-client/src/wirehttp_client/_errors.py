"""The client's errors (HTTP.jl's ``HTTP.Exceptions``), all under ``wirehttp_parser.HTTPError``.

Each carries what a caller needs to decide what to do next: the :class:`~wirehttp_parser.Request`
being sent and the lower-level exception that caused it (also chained as ``__cause__``), plus
its own facts (the URL that could not be reached, the status that was refused, the timeout that
fired). The retry layer decides on these types, so every I/O failure below the layer stack is
translated into one of them at the connection boundary.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING

from wirehttp_parser import HTTPError

if TYPE_CHECKING:
    from wirehttp_parser import Request, Response

__all__ = ["ClientError", "ConnectError", "RequestError", "StatusError", "TimeoutError"]


class ClientError(HTTPError):
    """The root of the client's errors: ``request`` (``None`` only before one was built) and
    ``cause`` (the lower-level exception, or ``None``)."""

    def __init__(
        self, message: str, *, request: Request | None = None, cause: BaseException | None = None
    ) -> None:
        super().__init__(message)
        self.request = request
        self.cause = cause


class ConnectError(ClientError):
    """The connection could not be made: DNS, TCP, TLS handshake or proxy ``CONNECT`` failed.
    ``url`` is where we tried to connect; ``response`` is the proxy's answer to a refused
    ``CONNECT`` (else ``None``). Nothing of the request was sent."""

    def __init__(
        self,
        message: str,
        *,
        url: str,
        request: Request | None = None,
        cause: BaseException | None = None,
        response: Response | None = None,
    ) -> None:
        super().__init__(f"{message} (connecting to {url})", request=request, cause=cause)
        self.url = url
        self.response = response


class RequestError(ClientError):
    """The exchange failed after connecting: the connection broke, the peer closed it early, or
    it sent a malformed response (``cause`` is then a ``wirehttp_parser.ParseError`` with the
    offending bytes). ``sent`` says whether any of the request reached the socket."""

    def __init__(
        self,
        message: str,
        *,
        request: Request | None = None,
        cause: BaseException | None = None,
        sent: bool = True,
    ) -> None:
        super().__init__(message, request=request, cause=cause)
        self.sent = sent


class StatusError(ClientError):
    """The server answered with an error status (4xx, 5xx) or a redirect that was not followed
    (never 304). The response, with its body read, is in ``response``."""

    def __init__(
        self, status: int, method: str, target: str, response: Response, *, request: Request | None = None
    ) -> None:
        message = f"{method} {target} answered {status} {response.reason}".rstrip()
        if status == 407:
            # RFC 9110 §15.5.8: the proxy itself wants credentials; say where they go.
            message += " (the proxy wants credentials: proxy=\"http://user:password@host:port\")"
        super().__init__(message, request=request if request is not None else response.request)
        self.status = status
        self.method = method
        self.target = target
        self.response = response


class TimeoutError(ClientError, builtins.TimeoutError):  # noqa: A001  (HTTP.jl's name)
    """A time limit passed. ``phase`` says which: ``"connect"`` (``connect_timeout``),
    ``"read"`` (``readtimeout``), ``"pool"`` (waiting for a free connection) or ``"deadline"``
    (the total ``timeout``). ``timeout`` is the limit in seconds. Also a builtin
    ``TimeoutError``, so ``except TimeoutError`` works either way."""

    def __init__(
        self,
        message: str,
        *,
        phase: str,
        timeout: float,
        request: Request | None = None,
        cause: BaseException | None = None,
    ) -> None:
        ClientError.__init__(
            self, f"{message} ({phase} limit {timeout:g} s)", request=request, cause=cause
        )
        self.phase = phase
        self.timeout = timeout
