"""How the server frames a response head (RFC 9112 §4, §6; RFC 9110 §6.6, §8.6).

One place decides the status line, the headers the server adds (``Date``, ``Server``,
``Connection``, ``Content-Length`` or ``Transfer-Encoding``) and whether a body may follow, for
both the request-handler fast path and the :class:`Stream` API.

The head is serialised here rather than with the parser's ``encode_response_head`` because every
pair in a :class:`Headers` was validated when it was added (token names, no CR/LF/NUL in values:
header injection is impossible), so checking them again on each response would only cost time.
Status lines are validated once per ``(status, reason)`` and cached.
"""

from __future__ import annotations

import time
from email.utils import formatdate
from typing import Final

from wirehttp_parser import Headers, encode_response_head, statustext

__all__: list[str] = []

SERVER_NAME: Final = "wirehttp"

_status_lines: dict[tuple[int, str], bytes] = {}
_STATUS_CACHE_MAX: Final = 512

_date_second = 0
_date_value = ""


def http_date() -> str:
    """The ``Date`` value (RFC 9110 §6.6.1: an origin server with a clock MUST send it), in
    IMF-fixdate, recomputed at most once a second."""
    global _date_second, _date_value
    now = int(time.time())
    if now != _date_second:
        _date_second = now
        _date_value = formatdate(now, usegmt=True)
    return _date_value


def status_line(status: int, reason: str | None) -> bytes:
    """``HTTP/1.1 <status> <reason>\\r\\n``. We always answer with HTTP/1.1, the highest minor
    version we support, also to HTTP/1.0 clients (RFC 9110 §2.5). A reason with control
    characters or a status outside 100–999 raises :class:`ProtocolError` (from the writer)."""
    if reason is None:
        reason = statustext(status)
    key = (status, reason)
    line = _status_lines.get(key)
    if line is None:
        head = encode_response_head(status, (), reason=reason)  # validates status and reason
        line = head[:-2]  # drop the blank line that ends an empty head
        if len(_status_lines) < _STATUS_CACHE_MAX:
            _status_lines[key] = line
    return line


def body_allowed(status: int) -> bool:
    """1xx, 204 and 304 responses never have content (RFC 9112 §6.3 rule 1)."""
    return status >= 200 and status != 204 and status != 304


def encode_fields(headers: Headers, extra: list[tuple[str, str]]) -> bytes:
    """Field lines for already-validated ``headers`` and the server's ``extra`` ones, then the
    blank line. Empty values are skipped, as the writer does (how a caller suppresses a
    default header such as ``Server``)."""
    parts = [f"{n}: {v}\r\n" for n, v in headers if v]
    parts.extend(f"{n}: {v}\r\n" for n, v in extra if v)
    parts.append("\r\n")
    return "".join(parts).encode("utf-8")


def server_fields(headers: Headers, server: str | None) -> list[tuple[str, str]]:
    """``Date`` and ``Server`` unless the response set them (an empty value set by the handler
    suppresses the field, see :func:`encode_fields`)."""
    extra: list[tuple[str, str]] = []
    if "date" not in _names(headers):
        extra.append(("Date", http_date()))
    if server and "server" not in _names(headers):
        extra.append(("Server", server))
    return extra


def _names(headers: Headers) -> set[str]:
    return {n.lower() for n, _ in headers} if headers else set()


def has_token(headers: Headers, name: str, token: str) -> bool:
    """Whether a comma-separated field (``Connection``, ``Transfer-Encoding``) lists
    ``token``, ignoring case (RFC 9110 §5.6.1)."""
    for value in headers.getall(name):
        for item in value.split(","):
            if item.strip().lower() == token:
                return True
    return False


def frame_response(
    status: int,
    reason: str | None,
    headers: Headers,
    body_len: int,
    head_request: bool,
    http10: bool,
    keep_alive: bool,
    server: str | None,
) -> tuple[bytes, bool, bool]:
    """The head of a response whose body is ``body_len`` bytes, whether the connection stays
    open after it, and whether the body is sent.

    - ``Content-Length`` is added when the handler set neither it nor ``Transfer-Encoding``
      and the status allows content; a response to HEAD carries the length a GET would have
      had and no body (RFC 9110 §9.3.2).
    - ``Connection: close`` when the request or the handler asked for it, or the server is
      closing (RFC 9112 §9.6); an HTTP/1.0 keep-alive request gets ``Connection: keep-alive``
      (RFC 9112 §9.3, Appendix C.2.2).
    """
    if len(headers) <= 4:
        # Responses repeat: the same status, few headers, the same length. Their heads are
        # served from a cache that the Date change empties each second.
        date = http_date()
        if date is not _frame_date[0]:
            _frame_date[0] = date
            _frames.clear()
        key = (status, reason, body_len, head_request, http10, keep_alive, server, *headers)
        framed = _frames.get(key)
        if framed is None:
            framed = _frame(status, reason, headers, body_len, head_request, http10, keep_alive,
                            server)
            if len(_frames) < _FRAMES_MAX:
                _frames[key] = framed
        return framed
    return _frame(status, reason, headers, body_len, head_request, http10, keep_alive, server)


_frames: dict[tuple[object, ...], tuple[bytes, bool, bool]] = {}
_frame_date = [""]
_FRAMES_MAX: Final = 1024


def _frame(
    status: int,
    reason: str | None,
    headers: Headers,
    body_len: int,
    head_request: bool,
    http10: bool,
    keep_alive: bool,
    server: str | None,
) -> tuple[bytes, bool, bool]:
    names = {n.lower() for n, _ in headers} if headers else set()
    extra: list[tuple[str, str]] = []
    if "date" not in names:
        extra.append(("Date", http_date()))
    if server and "server" not in names:
        extra.append(("Server", server))
    allowed = body_allowed(status)
    if allowed and "content-length" not in names and "transfer-encoding" not in names:
        extra.append(("Content-Length", str(body_len)))
    if "transfer-encoding" in names and has_token(headers, "Transfer-Encoding", "chunked"):
        raise ValueError(
            "a Response with a bytes body cannot declare Transfer-Encoding: chunked; "
            "use the Stream API (listen) to send a chunked body"
        )
    if "connection" in names and has_token(headers, "Connection", "close"):
        keep_alive = False
    if not keep_alive:
        if "connection" not in names:
            extra.append(("Connection", "close"))
    elif http10:
        extra.append(("Connection", "keep-alive"))
    return status_line(status, reason) + encode_fields(headers, extra), keep_alive, (
        allowed and not head_request
    )
