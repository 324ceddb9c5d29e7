"""``isjson``: is this the start of a JSON text? HTTP.jl's hand-written validator, used by
:func:`~wirehttp_parser.sniff` and exported on its own.

The RFC 8259 grammar is checked over at most the first 512 bytes, the sniffing window. The
window may cut a document anywhere, so running out of bytes inside a value is not an error: the
answer means "everything so far is valid JSON". The loop is exact, byte by byte, with an explicit
stack (no recursion, so nesting depth is not limited); two regular expressions consume runs of
simple array elements and object members at C speed, and hand everything else back to it.
"""

from __future__ import annotations

import re

__all__ = ["isjson"]

# The window every sniffer in the lineage uses (Go's sniffLen, HTTP.jl's MAXSNIFFLENGTH).
_SNIFF_LEN = 512


def _head(data: bytes | bytearray | memoryview | str) -> bytes:
    """The first 512 bytes of ``data`` as ``bytes``, without copying the rest."""
    if isinstance(data, str):
        # Slice before encoding (512 characters are at least 512 bytes); surrogatepass so that
        # a str holding lone surrogates still gets an answer instead of a UnicodeEncodeError.
        return data[:_SNIFF_LEN].encode("utf-8", "surrogatepass")[:_SNIFF_LEN]
    if isinstance(data, memoryview) and (data.ndim != 1 or data.itemsize != 1):
        data = memoryview(data.tobytes())
    return bytes(data[:_SNIFF_LEN])


_JSON_WS = b" \t\n\r"  # RFC 8259 §2: ws = SP / HTAB / LF / CR (not FF)
_DIGITS = b"0123456789"
_HEX = b"0123456789abcdefABCDEF"
_ESCAPES = b'"\\/bfnrtu'  # RFC 8259 §7
_LITERALS = {ord("t"): b"true", ord("f"): b"false", ord("n"): b"null"}
# The run of string bytes that need no attention: not a quote, a backslash or a control byte
# (RFC 8259 §7: control characters must be escaped inside strings).
_PLAIN = re.compile(rb'[^"\\\x00-\x1f]*')
_OPEN_OBJ, _OPEN_ARR = ord("{"), ord("[")
_VALUE, _AFTER_VALUE, _KEY, _COLON = range(4)

# Fast paths: a run of complete ``value ,`` array elements, or of ``"key" : scalar ,`` object
# members, consumed by one regular-expression call instead of byte by byte (3-5x faster). An
# array element may be a flat array or object of scalars, so an array of records is one run;
# object values are scalars only, so that a long flat array cut by the window is scanned once.
# They accept exactly RFC 8259 strings (§7), numbers (§6; the lookahead refuses one whose
# fraction or exponent is cut or wrong) and literals, and stop at anything else (deeper nesting,
# the last element, the window's end, an error), which the exact loop below then handles.
# Possessive quantifiers (Python 3.11) keep them from ever backtracking.
_WS_RE = rb"[ \t\n\r]*+"
_STRING_RE = rb'"[^"\\\x00-\x1f]*+(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*+)*+"'
_SCALAR_RE = (
    rb"(?:" + _STRING_RE + rb"|-?(?:0|[1-9][0-9]*+)(?:\.[0-9]++)?(?:[eE][+-]?[0-9]++)?"
    rb"(?![.eE0-9])|true|false|null)"
)
_MEMBER_RE = _STRING_RE + _WS_RE + rb":" + _WS_RE + _SCALAR_RE
_VALUE_RE = (
    rb"(?:" + _SCALAR_RE
    + rb"|\[" + _WS_RE + rb"(?:" + _SCALAR_RE + rb"(?:" + _WS_RE + rb"," + _WS_RE + _SCALAR_RE
    + rb")*+" + _WS_RE + rb")?\]"
    + rb"|\{" + _WS_RE + rb"(?:" + _MEMBER_RE + rb"(?:" + _WS_RE + rb"," + _WS_RE + _MEMBER_RE
    + rb")*+" + _WS_RE + rb")?\})"
)  # fmt: skip
_ARRAY_RUN = re.compile(rb"(?:" + _WS_RE + _VALUE_RE + _WS_RE + rb",)*+")
_OBJECT_RUN = re.compile(rb"(?:" + _WS_RE + _MEMBER_RE + _WS_RE + rb",)*+")


class _NotJSON(Exception):
    """Internal: the byte at ``index`` cannot continue a JSON text."""

    def __init__(self, index: int) -> None:
        self.index = index


