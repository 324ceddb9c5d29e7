"""Small string operations HTTP.jl exposes as ``HTTP.Strings``: header-name casing, HTML
escaping, Latin-1 conversion and ASCII case-insensitive comparison."""

from __future__ import annotations

__all__ = ["tocameldash", "escapehtml", "iso8859_1_to_utf8", "ascii_lc_isequal"]

_HTML_ESCAPES = str.maketrans(
    {"&": "&amp;", '"': "&quot;", "'": "&#39;", "<": "&lt;", ">": "&gt;"}
)


def tocameldash(name: str) -> str:
    """Canonical Camel-Dash form of a header name: ``content-type`` → ``Content-Type``,
    ``X-CUSTOM-HEADER`` → ``X-Custom-Header``. ASCII letters only change case; the first
    character and every character after ``-`` are upper-cased, the rest lower-cased."""
    if name.isascii():
        # str.title() would also capitalise after digits and other punctuation; split on "-".
        return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))
    out: list[str] = []
    upper = True
    for ch in name:
        if ch.isascii():
            out.append(ch.upper() if upper else ch.lower())
        else:
            out.append(ch)
        upper = ch == "-"
    return "".join(out)


def escapehtml(text: str) -> str:
    """Escape ``& " ' < >`` as ``&amp; &quot; &#39; &lt; &gt;``."""
    return text.translate(_HTML_ESCAPES)


def iso8859_1_to_utf8(data: bytes) -> str:
    """Decode ISO-8859-1 (Latin-1) bytes into a ``str`` (which Python stores as Unicode; encode
    it with UTF-8 to get UTF-8 bytes)."""
    return data.decode("latin-1")


def ascii_lc_isequal(a: str, b: str) -> bool:
    """ASCII case-insensitive equality (non-ASCII characters compare exactly)."""
    if len(a) != len(b):
        return False
    if a.isascii() and b.isascii():
        return a.lower() == b.lower()
    return all(
        (x.lower() == y.lower()) if (x.isascii() and y.isascii()) else x == y
        for x, y in zip(a, b)
    )
