"""docs/api-mapping.md maps every name of HTTP.jl's reference to its Python name: every
``HTTP.x`` (and ``WebSockets.x``, ``Cookies.x``, ``URIs.x``) the reference mentions has a row,
and every Python name on a row marked *done* exists in ``wirehttp``."""

from __future__ import annotations

import re
from pathlib import Path

import wirehttp

MAPPING = Path(__file__).resolve().parents[2] / "docs" / "api-mapping.md"
_NAME = re.compile(r"HTTP\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)")


def _rows() -> list[tuple[str, str, str]]:
    rows = []
    for line in MAPPING.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] not in ("HTTP.jl", "---"):
            rows.append((cells[0], cells[1], cells[2]))
    return rows


def _resolve(dotted: str) -> object:
    obj: object = wirehttp
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def test_mapping_has_rows_for_every_area() -> None:
    rows = _rows()
    assert len(rows) > 80
    text = MAPPING.read_text(encoding="utf-8")
    for area in ["## Client requests", "## Server", "## URIs", "## Cookies", "## Forms",
                 "## WebSockets", "## Parser interface", "## Request/Response"]:
        assert area in text


def test_every_done_name_exists() -> None:
    missing = []
    for julia, python, status in _rows():
        if status != "done":
            continue
        names = _NAME.findall(python)
        if not names:  # a Python builtin spelling such as bytes(m) or repr(m)
            assert re.search(r"\b(bytes|repr|str)\(m\)", python), f"{julia}: no Python name"
        for dotted in names:
            try:
                _resolve(dotted)
            except AttributeError:
                missing.append(f"{dotted} (for {julia})")
    assert not missing, "names marked done but missing from wirehttp: " + ", ".join(missing)


REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "httpjl-api-reference.txt"
SNAPSHOT = Path(__file__).with_name("reference_names.txt")
_REF_NAME = re.compile(r"(?:HTTP|WebSockets|Cookies|URIs)(?:\.[A-Za-z_][A-Za-z0-9_!]*)+")


def _snapshot() -> list[str]:
    return [ln for ln in SNAPSHOT.read_text(encoding="utf-8").splitlines() if ln and ln[0] != "#"]


def test_every_reference_name_has_a_row() -> None:
    julia_column = " ".join(julia for julia, _, _ in _rows())
    missing = [n for n in _snapshot() if n.split(".")[-1].rstrip("!") not in julia_column]
    assert not missing, f"reference names with no row in docs/api-mapping.md: {missing}"


def test_snapshot_matches_the_reference() -> None:
    """The names list is taken from the reference; where the reference sits beside the
    checkout (../shared, as in CI), the two must agree."""
    if REFERENCE.exists():
        found = sorted(set(_REF_NAME.findall(REFERENCE.read_text(encoding="utf-8"))))
        assert _snapshot() == found
    assert len(_snapshot()) > 50


def test_statuses_are_known() -> None:
    for julia, _, status in _rows():
        assert re.fullmatch(r"done|planned( \(#\d+\))?", status), f"{julia}: {status!r}"
