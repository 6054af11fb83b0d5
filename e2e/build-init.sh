#!/bin/bash
# Builds a test-bed /init (e2e/init-*.cpp) as a static aarch64 binary under
# ~/.cache/armcache/build, again only when the source or init-common.h is newer,
# and prints its path. Safe when boots run in parallel (builds to a temp file).
# Usage: build-init.sh SOURCE.cpp
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${ARMCACHE_CACHE:-$HOME/.cache/armcache}
src=$1
mkdir -p "$CACHE/build"
bin=$CACHE/build/$(basename "$src" .cpp)
if [[ ! -x $bin || $src -nt $bin || $HERE/init-common.h -nt $bin ]]; then
    aarch64-linux-gnu-g++ -std=c++20 -O2 -static -Wall -I"$HERE" -I"$HERE/../include" -o "$bin.tmp.$$" "$src"
    mv "$bin.tmp.$$" "$bin"
fi
echo "$bin"
