#!/usr/bin/env bash
# Cold build times, unity build off and on, side by side in one run (the
# machines are shared: compare the ratios, not the seconds). Every build is
# from an empty build directory with ccache off. Measures:
#   host-all   the host build the test command makes (library, CLI, tests, benchmarks)
#   host-cli   what the demo builds for the host (library, CLI, the VMM interposer)
#   aarch64    the static aarch64 CLI (e2e/build-aarch64.sh)
# Usage: bench/build-time.sh [WHICH...]   (default: all three)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/lib.sh"
apt_need $PKGS_BUILD g++-aarch64-linux-gnu >&2
which=("$@")
[ ${#which[@]} -gt 0 ] || which=(host-all host-cli aarch64)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CCACHE_DISABLE=1

# one KIND UNITY: prints "wall user" seconds of one cold build.
one() {
  local kind=$1 unity=$2 dir=$work/$1-$2 t=$work/time
  case $kind in
    host-all) /usr/bin/time -o "$t" -f "%e %U" bash -c \
      'cmake -S "$0" -B "$1" -G Ninja -DARMCACHE_UNITY_BUILD=$2 >/dev/null && ninja -C "$1" >/dev/null' \
      "$root" "$dir" "$unity" ;;
    host-cli) /usr/bin/time -o "$t" -f "%e %U" bash -c \
      'cmake -S "$0" -B "$1" -G Ninja -DARMCACHE_UNITY_BUILD=$2 >/dev/null && ninja -C "$1" armcache-cli >/dev/null' \
      "$root" "$dir" "$unity" ;;
    aarch64) ARMCACHE_UNITY_BUILD=$unity /usr/bin/time -o "$t" -f "%e %U" \
      "$root/e2e/build-aarch64.sh" "$dir" >/dev/null 2>&1 ;;
    *) echo "unknown build $kind (host-all, host-cli, aarch64)" >&2; exit 2 ;;
  esac
  rm -rf "$dir"
  cat "$t"
}

printf '%-9s %12s %12s %12s %12s %7s\n' build "off wall s" "off user s" "on wall s" "on user s" on/off
for kind in "${which[@]}"; do
  read -r off_wall off_user < <(one "$kind" OFF)
  read -r on_wall on_user < <(one "$kind" ON)
  printf '%-9s %12s %12s %12s %12s %7.2f\n' "$kind" "$off_wall" "$off_user" "$on_wall" "$on_user" \
    "$(awk -v a="$on_wall" -v b="$off_wall" 'BEGIN { print a / b }')"
done
