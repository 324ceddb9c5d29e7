"""``download`` (HTTP.jl's ``HTTP.download``): save a response body to a file, with progress.

The file name comes from ``Content-Disposition`` (RFC 6266, ``filename*`` first) or the URL's
last path segment, reduced to a bare name so that a hostile server can never write outside the
chosen directory. Through redirects only the final response is saved, and it is named after
that response and its URL: the function that saves runs once per hop (it is the stack's
``iofunction``), so it skips the body of a 3xx with a ``Location``: one that is followed,
or one that is not (then no file is created and it is a :class:`StatusError`).
"""

from __future__ import annotations

import builtins
import logging
import os
import re
import sys
import tempfile
import time
from typing import Any, Unpack

from wirehttp_parser import (
    URI,
    ContentDecoder,
    HeadersLike,
    Response,
    iserror,
    isredirect,
    nobody,
    unescapeuri,
)

from ._api import _DEFAULT, RequestOptions
from ._errors import StatusError
from ._stream import ClientStream

__all__ = ["download"]

log = logging.getLogger("wirehttp.client")

_FILENAME_STAR = re.compile(r"filename\*\s*=\s*([^']*)'[^']*'([^;]+)", re.I)
_FILENAME = re.compile(r'filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))', re.I)


def _filename(resp: Response, url: URI) -> str:
    """The file name from Content-Disposition (RFC 6266, ``filename*`` first) or the URL's last
    path segment; never a path (no separators, no ``..``)."""
    cd = resp.headers.get("Content-Disposition", "")
    name = ""
    m = _FILENAME_STAR.search(cd)
    if m:
        try:
            name = unescapeuri(m.group(2).strip())
        except ValueError:
            name = ""
    if not name:
        m2 = _FILENAME.search(cd)
        if m2:
            name = (m2.group(1) if m2.group(1) is not None else m2.group(2)).strip()
    if not name:
        name = unescapeuri(url.path.rstrip("/").rsplit("/", 1)[-1]) if url.path else ""
    name = os.path.basename(name.replace("\\", "/"))
    if name in ("", ".", ".."):
        name = "download"
    return name


def download(
    url: str | URI,
    local_path: str | os.PathLike[str] | None = None,
    headers: HeadersLike | None = None,
    update_period: float = 1.0,
    **kw: Unpack[RequestOptions],
) -> str:
    """Download ``url`` and return the file's path (HTTP.jl's ``HTTP.download``).

    Without ``local_path`` the file goes into a new temporary directory; a directory path
    receives the file under the name from ``Content-Disposition`` or the URL; any other path is
    the file name. Progress is reported every ``update_period`` seconds (``math.inf``: never) —
    on one updating line on a terminal, as log lines otherwise. A gzip ``Content-Encoding`` is
    decoded. An error status raises :class:`StatusError` and creates no file (also with
    ``status_exception=False``), and so does a redirect that is not followed. Redirects are
    followed; the file is the final response's, named after it (from the final URL, not the
    first)."""
    uri = url if isinstance(url, URI) else URI(url)
    result: list[str] = []
    tempdir: list[str] = []  # made once, so a retried exchange writes to the same place

    def save(stream: ClientStream) -> None:
        resp = stream.startread()
        req = stream.message
        if iserror(resp.status):
            resp.body = stream.read_body()  # for the StatusError; no file is created
            return
        if isredirect(resp.status) and resp.headers.get("Location"):
            # Not the file: either the redirect layer follows this 3xx (and runs this function
            # again for the next hop), or it is not followed and becomes a StatusError like an
            # error status. Read its body so the connection can be reused.
            resp.body = stream.read_body()
            return
        # The final hop: named after its own Content-Disposition or its own URL, never the
        # first URL's (a redirect usually points at the real file name).
        name = _filename(resp, req.url)
        if local_path is None:
            if not tempdir:
                tempdir.append(tempfile.mkdtemp(prefix="wirehttp-"))
            path = os.path.join(tempdir[0], name)
        elif os.path.isdir(local_path):
            path = os.path.join(os.fspath(local_path), name)
        else:
            path = os.fspath(local_path)
        total = resp.headers.get("Content-Length")
        enc = ", ".join(resp.headers.getall("Content-Encoding"))
        decoder = ContentDecoder(enc) if enc else None
        done = 0
        reported = -1  # the byte count of the last progress line, so none is printed twice
        start = last = time.monotonic()
        tty = sys.stderr.isatty()
        with builtins.open(path, "wb") as f:
            for piece in stream:
                done += len(piece)
                f.write(decoder.decompress(piece) if decoder is not None else piece)
                now = time.monotonic()
                if now - last >= update_period:
                    last = now
                    reported = done
                    _progress(done, total, now - start, tty)
            if decoder is not None:
                f.write(decoder.flush())
        if update_period != float("inf") and done:
            elapsed = time.monotonic() - start
            if reported != done and elapsed >= update_period:
                reported = done
                _progress(done, total, elapsed, tty)
            if tty and reported >= 0:
                sys.stderr.write("\n")
        result.append(path)

    options: dict[str, Any] = dict(kw)
    req = _DEFAULT._prepare("GET", uri, headers, nobody, options)  # takes query, timeout, ...
    observe = bool(options.pop("observelayers", False))
    resp = _DEFAULT.stack(observe)(req, iofunction=save, **options)
    if not result:  # status_exception=False and an error status, or a 3xx not followed
        last = resp.request if resp.request is not None else req  # the last hop's request
        raise StatusError(resp.status, last.method, last.target, resp, request=last)
    return result[-1]  # the last attempt's (a retry after a broken transfer saves again)


def _progress(done: int, total: str | None, elapsed: float, tty: bool) -> None:
    rate = done / elapsed / 1e6 if elapsed > 0 else 0.0
    if total and total.isdigit() and int(total):
        text = f"downloaded {done} of {total} bytes ({100 * done // int(total)}%, {rate:.2f} MB/s)"
    else:
        text = f"downloaded {done} bytes ({rate:.2f} MB/s)"
    if tty:
        sys.stderr.write("\r" + text)
        sys.stderr.flush()
    else:
        log.info("%s", text)

