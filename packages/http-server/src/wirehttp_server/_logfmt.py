"""Access logs: HTTP.jl's ``logfmt"..."`` mini-language (NGINX ``log_format`` variables).

``logfmt(template)`` compiles the template once into a list of literal strings and variable
getters; the returned function ``f(io, stream)`` writes one line per request. Pass it as
``access_log=`` to ``listen``/``serve``; each line goes to the ``wirehttp.access`` logger at
INFO. An unknown variable is an error when the template is compiled, not when a request is
logged.

Every response is logged, the server's own included (400 for a malformed request, 408, 413,
503 over ``max_connections``). A request rejected before its request line was parsed has an
empty ``stream.message.method``; the variables that need the request line (``$request``,
``$request_method``, ``$request_uri``, ``$server_protocol``) are then ``-``, as in nginx, and
``$http_<name>`` is ``-`` as for any absent header.
"""

from __future__ import annotations

import base64
import binascii
import re
import time
from collections.abc import Callable
from typing import IO

from ._stream import Stream

__all__ = ["logfmt", "common_logfmt", "combined_logfmt", "LOGFMT_VARIABLES"]

Getter = Callable[[Stream], str]

_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _offset(t: time.struct_time) -> str:
    off = t.tm_gmtoff or 0
    sign = "+" if off >= 0 else "-"
    off = abs(off)
    return f"{sign}{off // 3600:02d}{off % 3600 // 60:02d}"


def _time_iso8601(_: Stream) -> str:
    t = time.localtime()
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + _offset(t)


def _time_local(_: Stream) -> str:
    t = time.localtime()
    return (
        f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} {_offset(t)}"
    )


def _remote_user(s: Stream) -> str:
    """The user name of ``Authorization: Basic`` (RFC 7617), or ``-``."""
    auth = s.message.headers.get("Authorization", "")
    scheme, _, credentials = auth.partition(" ")
    if scheme.lower() != "basic":
        return "-"
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return "-"
    user = decoded.partition(":")[0]
    return user or "-"


def _protocol(s: Stream) -> str:
    if not s.message.method:  # rejected before the request line was parsed
        return "-"
    v = s.message.version
    return f"HTTP/{v.major}.{v.minor}"


def _request(s: Stream) -> str:
    m = s.message
    if not m.method:
        return "-"
    return f"{m.method} {m.target} {_protocol(s)}"


_SIMPLE: dict[str, Getter] = {
    "request": _request,
    "request_method": lambda s: s.message.method or "-",
    "request_uri": lambda s: s.message.target if s.message.method else "-",
    "remote_addr": lambda s: s.peer[0],
    "remote_port": lambda s: str(s.peer[1]),
    "remote_user": _remote_user,
    "server_protocol": _protocol,
    "time_iso8601": _time_iso8601,
    "time_local": _time_local,
    "status": lambda s: str(s.status),
    "body_bytes_sent": lambda s: str(max(0, s.nwritten)),
}

LOGFMT_VARIABLES = (*_SIMPLE, "http_<name>", "sent_http_<name>")
"""The variables a template may use: ``$http_<name>`` is a request header and
``$sent_http_<name>`` a response header, with ``_`` standing for ``-`` (``-`` when absent)."""


def _request_header(name: str) -> Getter:
    field = name.replace("_", "-")
    return lambda s: s.message.headers.get(field) or "-"


def _response_header(name: str) -> Getter:
    field = name.replace("_", "-")
    return lambda s: s.headers.get(field) or "-"


def _getter(name: str) -> Getter:
    if name in _SIMPLE:
        return _SIMPLE[name]
    if name.startswith("sent_http_") and len(name) > 10:
        return _response_header(name[10:])
    if name.startswith("http_") and len(name) > 5:
        return _request_header(name[5:])
    raise ValueError(
        f"unknown access log variable ${name}; known: "
        + ", ".join(f"${v}" for v in LOGFMT_VARIABLES)
    )


def logfmt(template: str) -> Callable[[IO[str], Stream], None]:
    """Compile an NGINX-style template (``"$remote_addr \\"$request\\" $status"``) into an
    ``access_log`` function ``f(io, stream)``. ``${name}`` separates a variable from text
    that follows it."""
    parts: list[str | Getter] = []
    pos = 0
    for m in _VARIABLE.finditer(template):
        if m.start() > pos:
            parts.append(template[pos : m.start()])
        parts.append(_getter(m.group(1) or m.group(2)))
        pos = m.end()
    if pos < len(template):
        parts.append(template[pos:])

    def access_log(io: IO[str], stream: Stream) -> None:
        io.write("".join(p if isinstance(p, str) else p(stream) for p in parts))

    return access_log


common_logfmt = logfmt(
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent'
)
"""The Common Log Format (NGINX's ``combined`` without referer and user agent)."""

combined_logfmt = logfmt(
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent"'
)
"""The Combined Log Format (NGINX's default ``combined``)."""
