#!/usr/bin/env bash
# Builds emingest's native addon (native/*.cc -> native/build/emingest-cv.node): AKAZE, Hamming kNN,
# warpAffine and CLAHE from OpenCV 4.12.0, the same version as the test oracle (opencv-python-headless
# 4.12.0.88), behind Node-API (one binary for Node 20 and 22).
#
# OpenCV comes from source: the opencv-python-headless sdist on PyPI (pinned by sha256) carries the whole
# OpenCV tree. Only core, imgproc and features2d are built, static, single-threaded (no parallel backend:
# emingest runs one task per worker thread), without IPP/OpenCL/TBB and nothing downloaded at configure
# time. CPU dispatch is OpenCV's default (baseline SSE3, dispatched SSE4.1 .. AVX-512), as in the wheels.
# ~3 min on 2 cores, once: the result is cached in $EMINGEST_CACHE (default ~/.cache/emingest), keyed by
# the version, the flags and the compiler. The addon itself compiles in ~2 s and is rebuilt when its
# sources change.
#
# Needs: curl, tar, sha256sum, cmake (>= 3.13), a C++17 compiler (g++ or clang++) and a C compiler, make or
# ninja. zstd 1.5.7 is compiled from source too (below), in seconds, and cached the same way.
#
#   scripts/native.sh            builds what is missing and prints the addon's path
#   scripts/native.sh opencv     builds only OpenCV (needs no node_modules) and prints its prefix: an image
#                                build runs it before copying package.json, so a dependency change does not
#                                rebuild OpenCV
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

OPENCV_VERSION=4.12.0
SDIST=opencv-python-headless-4.12.0.88.tar.gz
SDIST_URL=https://files.pythonhosted.org/packages/a4/63/6861102ec149c3cd298f4d1ea7ce9d6adbc7529221606ff1dab991a19adb/$SDIST
SDIST_SHA256=cfdc017ddf2e59b6c2f53bc12d74b6b0be7ded4ec59083ea70763921af2b6c09
CACHE=${EMINGEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/emingest}
CXX=${CXX:-c++}
OUT=$ROOT/native/build/emingest-cv.node

log() { printf '[native] %s\n' "$*" >&2; }
need() { command -v "$1" > /dev/null || { log "$1 is not installed ($2)"; exit 1; }; }
seconds_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

need curl "Debian: apt-get install curl"
need cmake "Debian: apt-get install cmake"
need "$CXX" "Debian: apt-get install g++"
need sha256sum "coreutils"

CMAKE_FLAGS=(
  -DCMAKE_BUILD_TYPE=Release
  -DBUILD_LIST=core,imgproc,features2d
  -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON
  -DWITH_IPP=OFF -DWITH_ITT=OFF -DWITH_OPENCL=OFF -DWITH_TBB=OFF -DWITH_OPENMP=OFF -DWITH_PTHREADS_PF=OFF
  -DWITH_EIGEN=OFF -DWITH_LAPACK=OFF -DWITH_PROTOBUF=OFF -DWITH_ADE=OFF -DWITH_VA=OFF -DWITH_KLEIDICV=OFF
  -DWITH_OPENVX=OFF -DCV_TRACE=OFF -DBUILD_ZLIB=ON
  -DBUILD_TESTS=OFF -DBUILD_PERF_TESTS=OFF -DBUILD_EXAMPLES=OFF -DBUILD_opencv_apps=OFF -DBUILD_JAVA=OFF
  -DBUILD_opencv_python3=OFF
)
compiler=$("$CXX" --version | head -1)
key=$(printf '%s\n' "$OPENCV_VERSION" "$SDIST_SHA256" "${CMAKE_FLAGS[*]}" "$compiler" | sha256sum | cut -c1-16)
PREFIX=$CACHE/opencv-$OPENCV_VERSION-$key

# fetch_pinned FILE URL SHA256 WORK WHAT: $CACHE/FILE, downloaded through WORK unless it is there with that sha256.
fetch_pinned() {
  if [ ! -f "$CACHE/$1" ] || [ "$(sha256sum "$CACHE/$1" | cut -d' ' -f1)" != "$3" ]; then
    log "fetching $5 ($1) from PyPI"
    curl -fsSL --retry 3 -o "$4/$1" "$2"
    local got
    got=$(sha256sum "$4/$1" | cut -d' ' -f1)
    [ "$got" = "$3" ] || { log "$1: sha256 $got, expected $3"; exit 1; }
    mv "$4/$1" "$CACHE/$1"
  fi
}

mkdir -p "$CACHE"
# Test files and two clones may build at once: one build at a time per cache.
exec 9> "$CACHE/.native.lock"
flock 9

