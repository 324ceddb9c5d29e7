#!/usr/bin/env bash
# One command: set up on a fresh machine and run every check — mypy --strict over all packages
# and tests; every package built with hatchling and installed from its wheel into a fresh
# environment without the workspace (exact sibling pins resolved from the wheels alone); each
# package's tests in an environment holding only its declared dependencies; the whole suite on
# Python 3.13 when one is installed; and the whole suite on Python 3.11 last. The parser is
# also built compiled with mypyc and its tests run against that wheel.
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
uv build --all-packages --out-dir dist --quiet
ls dist

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
    "$env/bin/python" -m pytest -q -p no:cacheprovider "tests/$pkg"
done

step "wirehttp-parser compiled with mypyc: tests/parser against that wheel"
# (The compiled builds print their output: a failure shows mypyc's or the C compiler's error.)
# The parser's hot modules compile with mypyc (one source; the pure wheel stays the default).
# hatch-mypyc compiles in place and renames pyproject.toml while it runs, so the compiled wheel
# is built from the sdist in uv's own temporary copy, never in the tree.
# WIREHTTP_EXPECT_BUILD makes the tests fail if the pure source were imported instead.
rm -rf .ci-venvs/parser-mypyc
uv build --package wirehttp-parser --sdist --out-dir .ci-venvs/parser-mypyc/sdist --quiet
HATCH_BUILD_HOOK_ENABLE_MYPYC=1 uv build --wheel --out-dir .ci-venvs/parser-mypyc/dist \
    .ci-venvs/parser-mypyc/sdist/wirehttp_parser-*.tar.gz
ls .ci-venvs/parser-mypyc/dist/wirehttp_parser-*-cp3*.whl
uv venv --quiet --python "$(command -v python3)" .ci-venvs/parser-mypyc/venv
uv pip install --quiet --python .ci-venvs/parser-mypyc/venv "${TEST_TOOLS[@]}" \
    "brotli>=1.2" "zstandard>=0.22"
uv pip install --quiet --no-cache --python .ci-venvs/parser-mypyc/venv --no-index \
    --find-links .ci-venvs/parser-mypyc/dist wirehttp-parser
WIREHTTP_EXPECT_BUILD=compiled .ci-venvs/parser-mypyc/venv/bin/python -m pytest -q \
    -p no:cacheprovider tests/parser

step "wirehttp-server compiled with mypyc, on the compiled parser: tests/server against them"
# The server's per-request path (_connection, _framing) compiles the same way; its tests run
# in the same environment, on the compiled parser, with the server's extras.
uv build --package wirehttp-server --sdist --out-dir .ci-venvs/parser-mypyc/sdist --quiet
HATCH_BUILD_HOOK_ENABLE_MYPYC=1 uv build --wheel --out-dir .ci-venvs/parser-mypyc/dist \
    .ci-venvs/parser-mypyc/sdist/wirehttp_server-*.tar.gz
ls .ci-venvs/parser-mypyc/dist/wirehttp_server-*-cp3*.whl
uv pip install --quiet --python .ci-venvs/parser-mypyc/venv "uvloop>=0.19" "pyopenssl>=24"
uv pip install --quiet --no-cache --python .ci-venvs/parser-mypyc/venv --no-index \
    --find-links .ci-venvs/parser-mypyc/dist wirehttp-server
WIREHTTP_EXPECT_BUILD=compiled .ci-venvs/parser-mypyc/venv/bin/python -m pytest -q \
    -p no:cacheprovider tests/server

if PY313=$(find_python 3.13); then
    step "the whole suite on Python 3.13 ($PY313)"
    UV_PROJECT_ENVIRONMENT=.ci-venvs/py313 uv run --locked --quiet --python "$PY313" \
        pytest -q -p no:cacheprovider
else
    echo "(no Python 3.13 on this machine: the 3.13 run needs one installed)"
fi

step "the whole suite on Python 3.11"
uv run --locked pytest -q
