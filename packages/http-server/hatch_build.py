"""wirehttp's wheel build hook: the mypyc-compiled wheel by default, the pure one as fallback.

One source, two builds (as black and mypy ship): a wheel build compiles the modules listed in
this package's `[tool.hatch.build.targets.wheel.hooks.custom]` table with mypyc (through
hatch-mypyc), giving a `cp3XX-<platform>` wheel; everything else stays Python. The hook
chooses the build from `WIREHTTP_BUILD`:

- `auto` (the default): compile; if that fails (no C compiler, no Python headers) warn and
  build the pure `py3-none-any` wheel instead, so an install from the sdist never fails for
  want of a compiler.
- `compiled`: compile or fail (CI and release builds use this, so a broken compile is loud).
- `pure`: never compile.

Editable installs (`uv sync`, `pip install -e`) are always pure: hatch-mypyc compiles in place,
and a compiled module next to its source would shadow every later edit of that source. For the
same reason the in-place artifacts are removed once the wheel is written, and any left by an
interrupted build are removed before a pure or editable build. Because the compile runs in the
tree it builds from (and hides `pyproject.toml` while mypyc runs), build a checkout's wheels
from its sdist — `uv build` does — rather than with `pip install <directory>` next to a live
editable install.

This file is identical in packages/http-parser and packages/http-server (each sdist must carry
its own); tests/meta/test_build_hook.py checks that they stay so.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from hatch_mypyc.plugin import MypycBuildHook

BUILDS = ("auto", "compiled", "pure")


def chosen_build() -> str:
    """The build `WIREHTTP_BUILD` asks for (`auto` when unset); a typo is an error."""
    build = os.environ.get("WIREHTTP_BUILD", "auto").strip().lower() or "auto"
    if build not in BUILDS:
        raise ValueError(f"WIREHTTP_BUILD={build!r}: expected one of {', '.join(BUILDS)}")
    return build


class CompiledWheelHook(MypycBuildHook):  # type: ignore[misc]  # hatch-mypyc is untyped
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        self._compiled = False
        build = chosen_build()
        if self.target_name != "wheel":
            return
        if version == "editable" or build == "pure":
            # A compiled module left next to its source by an earlier in-tree build that did not
            # finish would shadow the source in an editable install, and would be packed into
            # a pure wheel: take it out first.
            self.clean([version])
            return
        try:
            super().initialize(version, build_data)
        except Exception as exc:
            self.clean([version])
            if build == "compiled":
                raise
            # The compiler's verdict is the output's last line ("command 'cc' failed ...").
            last = str(exc).strip().splitlines()[-1:]
            print(
                f"wirehttp: the mypyc build failed, building the pure-Python wheel instead "
                f"({last[0].strip() if last else type(exc).__name__}); "
                f"WIREHTTP_BUILD=compiled shows the whole error",
                file=sys.stderr,
            )
            return
        self._compiled = True

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        # The wheel holds the compiled modules now; take them out of the source tree.
        if getattr(self, "_compiled", False):
            self.clean([version])


def get_build_hook() -> type[CompiledWheelHook]:
    # hatchling calls this by name: the module also holds MypycBuildHook, which it would
    # otherwise find as a second candidate.
    return CompiledWheelHook
