#!/usr/bin/env bash
# The whole test suite from a fresh clone: set-up (npm packages, build, oracle venv), lint, then every test
# under test/ (unit, interop with tensorstore and OpenCV, end to end, and test/images: the service images built
# by scripts/images.sh and run as containers, layers cached in ~/.cache/emingest/docker). Fails on any failure
# and when no test ran.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "[test] lint"
npx eslint .
echo "[test] node --test dist/test/"
log=$(mktemp)
set +e
node --test --test-reporter=spec --test-reporter-destination=stdout --test-reporter=tap --test-reporter-destination="$log" dist/test/
status=$?
set -e
pass=$(grep -E '^# pass ' "$log" | awk '{print $3}')
fail=$(grep -E '^# fail ' "$log" | awk '{print $3}')
skipped=$(grep -E '^# skipped ' "$log" | awk '{print $3}')
todo=$(grep -E '^# todo ' "$log" | awk '{print $3}')
rm -f "$log"
echo "${pass:-0} passed, ${fail:-0} failed"
if [ "$status" -ne 0 ]; then exit "$status"; fi
if [ "${pass:-0}" -eq 0 ]; then echo "[test] no test ran" >&2; exit 1; fi
if [ "${skipped:-0}" -ne 0 ] || [ "${todo:-0}" -ne 0 ]; then echo "[test] skipped or todo tests are not allowed" >&2; exit 1; fi
