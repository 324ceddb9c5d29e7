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
