#!/usr/bin/env bash
# Schemathesis (from PyPI) over the API of a real server on a fresh data directory: every check,
# a bounded number of examples per operation, a fixed seed so that a run can be replayed.
#   scripts/schemathesis.sh [RIPOSTE_BINARY]    (target/debug/riposte by default)
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-target/debug/riposte}"
version="4.32.5"
env_dir="target/tmp/schemathesis-env"
examples="${SCHEMATHESIS_EXAMPLES:-60}"
seed="${SCHEMATHESIS_SEED:-20261201}"

if ! "$env_dir/bin/schemathesis" --version 2>/dev/null | grep -q "$version"; then
    rm -rf "$env_dir"
    "${PYTHON:-python3}" -m venv "$env_dir"
    "$env_dir/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

data_dir="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$binary" serve --data-dir "$data_dir" --listen "127.0.0.1:$port" >"$data_dir/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$data_dir"' EXIT
for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
    sleep 0.1
done

"$env_dir/bin/schemathesis" run "http://127.0.0.1:$port/api/openapi.json" \
    --header "Authorization: Bearer $(cat "$data_dir/admin.key")" \
    --checks all --workers 1 --max-examples "$examples" --seed "$seed" --no-color