# A build killed before it finished leaves its work folder; under the lock nobody else is using it.
rm -rf "$CACHE"/build.*
if [ ! -f "$PREFIX/.complete" ]; then
  t0=$EPOCHREALTIME
  work=$(mktemp -d "$CACHE/build.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  fetch_pinned "$SDIST" "$SDIST_URL" "$SDIST_SHA256" "$work" "the OpenCV $OPENCV_VERSION source"
  src=${SDIST%.tar.gz}
  tar -xzf "$CACHE/$SDIST" -C "$work" "$src/opencv"
  generator=()
  if command -v ninja > /dev/null; then generator=(-G Ninja); fi
  log "building OpenCV $OPENCV_VERSION (core, imgproc, features2d; static) into $PREFIX"
  cmake -S "$work/$src/opencv" -B "$work/build" "${generator[@]}" "${CMAKE_FLAGS[@]}" \
    -DCMAKE_INSTALL_PREFIX="$work/install" > "$work/cmake.log" 2>&1 || { tail -40 "$work/cmake.log" >&2; exit 1; }
  cmake --build "$work/build" --parallel "$(nproc)" > "$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; exit 1; }
  cmake --install "$work/build" > /dev/null
  rm -rf "$PREFIX"
  mv "$work/install" "$PREFIX"
  touch "$PREFIX/.complete"
  log "OpenCV built in $(seconds_since "$t0") s"
fi

if [ "${1:-}" = "opencv" ]; then
  echo "$PREFIX"
  exit 0
fi

# The addon: rebuilt when its sources, the OpenCV build or the Node-API headers change.
NAPI_INCLUDE=$ROOT/node_modules/node-api-headers/include
[ -f "$NAPI_INCLUDE/node_api.h" ] || { log "node-api-headers is missing: run npm ci first"; exit 1; }

# zstd for the OME-Zarr chunks (native/zstd.cc): zstd 1.5.7's single-file source (zstd/zstd.c), as the
# python-zstandard 0.25.0 sdist on PyPI carries it (pinned by sha256), compiled once into $CACHE and linked
# statically, so nothing is needed where the addon runs. 1.5.7 because its level-1 frames are tensorstore's
# and @bokuweb/zstd-wasm's byte for byte; Debian bookworm's libzstd 1.5.4 makes other frames for chunks with
# runs of zeros (BENCHMARKS.md, OME-Zarr section).
ZSTD_VERSION=1.5.7
ZSTD_SDIST=zstandard-0.25.0.tar.gz
ZSTD_SDIST_URL=https://files.pythonhosted.org/packages/fd/aa/3e0508d5a5dd96529cdc5a97011299056e14c6505b678fd58938792794b1/$ZSTD_SDIST
ZSTD_SDIST_SHA256=7713e1179d162cf5c7906da876ec2ccb9c3a9dcbdffef0cc7f70c3667a205f0b
CC=${CC:-cc}
need "$CC" "Debian: apt-get install gcc"
ZSTD_CFLAGS=(-O2 -fPIC -fvisibility=hidden -DZSTD_LEGACY_SUPPORT=0 -DZSTD_DISABLE_ASM)
zkey=$(printf '%s\n' "$ZSTD_SDIST_SHA256" "${ZSTD_CFLAGS[*]}" "$("$CC" --version | head -1)" | sha256sum | cut -c1-16)
ZSTD=$CACHE/zstd-$ZSTD_VERSION-$zkey
if [ ! -f "$ZSTD/.complete" ]; then
  t0=$EPOCHREALTIME
  zwork=$(mktemp -d "$CACHE/build.XXXXXX")
  fetch_pinned "$ZSTD_SDIST" "$ZSTD_SDIST_URL" "$ZSTD_SDIST_SHA256" "$zwork" "the zstd $ZSTD_VERSION source"
  tar -xzf "$CACHE/$ZSTD_SDIST" -C "$zwork" "${ZSTD_SDIST%.tar.gz}/zstd"
  mkdir -p "$zwork/out"
  cp "$zwork/${ZSTD_SDIST%.tar.gz}"/zstd/{zstd.h,zstd_errors.h,LICENSE} "$zwork/out/"
  "$CC" "${ZSTD_CFLAGS[@]}" -c "$zwork/${ZSTD_SDIST%.tar.gz}/zstd/zstd.c" -o "$zwork/out/zstd.o"
  grep -q "define ZSTD_VERSION_RELEASE  ${ZSTD_VERSION##*.}$" "$zwork/out/zstd.h" || { log "$ZSTD_SDIST does not hold zstd $ZSTD_VERSION"; exit 1; }
  rm -rf "$ZSTD"
  mv "$zwork/out" "$ZSTD"
  rm -rf "$zwork"
  touch "$ZSTD/.complete"
  log "zstd $ZSTD_VERSION built in $(seconds_since "$t0") s"
fi

# OpenCV's private AKAZE header (native/akaze.cc computes descriptors for the kept keypoints only through
# the internal class AKAZEFeatures): kaze/AKAZEFeatures.h and kaze/AKAZEConfig.h from the very sdist the
# library above was built from, so the class layout is the compiled one. Extracted once into $CACHE.
PRIVATE=$CACHE/opencv-$OPENCV_VERSION-private-${SDIST_SHA256:0:16}
if [ ! -f "$PRIVATE/.complete" ]; then
  pwork=$(mktemp -d "$CACHE/build.XXXXXX")
  fetch_pinned "$SDIST" "$SDIST_URL" "$SDIST_SHA256" "$pwork" "the OpenCV $OPENCV_VERSION source"
  kaze=${SDIST%.tar.gz}/opencv/modules/features2d/src/kaze
  tar -xzf "$CACHE/$SDIST" -C "$pwork" "$kaze/AKAZEFeatures.h" "$kaze/AKAZEConfig.h"
  mkdir -p "$pwork/out"
  mv "$pwork/$kaze" "$pwork/out/kaze"
  rm -rf "$PRIVATE"
  mv "$pwork/out" "$PRIVATE"
  rm -rf "$pwork"
  touch "$PRIVATE/.complete"
fi

# libdeflate for the PNG decoder (native/png-decode.cc): libdeflate 1.26 as the python `deflate` 0.9.0 sdist on
# PyPI vendors it (pinned by sha256), the decompression side only (zlib wrapper, Adler-32, CRC-32, x86 CPU
# dispatch), compiled once into $CACHE and linked statically.
DEFLATE_VERSION=1.26
DEFLATE_SDIST=deflate-0.9.0.tar.gz
DEFLATE_SDIST_URL=https://files.pythonhosted.org/packages/99/37/6822da3fcc811eb6839f4c1165407c4f23580e6b29ea29509c9544f4e604/$DEFLATE_SDIST
DEFLATE_SDIST_SHA256=962e0a6f1ea3a94b900a8ea0ce138fa92bfcbafda5b86367104a259ffcd3462b
DEFLATE_SOURCES=(adler32 crc32 deflate_decompress zlib_decompress utils x86/cpu_features)
DEFLATE_CFLAGS=(-O2 -fPIC -fvisibility=hidden)
dkey=$(printf '%s\n' "$DEFLATE_SDIST_SHA256" "${DEFLATE_SOURCES[*]}" "${DEFLATE_CFLAGS[*]}" "$("$CC" --version | head -1)" | sha256sum | cut -c1-16)
DEFLATE=$CACHE/libdeflate-$DEFLATE_VERSION-$dkey
if [ ! -f "$DEFLATE/.complete" ]; then
  t0=$EPOCHREALTIME
  dwork=$(mktemp -d "$CACHE/build.XXXXXX")
  fetch_pinned "$DEFLATE_SDIST" "$DEFLATE_SDIST_URL" "$DEFLATE_SDIST_SHA256" "$dwork" "the libdeflate $DEFLATE_VERSION source"
  dsrc=$dwork/${DEFLATE_SDIST%.tar.gz}/libdeflate
  tar -xzf "$CACHE/$DEFLATE_SDIST" -C "$dwork" "${DEFLATE_SDIST%.tar.gz}/libdeflate"
  grep -q "define LIBDEFLATE_VERSION_STRING.*\"$DEFLATE_VERSION\"" "$dsrc/libdeflate.h" || { log "$DEFLATE_SDIST does not hold libdeflate $DEFLATE_VERSION"; exit 1; }
  mkdir -p "$dwork/out"
  cp "$dsrc/libdeflate.h" "$dsrc/COPYING" "$dwork/out/"
  for f in "${DEFLATE_SOURCES[@]}"; do
    "$CC" "${DEFLATE_CFLAGS[@]}" -I"$dsrc" -c "$dsrc/lib/$f.c" -o "$dwork/out/$(basename "$f").o"
  done
  rm -rf "$DEFLATE"
  mv "$dwork/out" "$DEFLATE"
  rm -rf "$dwork"
  touch "$DEFLATE/.complete"
  log "libdeflate $DEFLATE_VERSION built in $(seconds_since "$t0") s"
fi

sources=(native/*.cc)
want=$(cat "${sources[@]}" native/*.h scripts/native.sh | sha256sum | cut -c1-16)-$key-$zkey-$dkey-${SDIST_SHA256:0:16}
stamp=$ROOT/native/build/.stamp
if [ ! -f "$OUT" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  t0=$EPOCHREALTIME
  mkdir -p "$ROOT/native/build"
  libdir=$PREFIX/lib
  [ -d "$libdir" ] || libdir=$PREFIX/lib64
  # NAPI_VERSION 8: Node >= 12.22; -fvisibility=hidden and --exclude-libs keep OpenCV's symbols private.
  "$CXX" -O2 -std=c++17 -shared -fPIC -fvisibility=hidden -DNAPI_VERSION=8 \
    -I"$NAPI_INCLUDE" -I"$PREFIX/include/opencv4" -I"$ZSTD" -I"$DEFLATE" -I"$PRIVATE" "${sources[@]}" "$ZSTD/zstd.o" "$DEFLATE"/*.o -o "$OUT.tmp" \
    -L"$libdir" -L"$libdir/opencv4/3rdparty" -lopencv_features2d -lopencv_imgproc -lopencv_core -lzlib \
    -lpthread -ldl -Wl,--exclude-libs,ALL -s
  mv "$OUT.tmp" "$OUT"
  echo "$want" > "$stamp"
  log "built $OUT in $(seconds_since "$t0") s"
fi
flock -u 9
echo "$OUT"
