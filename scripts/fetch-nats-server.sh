#!/usr/bin/env bash
# Prints the path of a nats-server >= 2.11. Uses one on PATH or in .tools/ when new enough;
# otherwise downloads Debian sid's package through a private apt state and unpacks it into
# .tools/. The machine's own apt configuration is only read (for its mirror URI), never changed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
local_bin="$tools/nats-server/usr/sbin/nats-server"
min_major=2 min_minor=11

new_enough() { # $1: a nats-server binary
  local v
  v="$("$1" --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n1)" || return 1
  [ -n "$v" ] || return 1
  local major="${v%%.*}" rest="${v#*.}"; local minor="${rest%%.*}"
  [ "$major" -gt "$min_major" ] || { [ "$major" -eq "$min_major" ] && [ "$minor" -ge "$min_minor" ]; }
}

for candidate in "${NATS_SERVER_BIN:-}" "$(command -v nats-server || true)" "$local_bin"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ] && new_enough "$candidate"; then
    echo "$candidate"; exit 0
  fi
done

command -v apt-get >/dev/null || { echo "no nats-server >= 2.11 found and no apt-get to fetch one; set NATS_SERVER_BIN" >&2; exit 1; }

# The mirror the machine already uses, from deb822 or one-line sources.
mirror="$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)"
if [ -z "$mirror" ]; then
  mirror="$(grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
    | sed -E 's/\[[^]]*\]//' | awk '{print $2}' | grep -v security | head -n1 || true)"
fi
[ -n "$mirror" ] || { echo "cannot read a Debian mirror URI from the apt sources" >&2; exit 1; }

state="$(mktemp -d)"
trap 'rm -rf "$state"' EXIT
mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
echo "deb [signed-by=$keyring] $mirror sid main" >"$state/sources.list"
apt_opts=(
  -o "Dir::Etc::SourceList=$state/sources.list"
  -o "Dir::Etc::SourceParts=$state/none"
  -o "Dir::State::Lists=$state/lists"
  -o "Dir::Cache=$state/cache"
  -o "APT::Sandbox::User=root"
  -o "Debug::NoLocking=1"
)
echo "fetching nats-server from Debian sid ($mirror) into .tools/" >&2
apt-get "${apt_opts[@]}" -qq update >&2
(cd "$state" && apt-get "${apt_opts[@]}" -qq download nats-server >&2)
rm -rf "$tools/nats-server"
mkdir -p "$tools/nats-server"
dpkg-deb -x "$state"/nats-server_*.deb "$tools/nats-server"
new_enough "$local_bin" || { echo "fetched nats-server is older than $min_major.$min_minor" >&2; exit 1; }
echo "$local_bin"
