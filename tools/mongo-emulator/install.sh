#!/usr/bin/env bash
# Installs the CongoDB MongoDB-wire emulator (npm @push.rocks/smartmongo@2.2.0)
# into tools/mongo-emulator/node_modules from the committed package-lock.json.
# Idempotent: exits immediately when the installed tree matches the lock file.
set -euo pipefail

DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$DIR"

command -v node >/dev/null 2>&1 || { echo "mongo-emulator: node is not installed (need Node >= 18)" >&2; exit 1; }
command -v npm  >/dev/null 2>&1 || { echo "mongo-emulator: npm is not installed" >&2; exit 1; }

ENTRY="node_modules/@push.rocks/smartmongo/dist_ts/congodb/index.js"
STAMP="node_modules/.mongo-emulator-install-stamp"
WANT="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"

if [[ -f "$ENTRY" && -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]]; then
  exit 0
fi

echo "mongo-emulator: installing npm dependencies (npm ci) in $DIR" >&2
# --ignore-scripts: nothing here needs install scripts; keeps the install offline-safe.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2

# Smoke check: the module graph CongoServer needs must load.
node --input-type=module -e "
  const m = await import('./$ENTRY');
  if (typeof m.CongoServer !== 'function') { console.error('CongoServer export missing'); process.exit(1); }
" || { echo "mongo-emulator: installed, but CongoServer failed to load" >&2; exit 1; }

echo "$WANT" > "$STAMP"
echo "mongo-emulator: installed" >&2
