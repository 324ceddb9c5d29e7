#!/usr/bin/env bash
# Set-up shared by the demo and the checks, for a fresh Debian machine with Python 3.11+:
# installs what is missing (uv; a C compiler for the llhttp oracle's source build; the test
# peers curl, nginx, tinyproxy and wrk), then syncs
# the workspace environment from uv.lock. Idempotent: a second run only verifies.
set -euo pipefail
cd "$(dirname "$0")/.."

# uv never downloads interpreters here: it uses the machine's Python 3.11+.
export UV_PYTHON_DOWNLOADS=never

need_apt=()
command -v cc >/dev/null 2>&1 || need_apt+=(build-essential)
# Real peers the client and server tests and benchmarks run against on 127.0.0.1
# (shared/reference/peers-and-corpora.md §8); Debian does not start their services.
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v nginx >/dev/null 2>&1 || need_apt+=(nginx)
command -v tinyproxy >/dev/null 2>&1 || need_apt+=(tinyproxy)
command -v wrk >/dev/null 2>&1 || need_apt+=(wrk)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need_apt+=(python3-venv)
if ((${#need_apt[@]})); then
    echo "bootstrap: installing ${need_apt[*]} with apt-get"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v uv >/dev/null 2>&1; then
    echo "bootstrap: installing uv from PyPI"
    python3 -m pip install --quiet --user uv 2>/dev/null \
        || python3 -m pip install --quiet --user --break-system-packages uv
    export PATH="$HOME/.local/bin:$PATH"
fi

if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "bootstrap: python3 is missing or older than 3.11; install Python 3.11+ first" >&2
    exit 1
fi
# The workspace environment (.venv) on python3; WIREHTTP_PYTHON names another interpreter.
uv sync --locked --quiet --python "${WIREHTTP_PYTHON:-$(command -v python3)}"
