#!/bin/bash
# Print the ground-truth cache ID registers of a QEMU CPU model as one JSON line, read by a
# bare EL1 program (groundtruth/) that QEMU runs directly, with no kernel in between.
# Usage: groundtruth.sh MODEL [extra qemu args]     e.g. groundtruth.sh max -M virt,mte=on
#        groundtruth.sh --verify                     check every model against docs/kvm-testbed.md
# Env: QEMU=path or QEMU=10 (use qemu10.sh, needed for cortex-a55/a710, neoverse-v1/n2).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${ARMCACHE_CACHE:-$HOME/.cache/armcache}
ELF=$CACHE/build/gt.elf
SRC=$HERE/groundtruth

dpkg -s gcc-aarch64-linux-gnu qemu-system-arm >/dev/null 2>&1 ||
    apt-get install -y -qq gcc-aarch64-linux-gnu qemu-system-arm >&2

build() {
    mkdir -p "$CACHE/build"
    # Rebuild only when a source is newer than the cached ELF.
    if [[ -s $ELF ]] && [[ -z $(find "$SRC" -newer "$ELF" -type f) ]]; then return; fi
    # -mstrict-align: with the MMU off all memory is Device, where unaligned accesses fault.
    aarch64-linux-gnu-gcc -O2 -ffreestanding -nostdlib -static -fno-pic -mgeneral-regs-only \
        -mstrict-align -Wl,--build-id=none -T "$SRC/gt.ld" "$SRC/start.S" "$SRC/gt.c" -o "$ELF.tmp"
    mv "$ELF.tmp" "$ELF"
}

run() { # model [extra args]
    local model=$1; shift
    local q=(qemu-system-aarch64)
    case ${QEMU:-} in
        "") ;;
        10) q=("$HERE/qemu10.sh") ;;
        *) q=("$QEMU") ;;
    esac
    # -nodefaults + explicit -serial: QEMU 10 otherwise multiplexes differently; the PL011 is
    # the only output we want. Without virtualization=on the program starts at EL1.
    local out
    out=$(timeout 30 "${q[@]}" -M virt -cpu "$model" -nodefaults -display none -serial stdio \
        -semihosting -kernel "$ELF" "$@" </dev/null) || { echo "qemu failed for $model: $out" >&2; return 1; }
    out=$(printf '%s\n' "$out" | grep -m1 '^{' | tr -d '\r')
    echo "{\"model\":\"$model\",${out#\{}"
}

# model|qemu|clidr|ctr|ccsidr0|ccsidr1|ccsidr2|ccidx  (docs/kvm-testbed.md)
EXPECTED='
cortex-a35|7|0x0a200023|0x84448004|0x700fe01a|0x201fe00a|0x703fe03a|0
cortex-a53|7|0x0a200023|0x84448004|0x700fe01a|0x201fe00a|0x707fe07a|0
cortex-a57|7|0x0a200023|0x8444c004|0x701fe00a|0x201fe012|0x70ffe07a|0
cortex-a72|7|0x0a200023|0x8444c004|0x701fe00a|0x201fe012|0x707fe07a|0
cortex-a76|7|0x82000023|0x8444c004|0x701fe01a|0x201fe01a|0x707fe03a|0
neoverse-n1|7|0x82000023|0x8444c004|0x701fe01a|0x201fe01a|0x70ffe03a|0
a64fx|7|0x80000023|0x86668006|0x7007e01c|0x2007e01c|0x70ffe07c|0
max|7|0x02000023|0x8444c004|0x701fe00a|0x201fe012|0x70ffe07a|0
cortex-a55|10|0x82000023|0x84448004|0x700fe01a|0x200fe01a|0x703fe07a|0
neoverse-v1|10|0x82000023|0xb444c004|0xff0000001a|0xff0000001a|0x7ff0000003a|1
neoverse-n2|10|0x1482000023|0x4b444c004|0xff0000001a|0xff0000001a|0x3ff0000003a|1
cortex-a710|10|0x1482000023|0x49444c004|0xff0000001a|0xff0000001a|0x3ff0000003a|1
'

norm() { printf '0x%x' "$(($1))"; } # compare numerically: the tables in the docs pad some values with zeros

verify() {
    local fail=0 model q clidr ctr c0 c1 c2 ccidx json
    while IFS='|' read -r model q clidr ctr c0 c1 c2 ccidx; do
        [[ -n $model ]] || continue
        if [[ $q == 10 ]]; then json=$(QEMU=10 run "$model") || { fail=1; continue; }
        else json=$(QEMU= run "$model") || { fail=1; continue; }; fi
        local got_clidr got_ctr got_cc got_ccidx
        got_clidr=$(sed 's/.*"clidr":"\([^"]*\)".*/\1/' <<<"$json")
        got_ctr=$(sed 's/.*"ctr":"\([^"]*\)".*/\1/' <<<"$json")
        got_cc=$(sed 's/.*"ccsidr":\["\([^"]*\)","\([^"]*\)","\([^"]*\)".*/\1 \2 \3/' <<<"$json")
        got_ccidx=$(sed 's/.*"ccidx":\([0-9]\).*/\1/' <<<"$json")
        local want="$(norm "$clidr") $(norm "$ctr") $(norm "$c0") $(norm "$c1") $(norm "$c2") $ccidx"
        local got="$(norm "$got_clidr") $(norm "$got_ctr") $got_cc $got_ccidx"
        if [[ $want == "$got" ]]; then echo "OK   $model (QEMU $q): $got"
        else echo "FAIL $model (QEMU $q): want $want got $got"; fail=1; fi
    done <<<"$EXPECTED"
    return $fail
}

build
if [[ ${1:-} == --verify ]]; then verify; else
    [[ $# -ge 1 ]] || { echo "usage: $0 MODEL [qemu args] | --verify" >&2; exit 2; }
    run "$@"
fi
