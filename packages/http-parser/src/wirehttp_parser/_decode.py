"""Content-Encoding decoding (RFC 9110 §8.4): :func:`decode` for a whole body in memory,
:class:`ContentDecoder` for a body read chunk by chunk.

Design:

- A ``Content-Encoding`` value is a list of codings *in the order they were applied*, so the
  decoder undoes them in reverse (RFC 9110 §8.4). Each coding is one *stage*; the output of one
  stage is the input of the next.
- The decoded size is capped (``max_size``, :data:`DEFAULT_MAX_DECODED_SIZE` by default). No
  decompressor call may produce more than one piece (:data:`_OUT_PIECE`, and never more than
  one byte past the room left under the cap), so a bomb raises :class:`DecodedSizeError` having
  allocated at most the cap plus a piece or two, whatever its ratio. How each library keeps to
  that limit is in :mod:`._inflaters`, the decompressor backends.
- In a chain, each intermediate stage hands its output on in pieces of :data:`_PIECE` bytes, so
  a chain holds at most a piece per stage; its total output is capped too (it is compressed
  data, a little larger than what it encodes at worst, so at twice the cap plus 64 KiB), which
  bounds the work an attacker gets from padding an inner stream.
- Library errors (``zlib.error``, ``brotli.error``, ``ZstdError``) never leak: each becomes a
  :class:`DecodeError` naming the coding, with the original as ``__cause__``. A stream that stops
  before its end, or data after the end of a single-stream coding, is a :class:`DecodeError`
  too: decoding never silently truncates or drops bytes.
- The optional decoders (``brotli``/``brotlicffi``; ``compression.zstd``, ``backports.zstd`` or
  ``zstandard``) are imported once, when the package is imported, in :mod:`._inflaters`: the
  one place they are imported.
"""

from __future__ import annotations

from typing import Protocol

from ._errors import DecodedSizeError, DecodeError
from ._headers import Headers, is_token
from ._inflaters import BROTLI, DEFLATE, GZIP, MISSING, ZSTD, Factory

__all__ = [
    "DEFAULT_MAX_DECODED_SIZE",
    "SUPPORTED_ENCODINGS",
    "DecodableMessage",
    "ContentDecoder",
    "decode",
]

# The default cap on a decoded body. HTTP.jl 2.x uses the same 64 MiB
# (``max_decompressed_size``); Go, httpx, requests and aiohttp have no cap at all, and urllib3
# (2.6) bounds each streamed read but not the total. Pass ``max_size=None`` to disable it, or a
# larger value to decode big bodies in memory.
DEFAULT_MAX_DECODED_SIZE = 64 * 1024 * 1024

# At most this many codings in one Content-Encoding, as curl (CVE-2022-32206) and urllib3
# (CVE-2025-66418) allow: each stage multiplies the work an attacker gets for a few bytes.
_MAX_CODINGS = 5

# The most one decompressor call may produce: for the last stage, and for intermediate stages.
_OUT_PIECE = 8 * 1024 * 1024
_PIECE = 1024 * 1024

# The codings this installation decodes, for a client's Accept-Encoding (RFC 9110 §12.5.3).
SUPPORTED_ENCODINGS: tuple[str, ...] = (
    ("gzip", "deflate") + (("br",) if BROTLI else ()) + (("zstd",) if ZSTD else ())
)

_AFTER_END = "data after the end of the compressed stream"

# -- stages and the decoder --------------------------------------------------------------------


class _Stage:
    """One coding of the chain. gzip bodies may hold several members (RFC 1952 §2.2; ``gzip -c
    a b`` writes two, and ``gunzip`` outputs both) and zstd bodies several frames (RFC 8878
    §3.1), so a new decompressor starts wherever one ends; deflate and br are one stream, and
    bytes after its end are an error."""

    __slots__ = ("coding", "produced", "_new", "_error", "_multi", "_inf", "_carry")

    def __init__(self, coding: str, factory: Factory, *, multi: bool) -> None:
        self.coding = coding
        self.produced = 0
        self._new, self._error = factory
        self._multi = multi
        self._inf = self._new()
        self._carry = b""  # input after the end of the current member

    def feed(self, data: bytes, limit: int) -> bytes:
        inf = self._inf
        if inf.eof:
            if self._carry:
                data, self._carry = self._carry + data, b""
            if self.coding == "gzip":
                # Zero padding after a member is accepted by gzip(1) and Python's gzip module.
                data = data.lstrip(b"\x00")
            if not data:
                return b""
            if not self._multi:
                raise DecodeError(_AFTER_END, encoding=self.coding)
            inf = self._inf = self._new()
        try:
            out = inf.feed(data, limit)
        except self._error as exc:
            raise DecodeError(f"corrupt data ({exc})", encoding=self.coding) from exc
        if inf.eof:
            self._carry = inf.unused_data
            if self._carry and not self._multi:
                raise DecodeError(_AFTER_END, encoding=self.coding)
        return out

    @property
    def needs_input(self) -> bool:
        return not self._carry if self._inf.eof else self._inf.needs_input

    @property
    def complete(self) -> bool:
        return self._inf.eof and not self._carry


