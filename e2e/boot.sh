#!/bin/bash
# Boot a Debian arm64 kernel on an emulated EL2-capable CPU with a one-program initramfs, so
# real KVM runs inside QEMU (TCG). Prints the guest console; the boot time goes to stderr.
# Usage: boot.sh KERNEL MODEL INIT [FILE[=/dest/path] ...]
#   KERNEL  a Debian line (6.1 6.12 6.16 6.18 7.0 7.3, fetch-kernels.sh) | native (linux/ series)
#           | path to an arm64 Image
#   MODEL   QEMU -cpu model (needs EL2: cortex-a35/a53/a57/a72/a76, neoverse-n1, a64fx, max;
#           with QEMU=10 also cortex-a55, cortex-a710, neoverse-v1, neoverse-n2)
#   INIT    static aarch64 binary to run as /init, or a .cpp file (built static and cached)
#   FILE    extra files for the initramfs (default destination: /basename)
# Env: SMP=1 MEM=1024 TIMEOUT=180 QEMU=(empty: host 7.2 | 10: qemu10.sh | path)
#      MACHINE_OPTS (appended to -M, e.g. mte=on) APPEND (extra kernel args) QEMU_ARGS
# Exit status: QEMU's (0 after the guest powers off), 124 on timeout.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${ARMCACHE_CACHE:-$HOME/.cache/armcache}
[[ $# -ge 3 ]] || { sed -n '2,13p' "$0" >&2; exit 2; }
KERNEL=$1 MODEL=$2 INIT=$3; shift 3

pkgs=()
dpkg -s cpio >/dev/null 2>&1 || pkgs+=(cpio)
dpkg -s qemu-system-arm >/dev/null 2>&1 || pkgs+=(qemu-system-arm)
[[ $INIT != *.cpp ]] || dpkg -s g++-aarch64-linux-gnu >/dev/null 2>&1 || pkgs+=(g++-aarch64-linux-gnu)
[[ ${#pkgs[@]} -eq 0 ]] || apt-get install -y -qq "${pkgs[@]}" >&2

case $KERNEL in
    [0-9]*.[0-9]*) # a Debian line: 6.1, 6.12, 6.16, 6.18, 7.0, 7.3 (fetch-kernels.sh)
        [[ $KERNEL =~ ^[0-9]+\.[0-9]+$ ]] || { echo "boot.sh: kernel $KERNEL: a line is MAJOR.MINOR, e.g. 7.3" >&2; exit 2; }
        KDIR=$CACHE/kernels/$KERNEL
        [[ -s $KDIR/Image ]] || "$HERE/fetch-kernels.sh" "$KERNEL" >&2
        IMAGE=$KDIR/Image ;;
    native) # 7.3 with the KVM_CAP_ARM_NATIVE_CACHE_CONFIG series of linux/ (no test hook)
        KDIR=$CACHE/kernels/native
        [[ -s $KDIR/Image ]] || "$HERE/../linux/build-kernel.sh" >&2
        IMAGE=$KDIR/Image ;;
    *) IMAGE=$KERNEL KDIR=$(dirname "$KERNEL") ;;
esac

if [[ $INIT == *.cpp ]]; then
    INIT=$("$HERE/build-init.sh" "$INIT")
fi

STAGE=$(mktemp -d)
INITRD=$(mktemp --suffix=.cpio)
trap 'rm -rf "$STAGE" "$INITRD"' EXIT
mkdir -p "$STAGE"/{dev,proc,sys,lib/modules}
# A /dev/console node lets the kernel give /init its stdio before devtmpfs is mounted.
mknod "$STAGE/dev/console" c 5 1 2>/dev/null || true
install -m 0755 "$INIT" "$STAGE/init"
# Kernels with CONFIG_KVM=m: fetch-kernels.sh left kvm.ko + deps here, in load order.
if [[ -d $KDIR/modules ]]; then cp "$KDIR"/modules/*.ko "$STAGE/lib/modules/"; fi
for f in "$@"; do
    src=${f%%=*} dst=/$(basename "$src")
    [[ $f != *=* ]] || dst=${f#*=}
    mkdir -p "$STAGE$(dirname "$dst")"
    cp -a "$src" "$STAGE$dst"
done
# Uncompressed newc: the kernel unpacks it fastest and no compressor needs to be configured.
(cd "$STAGE" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$INITRD"

case ${QEMU:-} in
    "") Q=(qemu-system-aarch64) ;;
    10) Q=("$HERE/qemu10.sh") ;;
    *) Q=("$QEMU") ;;
esac
M=virt,virtualization=on,gic-version=3${MACHINE_OPTS:+,$MACHINE_OPTS}
# -nodefaults -serial stdio: one PL011 on stdout, no default NIC/VGA (QEMU 10 needs it, 7.2 is
# fine with it). panic=-1 + -no-reboot turn a guest panic into a QEMU exit instead of a hang.
start=$(date +%s.%N)
set +e
timeout "${TIMEOUT:-180}" "${Q[@]}" -M "$M" -cpu "$MODEL" -smp "${SMP:-1}" -m "${MEM:-1024}" \
    -nodefaults -display none -serial stdio -no-reboot \
    -kernel "$IMAGE" -initrd "$INITRD" \
    -append "console=ttyAMA0 rdinit=/init panic=-1 ${APPEND:-}" ${QEMU_ARGS:-} </dev/null | tr -d '\r'
rc=${PIPESTATUS[0]}
set -e
end=$(date +%s.%N)
printf 'boot.sh: kernel=%s model=%s rc=%d wall=%.2fs\n' "$KERNEL" "$MODEL" "$rc" "$(echo "$end - $start" | bc)" >&2
exit "$rc"
