"""``Router`` and ``register``: dispatch requests by path and method (HTTP.jl's
``HTTP.Router``/``HTTP.register!``).

Routes are compiled once, at registration, into a tree of path segments. Each node holds, in
HTTP.jl's order of precedence: exact segments (a dict), ``{name:regex}`` segments (compiled
regexes, whole-segment matches, in registration order), one ``*``/``{name}`` wildcard, and a
trailing ``**``. Matching walks the tree with backtracking in that order, so
``/test/sarv/ghotra`` beats ``/test/*/ghotra`` and a failed branch falls back to a less
specific one.

The match has three outcomes, as in starlette: no route for the path (``_404``), routes for the
path but none for the method (``_405``, with an ``Allow`` header listing every method
registered for the path), or a full match. A ``HEAD`` request is served by the ``GET`` route when
no ``HEAD`` route exists (RFC 9110 §9.3.2); the server drops the body.

The matched pattern is stored in ``request.context[ROUTE]`` and the path variables in
``request.context[PARAMS]`` (typed :class:`ContextKey` s), read back with :func:`getroute`,
:func:`getparams` and :func:`getparam`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeAlias

from wirehttp_parser import ContextKey, Request, Response

from ._stream import Stream

__all__ = ["Router", "register", "getparams", "getparam", "getroute", "ROUTE", "PARAMS"]

ROUTE = ContextKey[str]("route")
"""``request.context[ROUTE]``: the registered path pattern that matched."""
PARAMS = ContextKey[dict[str, str]]("params")
"""``request.context[PARAMS]``: the path variables of the match."""

AnyHandler: TypeAlias = Callable[[Any], Any]
_ANY = "*"


class _Leaf:
    """The handlers registered for one path pattern, by method (``"*"``: any method)."""

    __slots__ = ("route", "names", "methods")

    def __init__(self, route: str, names: list[str | None]) -> None:
        self.route = route
        self.names = names  # one entry per captured segment; None for `*` (not captured)
        self.methods: dict[str, AnyHandler] = {}


class _Node:
    __slots__ = ("exact", "conditional", "wildcard", "doublestar", "leaf")

    def __init__(self) -> None:
        self.exact: dict[str, _Node] = {}
        self.conditional: list[tuple[str, re.Pattern[str], _Node]] = []
        self.wildcard: _Node | None = None
        self.doublestar: _Leaf | None = None
        self.leaf: _Leaf | None = None


def _segments(path: str) -> list[str]:
    # HTTP.jl splits on "/" and drops empty segments: trailing and doubled slashes are ignored.
    return [s for s in path.split("/") if s]


def _path_of(target: str) -> str:
    """The path of a request target: origin-form up to the query, or absolute-form's path."""
    if not target.startswith("/"):
        scheme, sep, rest = target.partition("://")
        if sep:
            slash = rest.find("/")
            target = rest[slash:] if slash >= 0 else "/"
    end = len(target)
    for ch in "?#":
        i = target.find(ch)
        if 0 <= i < end:
            end = i
    return target[:end]


def _default_404(req: Request) -> Response:
    return Response(404)


def _default_405(x: Any) -> Response | None:
    if isinstance(x, Stream):
        x.setstatus(405)  # the Allow header and the head are added by the 405 wrapper
        return None
    return Response(405)


