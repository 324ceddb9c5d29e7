"""Framing facts from the few fields that decide them (RFC 9112 §6.3, §9.3; RFC 9110 §7.2,
§7.6.1, §8.6): where a message's content ends, whether the connection persists, whether it
switches protocols. Both head paths of :mod:`._head` end here, with the field pairs and the
"special" fields among them (Host, Connection, Content-Length, Transfer-Encoding, Upgrade,
Expect) already picked out.

Errors point at the offending field line, found again in the raw head (errors are rare, so the
hot path keeps no line offsets).
"""

from __future__ import annotations

import re
from typing import Final, TypeAlias

from ._errors import (
    BodyTooLarge,
    InvalidContentLength,
    InvalidFraming,
    InvalidHost,
    ParseError,
    UnsupportedTransferCoding,
)
from ._events import RequestHead, ResponseHead
from ._headers import Headers
from ._limits import Limits
from ._version import HTTP_1_1, HTTPVersion

__all__: list[str] = []

Pair: TypeAlias = tuple[str, str]

# RFC 3986 §3.2.2 uri-host (IP-literal, IPv4address or reg-name): the Host field value is
# uri-host [":" port] (RFC 9110 §7.2), or empty.
HOST: Final = (
    r"(?:\[[0-9A-Za-z:.\-_~!$&'()*+,;=%]+\]"
    r"|[0-9A-Za-z\-_~%!$&'()*+,;=][0-9A-Za-z\-._~%!$&'()*+,;=]*)"
)
_HOST_FIELD: Final = re.compile(rf"(?:{HOST})?(?::[0-9]*)?")

# Transfer codings we recognise (RFC 9112 §7, the IANA registry). The parser removes only
# ``chunked``; the others are left on the content for the caller, as the field says.
_KNOWN_CODINGS: Final = frozenset(
    {"chunked", "gzip", "x-gzip", "deflate", "compress", "x-compress"}
)

_JUST_CHUNKED: Final = frozenset({"chunked", "Chunked", "CHUNKED"})
_MAX_CONTENT_LENGTH_DIGITS: Final = 19  # ≤ 2**63 - 1, what every peer can represent


def _field_error(
    cls: type[ParseError], message: str, raw: bytes, base: int, name: str, nth: int = 0
) -> ParseError:
    """Build ``cls(message)`` pointing at the ``nth`` field line named ``name`` (lower case)
    in ``raw``, or at the head's first line if there is none. Errors only: this re-scans."""
    count = 0
    i = 0
    first: tuple[bytes, int] | None = None
    while i < len(raw):
        j = raw.find(b"\n", i)
        if j < 0:
            j = len(raw)
        line = raw[i:j].rstrip(b"\r")
        if first is None:
            first = (line, base + i)
        elif line.partition(b":")[0].lower() == name.encode():
            if count == nth:
                return cls(message, line, base + i)
            count += 1
        i = j + 1
    line, off = first if first is not None else (raw, base)
    return cls(message, line, off)


def _tokens(values: list[str]) -> list[str]:
    """The lower-case items of comma-separated list fields (RFC 9110 §5.6.1), empty ones
    dropped."""
    out = []
    for value in values:
        for item in value.split(","):
            item = item.strip(" \t").lower()
            if item:
                out.append(item)
    return out


# Connection option flags (close, keep-alive, upgrade) by field value; a handful of values
# ("keep-alive", "close", "Upgrade", …) make up nearly all traffic. Bounded, like the field-name
# cache of _head: a peer inventing values gets the uncached path, never unbounded memory.
_CONNECTION: Final[dict[str, tuple[bool, bool, bool]]] = {}
# Host values already found valid; bounded likewise.
_VALID_HOSTS: Final[set[str]] = set()
_CACHE_MAX: Final = 1024


def _connection(values: list[str]) -> tuple[bool, bool, bool]:
    """RFC 9110 §7.6.1: whether the Connection options hold close, keep-alive, upgrade."""
    key = values[0] if len(values) == 1 else ",".join(values)
    flags = _CONNECTION.get(key)
    if flags is None:
        tokens = _tokens(values)
        flags = ("close" in tokens, "keep-alive" in tokens, "upgrade" in tokens)
        if len(_CONNECTION) < _CACHE_MAX:
            _CONNECTION[key] = flags
    return flags


def _host_ok(host: str) -> bool:
    if host in _VALID_HOSTS:
        return True
    if _HOST_FIELD.fullmatch(host) is None:
        return False
    if len(_VALID_HOSTS) < _CACHE_MAX:
        _VALID_HOSTS.add(host)
    return True


