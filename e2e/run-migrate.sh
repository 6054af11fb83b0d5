#!/bin/bash
# The migration bed: live migration between emulated hosts on different kernels, through
# Debian 12's unmodified QEMU 7.2 (migrate to a file, -incoming on the next host), with and
# without `armcache vmm-exec --compat`. The stream leaves an emulated host on a virtio disk
# and enters the next one in its initramfs. Six host boots (PHASES below), then
# migrate_check.py checks every step against what it must show; plan --for qemu runs on the
# profiles the hosts captured. Usage: run-migrate.sh   Env: MODEL=neoverse-n1
# RESULTS (default ~/.cache/armcache/results/migrate). Prints "N passed, N failed".
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${ARMCACHE_CACHE:-$HOME/.cache/armcache}
MODEL=${MODEL:-neoverse-n1}
RESULTS=${RESULTS:-$CACHE/results/migrate}/$MODEL
mkdir -p "$RESULTS"
t0=$(date +%s.%N)

ARMCACHE_A64=$("$HERE/build-aarch64.sh")
VMM_LIB=$(dirname "$ARMCACHE_A64")/libarmcache-vmm.so
mapfile -t trees < <("$HERE/fetch-nested.sh")
QROOT=${trees[0]} GROOT=${trees[1]} GUEST_CPIO=${trees[2]}
"$HERE/fetch-kernels.sh" 6.1 6.12 7.3 >/dev/null
GUEST_KERNEL=$CACHE/kernels/6.1/Image
qemu_env=()
case $MODEL in neoverse-v1|neoverse-n2|cortex-a55|cortex-a710) qemu_env=(QEMU=10) ;; esac

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/streams" "$WORK/profiles"
echo "/bin/busybox sh /migrate-host.sh" >"$WORK/run.list"

# One phase per host boot: KERNEL, then its steps (migrate-host.sh). Streams: sNN from a stock
# QEMU, cNN from one under vmm-exec --compat of kernel NN's profile.
PHASES=(
"6.1|capture p61
save s61 0 stock"
"7.3|capture p73"
"6.12|capture p612
load s61 stock
save c61 0 compat:/profiles/p61.json
save c73 1 compat:/profiles/p73.json
save s612 2 stock"
"6.1|load c61 stock back61 0
load s612 stock"
"6.12|load back61 compat:/profiles/p61.json again61 0
refuse compat:/profiles/p61-nofp.json"
"7.3|load c73 stock
load again61 stock
load s61 stock
load s612 stock"
)
# Another CPU model: 6.1 <-> 6.12 only. On a CCIDX model (neoverse-v1: also SVE and pointer
# authentication) no direction works: 6.1 shows FEAT_CCIDX, 6.12 hides it, and neither kernel
# lets a VMM change it. QEMU refuses both streams and vmm-exec --compat refuses to start.
if [[ $MODEL != neoverse-n1 ]]; then
    PHASES=(
"6.1|capture p61
save s61 0 stock"
"6.12|capture p612
load s61 stock
refuse compat:/profiles/p61.json
save s612 1 stock"
"6.1|load s612 stock"
    )
fi
i=0
logs=()
for phase in "${PHASES[@]}"; do
    K=${phase%%|*}
    printf '%s\n' "${phase#*|}" >"$WORK/steps"
    out=$RESULTS/phase$i-$K.log
    disk=$WORK/disk$i.img
    rm -f "$disk"
    truncate -s 1G "$disk"
    files=("$QROOT/.=/" "$GROOT/bin/busybox=/bin/busybox" "$HERE/migrate-host.sh=/migrate-host.sh"
        "$WORK/run.list=/run.list" "$WORK/steps=/steps" "$GUEST_KERNEL=/guest/Image" "$GUEST_CPIO=/guest/initrd.cpio"
        "$ARMCACHE_A64=/armcache" "$VMM_LIB=/libarmcache-vmm.so")
    mods=$("$HERE/fetch-modules.sh" "$K" virtio_pci virtio_blk 2>/dev/null)
    for m in "$mods"/*.ko; do files+=("$m=/lib/modules-blk/$(basename "$m")"); done
    for s in "$WORK"/streams/*.mig; do [[ -e $s ]] && files+=("$s=/streams/$(basename "$s")"); done
    # A destination no plan reaches, for the refusal: 6.1's profile with ID_AA64PFR0_EL1.FP
    # (a signed field) set to 0xf, "not implemented" (edited, and it says so).
    if [[ -s $WORK/profiles/p61.json && ! -e $WORK/profiles/p61-nofp.json ]]; then
        python3 - "$WORK/profiles/p61.json" "$WORK/profiles/p61-nofp.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
pfr0 = "0x603000000013c020"
v = int(p["vcpu_surface"]["values"][pfr0], 16)
p["vcpu_surface"]["values"][pfr0] = hex(v | 0xf << 16)
p["provenance"]["edited"] = "ID_AA64PFR0_EL1.FP = 0xf (no floating point), for the refusal case of run-migrate.sh"
json.dump(p, open(sys.argv[2], "w"), indent=1)
PY
    fi
    for p in "$WORK"/profiles/*.json; do [[ -e $p ]] && files+=("$p=/profiles/$(basename "$p")"); done
    env "${qemu_env[@]}" SMP=2 MEM=1536 TIMEOUT=${TIMEOUT:-600} \
        QEMU_ARGS="-drive file=$disk,format=raw,if=none,id=d0 -device virtio-blk-pci,drive=d0" \
        "$HERE/boot.sh" "$K" "$MODEL" "$HERE/init-run.cpp" "${files[@]}" >"$out" 2>"$out.err" || true
    grep -h '^boot.sh:' "$out.err" || cat "$out.err"
    # Profiles and streams for the phases after this one.
    python3 - "$out" "$disk" "$WORK" <<'PY'
import json, re, sys
log, disk, work = sys.argv[1:4]
lines = open(log, errors="replace").read().splitlines()
i = 0
while i < len(lines):
    m = re.match(r"MIGRATE-FILE (\S+) rc=(\d+)", lines[i])
    if m:
        j = i + 1
        while j < len(lines) and lines[j] != "MIGRATE-FILE-END":
            j += 1
        if m.group(2) == "0":
            open(f"{work}/profiles/{m.group(1)}.json", "w").write("\n".join(lines[i + 1:j]) + "\n")
        i = j
    m = re.match(r"MIGRATE-SAVED (\S+) slot=(\d+) bytes=(\d+)", lines[i])
    if m and int(m.group(3)) > 0:
        with open(disk, "rb") as f:
            f.seek(int(m.group(2)) * 256 << 20)
            open(f"{work}/streams/{m.group(1)}.mig", "wb").write(f.read(int(m.group(3))))
    i += 1
PY
    rm -f "$disk"
    logs+=("$out")
    i=$((i + 1))
done
cp "$WORK"/profiles/*.json "$RESULTS/" 2>/dev/null || true
ls -l "$WORK/streams" | awk 'NR > 1 {print "stream " $9 ": " $5 " bytes"}'
set +e
MODEL=$MODEL python3 "$HERE/migrate_check.py" "${ARMCACHE:-$HERE/../build/armcache}" "$WORK/profiles" "${logs[@]}"
rc=$?
printf 'run-migrate: %s, %d host boots: %.1f s\n' "$MODEL" "${#PHASES[@]}" "$(echo "$(date +%s.%N) - $t0" | bc)"
exit $rc
