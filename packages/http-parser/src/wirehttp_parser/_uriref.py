"""Paths and references (RFC 3986 §3.3, §5): splitting a path into segments, removing dot
segments, joining paths, and resolving a reference against a base URI as a browser or a client
following ``Location`` does.

Design. Everything works on the still-percent-encoded components of a :class:`URI` and builds
its result with the presence bits of ``._uri``, so an empty query or fragment survives
resolution exactly (RFC 3986 §5.2.2 asks whether a component is *defined*, not whether it is
empty). Dot-segment removal walks segments instead of copying buffers, so it is linear time on
hostile paths.
"""

from __future__ import annotations

from typing import overload

from ._errors import URIError
from ._uri import (
    _AUTHORITY,
    _BRACKETS,
    _FRAGMENT_SET,
    _QUERY_SET,
    _USERINFO_SET,
    URI,
    _as_uri,
    _new,
)

__all__ = [
    "splitpath",
    "normpath",
    "joinpath",
    "resolvereference",
]


def splitpath(path_or_uri: URI | str, rstrip_empty_segment: bool = True) -> list[str]:
    """The ``/``-separated segments of a path (RFC 3986 §3.3), still percent-encoded.

    A ``str`` is a path: anything from its first ``?`` or ``#`` is ignored. The empty segment
    before a leading ``/`` is dropped, and so is a trailing empty one (a trailing ``/``) unless
    ``rstrip_empty_segment=False``; empty segments inside (``a//b``) are kept.
    """
    if isinstance(path_or_uri, URI):
        path = path_or_uri.path
    else:
        path = path_or_uri
        for stop in "?#":
            path = path.partition(stop)[0]
    if not path:
        return []
    segments = (path[1:] if path[0] == "/" else path).split("/")
    if rstrip_empty_segment and segments[-1] == "":
        segments.pop()
    return segments


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4, segment by segment instead of copying buffers (linear time).

    Rules A and D only apply at the start, while the input does not begin with "/"; after that
    every step sees "/segment": "." is rule B, ".." rule C (drop the last output segment with its
    "/"), anything else rule E. A final "." or ".." leaves a trailing "/".
    """
    if "." not in path:
        return path
    i = 0
    while True:  # rule A
        if path.startswith("../", i):
            i += 3
        elif path.startswith("./", i):
            i += 2
        else:
            break
    if i:
        path = path[i:]
    if path == "." or path == "..":  # rule D
        return ""
    out: list[str] = []  # output segments, each with its leading "/" (but a rootless first)
    if path[:1] == "/":
        segments = path[1:].split("/")
    else:
        first, slash, tail = path.partition("/")
        out.append(first)
        if not slash:
            return first
        segments = tail.split("/")
    for segment in segments[:-1]:
        if segment == "..":
            if out:
                out.pop()
        elif segment != ".":
            out.append("/" + segment)
    last = segments[-1]
    if last == ".." and out:
        out.pop()
    out.append("/" if last in (".", "..") else "/" + last)
    return "".join(out)


@overload
def normpath(path_or_uri: str) -> str: ...
@overload
def normpath(path_or_uri: URI) -> URI: ...
def normpath(path_or_uri: URI | str) -> URI | str:
    """Remove ``.`` and ``..`` segments (RFC 3986 §5.2.4) from a path, or from a URI's path."""
    if isinstance(path_or_uri, str):
        return _remove_dot_segments(path_or_uri)
    u = path_or_uri
    path = _safe_path(_remove_dot_segments(u.path), u._flags, u.scheme)
    return _new(u.scheme, u.userinfo, u.host, u.port, path, u.query, u.fragment, u._flags)


def _safe_path(path: str, flags: int, scheme: str) -> str:
    # Removing dots can turn "/.//x" into "//x", which would read back as an authority, or
    # "./a:b" into "a:b", which would read back as a scheme (RFC 3986 §4.2): keep "/." or "./"
    # in front, as the WHATWG URL serializer does (RFC 3986 §5.2 leaves this open).
    if flags & _AUTHORITY:
        return path
    if path.startswith("//"):
        return "/." + path
    if not scheme and ":" in path.partition("/")[0]:
        return "./" + path
    return path


def joinpath(uri: URI | str, *parts: str) -> URI:
    """``uri`` with ``parts`` appended to its path, then normalised (RFC 3986 §5.2.4).

    A part starting with ``/`` replaces the path so far; others are joined with ``/``. Parts must
    be percent-encoded already (see :func:`escapepath`). A result that starts with ``//`` would
    read as an authority and raises :class:`URIError`.
    """
    u = _as_uri(uri)
    path = u.path
    for part in parts:
        if part.startswith("/"):
            path = part
        elif not path or path.endswith("/"):
            path += part
        else:
            path = f"{path}/{part}"
    if u._flags & _AUTHORITY and not path.startswith("/"):
        path = "/" + path
    path = _remove_dot_segments(path)
    if path.startswith("//"):
        raise URIError("joining gives a path starting with '//', which reads as an authority",
                       part="path", value=path)
    return URI(u, path=path)


def resolvereference(base: URI | str, ref: URI | str) -> URI:
    """Resolve the reference ``ref`` against ``base`` (RFC 3986 §5.2.2), as a browser or a
    client following ``Location`` does. The fragment of ``base`` is ignored (§5.1)."""
    b, r = _as_uri(base), _as_uri(ref)
    rf = r._flags
    if r.scheme or rf & _AUTHORITY:
        src = r
        path = _remove_dot_segments(r.path)
        query, qflag = r.query, rf & _QUERY_SET
    else:
        src = b
        if not r.path:
            path = b.path
            query, qflag = (r.query, rf & _QUERY_SET) if rf & _QUERY_SET else (
                b.query, b._flags & _QUERY_SET)
        else:
            if r.path.startswith("/"):
                path = _remove_dot_segments(r.path)
            elif b._flags & _AUTHORITY and not b.path:  # §5.2.3 merge
                path = _remove_dot_segments("/" + r.path)
            else:
                path = _remove_dot_segments(b.path[: b.path.rfind("/") + 1] + r.path)
            query, qflag = r.query, rf & _QUERY_SET
    flags = (src._flags & (_AUTHORITY | _USERINFO_SET | _BRACKETS)) | qflag | (rf & _FRAGMENT_SET)
    scheme = r.scheme or b.scheme
    return _new(scheme, src.userinfo, src.host, src.port, _safe_path(path, flags, scheme), query,
                r.fragment, flags)
