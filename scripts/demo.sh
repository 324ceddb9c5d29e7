#!/usr/bin/env bash
# One command: set up on a fresh machine and run the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export UV_PYTHON_DOWNLOADS=never PATH="$HOME/.local/bin:$PATH"
exec uv run --locked --quiet wirehttp demo
