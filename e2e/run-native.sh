#!/usr/bin/env bash
# The patched Linux 7.3 kernel (linux/) as a kernel of the test bed. For every
# CPU model with EL2 it boots the KVM_CAP_ARM_NATIVE_CACHE_CONFIG kernel the
# README's demo boots (the series only), runs the kselftest (errnos, guest
# reads, EBUSY on every vCPU once one ran, reset, override) and `armcache kvm
# show --native` on 2 vCPUs, and compares the native CLIDR/CCSIDR both report
# with the kernel model's prediction (armcache kernel-view --kernel native).
# Two models boot again with MTE (-M virt,mte=on): Ttype is kept in a VM with
# MTE. Then the test kernel (build-kernel.sh --test: the series plus the
# [NOT FOR UPSTREAM] hook of linux/test-patches/) drives both -ERANGE paths:
# a cache too big for the 32-bit layout, and a separate tag cache with MTE.
# Only those -ERANGE results need the hook.
# Usage: e2e/run-native.sh [MODEL[@10] ...]   Env: ARMCACHE (host armcache binary)
# Exit status: 0 when every check passed and no model disagrees.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
. "$ROOT/scripts/lib.sh"
AC=${ARMCACHE:-$ROOT/build/armcache}
models=("$@")
[[ ${#models[@]} -gt 0 ]] || models=(cortex-a35 cortex-a53 cortex-a57 cortex-a72 cortex-a76
    neoverse-n1 a64fx max cortex-a55@10 neoverse-v1@10 neoverse-n2@10 cortex-a710@10)

mapfile -t built < <("$ROOT/linux/build-kernel.sh")
IMAGE=${built[0]} SELFTEST=${built[1]}
mapfile -t built_test < <("$ROOT/linux/build-kernel.sh" --test)
TEST_IMAGE=${built_test[0]}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
aarch64-linux-gnu-g++ -std=c++20 -O2 -static -Wall -I"$ROOT/include" -o "$WORK/native-erange" "$HERE/native-erange.cpp"
AC64=$("$HERE/build-aarch64.sh" 2>/dev/null | tail -n 1)
printf '/native_cache_config\n/armcache kvm show --native --json --vcpus 2\n' >"$WORK/selftest.list"

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAILED: $*"; }
cpu_of() { [[ $1 == max ]] && echo "max,pauth-impdef=on" || echo "$1"; }
json_get() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

for m in "${models[@]}"; do
  name=${m%@10} q=
  [[ $m != *@10 ]] || q=10
  log=$WORK/$name.log
  QEMU=$q SMP=2 TIMEOUT=150 "$HERE/boot.sh" "$IMAGE" "$(cpu_of "$name")" "$HERE/init-run.cpp" \
    "$SELFTEST" "$AC64=/armcache" "$WORK/selftest.list=/run.list" >"$log" 2>&1 || true
  # 7 tests; without MTE on the host the MTE one is skipped.
  if grep -q '^# Totals: pass:6 fail:0 xfail:0 xpass:0 skip:1' "$log" && grep -q '^RUN-RC 0 /native_cache_config' "$log"; then
    pass "$name: selftest 6/6 (MTE test skipped: no MTE on this host)"
  else
    fail "$name: selftest"; grep -E '^(not ok|# |RUN-RC)' "$log" | head -20
  fi
  # The model's prediction of the same native view.
  want=$("$AC" kernel-view --kernel native --qemu-model "$name" --json)
  got_clidr=$(sed -n 's/^# native CLIDR_EL1 \(0x[0-9a-f]*\)$/\1/p' "$log")
  want_clidr=$(json_get 'd["guest"]["clidr"]' <<<"$want")
  diffs=""
  [[ "$got_clidr" == "$want_clidr" ]] || diffs+=" CLIDR real=$got_clidr model=$want_clidr"
  while read -r sel val; do
    w=$(json_get "d['guest']['ccsidr']['$sel']" <<<"$want")
    [[ "$val" == "$w" ]] || diffs+=" CCSIDR[$sel] real=$val model=$w"
  done < <(sed -n 's/^# native CCSIDR_EL1\[\([0-9]*\)\] \(0x[0-9a-f]*\)$/\1 \2/p' "$log")
  if [[ -n $got_clidr && -z $diffs ]]; then pass "$name: native view equals the model ($got_clidr)"; else fail "$name: model disagrees:$diffs"; fi
  # armcache kvm show --native: the capability through armcache's own backend, probed in the
  # guest on both vCPUs, before and after a reset (kvm show reads every vCPU it creates).
  if python3 - "$log" "$want" <<'PY'
import json, sys
log = open(sys.argv[1], errors="replace").read()
want = json.loads(sys.argv[2])["guest"]
start = log.find("{", log.find("RUN-RC 0 /native_cache_config"))
got, _ = json.JSONDecoder().raw_decode(log[start:])
views = got if isinstance(got, list) else [got]
ok = len(views) >= 1
for v in views:
    g = v["guest"]
    ok = ok and v["provenance"]["source"] == "KVM_CAP_ARM_NATIVE_CACHE_CONFIG" and g["clidr"] == want["clidr"] and \
        all(g["ccsidr"][str(i)] == want["ccsidr"][str(i)] for i in range(14))
sys.exit(0 if ok else 1)
PY
  then pass "$name: armcache kvm show --native reads the model's native view"; else fail "$name: kvm show --native"; fi
done

# MTE (-M virt,mte=on): the selftest's MTE test runs (7/7), and the native CLIDR of a VM with
# MTE keeps Ttype: a710's is the hardware's 0x1482000023 (Ttype1 = Ttype2 = 0b10, unified).
for m in max cortex-a710@10; do
  name=${m%@10} q=
  [[ $m != *@10 ]] || q=10
  [[ " ${models[*]} " == *" $m "* ]] || continue
  log=$WORK/$name-mte.log
  QEMU=$q SMP=2 TIMEOUT=150 MACHINE_OPTS=mte=on "$HERE/boot.sh" "$IMAGE" "$(cpu_of "$name")" "$HERE/init-run.cpp" \
    "$SELFTEST" "$WORK/selftest.list=/run.list" >"$log" 2>&1 || true
  want=$("$AC" kernel-view --kernel native --qemu-model "$name" --mte --json | json_get 'd["guest"]["clidr"]')
  got=$(sed -n 's/^# MTE: native CLIDR_EL1 \(0x[0-9a-f]*\)$/\1/p' "$log")
  if grep -q '^# Totals: pass:7 fail:0' "$log" && [[ -n $got && $got == "$want" ]]; then
    pass "$name with MTE: selftest 7/7, CLIDR $got (Ttype kept) equals the model"
  else
    fail "$name with MTE: CLIDR real=${got:-none} model=$want"; grep -E '^(not ok|# |RUN-RC)' "$log" | head -20
  fi
done

# The -ERANGE paths, through the test hook (test kernel only).
erange() { # MODEL QEMU-MACHINE-OPTS APPEND ARGS...
  local model=$1 mopts=$2 append=$3; shift 3
  printf '/native-erange %s\n' "$*" >"$WORK/erange.list"
  MACHINE_OPTS=$mopts APPEND=$append "$HERE/boot.sh" "$TEST_IMAGE" "$model" "$HERE/init-run.cpp" \
    "$WORK/native-erange" "$WORK/erange.list=/run.list" >"$WORK/erange.log" 2>&1 || true
  grep '^NATIVE-ERANGE' "$WORK/erange.log" | sed 's/^NATIVE-ERANGE //' || echo '{}'
}
check() { # WHAT JSON PYTHON-CONDITION
  if python3 -c "import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if ($3) else 1)" "$2" 2>/dev/null; then
    pass "$1"
  else
    fail "$1: $2"
  fi
}
common='d["check_extension"] == 1 and d["before_init"] == "ENOEXEC" and d["bad_flags"] == "EINVAL" and d["bad_args"] == "EINVAL"'
# An L2 of 65536 sets (FEAT_CCIDX layout) does not fit the 32-bit layout; 32768 does (0xffe03a... as 32 bits).
j=$(erange neoverse-n1 "" "kvm.native_cache_test_ccsidr=0,0,0xffff0000003a")
check "ERANGE for an L2 of 65536 sets, vCPU unchanged; ENOEXEC/EINVAL answers" "$j" "$common and d['enable'] == 'ERANGE' and d['unchanged']"
j=$(erange neoverse-n1 "" "kvm.native_cache_test_ccsidr=0,0,0x7fff0000003a")
check "an L2 of 32768 sets is accepted and converted" "$j" "d['enable'] == '0' and d['ccsidr2'] == '0xfffe03a'"
# A separate tag cache (Ttype1 = 0b01) on max's CLIDR 0x02000023: ERANGE with MTE, Ttype cleared without.
j=$(erange "max,pauth-impdef=on" mte=on "kvm.native_cache_test_clidr=0x202000023" --mte)
check "ERANGE for a separate tag cache in a VM with MTE, vCPU unchanged" "$j" "$common and d['mte'] == '0' and d['enable'] == 'ERANGE' and d['unchanged']"
j=$(erange "max,pauth-impdef=on" mte=on "kvm.native_cache_test_clidr=0x202000023")
check "the same CLIDR in a VM without MTE: accepted, Ttype cleared (0x2000023)" "$j" "d['enable'] == '0' and d['clidr'] == '0x2000023'"
echo "native: ${passed} passed, ${failed} failed"
[[ $failed -eq 0 ]]
