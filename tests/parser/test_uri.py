"""URI: strict RFC 3986 parsing, building from parts, replace, equality, IPv6, IDNA and the
properties the client needs (inventory "URIs" table; URIs.jl test/uri.jl, U4)."""

from __future__ import annotations

import copy
import pickle
from dataclasses import FrozenInstanceError

import pytest

from wirehttp_parser import (
    URI,
    HTTPError,
    URIError,
    absuri,
    escapeuri,
    isvalid,
    queryparams,
    resolvereference,
    resource,
)

# (string, scheme, userinfo, host, port, path, query, fragment)
PARSED = [
    ("http://u:p@host:8080/a/b?x=1#f", "http", "u:p", "host", "8080", "/a/b", "x=1", "f"),
    ("http://hostname/", "http", "", "hostname", "", "/", "", ""),
    ("http://hostname:444/", "http", "", "hostname", "444", "/", "", ""),
    ("http://[1:2::3:4]/", "http", "", "1:2::3:4", "", "/", "", ""),
    ("http://[1:2::3:4]:67/", "http", "", "1:2::3:4", "67", "/", "", ""),
    ("http://[2001:0000:0000:0000:0000:0000:1.9.1.1]/", "http", "",
     "2001:0000:0000:0000:0000:0000:1.9.1.1", "", "/", "", ""),
    ("http://[fe80::a%25eth0]/", "http", "", "fe80::a%25eth0", "", "/", "", ""),
    ("http://a.tbcdn.cn/p/fp/2010c/??fp-header-min.css,fp-base-min.css?t=20101022.css", "http",
     "", "a.tbcdn.cn", "", "/p/fp/2010c/", "?fp-header-min.css,fp-base-min.css?t=20101022.css",
     ""),
    ("/toto.html?toto=a%20b", "", "", "", "", "/toto.html", "toto=a%20b", ""),
    ("/toto.html#titi", "", "", "", "", "/toto.html", "", "titi"),
    ("http://www.webmasterworld.com/r.cgi?f=21&d=8405&url=http://www.example.com/index.html"
     "?foo=bar&hello=world#midpage", "http", "", "www.webmasterworld.com", "", "/r.cgi",
     "f=21&d=8405&url=http://www.example.com/index.html?foo=bar&hello=world", "midpage"),
    ("http://host.com:8080/p/a/t/h?query=string#hash", "http", "", "host.com", "8080",
     "/p/a/t/h", "query=string", "hash"),
    ("http://a:b@host.com:8080/p/a/t/h?query=string#hash", "http", "a:b", "host.com", "8080",
     "/p/a/t/h", "query=string", "hash"),
    ("http://a%20:b@host.com/", "http", "a%20:b", "host.com", "", "/", "", ""),
    ("http://a::b@host.com/", "http", "a::b", "host.com", "", "/", "", ""),
    ("http://@hostname/fo", "http", "", "hostname", "", "/fo", "", ""),
    ("http://a!;-_!=+$@host.com/", "http", "a!;-_!=+$", "host.com", "", "/", "", ""),
    ("hdfs://user:password@hdfshost:9000/root/folder/file.csv#frag", "hdfs", "user:password",
     "hdfshost", "9000", "/root/folder/file.csv", "", "frag"),
    ("file:///path/to/file/with%3fshould%3dwork%23fine", "file", "", "", "",
     "/path/to/file/with%3fshould%3dwork%23fine", "", ""),
    ("ldap://[2001:db8::7]/c=GB?objectClass?one", "ldap", "", "2001:db8::7", "", "/c=GB",
     "objectClass?one", ""),
    ("mailto:John.Doe@example.com", "mailto", "", "", "", "John.Doe@example.com", "", ""),
    ("news:comp.infosystems.www.servers.unix", "news", "", "", "",
     "comp.infosystems.www.servers.unix", "", ""),
    ("tel:+1-816-555-1212", "tel", "", "", "", "+1-816-555-1212", "", ""),
    ("telnet://192.0.2.16:80/", "telnet", "", "192.0.2.16", "80", "/", "", ""),
    ("urn:oasis:names:specification:docbook:dtd:xml:4.1.2", "urn", "", "", "",
     "oasis:names:specification:docbook:dtd:xml:4.1.2", "", ""),
    ("s3://bucket/key", "s3", "", "bucket", "", "/key", "", ""),
    ("", "", "", "", "", "", "", ""),
    ("//g", "", "", "g", "", "", "", ""),
    ("./a:b", "", "", "", "", "./a:b", "", ""),
    ("*", "", "", "", "", "*", "", ""),
    ("http://bücher.example/straße?q=ü#ß", "http", "", "bücher.example", "", "/straße", "q=ü",
     "ß"),
]


