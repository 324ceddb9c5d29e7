"""Content-Encoding decoding (RFC 9110 §8.4): :func:`decode` for a whole body in memory,
:class:`ContentDecoder` for a body read chunk by chunk.

Design:

- A ``Content-Encoding`` value is a list of codings *in the order they were applied*, so the
  decoder undoes them in reverse (RFC 9110 §8.4). Each coding is one *stage*; the output of one
  stage is the input of the next.
- The decoded size is capped (``max_size``, :data:`DEFAULT_MAX_DECODED_SIZE` by default). No
  decompressor call may produce more than one piece (:data:`_OUT_PIECE`, and never more than
  one byte past the room left under the cap), so a bomb raises :class:`DecodedSizeError` having
  allocated at most the cap plus a piece or two, whatever its ratio. zlib does this with
  ``max_length``/``unconsumed_tail``, brotli (>= 1.2) with ``output_buffer_limit``, zstd with
  ``max_length`` (Python 3.14) or by feeding ``zstandard`` small slices of input.
- In a chain, each intermediate stage hands its output on in pieces of :data:`_PIECE` bytes, so
  a chain holds at most a piece per stage; its total output is capped too (it is compressed
  data, a little larger than what it encodes at worst, so at twice the cap plus 64 KiB), which
  bounds the work an attacker gets from padding an inner stream.
- Library errors (``zlib.error``, ``brotli.error``, ``ZstdError``) never leak: each becomes a
  :class:`DecodeError` naming the coding, with the original as ``__cause__``. A stream that stops
  before its end, or data after the end of a single-stream coding, is a :class:`DecodeError`
  too: decoding never silently truncates or drops bytes.
- The optional decoders (``brotli``/``brotlicffi``, ``compression.zstd``/``zstandard``) are
  imported once, when this module is imported, in the one section marked below.
"""

from __future__ import annotations

import importlib
import zlib
from collections.abc import Callable
from typing import Protocol, cast

from ._errors import DecodedSizeError, DecodeError
from ._headers import Headers, is_token

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

# Compressed input is given to a decompressor at most this much at a time (see _Input).
_ZLIB_STEP = 64 * 1024

# RFC 9659 §3: a zstd content-coding frame's Window_Size is at most 8 MB; browsers refuse
# larger windows, and so do we, since the window is memory the decoder must allocate.
_ZSTD_WINDOW_LOG_MAX = 23

# A zstd block header (3 bytes) plus one RLE byte can produce 128 KiB: about 2**15 output bytes
# per input byte. The zstandard package has no max_length, so we feed it slices of
# max(_ZSTD_MIN_STEP, limit >> 15) bytes (256 for a full _OUT_PIECE), which bounds each call's
# output to about the limit, and to about 1 MiB once the room left is small.
_ZSTD_MIN_STEP = 32


class _Inflater(Protocol):
    """One compressed stream (a gzip member, a zstd frame, a deflate or brotli stream) with
    zlib-like semantics."""

    def feed(self, data: bytes, limit: int) -> bytes:
        """Take ``data`` (whatever cannot be processed now is kept) and return output, at most
        about ``limit`` (> 0) bytes."""
        ...

    @property
    def needs_input(self) -> bool:
        """True when no more output can come without more input."""
        ...

    @property
    def eof(self) -> bool: ...

    @property
    def unused_data(self) -> bytes:
        """Input that came after the end of the stream (once ``eof``)."""
        ...


class _Input:
    """Input waiting for a decompressor, handed out in slices: a decompressor given a whole big
    chunk under an output limit copies what it could not consume back out (zlib's
    ``unconsumed_tail``) on every call, which is quadratic; slices keep that copy small."""

    __slots__ = ("_buf", "_pos")

    def __init__(self) -> None:
        self._buf = b""
        self._pos = 0

    def add(self, data: bytes) -> None:
        if data:
            self._buf = self._buf[self._pos :] + data if self._pos < len(self._buf) else data
            self._pos = 0

    def peek(self, step: int) -> bytes:
        if self._pos == 0 and step >= len(self._buf):
            return self._buf
        return self._buf[self._pos : self._pos + step]

    def advance(self, n: int) -> None:
        self._pos += n

    def rest(self) -> bytes:
        rest = self._buf[self._pos :]
        self._buf, self._pos = b"", 0
        return rest

    @property
    def empty(self) -> bool:
        return self._pos >= len(self._buf)


