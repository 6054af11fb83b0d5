#!/bin/bash
# Fetch Debian arm64 kernels (6.1 cloud, 6.12 deb12) and extract their Images into
# ~/.cache/armcache/kernels/{6.1,6.12}/. Idempotent: a cached Image is reused without network.
# Env: REFRESH=1 re-resolves and re-downloads; PKG_6_1 / PKG_6_12 force exact package names.
set -euo pipefail
CACHE=${ARMCACHE_CACHE:-$HOME/.cache/armcache}
KDIR=$CACHE/kernels
DEBS=$CACHE/debs
mkdir -p "$KDIR" "$DEBS"

need_apt_update=0
# arm64 packages are only visible to apt once the foreign architecture is registered.
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64
    need_apt_update=1
fi

# The meta packages point at the newest ABI of each series; resolving through them avoids
# hard-coding an ABI number that the security archive will supersede.
resolve() { # meta-package -> concrete linux-image package
    apt-cache depends "$1" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -1
}

fetch_one() { # series meta-package
    local series=$1 meta=$2 forced=$3 out=$KDIR/$1
    if [[ -s $out/Image && ${REFRESH:-0} != 1 ]]; then
        echo "$series: cached $(cat "$out/package")" >&2
        return
    fi
    if [[ $need_apt_update == 1 ]] || ! apt-cache show "$meta" >/dev/null 2>&1; then
        apt-get update -qq
        need_apt_update=0
    fi
    local pkg=${forced:-$(resolve "$meta")}
    [[ -n $pkg ]] || { echo "cannot resolve $meta" >&2; exit 1; }
    pkg=${pkg%:arm64}
    local ver; ver=$(apt-cache policy "$pkg:arm64" | sed -n 's/^ *Candidate: //p')
    # apt-get download names files pkg_version_arch.deb with ':' (epoch) escaped as %3a.
    local deb=$DEBS/${pkg}_${ver//:/%3a}_arm64.deb
    if [[ ! -s $deb ]]; then
        # apt-get download as root warns that _apt cannot write the cache dir; harmless.
        (cd "$DEBS" && apt-get download -q "$pkg:arm64" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
        [[ -s $deb ]] || { echo "download of $pkg $ver failed" >&2; exit 1; }
    fi
    local tmp; tmp=$(mktemp -d)
    dpkg-deb -x "$deb" "$tmp"
    mkdir -p "$out"
    # Debian's arm64 vmlinuz is a plain (EFI-stub) Image, not gzip/zboot, so QEMU -kernel
    # takes it as is; decompress only if a future package ships it gzip'd.
    local vmlinuz; vmlinuz=$(ls "$tmp"/boot/vmlinuz-*)
    if gzip -t "$vmlinuz" 2>/dev/null; then gzip -dc "$vmlinuz" >"$out/Image.new"; else cp "$vmlinuz" "$out/Image.new"; fi
    cp "$tmp"/boot/config-* "$out/config"
    rm -rf "$out/modules"
    # If KVM is modular, keep kvm.ko and what it needs so boot.sh can put them in the initramfs.
    if grep -qx 'CONFIG_KVM=m' "$out/config"; then
        mkdir -p "$out/modules"
        local kver; kver=$(basename "$tmp"/lib/modules/*)
        local mdir=$tmp/lib/modules/$kver
        # modules.dep lists dependencies in load order reversed; emit deps first, kvm last.
        local line; line=$(grep -E '/kvm\.ko(\.xz|\.zst)?:' "$mdir/modules.dep")
        local order=(); for m in ${line#*:}; do order=("$m" "${order[@]}"); done
        order+=("${line%%:*}")
        local i=0
        for m in "${order[@]}"; do
            local dst; dst=$out/modules/$(printf '%02d' $i)-$(basename "${m%.xz}"); dst=${dst%.zst}
            case $m in *.xz) xz -dc "$mdir/$m" >"$dst";; *.zst) zstd -qdc "$mdir/$m" >"$dst";; *) cp "$mdir/$m" "$dst";; esac
            i=$((i+1))
        done
    fi
    mv "$out/Image.new" "$out/Image"
    echo "$pkg $ver" >"$out/package"
    rm -rf "$tmp"
    echo "$series: extracted $pkg $ver" >&2
}

fetch_one 6.1 linux-image-cloud-arm64:arm64 "${PKG_6_1:-}"
fetch_one 6.12 linux-image-6.12-arm64:arm64 "${PKG_6_12:-}"

for s in 6.1 6.12; do
    kvm=$(grep -E '^CONFIG_KVM=' "$KDIR/$s/config" | cut -d= -f2)
    echo "$s $KDIR/$s/Image ($(cat "$KDIR/$s/package"); CONFIG_KVM=$kvm)"
done
