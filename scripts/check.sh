#!/usr/bin/env bash
# One command: set up on a fresh machine and run every check — mypy --strict over all packages
# and tests; every package built with hatchling and installed from its wheel into a fresh
# environment without the workspace (exact sibling pins resolved from the wheels alone); each
# package's tests in an environment holding only its declared dependencies; the whole suite on
# Python 3.13 when one is installed; and the whole suite on Python 3.11 last. The wheels of
# wirehttp-parser and wirehttp-server are the mypyc-compiled ones (their default build), so the
# isolated runs test the compiled builds; the workspace's editable install (the whole-suite
# runs) is the pure source, which is what their pure wheel holds.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export UV_PYTHON_DOWNLOADS=never PATH="$HOME/.local/bin:$PATH"
# Test tools and test peers for the isolated environments (the workspace's dev group has them).
TEST_TOOLS=(pytest pytest-timeout hypothesis trustme httpbin gunicorn)
step() { printf '\n== %s\n' "$*"; }
# A working interpreter for Python $1, or nothing (pyenv shims of inactive versions fail).
find_python() {
    local c
    for c in "$(command -v "python$1" 2>/dev/null)" "$HOME"/.pyenv/versions/"$1".*/bin/python"$1" \
             /usr/bin/python"$1" /usr/local/bin/python"$1"; do
        if [ -n "$c" ] && [ -x "$c" ] && "$c" -c 'import sys' >/dev/null 2>&1; then
            echo "$c"; return 0
        fi
    done
    return 1
}

step "mypy --strict (packages, tests, benchmarks)"
uv run --locked mypy

step "build every package's wheel and sdist with hatchling"
rm -rf dist .ci-venvs
# WIREHTTP_BUILD=compiled: a failing mypyc build fails here instead of falling back to the pure
# wheel (hatch_build.py); the wheels are built for the interpreter the environments below use.
WIREHTTP_BUILD=compiled uv build --all-packages --python "$(command -v python3)" \
    --out-dir dist --quiet
ls dist
ls dist/wirehttp_parser-*-cp3*.whl dist/wirehttp_server-*-cp3*.whl

# Every build is version 0.1.0: --no-cache keeps uv from installing an older wheel it cached
# under the same name and version.
step "install the meta-package from the wheels alone into a fresh environment"
uv venv --quiet --python "$(command -v python3)" .ci-venvs/wheels
uv pip install --quiet --python .ci-venvs/wheels "${TEST_TOOLS[@]}"
uv pip install --quiet --no-cache --python .ci-venvs/wheels --no-index --find-links dist wirehttp
.ci-venvs/wheels/bin/python -m pytest -q -p no:cacheprovider tests/meta

for pkg in parser client server websockets cookies forms; do
    if ! ls tests/"$pkg"/test_*.py >/dev/null 2>&1; then
        echo "(wirehttp-$pkg has no tests of its own yet)"
        continue
    fi
    step "wirehttp-$pkg alone: its tests with only its declared dependencies"
    env=.ci-venvs/$pkg
    uv venv --quiet --python "$(command -v python3)" "$env"
    uv pip install --quiet --python "$env" "${TEST_TOOLS[@]}"
    # Its optional extras (other than wirehttp siblings) are declared dependencies too.
    mapfile -t extras < <(python3 - "packages/http-$pkg/pyproject.toml" <<'PY'
import sys, tomllib
project = tomllib.load(open(sys.argv[1], "rb"))["project"]
for reqs in project.get("optional-dependencies", {}).values():
    for r in reqs:
        if not r.startswith("wirehttp"):
            print(r)
PY
)
    if ((${#extras[@]})); then uv pip install --quiet --python "$env" "${extras[@]}"; fi
    uv pip install --quiet --no-cache --python "$env" --no-index --find-links dist "wirehttp-$pkg"
    # The parser's and the server's tests fail if the pure source were imported instead of the
    # compiled wheel (test_parser_build.py, test_build.py).
    case $pkg in parser|server) expect=compiled ;; *) expect= ;; esac
    WIREHTTP_EXPECT_BUILD=$expect "$env/bin/python" -m pytest -q -p no:cacheprovider "tests/$pkg"
done

if PY313=$(find_python 3.13); then
    step "the whole suite on Python 3.13 ($PY313)"
    UV_PROJECT_ENVIRONMENT=.ci-venvs/py313 WIREHTTP_EXPECT_BUILD=pure \
        uv run --locked --quiet --python "$PY313" pytest -q -p no:cacheprovider
else
    echo "(no Python 3.13 on this machine: the 3.13 run needs one installed)"
fi

step "the whole suite on Python 3.11"
# The workspace's editable install runs the pure source (a stray compiled module would fail
# test_parser_build.py and tests/server/test_build.py here).
WIREHTTP_EXPECT_BUILD=pure uv run --locked pytest -q
