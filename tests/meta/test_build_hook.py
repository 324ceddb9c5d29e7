"""The wheel build hook (packages/http-{parser,server}/hatch_build.py): the compiled wheel by
default, the pure one on request and as the fallback when compiling fails, a clear error for
a bad ``WIREHTTP_BUILD``, no stale compiled module in a pure wheel. Real builds with uv and
hatchling, from the package's sdist as a user's install would do. A successful compiled build
is not made here (a minute of mypyc): scripts/check.sh builds the compiled wheels and runs the
parser's and the server's tests on them."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOOKS = [ROOT / "packages" / pkg / "hatch_build.py" for pkg in ("http-parser", "http-server")]
UV = shutil.which("uv") or str(Path.home() / ".local" / "bin" / "uv")

def test_hooks_are_identical() -> None:
    # Each sdist carries its own copy; they must not drift apart.
    assert HOOKS[0].read_bytes() == HOOKS[1].read_bytes()


def _build(tmp_path: Path, build: str, **env: str) -> subprocess.CompletedProcess[str]:
    sdist_dir, out = tmp_path / "sdist", tmp_path / "dist"
    subprocess.run(
        [UV, "build", "--sdist", "--quiet", "--out-dir", str(sdist_dir),
         str(ROOT / "packages" / "http-parser")],
        check=True, capture_output=True, text=True, timeout=120,
    )
    (sdist,) = sdist_dir.glob("wirehttp_parser-*.tar.gz")
    return subprocess.run(
        [UV, "build", "--wheel", "--out-dir", str(out), str(sdist)],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never", "WIREHTTP_BUILD": build, **env},
    )


def _wheel(tmp_path: Path) -> Path:
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    return wheel


def test_pure_build_is_a_py3_none_any_wheel_of_sources(tmp_path: Path) -> None:
    done = _build(tmp_path, "pure")
    assert done.returncode == 0, done.stderr
    wheel = _wheel(tmp_path)
    assert wheel.name.endswith("-py3-none-any.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "wirehttp_parser/_parser.py" in names
    assert not [n for n in names if n.endswith((".so", ".pyd"))]


def test_auto_build_falls_back_to_pure_when_the_compiler_fails(tmp_path: Path) -> None:
    # A machine without a C compiler: `CC` that always fails stands in for it.
    done = _build(tmp_path, "auto", CC="/bin/false")
    assert done.returncode == 0, done.stderr
    assert "building the pure-Python wheel instead" in done.stderr
    assert _wheel(tmp_path).name.endswith("-py3-none-any.whl")


def test_compiled_build_fails_loudly_when_the_compiler_fails(tmp_path: Path) -> None:
    done = _build(tmp_path, "compiled", CC="/bin/false")
    assert done.returncode != 0
    assert "Error while invoking Mypyc" in done.stderr
    assert not list((tmp_path / "dist").glob("*.whl"))


def test_pure_build_removes_a_stale_compiled_module_first(tmp_path: Path) -> None:
    # What an interrupted in-tree compile leaves next to the source: it must neither reach the
    # pure wheel nor stay to shadow the source (a copy of the package, outside any git tree,
    # so that no .gitignore hides the file: only the hook's clean-up does).
    pkg = tmp_path / "pkg"
    shutil.copytree(ROOT / "packages" / "http-parser", pkg,
                    ignore=shutil.ignore_patterns("__pycache__", ".mypy_cache"))
    stale = pkg / "src" / "wirehttp_parser" / "_parser.cpython-311-x86_64-linux-gnu.so"
    stale.write_bytes(b"not a real extension")
    done = subprocess.run(
        [UV, "build", "--wheel", "--out-dir", str(tmp_path / "dist"), str(pkg)],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never", "WIREHTTP_BUILD": "pure"},
    )
    assert done.returncode == 0, done.stderr
    names = zipfile.ZipFile(_wheel(tmp_path)).namelist()
    assert not [n for n in names if n.endswith((".so", ".pyd"))]
    assert not stale.exists()


def test_unknown_build_is_refused_with_the_choices(tmp_path: Path) -> None:
    done = _build(tmp_path, "fast")
    assert done.returncode != 0
    assert "WIREHTTP_BUILD='fast': expected one of auto, compiled, pure" in done.stderr