def _content_length(
    values: list[str], raw: bytes, base: int, limits: Limits
) -> int:
    """RFC 9112 §6.3 rule 5 and RFC 9110 §8.6: every Content-Length value (and every item of
    a comma-separated one) must be 1*DIGIT and all must be equal."""
    if len(values) == 1:
        value = values[0]
        # The common case; int() alone would also take "+1", " 1", "1_0" and other digits.
        if value.isdigit() and value.isascii() and len(value) <= _MAX_CONTENT_LENGTH_DIGITS:
            length = int(value)
            if limits.max_body is None or length <= limits.max_body:
                return length
    length = -1
    for nth, value in enumerate(values):
        for item in value.split(","):
            item = item.strip(" \t")
            if not (item.isascii() and item.isdigit()) or len(item) > _MAX_CONTENT_LENGTH_DIGITS:
                raise _field_error(
                    InvalidContentLength,
                    f"invalid Content-Length {item!r}: must be 1*DIGIT (RFC 9110 §8.6)",
                    raw, base, "content-length", nth,
                )
            n = int(item)
            if length >= 0 and n != length:
                raise _field_error(
                    InvalidContentLength,
                    f"differing Content-Length values {length} and {n} (RFC 9112 §6.3)",
                    raw, base, "content-length", nth,
                )
            length = n
    if limits.max_body is not None and length > limits.max_body:
        raise _field_error(
            BodyTooLarge,
            f"Content-Length {length} is over the limit of {limits.max_body} bytes "
            "(Limits.max_body)",
            raw, base, "content-length",
        )
    return length


def _chunked_final(
    values: list[str], raw: bytes, base: int, request: bool
) -> bool:
    """Check a Transfer-Encoding list (RFC 9112 §6.1, §7) and say whether ``chunked`` is the
    final coding. Raises for a request whose final coding is not chunked (§6.3 rule 4),
    chunked applied twice (§6.1), an empty list, or a coding we do not know (501, §6.1)."""
    if len(values) == 1 and values[0] in _JUST_CHUNKED:
        return True  # nearly every message
    codings = [c.partition(";")[0].strip(" \t") for c in _tokens(values)]
    if not codings:
        raise _field_error(
            InvalidFraming, "empty Transfer-Encoding (RFC 9112 §6.1)", raw, base,
            "transfer-encoding",
        )
    final = codings[-1] == "chunked"
    if request and not final:
        raise _field_error(
            InvalidFraming,
            "the final transfer coding of a request must be chunked (RFC 9112 §6.3 rule 4)",
            raw, base, "transfer-encoding",
        )
    if codings.count("chunked") > 1:
        raise _field_error(
            InvalidFraming, "chunked applied more than once (RFC 9112 §6.1)", raw, base,
            "transfer-encoding",
        )
    for coding in codings:
        if coding not in _KNOWN_CODINGS:
            raise _field_error(
                UnsupportedTransferCoding,
                f"unknown transfer coding {coding!r} (RFC 9112 §6.1)",
                raw, base, "transfer-encoding",
            )
    return final