def _parse_codings(content_encoding: str) -> tuple[str, ...]:
    codings: list[str] = []
    for item in content_encoding.split(","):
        coding = item.strip(" \t").lower()  # RFC 9110 §8.4.1: codings are case-insensitive
        if not coding:
            continue  # RFC 9110 §5.6.1: empty list elements are ignored
        if not is_token(coding):
            raise DecodeError("invalid content coding", encoding=item.strip(" \t"))
        if coding == "x-gzip":
            coding = "gzip"  # RFC 9110 §8.4.1.3: x-gzip SHOULD be treated as gzip
        if coding != "identity":
            codings.append(coding)
    if len(codings) > _MAX_CODINGS:
        raise DecodeError(f"more than {_MAX_CODINGS} content codings", encoding=content_encoding)
    return tuple(codings)


def _new_stage(coding: str) -> _Stage:
    if coding == "gzip":
        return _Stage(coding, GZIP, multi=True)
    if coding == "deflate":
        return _Stage(coding, DEFLATE, multi=False)
    if coding == "br" and BROTLI is not None:
        return _Stage(coding, BROTLI, multi=False)
    if coding == "zstd" and ZSTD is not None:
        return _Stage(coding, ZSTD, multi=True)
    if coding in MISSING:
        raise DecodeError(MISSING[coding], encoding=coding)
    if coding in ("compress", "x-compress"):
        raise DecodeError("unsupported (obsolete LZW) content coding", encoding=coding)
    raise DecodeError("unknown content coding", encoding=coding)


