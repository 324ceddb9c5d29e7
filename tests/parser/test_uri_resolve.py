"""Paths and references: splitpath, normpath, joinpath, resolvereference with every RFC 3986
§5.4 example (inventory U5, U6; URIs.jl test/uri.jl "splitpath", "Normalize URI paths",
"joinpath", "resolvereference")."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wirehttp_parser import URI, URIError, joinpath, normpath, resolvereference, splitpath

BASE = "http://a/b/c/d;p?q"

# RFC 3986 §5.4.1 "Normal Examples"
NORMAL = [
    ("g:h", "g:h"),
    ("g", "http://a/b/c/g"),
    ("./g", "http://a/b/c/g"),
    ("g/", "http://a/b/c/g/"),
    ("/g", "http://a/g"),
    ("//g", "http://g"),
    ("?y", "http://a/b/c/d;p?y"),
    ("g?y", "http://a/b/c/g?y"),
    ("#s", "http://a/b/c/d;p?q#s"),
    ("g#s", "http://a/b/c/g#s"),
    ("g?y#s", "http://a/b/c/g?y#s"),
    (";x", "http://a/b/c/;x"),
    ("g;x", "http://a/b/c/g;x"),
    ("g;x?y#s", "http://a/b/c/g;x?y#s"),
    ("", "http://a/b/c/d;p?q"),
    (".", "http://a/b/c/"),
    ("./", "http://a/b/c/"),
    ("..", "http://a/b/"),
    ("../", "http://a/b/"),
    ("../g", "http://a/b/g"),
    ("../..", "http://a/"),
    ("../../", "http://a/"),
    ("../../g", "http://a/g"),
]

# RFC 3986 §5.4.2 "Abnormal Examples" ("http:g" gives "http:g" for strict parsers)
ABNORMAL = [
    ("../../../g", "http://a/g"),
    ("../../../../g", "http://a/g"),
    ("/./g", "http://a/g"),
    ("/../g", "http://a/g"),
    ("g.", "http://a/b/c/g."),
    (".g", "http://a/b/c/.g"),
    ("g..", "http://a/b/c/g.."),
    ("..g", "http://a/b/c/..g"),
    ("./../g", "http://a/b/g"),
    ("./g/.", "http://a/b/c/g/"),
    ("g/./h", "http://a/b/c/g/h"),
    ("g/../h", "http://a/b/c/h"),
    ("g;x=1/./y", "http://a/b/c/g;x=1/y"),
    ("g;x=1/../y", "http://a/b/c/y"),
    ("g?y/./x", "http://a/b/c/g?y/./x"),
    ("g?y/../x", "http://a/b/c/g?y/../x"),
    ("g#s/./x", "http://a/b/c/g#s/./x"),
    ("g#s/../x", "http://a/b/c/g#s/../x"),
    ("http:g", "http:g"),
]


@pytest.mark.parametrize(("ref", "expected"), NORMAL + ABNORMAL)
def test_rfc3986_examples(ref: str, expected: str) -> None:  # U5
    resolved = resolvereference(BASE, ref)
    assert str(resolved) == expected
    assert resolved == URI(expected)
    assert resolvereference(URI(BASE), URI(ref)) == resolved


def test_resolvereference_more() -> None:
    u = URI("http://example.org/foo/bar/")
    assert str(resolvereference(u, "/baz")) == "http://example.org/baz"
    assert str(resolvereference(u, "baz/")) == "http://example.org/foo/bar/baz/"
    assert str(resolvereference(u, "../baz/")) == "http://example.org/foo/baz/"
    assert str(resolvereference("http://example.org/foo/bar", "baz")) == (
        "http://example.org/foo/baz")
    assert str(resolvereference("http://example.org/foo/bar", "../baz")) == "http://example.org/baz"
    assert str(resolvereference("http://www.example.org", "http://example.com")) == (
        "http://example.com")
    assert str(resolvereference("/foo", "/bar/baz")) == "/bar/baz"
    assert str(resolvereference("http://h", "x")) == "http://h/x"  # §5.2.3 empty base path
    assert str(resolvereference("http://h/a#frag", "")) == "http://h/a"  # base fragment dropped
    assert str(resolvereference("http://h/a?q", "?")) == "http://h/a?"  # defined, empty query
    assert str(resolvereference("https://u:p@[::1]:8443/a/b", "c?d")) == (
        "https://u:p@[::1]:8443/a/c?d")
    assert str(resolvereference("http://h/a/b", "//other:81/x/../y")) == "http://other:81/y"
    assert str(resolvereference("http://h/", "HTTPS://x/./y")) == "HTTPS://x/y"
    # Dot removal must not leave "//x" where it would read as an authority.
    resolved = resolvereference("foo:/a/b", "..//x")
    assert str(resolved) == "foo:/.//x"
    assert resolved.path == "/.//x" and resolved.host == ""


def test_splitpath() -> None:
    assert splitpath("") == []
    assert splitpath("/") == []
    assert splitpath("a") == ["a"]
    assert splitpath("/a") == ["a"]
    assert splitpath("/a/bb/ccc") == ["a", "bb", "ccc"]
    assert splitpath("/a/b?query") == ["a", "b"]
    assert splitpath("/a/b#query/c") == ["a", "b"]
    assert splitpath("/α") == ["α"]
    assert splitpath("α/ββ/γγγ") == ["α", "ββ", "γγγ"]
    assert splitpath("/a/") == ["a"]
    assert splitpath("/a/", rstrip_empty_segment=False) == ["a", ""]
    assert splitpath("/a//b") == ["a", "", "b"]
    assert splitpath(URI("http://example.com/foo/bar?a=b&c=d")) == ["foo", "bar"]  # reference
    assert splitpath("/foo/bar/") == ["foo", "bar"]  # reference
    assert splitpath(URI("http://example.com/a/bb?query#frag")) == ["a", "bb"]
    assert splitpath(URI("http://example.com/a/bb/"), rstrip_empty_segment=False) == [
        "a", "bb", ""]
    assert splitpath(URI("https://h/path1/path2;paramstring?q=a&p=r#frag")) == [
        "path1", "path2;paramstring"]
    assert splitpath(URI("file:///path/to/file/with%3fshould%3dwork%23fine")) == [
        "path", "to", "file", "with%3fshould%3dwork%23fine"]
    assert splitpath(URI("ldap://[2001:db8::7]/c=GB?objectClass?one")) == ["c=GB"]
    assert splitpath(URI("mailto:John.Doe@example.com")) == ["John.Doe@example.com"]
    assert splitpath(URI("telnet://192.0.2.16:80/")) == []


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/a/b/c/./../../g", "/a/g"),  # RFC 3986 §5.2.4
        ("mid/content=5/../6", "mid/6"),  # RFC 3986 §5.2.4
        ("", ""),
        ("/", "/"),
        ("/a/b", "/a/b"),
        (".", ""),
        ("..", ""),
        ("./", ""),
        ("../a", "a"),
        ("/..", "/"),
        ("/.", "/"),
        ("/a/..", "/"),
        ("/a/.", "/a/"),
        ("/a/b/..", "/a/"),
        ("/../../x", "/x"),
        ("/a/.b/..c/b.", "/a/.b/..c/b."),
        ("a/./b/../c", "a/c"),
    ],
)
def test_normpath(path: str, expected: str) -> None:  # U6
    assert normpath(path) == expected


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("http://a/b/c/d/../../../g", "http://a/g"),
        ("http://a/b/c/d/../../../../g", "http://a/g"),
        ("http://a", "http://a"),
        ("http://a/b/c/.", "http://a/b/c/"),
        ("http://a/b/c/./", "http://a/b/c/"),
        ("http://a/b/c/..", "http://a/b/"),
        ("http://a/b/c/../", "http://a/b/"),
        ("http://a/b/c/../g", "http://a/b/g"),
        ("http://a/b/c/../..", "http://a/"),
        ("http://a/b/c/../../", "http://a/"),
        ("http://a/b/c/../../g", "http://a/g"),
        ("http://a/x/../y?q=../z#f/..", "http://a/y?q=../z#f/.."),
    ],
)
def test_normpath_uri(uri: str, expected: str) -> None:  # U6
    assert str(normpath(URI(uri))) == expected


def test_joinpath() -> None:  # U6
    assert joinpath(URI("http://a.b.c/d/e/f"), "a/b", "c") == URI("http://a.b.c/d/e/f/a/b/c")
    assert joinpath(URI("http://a.b.c/d/../f"), "a/b", "c") == URI("http://a.b.c/f/a/b/c")
    assert joinpath(URI("http://a.b.c/d/f"), "/b", "c") == URI("http://a.b.c/b/c")
    assert joinpath(URI("http://a.b.c/"), "b", "c") == URI("http://a.b.c/b/c")
    assert str(joinpath(URI("http://a.b.c"), "b", "c")) == "http://a.b.c/b/c"
    assert str(joinpath("http://h/a?x=1#f", "b")) == "http://h/a/b?x=1#f"
    assert str(joinpath("http://h/a/", "../../..", "b")) == "http://h/b"


@pytest.mark.parametrize(
    "parts", [("//evil.example/x",), ("/.//evil.example",), ("/..//evil.example",)]
)
def test_joinpath_refuses_authority_like_path(parts: tuple[str, ...]) -> None:  # U6
    with pytest.raises(URIError) as info:
        joinpath(URI("http://h/a"), *parts)
    assert info.value.part == "path"


def test_joinpath_validates_parts() -> None:
    with pytest.raises(URIError):
        joinpath("http://h/", "a b")
    with pytest.raises(URIError):
        joinpath("http://h/", "a?b")


# --- property tests: generated valid URIs round-trip ------------------------------------

_UNRESERVED = "abcXYZ019-._~"
_SUB_DELIMS = "!$&'()*+,;="
_PCT = st.sampled_from(["%20", "%2F", "%C3%A9", "%7e"])


def _chars(alphabet: str, extra: str = "") -> st.SearchStrategy[str]:
    one = st.one_of(st.sampled_from(alphabet + extra), _PCT, st.sampled_from("éü✓"))
    return st.lists(one, max_size=6).map("".join)


_label = st.from_regex(r"[a-z]([a-z0-9-]{0,6}[a-z0-9])?", fullmatch=True)
_host = st.one_of(
    st.lists(_label, min_size=1, max_size=3).map(".".join),
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(lambda a: f"[{a}]"),
    st.sampled_from(["bücher.example", "例え.テスト"]),
)
_segment = _chars(_UNRESERVED + _SUB_DELIMS, ":@")


@st.composite
def uris(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    parts = {"scheme": draw(st.sampled_from(["http", "https", "ws", "Foo+bar.1"]))}
    text = parts["scheme"] + "://"
    if draw(st.booleans()):
        parts["userinfo"] = draw(_chars(_UNRESERVED + _SUB_DELIMS, ":"))
        text += parts["userinfo"] + "@"
    host = draw(_host)
    parts["host"] = host.strip("[]")
    text += host
    if draw(st.booleans()):
        parts["port"] = str(draw(st.integers(0, 65535)))
        text += ":" + parts["port"]
    parts["path"] = "".join("/" + s for s in draw(st.lists(_segment, max_size=4)))
    text += parts["path"]
    if draw(st.booleans()):
        parts["query"] = draw(_chars(_UNRESERVED + _SUB_DELIMS, ":@/?"))
        text += "?" + parts["query"]
    if draw(st.booleans()):
        parts["fragment"] = draw(_chars(_UNRESERVED + _SUB_DELIMS, ":@/?"))
        text += "#" + parts["fragment"]
    return text, parts


@given(uris())
def test_generated_uris_round_trip(case: tuple[str, dict[str, str]]) -> None:
    text, parts = case
    u = URI(text)
    assert str(u) == text
    for name, value in parts.items():
        assert getattr(u, name) == value
    # Rebuilt from its parts it is the same URI (an empty userinfo, query or fragment is
    # dropped when building, so compare the rebuilt string when none is empty).
    rebuilt = URI(**parts)
    if all(parts.get(k, "x") for k in ("userinfo", "query", "fragment")):
        assert str(rebuilt) == text
    assert URI(str(rebuilt)) == rebuilt


@given(uris(), st.sampled_from([r for r, _ in NORMAL + ABNORMAL]))
def test_resolved_references_reparse(case: tuple[str, dict[str, str]], ref: str) -> None:
    resolved = resolvereference(case[0], ref)
    assert URI(str(resolved)) == resolved
    assert str(URI(str(resolved))) == str(resolved)


@given(st.text(max_size=40))
def test_any_text_parses_or_raises_urierror(text: str) -> None:
    try:
        u = URI(text)
    except URIError as exc:
        assert exc.part in {"scheme", "userinfo", "host", "port", "path", "query", "fragment",
                            "uri"}
    else:
        assert str(u) == text


@given(st.text(alphabet="/.ab", max_size=20))
def test_normpath_leaves_no_dot_segments(path: str) -> None:
    out = normpath(path)
    assert "." not in splitpath(out, rstrip_empty_segment=False)
    assert ".." not in splitpath(out, rstrip_empty_segment=False)
    assert normpath(out) == out


def test_dot_removal_never_changes_how_a_reference_reads() -> None:
    assert str(normpath(URI("./a:b"))) == "./a:b"
    assert str(resolvereference("x/y", "./a:b")) == "x/a:b"
    assert str(resolvereference("y", "./a:b")) == "./a:b"
    assert URI(str(resolvereference("y", "./a:b"))).scheme == ""
    assert str(normpath(URI("foo:/.//x"))) == "foo:/.//x"


def _rfc_remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4 transcribed literally (input and output buffers), as an oracle."""
    inp, out = path, ""
    while inp:
        if inp.startswith("../"):
            inp = inp[3:]
        elif inp.startswith("./"):
            inp = inp[2:]
        elif inp.startswith("/./"):
            inp = inp[2:]
        elif inp == "/.":
            inp = "/"
        elif inp.startswith("/../") or inp == "/..":
            inp = "/" + inp[4:]
            out = out[: max(out.rfind("/"), 0)]
        elif inp in (".", ".."):
            inp = ""
        else:
            j = inp.find("/", 1)
            j = len(inp) if j < 0 else j
            out, inp = out + inp[:j], inp[j:]
    return out


@given(st.lists(st.sampled_from(["/", ".", "..", "a", "b.", "./", "../", "/./", "/../"]),
                max_size=12).map("".join))
def test_normpath_matches_rfc_text(path: str) -> None:
    assert normpath(path) == _rfc_remove_dot_segments(path)
