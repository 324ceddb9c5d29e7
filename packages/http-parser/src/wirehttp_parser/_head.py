"""Message heads: the start line and the field lines (RFC 9112 §2–§5), parsed as octets.

Every head goes through one of two paths that must agree:

* the **fast path** handles the heads real clients and servers send (``token: value`` lines, no
  control characters, no folding, names already seen) with a handful of C-level operations over
  the whole head: ``bytes.translate`` finds any control byte or bare CR/LF, one ``str.split``
  cuts the lines, one regex checks the start line, and a cache of validated field names replaces
  a per-character name check. It never raises for bad syntax; it hands anything unusual over.
* the **slow path** walks the head line by line. It is the specification: it accepts what the
  RFCs and our strict/lenient rules accept and raises the precise error, with the offending
  bytes and their offset, for everything else.

Both end in :func:`_request_head` / :func:`_response_head`, which work out the framing facts
(RFC 9112 §6.3, §9.3) from the few fields that matter.

Field names are tokens, so they are ASCII; values are decoded as UTF-8, or as Latin-1 when the
head is not valid UTF-8 (HTTP.jl #796). Grammar checks run on the bytes (or on a decoding in
which each ASCII byte is one character), never on decoded text beyond ASCII.
"""

from __future__ import annotations

import re
from typing import TypeAlias

from ._errors import (
    BodyTooLarge,
    HeaderTooLarge,
    InvalidContentLength,
    InvalidFraming,
    InvalidHeaderField,
    InvalidHost,
    InvalidRequestLine,
    InvalidStatusLine,
    ParseError,
    RequestLineTooLong,
    UnsupportedTransferCoding,
    UnsupportedVersion,
)
from ._events import RequestHead, ResponseHead
from ._headers import Headers
from ._limits import Limits
from ._version import HTTP_1_0, HTTP_1_1, HTTPVersion

__all__: list[str] = []

Pair: TypeAlias = tuple[str, str]
Line: TypeAlias = tuple[bytes, int]  # a line without its line ending, and its stream offset

# RFC 9110 §5.6.2: tchar. Field names and methods are tokens.
_TCHARS = b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Bytes that may appear in a field line besides its CRLF: HTAB, SP, VCHAR, obs-text
# (RFC 9110 §5.5). Deleting them leaves only the control bytes, CR and LF included.
_LINE_BYTES = bytes([0x09, *range(0x20, 0x7F), *range(0x80, 0x100)])
# Control bytes a strict parser rejects in a value: all CTLs but HTAB (RFC 9110 §5.5); lenient
# mode still rejects NUL (and CR and LF can never get this far: they end lines).
_CTL_BYTES = bytes([*range(0x00, 0x09), *range(0x0A, 0x20), 0x7F])
_NUL = b"\x00"

_REQUEST_LINE = re.compile(r"([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([!-~]+) HTTP/([0-9]\.[0-9])")
_STATUS_LINE = re.compile(r"HTTP/([0-9]\.[0-9]) ([1-5][0-9][0-9]) (.*)")
_VERSION = re.compile(rb"HTTP/([0-9])\.([0-9])")
_VERSIONS = {"1.1": HTTP_1_1, "1.0": HTTP_1_0}

# RFC 3986 §3.2.2 uri-host (IP-literal, IPv4address or reg-name) and an optional port: the
# Host field value (RFC 9110 §7.2) and, with a mandatory port, CONNECT's authority-form.
_HOST = r"(?:\[[0-9A-Za-z:.\-_~!$&'()*+,;=%]+\]|[0-9A-Za-z\-_~%!$&'()*+,;=][0-9A-Za-z\-._~%!$&'()*+,;=]*)"
_HOST_FIELD = re.compile(rf"(?:{_HOST})?(?::[0-9]*)?")
_AUTHORITY_FORM = re.compile(rf"{_HOST}:[0-9]{{1,5}}")
# RFC 3986 §4.3 absolute-URI: scheme ":" hier-part; the characters were checked already.
_ABSOLUTE_FORM = re.compile(r"[A-Za-z][A-Za-z0-9+\-.]*:.*")

