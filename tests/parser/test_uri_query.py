"""Percent-encoding and query parameters: escapeuri, unescapeuri, escapepath, queryparams,
queryparampairs (inventory U1-U3; URIs.jl test/uri.jl "Characters", "Query Params", issues
#27, #475, #540)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import assert_type

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wirehttp_parser import (
    URI,
    URIError,
    escapepath,
    escapeuri,
    queryparampairs,
    queryparams,
    unescapeuri,
)


def test_escapeuri_strings() -> None:  # U1
    assert escapeuri("abcdef αβ 1234-=~!@#$()_+{}|[]a;") == (
        "abcdef%20%CE%B1%CE%B2%201234-%3D%7E%21%40%23%24%28%29_%2B%7B%7D%7C%5B%5Da%3B")
    assert escapeuri("\x01") == "%01"
    assert escapeuri("t est\n") == "t%20est%0A"
    assert escapeuri("safe-._AZaz09") == "safe-._AZaz09"
    assert escapeuri("~") == "%7E"
    assert escapeuri(b"\x00\xff a") == "%00%FF%20a"
    assert escapeuri(12) == "12"
    assert escapeuri(1.5) == "1.5"


def test_unescapeuri_round_trip() -> None:  # U1
    text = "abcdef 1234-=~!@#$()_+{}|[]a;"
    assert unescapeuri(escapeuri(text)) == text
    assert unescapeuri(escapeuri("👽")) == "👽"
    assert escapeuri("👽") == "%F0%9F%91%BD"
    assert unescapeuri("a%2fb%2Fc") == "a/b/c"
    assert unescapeuri("no escapes") == "no escapes"
    assert unescapeuri("caf%C3%A9 ü") == "café ü"
    assert unescapeuri("a+b") == "a+b"  # "+" is only a space in queries


@pytest.mark.parametrize("bad", ["%", "%G0", "a%4", "%zz", "100%"])
def test_unescapeuri_rejects_bad_escapes(bad: str) -> None:
    with pytest.raises(URIError) as info:
        unescapeuri(bad)
    assert info.value.value == bad


def test_unescapeuri_rejects_non_utf8() -> None:
    with pytest.raises(URIError, match="not UTF-8"):
        unescapeuri("%E9t%E9")


def test_escapeuri_rejects_lone_surrogate() -> None:
    with pytest.raises(URIError):
        escapeuri("\ud800")


def test_escapeuri_collections() -> None:  # U2
    assert escapeuri({"key1": "value1", "key2": ["value2", "value3"]}) == (
        "key1=value1&key2=value2&key2=value3")
    assert escapeuri([("foo", "bar"), ("1", 2)]) == "foo=bar&1=2"
    assert escapeuri({"a": 1, "b": 2}) == "a=1&b=2"  # HTTP.jl's (a=1, b=2)
    assert escapeuri({"a+b": "c d+e"}) == "a%2Bb=c%20d%2Be"
    assert escapeuri({"t": True, "f": False}) == "t=true&f=false"
    assert escapeuri({}) == ""
    assert escapeuri([("k", ["x", "y"]), ("k", "z")]) == "k=x&k=y&k=z"
    with pytest.raises(TypeError):
        escapeuri([("a", "b", "c")])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        escapeuri({"a": None})  # type: ignore[arg-type]


def test_escapepath() -> None:
    assert escapepath("/a b/c") == "/a%20b/c"
    assert escapepath("/~user/a:b@c;d=e,f/") == "/~user/a:b@c;d=e,f/"
    assert escapepath("/100%/ü?#") == "/100%25/%C3%BC%3F%23"
    assert unescapepath_round_trip("/weird ?#%[]/ü")


def unescapepath_round_trip(path: str) -> bool:
    escaped = escapepath(path)
    URI(path=escaped)  # always a valid path
    return unescapeuri(escaped) == path


def test_queryparams() -> None:  # U3
    assert queryparams(URI("http://example.com")) == {}
    assert queryparams(URI("https://httphost/path1/path2;paramstring?q=a&p=r#frag")) == {
        "q": "a", "p": "r"}
    assert queryparams(URI("https://foo.net/?q=a&malformed")) == {"q": "a", "malformed": ""}
    assert queryparams(URI("http://www.example.com/path/foo+bar/path?query+name=query+value")) == {
        "query name": "query value"}
    assert queryparams(escapeuri({"a+b": "c d+e"})) == {"a+b": "c d+e"}
    assert queryparams("token=a=b") == {"token": "a=b"}
    assert queryparams("a=1&a=2&b=3") == {"a": "2", "b": "3"}  # last one wins
    assert queryparams("a=1&&b=%20x&") == {"a": "1", "b": " x"}
    assert queryparams("?x=1") == {"x": "1"}
    assert queryparams("") == {}
    assert queryparams("=v") == {"": "v"}


def test_queryparams_string_rule() -> None:
    # "/..." and "scheme://..." are URIs or targets: their query is used.
    assert queryparams("/search?q=x") == {"q": "x"}
    assert queryparams("http://h/p?q=x#f") == {"q": "x"}
    assert queryparams("/no-query") == {}
    # Anything else is a bare query string.
    assert queryparams("next=/home&q=x") == {"next": "/home", "q": "x"}
    assert queryparams("a=b?c") == {"a": "b?c"}
    with pytest.raises(URIError) as info:
        queryparams("a=%GG")
    assert info.value.part == "query"
    with pytest.raises(URIError):
        queryparams("a=b c")
    with pytest.raises(URIError):
        queryparams("/p?x=1 2")


def test_queryparams_multi() -> None:
    u = URI("http://h/?a=1&b=2&a=3&c")
    multi = queryparams(u, multi=True)
    assert multi == {"a": ["1", "3"], "b": ["2"], "c": [""]}
    assert queryparams(u, multi=False) == {"a": "3", "b": "2", "c": ""}


def test_queryparampairs() -> None:  # U3
    assert queryparampairs("a=1&b=2&a=3&a") == [("a", "1"), ("b", "2"), ("a", "3"), ("a", "")]
    assert queryparampairs(URI("http://h/?x=%C3%A9+%2B")) == [("x", "é +")]
    assert queryparampairs(URI("http://h/")) == []


@dataclass
class FakeRequest:
    target: str


@dataclass
class FakeResponse:
    request: FakeRequest | None


def test_queryparams_of_messages() -> None:
    req = FakeRequest("/search?q=wire+http&page=2#ignored")
    assert queryparams(req) == {"q": "wire http", "page": "2"}
    assert queryparampairs(req) == [("q", "wire http"), ("page", "2")]
    assert queryparams(FakeRequest("*")) == {}
    assert queryparams(FakeRequest("example.com:443")) == {}
    assert queryparams(FakeResponse(req), multi=True) == {"q": ["wire http"], "page": ["2"]}
    assert queryparams(FakeResponse(None)) is None
    assert queryparampairs(FakeResponse(None)) is None
    with pytest.raises(TypeError):
        queryparams(42)  # type: ignore[call-overload]


@given(st.text())
def test_unescape_escape_round_trip(text: str) -> None:
    escaped = escapeuri(text)
    assert escaped.isascii()
    assert unescapeuri(escaped) == text
    assert unescapeuri(escapepath(text)) == text


@given(st.lists(st.tuples(st.text(), st.text()), max_size=5))
def test_query_round_trip(pairs: list[tuple[str, str]]) -> None:
    query = escapeuri(pairs)
    assert queryparampairs(query) == pairs
    assert queryparampairs("?" + query) == pairs
    built = URI(scheme="http", host="h", query=pairs)
    assert str(built) == ("http://h?" + query if query else "http://h")
    assert queryparampairs(built) == pairs


def test_static_types() -> None:
    req = FakeRequest("/?a=1")
    resp = FakeResponse(req)
    assert_type(queryparams("a=1"), dict[str, str])
    assert_type(queryparams(URI("/?a=1"), multi=True), dict[str, list[str]])
    assert_type(queryparams(req), dict[str, str])
    assert_type(queryparams(resp), dict[str, str] | None)
    assert_type(queryparams(resp, multi=True), dict[str, list[str]] | None)
    assert_type(queryparampairs(req), list[tuple[str, str]])
    assert_type(queryparampairs(resp), list[tuple[str, str]] | None)
    flag: bool = bool(req.target)
    assert_type(queryparams(req, multi=flag), dict[str, str] | dict[str, list[str]] | None)
