#!/usr/bin/env bash
# One command for developers and CI: install with test extras, lint, run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
# The web-page tests drive Debian's Chromium (Playwright's own browser download does not work offline).
if ! command -v chromium >/dev/null 2>&1; then
  (apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; }) \
    || echo "warning: could not install Debian's chromium; the browser tests will be skipped" >&2
fi
. .venv/bin/activate
ruff check .
python -m pytest "$@"