class ContentDecoder:
    """Decode a body with the codings of a ``Content-Encoding`` value, chunk by chunk.

    ``ContentDecoder("gzip")``, then :meth:`decompress` for each chunk as it arrives and
    :meth:`flush` at the end of the body, which raises :class:`DecodeError` if the encoded data
    stopped early. ``"br, gzip"`` means brotli was applied first, so gzip is undone first
    (RFC 9110 §8.4). ``identity`` and empty list items are skipped; ``x-gzip`` means gzip.

    ``max_size`` caps the decoded size: :class:`DecodedSizeError` is raised as soon as the
    output passes it, having decoded at most the cap plus one piece (8 MiB at most, less when
    the cap is near). ``None`` disables the cap. In a chain, the output of each intermediate
    coding is capped at ``2 * max_size + 64 KiB`` (it is compressed data). A body without
    codings passes through unchanged and is not counted: the cap is about expansion, body size
    limits belong to the parser. An empty body decodes to an empty body whatever the coding
    (servers send ``Content-Encoding`` on empty 204, 304 and redirect responses).

    An unknown coding, more than five codings, or a coding whose optional package is missing
    raises :class:`DecodeError` from the constructor. After any error, or after :meth:`flush`,
    the decoder cannot be used again. Not thread-safe.
    """

    __slots__ = ("encodings", "max_size", "_stages", "_seen_input", "_state")

    def __init__(
        self, content_encoding: str, *, max_size: int | None = DEFAULT_MAX_DECODED_SIZE
    ) -> None:
        if max_size is not None and max_size < 0:
            raise ValueError(f"max_size must be >= 0 or None, got {max_size}")
        #: The codings in the order they were applied (normalised, without ``identity``).
        self.encodings: tuple[str, ...] = _parse_codings(content_encoding)
        self.max_size = max_size
        self._stages = [_new_stage(coding) for coding in reversed(self.encodings)]
        self._seen_input = False
        self._state = "open"

    def __repr__(self) -> str:
        return f"ContentDecoder({', '.join(self.encodings)!r}, max_size={self.max_size!r})"

    def decompress(self, chunk: bytes | bytearray | memoryview) -> bytes:
        """Decode the next chunk of the encoded body; return the decoded bytes it completes
        (possibly ``b""``)."""
        self._check_open()
        data = chunk if type(chunk) is bytes else bytes(chunk)
        if not data:
            return b""
        self._seen_input = True
        if not self._stages:
            return data
        out: list[bytes] = []
        try:
            self._push(0, data, out)
        except DecodeError:
            self._state = "failed"
            raise
        return b"".join(out)

    def flush(self) -> bytes:
        """End the body. Output is produced eagerly, so this returns ``b""``; it raises
        :class:`DecodeError` if any coding's stream is incomplete (a truncated body)."""
        self._check_open()
        self._state = "flushed"
        if self._seen_input:
            for stage in self._stages:
                if not stage.complete:
                    self._state = "failed"
                    raise DecodeError(
                        "truncated body: the compressed stream ended early", encoding=stage.coding
                    )
        return b""

    def _check_open(self) -> None:
        if self._state != "open":
            raise DecodeError(
                f"the decoder is already {self._state}",
                encoding=", ".join(self.encodings) or "identity",
            )

    def _push(self, index: int, data: bytes, out: list[bytes]) -> None:
        """Feed ``data`` to stage ``index`` and drain it, passing its output on in bounded
        pieces to the next stage, or to ``out`` after the last one."""
        stage = self._stages[index]
        last = index == len(self._stages) - 1
        piece_size = _OUT_PIECE if last else _PIECE
        cap = self.max_size
        if cap is not None and not last:
            cap = 2 * cap + 65536  # compressed data: see the module docstring
        while True:
            # One byte past the cap is enough to prove the cap is passed.
            limit = piece_size if cap is None else min(piece_size, cap + 1 - stage.produced)
            piece = stage.feed(data, limit)
            data = b""
            if piece:
                stage.produced += len(piece)
                if cap is not None and stage.produced > cap:
                    raise DecodedSizeError(encoding=stage.coding, limit=cap)
                if last:
                    out.append(piece)
                else:
                    self._push(index + 1, piece, out)
            if stage.needs_input:
                return


class DecodableMessage(Protocol):
    """What :func:`decode` needs from a message: its headers and its body (``bytes``; a
    streamed body is decoded with :class:`ContentDecoder` instead)."""

    @property
    def headers(self) -> Headers: ...

    @property
    def body(self) -> object: ...


def decode(
    m: DecodableMessage | bytes | bytearray | memoryview,
    encoding: str | None = None,
    *,
    max_size: int | None = DEFAULT_MAX_DECODED_SIZE,
) -> bytes:
    """Decode a message body (HTTP.jl's ``HTTP.decode(m, "gzip")``) and return the decoded
    bytes; ``m`` is not modified (its body and ``Content-Encoding`` header stay as they are).

    ``m`` is a Request or Response (anything with ``headers`` and a ``bytes`` body), or bare
    bytes together with ``encoding``. Without ``encoding`` the message's ``Content-Encoding``
    headers are used; no header (or only ``identity``) returns the body unchanged. Supported:
    ``gzip``/``x-gzip``, ``deflate`` (zlib-wrapped or raw), ``br`` and ``zstd`` when their
    optional package is installed (see :data:`SUPPORTED_ENCODINGS`), in any comma-separated
    chain. Raises :class:`DecodeError` for unknown codings and corrupt or truncated data, and
    :class:`DecodedSizeError` past ``max_size`` (see :class:`ContentDecoder`).
    """
    if isinstance(m, (bytes, bytearray, memoryview)):
        if encoding is None:
            raise TypeError("decode() of bare bytes needs the encoding, e.g. decode(data, 'gzip')")
        body: object = m
    else:
        body = m.body
        if encoding is None:
            encoding = ", ".join(m.headers.getall("Content-Encoding"))
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise TypeError(
            f"decode() needs the body as bytes, not {type(body).__name__}; decode a streamed "
            "body chunk by chunk with ContentDecoder"
        )
    decoder = ContentDecoder(encoding, max_size=max_size)
    out = decoder.decompress(body)
    rest = decoder.flush()
    return out + rest if rest else out
