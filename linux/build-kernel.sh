#!/usr/bin/env bash
# Builds the patched Linux 7.3 kernel: Debian's linux-source-7.3 (7.3.4,
# trixie-backports, fetched with e2e/debian-newer.sh and never installed),
# the series of linux/patches/ applied with `git am`, a minimal arm64 Image
# (allnoconfig + linux/kernel.config) and the one static selftest,
# native_cache_config. Idempotent: the .deb, the tarball and the patched
# tree are cached under ~/.cache/armcache and ccache keeps rebuilds fast.
# Prints the path of the Image, then of the selftest.
# Usage: linux/build-kernel.sh          the series only: the kernel the demo
#                                       and the test-bed matrix boot
#        linux/build-kernel.sh --test   the series plus linux/test-patches/
#                                       ([NOT FOR UPSTREAM] hook), for the
#                                       test bed's -ERANGE checks only
# Env: ARMCACHE_CACHE, JOBS
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../scripts/lib.sh"
variant=native
series=("$HERE"/patches/v3-000[1-9]-*.patch)
patches=("${series[@]}")
case ${1:-} in
  "") ;;
  --test) variant=native-test patches+=("$HERE"/test-patches/*.patch) ;;
  *) echo "usage: build-kernel.sh [--test]" >&2; exit 2 ;;
esac
CACHE=$ARMCACHE_CACHE/linux-7.3
mkdir -p "$CACHE" "$ARMCACHE_CACHE/debs"
apt_need gcc-aarch64-linux-gnu bc bison flex libssl-dev libelf-dev cpio kmod ccache make rsync git xz-utils

# The source package: downloaded once into the shared .deb cache.
deb=$(ls "$ARMCACHE_CACHE"/debs/linux-source-7.3_*_all.deb 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$deb" ]; then
  log "downloading linux-source-7.3 (trixie-backports)"
  (cd "$ARMCACHE_CACHE/debs" && "$HERE/../e2e/debian-newer.sh" apt-get download -qq linux-source-7.3 >&2)
  deb=$(ls "$ARMCACHE_CACHE"/debs/linux-source-7.3_*_all.deb | sort -V | tail -n 1)
fi
version=$(dpkg-deb -f "$deb" Version)
tarball=$CACHE/linux-source-7.3.tar.xz
if [ "$(cat "$tarball.version" 2>/dev/null)" != "$version" ]; then
  log "extracting the tarball of linux-source-7.3 $version"
  dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./usr/src/linux-source-7.3.tar.xz >"$tarball.new"
  mv "$tarball.new" "$tarball"
  echo "$version" >"$tarball.version"
fi

# The patched tree. git records only the files the patches touch: adding
# all 96000 files costs minutes on a busy disk and buys nothing for git am.
tree=$CACHE/$variant
out=$tree/.out # a direct child of the tree: kbuild then uses relative paths,
               # so both variants hit the same ccache entries
stamp_of() { echo "$version $(cat "$@" | sha256sum | cut -c1-16)"; }
touched_by() { sed -n 's|^diff --git a/\([^ ]*\) .*|\1|p' "$@" | sort -u; }
stamp=$(stamp_of "${patches[@]}")
base=$CACHE/native
export GIT_AUTHOR_NAME=build-kernel.sh GIT_AUTHOR_EMAIL=build@armcache.invalid
export GIT_COMMITTER_NAME=build-kernel.sh GIT_COMMITTER_EMAIL=build@armcache.invalid
if [ "$(cat "$tree/.armcache-stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$tree.new"
  if [ "$variant" = native-test ] && [ "$(cat "$base/.armcache-stamp" 2>/dev/null)" = "$(stamp_of "${series[@]}")" ]; then
    # The series tree is there: hard-link it (unpacking again takes minutes
    # on a busy disk) and give the files the hook changes their own copies.
    log "linking the series tree, git am of the test hook ($variant)"
    cp -al "$base" "$tree.new"
    rm -rf "$tree.new/.out" "$tree.new/.armcache-stamp"
    hook=("$HERE"/test-patches/*.patch)
    mapfile -t touched < <(touched_by "${hook[@]}")
    for f in "${touched[@]}"; do
      [ ! -e "$tree.new/$f" ] || { cp "$tree.new/$f" "$tree.new/$f.copy" && mv "$tree.new/$f.copy" "$tree.new/$f"; }
    done
    (cd "$tree.new" && git am -q "${hook[@]}")
  else
    log "unpacking linux-source-7.3 $version, git am of ${#patches[@]} patches ($variant)"
    mkdir -p "$tree.new"
    tar -xJf "$tarball" -C "$tree.new" --strip-components=1
    (
      cd "$tree.new"
      git init -q
      git config gc.auto 0
      mapfile -t touched < <(touched_by "${patches[@]}")
      for f in "${touched[@]}"; do [ ! -e "$f" ] || git add -f -- "$f"; done
      git commit -q -m "linux-source-7.3 $version (the files the patches touch)"
      git am -q "${patches[@]}"
    )
  fi
  echo "$stamp" >"$tree.new/.armcache-stamp"
  rm -rf "$tree"
  mv "$tree.new" "$tree"
fi

ccache_env
export CCACHE_BASEDIR=$CACHE
# Fixed build stamps: init/version.c then hits the cache like every other file.
export KBUILD_BUILD_TIMESTAMP="@$(stat -c %Y "$tree/Makefile")" KBUILD_BUILD_USER=armcache KBUILD_BUILD_HOST=armcache
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

log "building Image ($variant)"
make_k Image >/dev/null
log "building the native_cache_config selftest (static, this one test only)"
make_k headers_install INSTALL_HDR_PATH="$out/usr" >/dev/null
# TEST_GEN_PROGS_arm64 on the command line replaces Makefile.kvm's list of
# some 40 tests; the target names the one binary.
make -C "$tree/tools/testing/selftests/kvm" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- \
  CC="ccache aarch64-linux-gnu-gcc" OUTPUT="$out/selftests" KHDR_INCLUDES="-isystem $out/usr/include" \
  TEST_GEN_PROGS_arm64=arm64/native_cache_config LDFLAGS="-static -pthread" -j "$JOBS" \
  "$out/selftests/arm64/native_cache_config" >/dev/null

dest=$ARMCACHE_CACHE/kernels/$variant
mkdir -p "$dest"
cp "$out/arch/arm64/boot/Image" "$dest/Image"
cp "$out/selftests/arm64/native_cache_config" "$dest/native_cache_config"
echo "$dest/Image"
echo "$dest/native_cache_config"
