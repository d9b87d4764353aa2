#!/usr/bin/env bash
# The emulated cloud for test/cloud: every emulator on 127.0.0.1, on free ports, one process group each.
#
#   scripts/emulators.sh install          fake-gcs-server (go install, pinned) + the Workflows emulator
#   scripts/emulators.sh start DIR [PID]  starts them all; writes DIR/env (export lines) and DIR/pids; with PID,
#                                         a watchdog stops them when that process ends (a test killed mid-run)
#   scripts/emulators.sh stop DIR         stops exactly the process groups listed in DIR/pids
#
# Pinned versions. gcw-emulator (github.com/lemonberrylabs/gcw-emulator) is refused by the Go module proxy
# reachable here (403 "not available"), so the Workflows YAML runs on the PyPI `workflows-emulator` instead
# (no callbacks, no OIDC: the workflow polls, and test/cloud strips `auth:` before loading it).
#
# Environment: EMULATOR_PROJECT (default emingest-test), EMULATOR_EVENT_BUCKET (the bucket whose
# finalize events fake-gcs-server publishes; default emingest-src), EMULATOR_EVENT_TOPIC (default gcs-events),
# EMULATORS (space-separated subset of: pubsub firestore gcs workflows; default all), EMULATOR_GCS_BACKEND
# (fake-gcs-server's backend: memory, the default, or filesystem under DIR/gcs-fs; the memory backend finds
# an object by scanning the bucket's list, so a lookup costs time in proportion to the objects in the bucket,
# where the filesystem backend opens the object's file: BENCHMARKS.md, "The cloud pipeline at scale"),
# EMULATOR_GCS_FS_PARENT (the folder the filesystem backend's root is made in, default DIR; /dev/shm keeps
# its writes off the disk, whose syncs otherwise cost ~8 ms per insert; `stop` removes that root).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS=$ROOT/.tools
FAKE_GCS_VERSION=v1.56.1
WORKFLOWS_EMULATOR_VERSION=1.10.0
PROJECT=${EMULATOR_PROJECT:-emingest-test}
EVENT_BUCKET=${EMULATOR_EVENT_BUCKET:-emingest-src}
EVENT_TOPIC=${EMULATOR_EVENT_TOPIC:-gcs-events}
WHICH=${EMULATORS:-pubsub firestore gcs workflows}
GCS_BACKEND=${EMULATOR_GCS_BACKEND:-memory}
GCS_FS_PARENT=${EMULATOR_GCS_FS_PARENT:-}

since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
log() { printf '[emulators] %s\n' "$*" >&2; }

