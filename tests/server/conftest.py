from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from wirehttp_server import Server, listen_background, serve_background

Start = Callable[..., Server]


@pytest.fixture
def start_server() -> Iterator[Start]:
    """``start_server(handler, **kw)`` serves on an ephemeral port; every server is force-closed
    at teardown."""
    servers: list[Server] = []

    def start(handler: Callable[..., Any], *, stream: bool = False, **kw: Any) -> Server:
        if stream:
            s = listen_background(handler, "127.0.0.1", 0, **kw)
        else:
            s = serve_background(handler, "127.0.0.1", 0, **kw)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.forceclose()
