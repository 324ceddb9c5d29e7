"""A typed per-request context: HTTP.jl's ``req.context::Dict{Symbol,Any}`` with types.

Each package declares the keys it stores as module-level :class:`ContextKey` objects
(``ROUTE = ContextKey[str]("route")``), so ``req.context[ROUTE]`` has a static type and two
packages can never collide on a name: keys compare by identity, not by their label. Users
declare their own keys the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar, cast, overload

__all__ = ["ContextKey", "Context"]

T = TypeVar("T")
D = TypeVar("D")


class ContextKey(Generic[T]):
    """A typed key into a :class:`Context`; ``name`` is a label for ``repr`` and docs only."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"ContextKey({self.name!r})"


class Context:
    """A mapping from :class:`ContextKey` to values of the key's type."""

    __slots__ = ("_values",)

    def __init__(self) -> None:
        self._values: dict[ContextKey[object], object] = {}

    def __getitem__(self, key: ContextKey[T]) -> T:
        return cast(T, self._values[cast("ContextKey[object]", key)])

    def __setitem__(self, key: ContextKey[T], value: T) -> None:
        self._values[cast("ContextKey[object]", key)] = value

    def __delitem__(self, key: ContextKey[T]) -> None:
        del self._values[cast("ContextKey[object]", key)]

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[ContextKey[object]]:
        return iter(self._values)

    @overload
    def get(self, key: ContextKey[T]) -> T | None: ...
    @overload
    def get(self, key: ContextKey[T], default: D) -> T | D: ...
    def get(self, key: ContextKey[T], default: object = None) -> object:
        return self._values.get(cast("ContextKey[object]", key), default)

    def setdefault(self, key: ContextKey[T], value: T) -> T:
        return cast(T, self._values.setdefault(cast("ContextKey[object]", key), value))

    def pop(self, key: ContextKey[T], default: T | None = None) -> T | None:
        return cast("T | None", self._values.pop(cast("ContextKey[object]", key), default))

    def __repr__(self) -> str:
        inner = ", ".join(f"{k.name}={v!r}" for k, v in self._values.items())
        return f"Context({inner})"
