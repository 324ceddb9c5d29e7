"""``download`` (HTTP.jl's ``HTTP.download``): save a response body to a file, with progress.

The file name comes from ``Content-Disposition`` (RFC 6266, ``filename*`` first) or the URL's
last path segment, reduced to a bare name so that a hostile server can never write outside the
chosen directory.
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

from wirehttp_parser import URI, ContentDecoder, HeadersLike, Response, iserror, nobody, unescapeuri

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
    ``status_exception=False``)."""
    uri = url if isinstance(url, URI) else URI(url)
    result: list[str] = []

    def save(stream: ClientStream) -> None:
        resp = stream.startread()
        if iserror(resp.status):
            resp.body = stream.read_body()  # for the StatusError; no file is created
            return
        if local_path is None:
            path = os.path.join(tempfile.mkdtemp(prefix="wirehttp-"), _filename(resp, uri))
        elif os.path.isdir(local_path):
            path = os.path.join(os.fspath(local_path), _filename(resp, uri))
        else:
            path = os.fspath(local_path)
        total = resp.headers.get("Content-Length")
        enc = ", ".join(resp.headers.getall("Content-Encoding"))
        decoder = ContentDecoder(enc) if enc else None
        done = 0
        start = last = time.monotonic()
        tty = sys.stderr.isatty()
        with builtins.open(path, "wb") as f:
            for piece in stream:
                done += len(piece)
                f.write(decoder.decompress(piece) if decoder is not None else piece)
                now = time.monotonic()
                if now - last >= update_period:
                    last = now
                    _progress(done, total, now - start, tty)
            if decoder is not None:
                decoder.flush()
        if update_period != float("inf") and done and time.monotonic() - start >= update_period:
            _progress(done, total, time.monotonic() - start, tty)
            if tty:
                sys.stderr.write("\n")
        result.append(path)

    options: dict[str, Any] = dict(kw)
    req = _DEFAULT._prepare("GET", uri, headers, nobody, options)  # takes query, timeout, ...
    observe = bool(options.pop("observelayers", False))
    resp = _DEFAULT.stack(observe)(req, iofunction=save, **options)
    if not result:  # an error status with status_exception=False: nothing was saved
        raise StatusError(resp.status, req.method, req.target, resp, request=req)
    return result[0]


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