def isjson(data: bytes | bytearray | memoryview | str) -> tuple[bool, int]:
    """Whether the first 512 bytes of ``data`` are JSON (RFC 8259), as HTTP.jl's ``isjson``.

    Returns ``(True, n)`` with ``n`` the number of bytes examined, or ``(False, i)`` with ``i``
    the offset of the first byte that cannot continue a JSON text.

    **A truncated document is OK**: sniffing sees at most 512 bytes of a body that may be much
    longer, so input that ends inside a value counts as JSON — every prefix of ``null``,
    ``true`` and ``false`` (``"nu"``, ``"tru"``), an unclosed string, array or object, a number
    cut after its ``-``, ``.`` or ``e``. Everything that *is* there must be valid: ``"2A"`` and
    ``'{"a" 1}'`` are not JSON. Empty or whitespace-only input is not JSON (no value started).
    """
    buf = _head(data)
    n = len(buf)
    i = _skip_ws(buf, 0)
    if i == n:
        return (False, i)
    stack: list[int] = []  # the open containers, innermost last
    state = _VALUE
    just_opened = False  # right after "[" or "{", where the closing bracket may follow
    try:
        while True:
            if state == _KEY or (state == _VALUE and stack and stack[-1] == _OPEN_ARR):
                run = (_OBJECT_RUN if state == _KEY else _ARRAY_RUN).match(buf, i)
                if run is not None and run.end() > i:
                    i = run.end()
                    just_opened = False
            i = _skip_ws(buf, i)
            if i >= n:
                return (True, n)
            b = buf[i]
            if state == _VALUE:
                if b == _OPEN_OBJ or b == _OPEN_ARR:
                    stack.append(b)
                    i += 1
                    state = _KEY if b == _OPEN_OBJ else _VALUE
                    just_opened = True
                    continue
                if just_opened and b == ord("]"):
                    stack.pop()
                    i += 1
                elif b == ord('"'):
                    i = _string(buf, i)
                elif b == ord("-") or b in _DIGITS:
                    i = _number(buf, i)
                elif b in _LITERALS:
                    i = _literal(buf, i, _LITERALS[b])
                else:
                    return (False, i)
                state = _AFTER_VALUE
            elif state == _AFTER_VALUE:
                if not stack:  # junk after a complete top-level value
                    return (False, i)
                top = stack[-1]
                if b == ord(","):
                    i += 1
                    state = _KEY if top == _OPEN_OBJ else _VALUE
                elif (b == ord("}") and top == _OPEN_OBJ) or (b == ord("]") and top == _OPEN_ARR):
                    stack.pop()
                    i += 1
                else:
                    return (False, i)
            elif state == _KEY:
                if just_opened and b == ord("}"):
                    stack.pop()
                    i += 1
                    state = _AFTER_VALUE
                elif b == ord('"'):
                    i = _string(buf, i)
                    state = _COLON
                else:
                    return (False, i)
            else:  # _COLON
                if b != ord(":"):
                    return (False, i)
                i += 1
                state = _VALUE
            just_opened = False
    except _NotJSON as bad:
        return (False, bad.index)


def _skip_ws(buf: bytes, i: int) -> int:
    n = len(buf)
    while i < n and buf[i] in _JSON_WS:
        i += 1
    return i


def _string(buf: bytes, i: int) -> int:
    """``buf[i]`` is the opening quote; return the index after the closing one (or the end of
    the window)."""
    n = len(buf)
    i += 1
    while True:
        m = _PLAIN.match(buf, i)
        i = m.end() if m is not None else i
        if i >= n:
            return n
        b = buf[i]
        if b == ord('"'):
            return i + 1
        if b != ord("\\"):
            raise _NotJSON(i)  # an unescaped control character
        if i + 1 >= n:
            return n
        esc = buf[i + 1]
        if esc not in _ESCAPES:
            raise _NotJSON(i + 1)
        i += 2
        if esc == ord("u"):
            for _ in range(4):
                if i >= n:
                    return n
                if buf[i] not in _HEX:
                    raise _NotJSON(i)
                i += 1


def _number(buf: bytes, i: int) -> int:
    """RFC 8259 §6: ``-? (0 / [1-9] DIGIT*) ("." DIGIT+)? ([eE] [+-]? DIGIT+)?``."""
    n = len(buf)
    if buf[i] == ord("-"):
        i += 1
        if i >= n:
            return n
    if buf[i] == ord("0"):
        i += 1  # no leading zeros: "01" ends the number after the 0
    elif buf[i] in _DIGITS:
        i = _digits(buf, i)
    else:
        raise _NotJSON(i)
    if i < n and buf[i] == ord("."):
        i += 1
        if i >= n:
            return n
        if buf[i] not in _DIGITS:
            raise _NotJSON(i)
        i = _digits(buf, i)
    if i < n and buf[i] in b"eE":
        i += 1
        if i < n and buf[i] in b"+-":
            i += 1
        if i >= n:
            return n
        if buf[i] not in _DIGITS:
            raise _NotJSON(i)
        i = _digits(buf, i)
    return i


def _digits(buf: bytes, i: int) -> int:
    n = len(buf)
    while i < n and buf[i] in _DIGITS:
        i += 1
    return i


def _literal(buf: bytes, i: int, word: bytes) -> int:
    for k, expected in enumerate(word):
        if i + k >= len(buf):
            return len(buf)
        if buf[i + k] != expected:
            raise _NotJSON(i + k)
    return i + len(word)
