#!/usr/bin/env bash
# One command for operators: install, index corpus/ and train the ranker for it (each skipped when nothing
# changed), serve API + web chat.
# Options are passed to `policybot serve` (e.g. --host 0.0.0.0 --port 8000).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. .venv/bin/activate
policybot ingest
policybot train
exec policybot serve "$@"