@pytest.mark.parametrize(
    ("text", "scheme", "userinfo", "host", "port", "path", "query", "fragment"), PARSED
)
def test_parse_components(
    text: str, scheme: str, userinfo: str, host: str, port: str, path: str, query: str,
    fragment: str,
) -> None:
    u = URI(text)
    assert (u.scheme, u.userinfo, u.host, u.port, u.path, u.query, u.fragment) == (
        scheme, userinfo, host, port, path, query, fragment)
    assert u.uri == text
    assert str(u) == text
    assert URI(str(u)) == u


# U4 and URIs.jl's "shouldthrow" cases: each raises URIError naming the part at fault.
BAD = [
    ("/foo\rbar/", "path"),
    ("/foo\nbar/", "path"),
    ("/foo\tbar/", "path"),
    ("/foo\fbar/", "path"),
    ("/foo\x7fbar/", "path"),
    ("/foo\x00bar/", "path"),
    ("/foo bar/", "path"),
    ("http://a b/", "host"),
    ("http://a b@host/", "userinfo"),
    ("http://a:b@@hostname:443/", "userinfo"),
    ("http://host\name/fo", "host"),
    ("http://host%name/fo", "host"),
    ("http://host;ame/fo", "host"),
    ("http://host=ame/fo", "host"),
    ("http://ho\\st/", "host"),
    ("http://ho|st/", "host"),
    ("http://ho{st/", "host"),
    ("http://ho}st/", "host"),
    ("http://ho]st/", "host"),
    ("http://:443/", "host"),
    ("http://@/fo", "host"),
    ("http://toto@/fo", "host"),
    ("http:///path", "host"),
    ("https://", "host"),
    ("http://hostname:/", "port"),
    ("http://hostname::443/", "port"),
    ("http://hostname:44a/", "port"),
    ("http://hostname:\u0663\u0664/", "port"),  # Arabic-Indic digits
    ("http://hostname:65536/", "port"),
    ("http://hostname:000080000/", "port"),
    ("http://[fe80::a%]/", "host"),
    ("http://[fe80::a%$HOME]/", "host"),
    ("http://[fe80::a%eth0]/", "host"),  # RFC 6874: the "%" must be written %25
    ("http://[%eth0]/", "host"),
    ("http://[::1/", "host"),
    ("http://[::1]]/", "host"),
    ("http://[::g]/", "host"),
    ("http://[1.2.3.4]/", "host"),
    ("http://1.2.3.999/", "host"),
    ("http://0x7f.1/", "host"),
    ("http://127.1/", "host"),
    ("http://01.2.3.4/", "host"),
    ("http://a/%GG", "path"),
    ("http://a/%4", "path"),
    ("http://a/?x=%zz", "query"),
    ("http://a/#%", "fragment"),
    ("http://a/?x=%[1]", "query"),  # "[" and "]" are allowed in a query, a bad escape is not
    ("http://a/p[1]", "path"),  # ... but not in a path
    ("/p[1]?a[]=1", "path"),
    ("a]b", "path"),
    ("http://ho[st/", "host"),  # ... nor in a host outside an IP literal
    ("http://h[1]/?a[]", "host"),
    ("http://[::1]]/?a[]", "host"),
    ("http://u[x]@h/", "userinfo"),
    ("http://a/#a#b", "fragment"),
    ("http://a/p|q", "path"),
    ("http://a/\u2028", "path"),  # line separator
    ("http://a/\u202e", "path"),  # bidi override (RFC 3987 §4.1)
    ("http://a/\u00a0", "path"),  # no-break space
    (".google.com:80", "scheme"),
    ("ht!tp://google.com", "scheme"),
    ("1a:b", "scheme"),
    (" http://a/", "scheme"),
    ("http://a/ ", "path"),
    ("http://a/\ud800", "path"),  # lone surrogate
]


@pytest.mark.parametrize(("text", "part"), BAD)
def test_parse_rejects(text: str, part: str) -> None:
    with pytest.raises(URIError) as info:
        URI(text)
    assert info.value.part == part
    assert info.value.value  # the offending text is carried
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, HTTPError)


