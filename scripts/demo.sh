#!/usr/bin/env bash
# The main job: an emulated Neoverse-N1 host running real KVM with Debian's
# 6.1 and 6.12 kernels and the patched 7.3 kernel of linux/. Shows side by side
# what the hardware holds, what a guest sees by default on each kernel, and
# what it sees after armcache restores the 6.1 view on 6.12 (and with
# KVM_CAP_ARM_NATIVE_CACHE_CONFIG); then what a Linux guest of Debian's QEMU
# shows in lscpu -C on each. Installs what it needs; safe to rerun.
# The first run downloads two kernels and builds one (10-20 minutes on 2
# cores); later runs take about a minute.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ARMCACHE_ROOT"
MODEL=${MODEL:-neoverse-n1}
apt_need $PKGS_BUILD python3 qemu-system-arm g++-aarch64-linux-gnu cpio bc
log "building armcache (host and static aarch64)"
# Only the CLI (and the interposer it starts VMMs with): the test command
# builds the tests.
build build -- armcache-cli >/dev/null
AC=$ARMCACHE_ROOT/build/armcache
AC64=$(e2e/build-aarch64.sh 2>/dev/null | tail -n 1)
log "fetching Debian's arm64 6.1 and 6.12 kernels"
e2e/fetch-kernels.sh >/dev/null
log "building the patched 7.3 kernel (linux/patches; without the test-only hook)"
mapfile -t native < <(linux/build-kernel.sh)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
INIT=$(e2e/build-init.sh e2e/init-armcache.cpp)

log "fetching Debian's arm64 QEMU, busybox and lscpu for a Linux guest inside the emulated host"
mapfile -t nested < <(e2e/fetch-nested.sh)
VMM_LIB=$(dirname "$AC64")/libarmcache-vmm.so

log "reading $MODEL's real registers with a bare EL1 program"
e2e/groundtruth.sh "$MODEL" >"$W/gt.json"
# The Linux guest boots with QEMU's own device tree plus cache nodes of the real hierarchy
# (armcache firmware --into-dtb), the same tree on every host: what differs is CLIDR_EL1.
python3 e2e/gt2view.py "$W/gt.json" "$W/dt-view.json"
echo "/bin/busybox sh /nested-host.sh" >"$W/run.list"
# Each boot below also runs Debian's QEMU with KVM on a 2-vCPU Debian 6.1 guest that prints its
# cache sysfs and lscpu -C (e2e/nested-host.sh).
nested_files=("${nested[0]}/.=/" "${nested[1]}/bin/busybox=/bin/busybox" "e2e/nested-host.sh=/nested-host.sh"
  "$W/cases=/cases" "$ARMCACHE_CACHE/kernels/6.1/Image=/guest/Image"
  "${nested[2]}=/guest/initrd.cpio" "$VMM_LIB=/libarmcache-vmm.so" "$W/dt-view.json=/dt-view.json")

log "booting $MODEL with Linux 6.1: what a guest sees"
echo "show kvm show --json --vcpus 2" >"$W/checks61"
echo "guest stock merged:/dt-view.json" >"$W/cases"
SMP=2 MEM=1536 e2e/boot.sh 6.1 "$MODEL" "$INIT" "$AC64=/armcache" "$W/checks61=/checks" "${nested_files[@]}" "$W/run.list=/run.list" \
  2>/dev/null >"$W/boot61.log"
python3 scripts/demo_table.py extract "$W/boot61.log" show >"$W/view61.json"

log "planning the restore of that 6.1 view on 6.12"
"$AC" plan --from "$W/view61.json" --to-qemu-model "$MODEL" --kernel 6.12 | sed 's/^/    /'

log "booting $MODEL with Linux 6.12: the default view, then armcache's restore on 2 vCPUs and under QEMU"
printf 'show kvm show --json --vcpus 2\nrestore kvm verify --view /view61.json --vcpus 2 --json\n' >"$W/checks612"
printf 'guest stock merged:/dt-view.json\narmcache view:/view61.json merged:/dt-view.json\n' >"$W/cases"
SMP=2 MEM=1536 e2e/boot.sh 6.12 "$MODEL" "$INIT" "$AC64=/armcache" "$W/checks612=/checks" "$W/view61.json=/view61.json" \
  "${nested_files[@]}" "$W/run.list=/run.list" 2>/dev/null >"$W/boot612.log"

log "booting $MODEL with the patched kernel: KVM_CAP_ARM_NATIVE_CACHE_CONFIG"
printf '/native_cache_config\n/bin/busybox sh /nested-host.sh\n' >"$W/native.list"
echo "guest native merged:native" >"$W/cases"
SMP=2 MEM=1536 e2e/boot.sh "${native[0]}" "$MODEL" e2e/init-run.cpp "${native[1]}" "${nested_files[@]}" \
  "$AC64=/armcache" "$W/native.list=/run.list" 2>/dev/null >"$W/bootnative.log"

python3 scripts/demo_table.py table "$W/gt.json" "$W/boot61.log" "$W/boot612.log" "$W/bootnative.log"
