"""The event values, the signals and the limits: small typed values with value semantics."""

from __future__ import annotations

import dataclasses

import pytest

from wirehttp_parser import (
    CLOSED,
    DEFAULT_LIMITS,
    HTTP_1_1,
    NEED_DATA,
    PAUSED,
    Data,
    EndOfMessage,
    Event,
    Headers,
    Limits,
    RequestHead,
    RequestParser,
    ResponseHead,
    ResponseParser,
    Signal,
)


def test_heads_compare_by_value() -> None:
    a = RequestHead("GET", "/", HTTP_1_1, Headers([("Host", "a")]))
    b = RequestHead("GET", "/", HTTP_1_1, Headers([("Host", "a")]))
    assert a == b
    assert a != RequestHead("GET", "/", HTTP_1_1, Headers([("Host", "b")]))
    assert a != RequestHead("GET", "/", HTTP_1_1, Headers([("Host", "a")]), keep_alive=False)
    assert a != "GET"
    with pytest.raises(TypeError):
        hash(a)


def test_head_defaults_follow_rfc_9112_section_6_3() -> None:
    # A request without framing fields has no content; a response without them runs to the close.
    assert RequestHead("GET", "/", HTTP_1_1, Headers()).content_length == 0
    assert ResponseHead(200, "OK", HTTP_1_1, Headers()).content_length is None


def test_reprs_show_the_fields_and_mask_credentials() -> None:
    head = RequestHead("GET", "/x", HTTP_1_1, Headers([("Authorization", "secret")]))
    text = repr(head)
    assert "method='GET'" in text and "target='/x'" in text and "secret" not in text
    assert repr(Data(b"x" * 100)).endswith("…+60)")
    assert repr(EndOfMessage()) == "EndOfMessage()"
    assert repr(NEED_DATA) == "NEED_DATA"


def test_informational() -> None:
    def status(code: int) -> ResponseHead:
        return ResponseHead(code, "", HTTP_1_1, Headers())

    assert [status(c).informational for c in (100, 101, 103, 199, 200)] == [
        True, False, True, True, False,
    ]  # fmt: skip


def test_data_and_end_of_message() -> None:
    assert Data(b"a") == Data(b"a") and Data(b"a") != Data(b"b")
    assert hash(Data(b"a")) == hash(Data(b"a"))
    end = EndOfMessage()
    assert end == EndOfMessage(Headers())
    assert end.trailers == Headers()
    end.trailers.append("X", "1")  # each event has its own Headers
    assert EndOfMessage().trailers == Headers()
    assert end != EndOfMessage()


def test_signals() -> None:
    assert {NEED_DATA, PAUSED, CLOSED} == set(Signal)
    assert NEED_DATA is Signal.NEED_DATA


def test_event_union_is_usable_at_runtime() -> None:
    for ev in (RequestHead("GET", "/", HTTP_1_1, Headers()), Data(b""), EndOfMessage()):
        assert isinstance(ev, Event)
    assert not isinstance(NEED_DATA, Event)


def test_default_limits() -> None:
    assert DEFAULT_LIMITS == Limits()
    assert DEFAULT_LIMITS.max_header_bytes == 64 * 1024
    assert DEFAULT_LIMITS.max_headers == 100
    assert DEFAULT_LIMITS.max_body is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_LIMITS.max_headers = 5  # type: ignore[misc]
    assert dataclasses.replace(DEFAULT_LIMITS, max_body=10).max_body == 10


def test_parser_properties() -> None:
    p = RequestParser(strict=False, limits=Limits(max_headers=5))
    assert (p.strict, p.limits.max_headers, p.paused, p.keep_alive) == (False, 5, False, True)
    assert ResponseParser().strict is True
    assert p.trailing_data == b""
