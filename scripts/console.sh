#!/usr/bin/env bash
# Builds the web console (console/) into crates/console/dist, which every build of the server
# embeds, after generating its API types from crates/api/openapi.json, then runs its unit tests
# and ESLint (`npm run lint`: a finding fails it, in both modes). With `--check` (CI), fails
# when the committed build or types differ from what the sources give: a server change that
# breaks the console, or a console change built and not committed.
#   scripts/console.sh [--check]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v npm >/dev/null || { echo "the console builds with Node.js and npm, which were not found" >&2; exit 1; }
(cd console && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent && npm test --silent && npm run lint --silent)
if [ "${1:-}" = "--check" ]; then
    outputs=(crates/console/dist console/src/api/schema.d.ts)
    if ! git diff --quiet -- "${outputs[@]}" || [ -n "$(git ls-files --others --exclude-standard -- "${outputs[@]}")" ]; then
        git status --short -- "${outputs[@]}" >&2
        echo "the committed console build differs from its sources: run scripts/console.sh and commit the result" >&2
        exit 1
    fi
fi
