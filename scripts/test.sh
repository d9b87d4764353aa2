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
# Two passes over dist/test/ (scripts/test-tier.mjs schedule, run by scripts/test-run.mjs in that order):
# the concurrent one, two files at a time, slowest first (every test file is safe beside any other: free
# ports, its own temp folders, emulators and engines it starts and stops by PID), then the serial one, one
# file at a time with no neighbour (files that compare CPU-seconds). The counts add up both passes' TAP logs.
concurrent=()
serial=()
listed=$(node scripts/test-tier.mjs schedule concurrent)
if [ -n "$listed" ]; then mapfile -t concurrent <<< "$listed"; fi
listed=$(node scripts/test-tier.mjs schedule serial)
if [ -n "$listed" ]; then mapfile -t serial <<< "$listed"; fi
logs=()
status=0
pass_of() {
  local name=$1 concurrency=$2
  shift 2
  if [ "$#" -eq 0 ]; then echo "[test] $name pass: no files"; return 0; fi
  local log
  log=$(mktemp)
  logs+=("$log")
  echo "[test] $name pass: $# files, $concurrency at a time"
  node scripts/test-run.mjs "$concurrency" "$log" "$@"
}
set +e
started=$SECONDS
pass_of concurrent 2 "${concurrent[@]}"
s=$?
echo "[test] concurrent pass: exit $s, $((SECONDS - started)) s"
if [ "$s" -ne 0 ]; then status=$s; fi
started=$SECONDS
pass_of serial 1 "${serial[@]}"
s=$?
echo "[test] serial pass: exit $s, $((SECONDS - started)) s"
if [ "$s" -ne 0 ] && [ "$status" -eq 0 ]; then status=$s; fi
wait "$prewarm"
prewarm_status=$?
set -e
if [ "$prewarm_status" -ne 0 ]; then echo "[test] the background image build failed (exit $prewarm_status): $prewarm_log" >&2; fi
# The sum of one TAP summary line ("# pass N") over both passes.
total() { cat /dev/null "${logs[@]}" | awk -v key="$1" 'index($0, "# " key " ") == 1 { n += $3 } END { print n + 0 }'; }
pass=$(total pass)
fail=$(total fail)
skipped=$(total skipped)
todo=$(total todo)
rm -f "${logs[@]}"
echo "$pass passed, $fail failed"
if [ "$status" -ne 0 ]; then exit "$status"; fi
if [ "$pass" -eq 0 ]; then echo "[test] no test ran" >&2; exit 1; fi
if [ "$skipped" -ne 0 ] || [ "$todo" -ne 0 ]; then echo "[test] skipped or todo tests are not allowed" >&2; exit 1; fi