# The fields that frame a message or steer the connection; everything else is opaque here.
_SPECIAL = frozenset(
    {"content-length", "transfer-encoding", "host", "connection", "upgrade", "expect"}
)
# Field names the slow path has validated, mapped to their lower-case form when that is in
# _SPECIAL and to "" otherwise. Real traffic repeats a few dozen names, so after the first
# message the fast path only looks names up. Bounded: a peer inventing names gets the slow
# path, never unbounded memory.
_NAME_KIND: dict[str, str] = {}
_NAME_CACHE_MAX = 2048

# Transfer codings we recognise (RFC 9112 §7, the IANA registry). The parser removes only
# ``chunked``; the others are left on the content for the caller, as the field says.
_KNOWN_CODINGS = frozenset({"chunked", "gzip", "x-gzip", "deflate", "compress", "x-compress"})

_MAX_CONTENT_LENGTH_DIGITS = 19  # ≤ 2**63 - 1, what every peer can represent


# -- the two entry points --------------------------------------------------------------------


def parse_request_head(raw: bytes, base: int, strict: bool, limits: Limits) -> RequestHead:
    """Parse a request head. ``raw`` runs from the request line to the end of the last field
    line's line ending (the blank line excluded); ``base`` is its offset in the stream."""
    text = _decode(raw)
    lines = text.split("\r\n")
    # A lone CR or LF, or any other control byte, leaves more than the line ends behind.
    if len(raw.translate(None, _LINE_BYTES)) == 2 * len(lines) - 2:
        m = _REQUEST_LINE.fullmatch(lines[0])
        if m is not None and len(lines[0]) <= limits.max_start_line:
            method, target, vs = m.groups()
            version = _VERSIONS.get(vs)
            if version is not None and (
                target[0] == "/" or _target_problem(method, target, strict) is None
            ):
                fields = _fast_fields(lines, limits)
                if fields is not None:
                    return _request_head(
                        method, target, version, fields[0], fields[1], raw, base, strict, limits
                    )
    return _slow_request_head(raw, base, strict, limits)


def parse_response_head(
    raw: bytes, base: int, strict: bool, limits: Limits, method: str
) -> ResponseHead:
    """Parse a response head (see :func:`parse_request_head`); ``method`` is the method of the
    request it answers, which decides whether it has a body (RFC 9112 §6.3 rules 1–2)."""
    text = _decode(raw)
    lines = text.split("\r\n")
    if len(raw.translate(None, _LINE_BYTES)) == 2 * len(lines) - 2:
        m = _STATUS_LINE.fullmatch(lines[0])
        if m is not None and len(lines[0]) <= limits.max_start_line:
            vs, code, reason = m.groups()
            version = _VERSIONS.get(vs)
            if version is not None:
                fields = _fast_fields(lines, limits)
                if fields is not None:
                    return _response_head(
                        int(code), reason, version, fields[0], fields[1], raw, base, strict,
                        limits, method,
                    )
    return _slow_response_head(raw, base, strict, limits, method)


def parse_trailers(raw: bytes, base: int, strict: bool, limits: Limits) -> Headers:
    """Parse a trailer section (RFC 9112 §7.1.2): field lines, CRLF only even in lenient mode,
    since it is part of the chunked framing (RFC 9112 errata 7633)."""
    lines = _split_lines(raw, base, False, InvalidHeaderField)
    pairs, _ = _slow_fields(lines, 0, strict, limits, _encoding(raw), trailer=True)
    return Headers._trusted(pairs)


# -- fast path -------------------------------------------------------------------------------


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _fast_fields(lines: list[str], limits: Limits) -> tuple[list[Pair], list[Pair]] | None:
    """The field lines ``lines[1:-1]`` as pairs, plus the special fields as (lower-case name,
    value); ``None`` when a line needs the slow path (an unseen name, no colon, folding, …).
    The caller has checked that no control byte other than the CRLFs is present."""
    n = len(lines) - 2
    if n > limits.max_headers:
        return None
    pairs: list[Pair] = []
    specials: list[Pair] = []
    kind_of = _NAME_KIND.get
    for i in range(1, n + 1):
        name, colon, value = lines[i].partition(":")
        kind = kind_of(name)
        if kind is None or not colon:
            return None
        # OWS around the value is not part of it (RFC 9112 §5.1); only SP and HTAB, never
        # the other characters str.strip() would take.
        value = value.strip(" \t")
        pairs.append((name, value))
        if kind:
            specials.append((kind, value))
    return pairs, specials


