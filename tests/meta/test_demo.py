"""README's demo command runs end to end: parser, writer, helpers, then a server and the client."""

from __future__ import annotations

import pytest

from wirehttp.__main__ import main


def test_demo_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "InvalidFraming (answer 400)" in out
    assert "trailers=[('X-Checksum', '42')]" in out
    assert "GET /hello/julia -> 200 'Hello, julia!'" in out
    assert "POST /echo (chunked) -> 200 'streamed in chunks'" in out
    assert "DELETE /echo -> 405, Allow: POST" in out
