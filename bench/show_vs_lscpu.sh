#!/usr/bin/env bash
# Times `armcache show --sysfs-root DIR --json`, `lscpu -C --sysroot DIR` and
# `lstopo-no-graphics` (HWLOC_FSROOT=DIR) on the same trees: every fixture in
# tests/fixtures plus a generated 512-CPU tree with four cluster kinds
# (bench/make-big-tree.sh). bench/cmdtime.cpp runs the three commands (and a
# do-nothing static program, the floor every command pays) interleaved, REPS
# times each, and the script prints median wall times, mean CPU times and
# armcache's ratios: to the other tools' whole runs, and (a/l-floor) to the
# part of lscpu's run above the floor, the work both tools choose to do.
# Usage: bench/show_vs_lscpu.sh [ARMCACHE] (default: build/armcache)
# Env: REPS=100 CPUS=512 BIG_TREE=$ARMCACHE_CACHE/bench/big-$CPUS
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
cd "$ARMCACHE_ROOT"
apt_need util-linux hwloc
BIN=${1:-build/armcache}
REPS=${REPS:-100}
CPUS=${CPUS:-512}
BIG=${BIG_TREE:-$ARMCACHE_CACHE/bench/big-$CPUS}
[ -x "$BIN" ] || { echo "no $BIN (build first)" >&2; exit 2; }
if [ ! -f "$BIG/.complete" ]; then
  log "generating a $CPUS-CPU tree in $BIG"
  mkdir -p "$(dirname "$BIG")"
  bench/make-big-tree.sh "$BIG" "$CPUS"
  touch "$BIG/.complete"
fi

CMDTIME=$ARMCACHE_CACHE/bench/cmdtime
if [ ! -x "$CMDTIME" ] || [ bench/cmdtime.cpp -nt "$CMDTIME" ]; then
  mkdir -p "$(dirname "$CMDTIME")"
  g++ -std=c++20 -O2 -o "$CMDTIME" bench/cmdtime.cpp
fi
# The floor: a static program that does nothing. Every command pays it (fork,
# exec, exit), so no command can be faster than this.
NOOP=$ARMCACHE_CACHE/bench/noop
if [ ! -x "$NOOP" ]; then
  printf 'int main(void) { return 0; }\n' | gcc -O2 -static -x c -o "$NOOP" -
fi

printf 'median wall and mean CPU (user+sys) per run, ms; %d interleaved runs each\n' "$REPS"
printf '%-14s %5s %8s %8s %8s %8s %8s %8s %9s %9s %9s %7s %9s\n' tree cpus arm lscpu lstopo arm_cpu lscpu_cpu lstopo_cpu \
  arm/lscpu arm/lstopo cpu:a/l floor a/l-floor
for tree in tests/fixtures/homogeneous tests/fixtures/hetero tests/fixtures/missing tests/fixtures/inconsistent "$BIG"; do
  ncpu=$(ls -d "$tree"/sys/devices/system/cpu/cpu[0-9]* | wc -l)
  mapfile -t r < <("$CMDTIME" "$REPS" "$BIN" show --sysfs-root "$tree" --json ::: lscpu -C --sysroot "$tree" \
    ::: HWLOC_FSROOT="$tree" lstopo-no-graphics ::: "$NOOP")
  read -r aw _ ac <<<"${r[0]}"
  read -r lw _ lc <<<"${r[1]}"
  read -r sw _ sc <<<"${r[2]}"
  read -r nw _ _ <<<"${r[3]}"
  awk -v t="$(basename "$tree")" -v n="$ncpu" -v aw="$aw" -v ac="$ac" -v lw="$lw" -v lc="$lc" -v sw="$sw" -v sc="$sc" \
    -v nw="$nw" 'BEGIN {
    printf "%-14s %5d %8.2f %8.2f %8.2f %8.2f %8.2f %8.2f %9.2f %9.2f %9.2f %7.2f %9.2f\n", t, n, aw/1e3, lw/1e3, sw/1e3,
      ac/1e3, lc/1e3, sc/1e3, aw/lw, aw/sw, (lc ? ac/lc : 0), nw/1e3, (lw > nw ? (aw - nw)/(lw - nw) : 0) }'
done
