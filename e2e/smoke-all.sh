#!/bin/bash
# Boot init-smoke on every EL2-capable model with both kernels and tabulate what KVM shows a
# vCPU (CLIDR, CTR, DEMUX CCSIDR 0-2) next to the boot wall time. Models ending in "@10" run on
# QEMU 10 (qemu10.sh). Usage: smoke-all.sh [MODEL[@10] ...]   Env: KERNELS="6.1 6.12"
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
models=("$@")
[[ ${#models[@]} -gt 0 ]] || models=(cortex-a35 cortex-a53 cortex-a57 cortex-a72 cortex-a76
    neoverse-n1 a64fx max cortex-a55@10 neoverse-v1@10 neoverse-n2@10 cortex-a710@10)
fail=0
for k in ${KERNELS:-6.1 6.12}; do
    for m in "${models[@]}"; do
        q=; [[ $m != *@10 ]] || q=10
        log=$(QEMU=$q "$HERE/boot.sh" "$k" "${m%@10}" "$HERE/init-smoke.cpp" 2>&1)
        t=$(sed -n 's/.*wall=\([0-9.]*s\).*/\1/p' <<<"$log")
        res=$(grep -m1 '^SMOKE ' <<<"$log" || echo "SMOKE none: $(grep -m1 -iE 'panic|error|fail' <<<"$log")")
        res=${res#SMOKE }
        [[ $res == '{"ok":true'* ]] || fail=1
        short=$(sed -E 's/"(kernel|api|target|midr|init_at_s)":[^,]*,//g; s/,null//g' <<<"$res")
        printf '%-5s %-15s %6s %s\n' "$k" "$m" "$t" "$short"
    done
done
exit $fail
