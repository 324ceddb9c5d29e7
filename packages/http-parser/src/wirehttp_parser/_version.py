"""HTTP protocol versions (RFC 9112 §2.3): ``HTTP-version = "HTTP/" DIGIT "." DIGIT``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import total_ordering

__all__ = ["HTTPVersion", "HTTP_1_0", "HTTP_1_1"]


@total_ordering
@dataclass(frozen=True, slots=True)
class HTTPVersion:
    """``HTTPVersion(1, 1)``; ``HTTPVersion.parse("1.1")`` or ``HTTPVersion.parse("HTTP/1.0")``.

    Single-digit major and minor as RFC 9112 §2.3 defines them. Compares with other versions,
    with ``(major, minor)`` tuples and with strings such as ``"1.1"``.
    """

    major: int = 1
    minor: int = 1

    def __post_init__(self) -> None:
        if not (0 <= self.major <= 9 and 0 <= self.minor <= 9):
            raise ValueError(
                f"HTTP version digits must be 0-9 (RFC 9112 §2.3), got {self.major}.{self.minor}"
            )

    @classmethod
    def parse(cls, text: str) -> HTTPVersion:
        """Parse ``"1.1"``, ``"HTTP/1.1"`` or ``"1"`` (= 1.0, as HTTP.jl's ``HTTPVersion("1")``)."""
        s = text[5:] if text.startswith("HTTP/") else text
        if len(s) == 1 and s.isdigit():
            return _known.get((int(s), 0)) or cls(int(s), 0)
        if len(s) == 3 and s[1] == "." and s[0].isdigit() and s[2].isdigit():
            key = (int(s[0]), int(s[2]))
            return _known.get(key) or cls(*key)
        raise ValueError(f"invalid HTTP version {text!r}: expected DIGIT.DIGIT")

    def _key(self, other: object) -> tuple[int, int] | None:
        if isinstance(other, HTTPVersion):
            return (other.major, other.minor)
        if isinstance(other, tuple) and len(other) == 2:
            return (int(other[0]), int(other[1]))
        if isinstance(other, str):
            v = HTTPVersion.parse(other)
            return (v.major, v.minor)
        return None

    def __eq__(self, other: object) -> bool:
        key = self._key(other)
        if key is None:
            return NotImplemented
        return (self.major, self.minor) == key

    def __lt__(self, other: object) -> bool:
        key = self._key(other)
        if key is None:
            return NotImplemented
        return (self.major, self.minor) < key

    def __hash__(self) -> int:
        return hash((self.major, self.minor))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"

    def __repr__(self) -> str:
        return f"HTTPVersion({self.major}, {self.minor})"


HTTP_1_0 = HTTPVersion(1, 0)
HTTP_1_1 = HTTPVersion(1, 1)
_known = {(1, 0): HTTP_1_0, (1, 1): HTTP_1_1}
