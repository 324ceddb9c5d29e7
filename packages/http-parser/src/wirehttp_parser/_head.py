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

Both end in :mod:`._framing`, which works out the framing facts (RFC 9112 §6.3, §9.3) from the
few fields that matter.

Field names are tokens, so they are ASCII; values are decoded as UTF-8, or as Latin-1 when the
head is not valid UTF-8 (HTTP.jl #796). Grammar checks run on the bytes (or on a decoding in
which each ASCII byte is one character), never on decoded text beyond ASCII.
"""

from __future__ import annotations

import re
from typing import Final, TypeAlias

from ._errors import (
    HeaderTooLarge,
    InvalidHeaderField,
    InvalidRequestLine,
    InvalidStatusLine,
    ParseError,
    RequestLineTooLong,
    UnsupportedVersion,
)
from ._events import RequestHead, ResponseHead
from ._framing import HOST, request_head, response_head
from ._headers import Headers
from ._limits import Limits
from ._version import HTTP_1_0, HTTP_1_1, HTTPVersion

__all__: list[str] = []

Pair: TypeAlias = tuple[str, str]
Line: TypeAlias = tuple[bytes, int]  # a line without its line ending, and its stream offset

# RFC 9110 §5.6.2: tchar. Field names and methods are tokens.
_TCHARS: Final = b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Bytes that may appear in a field line besides its CRLF: HTAB, SP, VCHAR, obs-text
# (RFC 9110 §5.5). Deleting them leaves only the control bytes, CR and LF included.
_LINE_BYTES: Final = bytes([0x09, *range(0x20, 0x7F), *range(0x80, 0x100)])
_NUL: Final = b"\x00"  # never in a value, even in lenient mode (RFC 9110 §5.5)

_TOKEN: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_METHODS: Final = frozenset(
    {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}
)
# status-code = 3DIGIT (RFC 9110 §15), 100–599 here: the fast path looks the code up whole,
# which checks and converts it in one step (int() would also take "+12", " 12", "1_2", and
# non-ASCII digits). Anything else goes to the slow path, which says what is wrong.
_STATUS_CODES: Final = {str(code): code for code in range(100, 600)}
_VERSION: Final = re.compile(rb"HTTP/([0-9])\.([0-9])")
_VERSIONS: Final = {"HTTP/1.1": HTTP_1_1, "HTTP/1.0": HTTP_1_0}

# CONNECT's authority-form: uri-host ":" port (RFC 9112 §3.2.3).
_AUTHORITY_FORM: Final = re.compile(rf"{HOST}:[0-9]{{1,5}}")
# RFC 3986 §4.3 absolute-URI: scheme ":" hier-part; the characters were checked already.
_ABSOLUTE_FORM: Final = re.compile(r"[A-Za-z][A-Za-z0-9+\-.]*:.*")

# The fields that frame a message or steer the connection; everything else is opaque here.
_SPECIAL: Final = frozenset(
    {"content-length", "transfer-encoding", "host", "connection", "upgrade", "expect"}
)
# Field names the slow path has validated, mapped to their lower-case form when that is in
# _SPECIAL and to "" otherwise. Real traffic repeats a few dozen names, so after the first
# message the fast path only looks names up. Bounded: a peer inventing names gets the slow
# path, never unbounded memory.
_NAME_KIND: Final[dict[str, str]] = {}
_NAME_CACHE_MAX: Final = 2048

# -- the two entry points --------------------------------------------------------------------


def parse_request_head(raw: bytes, base: int, strict: bool, limits: Limits) -> RequestHead:
    """Parse a request head. ``raw`` runs from the request line to the end of the last field
    line's line ending (the blank line excluded); ``base`` is its offset in the stream."""
    fast = _fast_head(raw, limits)
    if fast is not None:
        start, pairs, specials = fast
        parts = start.split(" ")
        if len(parts) == 3:
            method, target, vs = parts
            version = _VERSIONS.get(vs)
            # The method is a token and the target VCHARs: no CTL (checked by _fast_head), no
            # SP (split), no HTAB, and ASCII.
            if (
                version is not None
                and (method in _METHODS or _TOKEN.fullmatch(method) is not None)
                and target
                and target.isascii()
                and "\t" not in target
                and (
                    (target[0] == "/" and method != "CONNECT")
                    or _target_problem(method, target, strict) is None
                )
            ):
                return request_head(
                    method, target, version, pairs, specials, raw, base, strict, limits
                )
    return _slow_request_head(raw, base, strict, limits)


def parse_response_head(
    raw: bytes, base: int, strict: bool, limits: Limits, method: str
) -> ResponseHead:
    """Parse a response head (see :func:`parse_request_head`); ``method`` is the method of the
    request it answers, which decides whether it has a body (RFC 9112 §6.3 rules 1–2)."""
    fast = _fast_head(raw, limits)
    if fast is not None:
        start, pairs, specials = fast
        # status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4); the
        # reason may hold spaces, and _fast_head has excluded control characters.
        parts = start.split(" ", 2)
        if len(parts) == 3:
            vs, code, reason = parts
            version = _VERSIONS.get(vs)
            status = _STATUS_CODES.get(code)
            if version is not None and status is not None:
                return response_head(
                    status, reason, version, pairs, specials, raw, base, strict, limits, method
                )
    return _slow_response_head(raw, base, strict, limits, method)


