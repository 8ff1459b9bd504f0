#!/usr/bin/env bash
# Makes (or checks) a Python virtual environment with Sekoia's SDK from PyPI, for the tests that
# run Python modules: scripts/sekoia-sdk-env.sh DIR
set -euo pipefail
env_dir="${1:?usage: $0 DIR}"
sdk_version="1.27.0"

if "$env_dir/bin/python" -c "import sekoia_automation" 2>/dev/null; then
    exit 0
fi
python="${PYTHON:-python3}"
command -v "$python" >/dev/null || { echo "Python 3 is needed: $python was not found" >&2; exit 1; }
rm -rf "$env_dir.partial"
"$python" -m venv "$env_dir.partial"
"$env_dir.partial/bin/pip" install --quiet --disable-pip-version-check "sekoia-automation-sdk==$sdk_version"
rm -rf "$env_dir"
mv "$env_dir.partial" "$env_dir"