# Raw "[" and "]" in the query and the fragment: RFC 3986 §3.4-§3.5 want them percent-encoded,
# but browsers, curl and PHP-style forms send them as they are ("?a[]=1"), and a client
# following such a Location must not fail.
@pytest.mark.parametrize(
    ("text", "query", "fragment"),
    [
        ("http://h/p?a[]=1&a[]=2", "a[]=1&a[]=2", ""),
        ("http://h/p?filter[name]=x#top", "filter[name]=x", "top"),
        ("http://h/p#sec[2]", "", "sec[2]"),
        ("http://h?a[b]", "a[b]", ""),
        ("http://[::1]:8080/?ip=[::1]#[x]", "ip=[::1]", "[x]"),
        ("/search?q[]=]&[", "q[]=]&[", ""),
        ("?a[]=1", "a[]=1", ""),
        ("#]", "", "]"),
    ],
)
def test_brackets_in_query_and_fragment(text: str, query: str, fragment: str) -> None:
    u = URI(text)
    assert (u.query, u.fragment) == (query, fragment)
    assert str(u) == text
    assert URI(str(u)) == u


def test_brackets_build_resolve_and_read() -> None:
    u = URI(scheme="http", host="h", path="/p", query="a[]=1", fragment="f[0]")
    assert str(u) == "http://h/p?a[]=1#f[0]"
    assert URI("http://h/").replace(query="x[y]=z").query == "x[y]=z"
    assert resource(u) == "/p?a[]=1"  # sent as is: "[" and "]" are VCHARs (RFC 9112 §3.2)
    assert queryparams("http://h/p?a[]=1&a[]=2", multi=True) == {"a[]": ["1", "2"]}
    assert queryparams("a[]=1&b[c]=2") == {"a[]": "1", "b[c]": "2"}
    assert str(resolvereference("http://h/a/b", "/list?page[size]=10#item[3]")) == (
        "http://h/list?page[size]=10#item[3]")
    assert str(resolvereference("http://h/a/b?x", "?a[]=1")) == "http://h/a/b?a[]=1"
    assert isvalid("https://h/p?a[]=1")
    assert escapeuri("a[]") == "a%5B%5D"  # what we encode ourselves stays strict


def test_error_message_names_the_character() -> None:
    with pytest.raises(URIError, match=r"'\\r' at index 4 is not allowed in the path"):
        URI("/foo\rbar")
    with pytest.raises(URIError, match="'%' at index 1 is not followed by two hex digits"):
        URI("/%GG")
    with pytest.raises(URIError, match="more than one '@'"):
        URI("http://a@b@c/")


def test_unicode_host_and_idna() -> None:
    u = URI("http://bücher.example/")
    assert u.host == "bücher.example"
    assert u.ascii_host == "xn--bcher-kva.example"
    assert u.host_header == "xn--bcher-kva.example"
    assert URI("http://example.com/").ascii_host == "example.com"
    with pytest.raises(URIError) as info:
        URI("http://" + "ü" * 70 + ".example/")  # an IDNA label is at most 63 octets
    assert info.value.part == "host"


def test_ipv6() -> None:
    u = URI("http://[::1]:8080/x")
    assert u.host == "::1"
    assert str(u) == "http://[::1]:8080/x"
    assert u.host_header == "[::1]:8080"
    assert u.ascii_host == "::1"
    built = URI(scheme="http", host="::1", port=8080, path="/x")
    assert str(built) == "http://[::1]:8080/x"
    assert built == u
    assert str(URI(scheme="http", host="[::1]")) == "http://[::1]"
    zoned = URI("http://[fe80::a%25eth0]:81/")
    assert zoned.ascii_host == "fe80::a%eth0"
    assert zoned.host_header == "[fe80::a]:81"
    future = URI("http://[v1.fe:x]/")
    assert future.host == "v1.fe:x"
    assert str(future.replace(path="/y")) == "http://[v1.fe:x]/y"


def test_ipv4() -> None:
    assert URI("http://127.0.0.1:8080/").host == "127.0.0.1"
    assert URI("http://255.255.255.255/").host == "255.255.255.255"
    assert URI("http://a1.b2/").host == "a1.b2"  # only a numeric *last* label is an address
    assert URI("http://1.2.3.com/").host == "1.2.3.com"


