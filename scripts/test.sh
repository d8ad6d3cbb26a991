#!/usr/bin/env bash
# Run the test suite: makes .venv when missing, installs .[test] with
# constraints.txt, then runs pytest with any arguments given.
#   bash scripts/test.sh                 # everything; tests/integration skips without upstream
#   PIX2PIX_UPSTREAM=/path bash scripts/test.sh tests/integration
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
ensure_venv
exec python -m pytest "$@"