# -- slow path -------------------------------------------------------------------------------


def _encoding(raw: bytes) -> str:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


def _split_lines(
    raw: bytes, base: int, bare_lf_ok: bool, first_error: type[ParseError]
) -> list[Line]:
    """Cut ``raw`` into lines. A CR must be followed by LF and, unless ``bare_lf_ok``, an LF
    preceded by CR (RFC 9112 §2.2); the first line's errors are of type ``first_error``."""
    out: list[Line] = []
    i = 0
    end = len(raw)
    while i < end:
        j = raw.find(b"\n", i)
        if j < 0:
            j = end
        error = first_error if not out else InvalidHeaderField
        if j > i and raw[j - 1] == 0x0D:
            line = raw[i : j - 1]
        else:
            line = raw[i:j]
            if j < end and not bare_lf_ok:
                raise error(
                    "line ends in a bare LF, not CRLF (RFC 9112 §2.2)", raw[i : j + 1], base + i
                )
        cr = line.find(b"\r")
        if cr >= 0:
            raise error(
                "bare CR (not followed by LF) inside a line (RFC 9112 §2.2)",
                line[cr:],
                base + i + cr,
            )
        out.append((line, base + i))
        i = j + 1
    return out


def _first_bad(data: bytes, allowed: bytes) -> int:
    """Index of the first byte of ``data`` not in ``allowed``, or -1."""
    rest = data.translate(None, allowed)
    if not rest:
        return -1
    return min(data.index(b) for b in set(rest))


def _slow_fields(
    lines: list[Line],
    start: int,
    strict: bool,
    limits: Limits,
    enc: str,
    *,
    trailer: bool = False,
) -> tuple[list[Pair], list[Pair]]:
    """Field lines ``lines[start:]`` → (pairs, special fields), raising the precise error."""
    pairs: list[Pair] = []
    for idx in range(start, len(lines)):
        line, off = lines[idx]
        if line[:1] in (b" ", b"\t"):
            if not pairs:
                # RFC 9112 §2.2: whitespace between the start line and the first field line
                # could make a recipient see a field the sender did not mean; reject.
                where = "the trailer section" if trailer else "the start line"
                raise InvalidHeaderField(
                    f"whitespace-preceded line right after {where} (RFC 9112 §2.2)", line, off
                )
            if strict:
                raise InvalidHeaderField(
                    "obsolete line folding (obs-fold) is not allowed (RFC 9112 §5.2)", line, off
                )
            # Lenient: replace the obs-fold with one SP (RFC 9112 §5.2).
            more = line.strip(b" \t")
            _check_value(more, line, off, strict)
            prev_name, prev_value = pairs[-1]
            text = more.decode(enc)
            pairs[-1] = (prev_name, f"{prev_value} {text}" if prev_value else text)
            continue
        colon = line.find(b":")
        if colon < 0:
            raise InvalidHeaderField("field line without a colon (RFC 9112 §5)", line, off)
        name = line[:colon]
        if not name:
            raise InvalidHeaderField("empty field name (RFC 9112 §5)", line, off)
        if name[-1:] in (b" ", b"\t"):
            # RFC 9112 §5.1: a server MUST reject whitespace between name and colon with 400,
            # in every mode: it is a request-smuggling vector.
            ws = len(name.rstrip(b" \t"))
            raise InvalidHeaderField(
                "whitespace between the field name and the colon (RFC 9112 §5.1)",
                line[ws:],
                off + ws,
            )
        bad = _first_bad(name, _TCHARS)
        if bad >= 0:
            raise InvalidHeaderField(
                f"invalid character {name[bad:bad + 1]!r} in a field name; names are tokens "
                "(RFC 9110 §5.1)",
                line[bad:],
                off + bad,
            )
        value = line[colon + 1 :].strip(b" \t")
        _check_value(value, line, off, strict)
        if len(pairs) >= limits.max_headers:
            raise HeaderTooLarge(
                f"more than {limits.max_headers} field lines (Limits.max_headers)", line, off
            )
        pairs.append((name.decode("ascii"), value.decode(enc)))
    specials = [(n.lower(), v) for n, v in pairs if n.lower() in _SPECIAL]
    if len(_NAME_KIND) < _NAME_CACHE_MAX:
        for n, _ in pairs:
            if n not in _NAME_KIND:
                low = n.lower()
                _NAME_KIND[n] = low if low in _SPECIAL else ""
    return pairs, specials


