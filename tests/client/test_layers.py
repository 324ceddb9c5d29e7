"""The layer stack: the reference's Auth example, pushlayer/poplayer, client(), observelayers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import wirehttp_client as C
from wirehttp_parser import ClientHandler, Request, Response, setheader

from .conftest import Httpbin


def auth_layer(handler: ClientHandler) -> ClientHandler:
    # returns a handler; check for a custom keyword `authcreds` that a user would pass like
    # get(...; authcreds=creds), and pass the other keywords along.
    def h(req: Request, /, *, authcreds: Any = None, **kw: Any) -> Response:
        # only apply the auth layer if the user passed `authcreds`
        if authcreds is not None:
            # we add a custom header with stringified auth creds
            setheader(req, "X-Auth-Creds", str(authcreds))
        # pass the request along to the next layer
        return handler(req, **kw)

    return h


@pytest.fixture
def pushed() -> Iterator[None]:
    C.pushlayer(auth_layer)
    try:
        yield
    finally:
        assert C.poplayer() is auth_layer


def test_auth_example_custom_client(httpbin: Httpbin) -> None:
    Auth = C.client([auth_layer])
    r = Auth.get(httpbin("/headers"), authcreds="s3cret")
    j = r.json()
    assert isinstance(j, dict) and j["headers"]["X-Auth-Creds"] == "s3cret"
    # Only the custom client's verbs know the keyword.
    with pytest.raises(TypeError, match="authcreds"):
        C.get(httpbin("/headers"), authcreds="s3cret")  # type: ignore[call-arg]


def test_auth_example_global_layer(httpbin: Httpbin, pushed: None) -> None:
    j = C.get(httpbin("/headers"), authcreds="creds").json()  # type: ignore[call-arg]
    assert isinstance(j, dict) and j["headers"]["X-Auth-Creds"] == "creds"


def test_first_layers_override_keywords(httpbin: Httpbin) -> None:
    def defaultkeywordlayer(handler: ClientHandler) -> ClientHandler:
        def h(req: Request, /, **kw: Any) -> Response:
            return handler(req, **{**kw, "redirect": False, "status_exception": False})

        return h

    c = C.client({"first": [defaultkeywordlayer]})
    assert c.get(httpbin("/redirect/1"), redirect=True).status == 302


def test_order_of_layers(httpbin: Httpbin) -> None:
    seen: list[str] = []

    def mark(name: str) -> Any:
        def layer(handler: Any) -> Any:
            def h(x: Any, /, **kw: Any) -> Response:
                seen.append(name)
                r: Response = handler(x, **kw)
                return r

            return h

        return layer

    c = C.client({"first": [mark("first")], "last": [mark("last")]}, [mark("stream")])
    C.pushfirstlayer(mark("bottom"))
    C.pushlayer(mark("top"))
    try:
        c.get(httpbin("/get"))
    finally:
        C.poplayer()
        C.popfirstlayer()
    assert seen == ["first", "top", "bottom", "last", "stream"]


def test_observelayers_records_timings(httpbin: Httpbin) -> None:
    r = C.get(httpbin("/redirect/1"), observelayers=True)
    assert r.request is not None
    t = r.request.context[C.LAYER_TIMINGS]
    assert t["redirectlayer_count"] == 1 and t["streamlayer_count"] == 2
    assert t["connectionlayer_duration_ms"] > 0


def test_setuseragent(httpbin: Httpbin) -> None:
    C.setuseragent("custom/1.0")
    try:
        j = C.get(httpbin("/headers")).json()
        assert isinstance(j, dict) and j["headers"]["User-Agent"] == "custom/1.0"
    finally:
        C.setuseragent(C.USER_AGENT)


def test_logerrors(httpbin: Httpbin, caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(C.StatusError):
        C.get(httpbin("/status/500"), logerrors=True, logtag="mytag", retries=1, retry_delays=[0.0])
    assert sum("[mytag]" in m for m in caplog.messages) == 2


def test_verbose_logs(httpbin: Httpbin, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    with caplog.at_level(logging.INFO, logger="wirehttp.client"):
        C.get(httpbin("/get"), [("Authorization", "secret")], verbose=2)
    text = "\n".join(caplog.messages)
    assert "GET http://127.0.0.1" in text and "200 OK" in text
    assert "Authorization: secret" not in text and "Authorization: ******" in text


def test_verbose_1_logs_request_and_status_lines_only(httpbin: Httpbin, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    with caplog.at_level(logging.INFO, logger="wirehttp.client"):
        C.get(httpbin("/get"), [("X-Secret-Header", "v")], verbose=1)
    lines = [r.getMessage() for r in caplog.records if r.name == "wirehttp.client"]
    assert lines == [f"GET {httpbin('/get')}", "HTTP/1.1 200 OK"]  # no headers, no body
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="wirehttp.client"):
        C.get(httpbin("/get"), [("X-Secret-Header", "v")])  # verbose=0: nothing
    assert not [r for r in caplog.records if r.name == "wirehttp.client"]
