#!/bin/bash
# The nested test bed: an unmodified VMM and a real Linux guest. In the emulated host (QEMU TCG
# with EL2, Debian's kernel or the patched one, real KVM), Debian 12's arm64 qemu-system-aarch64
# runs `-accel kvm -cpu host -M virt,gic-version=3 -smp 2` booting Debian's 6.1 or 7.3 arm64
# kernel with an initramfs that prints the guest's cache sysfs and `lscpu -C`
# (nested-guest-init.sh). Per host the cases of cases_for run (nested-host.sh);
# nested_check.py compares every guest dump with the model's ground truth.
# Usage: run-nested.sh
# Env: HOSTS (MODEL:KERNEL ..., KERNEL a Debian line or "native", the patched 7.3 kernel;
#      default below), RESULTS (consoles, default ~/.cache/armcache/results/nested).
# Prints "N passed, N failed"; exits 1 on any failure.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
CACHE=${ARMCACHE_CACHE:-$HOME/.cache/armcache}
# Neoverse-N1 on every generation and the patched kernel; Neoverse-V1 (FEAT_CCIDX) on the three
# Debian lines.
HOSTS=${HOSTS:-neoverse-n1:6.1 neoverse-n1:6.12 neoverse-n1:7.3 neoverse-n1:native neoverse-v1:6.1 neoverse-v1:6.12 neoverse-v1:7.3}
RESULTS=${RESULTS:-$CACHE/results/nested}
mkdir -p "$RESULTS"
t0=$(date +%s.%N)

ARMCACHE_A64=$("$HERE/build-aarch64.sh")
VMM_LIB=$(dirname "$ARMCACHE_A64")/libarmcache-vmm.so
[[ -s $VMM_LIB ]] || { echo "run-nested: no $VMM_LIB" >&2; exit 1; }
mapfile -t trees < <("$HERE/fetch-nested.sh")
QROOT=${trees[0]} GROOT=${trees[1]} GUEST_CPIO=${trees[2]}
"$HERE/fetch-kernels.sh" 6.1 6.12 7.3 >/dev/null
NATIVE_IMAGE=
if [[ " $HOSTS " == *:native* ]]; then
    mapfile -t built < <("$ROOT/linux/build-kernel.sh")
    NATIVE_IMAGE=${built[0]}
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
qemu_env_of() { case $1 in neoverse-v1|neoverse-n2|cortex-a55|cortex-a710) echo QEMU=10 ;; *) echo QEMU= ;; esac; }

# Per model: the ground truth, the view a 6.1 host gives its guests, and a view 6.3+ kernels
# refuse (the L1 data cache's line size below the host's minimum, 16 bytes).
views_of() { # model -> $WORK/MODEL/{gt,view61,refused}.json
    local m=$1 d=$WORK/$1
    [[ -d $d ]] && return 0
    mkdir -p "$d"
    env "$(qemu_env_of "$m")" "$HERE/groundtruth.sh" "$m" >"$d/gt.json"
    python3 "$HERE/gt2view.py" "$d/gt.json" "$d/view61.json"
    python3 - "$d/view61.json" "$d/refused.json" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
p["guest"]["demux"]["0"] = hex((int(p["guest"]["demux"]["0"], 16) & ~7))
p["guest"]["ccsidr"]["0"] = p["guest"]["ccsidr_tnd"]["0"] = p["guest"]["demux"]["0"]
p["provenance"]["edited"] = "CCSIDR 0 LineSize 0 (16-byte lines), for the refused-view case"
json.dump(p, open(sys.argv[2], "w"), indent=1)
EOF
}

echo "/bin/busybox sh /nested-host.sh" >"$WORK/run.list"

# cases_for MODEL KERNEL: "NAME MODE DT [EXTRAS] EXPECT" lines (EXPECT: a kind of nested_check.py).
# The view of a CCIDX model's 6.1 host cannot be held exactly by a 6.3+ kernel (it shows its
# guests no FEAT_CCIDX): those hosts take the nearest view (--closest).
cases_for() {
    local m=$1 k=$2 v=view
    [[ $m == neoverse-n1 ]] || v=closest
    case $m:$k in
        neoverse-n1:6.1)
            echo "own-dt stock own - l1"
            echo "merged-dt stock merged:/view61.json - full"
            echo "g73-merged-dt stock merged:/view61.json guest=7.3 full" ;;
        neoverse-n1:6.12)
            echo "own-dt stock own - none"
            echo "merged-dt stock merged:/view61.json - none"
            echo "view-own-dt view:/view61.json own - l1"
            echo "view-merged-reboot view:/view61.json merged:/view61.json reboot full"
            echo "refused view:/refused.json own loud refused"
            echo "g73-merged-dt stock merged:/view61.json guest=7.3 fabricated"
            echo "g73-view-merged view:/view61.json merged:/view61.json guest=7.3 full" ;;
        neoverse-n1:native)
            echo "own-dt stock own - none"
            echo "native-own-dt native own - l1"
            echo "native-merged-reboot native merged:native reboot full" ;;
        *:6.1)
            echo "merged-dt stock merged:/view61.json - full" ;;
        *)
            echo "merged-dt stock merged:/view61.json - none"
            echo "$v-merged $v:/view61.json merged:/view61.json - full"
            if [[ $m == neoverse-n1 ]]; then
                echo "view-own-dt view:/view61.json own - l1"
                echo "refused view:/refused.json own loud refused"
            fi ;;
    esac
}

check_args=()
for hk in $HOSTS; do
    m=${hk%%:*} k=${hk#*:}
    views_of "$m"
    cases_for "$m" "$k" | awk '{ x = ($4 == "-") ? "" : $4; print $1, $2, $3, x }' >"$WORK/cases"
    expect=$(cases_for "$m" "$k" | awk '{ printf "%s%s=%s", (NR > 1) ? "," : "", $1, $5 }')
    kernel=$k
    [[ $k != native ]] || kernel=$NATIVE_IMAGE
    extra_files=()
    if grep -q 'guest=7.3' "$WORK/cases"; then extra_files+=("$CACHE/kernels/7.3/Image=/guest/Image-7.3"); fi
    out=$RESULTS/$m-$k.log
    env "$(qemu_env_of "$m")" SMP=2 MEM=1536 TIMEOUT=${TIMEOUT:-600} "$HERE/boot.sh" "$kernel" "$m" "$HERE/init-run.cpp" \
        "$QROOT/.=/" "$GROOT/bin/busybox=/bin/busybox" "$HERE/nested-host.sh=/nested-host.sh" \
        "$WORK/run.list=/run.list" "$WORK/cases=/cases" "$CACHE/kernels/6.1/Image=/guest/Image" \
        "${extra_files[@]}" "$GUEST_CPIO=/guest/initrd.cpio" \
        "$ARMCACHE_A64=/armcache" "$VMM_LIB=/libarmcache-vmm.so" "$WORK/$m/view61.json=/view61.json" \
        "$WORK/$m/refused.json=/refused.json" >"$out" 2>"$out.err" || true
    grep -h '^boot.sh:' "$out.err" | sed "s|kernel=$NATIVE_IMAGE|kernel=native|" || cat "$out.err"
    check_args+=("$out" "$WORK/$m/gt.json" "$WORK/$m/refused.json" "$expect")
done
set +e
python3 "$HERE/nested_check.py" "${check_args[@]}"
rc=$?
printf 'run-nested: %s: %.1f s\n' "$HOSTS" "$(echo "$(date +%s.%N) - $t0" | bc)"
exit $rc