def _check_value(value: bytes, line: bytes, off: int, strict: bool) -> None:
    """RFC 9110 §5.5: NUL (like CR and LF) is never allowed in a value; the other control
    characters only in lenient mode (HTTP.jl accepts them, its test 117)."""
    bad = _first_bad(value, _LINE_BYTES) if strict else value.find(_NUL)
    if bad >= 0:
        at = line.find(value) + bad
        raise InvalidHeaderField(
            f"control character {value[bad:bad + 1]!r} in a field value (RFC 9110 §5.5)",
            line[at:],
            off + at,
        )


def _slow_request_head(raw: bytes, base: int, strict: bool, limits: Limits) -> RequestHead:
    lines = _split_lines(raw, base, not strict, InvalidRequestLine)
    line, off = lines[0]
    if len(line) > limits.max_start_line:
        raise RequestLineTooLong(
            f"request line longer than {limits.max_start_line} bytes (Limits.max_start_line)",
            line,
            off,
        )
    parts = line.split(b" ") if strict else re.split(rb"[ \t]+", line)
    if len(parts) != 3 or not all(parts):
        raise InvalidRequestLine(
            "request line is not 'method SP request-target SP HTTP-version' (RFC 9112 §3)",
            line,
            off,
        )
    method_b, target_b, version_b = parts
    bad = _first_bad(method_b, _TCHARS)
    if bad >= 0:
        raise InvalidRequestLine("the method is not a token (RFC 9112 §3.1)", line, off)
    tpos = line.find(target_b, len(method_b))
    vpos = line.rfind(version_b)
    vm = _VERSION.fullmatch(version_b)
    if vm is None:
        raise InvalidRequestLine(
            "malformed HTTP-version; expected HTTP/DIGIT.DIGIT (RFC 9112 §2.3)",
            version_b,
            off + vpos,
        )
    # request-target: no whitespace or control characters (RFC 9112 §3.2); strict mode takes
    # VCHAR only, lenient mode also obs-text.
    allowed = _VCHARS if strict else _VCHARS_OBS
    bad = _first_bad(target_b, allowed)
    if bad >= 0:
        raise InvalidRequestLine(
            f"invalid character {target_b[bad:bad + 1]!r} in the request-target (RFC 9112 §3.2)",
            target_b[bad:],
            off + tpos + bad,
        )
    method = method_b.decode("ascii")
    target = target_b.decode(_encoding(raw))
    problem = _target_problem(method, target, strict)
    if problem is not None:
        raise InvalidRequestLine(problem, target_b, off + tpos)
    version = _VERSIONS.get(f"{vm[1].decode()}.{vm[2].decode()}")
    if version is None:
        raise UnsupportedVersion(
            f"HTTP version {version_b.decode()} is not supported; this is HTTP/1.0 and "
            "HTTP/1.1 only",
            version_b,
            off + vpos,
        )
    pairs, specials = _slow_fields(lines, 1, strict, limits, _encoding(raw))
    return _request_head(method, target, version, pairs, specials, raw, base, strict, limits)


_VCHARS = bytes(range(0x21, 0x7F))
_VCHARS_OBS = bytes([*range(0x21, 0x7F), *range(0x80, 0x100)])


