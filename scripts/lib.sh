# Shared by the scripts: idempotent apt installs and the build.
# shellcheck shell=bash

ARMCACHE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export ARMCACHE_CACHE=${ARMCACHE_CACHE:-$HOME/.cache/armcache}
JOBS=${JOBS:-$(nproc)}

# Packages each part of the work needs (Debian 12 names).
PKGS_BUILD="cmake ninja-build g++ ccache libgtest-dev libbenchmark-dev libfmt-dev libcli11-dev nlohmann-json3-dev libfdt-dev"
# Profile/firmware tests: dtc and iasl as oracles, the JSON Schema check.
PKGS_BUILD="$PKGS_BUILD device-tree-compiler acpica-tools python3-jsonschema"
# Installing it like a library: the Debian packages, lintian, man
# pages (man-db renders them in the tests), pkg-config for the example.
PKGS_DEB="debhelper dpkg-dev fakeroot lintian man-db pkgconf python3 binutils"
PKGS_FUZZ="clang libclang-rt-14-dev"
# Host discovery: lscpu is the tests' oracle, hwloc's lstopo the benchmark's.
PKGS_HOST="util-linux hwloc"

# Each line says how long the script has run, so slow stages show in CI logs.
log() { printf '== [%3ds] %s\n' "$SECONDS" "$*" >&2; }

# apt_need PKG...: installs the packages that are missing; does nothing (and
# needs no network) when all are there.
apt_need() {
  local missing=()
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  # An apt that has never been updated knows no packages; a stale one may
  # name versions the mirror no longer has. Update in either case, once.
  if ! compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null; then $sudo apt-get update -qq; fi
  if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# Compiler cache for every build, outside the repo: a fresh clone (CI) then
# compiles only what changed since the last run. Paths are hashed relative to
# the checkout, so clones in other directories share it.
ccache_env() {
  export CCACHE_DIR=$ARMCACHE_CACHE/ccache
  export CCACHE_BASEDIR=$ARMCACHE_ROOT
  export CCACHE_NOHASHDIR=1
  export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
}
CCACHE_CMAKE_ARGS=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

# build DIR [cmake args...] [-- TARGET...]: configures once, then builds
# incrementally (everything, or only the targets given).
build() {
  local dir=$1
  shift
  local config=() targets=()
  while [ $# -gt 0 ]; do
    if [ "$1" = -- ]; then
      shift
      targets=(--target "$@")
      break
    fi
    config+=("$1")
    shift
  done
  local launcher=()
  if command -v ccache >/dev/null; then
    ccache_env
    launcher=("${CCACHE_CMAKE_ARGS[@]}")
  fi
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S "$ARMCACHE_ROOT" -B "$dir" -G Ninja "${launcher[@]}" "${config[@]}" >/dev/null
  fi
  cmake --build "$dir" -j "$JOBS" "${targets[@]}"
}
