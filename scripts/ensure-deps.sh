#!/usr/bin/env bash
# Installs the locked dependencies when node_modules is missing or older than package-lock.json,
# so the README's commands work on a fresh clone in either order.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
marker=node_modules/.package-lock.json
if [ ! -f "$marker" ] || [ package-lock.json -nt "$marker" ]; then
  echo "installing dependencies…" >&2
  # Not `npm ci`: it refuses a lock file without chDB's builds for other platforms (see .ci/run).
  npm install --no-audit --no-fund >&2
fi
