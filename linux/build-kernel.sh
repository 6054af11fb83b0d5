#!/usr/bin/env bash
# Builds the patched kernel the test bed boots: unpacks Debian's
# linux-source-6.12, applies the series in linux/patches/, and builds a
# minimal arm64 Image with KVM plus the static native_cache_config
# selftest. Everything lives under ~/.cache/armcache/linux; ccache keeps
# rebuilds fast. Prints the paths of the Image and the selftest.
# Usage: linux/build-kernel.sh   (env: ARMCACHE_CACHE, JOBS)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../scripts/lib.sh"
CACHE=$ARMCACHE_CACHE/linux
mkdir -p "$CACHE"
apt_need linux-source-6.12 gcc-aarch64-linux-gnu bc bison flex libssl-dev libelf-dev cpio kmod ccache make rsync

tarball=/usr/src/linux-source-6.12.tar.xz
# The series, then the test-only hook that lets the test bed reach -ERANGE.
patches=("$HERE"/patches/*.patch "$HERE"/test-patches/*.patch)
series=$(cat "${patches[@]}" "$HERE/kernel.config" | sha256sum | cut -c1-16)
version=$(dpkg-query -W -f='${Version}' linux-source-6.12)
tree=$CACHE/tree
out=$CACHE/out
stamp="$version $series"

if [ "$(cat "$tree/.armcache-stamp" 2>/dev/null)" != "$stamp" ]; then
  log "unpacking linux-source-6.12 $version and applying ${#patches[@]} patches"
  rm -rf "$tree.new"
  mkdir -p "$tree.new"
  tar -xJf "$tarball" -C "$tree.new" --strip-components=1
  for p in "${patches[@]}"; do
    patch -d "$tree.new" -p1 --quiet --forward <"$p"
  done
  echo "$stamp" >"$tree.new/.armcache-stamp"
  # Keep the same path so ccache and make see the same files.
  rm -rf "$tree"
  mv "$tree.new" "$tree"
fi

export CCACHE_DIR=$CACHE/ccache
export CCACHE_BASEDIR=$CACHE
make_k() { make -C "$tree" O="$out" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- CC="ccache aarch64-linux-gnu-gcc" -j "$JOBS" "$@"; }

if ! cmp -s "$HERE/kernel.config" "$out/.armcache-config" 2>/dev/null || [ ! -f "$out/.config" ]; then
  mkdir -p "$out"
  make_k allnoconfig >/dev/null
  # shellcheck disable=SC2046
  "$tree/scripts/config" --file "$out/.config" $(grep -v '^#' "$HERE/kernel.config" | sed 's/^/--enable /')
  make_k olddefconfig >/dev/null
  for opt in $(grep -v '^#' "$HERE/kernel.config"); do
    grep -q "^CONFIG_$opt=y" "$out/.config" || { echo "build-kernel.sh: CONFIG_$opt did not stick" >&2; exit 1; }
  done
  cp "$HERE/kernel.config" "$out/.armcache-config"
fi

log "building Image"
make_k Image >/dev/null
log "building the native_cache_config selftest (static)"
make_k headers_install INSTALL_HDR_PATH="$out/usr" >/dev/null
make -C "$tree/tools/testing/selftests/kvm" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- \
  OUTPUT="$out/selftests" KHDR_INCLUDES="-isystem $out/usr/include" \
  TEST_GEN_PROGS_aarch64=aarch64/native_cache_config LDFLAGS=-static -j "$JOBS" >/dev/null

mkdir -p "$ARMCACHE_CACHE/kernels/native"
cp "$out/arch/arm64/boot/Image" "$ARMCACHE_CACHE/kernels/native/Image"
cp "$out/selftests/aarch64/native_cache_config" "$ARMCACHE_CACHE/kernels/native/native_cache_config"
echo "$ARMCACHE_CACHE/kernels/native/Image"
echo "$ARMCACHE_CACHE/kernels/native/native_cache_config"
