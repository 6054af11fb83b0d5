#!/bin/bash
# The test bed: for every EL2 model of docs/kvm-testbed.md x KERNELS (Debian lines, native), boot the emulated
# host (SMP=2) with a static aarch64 armcache as the initramfs' tool and e2e/init-armcache.cpp as
# /init, run the armcache KVM checks (2 vCPUs per VM), collect one JSON per (model, kernel) and
# print a summary table. Checks, per boot:
#   show           kvm show --json --vcpus 2                  default guest view of this kernel
#   restore        kvm verify --view GT                       apply the 6.1 ground-truth view, probe
#                                                             every vCPU, reset, probe again
#   restore-rawctr kvm verify --view GT-with-raw-CTR_EL0      same, asking KVM for the raw CTR_EL0
#   only-vcpu0     kvm verify --view GT --only-vcpu0          must fail on 6.12, naming vCPU 1
#   lose-on-reset  kvm verify --view GT --lose-on-reset       must fail on 6.12, naming after-reset
#   apply          kvm apply --view GT --vcpus 2 --json
#   reset-no-complete  kvm verify --view GT --reset-without-completing: reset while the probe's last
#                  MMIO store is pending (measures docs/kvm-testbed.md: starts one instruction late?)
#   closest        kvm verify --view GT --closest: the nearest view this kernel can present (the
#                  GT's CLIDR, its geometry in 32-bit CCSIDRs on CCIDX hosts), read on every vCPU and
#                  after reset; compared with the GT converted by matrix.py
#   replay         kvm replay --corpus C: the SET_ONE_REG corpus of e2e/differential.py for this model
#   replay-mte     (max only, booted with -M virt,mte=on) the same corpus in VMs with KVM_CAP_ARM_MTE
#   native         kvm show --native: the capability on the patched kernel; every stock kernel must fall
#                  back to host discovery and say why on stderr (never exit 3)
# Then e2e/differential.py check compares `show` with `kernel-view` and `replay` with `model-replay`
# (the kernel models, run by a host armcache) and lists every disagreement.
# GT is e2e/gt2view.py applied to e2e/groundtruth.sh MODEL (bare EL1 reads, no kernel).
# Usage: run-matrix.sh [MODEL[@10] ...]      models ending in @10 run on QEMU 10 (qemu10.sh)
# Env: KERNELS="6.1 6.12" (Debian lines of fetch-kernels.sh: 6.1 6.12 6.16 6.18 7.0 7.3; native)  RESULTS=dir (default ~/.cache/armcache/results/matrix-TIMESTAMP)
#      PARALLEL=2 (boots at a time)  ARMCACHE_CACHE
#      ARMCACHE_HOST=host armcache for the model predictions (default: build/armcache, built here)
# Exit status: 0 if every verdict is as expected and the models agree with the kernels, 1 otherwise.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
CACHE=${ARMCACHE_CACHE:-$HOME/.cache/armcache}
export ARMCACHE_CACHE=$CACHE
RES=${RESULTS:-$CACHE/results/matrix-$(date -u +%Y%m%dT%H%M%SZ)}
KERNELS=${KERNELS:-6.1 6.12}
PARALLEL=${PARALLEL:-2}
models=("$@")
[[ ${#models[@]} -gt 0 ]] || models=(cortex-a35 cortex-a53 cortex-a57 cortex-a72 cortex-a76
    neoverse-n1 a64fx max cortex-a55@10 neoverse-v1@10 neoverse-n2@10 cortex-a710@10)

t_start=$(date +%s.%N)
need=()
for p in python3 cpio qemu-system-arm g++-aarch64-linux-gnu bc; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
[[ ${#need[@]} -eq 0 ]] || apt-get install -y -qq "${need[@]}" >&2

mkdir -p "$RES"/{gt,views,console,results,corpus}
echo "run-matrix: results in $RES" >&2

# Build everything before booting in parallel (no two jobs build the same thing).
ARMCACHE=$("$HERE/build-aarch64.sh")
if [[ -z ${ARMCACHE_HOST:-} ]]; then
    # The kernel models run on the host; building is a no-op when build/ is up to date.
    [[ -f $ROOT/build/build.ninja ]] || cmake -S "$ROOT" -B "$ROOT/build" -G Ninja >&2
    cmake --build "$ROOT/build" --target armcache-cli >&2
    ARMCACHE_HOST=$ROOT/build/armcache
fi
INIT=$("$HERE/build-init.sh" "$HERE/init-armcache.cpp")
for k in $KERNELS; do
    [[ $k != native ]] || { "$ROOT/linux/build-kernel.sh" >/dev/null; continue; }
    [[ -s $CACHE/kernels/$k/Image ]] || "$HERE/fetch-kernels.sh" "$k" >&2
done
[[ -z $(printf '%s\n' "${models[@]}" | grep '@10$') ]] || "$HERE/qemu10.sh" >/dev/null
t_built=$(date +%s.%N)

# QEMU's -cpu string: architected pointer auth makes "max" 3.5x slower to boot, and does not
# touch the cache registers.
cpu_of() { [[ $1 == max ]] && echo "max,pauth-impdef=on" || echo "$1"; }

for m in "${models[@]}"; do
    name=${m%@10} q=; [[ $m != *@10 ]] || q=10
    QEMU=$q "$HERE/groundtruth.sh" "$(cpu_of "$name")" >"$RES/gt/$name.json"
    python3 "$HERE/gt2view.py" "$RES/gt/$name.json" "$RES/views/$name.json"
    python3 "$HERE/gt2view.py" "$RES/gt/$name.json" "$RES/views/$name-rawctr.json" --raw-ctr
    python3 "$HERE/differential.py" corpus "$RES/gt/$name.json" "$RES/corpus/$name.json"
done

cat >"$RES/checks" <<'EOF'
show kvm show --json --vcpus 2
restore kvm verify --view /views/gt.json --vcpus 2 --json
restore-rawctr kvm verify --view /views/gt-rawctr.json --vcpus 2 --json
only-vcpu0 kvm verify --view /views/gt.json --vcpus 2 --json --only-vcpu0
lose-on-reset kvm verify --view /views/gt.json --vcpus 2 --json --lose-on-reset
apply kvm apply --view /views/gt.json --vcpus 2 --json
reset-no-complete kvm verify --view /views/gt.json --vcpus 2 --json --reset-without-completing
closest kvm verify --view /views/gt.json --vcpus 2 --json --closest
replay kvm replay --corpus /corpus.json --json
native kvm show --native --json --vcpus 2
EOF
# max boots with -M virt,mte=on and also replays the corpus in VMs with KVM_CAP_ARM_MTE.
{ cat "$RES/checks"; echo "replay-mte kvm replay --corpus /corpus.json --json --mte"; } >"$RES/checks-mte"

boot_one() { # model@q kernel
    local m=$1 k=$2 name=${1%@10} q=
    [[ $m != *@10 ]] || q=10
    local log=$RES/console/$name-$k.log checks=$RES/checks opts=
    [[ $name != max ]] || { checks=$RES/checks-mte opts=mte=on; }
    set +e
    QEMU=$q SMP=2 TIMEOUT=150 MACHINE_OPTS=$opts "$HERE/boot.sh" "$k" "$(cpu_of "$name")" "$INIT" \
        "$ARMCACHE=/armcache" "$checks=/checks" \
        "$RES/views/$name.json=/views/gt.json" "$RES/views/$name-rawctr.json=/views/gt-rawctr.json" \
        "$RES/corpus/$name.json=/corpus.json" >"$log" 2>&1
    set -e
    python3 "$HERE/matrix.py" collect "$log" "$RES/gt/$name.json" "$m" "$k" >"$RES/results/$name-$k.json"
    echo "run-matrix: $(tail -n 1 "$log")" >&2
}
export -f boot_one cpu_of
export HERE RES INIT ARMCACHE

for k in $KERNELS; do for m in "${models[@]}"; do echo "$m $k"; done; done |
    xargs -P "$PARALLEL" -L 1 bash -c 'boot_one "$0" "$1"'
t_end=$(date +%s.%N)

set +e
python3 "$HERE/matrix.py" summary "$RES/results" | tee "$RES/summary.md"
rc=${PIPESTATUS[0]}
python3 "$HERE/differential.py" check "$RES/results" "$RES/corpus" "$ARMCACHE_HOST" | tee "$RES/differential.md"
[[ ${PIPESTATUS[0]} -eq 0 ]] || rc=1
printf 'run-matrix: %d boots; build/prepare %.1fs, boots %.1fs, total %.1fs; results in %s\n' \
    "$(ls "$RES/results" | wc -l)" "$(echo "$t_built - $t_start" | bc)" "$(echo "$t_end - $t_built" | bc)" \
    "$(echo "$(date +%s.%N) - $t_start" | bc)" "$RES"
exit "$rc"
