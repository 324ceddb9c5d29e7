"""Size limits the parser enforces on what a peer sends.

A parser that buffers without bound can be made to eat all memory; one that scans without bound
can be made to eat all CPU. Every limit here is checked while bytes arrive, not only when a
message is complete: a head that is already over ``max_header_bytes`` fails as soon as those
bytes are buffered, whether or not its terminating blank line ever comes.

The defaults and what other servers and parsers use:

====================  ==========  ============================================================
limit                 default     others
====================  ==========  ============================================================
max_start_line        8 KiB       nginx 8 KiB (``large_client_header_buffers``), Apache 8190 B
                                  (``LimitRequestLine``), HTTP.jl none (only the head limit)
max_header_bytes      64 KiB      HTTP.jl 64 KiB, nginx 32 KiB (4 × 8 KiB buffers), Node/llhttp
                                  16 KiB (``--max-http-header-size``), h11/uvicorn 16 KiB,
                                  Go 1 MiB (``MaxHeaderBytes``)
max_headers           100         Apache 100 (``LimitRequestFields``), Node 2000
                                  (``maxHeadersCount``), h11 and httptools none
max_chunk_line        4 KiB       HTTP.jl 64 B, Node 16 KiB of extensions (CVE-2024-22019),
                                  h11 16 KiB (its incomplete-event limit)
max_trailer_bytes     16 KiB      Node and h11 count trailers against their 16 KiB head limit
max_body              None        nginx 1 MiB (``client_max_body_size``), Node none, h11 none;
                                  the server sets its own per route
====================  ==========  ============================================================
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Limits", "DEFAULT_LIMITS"]


@dataclass(frozen=True, slots=True)
class Limits:
    """What a :class:`RequestParser` or :class:`ResponseParser` accepts from a peer.

    ``max_start_line``
        Bytes in the request line (over it: :class:`RequestLineTooLong`, 414) or status line
        (:class:`InvalidStatusLine`), without its CRLF.
    ``max_header_bytes``
        Bytes in the whole head: start line, field lines and the blank line
        (:class:`HeaderTooLarge`, 431).
    ``max_headers``
        Field lines in the head (:class:`HeaderTooLarge`, 431).
    ``max_chunk_line``
        Bytes in one chunk-size line, extensions included, without its CRLF
        (:class:`InvalidChunk`).
    ``max_trailer_bytes``
        Bytes in the trailer section of a chunked body (:class:`HeaderTooLarge`, 431).
    ``max_body``
        Bytes of content (after removing the chunked coding), or ``None`` for no limit
        (:class:`BodyTooLarge`, 413). A ``Content-Length`` over it fails at the head, before any
        content is read; a chunked body fails at the chunk-size line that would pass it.

    Each limit must be an ``int`` ≥ 1 (``max_body``: ``None`` or an ``int`` ≥ 0; ``bool`` is not
    taken); anything else raises :class:`ValueError` naming the field. This module stays
    Python in the mypyc build, so the error is the same in both builds.
    """

    max_start_line: int = 8192
    max_header_bytes: int = 65536
    max_headers: int = 100
    max_chunk_line: int = 4096
    max_trailer_bytes: int = 16384
    max_body: int | None = None

    def __post_init__(self) -> None:
        for name in (
            "max_start_line",
            "max_header_bytes",
            "max_headers",
            "max_chunk_line",
            "max_trailer_bytes",
        ):
            value = getattr(self, name)
            if type(value) is not int or value < 1:
                raise ValueError(f"Limits.{name} must be a positive int, got {value!r}")
        if self.max_body is not None and (type(self.max_body) is not int or self.max_body < 0):
            raise ValueError(f"Limits.max_body must be None or an int >= 0, got {self.max_body!r}")


DEFAULT_LIMITS = Limits()
