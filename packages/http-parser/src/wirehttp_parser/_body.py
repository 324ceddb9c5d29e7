"""What a message body can be, and how big it is.

A body is bytes, a ``str`` (sent as UTF-8), a readable binary stream, an iterable of chunks, or
any object satisfying the :class:`Body` protocol — which is how ``wirehttp_forms.Form`` reaches
the client without the client importing the forms package (BRIEF: add-ons plug in through
protocols).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Protocol, TypeAlias, runtime_checkable

from ._uriescape import escapeuri

__all__ = ["Body", "Readable", "BodyLike", "nbytes", "isreadable", "body_chunks"]


@runtime_checkable
class Readable(Protocol):
    """A readable binary stream: ``read(n)`` returns up to ``n`` bytes, ``b""`` at the end."""

    def read(self, size: int = -1, /) -> bytes: ...


@runtime_checkable
class Body(Protocol):
    """A request body that knows its own framing: a content type, a length if known, its bytes
    as chunks, and whether it can be replayed for a retry or redirect."""

    @property
    def content_type(self) -> str | None: ...

    @property
    def content_length(self) -> int | None: ...

    def chunks(self) -> Iterator[bytes]:
        """The body's bytes, from the start (after :meth:`rewind`)."""
        ...

    def rewind(self) -> bool:
        """Go back to the start; return False if the body cannot be replayed."""
        ...


BodyLike: TypeAlias = (
    "bytes | bytearray | memoryview | str | Readable | Body"
    " | Iterable[bytes | bytearray | memoryview | str | Readable]"
    " | Mapping[str, str | list[str]]"
)


def isreadable(x: object) -> bool:
    """True for a readable stream (but not for bytes or str, which have no ``read``)."""
    return isinstance(x, Readable)


def _stream_remaining(s: object) -> int | None:
    if isinstance(s, io.BytesIO):
        return s.getbuffer().nbytes - s.tell()
    seekable = getattr(s, "seekable", None)
    if callable(seekable) and seekable():
        fileno = getattr(s, "fileno", None)
        tell = getattr(s, "tell", None)
        if callable(fileno) and callable(tell):
            try:
                size = os.fstat(fileno()).st_size
            except (OSError, ValueError):
                return None
            pos = tell()
            return max(0, size - pos) if isinstance(pos, int) else None
    return None


def nbytes(x: object) -> int | None:
    """The number of bytes ``x`` will produce as a body, or ``None`` if unknown (HTTP.jl's
    ``nbytes``): bytes-like and ``str`` give their (UTF-8) length, a seekable stream its
    remaining bytes, a :class:`Body` its ``content_length``, a list or tuple of those the sum,
    and anything else (a generator, a socket, a pipe) ``None``."""
    if isinstance(x, (bytes, bytearray)):
        return len(x)
    if isinstance(x, memoryview):
        return x.nbytes
    if isinstance(x, str):
        return len(x.encode("utf-8")) if not x.isascii() else len(x)
    if isinstance(x, Body):
        return x.content_length
    if isinstance(x, Readable):
        return _stream_remaining(x)
    if isinstance(x, (list, tuple)):
        total = 0
        for part in x:
            n = nbytes(part)
            if n is None:
                return None
            total += n
        return total
    return None


def body_chunks(b: object) -> Iterator[bytes]:
    """The bytes of any body, in pieces: bytes-like and ``str`` (UTF-8) as one piece (none if
    empty), a :class:`Body`'s chunks, a readable stream in 64 KiB reads, a mapping
    form-urlencoded, and an iterable of any of these in order. ``TypeError`` otherwise."""
    if b is None:
        return
    if isinstance(b, bytes):
        if b:
            yield b
    elif isinstance(b, (bytearray, memoryview)):
        if len(b):
            yield bytes(b)
    elif isinstance(b, str):
        if b:
            yield b.encode("utf-8")
    elif isinstance(b, Body):
        yield from b.chunks()
    elif isinstance(b, Readable):
        while chunk := b.read(65536):
            yield chunk
    elif isinstance(b, Mapping):
        yield escapeuri(b).encode("ascii")
    elif isinstance(b, Iterable):
        for part in b:
            yield from body_chunks(part)
    else:
        raise TypeError(f"cannot send a body of type {type(b).__name__}")
