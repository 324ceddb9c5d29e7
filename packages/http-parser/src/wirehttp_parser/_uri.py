"""URIs (RFC 3986) as HTTP.jl exposes them from URIs.jl: the :class:`URI` value, its strict
parser, and what reads one (:func:`resource`, :func:`isvalid`, :func:`absuri`,
:func:`queryparams`). Percent-encoding lives in ``._uriescape``, which this module builds on;
paths and reference resolution live in ``._uriref``, which builds on this one.

Design. A :class:`URI` keeps the exact string it was parsed from (``str(uri)`` gives it back) and
its seven components, still percent-encoded, as ``str`` fields (``""`` when absent). Parsing is
one compiled regex over the whole string whose character classes *are* the RFC grammar, so a
valid URI costs one ``fullmatch`` plus a few cheap checks (host kind, port range); only a string
that fails takes the slow path, which splits it loosely (RFC 3986 Appendix B) to name the part at
fault in a :class:`URIError`.

Parsing is strict: controls, spaces, a bad ``%`` escape, a second ``@``, a port that is not ASCII
digits or is over 65535, and anything outside the grammar are errors, never silently dropped.
Where RFC 3986 is looser than what HTTP needs, we take the stricter reading and say so below.
In one place we are looser than RFC 3986: raw ``[`` and ``]`` in the query and the fragment,
which browsers and curl send (see ``_FRAGMENT``).
Non-ASCII text is accepted as an IRI (RFC 3987): a Unicode host is kept as given and
:attr:`URI.ascii_host` gives its IDNA form; :func:`resource` percent-encodes the rest as UTF-8,
so what goes on the wire is always ASCII (RFC 3987 §3.1).

A component may be present but empty (``http://h/?`` has an empty query); the fields cannot show
that, so a private bit set records it. It makes ``replace()`` and :func:`resolvereference`
(RFC 3986 §5.2.2 asks "is the query *defined*?") exact.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, Protocol, TypeAlias, overload

from ._errors import URIError
from ._uriescape import _BAD_PCT, _ESCAPE, QueryLike, _bad_escape, _escape_run, _form_pairs
from ._uriescape import escapeuri as escapeuri  # re-exported: ._messages imports it from here

__all__ = [
    "URI",
    "HasTarget",
    "HasRequest",
    "queryparams",
    "queryparampairs",
    "absuri",
    "isvalid",
    "resource",
]

# ---------------------------------------------------------------------------------------------
# Character sets (RFC 3986 §2, §3; RFC 3987 §2.2 for the non-ASCII ones)

_UNRESERVED = r"A-Za-z0-9\-._~"
_SUB_DELIMS = r"!$&'()*+,;="


def _ranges(
    include: Iterable[tuple[int, int]], exclude: Iterable[tuple[int, int]] = ()
) -> str:
    """A regex character-class body for the code points in ``include`` minus ``exclude``."""
    points: list[tuple[int, int]] = []
    for lo, hi in include:
        for xlo, xhi in exclude:
            if xlo <= hi and xhi >= lo:
                if lo < xlo:
                    points.append((lo, xlo - 1))
                lo = max(lo, xhi + 1)
        if lo <= hi:
            points.append((lo, hi))
    return "".join(rf"\U{lo:08x}-\U{hi:08x}" for lo, hi in points)


# RFC 3987 §2.2 ucschar. We leave out what reads as whitespace or is invisible (NBSP, the
# Unicode spaces, zero-width space, line/paragraph separators, BOM) and the bidi formatting
# characters, which RFC 3987 §4.1 says MUST NOT appear: a URI in a log line must show what it is.
_IRI = _ranges(
    [(0xA0, 0xD7FF), (0xF900, 0xFDCF), (0xFDF0, 0xFFEF)]
    + [(plane << 16, (plane << 16) + 0xFFFD) for plane in range(1, 14)]
    + [(0xE1000, 0xEFFFD)],
    [(0xA0, 0xA0), (0xAD, 0xAD), (0x1680, 0x1680), (0x180E, 0x180E), (0x2000, 0x200B),
     (0x200E, 0x200F), (0x2028, 0x202F), (0x205F, 0x206F), (0x3000, 0x3000), (0xFEFF, 0xFEFF)],
)
# RFC 3987 §2.2 iprivate: private-use characters, allowed in the query only.
_IPRIVATE = _ranges([(0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD)])

# Component alphabets. "%" is in each (except the host) and pct-encoding (RFC 3986 §2.1) is
# checked once over the whole string: a character class is much faster than an alternation.
_USERINFO = f"{_UNRESERVED}{_SUB_DELIMS}:%{_IRI}"  # §3.2.1
# §3.2.2 allows sub-delims and pct-encoded octets in a reg-name, but no DNS name has them and
# HTTP hosts are DNS names (RFC 9110 §4.2.1); like llhttp and URIs.jl we refuse them (a
# non-ASCII name is written as Unicode and converted with IDNA, not percent-encoded).
_REGNAME = f"{_UNRESERVED}{_IRI}"
_PCHAR = f"{_UNRESERVED}{_SUB_DELIMS}:@%{_IRI}"  # §3.3
# RFC 3986 §3.4-§3.5 keep "[" and "]" for IP literals, so a strict query or fragment has them
# percent-encoded. But browsers send them raw (the WHATWG URL query and fragment
# percent-encode sets leave them alone), so do curl and PHP-style forms ("?a[]=1"), and a
# client following such a Location must not fail: we accept them in these two parts only.
# They stay errors everywhere else (path, userinfo, a host outside an IP literal).
_FRAGMENT = rf"{_PCHAR}/?\[\]"  # §3.5, plus "[" and "]"
_QUERY = f"{_FRAGMENT}{_IPRIVATE}"  # §3.4

# Possessive quantifiers (*+): a class that stopped matching never gives characters back, so
# a failed optional group costs one step, not one per character, and the match stays O(n).
_URI_RE = re.compile(
    rf"""
    (?:(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*+):)?
    (?:
        //(?:(?P<userinfo>[{_USERINFO}]*+)@)?
        (?P<host>\[[^\]/?#@]*+\]|[{_REGNAME}]*+)
        (?::(?P<port>[0-9]++))?
        (?P<apath>(?:/[{_PCHAR}/]*+)?)
      | (?P<path>(?!//)[{_PCHAR}/]*+)
    )
    (?:\?(?P<query>[{_QUERY}]*+))?
    (?:\#(?P<fragment>[{_FRAGMENT}]*+))?
    """,
    re.VERBOSE,
)
# RFC 3986 Appendix B: splits any string; used only to say which part of a bad URI is at fault.
_SPLIT_RE = re.compile(r"(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?", re.S)
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
_PORT_RE = re.compile(r"[0-9]*")  # ASCII digits only: str.isdigit() would accept "٣"
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
# RFC 3986 §3.2.2 IPv4address: four dec-octets, no leading zeros.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4_RE = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")
_NUMERIC_LABEL = re.compile(r"[0-9]+|0[xX][0-9A-Fa-f]*")
_MAYBE_NUMERIC_END = frozenset("0123456789abcdefABCDEFxX.")
_IPVFUTURE_RE = re.compile(rf"[vV][0-9A-Fa-f]+\.[{_UNRESERVED}{_SUB_DELIMS}:]+")
_ZONE_RE = re.compile(rf"(?:[{_UNRESERVED}]|%[0-9A-Fa-f]{{2}})+")  # RFC 6874 §2 ZoneID


def _bad(alphabet: str) -> re.Pattern[str]:
    return re.compile(f"[^{alphabet}]|%(?![0-9A-Fa-f]{{2}})")


_BAD_USERINFO = _bad(_USERINFO)
_BAD_REGNAME = _bad(_REGNAME)
_BAD_PATH = _bad(f"{_PCHAR}/")
_BAD_QUERY = _bad(_QUERY)
_BAD_FRAGMENT = _bad(_FRAGMENT)

# Presence bits (see the module docstring).
_AUTHORITY, _USERINFO_SET, _QUERY_SET, _FRAGMENT_SET, _BRACKETS = 1, 2, 4, 8, 16

# Schemes whose URIs must carry a non-empty host: RFC 9110 §4.2.1-§4.2.2, RFC 6455 §3.
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}

# ---------------------------------------------------------------------------------------------
# Validation of single components; each raises URIError naming the part.


def _check_chars(value: str, bad: re.Pattern[str], part: str, rule: str) -> None:
    m = bad.search(value)
    if m is None:
        return
    i = m.start()
    if value[i] == "%":
        raise _bad_escape(value, i, part)
    if value[i] == "@" and part == "userinfo":
        msg = "more than one '@' in the authority; write '@' in the userinfo as %40"
    else:
        msg = f"character {value[i]!r} at index {i} is not allowed in the {part} ({rule})"
    raise URIError(msg, part=part, value=value)


def _check_scheme(scheme: str) -> None:
    if scheme and _SCHEME_RE.fullmatch(scheme) is None:
        raise URIError(
            "a scheme is a letter followed by letters, digits, '+', '-' or '.' (RFC 3986 §3.1)",
            part="scheme", value=scheme,
        )


def _check_port(port: str) -> None:
    if _PORT_RE.fullmatch(port) is None:
        raise URIError("a port is ASCII decimal digits (RFC 3986 §3.2.3)", part="port", value=port)
    if len(port) > 5 or (port and int(port) > 65535):
        raise URIError("a port is at most 65535", part="port", value=port)


def _check_ip_literal(inner: str) -> None:
    """``inner`` is what stood between the brackets of an IP-literal (RFC 3986 §3.2.2)."""
    if inner[:1] in ("v", "V"):
        if _IPVFUTURE_RE.fullmatch(inner) is None:
            raise URIError("malformed IPvFuture literal (RFC 3986 §3.2.2)", part="host",
                           value=inner)
        return
    address, pct, zone = inner.partition("%")
    # RFC 6874 §2: a zone identifier follows "%25" (the percent-encoded "%").
    if pct and (not zone.startswith("25") or _ZONE_RE.fullmatch(zone[2:]) is None):
        raise URIError(
            "an IPv6 zone identifier is written '%25' followed by unreserved characters "
            "(RFC 6874 §2)", part="host", value=inner,
        )
    try:
        ipaddress.IPv6Address(address)
    except ValueError as exc:
        raise URIError(f"invalid IPv6 address: {exc}", part="host", value=inner) from exc


def _check_regname(host: str) -> None:
    if host.isascii():
        # A name whose last label is a number is an IPv4 address or nothing (the WHATWG URL
        # "ends in a number" rule): "1.2.3.999" or "0x7f.1" must not reach a resolver that
        # reads them as octal, hex or a 32-bit integer.
        if host[-1] not in _MAYBE_NUMERIC_END or _IPV4_RE.fullmatch(host) is not None:
            return
        last = (host[:-1] if host[-1] == "." else host).rpartition(".")[2]
        if _NUMERIC_LABEL.fullmatch(last):
            raise URIError(
                "a host ending in a number must be a dotted-decimal IPv4 address "
                "(RFC 3986 §3.2.2)", part="host", value=host,
            )
    else:
        _check_chars(host, _BAD_REGNAME, "host", "RFC 3986 §3.2.2")
        _idna(host)


# IDNA costs ~20 µs a name and the same few names come back on every request: keep them.
@lru_cache(maxsize=256)
def _idna(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise URIError(f"not a valid internationalised domain name: {exc}", part="host",
                       value=host) from exc


def _check_authority(scheme: str, userinfo: str | None, host: str, port: str | None) -> None:
    if host:
        return
    shown = "//" + ("" if userinfo is None else userinfo + "@")
    shown += "" if port is None else ":" + port
    if userinfo is not None or port is not None:
        # RFC 3986 allows "//user@:80"; nothing can connect to it, and llhttp rejects it too.
        raise URIError("an authority with a userinfo or port needs a host", part="host",
                       value=shown)
    if scheme.lower() in _DEFAULT_PORTS:
        raise URIError(f"a URI with scheme {scheme!r} must have a non-empty host "
                       "(RFC 9110 §4.2.1)", part="host", value=shown)


def _check_structure(scheme: str, flags: int, path: str) -> None:
    """RFC 3986 §3.3: the path's shape depends on whether an authority is present."""
    if flags & _AUTHORITY:
        if path and path[0] != "/":
            raise URIError("after an authority the path must be empty or start with '/' "
                           "(RFC 3986 §3.3)", part="path", value=path)
    elif path.startswith("//"):
        raise URIError("without an authority a path cannot start with '//' (RFC 3986 §3.3)",
                       part="path", value=path)
    elif not scheme and ":" in path.partition("/")[0]:
        raise URIError("the first segment of a relative path cannot contain ':'; write './' "
                       "before it (RFC 3986 §4.2)", part="path", value=path)


def _diagnose(text: str) -> URIError:
    """Name the part of ``text`` that is not RFC 3986 (the fast regex already failed)."""
    m = _SPLIT_RE.fullmatch(text)
    assert m is not None  # Appendix B matches every string
    scheme, authority, path, query, fragment = m.groups()
    try:
        if scheme is not None:
            _check_scheme(scheme)
        if authority is not None:
            userinfo, at, hostport = authority.rpartition("@")
            if at:
                _check_chars(userinfo, _BAD_USERINFO, "userinfo", "RFC 3986 §3.2.1")
            if hostport.startswith("["):
                inner, bracket, rest = hostport[1:].partition("]")
                if not bracket or (rest and rest[0] != ":"):
                    raise URIError("an IP literal is '[' address ']' (RFC 3986 §3.2.2)",
                                   part="host", value=hostport)
                _check_ip_literal(inner)
                host, colon, port = inner, rest[:1], rest[1:]
            else:
                host, colon, port = hostport.partition(":")
                _check_chars(host, _BAD_REGNAME, "host", "RFC 3986 §3.2.2")
            if colon and not port:
                raise URIError("empty port after ':' (RFC 3986 §3.2.3)", part="port",
                               value=hostport)
            _check_port(port)
        _check_chars(path, _BAD_PATH, "path", "RFC 3986 §3.3")
        _check_structure(scheme or "", _AUTHORITY if authority is not None else 0, path)
        if query is not None:
            _check_chars(query, _BAD_QUERY, "query", "RFC 3986 §3.4")
        if fragment is not None:
            _check_chars(fragment, _BAD_FRAGMENT, "fragment", "RFC 3986 §3.5")
    except URIError as exc:
        return exc
    return URIError("not a valid URI reference (RFC 3986 §4.1)", part="uri", value=text)


def _parse_into(self: URI, text: str) -> None:
    m = _URI_RE.fullmatch(text)
    if m is None or ("%" in text and _BAD_PCT.search(text) is not None):
        raise _diagnose(text)
    scheme, userinfo, host, port, apath, path, query, fragment = m.groups()
    flags = 0
    if host is None:
        if scheme is None and ":" in path.partition("/")[0]:
            raise _diagnose(text)  # "1a:b": a bad scheme, not a relative path (RFC 3986 §4.2)
        host = ""
    else:
        flags = _AUTHORITY
        path = apath
        if host.startswith("["):
            host = host[1:-1]
            _check_ip_literal(host)
            flags |= _BRACKETS
        elif host:
            if host[-1] in _MAYBE_NUMERIC_END or not host.isascii():
                _check_regname(host)
        else:
            _check_authority(scheme or "", userinfo, host, port)
        if userinfo is not None:
            flags |= _USERINFO_SET
        if port is not None and (len(port) > 5 or int(port) > 65535):
            _check_port(port)
    if query is not None:
        flags |= _QUERY_SET
    if fragment is not None:
        flags |= _FRAGMENT_SET
    _init(self, text, scheme or "", userinfo or "", host, port or "", path, query or "",
          fragment or "", flags)


def _compose(scheme: str, userinfo: str, host: str, port: str, path: str, query: str,
             fragment: str, flags: int) -> str:
    """RFC 3986 §5.3 component recomposition."""
    out = [scheme, ":"] if scheme else []
    if flags & _AUTHORITY:
        out.append("//")
        if flags & _USERINFO_SET:
            out += (userinfo, "@")
        out.append(f"[{host}]" if flags & _BRACKETS else host)
        if port:
            out += (":", port)
    out.append(path)
    if flags & _QUERY_SET:
        out += ("?", query)
    if flags & _FRAGMENT_SET:
        out += ("#", fragment)
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# The URI value


@dataclass(frozen=True, slots=True, init=False, eq=False, repr=False)
class URI:
    """A URI reference (RFC 3986 §4.1), immutable (HTTP.jl's ``URI``).

    ``URI("http://u:p@host:8080/a/b?x=1#f")`` parses; ``URI(scheme="http", host="example.com",
    port=8080, path="/a", query={"a": "1"})`` builds from parts; ``URI(uri, query=...)`` or
    ``uri.replace(...)`` copies with parts replaced (a ``query`` replaces the whole query).
    Fields are percent-encoded as given, ``""`` when absent; ``host`` has no IPv6 brackets.

    Equality follows RFC 3986 §6.2.2-§6.2.3 and RFC 9110 §4.2.3: scheme and host compare
    without case, a default port equals no port and, for http(s)/ws(s), an empty path equals
    ``/``; percent-encoding is compared as written.
    """

    uri: str
    scheme: str
    userinfo: str
    host: str
    port: str
    path: str
    query: str
    fragment: str
    _flags: int

    def __init__(
        self,
        uri: str | URI = "",
        /,
        *,
        scheme: str | None = None,
        userinfo: str | None = None,
        host: str | None = None,
        port: int | str | None = None,
        path: str | None = None,
        query: QueryLike | None = None,
        fragment: str | None = None,
    ) -> None:
        parts_given = not (scheme is None and userinfo is None and host is None and port is None
                           and path is None and query is None and fragment is None)
        if isinstance(uri, str):
            if not parts_given:  # the hot path: parse a string
                _parse_into(self, uri)
                return
            uri = URI(uri)
        elif not isinstance(uri, URI):
            raise TypeError(f"URI() takes a str or a URI, got {type(uri).__name__}")
        if not parts_given:
            _init(self, *_fields(uri))
            return
        _, s, u, h, p, pa, q, f, flags = _fields(uri)
        if scheme is not None:
            _check_scheme(scheme)
            s = scheme
        if userinfo is not None:
            _check_chars(userinfo, _BAD_USERINFO, "userinfo", "RFC 3986 §3.2.1")
            u = userinfo
            flags = flags | _USERINFO_SET | _AUTHORITY if userinfo else flags & ~_USERINFO_SET
        if host is not None:
            h, bracketed = (host[1:-1], True) if host[:1] == "[" and host[-1:] == "]" else (
                host, ":" in host)
            flags = (flags | _AUTHORITY) & ~_BRACKETS
            if bracketed:
                _check_ip_literal(h)
                flags |= _BRACKETS
            elif h:
                _check_chars(h, _BAD_REGNAME, "host", "RFC 3986 §3.2.2")
                _check_regname(h)
        if port is not None:
            if isinstance(port, bool) or not isinstance(port, (int, str)):
                raise TypeError(f"port must be an int or a str, got {port!r}")
            p = str(port) if isinstance(port, int) else port
            _check_port(p)
            if p:
                flags |= _AUTHORITY
        if path is not None:
            _check_chars(path, _BAD_PATH, "path", "RFC 3986 §3.3")
            pa = path
        if query is not None:
            if isinstance(query, str):
                _check_chars(query, _BAD_QUERY, "query", "RFC 3986 §3.4")
                q = query
            else:
                q = escapeuri(query)
            flags = flags | _QUERY_SET if q else flags & ~_QUERY_SET
        if fragment is not None:
            _check_chars(fragment, _BAD_FRAGMENT, "fragment", "RFC 3986 §3.5")
            f = fragment
            flags = flags | _FRAGMENT_SET if f else flags & ~_FRAGMENT_SET
        if flags & _AUTHORITY:
            _check_authority(s, u if flags & _USERINFO_SET else None, h, p or None)
        _check_structure(s, flags, pa)
        _init(self, _compose(s, u, h, p, pa, q, f, flags), s, u, h, p, pa, q, f, flags)

    def replace(
        self,
        *,
        scheme: str | None = None,
        userinfo: str | None = None,
        host: str | None = None,
        port: int | str | None = None,
        path: str | None = None,
        query: QueryLike | None = None,
        fragment: str | None = None,
    ) -> URI:
        """A copy with the given parts replaced; ``""`` removes a part."""
        return URI(self, scheme=scheme, userinfo=userinfo, host=host, port=port, path=path,
                   query=query, fragment=fragment)

    @property
    def default_port(self) -> int | None:
        """80 for http and ws, 443 for https and wss, else ``None``."""
        return _DEFAULT_PORTS.get(self.scheme.lower())

    @property
    def effective_port(self) -> int | None:
        """The explicit port as an ``int``, else :attr:`default_port`."""
        return int(self.port) if self.port else _DEFAULT_PORTS.get(self.scheme.lower())

    @property
    def ascii_host(self) -> str:
        """The host to resolve or connect to: an internationalised name in its IDNA (2003,
        stdlib ``encodings.idna``) ASCII form, an IPv6 address with its zone as ``%zone``."""
        host = self.host
        if self._flags & _BRACKETS:
            return host.replace("%25", "%", 1)
        return host if host.isascii() else _idna(host)

    @property
    def host_header(self) -> str:
        """The ``Host`` field value (RFC 9110 §7.2): ASCII host, IPv6 in brackets without its
        zone (RFC 6874 §4), ``:port`` unless absent or the scheme's default."""
        host = self.host
        if self._flags & _BRACKETS:
            host = f"[{host.partition('%')[0]}]"
        elif not host.isascii():
            host = _idna(host)
        if self.port and int(self.port) != self.default_port:
            host = f"{host}:{self.port}"
        return host

    def _key(self) -> tuple[object, ...]:
        scheme = self.scheme.lower()
        default = _DEFAULT_PORTS.get(scheme)
        port = int(self.port) if self.port else default
        flags = self._flags
        path = self.path
        if not path and default is not None and flags & _AUTHORITY:
            path = "/"
        return (scheme, self.userinfo if flags & _USERINFO_SET else None, self.host.lower(),
                port, path, self.query if flags & _QUERY_SET else None,
                self.fragment if flags & _FRAGMENT_SET else None, flags & _AUTHORITY)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, URI):
            return NotImplemented
        return self.uri == other.uri or self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        return self.uri

    def __repr__(self) -> str:
        return f"URI({self.uri!r})"


_FieldTuple: TypeAlias = tuple[str, str, str, str, str, str, str, str, int]


def _fields(u: URI) -> _FieldTuple:
    return (u.uri, u.scheme, u.userinfo, u.host, u.port, u.path, u.query, u.fragment, u._flags)


# Frozen-dataclass fields are set through their slot descriptors: that skips the raising
# __setattr__ and is cheaper than object.__setattr__, and a URI is built per request.
(_set_uri, _set_scheme, _set_userinfo, _set_host, _set_port, _set_path, _set_query,
 _set_fragment, _set_flags) = (vars(URI)[name].__set__ for name in (
    "uri", "scheme", "userinfo", "host", "port", "path", "query", "fragment", "_flags"))


def _init(self: URI, uri: str, scheme: str, userinfo: str, host: str, port: str, path: str,
          query: str, fragment: str, flags: int) -> None:
    _set_uri(self, uri)
    _set_scheme(self, scheme)
    _set_userinfo(self, userinfo)
    _set_host(self, host)
    _set_port(self, port)
    _set_path(self, path)
    _set_query(self, query)
    _set_fragment(self, fragment)
    _set_flags(self, flags)


def _new(scheme: str, userinfo: str, host: str, port: str, path: str, query: str,
         fragment: str, flags: int) -> URI:
    """A URI from parts already known to be valid (from other URIs)."""
    u: URI = object.__new__(URI)
    _init(u, _compose(scheme, userinfo, host, port, path, query, fragment, flags), scheme,
          userinfo, host, port, path, query, fragment, flags)
    return u


def _as_uri(x: URI | str) -> URI:
    return x if isinstance(x, URI) else URI(x)


# ---------------------------------------------------------------------------------------------
# What reads a URI: the request target, validity, absolute form


def absuri(uri: URI | str, context: URI | str) -> URI:
    """``uri`` made absolute: if it has no host, its path, query and fragment with the scheme
    and authority of ``context`` (which must have both)."""
    u = _as_uri(uri)
    if u.host:
        return u
    c = _as_uri(context)
    if not c.scheme or not c.host:
        raise URIError("absuri needs a context with a scheme and a host", part="uri",
                       value=c.uri)
    return URI(c, path=u.path, query=u.query, fragment=u.fragment)


# Which components a scheme may carry, for isvalid() (HTTP.jl's tables, corrected where the
# scheme's RFC says otherwise: ws/wss take a query and no fragment, RFC 6455 §3; mailto takes
# a query, RFC 6068 §2).
_USES_AUTHORITY = frozenset(
    "http https ws wss ftp ftps sftp file ssh git git+ssh svn svn+ssh hdfs s3 ldap ldaps nfs "
    "rsync rtsp rtsps rtspu telnet imap imaps nntp gopher wais mms prospero shttp snews smb"
    .split())
_NON_HIERARCHICAL = frozenset("mailto news tel urn sip sips data hdl".split())
_USES_QUERY = frozenset(
    "http https ws wss ldap ldaps imap imaps rtsp rtsps rtspu sip sips mms gopher wais shttp "
    "mailto urn".split())
_USES_FRAGMENT = frozenset(
    "http https ftp ftps file hdfs hdl gopher news nntp wais shttp snews prospero".split())


def isvalid(uri: URI | str) -> bool:
    """Whether ``uri`` is a valid URI for its scheme: a string that does not parse is not;
    http(s) and ws(s) need a host (RFC 9110 §4.2.1, RFC 6455 §3); a query, fragment, authority
    or hierarchical path only where the scheme takes one. A relative reference (no scheme)
    cannot be judged and raises :class:`URIError`."""
    if isinstance(uri, str):
        try:
            uri = URI(uri)
        except URIError:
            return False
    scheme = uri.scheme.lower()
    if not scheme:
        raise URIError("cannot validate a relative URI reference", part="scheme", value=uri.uri)
    if scheme in _DEFAULT_PORTS and not uri.host:
        return False
    if scheme in _NON_HIERARCHICAL and "/" in uri.path[1:]:
        return False
    if uri.query and scheme not in _USES_QUERY:
        return False
    if uri.fragment and scheme not in _USES_FRAGMENT:
        return False
    return not (scheme not in _USES_AUTHORITY and (uri.host or uri.port or uri.userinfo))


def resource(uri: URI | str) -> str:
    """The origin-form request target for ``uri`` (RFC 9112 §3.2.1): its path (``/`` if empty)
    and ``?query`` if there is one. Never the fragment (RFC 9110 §7.1). Non-ASCII characters
    are percent-encoded as UTF-8 (RFC 3987 §3.1), so the result is ASCII."""
    u = _as_uri(uri)
    target = u.path or "/"
    if target[0] != "/":
        raise URIError("a request target needs an absolute path (RFC 9112 §3.2.1)",
                       part="path", value=u.path)
    if u.query:
        target = f"{target}?{u.query}"
    if not target.isascii():
        target = _NON_ASCII_RUN.sub(lambda m: _escape_run(m.group(), _ESCAPE, "path"), target)
    return target


# ---------------------------------------------------------------------------------------------
# Query parameters. Decoding the query text is ``._uriescape``'s; choosing the query lives here
# because it parses URI strings, and ``._uriescape`` cannot import this module (a URI encodes
# ``query=`` pairs with its escapeuri).


class HasTarget(Protocol):
    """Anything with a request ``target`` (a ``Request``)."""

    @property
    def target(self) -> str: ...


class HasRequest(Protocol):
    """Anything with the ``request`` it answers (a ``Response``)."""

    @property
    def request(self) -> HasTarget | None: ...


_SCHEME_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")


def _query_of(x: URI | str | HasTarget | HasRequest) -> str | None:
    if isinstance(x, URI):
        return x.query
    if isinstance(x, str):
        if x.startswith("/") or _SCHEME_PREFIX.match(x):
            return URI(x).query
        query = x[1:] if x.startswith("?") else x
    elif isinstance(target := getattr(x, "target", None), str):
        query = target.partition("?")[2].partition("#")[0]
    elif hasattr(x, "request"):
        request: HasTarget | None = getattr(x, "request")
        return None if request is None else _query_of(request)
    else:
        raise TypeError(f"no query in a {type(x).__name__}: pass a URI, a str, a Request or a "
                        "Response")
    _check_chars(query, _BAD_QUERY, "query", "RFC 3986 §3.4")
    return query


@overload
def queryparampairs(x: URI | str | HasTarget) -> list[tuple[str, str]]: ...
@overload
def queryparampairs(x: HasRequest) -> list[tuple[str, str]] | None: ...
def queryparampairs(x: URI | str | HasTarget | HasRequest) -> list[tuple[str, str]] | None:
    """The decoded ``(key, value)`` pairs of a query, duplicates kept in order.

    ``x`` is a :class:`URI`; a ``str`` that starts with ``/`` or ``scheme://`` (a URI or a
    request target, parsed strictly); any other ``str`` (a bare query, a leading ``?``
    dropped); a Request (its ``target``); or a Response (its ``request``; ``None`` if it has
    none). ``+`` decodes to a space, a key without ``=`` gets ``""``, a value keeps any
    further ``=``.
    """
    query = _query_of(x)
    return None if query is None else _form_pairs(query)


@overload
def queryparams(x: URI | str | HasTarget, *, multi: Literal[False] = ...) -> dict[str, str]: ...
@overload
def queryparams(x: URI | str | HasTarget, *, multi: Literal[True]) -> dict[str, list[str]]: ...
@overload
def queryparams(
    x: HasRequest, *, multi: Literal[False] = ...
) -> dict[str, str] | None: ...
@overload
def queryparams(x: HasRequest, *, multi: Literal[True]) -> dict[str, list[str]] | None: ...
@overload
def queryparams(
    x: URI | str | HasTarget | HasRequest, *, multi: bool
) -> dict[str, str] | dict[str, list[str]] | None: ...
def queryparams(
    x: URI | str | HasTarget | HasRequest, *, multi: bool = False
) -> dict[str, str] | dict[str, list[str]] | None:
    """The decoded query parameters as a dict: the last of duplicate keys wins, or with
    ``multi=True`` every value in order. ``x`` is read as in :func:`queryparampairs`."""
    query = _query_of(x)
    if query is None:
        return None
    if not multi:
        return dict(_form_pairs(query))
    out: dict[str, list[str]] = {}
    for key, value in _form_pairs(query):
        out.setdefault(key, []).append(value)
    return out
