"""Predicates on messages, statuses and methods (HTTP.jl's ``Messages`` predicates): what the
client's retry and redirect layers and the server's connection logic ask of a message."""

from __future__ import annotations

from ._errors import InvalidContentLength
from ._messages import Message, Request, Response
from ._version import HTTP_1_1

__all__ = [
    "iserror",
    "isredirect",
    "ischunked",
    "issafe",
    "isidempotent",
    "retryable",
    "headerscomplete",
    "bodylength",
    "hasbody",
    "keepalive",
    "expectcontinue",
    "isupgrade",
]


def _status_of(x: Response | int) -> int:
    return x if isinstance(x, int) else x.status


def iserror(x: Response | int) -> bool:
    """True for a status that is an error: 4xx, 5xx, or not a valid status at all (outside
    100–599). Unlike HTTP.jl 1.x, 3xx are not errors here: the client raises ``StatusError``
    for a redirect it does not follow, and never for 304 Not Modified (BRIEF decision)."""
    s = _status_of(x)
    return s != 0 and (s >= 400 or s < 100)


_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def isredirect(x: Response | int) -> bool:
    """True for 301, 302, 303, 307 and 308: the statuses the client follows."""
    return _status_of(x) in _REDIRECTS


def ischunked(m: Message) -> bool:
    """True if the last Transfer-Encoding coding is ``chunked`` (RFC 9112 §6.1)."""
    te = m.headers.getall("Transfer-Encoding")
    return bool(te) and te[-1].rsplit(",", 1)[-1].strip().lower() == "chunked"


_SAFE = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_IDEMPOTENT = _SAFE | {"PUT", "DELETE"}


def issafe(x: Request | str) -> bool:
    """GET, HEAD, OPTIONS and TRACE (RFC 9110 §9.2.1)."""
    return (x if isinstance(x, str) else x.method).upper() in _SAFE


def isidempotent(x: Request | str) -> bool:
    """The safe methods plus PUT and DELETE (RFC 9110 §9.2.2)."""
    return (x if isinstance(x, str) else x.method).upper() in _IDEMPOTENT


_RETRYABLE = frozenset({403, 408, 409, 429})


def retryable(x: Response | int) -> bool:
    """403, 408, 409, 429 and every 5xx: the statuses worth retrying (HTTP.jl's list, with
    all of 5xx as the BRIEF decides)."""
    s = _status_of(x)
    return s in _RETRYABLE or 500 <= s <= 599


def headerscomplete(m: Message) -> bool:
    """A response has a final status (not 0 and not 100); a request has a method."""
    if isinstance(m, Response):
        return m.status not in (0, 100)
    assert isinstance(m, Request)
    return m.method != ""


def _content_length(m: Message) -> int | None:
    values = m.headers.getall("Content-Length")
    if not values:
        return None
    items = {v.strip() for value in values for v in value.split(",")}
    if len(items) != 1:
        raise InvalidContentLength(f"differing Content-Length values {values!r}", ", ".join(values).encode())
    (text,) = items
    if not text.isdigit() or not text.isascii():
        raise InvalidContentLength(f"invalid Content-Length {text!r}", text.encode())
    return int(text)


def bodylength(m: Message) -> int | None:
    """The body length the head announces (RFC 9112 §6.3): 0 for a response to HEAD and for
    1xx, 204 and 304; ``None`` (unknown) for chunked bodies and for responses read until the
    connection closes; otherwise Content-Length (0 for a request with neither)."""
    if isinstance(m, Response):
        if m.request is not None and m.request.method == "HEAD":
            return 0
        if m.status < 200 or m.status in (204, 304):
            return 0
        if ischunked(m):
            return None
        return _content_length(m)
    if ischunked(m):
        return None
    n = _content_length(m)
    return 0 if n is None else n


def hasbody(m: Message) -> bool:
    """True if the message carries (or announces) a body."""
    n = bodylength(m)
    return n is None or n > 0


def keepalive(m: Message) -> bool:
    """True if the connection stays open after this message (RFC 9112 §9.3): HTTP/1.1 unless
    ``Connection: close``; HTTP/1.0 only with ``Connection: keep-alive``."""
    tokens = {t.strip().lower() for v in m.headers.getall("Connection") for t in v.split(",")}
    if "close" in tokens:
        return False
    if m.version >= HTTP_1_1:
        return True
    return "keep-alive" in tokens


def expectcontinue(m: Request) -> bool:
    """The request asks for ``100 Continue`` before it sends its body (RFC 9110 §10.1.1)."""
    return m.version >= HTTP_1_1 and m.headers.get("Expect", "").strip().lower() == "100-continue"


def isupgrade(m: Message) -> bool:
    """The message asks for (or, as a 101, confirms) a protocol upgrade (RFC 9110 §7.8)."""
    if isinstance(m, Response) and m.status == 101:
        return True
    return "Upgrade" in m.headers and any(
        t.strip().lower() == "upgrade" for v in m.headers.getall("Connection") for t in v.split(",")
    )