def _target_problem(method: str, target: str, strict: bool) -> str | None:
    """Which request-target form fits (RFC 9112 §3.2): origin-form ``/path?query`` for any
    method; absolute-form ``scheme:…`` for any method but CONNECT; authority-form
    ``host:port`` only with CONNECT; asterisk-form ``*`` only with OPTIONS. Lenient mode also
    takes an origin-form CONNECT and ``*`` with any method (HTTP.jl's test 103). A target
    starting with ``.`` is never taken (HTTP.jl's test 101: ``../../etc/passwd``)."""
    if method == "CONNECT":
        if _AUTHORITY_FORM.fullmatch(target) is not None:
            return None
        if not strict and target[0] == "/":
            return None
        return "CONNECT needs an authority-form target host:port (RFC 9112 §3.2.3)"
    if target[0] == "/":
        return None
    if target == "*":
        if method == "OPTIONS" or not strict:
            return None
        return "the asterisk-form target '*' is only for OPTIONS (RFC 9112 §3.2.4)"
    if target[0] != "." and _ABSOLUTE_FORM.fullmatch(target) is not None:
        return None
    return (
        "request-target must be origin-form ('/…'), absolute-form ('scheme:…'), "
        "authority-form (CONNECT) or '*' (OPTIONS) (RFC 9112 §3.2)"
    )


def _slow_response_head(
    raw: bytes, base: int, strict: bool, limits: Limits, method: str
) -> ResponseHead:
    lines = _split_lines(raw, base, not strict, InvalidStatusLine)
    line, off = lines[0]
    if len(line) > limits.max_start_line:
        raise InvalidStatusLine(
            f"status line longer than {limits.max_start_line} bytes (Limits.max_start_line)",
            line,
            off,
        )
    text = line
    if not strict and text[:1] == b" ":
        text = text[1:]  # HTTP.jl #190: a server that sends one leading space
    vm = _VERSION.match(text)
    if vm is None:
        raise InvalidStatusLine(
            "status line does not start with HTTP/DIGIT.DIGIT (RFC 9112 §4)", line, off
        )
    rest = text[vm.end() :]
    code_b = rest[1:4]
    if rest[:1] != b" " or len(code_b) != 3 or not code_b.isdigit():
        raise InvalidStatusLine(
            "status line is not 'HTTP-version SP 3DIGIT SP reason' (RFC 9112 §4)", line, off
        )
    code = int(code_b)
    if code < 100 or (strict and code > 599):
        raise InvalidStatusLine(
            f"status code {code} is outside 100–599 (RFC 9110 §15)", line, off
        )
    reason_b = rest[4:]
    if reason_b[:1] == b" ":
        reason_b = reason_b[1:]
    elif reason_b or strict:
        # RFC 9112 §4: the SP before the reason is required even when the reason is empty;
        # lenient mode takes "HTTP/1.1 200" (HTTP.jl).
        raise InvalidStatusLine(
            "status line is not 'HTTP-version SP 3DIGIT SP reason' (RFC 9112 §4)", line, off
        )
    bad = _first_bad(reason_b, _LINE_BYTES) if strict else reason_b.find(_NUL)
    if bad >= 0:
        raise InvalidStatusLine(
            "control character in the reason phrase (RFC 9112 §4)", line, off
        )
    version = _VERSIONS.get(f"{vm[1].decode()}.{vm[2].decode()}")
    if version is None:
        raise UnsupportedVersion(
            f"HTTP version {vm[0].decode()} is not supported; this is HTTP/1.0 and HTTP/1.1 "
            "only",
            vm[0],
            off + (len(line) - len(text)),
        )
    enc = _encoding(raw)
    pairs, specials = _slow_fields(lines, 1, strict, limits, enc)
    return _response_head(
        code, reason_b.decode(enc), version, pairs, specials, raw, base, strict, limits, method
    )


# -- framing (both paths) --------------------------------------------------------------------


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


def _content_length(
    values: list[str], raw: bytes, base: int, limits: Limits
) -> int:
    """RFC 9112 §6.3 rule 5 and RFC 9110 §8.6: every Content-Length value (and every item of
    a comma-separated one) must be 1*DIGIT and all must be equal."""
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


