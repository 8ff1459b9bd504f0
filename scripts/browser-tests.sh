#!/usr/bin/env bash
# The console's journeys in Debian's Chromium against a real server on a fresh data directory:
#   scripts/browser-tests.sh [RIPOSTE_BINARY]    (target/debug/riposte by default)
# Installs Chromium (Debian's package) when it is missing, and the console's npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-target/debug/riposte}"
if ! command -v chromium >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
fi
(cd console && npm ci --no-audit --no-fund --loglevel=error)

source scripts/fresh-server.sh
RIPOSTE_URL="$base" RIPOSTE_KEY="$(cat "$data_dir/admin.key")" RIPOSTE_DATA_DIR="$data_dir" node console/tests/run.mjs