def request_head(
    method: str,
    target: str,
    version: HTTPVersion,
    pairs: list[Pair],
    specials: list[Pair],
    raw: bytes,
    base: int,
    strict: bool,
    limits: Limits,
) -> RequestHead:
    http11 = version is HTTP_1_1
    hosts = 0
    host = ""
    cl: list[str] | None = None
    te: list[str] | None = None
    conn: list[str] | None = None
    upgrade: str | None = None
    expect: str | None = None
    for name, value in specials:
        if name == "host":
            hosts += 1
            host = value
        elif name == "connection":
            if conn is None:
                conn = [value]
            else:
                conn.append(value)
        elif name == "content-length":
            if cl is None:
                cl = [value]
            else:
                cl.append(value)
        elif name == "transfer-encoding":
            if te is None:
                te = [value]
            else:
                te.append(value)
        elif name == "upgrade":
            if upgrade is None:
                upgrade = value
        elif expect is None:
            expect = value
    # RFC 9112 §3.2: 400 for an HTTP/1.1 request without Host, and for any request with more
    # than one Host line or an invalid Host value.
    if hosts != 1:
        if hosts:
            raise _field_error(
                InvalidHost, "more than one Host field (RFC 9112 §3.2)", raw, base, "host", 1
            )
        if http11 and strict:
            # Lenient mode takes it: HTTP.jl parses such requests (its test 97 fixtures).
            raise _field_error(
                InvalidHost, "HTTP/1.1 request without a Host field (RFC 9112 §3.2)", raw,
                base, "",
            )
    elif not _host_ok(host):
        raise _field_error(
            InvalidHost, f"invalid Host value {host!r} (RFC 9112 §3.2)", raw, base, "host"
        )
    if conn is None:
        keep_alive = http11
        upgrade_option = False
    else:
        close, keep, upgrade_option = _connection(conn)
        keep_alive = not close and (http11 or keep)
    content_length: int | None = 0
    chunked = False
    if te is not None:
        if not http11:
            # RFC 9112 §6.1: TE in HTTP/1.0 means faulty framing; a server rejects it.
            raise _field_error(
                InvalidFraming,
                "Transfer-Encoding in an HTTP/1.0 request (RFC 9112 §6.1)",
                raw, base, "transfer-encoding",
            )
        chunked = _chunked_final(te, raw, base, True)
        content_length = None
        if cl is not None:
            if strict:
                raise _field_error(
                    InvalidFraming,
                    "both Content-Length and Transfer-Encoding (RFC 9112 §6.3 rule 3: a "
                    "request-smuggling vector)",
                    raw, base, "transfer-encoding",
                )
            keep_alive = False  # §6.1: process with TE, then close the connection
    elif cl is not None:
        content_length = _content_length(cl, raw, base, limits)
    return RequestHead(
        method,
        target,
        version,
        Headers._trusted(pairs),
        content_length,
        chunked,
        keep_alive,
        upgrade if (upgrade_option and upgrade is not None and http11) else None,
        expect is not None and http11 and expect.lower() == "100-continue",
    )


def response_head(
    status: int,
    reason: str,
    version: HTTPVersion,
    pairs: list[Pair],
    specials: list[Pair],
    raw: bytes,
    base: int,
    strict: bool,
    limits: Limits,
    method: str,
) -> ResponseHead:
    headers = Headers._trusted(pairs)
    # (a lenient parser may see HTTP/1.2 or HTTP/0.9; 1.x from 1.1 on is persistent)
    http11 = version is HTTP_1_1 or (version.major, version.minor) >= (1, 1)
    cl: list[str] | None = None
    te: list[str] | None = None
    conn: list[str] | None = None
    upgrade: str | None = None
    for name, value in specials:
        if name == "connection":
            if conn is None:
                conn = [value]
            else:
                conn.append(value)
        elif name == "content-length":
            if cl is None:
                cl = [value]
            else:
                cl.append(value)
        elif name == "transfer-encoding":
            if te is None:
                te = [value]
            else:
                te.append(value)
        elif name == "upgrade" and upgrade is None:
            upgrade = value
    if conn is None:
        keep_alive = http11
    else:
        close, keep, _ = _connection(conn)
        keep_alive = not close and (http11 or keep)
    # RFC 9112 §6.3 rules 1–2: no content after a 1xx, 204 or 304, or in answer to HEAD; a 2xx
    # to CONNECT (like a 101) turns the connection into a tunnel. Their CL/TE are ignored.
    if status < 200 or status == 204 or status == 304 or method == "HEAD":
        up = (upgrade or "") if status == 101 else None
        return ResponseHead(status, reason, version, headers, 0, False, keep_alive, up)
    if method == "CONNECT" and status < 300:
        return ResponseHead(status, reason, version, headers, 0, False, keep_alive, None)
    content_length: int | None
    chunked = False
    if te is not None:
        chunked = _chunked_final(te, raw, base, False)
        content_length = None
        if cl is not None and strict:
            raise _field_error(
                InvalidFraming,
                "both Content-Length and Transfer-Encoding (RFC 9112 §6.3 rule 3)",
                raw, base, "transfer-encoding",
            )
        if cl is not None or not http11 or not chunked:
            # §6.1: CL with TE, or TE in HTTP/1.0, means faulty framing: close afterwards.
            # §6.3 rule 4: a final coding other than chunked is delimited by the close.
            keep_alive = False
    elif cl is not None:
        value = cl[0]
        if (
            len(cl) == 1
            and value.isdigit()
            and value.isascii()
            and len(value) <= _MAX_CONTENT_LENGTH_DIGITS
            and limits.max_body is None
        ):
            content_length = int(value)  # the common case, inlined
        else:
            content_length = _content_length(cl, raw, base, limits)
    else:
        content_length = None  # §6.3 rule 7: read until the server closes
        keep_alive = False
    return ResponseHead(status, reason, version, headers, content_length, chunked, keep_alive)
