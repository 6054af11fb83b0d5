#!/bin/bash
# The nested test bed: an unmodified VMM and a real Linux guest. In the emulated host (QEMU TCG
# with EL2, Debian's kernel, real KVM), Debian 12's arm64 qemu-system-aarch64 runs
# `-accel kvm -cpu host -M virt,gic-version=3 -smp 2` booting Debian's 6.1 arm64 kernel with an
# initramfs that prints the guest's cache sysfs and `lscpu -C` (nested-guest-init.sh). Per host
# kernel the cases of nested-host.sh run; nested_check.py compares every guest dump with the
# model's ground truth. Usage: run-nested.sh   Env: MODEL=neoverse-n1 KERNELS="6.1 6.12"
# RESULTS (consoles, default ~/.cache/armcache/results/nested). Prints "N passed, N failed".
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${ARMCACHE_CACHE:-$HOME/.cache/armcache}
MODEL=${MODEL:-neoverse-n1}
KERNELS=${KERNELS:-6.1 6.12}
RESULTS=${RESULTS:-$CACHE/results/nested}
mkdir -p "$RESULTS"
t0=$(date +%s.%N)

ARMCACHE_A64=$("$HERE/build-aarch64.sh")
VMM_LIB=$(dirname "$ARMCACHE_A64")/libarmcache-vmm.so
[[ -s $VMM_LIB ]] || { echo "run-nested: no $VMM_LIB" >&2; exit 1; }
mapfile -t trees < <("$HERE/fetch-nested.sh")
QROOT=${trees[0]} GROOT=${trees[1]}
"$HERE/fetch-kernels.sh" >/dev/null
GUEST_KERNEL=$CACHE/kernels/6.1/Image

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
qemu_env=()
case $MODEL in neoverse-v1|neoverse-n2|cortex-a55|cortex-a710) qemu_env=(QEMU=10) ;; esac
env "${qemu_env[@]}" "$HERE/groundtruth.sh" "$MODEL" >"$WORK/gt.json"
python3 "$HERE/gt2view.py" "$WORK/gt.json" "$WORK/view61.json"
# A view 6.3+ kernels refuse: the L1 data cache's line size below the host's minimum (16 bytes).
python3 - "$WORK/view61.json" "$WORK/refused.json" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
p["guest"]["demux"]["0"] = hex((int(p["guest"]["demux"]["0"], 16) & ~7))
p["guest"]["ccsidr"]["0"] = p["guest"]["ccsidr_tnd"]["0"] = p["guest"]["demux"]["0"]
p["provenance"]["edited"] = "CCSIDR 0 LineSize 0 (16-byte lines), for the refused-view case"
json.dump(p, open(sys.argv[2], "w"), indent=1)
EOF

# The nested guest's initramfs: busybox, lscpu with its libraries, the dump script as /init.
G=$WORK/guest
mkdir -p "$G/dev"
cp -a "$GROOT/." "$G/"
install -m 0755 "$HERE/nested-guest-init.sh" "$G/init"
mknod "$G/dev/console" c 5 1 2>/dev/null || true
(cd "$G" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$WORK/guest.cpio"
echo "/bin/busybox sh /nested-host.sh" >"$WORK/run.list"

expect_for() { # kernel -> case=kind list for nested_check.py
    case $1 in
        6.1) echo "own-dt=l1,merged-dt=full" ;;
        *) echo "own-dt=none,merged-dt=none,view-own-dt=l1,view-merged-reboot=full,refused=refused" ;;
    esac
}
check_args=()
for K in $KERNELS; do
    {
        echo "own-dt stock own"
        echo "merged-dt stock merged:/view61.json"
        if [[ $K != 6.1 ]]; then
            echo "view-own-dt view:/view61.json own"
            echo "view-merged-reboot view:/view61.json merged:/view61.json reboot"
            echo "refused view:/refused.json own loud"
        fi
    } >"$WORK/cases"
    out=$RESULTS/$MODEL-$K.log
    env "${qemu_env[@]}" SMP=2 MEM=1536 TIMEOUT=${TIMEOUT:-600} "$HERE/boot.sh" "$K" "$MODEL" "$HERE/init-run.cpp" \
        "$QROOT/.=/" "$GROOT/bin/busybox=/bin/busybox" "$HERE/nested-host.sh=/nested-host.sh" \
        "$WORK/run.list=/run.list" "$WORK/cases=/cases" "$GUEST_KERNEL=/guest/Image" "$WORK/guest.cpio=/guest/initrd.cpio" \
        "$ARMCACHE_A64=/armcache" "$VMM_LIB=/libarmcache-vmm.so" "$WORK/view61.json=/view61.json" \
        "$WORK/refused.json=/refused.json" >"$out" 2>"$out.err" || true
    grep -h '^boot.sh:' "$out.err" || cat "$out.err"
    check_args+=("$out" "$(expect_for "$K")")
done
set +e
python3 "$HERE/nested_check.py" "$WORK/gt.json" "${check_args[@]}"
rc=$?
printf 'run-nested: %s, kernels %s: %.1f s\n' "$MODEL" "$KERNELS" "$(echo "$(date +%s.%N) - $t0" | bc)"
exit $rc
