"""Serialise HTTP/1.1 message heads and bodies (RFC 9112 §2–§7), sans I/O: every function
returns bytes for the caller to send.

The writer never generates what a strict parser rejects: no obs-fold, no CR/LF/NUL in a field
(header injection), field names that are tokens, a single SP between start-line parts (§3, §4).
Following HTTP.jl and curl, a header whose value is empty is not written at all: that is how a
caller suppresses a default header.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ._errors import ProtocolError
from ._headers import Headers, check_field_value, is_token
from ._status import statustext
from ._version import HTTP_1_1, HTTPVersion

__all__ = [
    "encode_request_head",
    "encode_response_head",
    "encode_headers",
    "encode_chunk",
    "encode_last_chunk",
]

# RFC 9112 §3.2: request-target has no whitespace or controls; we also refuse non-ASCII, which
# must be percent-encoded (RFC 3986 §2.1).
_BAD_TARGET = re.compile(r"[\x00-\x20\x7f-\U0010ffff]")
# RFC 9112 §4: reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )
_BAD_REASON = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"})

# Fields that may not be sent as trailers (RFC 9110 §6.5.1): framing, routing, auth, control.
_FORBIDDEN_TRAILERS = frozenset(
    {
        "content-length", "transfer-encoding", "host", "content-encoding", "content-type",
        "content-range", "trailer", "authorization", "proxy-authorization", "set-cookie",
        "cookie", "cache-control", "expect", "max-forwards", "pragma", "range", "te",
        "connection", "keep-alive", "upgrade", "www-authenticate", "proxy-authenticate",
        "age", "expires", "date", "location", "retry-after", "vary", "warning",
    }
)


def encode_headers(headers: Iterable[tuple[str, str]]) -> bytes:
    """Field lines for ``headers`` plus the blank line that ends a head. Empty values are
    skipped (curl convention); names must be tokens and values may hold no CR/LF/NUL or other
    control character — :class:`ProtocolError` otherwise (RFC 9110 §5.1, §5.5)."""
    if isinstance(headers, Headers):
        # Every field in a Headers was validated when it was added (or parsed): skip the
        # per-field checks on this hot path.
        return "".join([f"{n}: {v}\r\n" for n, v in headers._items if v] + ["\r\n"]).encode("utf-8")
    parts: list[str] = []
    for name, value in headers:
        if not value:
            continue
        if not is_token(name):
            raise ProtocolError(f"invalid header name {name!r}: not an RFC 9110 token")
        check_field_value(name, value)
        parts.append(f"{name}: {value}\r\n")
    parts.append("\r\n")
    return "".join(parts).encode("utf-8")


def encode_request_head(
    method: str,
    target: str,
    headers: Iterable[tuple[str, str]],
    version: HTTPVersion = HTTP_1_1,
) -> bytes:
    """``method SP request-target SP HTTP-version CRLF`` then the fields (RFC 9112 §3)."""
    if method not in _METHODS and not is_token(method):
        raise ProtocolError(f"invalid method {method!r}: not an RFC 9110 token")
    if not target or _BAD_TARGET.search(target) is not None:
        raise ProtocolError(
            f"invalid request target {target!r}: it must be non-empty, with no whitespace, "
            "control or non-ASCII characters (percent-encode them)"
        )
    head = f"{method} {target} HTTP/{version.major}.{version.minor}\r\n".encode("ascii")
    return head + encode_headers(headers)


def encode_response_head(
    status: int,
    headers: Iterable[tuple[str, str]],
    version: HTTPVersion = HTTP_1_1,
    reason: str | None = None,
) -> bytes:
    """``HTTP-version SP status-code SP reason-phrase CRLF`` then the fields (RFC 9112 §4).
    The reason defaults to :func:`statustext` of the status."""
    if not 100 <= status <= 999:
        raise ProtocolError(f"invalid status code {status!r}: it must be three digits")
    if reason is None:
        reason = statustext(status)
    elif _BAD_REASON.search(reason) is not None:
        raise ProtocolError(f"invalid reason phrase {reason!r}: control characters")
    head = f"HTTP/{version.major}.{version.minor} {status} {reason}\r\n".encode("utf-8")
    return head + encode_headers(headers)


def encode_chunk(data: bytes | bytearray | memoryview) -> bytes:
    """One chunk of a chunked body (RFC 9112 §7.1): hex size, CRLF, data, CRLF. Empty data
    gives ``b""``: an empty chunk would end the body."""
    n = len(data)
    if n == 0:
        return b""
    return b"%x\r\n%b\r\n" % (n, data if isinstance(data, bytes) else bytes(data))


def encode_last_chunk(trailers: Iterable[tuple[str, str]] = ()) -> bytes:
    """The last chunk, the trailer section and the final CRLF (RFC 9112 §7.1.2). Fields that
    control framing, routing or authentication may not be trailers (RFC 9110 §6.5.1)."""
    pairs = list(trailers)
    for name, _ in pairs:
        if name.lower() in _FORBIDDEN_TRAILERS:
            raise ProtocolError(
                f"header {name!r} may not be sent as a trailer (RFC 9110 §6.5.1)"
            )
    return b"0\r\n" + encode_headers(pairs)
