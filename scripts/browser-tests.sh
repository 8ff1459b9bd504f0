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

data_dir="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$binary" serve --data-dir "$data_dir" --listen "127.0.0.1:$port" >"$data_dir/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$data_dir"' EXIT
for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
    sleep 0.1
done
RIPOSTE_URL="http://127.0.0.1:$port" RIPOSTE_KEY="$(cat "$data_dir/admin.key")" node console/tests/run.mjs
