"""Percent-encoding (RFC 3986 §2.1) as URIs.jl does it: :func:`escapeuri` for query keys and
values, :func:`escapepath` for paths, :func:`unescapeuri` to decode, and the
``application/x-www-form-urlencoded`` reading of a query string into pairs.

Design. This module works on text only and knows nothing of the URI grammar or the ``URI``
value: ``._uri`` builds on it (a ``URI`` built with ``query=`` pairs encodes them here, and
``queryparams`` decodes a URI's query here), so nothing here may import ``._uri``. Encoding
goes through a 256-entry byte table, and only the runs of characters that need escaping are
encoded, so text that is already safe is returned as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeAlias

from ._errors import URIError

__all__ = [
    "QueryLike",
    "escapeuri",
    "unescapeuri",
    "escapepath",
]

QueryScalar: TypeAlias = str | bytes | bytearray | int | float
QueryValue: TypeAlias = QueryScalar | Sequence[QueryScalar]
QueryLike: TypeAlias = str | Mapping[str, QueryValue] | Iterable[tuple[str, QueryValue]]
"""What ``URI(query=...)`` accepts: an encoded query string, or a mapping or sequence of pairs
whose values may be lists (each item repeats the key); collections are encoded by
:func:`escapeuri`."""


def _table(safe: str) -> tuple[str, ...]:
    return tuple(chr(b) if chr(b) in safe else f"%{b:02X}" for b in range(256))


_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
# HTTP.jl (from RFC 1738) also escapes "~", which RFC 3986 §2.3 calls unreserved: keep its output.
_ESCAPE = _table(_ALNUM + "-._")
_UNSAFE_RUN = re.compile(r"[^A-Za-z0-9\-._]+")
_ESCAPE_PATH = _table(_ALNUM + "-._~!$&'()*+,;=:@/")  # RFC 3986 §3.3 pchar and "/", not "%"
_UNSAFE_PATH_RUN = re.compile(r"[^A-Za-z0-9\-._~!$&'()*+,;=:@/]+")
_BAD_PCT = re.compile(r"%(?![0-9A-Fa-f]{2})")  # RFC 3986 §2.1 pct-encoded is "%" HEXDIG HEXDIG
_PCT_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def _bad_escape(text: str, i: int, part: str) -> URIError:
    """The error for a ``%`` at ``text[i]`` that does not start a ``%XX`` escape."""
    return URIError(f"'%' at index {i} is not followed by two hex digits (RFC 3986 §2.1)",
                    part=part, value=text)


def _escape_run(text: str, table: tuple[str, ...], part: str) -> str:
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise URIError("cannot percent-encode a lone surrogate", part=part, value=text) from exc
    return "".join([table[b] for b in data])


_SCALARS = (str, bytes, bytearray, int, float)


def _escape_scalar(x: QueryScalar) -> str:
    if isinstance(x, str):
        if _UNSAFE_RUN.search(x) is None:
            return x
        return _UNSAFE_RUN.sub(lambda m: _escape_run(m.group(), _ESCAPE, "query"), x)
    if isinstance(x, (bytes, bytearray)):
        return "".join([_ESCAPE[b] for b in x])
    if isinstance(x, bool):  # before int: as HTTP.jl (and httpx) write them
        return "true" if x else "false"
    if isinstance(x, (int, float)):
        return _escape_scalar(str(x))
    raise TypeError(f"cannot percent-encode a {type(x).__name__}: {x!r}")


def escapeuri(x: QueryScalar | Mapping[str, QueryValue] | Iterable[tuple[str, QueryValue]]) -> str:
    """Percent-encode ``x`` (HTTP.jl's ``escapeuri``).

    A ``str`` (as UTF-8), ``bytes``, ``int`` or ``float``: every byte except ``A-Z a-z 0-9 - . _``
    becomes ``%XX`` (so ``~`` → ``%7E``, space → ``%20``). A mapping or an iterable of
    ``(key, value)`` pairs gives ``k=v&k=v`` with keys and values escaped; a list value repeats
    its key. Booleans are written ``true``/``false``.
    """
    if isinstance(x, _SCALARS):
        return _escape_scalar(x)
    items = x.items() if isinstance(x, Mapping) else x
    out: list[str] = []
    for item in items:
        if not isinstance(item, tuple) or len(item) != 2:
            raise TypeError(f"a query item must be a (key, value) pair, got {item!r}")
        key, value = item
        k = _escape_scalar(key)
        if isinstance(value, _SCALARS):
            out.append(f"{k}={_escape_scalar(value)}")
        else:
            out.extend(f"{k}={_escape_scalar(v)}" for v in value)
    return "&".join(out)


def _unescape(text: str, part: str) -> str:
    if "%" not in text:
        return text
    bad = _BAD_PCT.search(text)
    if bad is not None:
        raise _bad_escape(text, bad.start(), part)
    try:
        return _PCT_RUN.sub(lambda m: bytes.fromhex(m.group().replace("%", "")).decode(), text)
    except UnicodeDecodeError as exc:
        raise URIError(f"percent-encoded bytes are not UTF-8: {exc.reason}", part=part,
                       value=text) from exc


def unescapeuri(text: str) -> str:
    """Percent-decode ``text``: each run of ``%XX`` escapes is decoded as UTF-8.

    A ``%`` not followed by two hex digits, or escapes that are not UTF-8, raise
    :class:`URIError`. ``unescapeuri(escapeuri(s)) == s`` for every string ``s``.
    """
    return _unescape(text, "uri")


def escapepath(path: str) -> str:
    """Percent-encode a path given as plain text, keeping ``/`` and the other characters RFC 3986
    §3.3 allows in a segment (unreserved, sub-delims, ``:``, ``@``). ``%`` is escaped, so the
    result decodes back to ``path`` with :func:`unescapeuri`."""
    if _UNSAFE_PATH_RUN.search(path) is None:
        return path
    return _UNSAFE_PATH_RUN.sub(lambda m: _escape_run(m.group(), _ESCAPE_PATH, "path"), path)


def _form_pairs(query: str) -> list[tuple[str, str]]:
    """The decoded ``(key, value)`` pairs of a query string already checked against the query
    grammar: items split on ``&`` (empty ones skipped), each on its first ``=``."""
    pairs = []
    for item in query.split("&"):
        if item:
            key, _, value = item.partition("=")
            # "+" is a space in application/x-www-form-urlencoded (WHATWG URL §5.1); replace it
            # before decoding so that "%2B" stays "+".
            pairs.append((_unescape(key.replace("+", " "), "query"),
                          _unescape(value.replace("+", " "), "query")))
    return pairs