def _request_head(
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
    headers = Headers._trusted(pairs)
    http11 = version is HTTP_1_1
    hosts = 0
    host = ""
    cl: list[str] = []
    te: list[str] = []
    conn: list[str] = []
    upgrade: str | None = None
    expect: str | None = None
    for name, value in specials:
        if name == "host":
            hosts += 1
            host = value
        elif name == "connection":
            conn.append(value)
        elif name == "content-length":
            cl.append(value)
        elif name == "transfer-encoding":
            te.append(value)
        elif name == "upgrade":
            if upgrade is None:
                upgrade = value
        elif expect is None:
            expect = value
    # RFC 9112 §3.2: 400 for an HTTP/1.1 request without Host, and for any request with more
    # than one Host line or an invalid Host value.
    if hosts != 1 and (hosts or http11):
        if hosts:
            raise _field_error(
                InvalidHost, "more than one Host field (RFC 9112 §3.2)", raw, base, "host", 1
            )
        raise _field_error(
            InvalidHost, "HTTP/1.1 request without a Host field (RFC 9112 §3.2)", raw, base, ""
        )
    if hosts and _HOST_FIELD.fullmatch(host) is None:
        raise _field_error(
            InvalidHost, f"invalid Host value {host!r} (RFC 9112 §3.2)", raw, base, "host"
        )

    if conn:
        tokens = _tokens(conn)
        keep_alive = "close" not in tokens and (http11 or "keep-alive" in tokens)
    else:
        tokens = []
        keep_alive = http11
    content_length: int | None = 0
    chunked = False
    if te:
        if not http11:
            # RFC 9112 §6.1: TE in HTTP/1.0 means faulty framing; a server rejects it.
            raise _field_error(
                InvalidFraming,
                "Transfer-Encoding in an HTTP/1.0 request (RFC 9112 §6.1)",
                raw, base, "transfer-encoding",
            )
        chunked = _chunked_final(te, raw, base, True)
        content_length = None
        if cl:
            if strict:
                raise _field_error(
                    InvalidFraming,
                    "both Content-Length and Transfer-Encoding (RFC 9112 §6.3 rule 3: a "
                    "request-smuggling vector)",
                    raw, base, "transfer-encoding",
                )
            keep_alive = False  # §6.1: process with TE, then close the connection
    elif cl:
        content_length = _content_length(cl, raw, base, limits)
    up = upgrade if (upgrade is not None and http11 and "upgrade" in tokens) else None
    expect_continue = (
        expect is not None and http11 and expect.lower() == "100-continue"
    )
    return RequestHead(
        method, target, version, headers, content_length, chunked, keep_alive, up,
        expect_continue,
    )


def _response_head(
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
    http11 = version is HTTP_1_1
    cl: list[str] = []
    te: list[str] = []
    conn: list[str] = []
    upgrade: str | None = None
    for name, value in specials:
        if name == "connection":
            conn.append(value)
        elif name == "content-length":
            cl.append(value)
        elif name == "transfer-encoding":
            te.append(value)
        elif name == "upgrade" and upgrade is None:
            upgrade = value
    if conn:
        tokens = _tokens(conn)
        keep_alive = "close" not in tokens and (http11 or "keep-alive" in tokens)
    else:
        keep_alive = http11
    # RFC 9112 §6.3 rules 1–2: no content after a 1xx, 204 or 304, or in answer to HEAD; a 2xx
    # to CONNECT (like a 101) turns the connection into a tunnel. Their CL/TE are ignored.
    if status < 200 or status == 204 or status == 304 or method == "HEAD":
        up = (upgrade or "") if status == 101 else None
        return ResponseHead(status, reason, version, headers, 0, False, keep_alive, up)
    if method == "CONNECT" and status < 300:
        return ResponseHead(status, reason, version, headers, 0, False, keep_alive, None)
    content_length: int | None
    chunked = False
    if te:
        chunked = _chunked_final(te, raw, base, False)
        content_length = None
        if cl and strict:
            raise _field_error(
                InvalidFraming,
                "both Content-Length and Transfer-Encoding (RFC 9112 §6.3 rule 3)",
                raw, base, "transfer-encoding",
            )
        if cl or not http11 or not chunked:
            # §6.1: CL with TE, or TE in HTTP/1.0, means faulty framing: close afterwards.
            # §6.3 rule 4: a final coding other than chunked is delimited by the close.
            keep_alive = False
    elif cl:
        content_length = _content_length(cl, raw, base, limits)
    else:
        content_length = None  # §6.3 rule 7: read until the server closes
        keep_alive = False
    return ResponseHead(status, reason, version, headers, content_length, chunked, keep_alive)
