"""The decompressor backends behind Content-Encoding decoding (:mod:`._decode`): one class per
library, each wrapping one compressed stream behind the zlib-like :class:`Inflater` protocol.

Design:

- ``feed(data, limit)`` never returns much more than ``limit`` bytes, whatever the input's
  ratio; that is what lets the decoder's size cap hold against a bomb. zlib does this with
  ``max_length``/``unconsumed_tail``, brotli (>= 1.2) with ``output_buffer_limit``, zstd with
  ``max_length`` (Python 3.14) or by feeding ``zstandard`` small slices of input.
- Compressed input is handed to a decompressor in slices (:class:`_Input`), so an output limit
  never turns into copying a big chunk's unconsumed tail over and over.
- Each coding is a :data:`Factory`: a constructor for a fresh stream and the library's error
  type, which the decoder turns into a :class:`DecodeError`.
- The optional decoders (``brotli``/``brotlicffi``; ``compression.zstd``, ``backports.zstd`` or
  ``zstandard``) are imported once, when this module is imported (so when the package is), in
  the one section marked below. :data:`BROTLI` and :data:`ZSTD` are ``None`` where none is
  installed, and :data:`MISSING` says what to install.
"""

from __future__ import annotations

import importlib
import zlib
from collections.abc import Callable
from typing import Protocol, cast

__all__: list[str] = []

# Compressed input is given to a decompressor at most this much at a time (see _Input).
_ZLIB_STEP = 64 * 1024

# RFC 9659 §3: a zstd content-coding frame's Window_Size is at most 8 MB; browsers refuse
# larger windows, and so do we, since the window is memory the decoder must allocate.
_ZSTD_WINDOW_LOG_MAX = 23

# A zstd block header (3 bytes) plus one RLE byte can produce 128 KiB: about 2**15 output bytes
# per input byte. The zstandard package has no max_length, so we feed it slices of
# max(_ZSTD_MIN_STEP, limit >> 15) bytes (256 for the decoder's full 8 MiB piece), which bounds
# each call's output to about the limit, and to about 1 MiB once the room left is small.
_ZSTD_MIN_STEP = 32


class Inflater(Protocol):
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


# A coding's backend: a constructor for one fresh stream, and the error its library raises.
Factory = tuple[Callable[[], Inflater], type[Exception]]


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


GZIP: Factory = (lambda: _Zlib(16 + zlib.MAX_WBITS), zlib.error)
DEFLATE: Factory = (_Deflate, zlib.error)


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


def _load_brotli() -> Factory | None:
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


def _load_zstd() -> Factory | None:
    """The standard library's ``compression.zstd`` (Python 3.14+) or its ``backports.zstd``
    twin, else ``zstandard``."""
    for name in ("compression.zstd", "backports.zstd"):
        try:
            found = importlib.import_module(name)
        except ImportError:
            continue
        std = cast(_StdZstdModule, found)
        return (lambda: _StdZstd(std)), std.ZstdError
    try:
        found = importlib.import_module("zstandard")
    except ImportError:
        return None
    ext = cast(_ZstandardModule, found)
    return (lambda: _Zstandard(ext)), ext.ZstdError


BROTLI = _load_brotli()
ZSTD = _load_zstd()

# Why a coding without its optional package cannot be decoded.
MISSING = {
    "br": "decoding needs the 'brotli' (>= 1.2) or 'brotlicffi' (>= 1.2) package",
    "zstd": "decoding needs Python 3.14+, or the 'zstandard' or 'backports.zstd' package",
}
