"""Dependencies point down (BRIEF): the parser imports no sibling; cookies and forms import only
the parser; client and server do not import each other; no package imports the meta-package;
and every sibling a package imports is one it declares in its pyproject.toml."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {
    "parser": set(),
    "cookies": {"parser"},
    "forms": {"parser"},
    "client": {"parser"},
    "server": {"parser"},
    "websockets": {"parser", "client", "server"},
}


def _imported_siblings(pkg: str) -> dict[str, str]:
    """{sibling: first file that imports it} over every module of ``wirehttp_<pkg>``,
    including imports inside functions (a lazy import is still a dependency)."""
    found: dict[str, str] = {}
    src = ROOT / "packages" / f"http-{pkg}" / "src" / f"wirehttp_{pkg}"
    for path in sorted(src.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top == "wirehttp" or (top.startswith("wirehttp_") and top != f"wirehttp_{pkg}"):
                    found.setdefault(top.removeprefix("wirehttp_"), path.name)
    return found


@pytest.mark.parametrize("pkg", sorted(PACKAGES))
def test_imports_point_down(pkg: str) -> None:
    imported = _imported_siblings(pkg)
    assert "wirehttp" not in imported, f"wirehttp_{pkg} imports the meta-package"
    extra = set(imported) - PACKAGES[pkg]
    # The client may import the cookies package lazily for the default jar (a protocol-typed
    # plug-in, declared as an extra); nothing else crosses sideways.
    if pkg == "client":
        extra -= {"cookies"}
    assert not extra, f"wirehttp_{pkg} imports {sorted(extra)} ({imported})"


@pytest.mark.parametrize("pkg", sorted(PACKAGES))
def test_imported_siblings_are_declared(pkg: str) -> None:
    meta = tomllib.loads((ROOT / "packages" / f"http-{pkg}" / "pyproject.toml").read_text())
    project = meta["project"]
    declared = {r.split("==")[0].split("[")[0].strip() for r in project.get("dependencies", [])}
    for reqs in project.get("optional-dependencies", {}).values():
        declared |= {r.split("==")[0].split("[")[0].strip() for r in reqs}
    for sibling in _imported_siblings(pkg):
        assert f"wirehttp-{sibling}" in declared, f"wirehttp-{pkg} imports wirehttp_{sibling} undeclared"