install() {
  mkdir -p "$TOOLS/bin"
  # Test files may start emulators concurrently: one install at a time.
  exec 9> "$TOOLS/.install.lock"
  flock 9
  local stamp="$TOOLS/bin/.fake-gcs-server.version"
  if [ ! -x "$TOOLS/bin/fake-gcs-server" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$FAKE_GCS_VERSION" ]; then
    log "go install fake-gcs-server@$FAKE_GCS_VERSION"
    GOBIN="$TOOLS/bin" GOFLAGS=-mod=mod go install "github.com/fsouza/fake-gcs-server@$FAKE_GCS_VERSION"
    echo "$FAKE_GCS_VERSION" > "$stamp"
  fi
  local wstamp="$TOOLS/wfvenv/.version"
  if [ ! -x "$TOOLS/wfvenv/bin/workflows-emulator" ] || [ "$(cat "$wstamp" 2>/dev/null)" != "$WORKFLOWS_EMULATOR_VERSION" ]; then
    log "pip install workflows-emulator==$WORKFLOWS_EMULATOR_VERSION"
    python3 -m venv "$TOOLS/wfvenv"
    "$TOOLS/wfvenv/bin/pip" install --quiet --disable-pip-version-check "workflows-emulator==$WORKFLOWS_EMULATOR_VERSION"
    echo "$WORKFLOWS_EMULATOR_VERSION" > "$wstamp"
  fi
  flock -u 9
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Starts a command in its own session (so its process group holds it and every child), records the group id.
spawn() {
  local name=$1 dir=$2
  shift 2
  setsid "$@" > "$dir/$name.log" 2>&1 < /dev/null &
  local pid=$!
  echo "$name $pid" >> "$dir/pids"
}

wait_http() {
  local name=$1 url=$2 deadline=$((SECONDS + 60))
  until curl -s -o /dev/null "$url"; do
    if [ $SECONDS -ge $deadline ]; then log "$name did not come up: see its log"; return 1; fi
    sleep 0.1
  done
}

start() {
  local dir=$1
  mkdir -p "$dir"
  : > "$dir/pids"
  : > "$dir/env"
  install
  local t0=$EPOCHREALTIME pubsub_host="" waits=()
  # Spawn every emulator first, then wait for all: the two Java emulators start in parallel.
  case " $WHICH " in *" pubsub "*)
    pubsub_host="127.0.0.1:$(free_port)"
    spawn pubsub "$dir" gcloud beta emulators pubsub start --host-port="$pubsub_host" --project="$PROJECT" --quiet
    echo "export PUBSUB_EMULATOR_HOST=$pubsub_host" >> "$dir/env"
    waits+=("pubsub http://$pubsub_host/")
  esac
  case " $WHICH " in *" firestore "*)
    local host; host="127.0.0.1:$(free_port)"
    spawn firestore "$dir" gcloud emulators firestore start --host-port="$host" --project="$PROJECT" --quiet
    echo "export FIRESTORE_EMULATOR_HOST=$host" >> "$dir/env"
    waits+=("firestore http://$host/")
  esac
  case " $WHICH " in *" gcs "*)
    local p; p=$(free_port)
    local events=()
    if [ -n "$pubsub_host" ]; then
      events=(-event.pubsub-project-id "$PROJECT" -event.pubsub-topic "$EVENT_TOPIC" -event.bucket "$EVENT_BUCKET" -event.list finalize)
    fi
    local backend
    case $GCS_BACKEND in
      memory) backend=(-backend memory) ;;
      filesystem)
        local root
        root=$(mktemp -d "${GCS_FS_PARENT:-$dir}/emingest-gcs.XXXXXX")
        echo "$root" > "$dir/gcs-root"
        backend=(-backend filesystem -filesystem-root "$root") ;;
      *) log "EMULATOR_GCS_BACKEND must be memory or filesystem, not \"$GCS_BACKEND\""; return 2 ;;
    esac
    PUBSUB_EMULATOR_HOST=$pubsub_host spawn gcs "$dir" "$TOOLS/bin/fake-gcs-server" -scheme http -host 127.0.0.1 -port "$p" \
      "${backend[@]}" -public-host "127.0.0.1:$p" -external-url "http://127.0.0.1:$p" -log-level warn "${events[@]}"
    echo "export STORAGE_API_ENDPOINT=http://127.0.0.1:$p" >> "$dir/env"
    echo "export EMULATOR_EVENT_TOPIC=$EVENT_TOPIC" >> "$dir/env"
    echo "export EMULATOR_EVENT_BUCKET=$EVENT_BUCKET" >> "$dir/env"
    waits+=("fake-gcs-server http://127.0.0.1:$p/storage/v1/b")
  esac
  case " $WHICH " in *" workflows "*)
    local p; p=$(free_port)
    # The emulator reloads the YAML on every execution request: tests write the file, then execute.
    : > "$dir/workflow.yaml"
    (cd "$dir" && spawn workflows "$dir" "$TOOLS/wfvenv/bin/python" -c \
      "import sys, uvicorn; from fastapi import FastAPI; from workflows_emulator.cli import WORKFLOW_EXECUTE_ROUTE; from workflows_emulator.server import default_handler_clousure; app = FastAPI(); app.post(WORKFLOW_EXECUTE_ROUTE)(default_handler_clousure(sys.argv[1])); uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[2]), log_level='warning')" \
      "$dir/workflow.yaml" "$p")
    echo "export WORKFLOWS_EMULATOR_URL=http://127.0.0.1:$p" >> "$dir/env"
    echo "export WORKFLOWS_EMULATOR_SOURCE=$dir/workflow.yaml" >> "$dir/env"
    waits+=("workflows-emulator http://127.0.0.1:$p/docs")
  esac
  echo "export EMULATOR_PROJECT=$PROJECT" >> "$dir/env"
  local w
  for w in "${waits[@]}"; do
    wait_http ${w}
    log "${w%% *} up after $(since "$t0") s"
  done
  local owner=${2:-}
  if [ -n "$owner" ]; then
    # Detached from this script; exits on its own once the emulators are stopped (DIR/pids removed).
    setsid bash -c 'while kill -0 "$1" 2> /dev/null && [ -f "$2/pids" ]; do sleep 1; done; [ -f "$2/pids" ] && "$3" stop "$2"' \
      watchdog "$owner" "$dir" "$ROOT/scripts/emulators.sh" > /dev/null 2>&1 < /dev/null &
  fi
}

stop() {
  local dir=$1
  [ -f "$dir/pids" ] || return 0
  while read -r name pid; do
    [ -n "$pid" ] || continue
    if kill -0 "$pid" 2> /dev/null; then
      kill -TERM -- "-$pid" 2> /dev/null || true
    fi
  done < "$dir/pids"
  sleep 0.3
  while read -r name pid; do
    [ -n "$pid" ] || continue
    if kill -0 -- "-$pid" 2> /dev/null; then kill -KILL -- "-$pid" 2> /dev/null || true; fi
  done < "$dir/pids"
  rm -f "$dir/pids"
  # The filesystem backend's root, which start made (it may be outside DIR).
  if [ -f "$dir/gcs-root" ]; then
    rm -rf -- "$(cat "$dir/gcs-root")"
    rm -f "$dir/gcs-root"
  fi
}

case "${1:-}" in
  install) install ;;
  start) start "${2:?usage: emulators.sh start DIR [OWNER_PID]}" "${3:-}" ;;
  stop) stop "${2:?usage: emulators.sh stop DIR}" ;;
  *) echo "usage: $0 install | start DIR | stop DIR" >&2; exit 2 ;;
esac
