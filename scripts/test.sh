#!/usr/bin/env bash
# The whole test suite from a fresh clone: set-up (npm packages, build, oracle venv), lint, then every test
# under test/ (unit, interop with tensorstore and OpenCV, end to end, and test/images: the service images built
# by scripts/images.sh and run as containers, layers cached in ~/.cache/emingest/docker). Fails on any failure
# and when no test ran.
set -euo pipefail
cd "$(dirname "$0")/.."
# The align and emwrite images (~5-10 min the first time: OpenCV is compiled inside the build) are built in
# the background while the set-up and the other tests run (the host's and the image's OpenCV builds
# overlap); test/images then finds them in the layer cache (its own scripts/images.sh waits for this
# daemon's lock on the cache). A failure here only costs the image tests the time: they build again and
# report it.
prewarm_log=.work/images-prewarm.log
mkdir -p .work
bash scripts/images.sh > "$prewarm_log" 2>&1 &
prewarm=$!
echo "[test] building the service images in the background (pid $prewarm, log $prewarm_log)"
bash scripts/setup.sh
echo "[test] lint"
npx eslint .
echo "[test] node --test dist/test/"
log=$(mktemp)
set +e
node --test --test-reporter=spec --test-reporter-destination=stdout --test-reporter=tap --test-reporter-destination="$log" dist/test/
status=$?
wait "$prewarm"
prewarm_status=$?
set -e
if [ "$prewarm_status" -ne 0 ]; then echo "[test] the background image build failed (exit $prewarm_status): $prewarm_log" >&2; fi
pass=$(grep -E '^# pass ' "$log" | awk '{print $3}')
fail=$(grep -E '^# fail ' "$log" | awk '{print $3}')
skipped=$(grep -E '^# skipped ' "$log" | awk '{print $3}')
todo=$(grep -E '^# todo ' "$log" | awk '{print $3}')
rm -f "$log"
echo "${pass:-0} passed, ${fail:-0} failed"
if [ "$status" -ne 0 ]; then exit "$status"; fi
if [ "${pass:-0}" -eq 0 ]; then echo "[test] no test ran" >&2; exit 1; fi
if [ "${skipped:-0}" -ne 0 ] || [ "${todo:-0}" -ne 0 ]; then echo "[test] skipped or todo tests are not allowed" >&2; exit 1; fi
