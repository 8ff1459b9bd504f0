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

# Schemathesis tries many keys at login: unknown keys from its address are not limited here.
export RIPOSTE_KEY_FAILURES_PER_ADDRESS=0
source scripts/fresh-server.sh

"$env_dir/bin/schemathesis" run "$base/api/openapi.json" \
    --header "Authorization: Bearer $(cat "$data_dir/admin.key")" \
    --checks all --workers 1 --max-examples "$examples" --seed "$seed" --no-color