def parse_trailers(raw: bytes, base: int, strict: bool, limits: Limits) -> Headers:
    """Parse a trailer section (RFC 9112 §7.1.2): field lines, CRLF only even in lenient mode,
    since it is part of the chunked framing (RFC 9112 errata 7633)."""
    lines = _split_lines(raw, base, False, InvalidHeaderField)
    pairs, _ = _slow_fields(lines, 0, strict, limits, _encoding(raw), trailer=True)
    return Headers._trusted(pairs)


# -- fast path -------------------------------------------------------------------------------


def _fast_head(raw: bytes, limits: Limits) -> tuple[str, list[Pair], list[Pair]] | None:
    """(start line, field pairs, special fields as (lower-case name, value)) for a head made of
    ``token:value`` lines with known names, CRLF line ends and no control characters; ``None``
    for anything else (an unseen name, no colon, folding, a bare CR, …), which the slow path
    then accepts or rejects precisely."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    lines = text.split("\r\n")
    n = len(lines)
    # A lone CR or LF, or any other control byte, leaves more than the line ends behind.
    if (
        len(raw.translate(None, _LINE_BYTES)) != 2 * n - 2
        or n - 2 > limits.max_headers
        or len(lines[0]) > limits.max_start_line
        # the limit is in bytes; a UTF-8 start line has more bytes than characters
        or (not text.isascii() and raw.index(b"\r\n") > limits.max_start_line)
    ):
        return None
    pairs: list[Pair] = []
    specials: list[Pair] = []
    # Method calls on typed locals, not bound-method aliases: CPython 3.11 specialises
    # list.append and dict.get at the call site, and mypyc compiles them to direct C calls
    # (an alias would be a generic Python call there).
    kinds = _NAME_KIND
    for line in lines[1:-1]:
        # Nearly every sender writes "Name: value" (RFC 9112 §5.1 recommends the one SP), so
        # cut at ": ": the value then usually has no OWS left and strip() below returns it
        # as it is instead of building a new string. A hit in the cache of validated names
        # proves the name is a token, so holds no ":": this ": " holds the line's first
        # colon, and the cut is the one a cut at ":" would make. Otherwise (no SP after the
        # colon, a value holding ": " after "Name:", an unseen name) cut at the first colon.
        name, colon, value = line.partition(": ")
        kind = kinds.get(name)
        if kind is None or not colon:
            name, colon, value = line.partition(":")
            kind = kinds.get(name)
            if kind is None or not colon:
                return None
        # OWS around the value is not part of it (RFC 9112 §5.1); only SP and HTAB, never
        # the other characters str.strip() would take.
        value = value.strip(" \t")
        pairs.append((name, value))
        if kind:
            specials.append((kind, value))
    return lines[0], pairs, specials


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
    version = _VERSIONS.get(vm[0].decode())
    if version is None:
        raise UnsupportedVersion(
            f"HTTP version {version_b.decode()} is not supported; this is HTTP/1.0 and "
            "HTTP/1.1 only",
            version_b,
            off + vpos,
        )
    method = method_b.decode("ascii")
    target = target_b.decode(_encoding(raw))
    problem = _target_problem(method, target, strict)
    if problem is not None:
        raise InvalidRequestLine(problem, target_b, off + tpos)
    pairs, specials = _slow_fields(lines, 1, strict, limits, _encoding(raw))
    return request_head(method, target, version, pairs, specials, raw, base, strict, limits)


_VCHARS: Final = bytes(range(0x21, 0x7F))
_VCHARS_OBS: Final = bytes([*range(0x21, 0x7F), *range(0x80, 0x100)])


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
    elif reason_b:
        # RFC 9112 §4 requires the SP before the reason even when the reason is empty, but
        # "HTTP/1.1 200" with none is common from real servers, harmless to framing (a client
        # ignores the reason, §4), and accepted by h11, llhttp, curl and browsers: we take it
        # in strict mode too. Anything else after the code must follow a SP.
        raise InvalidStatusLine(
            "status line is not 'HTTP-version SP 3DIGIT SP reason' (RFC 9112 §4)", line, off
        )
    bad = _first_bad(reason_b, _LINE_BYTES) if strict else reason_b.find(_NUL)
    if bad >= 0:
        raise InvalidStatusLine(
            "control character in the reason phrase (RFC 9112 §4)", line, off
        )
    version = _VERSIONS.get(vm[0].decode())
    if version is None:
        if strict or vm[1] not in (b"0", b"1"):
            raise UnsupportedVersion(
                f"HTTP version {vm[0].decode()} is not supported; this is HTTP/1.0 and "
                "HTTP/1.1 only",
                vm[0],
                off + (len(line) - len(text)),
            )
        # Lenient: an HTTP/0.x or 1.x server is talked to as HTTP/1.0 or 1.1 (RFC 9110 §2.5).
        version = HTTPVersion(int(vm[1]), int(vm[2]))
    enc = _encoding(raw)
    pairs, specials = _slow_fields(lines, 1, strict, limits, enc)
    return response_head(
        code, reason_b.decode(enc), version, pairs, specials, raw, base, strict, limits, method
    )
