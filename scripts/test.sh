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
# The database tests run against a real PostgreSQL server as well as SQLite: a throwaway cluster on loopback,
# stopped on exit. Without it the PostgreSQL cases fail rather than skip (POLICYBOT_REQUIRE_POSTGRES).
postgres_env="$(scripts/postgres.sh start)"  # a failure stops the run here (set -e)
eval "$postgres_env"
trap 'scripts/postgres.sh stop "$POLICYBOT_TEST_POSTGRES_DIR"' EXIT
export POLICYBOT_REQUIRE_POSTGRES=1
. .venv/bin/activate
ruff check .
python -m pytest "$@"