def test_build_from_parts() -> None:
    assert URI(scheme="http", host="google.com") == URI("http://google.com")
    assert str(URI(scheme="http", host="example.com")) == "http://example.com"
    assert URI(scheme="http", host="google.com", path="/") == URI("http://google.com/")
    assert URI(scheme="http", host="google.com", userinfo="user") == URI("http://user@google.com")
    assert URI(scheme="http", host="google.com", query={"key": "value"}) == URI(
        "http://google.com?key=value")
    assert str(URI(scheme="http", host="google.com", query={})) == "http://google.com"
    assert URI(scheme="http", host="google.com", path="/", fragment="user") == URI(
        "http://google.com/#user")
    assert URI(scheme="hdfs", host="hdfshost", path="/root/folder/file.csv", port=9000,
               userinfo="user:password") == URI(
        "hdfs://user:password@hdfshost:9000/root/folder/file.csv")
    assert str(URI(scheme="http", host="example.com", port=8080, path="/a",
                   query=[("a", "1"), ("a", "2")])) == "http://example.com:8080/a?a=1&a=2"
    assert str(URI(scheme="http", host="h", query={"k": ["v1", "v2"]})) == "http://h?k=v1&k=v2"
    assert str(URI(scheme="http", host="h", query="a=1")) == "http://h?a=1"
    assert str(URI(scheme="http", host="h", query={"q": "a b&c"})) == "http://h?q=a%20b%26c"
    assert str(URI(scheme="file", path="/etc/hosts")) == "file:/etc/hosts"
    assert str(URI(scheme="file", host="", path="/etc/hosts")) == "file:///etc/hosts"
    assert str(URI(path="/a", query={"x": "1"})) == "/a?x=1"
    assert str(URI()) == ""


@pytest.mark.parametrize(
    ("parts", "part"),
    [
        ({"scheme": "ht tp", "host": "a"}, "scheme"),
        ({"scheme": "http", "host": "a b"}, "host"),
        ({"scheme": "http", "host": "a", "path": "/a b"}, "path"),
        ({"scheme": "http", "host": "a", "path": "/a\nb"}, "path"),
        ({"scheme": "http", "host": "a", "path": "a"}, "path"),  # must start with "/"
        ({"scheme": "http", "host": "a", "path": "/a?b"}, "path"),
        ({"scheme": "http", "host": "a", "query": "a b"}, "query"),
        ({"scheme": "http", "host": "a", "fragment": "a#b"}, "fragment"),
        ({"scheme": "http", "host": "a", "path": "/a[b]"}, "path"),
        ({"scheme": "http", "host": "a[b"}, "host"),
        ({"scheme": "http", "host": "a", "userinfo": "a@b"}, "userinfo"),
        ({"scheme": "http", "host": "a", "port": "x"}, "port"),
        ({"scheme": "http", "host": "a", "port": 70000}, "port"),
        ({"scheme": "http", "host": "a", "port": -1}, "port"),
        ({"scheme": "http", "host": "::g"}, "host"),
        ({"scheme": "http", "host": "1.2.3.256"}, "host"),
        ({"scheme": "http", "path": "/x"}, "path"),  # http without an authority is fine here
        ({"scheme": "http", "host": ""}, "host"),  # ... but an empty host is not
        ({"userinfo": "u"}, "host"),
        ({"path": "//x"}, "path"),
        ({"path": "a:b"}, "path"),
    ],
)
def test_build_rejects(parts: dict[str, str | int], part: str) -> None:
    if parts == {"scheme": "http", "path": "/x"}:
        assert str(URI(scheme="http", path="/x")) == "http:/x"
        assert not isvalid(URI(scheme="http", path="/x"))
        return
    with pytest.raises(URIError) as info:
        URI(**parts)  # type: ignore[arg-type]
    assert info.value.part == part


def test_build_rejects_wrong_types() -> None:
    with pytest.raises(TypeError):
        URI(b"http://a/")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        URI(scheme="http", host="a", port=True)
    with pytest.raises(TypeError):
        URI(scheme="http", host="a", query=[("a",)])  # type: ignore[list-item]


def test_replace_and_copy_constructor() -> None:
    u = URI("http://u@example.com:81/a?x=1#f")
    assert str(URI(u, query={"y": "2"})) == "http://u@example.com:81/a?y=2#f"  # replaces
    assert str(u.replace(path="/b", fragment="")) == "http://u@example.com:81/b?x=1"
    assert str(u.replace(port="", userinfo="")) == "http://example.com/a?x=1#f"
    assert str(u.replace(port=8080)) == "http://u@example.com:8080/a?x=1#f"
    assert str(u.replace(query="")) == "http://u@example.com:81/a#f"
    assert str(u.replace(scheme="https", host="[::1]")) == "https://u@[::1]:81/a?x=1#f"
    assert str(URI("http://example.com/a", query={"q": "1"})) == "http://example.com/a?q=1"
    assert URI(u) == u and URI(u) is not u
    assert str(URI("http://h/?").replace(fragment="x")) == "http://h/?#x"  # empty query kept
    assert str(URI("file:///x").replace(path="/y")) == "file:///y"


