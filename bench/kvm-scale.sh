#!/usr/bin/env bash
# Scale on real KVM: one VM with VCPUS vCPUs (default 64) in the emulated host (QEMU TCG, 2 host
# CPUs, Debian's KERNEL, default 7.3, on MODEL, default neoverse-n1). Runs `kvm verify --vcpus N`
# (every vCPU probed at boot and after reset) and `kvm apply --vcpus N --json` with the view a
# pre-6.3 kernel gives there (e2e/gt2view.py), and prints per vCPU the ONE_REG ioctls the apply
# made, the minimum it could make (one KVM_GET_ONE_REG per register of the view to learn what
# differs, one KVM_SET_ONE_REG per register that differs and one read-back each), and the wall
# time. A benchmark (figures on stdout), not a test; exit 1 only when verify fails or the
# counts exceed the minimum.
# Usage: bench/kvm-scale.sh [KERNEL] [MODEL] [VCPUS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
E2E=$ROOT/e2e
KERNEL=${1:-7.3}
MODEL=${2:-neoverse-n1}
N=${3:-64}
ARMCACHE=$("$E2E/build-aarch64.sh")
INIT=$("$E2E/build-init.sh" "$E2E/init-armcache.cpp")
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
"$E2E/groundtruth.sh" "$MODEL" >"$W/gt.json"
python3 "$E2E/gt2view.py" "$W/gt.json" "$W/view.json"
cat >"$W/checks" <<CHECKS
verify kvm verify --view /views/gt.json --vcpus $N --json
apply kvm apply --view /views/gt.json --vcpus $N --json
CHECKS
start=$(date +%s.%N)
SMP=2 MEM=2048 TIMEOUT=900 "$E2E/boot.sh" "$KERNEL" "$MODEL" "$INIT" "$ARMCACHE=/armcache" "$W/checks=/checks" \
  "$W/view.json=/views/gt.json" >"$W/console.log" 2>&1 || true
wall=$(echo "$(date +%s.%N) - $start" | bc)
python3 - "$W/console.log" "$N" "$KERNEL" "$MODEL" "$wall" <<'PY'
import json, statistics, sys
log, n, kernel, model, wall = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5])
res = {}
for line in open(log, errors="replace"):
    if line.startswith("ARMCACHE-RESULT "):
        r = json.loads(line[len("ARMCACHE-RESULT "):])
        res[r["check"]] = r
v, a = res.get("verify"), res.get("apply")
if not v or not a or not isinstance(a.get("stdout"), dict):
    sys.exit(f"kvm-scale: no results in the console log (boot failed?); tail:\n" + "".join(open(log).readlines()[-20:]))
print(f"kvm-scale: {n} vCPUs, kernel {kernel}, model {model}; whole boot {wall:.1f} s")
ok = v["rc"] == 0 and v["stdout"].get("ok") is True
print(f"kvm verify --vcpus {n}: rc {v['rc']}, {'ok' if ok else 'FAILED'}, {v['wall_s']:.2f} s "
      f"({1000 * v['wall_s'] / n:.1f} ms per vCPU: apply, probe, reset, probe)")
rows = a["stdout"]["apply"]
over = 0
us = [r["apply_us"] for r in rows]
for r in rows:
    io = r["ioctls"]
    regs = len(r["written"]) + len(r["unchanged"])
    minimum = {"KVM_GET_ONE_REG": regs + len(r["written"]), "KVM_SET_ONE_REG": len(r["written"])}
    if io["KVM_GET_ONE_REG"] > minimum["KVM_GET_ONE_REG"] or io["KVM_SET_ONE_REG"] > minimum["KVM_SET_ONE_REG"] \
            or io["KVM_GET_REG_LIST"] > 0:
        over += 1
        print(f"  vCPU {r['vcpu']}: {io} exceeds the minimum {minimum}")
r0 = rows[0]
print(f"kvm apply --vcpus {n}: rc {a['rc']}, {a['wall_s']:.2f} s in all; per vCPU: "
      f"{r0['ioctls']['KVM_GET_ONE_REG']} KVM_GET_ONE_REG + {r0['ioctls']['KVM_SET_ONE_REG']} KVM_SET_ONE_REG "
      f"({len(r0['written'])} registers differ, {len(r0['unchanged'])} already equal), "
      f"{'the minimum on every vCPU' if not over else f'{over} vCPUs above the minimum'}")
print(f"apply wall time per vCPU: median {statistics.median(us)} us, min {min(us)} us, max {max(us)} us "
      f"(inside the emulated host: TCG, so compare ratios, not absolute times)")
sys.exit(0 if ok and a["rc"] == 0 and not over and len(rows) == n else 1)
PY
