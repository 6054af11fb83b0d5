#!/usr/bin/env bash
# examples/vmm-apply.c on a real kernel: the static aarch64 build of
# the C API example, linked with the cross-built libarmcache.a, runs as a
# command of init-run's /run.list in the emulated host (Debian's 6.12 on
# MODEL, default neoverse-n1). It applies the view a pre-6.3 kernel gives on
# that model (gt2view.py of groundtruth.sh), reads it back and verifies it;
# what it prints must be the ground truth: CLIDR_EL1, CTR_EL0 and the DEMUX
# CCSIDR of every selector the ground-truth CLIDR describes.
# Usage: e2e/run-vmm-apply.sh [MODEL]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
. "$ROOT/scripts/lib.sh"
MODEL=${1:-neoverse-n1}
CACHE=${ARMCACHE_CACHE:-$HOME/.cache/armcache}
BUILD=$ROOT/build-aarch64
"$HERE/build-aarch64.sh" "$BUILD" >/dev/null
ninja -C "$BUILD" armcache >/dev/null
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
# The example as a VMM would build it: C99, warnings as errors, the archive and libfdt, static.
aarch64-linux-gnu-gcc -std=c99 -O2 -Wall -Wextra -pedantic -Werror -I"$ROOT/include" -I"$BUILD/include" \
  -c "$ROOT/examples/vmm-apply.c" -o "$W/vmm-apply.o"
aarch64-linux-gnu-g++ -static -o "$W/vmm-apply" "$W/vmm-apply.o" "$BUILD/src/libarmcache.a" \
  "$CACHE/aarch64-sysroot/usr/lib/aarch64-linux-gnu/libfdt.a"
"$HERE/fetch-kernels.sh" >/dev/null
INIT=$("$HERE/build-init.sh" "$HERE/init-run.cpp")
"$HERE/groundtruth.sh" "$MODEL" >"$W/gt.json"
python3 "$HERE/gt2view.py" "$W/gt.json" "$W/view.json"
printf '/vmm-apply /view.json\n' >"$W/run.list"
"$HERE/boot.sh" 6.12 "$MODEL" "$INIT" "$W/vmm-apply=/vmm-apply" "$W/view.json=/view.json" \
  "$W/run.list=/run.list" >"$W/console.log" 2>/dev/null || true
python3 - "$W/gt.json" "$W/console.log" "$MODEL" <<'PY'
import json, re, sys
gt = json.load(open(sys.argv[1]))
log = open(sys.argv[2]).read()
model = sys.argv[3]
passed = failed = 0
def check(what, ok):
    global passed, failed
    print(("ok: " if ok else "FAILED: ") + what)
    if ok: passed += 1
    else: failed += 1
seen = dict(re.findall(r"^readback (\S+)=(0x[0-9a-f]+)$", log, flags=re.M))
m = re.search(r"^RUN-RC (\d+) /vmm-apply", log, flags=re.M)
check(f"vmm-apply ran on 6.12 ({model}) and exited 0", bool(m) and m.group(1) == "0")
check("vmm-apply printed 'verify ok'", re.search(r"^verify ok$", log, flags=re.M) is not None)
check("vmm-apply: native no on Debian's 6.12", re.search(r"^native no$", log, flags=re.M) is not None)
clidr = int(gt["clidr"], 16)
check(f"read back CLIDR_EL1 {seen.get('CLIDR_EL1')} = ground truth {hex(clidr)}",
      int(seen.get("CLIDR_EL1", "0x0"), 16) == clidr)
check(f"read back CTR_EL0 {seen.get('CTR_EL0')} = ground truth {gt['ctr']}",
      int(seen.get("CTR_EL0", "0x0"), 16) == int(gt["ctr"], 16))
# Selectors the ground truth's CLIDR describes: Level|InD for each level's type (Arm ARM Ctype).
sels = []
for level in range(1, 8):
    ctype = (clidr >> (3 * (level - 1))) & 7
    if ctype in (1, 3): sels.append((level - 1) << 1 | 1)
    if ctype in (2, 3, 4): sels.append((level - 1) << 1)
for s in sorted(sels):
    want = int(gt["ccsidr"][s], 16) & 0xffffffff
    got = seen.get(f"CCSIDR[{s}]")
    check(f"read back CCSIDR[{s}] {got} = ground truth {hex(want)}", got is not None and int(got, 16) == want)
if failed:
    print(log[-3000:])
print(f"vmm-apply: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