class Router:
    """``Router(_404, _405, middleware)``: a request handler (``router(req)``) that dispatches
    to the handlers registered with :func:`register`; it also accepts a :class:`Stream`, so it
    works with ``listen``/``serve(stream=True)`` for stream handlers.

    ``middleware``, when given, wraps each handler *when it is registered*, so it runs only for
    matched routes, never for the 404/405 handlers (HTTP.jl's rule).
    """

    __slots__ = ("_404", "_405", "_405s", "middleware", "_root")

    def __init__(
        self,
        _404: AnyHandler = _default_404,
        _405: AnyHandler = _default_405,
        middleware: Callable[[AnyHandler], AnyHandler] | None = None,
    ) -> None:
        self._404 = _404
        self._405 = _405
        self._405s: dict[str, Callable[[Any], Any]] = {}  # by the Allow value
        self.middleware = middleware
        self._root = _Node()

    def _add(self, method: str, pattern: str, handler: AnyHandler) -> None:
        node = self._root
        names: list[str | None] = []
        segs = _segments(pattern)
        for i, seg in enumerate(segs):
            if seg == "**":
                if i != len(segs) - 1:
                    raise ValueError(
                        f"invalid route {pattern!r}: '**' must be the last segment"
                    )
                if node.doublestar is None:
                    node.doublestar = _Leaf(pattern, list(names))
                self._put(node.doublestar, pattern, names, method, handler)
                return
            if seg == "*":
                names.append(None)
                node.wildcard = node.wildcard or _Node()
                node = node.wildcard
            elif seg.startswith("{") and seg.endswith("}"):
                name, colon, regex = seg[1:-1].partition(":")
                if not name.isidentifier():
                    raise ValueError(f"invalid path variable {seg!r} in route {pattern!r}")
                names.append(name)
                if colon:
                    compiled = re.compile(regex)
                    for src, _, child in node.conditional:
                        if src == regex:
                            node = child
                            break
                    else:
                        child = _Node()
                        node.conditional.append((regex, compiled, child))
                        node = child
                else:
                    node.wildcard = node.wildcard or _Node()
                    node = node.wildcard
            else:
                node = node.exact.setdefault(seg, _Node())
        if node.leaf is None:
            node.leaf = _Leaf(pattern, list(names))
        self._put(node.leaf, pattern, names, method, handler)

    def _put(
        self, leaf: _Leaf, pattern: str, names: list[str | None], method: str, h: AnyHandler
    ) -> None:
        # Re-registering the same shape replaces the handler and the variable names (HTTP.jl:
        # `/api/widgets/{name}` after `/api/widgets/{id}`).
        leaf.route = pattern
        leaf.names = list(names)
        leaf.methods[method] = self.middleware(h) if self.middleware is not None else h

    # -- matching ------------------------------------------------------------------------------
    def _matches(
        self, node: _Node, segs: list[str], i: int, caps: list[str]
    ) -> list[tuple[_Leaf, list[str]]]:
        """Every leaf matching ``segs[i:]`` below ``node``, most specific first."""
        out: list[tuple[_Leaf, list[str]]] = []
        if i == len(segs):
            if node.leaf is not None:
                out.append((node.leaf, caps))
        else:
            seg = segs[i]
            child = node.exact.get(seg)
            if child is not None:
                out += self._matches(child, segs, i + 1, caps)
            for _, regex, child in node.conditional:
                if regex.fullmatch(seg) is not None:  # whole segment (HTTP.jl 2.x; BRIEF)
                    out += self._matches(child, segs, i + 1, caps + [seg])
            if node.wildcard is not None:
                out += self._matches(node.wildcard, segs, i + 1, caps + [seg])
        if node.doublestar is not None and i < len(segs):
            out.append((node.doublestar, caps))
        return out

    def resolve(self, req: Request) -> AnyHandler:
        """The handler for ``req`` (the 404/405 handler when nothing matches), after storing
        the route and path variables in ``req.context``."""
        segs = _segments(_path_of(req.target))
        matches = self._matches(self._root, segs, 0, [])
        if not matches:
            return self._404
        method = req.method
        for leaf, caps in matches:
            h = leaf.methods.get(method) or leaf.methods.get(_ANY)
            if h is None and method == "HEAD":
                h = leaf.methods.get("GET")
            if h is not None:
                req.context[ROUTE] = leaf.route
                params = {n: v for n, v in zip(leaf.names, caps) if n is not None}
                if params:
                    req.context[PARAMS] = params
                return h
        allow: list[str] = []
        for leaf, _ in matches:
            for m in leaf.methods:
                if m not in allow:
                    allow.append(m)
                if m == "GET" and "HEAD" not in allow:
                    allow.append("HEAD")
        allowed = ", ".join(allow)
        cached = self._405s.get(allowed)
        if cached is not None:
            return cached
        handler_405 = self._405

        def method_not_allowed(x: Any) -> Any:
            result = handler_405(x)
            if isinstance(result, Response) and "allow" not in result.headers:
                # RFC 9110 §15.5.6: a 405 MUST list the methods the resource supports.
                result.headers.append("Allow", allowed)
            elif isinstance(x, Stream) and "allow" not in x.headers:
                x.setheader("Allow", allowed)
                if x.nwritten < 0:
                    x.setheader("Content-Length", "0")
                    x.startwrite()
            return result

        # One per set of allowed methods (there are as many as routes at most): the server
        # keys its per-handler state on the handler, so a new closure per 405 would grow it.
        self._405s[allowed] = method_not_allowed
        return method_not_allowed

    def __call__(self, x: Any) -> Any:
        """Handle a :class:`Request` (returns the handler's :class:`Response`, or its awaitable
        for an ``async def`` handler) or a :class:`Stream`."""
        if isinstance(x, Stream):
            handler = self.resolve(x.message)
            if handler is _default_404:
                x.setstatus(404)
                x.setheader("Content-Length", "0")
                x.startwrite()
                return None
            return handler(x)
        return self.resolve(x)(x)


def register(
    router: Router,
    method_or_path: str,
    path_or_handler: str | AnyHandler,
    handler: AnyHandler | None = None,
) -> None:
    """``register(router, method, path, handler)`` or ``register(router, path, handler)`` (any
    method). Path segments: exact text, ``*`` (one segment), ``{name}`` (one segment,
    captured), ``{name:regex}`` (one segment matching the whole regex, captured), and a final
    ``**`` (any number of trailing segments)."""
    if handler is None:
        if isinstance(path_or_handler, str):
            raise TypeError("register(router, path, handler): the handler is missing")
        router._add(_ANY, method_or_path, path_or_handler)
        return
    if not isinstance(path_or_handler, str):
        raise TypeError("register(router, method, path, handler): path must be a str")
    router._add(method_or_path.upper(), path_or_handler, handler)


def getroute(req: Request) -> str | None:
    """The registered pattern that matched ``req``, or ``None``."""
    return req.context.get(ROUTE)


def getparams(req: Request) -> dict[str, str] | None:
    """The path variables of the matched route, or ``None`` when it has none (HTTP.jl)."""
    return req.context.get(PARAMS)


def getparam(req: Request, name: str, default: str | None = None) -> str | None:
    """One path variable of the matched route, or ``default``."""
    params = req.context.get(PARAMS)
    if params is None:
        return default
    return params.get(name, default)
