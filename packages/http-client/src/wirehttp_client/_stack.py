"""The layer stack: the global request and stream layers, ``pushlayer`` and friends, and the
stacks built for each :class:`Client` (HTTP.jl's ``stack``).

A stack is built once and cached by each client until the global layers change (a version
counter), so a request pays for calling the layers, never for assembling them. Order, first to
run first: a client's ``first`` request layers, the global request layers, the client's
``last`` request layers, the connection layer, then the same three groups of stream layers and
the final stream layer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypedDict, cast

from wirehttp_parser import ClientHandler, Layer, Request, Response, StreamLayer

from ._context_keys import LAYER_TIMINGS
from ._layers import connectionlayer, cookielayer, exceptionlayer, headerslayer, streamlayer
from ._redirect import redirectlayer
from ._retry import retrylayer

__all__ = ["pushlayer", "pushfirstlayer", "poplayer", "popfirstlayer", "LayerOrder"]

_LOCK = threading.Lock()
_REQUEST_LAYERS: list[Layer] = [redirectlayer, headerslayer, cookielayer, retrylayer, exceptionlayer]
_STREAM_LAYERS: list[StreamLayer] = []
_VERSION = [0]


def pushlayer(layer: Layer | StreamLayer, *, request: bool = True) -> None:
    """Put ``layer`` on top of the global stack: it runs first (``request=False``: a stream
    layer, run first among the stream layers)."""
    with _LOCK:
        target: list[Any] = _REQUEST_LAYERS if request else _STREAM_LAYERS
        target.insert(0, layer)
        _VERSION[0] += 1


def pushfirstlayer(layer: Layer | StreamLayer, *, request: bool = True) -> None:
    """Put ``layer`` at the bottom of the global request (or stream) layers: it runs last."""
    with _LOCK:
        target: list[Any] = _REQUEST_LAYERS if request else _STREAM_LAYERS
        target.append(layer)
        _VERSION[0] += 1


def poplayer(*, request: bool = True) -> Layer | StreamLayer:
    """Remove and return the top layer (inverse of :func:`pushlayer`)."""
    with _LOCK:
        target: list[Any] = _REQUEST_LAYERS if request else _STREAM_LAYERS
        layer = target.pop(0)
        _VERSION[0] += 1
        return cast("Layer | StreamLayer", layer)


def popfirstlayer(*, request: bool = True) -> Layer | StreamLayer:
    """Remove and return the bottom layer (inverse of :func:`pushfirstlayer`)."""
    with _LOCK:
        target: list[Any] = _REQUEST_LAYERS if request else _STREAM_LAYERS
        layer = target.pop()
        _VERSION[0] += 1
        return cast("Layer | StreamLayer", layer)


class LayerOrder(TypedDict, total=False):
    """HTTP.jl's ``(first=..., last=...)``: ``first`` layers run before all others, ``last``
    ones right before the connection (request layers) or the final stream layer."""

    first: Sequence[Any]
    last: Sequence[Any]


def _split(layers: Sequence[Any] | LayerOrder) -> tuple[list[Any], list[Any]]:
    if isinstance(layers, Mapping):
        unknown = set(layers) - {"first", "last"}
        if unknown:
            raise TypeError(f"layer order keys are 'first' and 'last', got {sorted(unknown)}")
        return list(layers.get("first", ())), list(layers.get("last", ()))
    return [], list(layers)


def _name(layer: object) -> str:
    return getattr(layer, "__name__", type(layer).__name__)


def _observe(name: str, h: Callable[..., Response]) -> Callable[..., Response]:
    def observed(x: Any, /, **kw: Any) -> Response:
        req: Request = x if isinstance(x, Request) else x.message
        timings = req.context.setdefault(LAYER_TIMINGS, {})
        start = time.perf_counter()
        try:
            return h(x, **kw)
        finally:
            ms = (time.perf_counter() - start) * 1000.0
            timings[f"{name}_duration_ms"] = timings.get(f"{name}_duration_ms", 0.0) + ms
            timings[f"{name}_count"] = timings.get(f"{name}_count", 0.0) + 1

    return observed


def _fold(layers: list[Any], h: Any, observe: bool) -> Any:
    for layer in reversed(layers):
        h = layer(h)
        if observe:
            h = _observe(_name(layer), h)
    return h


def build_stack(
    request_layers: Sequence[Any] | LayerOrder = (),
    stream_layers: Sequence[Any] | LayerOrder = (),
    *,
    observe: bool = False,
) -> ClientHandler:
    """The handler for the global stack plus the given layers (see :class:`LayerOrder`)."""
    first_req, last_req = _split(request_layers)
    first_stream, last_stream = _split(stream_layers)
    with _LOCK:
        global_req = list(_REQUEST_LAYERS)
        global_stream = list(_STREAM_LAYERS)
    bottom: Any = _observe("streamlayer", streamlayer) if observe else streamlayer
    h = _fold(first_stream + global_stream + last_stream, bottom, observe)
    h = connectionlayer(h)
    if observe:
        h = _observe("connectionlayer", h)
    h = _fold(first_req + global_req + last_req, h, observe)
    return cast(ClientHandler, h)


def stack_version() -> int:
    return _VERSION[0]
