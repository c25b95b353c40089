#!/usr/bin/env bash
# Installs the locked dependencies when node_modules is missing or older than package-lock.json,
# so the README's commands work on a fresh clone in either order; rebuilds the native ones when
# they were built for another Node (its ABI version is noted in node_modules/.node-abi).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
marker=node_modules/.package-lock.json
abi="$(node -p process.versions.modules)"
if [ ! -f "$marker" ] || [ package-lock.json -nt "$marker" ]; then
  echo "installing dependencies…" >&2
  # Not `npm ci`: it refuses a lock file without chDB's builds for other platforms (see .ci/run).
  npm install --no-audit --no-fund >&2
fi
# npm install leaves packages it already had as they were, built for whichever Node built them.
if [ "$(cat node_modules/.node-abi 2>/dev/null)" != "$abi" ]; then
  echo "rebuilding native dependencies for Node $(node --version)…" >&2
  npm rebuild >&2
fi
echo "$abi" >node_modules/.node-abi
