#!/usr/bin/env bash
# Builds the Debian packages armcache, libarmcache0 and libarmcache-dev from
# debian/ (debhelper) and runs lintian on them.
#   scripts/build-debs.sh [amd64|arm64] [OUTDIR]
# amd64 builds natively; arm64 cross-builds with Debian's aarch64-linux-gnu
# toolchain (cmake/aarch64-linux-gnu.cmake), arm64 libfdt from Debian's
# packages extracted into ~/.cache/armcache/aarch64-sysroot, and the man pages
# from the native build/armcache of the same tree. The version is
# PROJECT_VERSION (debian/changelog is written here, from it). The .debs, the
# .changes and lintian.txt go to OUTDIR (default build-deb/ARCH); exit 1 when
# lintian reports an error. Env: KEEP=1 keeps the build tree.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ARCH=${1:-amd64}
OUT=${2:-$ARMCACHE_ROOT/build-deb/$ARCH}
VERSION=$(sed -nE 's/^project\(armcache VERSION ([0-9.]+).*/\1/p' "$ARMCACHE_ROOT/CMakeLists.txt")
[[ -n $VERSION ]] || { echo "build-debs: no VERSION in CMakeLists.txt's project()" >&2; exit 2; }
case $ARCH in
  amd64) apt_need $PKGS_BUILD $PKGS_DEB ;;
  arm64) apt_need $PKGS_BUILD $PKGS_DEB g++-aarch64-linux-gnu ;;
  *) echo "build-debs: ARCH is amd64 or arm64" >&2; exit 2 ;;
esac

# A copy of the tree (tracked and new files, not build dirs) at a fixed
# path, so ccache hits across runs; the package build never writes the checkout.
SRC=$ARMCACHE_CACHE/deb-src/$ARCH/armcache-$VERSION
rm -rf "$SRC"
mkdir -p "$SRC" "$OUT"
(cd "$ARMCACHE_ROOT" && git ls-files -z --cached --others --exclude-standard |
  tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$SRC"
rev=$(git -C "$ARMCACHE_ROOT" describe --always --dirty 2>/dev/null || echo unknown)
when=$(git -C "$ARMCACHE_ROOT" log -1 --format=%cD 2>/dev/null || date -R)
maint=$(sed -n 's/^Maintainer: //p' "$SRC/debian/control")
cat >"$SRC/debian/changelog" <<EOF
armcache ($VERSION) unstable; urgency=medium

  * Packages of armcache $VERSION, tree $rev (scripts/build-debs.sh).

 -- $maint  $when
EOF

ccache_env
export CCACHE_BASEDIR=$SRC
cmake_args="-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
dpkg_args=(-b -us -uc)
if [[ $ARCH == arm64 ]]; then
  SYSROOT=$ARMCACHE_CACHE/aarch64-sysroot
  LIB=$SYSROOT/usr/lib/aarch64-linux-gnu
  if [[ ! -e $LIB/libfdt.so.1 || ! -s $LIB/libfdt.a ]]; then
    dpkg --print-foreign-architectures | grep -qx arm64 || { dpkg --add-architecture arm64; apt-get update -qq; }
    mkdir -p "$ARMCACHE_CACHE/debs" "$SYSROOT"
    (cd "$ARMCACHE_CACHE/debs" && apt-get download -qq libfdt1:arm64 libfdt-dev:arm64 2>&1 | grep -v _apt || true)
    for p in libfdt1 libfdt-dev; do dpkg-deb -x "$(ls -t "$ARMCACHE_CACHE"/debs/${p}_*_arm64.deb | head -1)" "$SYSROOT"; done
  fi
  NATIVE=$ARMCACHE_ROOT/build/armcache
  [[ -x $NATIVE ]] || { echo "build-debs: arm64 man pages need the native $NATIVE (scripts/test.sh builds it)" >&2; exit 2; }
  cmake_args+=" -DCMAKE_TOOLCHAIN_FILE=$SRC/cmake/aarch64-linux-gnu.cmake -DARMCACHE_AARCH64_SYSROOT=$SYSROOT"
  cmake_args+=" -DARMCACHE_FDT_LIBRARY=$LIB/libfdt.so.1 -DARMCACHE_FDT_SHARED=$LIB/libfdt.so.1"
  cmake_args+=" -DARMCACHE_HELP_BINARY=$NATIVE"
  # libfdt1:arm64 is extracted, not installed, so dpkg knows no package for it:
  # name it the way libfdt1's own shlibs file does. The C and C++ runtimes are
  # the cross toolchain's (packages libc6-arm64-cross and so on, whose names an
  # arm64 package must not depend on): copies of them in a directory no package
  # owns, named through shlibs.local as Debian 12's own libc6, libstdc++6 and
  # libgcc-s1 name them (the amd64 shlibs files of the same versions).
  RT=$ARMCACHE_CACHE/aarch64-runtime
  mkdir -p "$RT"
  for l in libc.so.6 ld-linux-aarch64.so.1 libstdc++.so.6 libgcc_s.so.1 libm.so.6; do
    cp -L /usr/aarch64-linux-gnu/lib/$l "$RT/$l"
  done
  {
    grep -h '^libfdt ' /var/lib/dpkg/info/libfdt1:amd64.shlibs
    grep -hE '^(libc|libm) ' /var/lib/dpkg/info/libc6:amd64.shlibs
    sed -n 's/^libc 6 /ld-linux-aarch64 1 /p' /var/lib/dpkg/info/libc6:amd64.shlibs
    grep -h '^libstdc++ ' /var/lib/dpkg/info/libstdc++6:amd64.shlibs
    grep -h '^libgcc_s ' /var/lib/dpkg/info/libgcc-s1:amd64.shlibs
  } >"$SRC/debian/shlibs.local"
  export ARMCACHE_SHLIBDEPS_ARGS="-- -l$LIB -l$RT"
  dpkg_args+=(-aarm64 -d)
fi

log "dpkg-buildpackage $ARCH ($VERSION)"
(cd "$SRC" && DEB_BUILD_OPTIONS="nocheck parallel=$JOBS" ARMCACHE_CMAKE_ARGS="$cmake_args" \
  dpkg-buildpackage "${dpkg_args[@]}" >"$OUT/build.log" 2>&1) || { tail -n 40 "$OUT/build.log"; exit 1; }
rm -f "$OUT"/*.deb "$OUT"/*.changes "$OUT"/*.buildinfo
parent=$(dirname "$SRC")
mv "$parent"/*_"$VERSION"_"$ARCH".deb "$parent"/armcache_"$VERSION"_"$ARCH".changes \
  "$parent"/armcache_"$VERSION"_"$ARCH".buildinfo "$OUT"/
[[ ${KEEP:-0} == 1 ]] || rm -rf "$SRC"

log "lintian $ARCH"
# The packages themselves (with --info and --pedantic: every tag lintian has).
lintian --info --pedantic --display-experimental --tag-display-limit 0 "$OUT"/*_"$VERSION"_"$ARCH".deb 2>&1 |
  grep -v 'running with root privileges' >"$OUT/lintian.txt" || true
cat "$OUT/lintian.txt"
ls "$OUT"/*.deb
if grep -q '^E: ' "$OUT/lintian.txt"; then
  echo "build-debs: lintian reports errors" >&2
  exit 1
fi
