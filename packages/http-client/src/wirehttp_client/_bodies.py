"""Request bodies: what each kind of ``body=`` becomes on the wire, and whether it can be sent
again for a retry or a redirect.

| body | framing | replayable |
|---|---|---|
| ``bytes``/``bytearray``/``memoryview``/``str`` | ``Content-Length``, sent as is (``str`` as UTF-8) | yes |
| a mapping | ``application/x-www-form-urlencoded``, ``Content-Length`` | yes |
| a ``Body`` (e.g. ``wirehttp_forms.Form``) | its ``content_type``; its ``content_length`` or chunked | if ``rewind()`` says so |
| a readable stream | ``Content-Length`` when its size is known (a seekable file), else chunked | if seekable |
| any other iterable | chunked, one chunk per element, empty elements skipped | lists and tuples |

RFC 9112 §7.1: a chunk of size zero ends the body, so an empty element is never written as a
chunk (HTTP.jl's rule too).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import cast

from wirehttp_parser import Body, Readable, escapeuri, nbytes

__all__: list[str] = []

_READ_SIZE = 65536
FORM = "application/x-www-form-urlencoded"


def _seek_start(stream: object) -> int | None:
    """The current position of a seekable stream, to rewind to; None if it cannot seek."""
    seekable = getattr(stream, "seekable", None)
    tell = getattr(stream, "tell", None)
    try:
        if callable(seekable) and seekable() and callable(tell):
            pos = tell()
            return pos if isinstance(pos, int) else None
    except (OSError, ValueError):
        return None
    return None


def _element_bytes(part: object) -> Iterator[bytes]:
    """The chunks one element of an iterable body produces."""
    if isinstance(part, bytes):
        yield part
    elif isinstance(part, (bytearray, memoryview)):
        yield bytes(part)
    elif isinstance(part, str):
        yield part.encode("utf-8")
    elif isinstance(part, Mapping):
        yield escapeuri(cast("Mapping[str, str]", part)).encode("ascii")
    elif isinstance(part, Readable):
        while chunk := part.read(_READ_SIZE):
            yield chunk
    else:
        raise TypeError(
            f"cannot send a body element of type {type(part).__name__}: use bytes, str, a "
            "mapping or a readable stream"
        )


class OutgoingBody:
    """A request body prepared for sending.

    ``data`` is the whole body when it is in memory (the fast path: one ``sendall`` with the
    head); otherwise :meth:`chunks` produces it. ``length`` is its size if known (then sent with
    ``Content-Length``), else ``None`` (chunked)."""

    __slots__ = ("data", "length", "content_type", "_source", "_starts", "_used", "_replayable")

    def __init__(self, body: object) -> None:
        self.data: bytes | None = None
        self.length: int | None = None
        self.content_type: str | None = None
        self._source = body
        self._starts: list[tuple[object, int]] = []
        self._used = False
        self._replayable = True
        if isinstance(body, bytes):
            self.data = body
        elif isinstance(body, (bytearray, memoryview, str)):
            self.data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        elif isinstance(body, Body):
            self.content_type = body.content_type
            self.length = body.content_length
        elif isinstance(body, Readable):
            self.length = nbytes(body)
            self._remember(body)
        elif isinstance(body, Mapping):
            self.data = escapeuri(cast("Mapping[str, str]", body)).encode("ascii")
            self.content_type = FORM
        elif isinstance(body, Iterable):
            if isinstance(body, (list, tuple)):
                for part in body:
                    if isinstance(part, Readable):
                        self._remember(part)
            else:
                # A generator or iterator can be consumed once only.
                self._replayable = False
        elif body is None:
            self.data = b""
        else:
            raise TypeError(
                f"cannot send a body of type {type(body).__name__}: use bytes, str, a mapping, "
                "a readable stream, an iterable of those, or a Body"
            )
        if self.data is not None:
            self.length = len(self.data)

    def _remember(self, stream: object) -> None:
        pos = _seek_start(stream)
        if pos is None:
            self._replayable = False
        else:
            self._starts.append((stream, pos))

    @property
    def streamed(self) -> bool:
        """The body is produced piece by piece (not held in memory)."""
        return self.data is None

    def chunks(self) -> Iterator[bytes]:
        """The body's pieces, empty ones left out."""
        self._used = True
        src = self._source
        if self.data is not None:
            if self.data:
                yield self.data
            return
        if isinstance(src, Body):
            for chunk in src.chunks():
                if chunk:
                    yield chunk
        elif isinstance(src, Readable):
            while chunk := src.read(_READ_SIZE):
                yield chunk
        else:
            for part in cast("Iterable[object]", src):
                for chunk in _element_bytes(part):
                    if chunk:
                        yield chunk

    def rewind(self) -> bool:
        """Prepare to send the body again; False if it cannot be replayed."""
        if not self._used or self.data is not None:
            return True
        if isinstance(self._source, Body):
            return self._source.rewind()
        if not self._replayable:
            return False
        for stream, pos in self._starts:
            seek = getattr(stream, "seek", None)
            if not callable(seek):
                return False
            seek(pos)
        self._used = False
        return True

    @property
    def replayable(self) -> bool:
        """Whether a retry could send the body again (without trying)."""
        if self.data is not None or not self._used:
            return True
        if isinstance(self._source, Body):
            return True  # decided by rewind()
        return self._replayable
