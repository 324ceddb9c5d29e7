"""The redirect layer (HTTP.jl's ``redirectlayer``), as BRIEF.md decides.

301, 302, 303, 307 and 308 with a ``Location`` are followed (RFC 9110 §15.4), the target
resolved against the current URL (RFC 3986 §5.2). Methods: 307/308 keep the method and the body
(which must be replayable); 303 becomes GET, and so do 301/302 except for HEAD (what every
browser does; RFC 9110 §15.4.2–§15.4.4). A hop to another scheme, host or port drops the
credentials (``Authorization``, ``Cookie``, ``Proxy-Authorization``). Each new request links
to the 3xx through ``parent`` and shares the first request's context.
"""

from __future__ import annotations

from typing import Any, cast

from wirehttp_parser import (
    URI,
    ClientHandler,
    Headers,
    Request,
    Response,
    isredirect,
    nobody,
    resolvereference,
    resource,
)

from ._context_keys import BODY, FOLLOW, JAR_COOKIE
from ._errors import RequestError, StatusError

__all__ = ["redirectlayer"]


def _origin(u: URI) -> tuple[str, str, int | None]:
    return (u.scheme.lower(), u.host.lower(), u.effective_port)


def _redirect_method(status: int, method: str, redirect_method: str | None) -> str:
    """RFC 9110 §15.4: 307/308 keep the method; 303 becomes GET (except HEAD); 301/302 become
    GET for everything but HEAD (what every browser does, §15.4.2/§15.4.3 note)."""
    if status in (307, 308):
        return method
    if redirect_method is not None:
        return method if redirect_method.lower() == "same" else redirect_method.upper()
    if method == "HEAD":
        return "HEAD"
    return "GET"


# Headers that carry credentials: dropped on a redirect to another origin (BRIEF; RFC 9110
# §15.4 leaves it to the client, and curl, requests and HTTP.jl 2.x all do this).
_SENSITIVE = ("Authorization", "Cookie", "Proxy-Authorization")


def redirectlayer(handler: ClientHandler) -> ClientHandler:
    """Follow 301, 302, 303, 307 and 308 (keywords ``redirect=True``, ``redirect_limit=3``,
    ``redirect_method=None``, ``forwardheaders=True``). Each new request has the 3xx response
    as ``parent`` and shares the context. A redirect that is not followed raises
    :class:`StatusError` when ``status_exception`` is true."""

    def redirects(req: Request, /, **kw: Any) -> Response:
        follow = bool(kw.pop("redirect", True))
        limit = int(kw.pop("redirect_limit", 3))
        method_rule: str | None = kw.pop("redirect_method", None)
        forward = bool(kw.pop("forwardheaders", True))
        hops = 0
        while True:
            req.context[FOLLOW] = follow and hops < limit
            resp = handler(req, **kw)
            location = resp.headers.get("Location", "")
            if not isredirect(resp.status) or not location:
                return resp
            if not (follow and hops < limit):
                if kw.get("status_exception", True):
                    raise StatusError(resp.status, req.method, req.target, resp, request=req)
                return resp
            url = resolvereference(req.url, location)
            if url.scheme.lower() not in ("http", "https") or not url.host:
                raise RequestError(f"refusing to follow a redirect to {location!r}",
                                   request=req)
            method = _redirect_method(resp.status, req.method, method_rule)
            keep_body = method == req.method and resp.status in (307, 308)
            body: object = req.body if keep_body else nobody
            prepared = req.context.get(BODY)
            if keep_body and prepared is not None and not prepared.rewind():
                # The body cannot be sent again: the 307/308 is the answer.
                if kw.get("status_exception", True):
                    raise StatusError(resp.status, req.method, req.target, resp, request=req)
                return resp
            headers = Headers()
            if forward:
                headers = req.headers.copy()
                for name in ("Host", "Content-Length", "Transfer-Encoding"):
                    headers.remove(name)
                if not keep_body:
                    headers.remove("Content-Type")
                if req.context.pop(JAR_COOKIE, None) is not None:
                    headers.remove("Cookie")  # the cookie layer adds the jar's anew
                if _origin(url) != _origin(req.url):
                    for name in _SENSITIVE:
                        headers.remove(name)
            new = Request(method, resource(url), headers, cast(Any, body), url=url, parent=resp,
                          context=req.context)
            new.headers = headers
            req = new
            hops += 1

    return redirects


