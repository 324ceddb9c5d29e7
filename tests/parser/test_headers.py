"""Headers: ordered, multi-valued, raw case kept, case-insensitive lookup; the HTTP.jl header
functions (inventory test/messages.jl 127–133 and 2.x core tests V1–V6)."""

from __future__ import annotations

import pytest

from wirehttp_parser import (
    Headers,
    ProtocolError,
    appendheader,
    canonicalizeheaders,
    defaultheader,
    hasheader,
    header,
    headercontains,
    headers,
    mkheaders,
    removeheader,
    setheader,
)


def test_order_and_raw_case_are_kept() -> None:
    h = Headers([("X-b", "1"), ("x-A", "2"), ("X-B", "3")])
    assert list(h) == [("X-b", "1"), ("x-A", "2"), ("X-B", "3")]
    assert h.keys() == ["X-b", "x-A", "X-B"]


def test_lookup_ignores_case() -> None:
    h = Headers({"Content-Type": "text/plain"})
    assert h["content-type"] == "text/plain"
    assert h.get("CONTENT-TYPE") == "text/plain"
    assert "content-TYPE" in h
    assert header(h, "content-type") == "text/plain"


def test_missing_header() -> None:
    h = Headers()
    with pytest.raises(KeyError):
        h["Null"]
    assert header(h, "Null") == ""
    assert header(h, "Null", None) is None
    assert not hasheader(h, "Null")


def test_multi_valued_and_set_cookie_never_merges() -> None:
    h = Headers()
    appendheader(h, "Set-Cookie", "a=1")
    appendheader(h, "Set-Cookie", "b=2")
    assert headers(h, "set-cookie") == ["a=1", "b=2"]
    assert len(h) == 2


def test_appendheader_merges_only_adjacent() -> None:
    h = Headers()
    appendheader(h, ("X", "Y"))
    appendheader(h, "X", "Z")
    assert headers(h, "X") == ["Y, Z"]
    appendheader(h, "X", "more")
    assert header(h, "X") == "Y, Z, more"
    assert headercontains(h, "X", "Z") and headercontains(h, "X", "more")
    assert hasheader(h, "X", "y, z, MORE")
    appendheader(h, "Other", "1")
    appendheader(h, "X", "again")
    assert headers(h, "X") == ["Y, Z, more", "again"]


def test_setheader_replaces_all_duplicates_in_place() -> None:
    h = Headers([("A", "1"), ("B", "2"), ("a", "3")])
    setheader(h, "A", "x")
    assert list(h) == [("A", "x"), ("B", "2")]
    setheader(h, ("C", "3"))
    assert list(h)[-1] == ("C", "3")


def test_removeheader_removes_every_match() -> None:
    h = Headers([("A", "1"), ("B", "2"), ("a", "3")])
    removeheader(h, "a")
    assert list(h) == [("B", "2")]


def test_hasheader_treats_empty_as_absent() -> None:
    h = Headers([("Accept", "")])
    assert header(h, "Accept") == ""
    assert not hasheader(h, "Accept")
    assert "Accept" in h


def test_defaultheader_sets_only_when_absent_and_empty_blocks_it() -> None:
    h = Headers([("User-Agent", "")])
    defaultheader(h, "User-Agent", "wirehttp")
    defaultheader(h, "Accept", "*/*")
    assert header(h, "User-Agent") == ""
    assert header(h, "Accept") == "*/*"


def test_headercontains_tokens_across_fields_with_space_and_case() -> None:
    h = Headers([("Connection", "keep-alive"), ("Connection", "  UPGRADE\t")])
    assert headercontains(h, "connection", "upgrade")
    assert headercontains(h, "Connection", "Keep-Alive")
    assert not headercontains(h, "Connection", "close")


def test_canonical_camel_dash() -> None:
    h = Headers([("content-type", "a"), ("X-CUSTOM-HEADER", "b"), ("www-authenticate", "c")])
    canonicalizeheaders(h)
    assert h.keys() == ["Content-Type", "X-Custom-Header", "Www-Authenticate"]


@pytest.mark.parametrize(
    "bad",
    [["hello"], [("a", "b", "c")], [1, 2], ["hello", "world"], [(1, "x")]],
)
def test_mkheaders_rejects_non_pairs(bad: list[object]) -> None:
    with pytest.raises(ProtocolError, match="pair"):
        mkheaders(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("X", "a\r\nInjected: 1"),
        ("X", "a\nb"),
        ("X", "a\rb"),
        ("X", "nul\x00"),
        ("X", "bell\x07"),
        ("X", "del\x7f"),
        ("X", "bell\x07 and ☃"),
        ("Bad Name", "v"),
        ("Bad:Name", "v"),
        ("", "v"),
        ("Näme", "v"),
    ],
)
def test_header_injection_is_refused(name: str, value: str) -> None:
    with pytest.raises(ProtocolError) as info:
        Headers([(name, value)])
    assert repr(name) in str(info.value)
    h = Headers()
    with pytest.raises(ProtocolError):
        setheader(h, name, value)
    assert len(h) == 0


@pytest.mark.parametrize("container", [list, tuple, iter])
def test_a_name_seen_valid_does_not_excuse_a_bad_value(container: type) -> None:
    # Valid names are remembered (a fast path); the value is still checked every time.
    Headers(container([("X-Seen", "fine")]))
    with pytest.raises(ProtocolError, match="X-Seen"):
        Headers(container([("X-Seen", "bad\r\nInjected: 1")]))


def test_tab_and_non_ascii_values_are_allowed() -> None:
    h = Headers([("X", "a\tb"), ("City", "Düsseldorf ☃")])
    assert h["city"] == "Düsseldorf ☃"


def test_constructors_copy() -> None:
    pairs = [("A", "1")]
    h = Headers(pairs)
    pairs.append(("B", "2"))
    assert len(h) == 1
    h2 = Headers(h)
    h2.append("C", "3")
    assert len(h) == 1
    assert h.copy() == h


def test_repr_masks_credentials() -> None:
    h = Headers(
        [("authorization", "Basic x"), ("Proxy-Authorization", "p"), ("COOKIE", "c"),
         ("Set-Cookie", "s"), ("Accept", "*/*")]
    )
    text = repr(h)
    assert "Basic x" not in text and "'p'" not in text and "'c'" not in text
    assert text.count("******") == 4 and "*/*" in text


def test_int_index_and_equality() -> None:
    h = Headers([("A", "1")])
    assert h[0] == ("A", "1")
    assert h == [("A", "1")]
    assert h != Headers([("a", "1")])
    assert h.getall("a") == ["1"] and h.values() == ["1"] and h.items() == [("A", "1")]
    assert bool(h) and not Headers()


def test_extend_and_remove_count() -> None:
    h = Headers()
    h.extend({"A": "1", "B": "2"})
    h.extend([("a", "3")])
    assert h.remove("A") == 2
    assert h.setdefault("B", "x") == "2"


def test_only_short_names_are_remembered() -> None:
    from wirehttp_parser._headers import _GOOD_NAME_LEN, _GOOD_NAMES

    short, long = "X-Short-Name", "X-" + "l" * _GOOD_NAME_LEN
    Headers([(short, "v"), (long, "v")])  # both valid
    assert short in _GOOD_NAMES and long not in _GOOD_NAMES
    assert Headers([(long, "w")])[long] == "w"  # still checked and accepted every time
