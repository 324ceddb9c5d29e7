"""Placeholder: being written (issue #2)."""

__all__: list[str] = []
