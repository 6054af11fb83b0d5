#!/usr/bin/env bash
# The patched kernel (linux/) as a third kernel of the test bed. For every
# CPU model with EL2 it boots the KVM_CAP_ARM_NATIVE_CACHE_CONFIG kernel,
# runs the kselftest (errnos, guest reads, reset, override) and compares
# the native CLIDR/CCSIDR it reports with the kernel model's "native"
# prediction (armcache kernel-view --kernel native). On one model it also
# drives the -ERANGE path with the test hook of linux/test-patches/.
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
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
aarch64-linux-gnu-g++ -std=c++20 -O2 -static -Wall -I"$ROOT/include" -o "$WORK/native-erange" "$HERE/native-erange.cpp"
AC64=$("$HERE/build-aarch64.sh" 2>/dev/null | tail -n 1)
printf '/native_cache_config\n/armcache kvm show --native --json --vcpus 2\n' >"$WORK/selftest.list"
printf '/native-erange\n' >"$WORK/erange.list"

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAILED: $*"; }
cpu_of() { [[ $1 == max ]] && echo "max,pauth-impdef=on" || echo "$1"; }

for m in "${models[@]}"; do
  name=${m%@10} q=
  [[ $m != *@10 ]] || q=10
  log=$WORK/$name.log
  QEMU=$q SMP=2 TIMEOUT=120 "$HERE/boot.sh" "$IMAGE" "$(cpu_of "$name")" "$HERE/init-run.cpp" \
    "$SELFTEST" "$AC64=/armcache" "$WORK/selftest.list=/run.list" >"$log" 2>&1 || true
  if grep -q '^# Totals: pass:6 fail:0' "$log" && grep -q '^RUN-RC 0 /native_cache_config' "$log"; then
    pass "$name: selftest 6/6"
  else
    fail "$name: selftest"; grep -E '^(not ok|# |RUN-RC)' "$log" | head -20
  fi
  # The model's prediction of the same native view.
  want=$("$AC" kernel-view --kernel native --qemu-model "$name" --json)
  got_clidr=$(sed -n 's/^# native CLIDR_EL1 \(0x[0-9a-f]*\)$/\1/p' "$log")
  want_clidr=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["guest"]["clidr"])' <<<"$want")
  diffs=""
  [[ "$got_clidr" == "$want_clidr" ]] || diffs+=" CLIDR real=$got_clidr model=$want_clidr"
  while read -r sel val; do
    w=$(python3 -c "import json,sys; print(json.load(sys.stdin)['guest']['ccsidr']['$sel'])" <<<"$want")
    [[ "$val" == "$w" ]] || diffs+=" CCSIDR[$sel] real=$val model=$w"
  done < <(sed -n 's/^# native CCSIDR_EL1\[\([0-9]*\)\] \(0x[0-9a-f]*\)$/\1 \2/p' "$log")
  if [[ -n $got_clidr && -z $diffs ]]; then pass "$name: native view equals the model ($got_clidr)"; else fail "$name: model disagrees:$diffs"; fi
  # armcache kvm show --native: the capability through armcache's own backend, probed in the guest.
  if python3 - "$log" "$want" <<'PY'
import json, sys
log = open(sys.argv[1], errors="replace").read()
want = json.loads(sys.argv[2])["guest"]
start = log.find("{", log.find("/native_cache_config"))
got, _ = json.JSONDecoder().raw_decode(log[start:])
got = got[0] if isinstance(got, list) else got
g = got["guest"]
ok = got["provenance"]["source"] == "KVM_CAP_ARM_NATIVE_CACHE_CONFIG" and g["clidr"] == want["clidr"] and \
    all(g["ccsidr"][str(i)] == want["ccsidr"][str(i)] for i in range(14))
sys.exit(0 if ok else 1)
PY
  then pass "$name: armcache kvm show --native reads the model's native view"; else fail "$name: kvm show --native"; fi
done

# -ERANGE: an L2 of 65536 sets (FEAT_CCIDX format) does not fit the 32-bit format; 32768 does.
for case in "0xffff0000003a ERANGE" "0x7fff0000003a 0"; do
  set -- $case
  APPEND="kvm.native_cache_test_ccsidr=0,0,$1" "$HERE/boot.sh" "$IMAGE" neoverse-n1 "$HERE/init-run.cpp" \
    "$WORK/native-erange" "$WORK/erange.list=/run.list" >"$WORK/erange.log" 2>&1 || true
  line=$(grep '^NATIVE-ERANGE' "$WORK/erange.log" || true)
  if grep -q "\"oversized\":\"$2\"" <<<"$line" && grep -q '"unchanged":true' <<<"$line" && [[ $2 == ERANGE ]] \
     && grep -q '"before_init":"ENOEXEC","bad_flags":"EINVAL","bad_args":"EINVAL"' <<<"$line"; then
    pass "ERANGE for L2 $1, vCPU unchanged; ENOEXEC/EINVAL answers"
  elif [[ $2 == 0 ]] && grep -q '"oversized":"0"' <<<"$line"; then
    pass "L2 $1 (32768 sets) accepted"
  else
    fail "native-erange with $1: $line"
  fi
done
echo "native: ${passed} passed, ${failed} failed"
[[ $failed -eq 0 ]]