class _Zlib:
    """gzip (wbits 31), zlib (15) or raw deflate (-15) through :mod:`zlib`."""

    __slots__ = ("_obj", "_in", "_full", "_unused")

    def __init__(self, wbits: int) -> None:
        self._obj = zlib.decompressobj(wbits)
        self._in = _Input()
        self._full = False
        self._unused = b""

    def feed(self, data: bytes, limit: int) -> bytes:
        self._in.add(data)
        piece = self._in.peek(_ZLIB_STEP)
        out = self._obj.decompress(piece, limit)
        self._in.advance(len(piece) - len(self._obj.unconsumed_tail))
        if self._obj.eof:
            self._unused = self._obj.unused_data + self._in.rest()
        # Output that filled the limit may leave more inside zlib even with no input left.
        self._full = 0 < limit <= len(out)
        return out

    @property
    def needs_input(self) -> bool:
        return self._obj.eof or (self._in.empty and not self._full)

    @property
    def eof(self) -> bool:
        return self._obj.eof

    @property
    def unused_data(self) -> bytes:
        return self._unused


class _Deflate:
    """RFC 9110 §8.4.1.2: "deflate" is the zlib format (RFC 1950), but some servers send raw
    deflate (RFC 1951) without the wrapper; browsers accept both, and so do we, telling them
    apart by the two-byte zlib header (RFC 1950 §2.2: method 8, window <= 32K, and the header
    a multiple of 31)."""

    __slots__ = ("_head", "_inner")

    def __init__(self) -> None:
        self._head = b""
        self._inner: _Zlib | None = None

    def feed(self, data: bytes, limit: int) -> bytes:
        if self._inner is None:
            self._head += data
            if len(self._head) < 2:
                return b""
            cmf, flg = self._head[0], self._head[1]
            wrapped = cmf & 0x0F == 8 and cmf >> 4 <= 7 and (cmf << 8 | flg) % 31 == 0
            self._inner = _Zlib(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
            data, self._head = self._head, b""
        return self._inner.feed(data, limit)

    @property
    def needs_input(self) -> bool:
        return self._inner is None or self._inner.needs_input

    @property
    def eof(self) -> bool:
        return self._inner is not None and self._inner.eof

    @property
    def unused_data(self) -> bytes:
        return b"" if self._inner is None else self._inner.unused_data


# -- optional decoders: the one place they are imported -----------------------------------------


class _BrotliDecompressor(Protocol):
    def process(self, data: bytes, output_buffer_limit: int = ...) -> bytes: ...
    def can_accept_more_data(self) -> bool: ...
    def is_finished(self) -> bool: ...


class _BrotliModule(Protocol):
    error: type[Exception]

    def Decompressor(self) -> _BrotliDecompressor: ...  # noqa: N802  (the library's name)


class _ZstandardObj(Protocol):
    def decompress(self, data: bytes) -> bytes: ...
    @property
    def eof(self) -> bool: ...
    @property
    def unused_data(self) -> bytes: ...


class _ZstandardContext(Protocol):
    def decompressobj(self) -> _ZstandardObj: ...


class _ZstandardModule(Protocol):
    ZstdError: type[Exception]

    def ZstdDecompressor(self, *, max_window_size: int) -> _ZstandardContext: ...  # noqa: N802


class _StdZstdDecompressor(Protocol):
    def decompress(self, data: bytes, max_length: int = -1) -> bytes: ...
    @property
    def needs_input(self) -> bool: ...
    @property
    def eof(self) -> bool: ...
    @property
    def unused_data(self) -> bytes: ...


class _StdZstdModule(Protocol):
    ZstdError: type[Exception]
    DecompressionParameter: type

    def ZstdDecompressor(  # noqa: N802
        self, zstd_dict: None = None, options: dict[object, int] | None = None
    ) -> _StdZstdDecompressor: ...


class _Brotli:
    __slots__ = ("_obj",)

    def __init__(self, mod: _BrotliModule) -> None:
        self._obj = mod.Decompressor()

    def feed(self, data: bytes, limit: int) -> bytes:
        return self._obj.process(data, output_buffer_limit=limit)

    @property
    def needs_input(self) -> bool:
        return self._obj.can_accept_more_data()

    @property
    def eof(self) -> bool:
        return self._obj.is_finished()

    @property
    def unused_data(self) -> bytes:
        return b""  # brotli itself rejects bytes after the end of the stream


class _StdZstd:
    """Python 3.14's :mod:`compression.zstd`: one frame per decompressor, with ``max_length``."""

    __slots__ = ("_obj",)

    def __init__(self, mod: _StdZstdModule) -> None:
        window_log_max = getattr(mod.DecompressionParameter, "window_log_max")
        self._obj = mod.ZstdDecompressor(options={window_log_max: _ZSTD_WINDOW_LOG_MAX})

    def feed(self, data: bytes, limit: int) -> bytes:
        return self._obj.decompress(data, limit)

    @property
    def needs_input(self) -> bool:
        return self._obj.eof or self._obj.needs_input

    @property
    def eof(self) -> bool:
        return self._obj.eof

    @property
    def unused_data(self) -> bytes:
        return self._obj.unused_data


class _Zstandard:
    """The ``zstandard`` package: one frame per ``decompressobj``, which has no ``max_length``,
    so its input is fed in slices (see :data:`_ZSTD_MIN_STEP`)."""

    __slots__ = ("_obj", "_in", "_unused")

    def __init__(self, mod: _ZstandardModule) -> None:
        dctx = mod.ZstdDecompressor(max_window_size=1 << _ZSTD_WINDOW_LOG_MAX)
        self._obj = dctx.decompressobj()
        self._in = _Input()
        self._unused = b""

    def feed(self, data: bytes, limit: int) -> bytes:
        self._in.add(data)
        piece = self._in.peek(max(_ZSTD_MIN_STEP, limit >> 15))
        self._in.advance(len(piece))
        out = self._obj.decompress(piece)
        if self._obj.eof:
            self._unused = self._obj.unused_data + self._in.rest()
        return out

    @property
    def needs_input(self) -> bool:
        return self._obj.eof or self._in.empty

    @property
    def eof(self) -> bool:
        return self._obj.eof

    @property
    def unused_data(self) -> bytes:
        return self._unused


_Factory = tuple[Callable[[], _Inflater], type[Exception]]


def _load_brotli() -> _Factory | None:
    """``brotli`` (Google's binding) or ``brotlicffi``, version 1.2 or later: earlier versions
    have no ``output_buffer_limit``, so a few bytes could expand without bound inside one call
    (urllib3's CVE-2025-66471). An older version counts as not installed."""
    for name in ("brotli", "brotlicffi"):
        try:
            found = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(getattr(found, "Decompressor", None), "can_accept_more_data"):
            mod = cast(_BrotliModule, found)
            return (lambda: _Brotli(mod)), mod.error
    return None


def _load_zstd() -> _Factory | None:
    """The standard library's ``compression.zstd`` (Python 3.14+), else ``zstandard``."""
    try:
        found = importlib.import_module("compression.zstd")
    except ImportError:
        pass
    else:
        std = cast(_StdZstdModule, found)
        return (lambda: _StdZstd(std)), std.ZstdError
    try:
        found = importlib.import_module("zstandard")
    except ImportError:
        return None
    ext = cast(_ZstandardModule, found)
    return (lambda: _Zstandard(ext)), ext.ZstdError


_BROTLI = _load_brotli()
_ZSTD = _load_zstd()

# The codings this installation decodes, for a client's Accept-Encoding (RFC 9110 §12.5.3).
SUPPORTED_ENCODINGS: tuple[str, ...] = (
    ("gzip", "deflate") + (("br",) if _BROTLI else ()) + (("zstd",) if _ZSTD else ())
)

_AFTER_END = "data after the end of the compressed stream"
_MISSING = {
    "br": "decoding needs the 'brotli' (>= 1.2) or 'brotlicffi' (>= 1.2) package",
    "zstd": "decoding needs Python 3.14+ or the 'zstandard' package",
}

# -- stages and the decoder --------------------------------------------------------------------


class _Stage:
    """One coding of the chain. gzip bodies may hold several members (RFC 1952 §2.2; ``gzip -c
    a b`` writes two, and ``gunzip`` outputs both) and zstd bodies several frames (RFC 8878
    §3.1), so a new decompressor starts wherever one ends; deflate and br are one stream, and
    bytes after its end are an error."""

    __slots__ = ("coding", "produced", "_new", "_error", "_multi", "_inf", "_carry")

    def __init__(self, coding: str, factory: _Factory, *, multi: bool) -> None:
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
        return _Stage(coding, (lambda: _Zlib(16 + zlib.MAX_WBITS), zlib.error), multi=True)
    if coding == "deflate":
        return _Stage(coding, (_Deflate, zlib.error), multi=False)
    if coding == "br" and _BROTLI is not None:
        return _Stage(coding, _BROTLI, multi=False)
    if coding == "zstd" and _ZSTD is not None:
        return _Stage(coding, _ZSTD, multi=True)
    if coding in _MISSING:
        raise DecodeError(_MISSING[coding], encoding=coding)
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
