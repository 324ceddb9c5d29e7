"""The server has two builds of one source, as the parser does: pure Python (the default) and
mypyc-compiled per-request path (``_connection``, ``_framing``). CI runs tests/server against
the compiled wheel with WIREHTTP_EXPECT_BUILD=compiled; this makes such a run fail if it
silently imported the pure source instead."""

from __future__ import annotations

import os

from wirehttp_server import _connection, _framing


def test_loaded_build_is_the_expected_one() -> None:
    paths = [_connection.__file__ or "", _framing.__file__ or ""]
    compiled = [p.endswith((".so", ".pyd")) for p in paths]
    assert compiled[0] == compiled[1], paths  # both modules come from one build
    expected = os.environ.get("WIREHTTP_EXPECT_BUILD") or None
    if expected is not None:
        assert expected in ("compiled", "pure")
        assert compiled[0] == (expected == "compiled"), paths
