#!/usr/bin/env bash
# The console's budgets measured in Debian's Chromium against a release server on a fresh data
# directory (not a test: figures to compare between builds):
#   scripts/console-bench.sh [RIPOSTE_BINARY]    (target/release/riposte by default)
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-target/release/riposte}"
(cd console && npm ci --no-audit --no-fund --loglevel=error)
source scripts/fresh-server.sh
RIPOSTE_URL="$base" RIPOSTE_KEY="$(cat "$data_dir/admin.key")" node console/tests/bench.mjs
