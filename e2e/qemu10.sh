#!/bin/bash
# Run Debian 13's QEMU (10.x) without installing it on the Debian 12 host: a debootstrapped
# trixie tree in ~/.cache/armcache/trixie-root holds qemu-system-arm, and its
# qemu-system-aarch64 is started through the tree's own ld.so so it uses trixie's libraries
# while still seeing host paths (kernels, initrds) directly - no chroot, no bind mounts.
# Usage: qemu10.sh [qemu-system-aarch64 args...]   (no args: build the tree and print --version)
# Env: TRIXIE_MIRROR overrides the Debian mirror; REFRESH=1 rebuilds the tree.
set -euo pipefail
CACHE=${ARMCACHE_CACHE:-$HOME/.cache/armcache}
ROOT=$CACHE/trixie-root
QEMU=$ROOT/usr/bin/qemu-system-aarch64

mirror() {
    # Only Debian's servers are reachable, so reuse the host's own Debian mirror.
    local m
    m=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\/\?\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
    [[ -n $m ]] || m=$(sed -n 's/^deb \(\[[^]]*\] \)\?\(http[^ ]*\/debian\/\?\) .*/\2/p' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -1)
    m=${TRIXIE_MIRROR:-$m}
    [[ -n $m ]] || { echo "qemu10.sh: no Debian mirror in the machine's apt sources (set TRIXIE_MIRROR)" >&2; exit 3; }
    echo "$m"
}

build_root() {
    dpkg -s debootstrap >/dev/null 2>&1 || apt-get install -y -qq debootstrap >&2
    local tmp=$ROOT.tmp
    rm -rf "$tmp"
    # minbase + qemu-system-arm only; qemu's Recommends (firmware, GUI) are not pulled in.
    # The trixie release keys ship in bookworm's debian-archive-keyring (2023.3+deb12u2).
    debootstrap --variant=minbase --include=qemu-system-arm \
        --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
        trixie "$tmp" "$(mirror)" >&2
    rm -rf "$tmp"/var/cache/apt/archives/*.deb
    rm -rf "$ROOT"
    mv "$tmp" "$ROOT"
}

if [[ ! -x $QEMU || ${REFRESH:-0} == 1 ]]; then build_root; fi

LDSO=$ROOT/lib64/ld-linux-x86-64.so.2
LIBS=$ROOT/lib/x86_64-linux-gnu:$ROOT/usr/lib/x86_64-linux-gnu
# Running via ld.so makes /proc/self/exe point at ld.so, so QEMU cannot find its data dir
# (firmware, keymaps) relative to itself: pass it with -L. Module dir likewise via env.
export QEMU_MODULE_DIR=$ROOT/usr/lib/x86_64-linux-gnu/qemu
if [[ $# -eq 0 ]]; then set -- --version; fi
exec "$LDSO" --library-path "$LIBS" "$QEMU" -L "$ROOT/usr/share/qemu" "$@"
