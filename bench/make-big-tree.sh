#!/usr/bin/env bash
# make-big-tree.sh DIR [CPUS]: writes a synthetic sysfs + /proc/cpuinfo tree
# (lscpu --sysroot / HWLOC_FSROOT layout) with CPUS CPUs (default 512) in four
# cluster kinds of CPUS/4 each, 16 CPUs per cluster: every kind has its own
# MIDR, L1/L2 geometry and a cluster-shared L3. Same files the kernel writes on
# arm64 (no allocation or write policy).
set -euo pipefail
dir=$1
n=${2:-512}
[ $((n % 64)) -eq 0 ] || { echo "CPUS must be a multiple of 64" >&2; exit 2; }
rm -rf "$dir"
cpu=$dir/sys/devices/system/cpu
mkdir -p "$cpu" "$dir/proc"
printf '0-%d\n' $((n - 1)) >"$cpu/online"
cp "$cpu/online" "$cpu/possible"
cp "$cpu/online" "$cpu/present"
# kind: midr part l1size(K) l1sets l2size(K) l2sets l3size(K) l3sets
kinds=("0x410fd050 0xd05 32 128 128 512 2048 2048"
       "0x414fd0b1 0xd0b 64 256 512 1024 4096 4096"
       "0x411fd401 0xd40 64 256 1024 2048 8192 8192"
       "0x410fd4f0 0xd4f 64 256 2048 2048 16384 16384")
words=$(((n + 31) / 32))
zeros=()
for ((w = 0; w < words; w++)); do zeros+=(00000000); done
all=$(IFS=,; echo "${zeros[*]//00000000/ffffffff}")
hexmask() { # hexmask FIRST COUNT: a sysfs cpumap (32-bit words, most significant first);
  # the range lies within one word unless it is every CPU.
  local first=$1 count=$2
  if ((count == n)); then echo "$all"; return; fi
  local m=("${zeros[@]}")
  m[$((words - 1 - first / 32))]=$(printf '%08x' $((((1 << count) - 1) << (first % 32))))
  (IFS=,; echo "${m[*]}")
}
per_kind=$((n / 4))
: >"$dir/proc/cpuinfo"
for ((c = 0; c < n; c++)); do
  read -r midr part l1 l1s l2 l2s l3 l3s <<<"${kinds[$((c / per_kind))]}"
  cl=$((c / 16 * 16))
  d=$cpu/cpu$c
  mkdir -p "$d/regs/identification" "$d/topology" "$d/cache"
  printf '0x%016x\n' "$midr" >"$d/regs/identification/midr_el1"
  printf '0x0000000000000000\n' >"$d/regs/identification/revidr_el1"
  t=$d/topology
  echo "$c" >"$t/core_id"; echo $((c / 16)) >"$t/cluster_id"; echo 0 >"$t/physical_package_id"
  echo "$c" >"$t/thread_siblings_list"; echo "$c" >"$t/core_cpus_list"
  hexmask "$c" 1 >"$t/thread_siblings"; cp "$t/thread_siblings" "$t/core_cpus"
  echo "$cl-$((cl + 15))" >"$t/cluster_cpus_list"; hexmask "$cl" 16 >"$t/cluster_cpus"
  echo "0-$((n - 1))" >"$t/package_cpus_list"; hexmask 0 "$n" >"$t/package_cpus"
  cp "$t/package_cpus_list" "$t/core_siblings_list"; cp "$t/package_cpus" "$t/core_siblings"
  i=0
  for leaf in "1 Data $l1 $l1s 1" "1 Instruction $l1 $l1s 1" "2 Unified $l2 $l2s 1" "3 Unified $l3 $l3s 16"; do
    read -r lv ty sz sets share <<<"$leaf"
    x=$d/cache/index$i
    mkdir -p "$x"
    echo "$lv" >"$x/level"; echo "$ty" >"$x/type"; echo "${sz}K" >"$x/size"
    echo "$sets" >"$x/number_of_sets"; echo 64 >"$x/coherency_line_size"
    echo $((sz * 1024 / sets / 64)) >"$x/ways_of_associativity"
    if [ "$share" = 1 ]; then echo "$c" >"$x/shared_cpu_list"; hexmask "$c" 1 >"$x/shared_cpu_map"
    else echo "$cl-$((cl + 15))" >"$x/shared_cpu_list"; hexmask "$cl" 16 >"$x/shared_cpu_map"; fi
    i=$((i + 1))
  done
  printf 'processor\t: %d\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd cpuid\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x%x\nCPU part\t: %s\nCPU revision\t: %d\n\n' \
    "$c" $(((midr >> 20) & 0xf)) "$part" $((midr & 0xf)) >>"$dir/proc/cpuinfo"
done
