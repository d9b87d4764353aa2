#!/usr/bin/env bash
# The main job on the embedded local default: set up, generate a sample stack if none is given, ingest it.
#   npm run demo                 -> demo/sample (generated) -> demo/out
#   npm run demo -- <slices-dir> -> <slices-dir>            -> demo/out
set -euo pipefail
cd "$(dirname "$0")/.."
EMINGEST_SKIP_VENV=1 bash scripts/setup.sh
slices=${1:-demo/sample}
if [ $# -eq 0 ] && [ ! -d demo/sample ]; then
  node dist/cli/main.js sample demo/sample --count 32 --size 1024
fi
node dist/cli/main.js run "$slices" --out demo/out --clahe 2
echo "from this checkout, that is: node dist/cli/main.js serve demo/out"
