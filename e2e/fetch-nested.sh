#!/bin/bash
# The arm64 userland of the nested test bed, from Debian 12's arm64 packages: Debian's QEMU
# (qemu-system-aarch64 7.2) with exactly the shared libraries it needs, for the emulated host,
# and busybox-static + util-linux's lscpu, for the nested guest. `apt-get download`s the
# packages and their library dependencies (Depends, recursively) into
# ~/.cache/armcache/nested/debs, extracts them into nested/all, then copies into
#   nested/qemu-root   qemu-system-aarch64, the dynamic loader and its NEEDED closure
#   nested/guest-root  busybox (static), lscpu and its NEEDED closure
#   nested/guest.cpio  the nested guest's initramfs: guest-root with nested-guest-init.sh as
#                      /init (built again when that script is newer)
# Idempotent: with both trees present nothing is downloaded. Prints the two tree paths, then
# the initramfs path.
set -euo pipefail
CACHE=${ARMCACHE_CACHE:-$HOME/.cache/armcache}
N=$CACHE/nested
DEBS=$N/debs

need=()
for p in binutils dpkg-dev; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
[[ ${#need[@]} -eq 0 ]] || apt-get install -y -qq "${need[@]}" >&2

HERE=$(cd "$(dirname "$0")" && pwd)
# The guest's initramfs: busybox, lscpu with its libraries, the dump script as /init.
guest_cpio() {
    if [[ ! -s $N/guest.cpio || $HERE/nested-guest-init.sh -nt $N/guest.cpio || $N/guest-root -nt $N/guest.cpio ]]; then
        local g
        g=$(mktemp -d)
        mkdir -p "$g/dev"
        cp -a "$N/guest-root/." "$g/"
        install -m 0755 "$HERE/nested-guest-init.sh" "$g/init"
        mknod "$g/dev/console" c 5 1 2>/dev/null || true
        (cd "$g" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$N/guest.cpio.$$"
        mv "$N/guest.cpio.$$" "$N/guest.cpio"
        rm -rf "$g"
    fi
    echo "$N/guest.cpio"
}

if [[ -x $N/qemu-root/usr/bin/qemu-system-aarch64 && -x $N/guest-root/bin/busybox && -x $N/guest-root/usr/bin/lscpu ]]; then
    echo "$N/qemu-root"
    echo "$N/guest-root"
    guest_cpio
    exit 0
fi

if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64
    apt-get update -qq
fi
apt-cache show qemu-system-arm:arm64 >/dev/null 2>&1 || apt-get update -qq

TOP=(qemu-system-arm:arm64 busybox-static:arm64 util-linux:arm64)
# Library packages of the closure (not dpkg, perl, debconf...: nothing the binaries load).
mapfile -t PKGS < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances "${TOP[@]}" 2>/dev/null | grep -v '^[ <]' | grep -E '^(lib.*|zlib1g):arm64$' | sort -u)
PKGS+=("${TOP[@]}")
mkdir -p "$DEBS"
missing=()
for p in "${PKGS[@]}"; do
    name=${p%:arm64}
    compgen -G "$DEBS/${name}_*_arm64.deb" >/dev/null || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "fetch-nested: downloading ${#missing[@]} arm64 packages" >&2
    # As root, apt warns that _apt cannot write the directory; harmless.
    (cd "$DEBS" && apt-get download -q "${missing[@]}" 2>&1 | grep -vE '^W: Download is performed unsandboxed|^Get:' >&2 || true)
fi
rm -rf "$N/all" "$N/qemu-root.new" "$N/guest-root.new"
mkdir -p "$N/all"
for deb in "$DEBS"/*_arm64.deb; do dpkg-deb -x "$deb" "$N/all"; done

# copy_closure TREE FILE...: copies each FILE of nested/all and every library it needs
# (readelf NEEDED, looked up in the loader's default directories) into TREE.
copy_closure() {
    local tree=$1 f lib d found
    shift
    local queue=("$@") seen=" "
    while [[ ${#queue[@]} -gt 0 ]]; do
        f=${queue[0]}
        queue=("${queue[@]:1}")
        [[ $seen == *" $f "* ]] && continue
        seen+="$f "
        mkdir -p "$tree$(dirname "$f")"
        cp -aL "$N/all$f" "$tree$f"
        for lib in $(readelf -d -W "$N/all$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
            found=""
            for d in /lib/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu; do
                if [[ -e $N/all$d/$lib ]]; then found=$d/$lib; break; fi
            done
            [[ -n $found ]] || { echo "fetch-nested: $f needs $lib, in no package fetched" >&2; exit 1; }
            queue+=("$found")
        done
    done
}

Q=$N/qemu-root.new
copy_closure "$Q" /usr/bin/qemu-system-aarch64 /lib/ld-linux-aarch64.so.1
G=$N/guest-root.new
copy_closure "$G" /usr/bin/lscpu /lib/ld-linux-aarch64.so.1
mkdir -p "$G/bin"
cp -a "$N/all/bin/busybox" "$G/bin/busybox"
rm -rf "$N/qemu-root" "$N/guest-root" "$N/all"
mv "$Q" "$N/qemu-root"
mv "$G" "$N/guest-root"
echo "fetch-nested: qemu-root $(du -sh "$N/qemu-root" | cut -f1), guest-root $(du -sh "$N/guest-root" | cut -f1)" >&2
echo "$N/qemu-root"
echo "$N/guest-root"
guest_cpio
