#!/usr/bin/env bash
# Runs a command with a Node of the image's major version first on PATH (scripts/fetch-node.sh
# finds or fetches it), so npm, npx and every `#!/usr/bin/env node` tool below it run on that Node.
#   bash scripts/with-node.sh npm test
# Sourced without arguments (`source scripts/with-node.sh`), it sets PATH in the calling shell.
set -euo pipefail
node_bin="$(bash "$(dirname "${BASH_SOURCE[0]}")/fetch-node.sh")"
prefix="$(dirname "$(dirname "$node_bin")")"
PATH="$(dirname "$node_bin"):$PATH"
export PATH
# Native addons compile against that Node's own headers, not another one's found on the machine.
if [ -f "$prefix/include/node/node.h" ]; then export npm_config_nodedir="$prefix"; fi
if [ $# -gt 0 ]; then exec "$@"; fi
