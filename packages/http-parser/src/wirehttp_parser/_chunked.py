"""The chunked transfer coding's chunk-size line (RFC 9112 §7.1).

    chunk      = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
    chunk-size = 1*HEXDIG
    chunk-ext  = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )

The size is hex digits only: no sign, no ``0x``, no ``_``, no surrounding spaces — all of which
``int(x, 16)`` would take, and each of which some parser somewhere has taken, which is how
chunk-size disagreements between a proxy and a server become request smuggling. Extensions are
checked against the grammar and then ignored (§7.1.1). The line ends in CRLF in every mode:
RFC 9112 errata 7633 and llhttp reject a bare LF inside chunked framing.
"""

from __future__ import annotations

import re
from types import FunctionType
from typing import Final

from ._errors import InvalidChunk

__all__: list[str] = []

HEXDIGITS: Final = b"0123456789abcdefABCDEF"
# 16 hex digits hold 64 bits; we take sizes up to 2**63 - 1, what every peer can represent
# (HTTP.jl 2.x and llhttp reject overflow too).
_MAX_SIZE: Final = 2**63 - 1
_TOKEN: Final = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
# quoted-string (RFC 9110 §5.6.4): qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text.
_QUOTED: Final = rb'"(?:[\t !#-\[\]-~\x80-\xff]|\\[\t -~\x80-\xff])*"'
_EXTENSIONS: Final = re.compile(
    rb"(?:[ \t]*;[ \t]*" + _TOKEN + rb"(?:[ \t]*=[ \t]*(?:" + _TOKEN + rb"|" + _QUOTED + rb"))?)*"
)


# The value of each hex digit by byte, 255 for every other byte.
_HEX_VALUE: Final = bytes(int(chr(b), 16) if b in HEXDIGITS else 255 for b in range(256))
_PLAIN_MAX: Final = 15  # digits: any size below 2**60, so no overflow check is needed


def _probe() -> None:
    """Only here to be looked at by ``_COMPILED``."""


# Whether mypyc compiled this module (its functions are then not Python function objects).
# The two builds differ in what is cheap: compiled, a loop over bytes is a few machine
# instructions a byte, while every call into CPython (find, slice, int) costs a fixed
# 50–100 ns; in the interpreter, each bytecode costs about what such a call does.
_COMPILED: Final = not isinstance(_probe, FunctionType)


def plain_chunk_line(buf: bytes | bytearray, pos: int, max_line: int) -> tuple[int, int]:
    """``(size, end)`` for the chunk-size line at ``buf[pos:]`` when it is complete and plain:
    1–15 hex digits (RFC 9112 §7.1, 1*HEXDIG) and CRLF at ``end``, within ``max_line``;
    ``(-1, -1)`` for anything else (an extension, a bare LF, an incomplete or malformed
    line), which the caller hands to the general line search and :func:`chunk_size`.

    Nearly every chunk-size line is plain, and there is one per chunk, so this is the hot path
    of a chunked body; each build gets the method that is fast for it (see ``_COMPILED``)."""
    if _COMPILED:
        # One pass over the digits: no search, no slice, no int().
        n = len(buf)
        stop = pos + (_PLAIN_MAX if max_line > _PLAIN_MAX else max_line)
        if stop > n:
            stop = n
        size = 0
        i = pos
        while i < stop:
            digit = _HEX_VALUE[buf[i]]
            if digit > 15:
                break
            size = size * 16 + digit
            i += 1
        if pos < i and i + 1 < n and buf[i] == 0x0D and buf[i + 1] == 0x0A:
            return size, i
        return -1, -1
    # A few C calls, none of which builds a table: bytes.isalnum() leaves only ASCII letters
    # and digits; of those, int(x, 16) takes the hex digits and raises for every other
    # letter but the "x" of a "0x" prefix, which can only follow a leading "0" (a size line
    # with a leading zero is rare, and is left to chunk_size()).
    end = buf.find(b"\r\n", pos, pos + max_line + 2)
    if not 0 < end - pos <= _PLAIN_MAX or (buf[pos] == 0x30 and end - pos > 1):
        return -1, -1
    line = buf[pos:end]
    if not line.isalnum():
        return -1, -1
    try:
        return int(line, 16), end
    except ValueError:
        return -1, -1


def chunk_size(line: bytes, offset: int, strict: bool) -> int:
    """The size announced by a chunk-size line (without its CRLF) at stream ``offset``.
    Lenient mode also takes spaces after the size (llhttp's ``lenient_spaces_after_chunk_size``,
    HTTP.jl's test fixtures); strict mode only before a ``;``, as BWS."""
    semi = line.find(b";")
    if semi >= 0:
        digits = line[:semi].rstrip(b" \t")
    else:
        digits = line if strict else line.rstrip(b" \t")
    if not digits or digits.translate(None, HEXDIGITS):
        raise InvalidChunk(
            "chunk size is not 1*HEXDIG (RFC 9112 §7.1): no sign, 0x, _ or spaces",
            line,
            offset,
        )
    if len(digits) > 16 or int(digits, 16) > _MAX_SIZE:
        raise InvalidChunk(
            "chunk size overflows 2**63 - 1 (RFC 9112 §7.1: guard against integer overflow)",
            line,
            offset,
        )
    if semi >= 0 and _EXTENSIONS.fullmatch(line, len(digits)) is None:
        raise InvalidChunk("malformed chunk extension (RFC 9112 §7.1.1)", line, offset)
    return int(digits, 16)
