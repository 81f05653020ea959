#!/usr/bin/env bash
# Create .venv (if needed) and install PolicyBot with the given extras, e.g. `scripts/setup.sh test`.
# torch is pinned in pyproject.toml to the CPU build this machine keeps on disk (an unpinned torch pulls CUDA).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
extras="${1:-}"
python -m pip install --quiet -e ".${extras:+[$extras]}"
