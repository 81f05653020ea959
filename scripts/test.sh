#!/usr/bin/env bash
# One command for developers and CI: install with test extras, lint, run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
. .venv/bin/activate
ruff check .
python -m pytest "$@"