def test_immutable_hashable_picklable() -> None:
    u = URI("http://example.com/a")
    with pytest.raises(FrozenInstanceError):
        u.path = "/b"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(u)) == u
    assert str(pickle.loads(pickle.dumps(u))) == str(u)
    assert copy.deepcopy(u) == u
    assert {u: 1}[URI("http://example.com/a")] == 1
    assert repr(u) == "URI('http://example.com/a')"


def test_equality_normalises_like_rfc9110() -> None:
    assert URI("http://google.com:80/some/path") == URI(
        scheme="http", host="google.com", path="/some/path")
    assert URI("HTTP://Example.COM/a") == URI("http://example.com/a")
    assert hash(URI("HTTP://Example.COM:80/a")) == hash(URI("http://example.com/a"))
    assert URI("http://example.com") == URI("http://example.com/")
    assert URI("https://a:443/") == URI("https://a/")
    assert URI("https://a:80/") != URI("https://a/")
    assert URI("http://a/A") != URI("http://a/a")  # the path is case-sensitive
    assert URI("http://a/?") != URI("http://a/")  # an empty query is still a query
    assert URI("file:///x") != URI("file:/x")
    assert URI("http://a/") != "http://a/"


def test_ports() -> None:
    assert URI("http://a/").default_port == 80
    assert URI("https://a/").default_port == 443
    assert URI("ws://a/").default_port == 80
    assert URI("WSS://a/").default_port == 443
    assert URI("ftp://a/").default_port is None
    assert URI("https://a/").effective_port == 443
    assert URI("https://a:8443/").effective_port == 8443
    assert URI("ssh://a/").effective_port is None
    assert URI("http://a:0/").port == "0"
    assert URI("http://a:65535/").port == "65535"
    assert URI("http://a:80/").host_header == "a"
    assert URI("http://a:8080/").host_header == "a:8080"
    assert URI("https://a:80/").host_header == "a:80"


def test_resource() -> None:
    assert resource(URI("http://example.com")) == "/"
    assert resource(URI("http://example.com/a/b?x=1#frag")) == "/a/b?x=1"  # never the fragment
    assert resource("http://example.com/a?") == "/a"
    assert resource("http://bücher.example/straße?q=ü") == "/stra%C3%9Fe?q=%C3%BC"
    assert resource("http://a/%7E?%20") == "/%7E?%20"  # already encoded: untouched
    with pytest.raises(URIError):
        resource("a/b")


def test_isvalid() -> None:
    for text in ("hdfs://user:password@hdfshost:9000/root/folder/file.csv#frag",
                 "https://user:password@httphost:9000/path1/path2;paramstring?q=a&p=r#frag",
                 "file:///path/to/file/with%3fshould%3dwork%23fine",
                 "ftp://ftp.is.co.za/rfc/rfc1808.txt", "ldap://[2001:db8::7]/c=GB?objectClass?one",
                 "mailto:John.Doe@example.com", "news:comp.infosystems.www.servers.unix",
                 "tel:+1-816-555-1212", "telnet://192.0.2.16:80/",
                 "urn:oasis:names:specification:docbook:dtd:xml:4.1.2", "ws://h/chat?room=1",
                 "mailto:a@b.example?subject=hi"):
        assert isvalid(URI(text)), text
        assert isvalid(text)
    assert not isvalid(URI("file:///path/to/file/with?should=work#fine"))  # no query for file
    assert not isvalid(URI("wss://h/chat#x"))  # RFC 6455 §3: no fragment
    assert not isvalid(URI("mailto:a/b/c"))  # not hierarchical
    assert not isvalid(URI("tel://host/x"))  # no authority
    assert not isvalid(URI("http:g"))  # RFC 9110 §4.2.1: http needs a host
    assert not isvalid("http://a b/")
    with pytest.raises(URIError) as info:
        isvalid(URI("/relative"))
    assert info.value.part == "scheme"


def test_absuri() -> None:
    ctx = URI("https://user@example.com:8443/base?old=1#ctx")
    assert str(absuri("/a/b?x=1", ctx)) == "https://user@example.com:8443/a/b?x=1"
    assert str(absuri(URI("/a#f"), "http://h")) == "http://h/a#f"
    other = URI("http://other/x")
    assert absuri(other, ctx) is other
    with pytest.raises(URIError):
        absuri("/a", "/no/host")
