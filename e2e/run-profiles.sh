#!/usr/bin/env bash
# Profiles against real kernels: on the emulated Neoverse-N1,
# the guest view a real 6.1 kernel gives is saved as a profile; armcache
# diff of it and the real 6.12 view must name every changed register;
# armcache plan must call it restorable on 6.12; and kvm verify on a real
# 6.12 must then read it on every vCPU, also after reset. The other way, the
# plan says impossible and a real 6.1 refuses the view where the plan says.
# Usage: e2e/run-profiles.sh [MODEL]   Env: ARMCACHE (host binary)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
. "$ROOT/scripts/lib.sh"
AC=${ARMCACHE:-$ROOT/build/armcache}
MODEL=${1:-neoverse-n1}
AC64=$("$HERE/build-aarch64.sh" 2>/dev/null | tail -n 1)
"$HERE/fetch-kernels.sh" >/dev/null
INIT=$("$HERE/build-init.sh" "$HERE/init-armcache.cpp")
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
passed=0 failed=0
check() { if eval "$2"; then passed=$((passed + 1)); echo "ok: $1"; else failed=$((failed + 1)); echo "FAILED: $1"; fi; }
# run_checks KERNEL NAME "ARMCACHE ARGS" [FILE=/dest ...]: boots KERNEL on MODEL (2 CPUs) with one
# check, `armcache ARGS`, and the extra files; the console goes to $W/NAME.log.
run_checks() {
  local kernel=$1 name=$2 args=$3
  shift 3
  echo "$name $args" >"$W/$name.checks"
  SMP=2 "$HERE/boot.sh" "$kernel" "$MODEL" "$INIT" "$AC64=/armcache" "$W/$name.checks=/checks" "$@" \
    >"$W/$name.log" 2>/dev/null || true
}

for k in 6.1 6.12; do
  run_checks "$k" "show-$k" "kvm show --json --vcpus 2"
  python3 "$ROOT/scripts/demo_table.py" extract "$W/show-$k.log" "show-$k" >"$W/$k.json"
done

set +e
"$AC" diff "$W/6.1.json" "$W/6.12.json" >"$W/diff.txt"
rc=$?
set -e
sed 's/^/    /' "$W/diff.txt"
check "diff of the real 6.1 and 6.12 views exits 1" '[[ $rc -eq 1 ]]'
for reg in "  CLIDR_EL1: 0x82000023 -> 0x2000021" "  CTR_EL0: 0x8444c004 -> 0x9444c004" "  L1I: " "  L2: " \
           "DEMUX CCSIDR ids KVM lists: 0,1,2 -> 0,1,2,3,4,5,6,7,8,9,10,11,12,13"; do
  check "diff names '$reg'" 'grep -qF -- "$reg" "$W/diff.txt"'
done

"$AC" plan --from "$W/6.1.json" --to-qemu-model "$MODEL" --kernel 6.12.117 --json >"$W/plan.json" || true
check "plan: the 6.1 view is restorable on 6.12" 'grep -q "\"verdict\": \"restorable\"" "$W/plan.json"'

run_checks 6.12 verify "kvm verify --view /view.json --vcpus 2 --json" "$W/6.1.json=/view.json"
check "kvm verify of the 6.1 profile on a real 6.12: every vCPU, also after reset" \
  'grep -q "^ARMCACHE-RESULT {\"check\":\"verify\",\"rc\":0," "$W/verify.log"'
# The other way round the planner says impossible; a real 6.1 must then refuse the view at a
# write the plan names (same register, same errno), and put back what it had written.
"$AC" plan --from "$W/6.12.json" --to-qemu-model "$MODEL" --kernel 6.1.0 --json >"$W/plan-back.json" || true
check "plan: the 6.12 view is impossible on 6.1" 'grep -q "\"verdict\": \"impossible\"" "$W/plan-back.json"'
run_checks 6.1 apply "kvm apply --view /view.json --json" "$W/6.12.json=/view.json"
check "kvm apply of the 6.12 view on a real 6.1 is refused at a write the plan names, and rolled back" \
  'python3 "$HERE/check_refusal.py" "$W/apply.log" "$W/plan-back.json"'
echo "profiles: ${passed} passed, ${failed} failed"
[[ $failed -eq 0 ]]
