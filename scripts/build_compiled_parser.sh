#!/usr/bin/env bash
# Build the mypyc-compiled wirehttp-parser wheel (its default build, forced here so that a
# failing compile is an error) into a throwaway virtual environment and run the parser benchmark
# there (the workspace itself runs the pure source, its editable install), so the two
# builds of one source can be compared:
#
#     scripts/build_compiled_parser.sh            # build + full benchmark (about 2 minutes)
#     scripts/build_compiled_parser.sh --quick    # build + smoke benchmark
#     scripts/build_compiled_parser.sh --tests    # build + tests/parser against the wheel
#     scripts/build_compiled_parser.sh --server-tests # + the compiled server: tests/server
#     scripts/build_compiled_parser.sh --server-bench [bench_server.py options]
#                                                 # + the compiled server: its benchmark
#
# WIREHTTP_COMPILED_DIR (default: a new temporary directory) holds the wheel and the venv.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never
work=${WIREHTTP_COMPILED_DIR:-$(mktemp -d -t wirehttp-compiled.XXXXXX)}
mkdir -p "$work"
echo "building the compiled parser wheel in $work"
rm -rf "$work/dist" "$work/sdist"
# hatch-mypyc compiles in place (it leaves .so files next to the sources, which the workspace's
# editable install would then load) and renames pyproject.toml while it runs: so build the
# sdist first and the compiled wheel from it, in uv's own temporary copy, never in the tree.
uv build --package wirehttp-parser --sdist --out-dir "$work/sdist" --quiet
WIREHTTP_BUILD=compiled uv build --wheel --out-dir "$work/dist" --quiet \
    "$work"/sdist/wirehttp_parser-*.tar.gz
ls "$work/dist"
case "$(basename "$work"/dist/*.whl)" in
    *py3-none-any.whl) echo "error: the hook did not run (pure wheel)" >&2; exit 1 ;;
esac
uv venv --quiet --allow-existing --python "$(command -v python3)" "$work/venv"
uv pip install --quiet --python "$work/venv" \
    pytest pytest-timeout hypothesis brotli zstandard h11 httptools
uv pip install --quiet --no-cache --python "$work/venv" --reinstall --no-deps \
    "$work"/dist/wirehttp_parser-*.whl
# Run from a directory outside the repository so that the wheel, not the source tree, is
# imported (the benchmark and the tests say which build they loaded).
if [ "${1:-}" = "--server-bench" ] || [ "${1:-}" = "--server-tests" ]; then
    mode=$1
    shift
    # The server compiled the same way (its _connection and _framing), on the compiled parser,
    # with its extras and the servers the benchmark compares it with.
    uv build --package wirehttp-server --sdist --out-dir "$work/sdist" --quiet
    WIREHTTP_BUILD=compiled uv build --wheel --out-dir "$work/dist" --quiet \
        "$work"/sdist/wirehttp_server-*.tar.gz
    uv pip install --quiet --python "$work/venv" uvloop pyopenssl trustme
    uv pip install --quiet --no-cache --python "$work/venv" --reinstall --no-deps \
        "$work"/dist/wirehttp_server-*.whl
    if [ "$mode" = "--server-tests" ]; then
        (cd "$work" && WIREHTTP_EXPECT_BUILD=compiled "$work/venv/bin/python" -m pytest -q \
            -p no:cacheprovider --rootdir "$OLDPWD" "$OLDPWD/tests/server")
    else
        uv pip install --quiet --python "$work/venv" uvicorn httptools aiohttp granian
        (cd "$work" && "$work/venv/bin/python" "$OLDPWD/benchmarks/bench_server.py" "$@")
    fi
elif [ "${1:-}" = "--tests" ]; then
    (cd "$work" && WIREHTTP_EXPECT_BUILD=compiled "$work/venv/bin/python" -m pytest -q \
        -p no:cacheprovider --rootdir "$OLDPWD" "$OLDPWD/tests/parser")
else
    (cd "$work" && "$work/venv/bin/python" "$OLDPWD/benchmarks/bench_parser.py" "$@")
fi
