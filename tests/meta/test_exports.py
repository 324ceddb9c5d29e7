"""The public face: each package's ``__all__`` is exactly what it exports, and the
meta-package ``wirehttp`` re-exports every public name of every package, as the same object."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from types import ModuleType

import pytest

import wirehttp

PACKAGE_NAMES = [
    "wirehttp_parser",
    "wirehttp_client",
    "wirehttp_server",
    "wirehttp_websockets",
    "wirehttp_cookies",
    "wirehttp_forms",
]


def _package(name: str) -> ModuleType:
    return importlib.import_module(name)


@pytest.mark.parametrize("name", PACKAGE_NAMES)
def test_package_all_names_resolve_and_are_unique(name: str) -> None:
    pkg = _package(name)
    names: list[str] = list(pkg.__all__)
    assert len(names) == len(set(names)), f"duplicate names in {name}.__all__"
    for n in names:
        assert hasattr(pkg, n), f"{name}.__all__ lists {n!r}, which does not exist"


@pytest.mark.parametrize("name", PACKAGE_NAMES)
def test_private_modules_feed_the_public_face(name: str) -> None:
    """Every name a private module declares public is exported by its package."""
    pkg = _package(name)
    for info in pkgutil.iter_modules(pkg.__path__):
        mod = importlib.import_module(f"{name}.{info.name}")
        for n in getattr(mod, "__all__", []):
            assert n in pkg.__all__, f"{name}.{info.name} declares {n!r} but {name} does not export it"
            assert getattr(pkg, n) is getattr(mod, n)


def test_meta_package_reexports_everything() -> None:
    expected: dict[str, object] = {}
    for name in PACKAGE_NAMES:
        pkg = _package(name)
        for n in pkg.__all__:
            obj = getattr(pkg, n)
            if n in expected:
                assert expected[n] is obj, f"{n!r} means different things in two packages"
            expected[n] = obj
    exported = set(wirehttp.__all__)
    assert exported == set(expected)
    for n, obj in expected.items():
        assert getattr(wirehttp, n) is obj
    assert len(wirehttp.__all__) == len(set(wirehttp.__all__))


def test_generated_exports_are_up_to_date() -> None:
    """Each package's ``__init__`` lists its modules' public names explicitly (type checkers
    need that); scripts/gen_exports.py writes them and must have nothing left to change."""
    import runpy

    script = Path(__file__).resolve().parents[2] / "scripts" / "gen_exports.py"
    gen = runpy.run_path(str(script))
    assert gen["main"](["--check"]) == 0


def test_versions_are_in_lockstep() -> None:
    from importlib.metadata import requires, version

    v = version("wirehttp")
    for dist in ["wirehttp-parser", "wirehttp-client", "wirehttp-server",
                 "wirehttp-websockets", "wirehttp-cookies", "wirehttp-forms"]:
        assert version(dist) == v
    pins = {r.split("==")[0]: r.split("==")[1] for r in requires("wirehttp") or []}
    assert all(p == v for p in pins.values()) and len(pins) == 6


def test_the_error_root_is_shared() -> None:
    assert issubclass(wirehttp.ParseError, wirehttp.HTTPError)
    assert issubclass(wirehttp.URIError, wirehttp.HTTPError)
