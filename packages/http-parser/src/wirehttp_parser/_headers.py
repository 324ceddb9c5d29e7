"""Header fields: an ordered, multi-valued sequence that keeps the raw case of each name and
looks names up case-insensitively (RFC 9110 §5.1, §5.3).

Headers are *almost* like a dict but are not one: the same name may appear several times, the
order of fields with the same name is significant (RFC 9110 §5.3), and ``Set-Cookie`` may never
be combined into one line (RFC 6265 §3, RFC 9110 §5.3). So :class:`Headers` is a list of
``(name, value)`` pairs with lookup helpers, and the HTTP.jl functions (``header``,
``setheader``, ``appendheader``, …) work on it and on any message that has one.

Names and values are ``str``. The parser decodes the wire bytes as UTF-8 (falling back to
Latin-1 for a head that is not UTF-8, as HTTP.jl does, #796); the writer encodes them as UTF-8.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Final, Protocol, TypeAlias, overload

from ._errors import ProtocolError
from ._strings import tocameldash

__all__ = [
    "Headers",
    "HeadersLike",
    "HasHeaders",
    "mkheaders",
    "header",
    "headers",
    "hasheader",
    "headercontains",
    "setheader",
    "appendheader",
    "removeheader",
    "defaultheader",
    "canonicalizeheaders",
    "is_token",
    "check_field_value",
]

# RFC 9110 §5.6.2: token = 1*tchar
_TOKEN: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# RFC 9110 §5.5: field-value = *field-content; field-vchar = VCHAR / obs-text, with SP and HTAB
# inside. CR, LF and NUL MUST NOT appear (§5.5); the other controls are not field-vchar either.
# Characters above U+00FF are allowed here because values are str and are written as UTF-8.
_BAD_VALUE_CHAR: Final = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")

# Values masked by repr(): they hold credentials (HTTP.jl's show masks the same four).
_SECRET: Final = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})

Pair: TypeAlias = tuple[str, str]
HeadersLike: TypeAlias = "Headers | Mapping[str, str] | Iterable[tuple[str, str]]"


def is_token(name: str) -> bool:
    """True if ``name`` is an RFC 9110 §5.6.2 token (a valid field name or method)."""
    return _TOKEN.fullmatch(name) is not None


def check_field_value(name: str, value: str) -> None:
    """Raise :class:`ProtocolError` if ``value`` could not be sent as a field value: CR or LF
    would let a caller inject header lines (RFC 9110 §5.5)."""
    bad = _BAD_VALUE_CHAR.search(value)
    if bad is not None:
        raise ProtocolError(
            f"invalid character {bad.group()!r} at index {bad.start()} in the value of "
            f"header {name!r}: {value[:80]!r}"
        )


# Names already found to be tokens: handlers build the same few names on every response, and
# a set lookup is a fraction of a regex match. Bounded: past the cap, names are only matched.
_GOOD_NAMES: Final[set[str]] = set()
_GOOD_NAMES_MAX: Final = 4096
# Only names this short are remembered: real field names are, and a peer's long made-up
# names (a proxy copying upstream fields) must not pin memory for the life of the process.
_GOOD_NAME_LEN: Final = 64


def _check_pair(name: object, value: object) -> Pair:
    if type(name) is not str or type(value) is not str:
        if not isinstance(name, str) or not isinstance(value, str):
            raise ProtocolError(
                f"a header must be a (name, value) pair of str, got {name!r}: {value!r}"
            )
    if name not in _GOOD_NAMES:
        if _TOKEN.fullmatch(name) is None:
            raise ProtocolError(f"invalid header name {name!r}: not an RFC 9110 token")
        if len(name) <= _GOOD_NAME_LEN and len(_GOOD_NAMES) < _GOOD_NAMES_MAX:
            _GOOD_NAMES.add(name)
    # Printable ASCII (SP to ~) is always a valid value: two C-level scans, no regex. Anything
    # else (HTAB, obs-text, non-ASCII, controls) takes the exact check.
    if not (value.isascii() and value.isprintable()):
        check_field_value(name, value)
    return (name, value)


def _checked_pairs(items: Iterable[object]) -> list[Pair]:
    """Validated ``(name, value)`` pairs from an iterable of 2-item tuples or lists."""
    pairs: list[Pair] = []
    for item in items:  # typed as object: mypyc adds no per-item tuple[str, str] check
        if type(item) is not tuple or len(item) != 2:
            if not isinstance(item, (tuple, list)) or len(item) != 2:
                raise ProtocolError(
                    f"a header must be passed as a (name, value) pair, got {item!r}"
                )
        pairs.append(_check_pair(item[0], item[1]))
    return pairs


class Headers:
    """An ordered multi-valued collection of ``(name, value)`` header fields.

    ``Headers([("Host", "a"), ("Accept", "*/*")])``, ``Headers({"Host": "a"})`` and
    ``Headers(other)`` all work; names must be tokens and values may not hold CR, LF or other
    control characters (:class:`ProtocolError` otherwise), which blocks header injection.

    Iterating yields the pairs in order; ``h["name"]`` is the first value (``KeyError`` if
    absent), ``h.get(name, default)`` likewise without raising, ``h.getall(name)`` every value,
    ``"name" in h`` tests presence. Lookups ignore ASCII case.
    """

    __slots__ = ("_items",)

    _items: list[Pair]

    def __init__(self, items: HeadersLike | None = None) -> None:
        if items is None:
            self._items = []
        elif type(items) is list or type(items) is tuple:
            # The common case first, without the Mapping check (an ABC lookup).
            self._items = _checked_pairs(items)
        elif isinstance(items, Headers):
            self._items = list(items._items)
        elif isinstance(items, Mapping):
            self._items = [_check_pair(k, v) for k, v in items.items()]
        else:
            self._items = _checked_pairs(items)

    @classmethod
    def _trusted(cls, items: list[Pair]) -> Headers:
        """Wrap pairs that the parser already validated; no copy, no checks (hot path)."""
        # mypyc: cls.__new__(cls) crashes the compiler (KeyError '__new__'); Headers() with no
        # items is a cheap native call, and its empty list is replaced at once.
        self = Headers()
        self._items = items
        return self

    # -- sequence of pairs ------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Pair]:
        return iter(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    @overload
    def __getitem__(self, key: int) -> Pair: ...
    @overload
    def __getitem__(self, key: str) -> str: ...
    def __getitem__(self, key: int | str) -> Pair | str:
        if isinstance(key, int):
            return self._items[key]
        lk = key.lower()
        for n, v in self._items:
            if n.lower() == lk:
                return v
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        lk = key.lower()
        return any(n.lower() == lk for n, _ in self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return self._items == other._items
        if isinstance(other, list):
            return self._items == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        shown = [
            (n, "******" if n.lower() in _SECRET else v) for n, v in self._items
        ]
        return f"Headers({shown!r})"

    def copy(self) -> Headers:
        return Headers._trusted(list(self._items))

    def items(self) -> list[Pair]:
        """The pairs as a new list."""
        return list(self._items)

    def keys(self) -> list[str]:
        return [n for n, _ in self._items]

    def values(self) -> list[str]:
        return [v for _, v in self._items]

    # -- lookup -----------------------------------------------------------------------------
    @overload
    def get(self, key: str) -> str | None: ...
    @overload
    def get(self, key: str, default: str) -> str: ...
    @overload
    def get(self, key: str, default: None) -> str | None: ...
    def get(self, key: str, default: str | None = None) -> str | None:
        lk = key.lower()
        for n, v in self._items:
            if n.lower() == lk:
                return v
        return default

    def getall(self, key: str) -> list[str]:
        lk = key.lower()
        return [v for n, v in self._items if n.lower() == lk]

    # -- mutation ---------------------------------------------------------------------------
    def append(self, name: str, value: str) -> None:
        """Add a field at the end, never merging."""
        self._items.append(_check_pair(name, value))

    def extend(self, items: HeadersLike) -> None:
        self._items.extend(Headers(items)._items)

    def set(self, name: str, value: str) -> None:
        """Give ``name`` exactly this one value: the first field of that name is replaced in
        place and any later ones are removed; absent, the field is appended."""
        pair = _check_pair(name, value)
        lk = name.lower()
        out: list[Pair] = []
        placed = False
        for item in self._items:
            if item[0].lower() == lk:
                if not placed:
                    out.append(pair)
                    placed = True
            else:
                out.append(item)
        if not placed:
            out.append(pair)
        self._items = out

    def setdefault(self, name: str, value: str) -> str:
        """Append ``name: value`` only if no field of that name exists (an empty value counts
        as present, so callers can block a default by setting it to ``""``); return the value
        in effect."""
        got = self.get(name)
        if got is not None:
            return got
        self.append(name, value)
        return value

    def remove(self, name: str) -> int:
        """Remove every field named ``name``; return how many were removed."""
        lk = name.lower()
        kept = [item for item in self._items if item[0].lower() != lk]
        removed = len(self._items) - len(kept)
        self._items = kept
        return removed

    def merge_adjacent(self, name: str, value: str) -> None:
        """HTTP.jl's ``appendheader``: if the last field has the same name (ignoring case) and is
        not ``Set-Cookie``, extend its value with ``", " + value`` (RFC 9110 §5.3 allows this
        combination for list-based fields); otherwise append a new field."""
        pair = _check_pair(name, value)
        if self._items:
            last_name, last_value = self._items[-1]
            if last_name.lower() == name.lower() and name.lower() != "set-cookie":
                self._items[-1] = (last_name, f"{last_value}, {value}" if last_value else value)
                return
        self._items.append(pair)

    def canonicalize(self) -> None:
        """Rewrite every name in Canonical-Camel-Dash form (``canonicalize_headers=True``)."""
        self._items = [(tocameldash(n), v) for n, v in self._items]


class HasHeaders(Protocol):
    """Anything with a ``headers`` attribute: a Request, a Response, a server Stream."""

    @property
    def headers(self) -> Headers: ...


def mkheaders(items: HeadersLike | None) -> Headers:
    """Normalise any collection of pairs (a dict, a list of pairs or tuples, another Headers)
    into a new validated :class:`Headers`."""
    return Headers(items)


def _hdrs(m: Headers | HasHeaders) -> Headers:
    return m if isinstance(m, Headers) else m.headers


@overload
def header(m: Headers | HasHeaders, key: str) -> str: ...
@overload
def header(m: Headers | HasHeaders, key: str, default: str) -> str: ...
@overload
def header(m: Headers | HasHeaders, key: str, default: None) -> str | None: ...
def header(m: Headers | HasHeaders, key: str, default: str | None = "") -> str | None:
    """Value of the first header named ``key`` (any case), or ``default`` (``""``)."""
    return _hdrs(m).get(key, default)


def headers(m: Headers | HasHeaders, key: str) -> list[str]:
    """Every value of the headers named ``key``, in order."""
    return _hdrs(m).getall(key)


def hasheader(m: Headers | HasHeaders, key: str, value: str | None = None) -> bool:
    """Without ``value``: the header is present with a non-empty value (an empty value counts
    as absent, the curl convention). With ``value``: the first value equals it, ignoring
    ASCII case."""
    got = _hdrs(m).get(key)
    if value is None:
        return bool(got)
    return got is not None and got.lower() == value.lower()


def headercontains(m: Headers | HasHeaders, key: str, value: str) -> bool:
    """True if any comma-separated item of any header named ``key`` equals ``value`` after
    stripping whitespace, ignoring case (``Connection: keep-alive, Upgrade``)."""
    lv = value.strip().lower()
    for v in _hdrs(m).getall(key):
        for item in v.split(","):
            if item.strip(" \t").lower() == lv:
                return True
    return False


def _pair_args(key: str | Pair, value: str | None) -> Pair:
    if isinstance(key, tuple):
        if value is not None:
            raise TypeError("pass either a (name, value) pair or name and value, not both")
        return key
    if value is None:
        raise TypeError(f"missing the value for header {key!r}")
    return (key, value)


def setheader(m: Headers | HasHeaders, key: str | Pair, value: str | None = None) -> None:
    """Set a header, replacing any with the same name: ``setheader(m, "k", "v")`` or
    ``setheader(m, ("k", "v"))``."""
    k, v = _pair_args(key, value)
    _hdrs(m).set(k, v)


def appendheader(m: Headers | HasHeaders, key: str | Pair, value: str | None = None) -> None:
    """Append a header; a value for the same name as the immediately preceding header is merged
    into it as ``"prev, value"``, except ``Set-Cookie``, which is never merged."""
    k, v = _pair_args(key, value)
    _hdrs(m).merge_adjacent(k, v)


def defaultheader(m: Headers | HasHeaders, key: str | Pair, value: str | None = None) -> None:
    """Set a header only if it is absent (HTTP.jl's ``defaultheader!``); a header present with
    an empty value blocks the default."""
    k, v = _pair_args(key, value)
    _hdrs(m).setdefault(k, v)


def removeheader(m: Headers | HasHeaders, key: str) -> None:
    """Remove every header named ``key``."""
    _hdrs(m).remove(key)


def canonicalizeheaders(m: Headers | HasHeaders) -> None:
    """Rewrite header names in Canonical-Camel-Dash form, in place."""
    _hdrs(m).canonicalize()
