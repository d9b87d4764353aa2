#!/usr/bin/env bash
# One-time (idempotent) set-up: npm packages, the native OpenCV addon (scripts/native.sh; ~3 min the first
# time on 2 cores, cached in ~/.cache/emingest after that), the TypeScript build, and the Python venv that
# holds the test oracles (tensorstore, numpy, opencv-python-headless). Safe to run again; it skips what is current.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*"; }

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

log "native OpenCV addon"
bash scripts/native.sh > /dev/null

log "building TypeScript"
npx tsc -p tsconfig.json
node scripts/code-version.mjs

if [ "${EMINGEST_SKIP_VENV:-}" != "1" ]; then
  req=tools/python/requirements.txt
  stamp=.venv/.requirements.sha
  want=$(sha1sum "$req" | cut -d' ' -f1)
  if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "creating the Python venv for the test oracles (.venv)"
    python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check -r "$req"
    echo "$want" > "$stamp"
  fi
  log "headless ImageJ for the fiji service tests"
  bash scripts/imagej.sh > /dev/null
  # The report page and viewer tests drive Debian's chromium with playwright-core (never a downloaded browser).
  if [ ! -x /usr/bin/chromium ]; then
    log "Debian's chromium for the browser tests (apt-get, needs root)"
    { DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium > /dev/null; } ||
      { apt-get update > /dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium > /dev/null; }
  fi
fi
log "ready"
