#!/bin/bash
# Cross-builds a static aarch64 armcache into build-aarch64/ (or $1) with Debian's
# aarch64-linux-gnu toolchain. Installs what it needs with apt; libfdt-dev:arm64 is only
# downloaded and extracted into ~/.cache/armcache/aarch64-sysroot. Prints the binary's path; the
# interposer libarmcache-vmm.so (a dynamic library for Debian 12's glibc) is built beside it.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
CACHE=${ARMCACHE_CACHE:-$HOME/.cache/armcache}
. "$ROOT/scripts/lib.sh"
BUILD=${1:-$ROOT/build-aarch64}

need=()
for p in cmake ninja-build ccache g++-aarch64-linux-gnu libfmt-dev nlohmann-json3-dev libcli11-dev libfdt-dev; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
[[ ${#need[@]} -eq 0 ]] || apt-get install -y -qq "${need[@]}" >&2

SYSROOT=$CACHE/aarch64-sysroot
if [[ ! -s $SYSROOT/usr/lib/aarch64-linux-gnu/libfdt.a ]]; then
    dpkg --print-foreign-architectures | grep -qx arm64 || { dpkg --add-architecture arm64; apt-get update -qq >&2; }
    mkdir -p "$CACHE/debs" "$SYSROOT"
    (cd "$CACHE/debs" && apt-get download -qq libfdt-dev:arm64 2>&1 | grep -v "_apt" >&2 || true)
    deb=$(ls -t "$CACHE"/debs/libfdt-dev_*_arm64.deb | head -1)
    dpkg-deb -x "$deb" "$SYSROOT"
fi

ccache_env
if [[ ! -f $BUILD/build.ninja ]]; then
    ARMCACHE_AARCH64_SYSROOT=$SYSROOT cmake -S "$ROOT" -B "$BUILD" -G Ninja "${CCACHE_CMAKE_ARGS[@]}" \
        -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/aarch64-linux-gnu.cmake" -DARMCACHE_AARCH64_SYSROOT="$SYSROOT" \
        -DCMAKE_BUILD_TYPE=Release -DARMCACHE_TESTS=OFF -DARMCACHE_BENCHMARKS=OFF -DARMCACHE_STATIC=ON \
        -DARMCACHE_UNITY_BUILD="${ARMCACHE_UNITY_BUILD:-ON}" >&2
fi
ninja -C "$BUILD" armcache-cli >&2
echo "$BUILD/armcache"
