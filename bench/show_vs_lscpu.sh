#!/usr/bin/env bash
# Times `armcache show --sysfs-root DIR --json`, `lscpu -C --sysroot DIR` and
# `lstopo-no-graphics` (HWLOC_FSROOT=DIR) on the same trees: every fixture in
# tests/fixtures plus a generated 512-CPU tree with four cluster kinds
# (bench/make-big-tree.sh). The three commands run interleaved, REPS times
# each, and the script prints the mean wall time and armcache's ratio to each.
# Usage: bench/show_vs_lscpu.sh [ARMCACHE] (default: build/armcache)
# Env: REPS=10 CPUS=512 BIG_TREE=$ARMCACHE_CACHE/bench/big-$CPUS
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
cd "$ARMCACHE_ROOT"
apt_need util-linux hwloc
BIN=${1:-build/armcache}
REPS=${REPS:-10}
CPUS=${CPUS:-512}
BIG=${BIG_TREE:-$ARMCACHE_CACHE/bench/big-$CPUS}
[ -x "$BIN" ] || { echo "no $BIN (build first)" >&2; exit 2; }
if [ ! -f "$BIG/.complete" ]; then
  log "generating a $CPUS-CPU tree in $BIG"
  mkdir -p "$(dirname "$BIG")"
  bench/make-big-tree.sh "$BIG" "$CPUS"
  touch "$BIG/.complete"
fi

# run_us CMD...: "wall_us cpu_us" (user+sys) of one run, output discarded.
# CPU time is printed too: on a loaded machine wall time is mostly noise.
run_us() {
  local TIMEFORMAT='%3R %3U %3S' t
  t=$( { time "$@" >/dev/null 2>&1; } 2>&1 ) || true
  awk '{ printf "%d %d\n", $1 * 1e6, ($2 + $3) * 1e6 }' <<<"$t"
}

printf '%-14s %5s %9s %9s %9s %8s %8s %8s %9s %9s %9s\n' tree cpus arm_ms lscpu_ms lstopo_ms arm_cpu lscpu_cpu lstopo_cpu \
  arm/lscpu arm/lstopo cpu:a/l
for tree in tests/fixtures/homogeneous tests/fixtures/hetero tests/fixtures/missing tests/fixtures/inconsistent "$BIG"; do
  ncpu=$(ls -d "$tree"/sys/devices/system/cpu/cpu[0-9]* | wc -l)
  # One warm-up round so every tool sees a hot page cache.
  "$BIN" show --sysfs-root "$tree" --json >/dev/null 2>&1 || true
  lscpu -C --sysroot "$tree" >/dev/null 2>&1 || true
  HWLOC_FSROOT=$tree lstopo-no-graphics >/dev/null 2>&1 || true
  sums=(0 0 0 0 0 0)
  for ((r = 0; r < REPS; r++)); do
    read -r w c < <(run_us "$BIN" show --sysfs-root "$tree" --json); sums[0]=$((sums[0] + w)); sums[1]=$((sums[1] + c))
    read -r w c < <(run_us lscpu -C --sysroot "$tree"); sums[2]=$((sums[2] + w)); sums[3]=$((sums[3] + c))
    read -r w c < <(run_us env HWLOC_FSROOT="$tree" lstopo-no-graphics); sums[4]=$((sums[4] + w)); sums[5]=$((sums[5] + c))
  done
  awk -v t="$(basename "$tree")" -v n="$ncpu" -v r="$REPS" -v s="${sums[*]}" 'BEGIN {
    split(s, v, " ");
    printf "%-14s %5d %9.2f %9.2f %9.2f %8.2f %8.2f %8.2f %9.2f %9.2f %9.2f\n", t, n, v[1]/r/1e3, v[3]/r/1e3,
      v[5]/r/1e3, v[2]/r/1e3, v[4]/r/1e3, v[6]/r/1e3, v[1]/v[3], v[1]/v[5], (v[4] ? v[2]/v[4] : 0) }'
done
