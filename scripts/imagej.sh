#!/usr/bin/env bash
# Headless ImageJ for test/fiji: net.imagej:ij (plain ImageJ 1.x, one jar, no Fiji plugins) from Maven
# Central into .tools/imagej/ij.jar. Cached and idempotent: a second run with the jar in place returns at once.
#
#   scripts/imagej.sh            installs (if needed) and prints the jar's path
#
# Plain ImageJ 1.x builds its menus (AWT) even in -batch mode, which throws HeadlessException without a display
# (Fiji's launcher patches that away; plain ij.jar does not). So this also makes sure xvfb-run exists: the
# service wraps the job in `xvfb-run -a` when FIJI_XVFB=1. It installs Debian's xvfb when missing and root, and
# bubblewrap, the job sandbox.
#
# Environment: IMAGEJ_VERSION (default below), IMAGEJ_DIR (default .tools/imagej).
# Production images install full Fiji instead (services/fiji/Dockerfile); the service runs either.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VERSION=${IMAGEJ_VERSION:-1.54f}
DIR=${IMAGEJ_DIR:-$ROOT/.tools/imagej}
JAR=$DIR/ij.jar
STAMP=$DIR/.version

log() { printf '[imagej] %s\n' "$*" >&2; }

mkdir -p "$DIR"
# Test files may call this concurrently: one install at a time.
exec 9> "$DIR/.install.lock"
flock 9
if [ ! -s "$JAR" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$VERSION" ]; then
  command -v java > /dev/null || { log "java is not installed (need a JRE >= 8)"; exit 1; }
  command -v mvn > /dev/null || { log "mvn is not installed (apt-get install maven)"; exit 1; }
  t0=$EPOCHREALTIME
  log "fetching net.imagej:ij:$VERSION from Maven Central"
  repo=$DIR/m2
  mvn -q -B -Dstyle.color=never -Dmaven.repo.local="$repo" dependency:get -Dartifact="net.imagej:ij:$VERSION" -Dtransitive=false >&2
  cp "$repo/net/imagej/ij/$VERSION/ij-$VERSION.jar" "$JAR.tmp"
  mv "$JAR.tmp" "$JAR"
  # The job runs as an unprivileged user: the jar must be readable by everyone.
  chmod 0644 "$JAR"
  echo "$VERSION" > "$STAMP"
  log "installed $JAR in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
fi
# The service runs every job in bubblewrap (adapters/process/fiji-jail.ts); setpriv comes with util-linux.
if ! command -v bwrap > /dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    log "installing bubblewrap (apt-get)"
    apt-get update -qq >&2 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends bubblewrap >&2
  else
    log "bwrap is missing: install Debian's bubblewrap package (root needed)"
    exit 1
  fi
fi
if ! command -v xvfb-run > /dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    t0=$EPOCHREALTIME
    log "installing xvfb (apt-get)"
    apt-get update -qq >&2 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends xvfb xauth >&2
    log "installed xvfb in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s"
  else
    log "xvfb-run is missing: install Debian's xvfb and xauth packages (root needed)"
    exit 1
  fi
fi
flock -u 9
echo "$JAR"
