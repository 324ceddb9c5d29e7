"""request()/get()/post()… against httpbin under gunicorn: the reference's request- and
response-body examples, query merging, headers, auth, status errors, decoding, cookies."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any, cast

import pytest

import wirehttp_client as C
from wirehttp_parser import Headers, header

from .conftest import Httpbin


def _json(r: Any) -> dict[str, Any]:
    return cast("dict[str, Any]", r.json())


def test_get_and_request_are_equivalent(httpbin: Httpbin) -> None:
    r = C.request("GET", httpbin("/ip"))
    assert r.status == 200 and _json(r)["origin"] == "127.0.0.1"
    r2 = C.get(httpbin("/ip"))
    assert r2.body == r.body
    assert r2.request is not None and r2.request.response is r2


def test_default_headers(httpbin: Httpbin) -> None:
    h = _json(C.get(httpbin("/headers")))["headers"]
    assert h["User-Agent"] == "wirehttp/0.1.0"
    assert h["Accept"] == "*/*"
    assert "gzip" in h["Accept-Encoding"] and "deflate" in h["Accept-Encoding"]
    assert h["Host"] == f"127.0.0.1:{httpbin.port}"


def test_headers_any_collection_and_empty_value_not_sent(httpbin: Httpbin) -> None:
    for hs in ([("X-A", "1"), ("User-Agent", "")], {"X-A": "1", "User-Agent": ""}, Headers([("X-A", "1"), ("User-Agent", "")])):
        h = _json(C.get(httpbin("/headers"), hs))["headers"]
        assert h["X-A"] == "1"
        assert "User-Agent" not in h  # an empty value suppresses the default and is not sent


def test_copyheaders_false_mutates_callers_headers(httpbin: Httpbin) -> None:
    mine = Headers([("X-A", "1")])
    C.get(httpbin("/get"), mine, copyheaders=False)
    assert "Host" in mine and "User-Agent" in mine
    other = Headers([("X-A", "1")])
    C.get(httpbin("/get"), other)
    assert "Host" not in other


def test_query_merges_and_fragment_never_sent(httpbin: Httpbin) -> None:
    r = C.get(httpbin("/get?x=1#frag"), query={"a": "b c", "l": ["1", "2"]})
    j = _json(r)
    assert j["args"] == {"x": "1", "a": "b c", "l": ["1", "2"]}
    assert "#" not in j["url"]
    assert _json(C.get(httpbin("/get"), query=[("k", "v")]))["args"] == {"k": "v"}


def test_string_body(httpbin: Httpbin) -> None:
    r = C.request("POST", httpbin("/post"), [], "post body data")
    j = _json(r)
    assert j["data"] == "post body data" and j["headers"]["Content-Length"] == "14"


def test_stream_body_from_file(httpbin: Httpbin, tmp_path: Path) -> None:
    p = tmp_path / "post_data.txt"
    p.write_bytes(b"file contents\n" * 100)
    with p.open("rb") as f:
        j = _json(C.request("POST", httpbin("/post"), [], f))
    assert j["data"] == "file contents\n" * 100
    assert j["headers"]["Content-Length"] == "1400"


def test_unsized_stream_is_chunked(httpbin: Httpbin) -> None:
    class Pipe:
        def __init__(self) -> None:
            self.parts = [b"ab", b"cd", b""]

        def read(self, n: int = -1, /) -> bytes:
            return self.parts.pop(0) if self.parts else b""

    j = _json(C.post(httpbin("/post"), [], Pipe()))
    assert j["data"] == "abcd" and j["headers"]["Transfer-Encoding"] == "chunked"


def test_generator_body_is_chunked_one_chunk_per_element(httpbin: Httpbin) -> None:
    chunks = (f"chunk{i}" for i in range(1, 1001))
    j = _json(C.request("POST", httpbin("/post"), [], chunks))
    assert j["data"] == "".join(f"chunk{i}" for i in range(1, 1001))
    assert j["headers"]["Transfer-Encoding"] == "chunked"


def test_collection_body_skips_empty_elements(httpbin: Httpbin) -> None:
    data_chunk = b"data" * 10
    chunks = [b"preamble", b"", data_chunk, str(sum(data_chunk)), io.BytesIO(b"io")]
    j = _json(C.request("POST", httpbin("/post"), [], chunks))
    assert j["data"] == "preamble" + "data" * 10 + str(sum(data_chunk)) + "io"


def test_mapping_body_is_form_urlencoded(httpbin: Httpbin) -> None:
    j = _json(C.post(httpbin("/post"), body={"user": "RAO tjN", "message": "Hello!&"}))
    assert j["form"] == {"user": "RAO tjN", "message": "Hello!&"}
    assert j["headers"]["Content-Type"] == "application/x-www-form-urlencoded"


def test_body_protocol(httpbin: Httpbin) -> None:
    class Form:
        content_type = "multipart/form-data; boundary=XyZ"
        content_length = None

        def chunks(self) -> Any:
            yield b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n"
            yield b"--XyZ--\r\n"

        def rewind(self) -> bool:
            return True

    j = _json(C.post(httpbin("/post"), body=Form()))
    assert j["form"] == {"a": "1"}


def test_json_api_example(httpbin: Httpbin) -> None:
    params = {"user": "RAO...tjN", "token": "NzU...Wnp", "message": "Hello!"}
    r = C.post(httpbin("/post"), [("Content-Type", "application/json")], body=json.dumps(params))
    assert _json(r)["json"] == params


def test_detect_content_type(httpbin: Httpbin) -> None:
    j = _json(C.post(httpbin("/post"), body=b"<html><body>hi</body></html>", detect_content_type=True))
    assert j["headers"]["Content-Type"].startswith("text/html")


def test_put_patch_delete_head(httpbin: Httpbin) -> None:
    assert _json(C.put(httpbin("/put"), [], "x"))["data"] == "x"
    assert _json(C.patch(httpbin("/patch"), [], "y"))["data"] == "y"
    assert C.delete(httpbin("/delete")).status == 200
    r = C.head(httpbin("/get"))
    assert r.status == 200 and r.body == b""


def test_response_stream_to_file_and_buffer(httpbin: Httpbin, tmp_path: Path) -> None:
    p = tmp_path / "get_data.txt"
    with p.open("wb") as f:
        r = C.request("GET", httpbin("/get"), response_stream=f)
    assert r.body is f
    assert json.loads(p.read_bytes())["url"].endswith("/get")
    buf = io.BytesIO()
    r = C.get(httpbin("/bytes/5000"), response_stream=buf)
    assert len(buf.getvalue()) == 5000


def test_status_exception(httpbin: Httpbin) -> None:
    with pytest.raises(C.StatusError) as info:
        C.get(httpbin("/status/404"))
    e = info.value
    assert (e.status, e.method, e.target) == (404, "GET", "/status/404")
    assert e.response.status == 404 and e.request is not None
    assert C.get(httpbin("/status/404"), status_exception=False).status == 404
    assert C.get(httpbin("/status/304")).status == 304  # never an error


def test_basicauth_from_userinfo(httpbin: Httpbin) -> None:
    url = f"http://user:p%40ss@127.0.0.1:{httpbin.port}/basic-auth/user/p@ss"
    assert _json(C.get(url))["authenticated"] is True
    with pytest.raises(C.StatusError) as info:
        C.get(url, basicauth=False, retry=False)
    assert info.value.status == 401


def test_gzip_and_deflate_are_decoded(httpbin: Httpbin) -> None:
    assert _json(C.get(httpbin("/gzip")))["gzipped"] is True
    assert _json(C.get(httpbin("/deflate")))["deflated"] is True
    raw = C.get(httpbin("/gzip"), decompress=False)
    assert header(raw, "Content-Encoding") == "gzip"
    assert json.loads(gzip.decompress(cast(bytes, raw.body)))["gzipped"] is True
    h = _json(C.get(httpbin("/headers"), decompress=False))["headers"]
    assert "Accept-Encoding" not in h


def test_canonicalize_headers(httpbin: Httpbin) -> None:
    r = C.get(httpbin("/response-headers?x-custom-thing=1"), [("x-my-header", "v")], canonicalize_headers=True)
    assert ("X-Custom-Thing", "1") in list(r.headers)
    assert r.request is not None and ("X-My-Header", "v") in list(r.request.headers)


def test_cookies_dict_and_false(httpbin: Httpbin) -> None:
    assert _json(C.get(httpbin("/cookies"), cookies={"a": "1", "b": "2"}))["cookies"] == {"a": "1", "b": "2"}
    assert _json(C.get(httpbin("/cookies"), cookies=False))["cookies"] == {}


def test_cookiejar_protocol(httpbin: Httpbin) -> None:
    class Jar:
        def __init__(self) -> None:
            self.stored: list[str] = []

        def cookieheader(self, url: Any) -> str:
            return "; ".join(self.stored)

        def setcookies(self, url: Any, headers: Headers) -> None:
            for v in headers.getall("Set-Cookie"):
                self.stored.append(v.split(";", 1)[0])

    jar = Jar()
    C.get(httpbin("/cookies/set?k=v"), cookiejar=jar, redirect=False, status_exception=False)
    assert jar.stored == ["k=v"]
    assert _json(C.get(httpbin("/cookies"), cookiejar=jar))["cookies"] == {"k": "v"}


def test_unknown_keyword_is_an_error(httpbin: Httpbin) -> None:
    with pytest.raises(TypeError, match="no_such_option"):
        C.get(httpbin("/get"), no_such_option=1)  # type: ignore[call-arg]


def test_stream_endpoint_chunked_response(httpbin: Httpbin) -> None:
    r = C.get(httpbin("/stream/10"))
    lines = cast(bytes, r.body).splitlines()
    assert len(lines) == 10 and json.loads(lines[9])["id"] == 9
