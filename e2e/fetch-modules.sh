#!/bin/bash
# Modules of a Debian kernel line for the emulated host, with what they need, in load order:
# the migration bed (run-migrate.sh) carries streams on a virtio disk, and virtio_blk is a
# module in Debian's kernels (6.1 also builds virtio and virtio_pci as modules). Takes them
# from the line's cached package (fetch-kernels.sh), or its linux-modules-VER package (7.x).
# Usage: fetch-modules.sh LINE MODULE...   Prints the directory: NN-name.ko, load in order.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${ARMCACHE_CACHE:-$HOME/.cache/armcache}
LINE=$1; shift
OUT=$CACHE/kernels/$LINE/modules-$(IFS=+; echo "$*")
if compgen -G "$OUT/*.ko" >/dev/null; then echo "$OUT"; exit 0; fi
"$HERE/fetch-kernels.sh" "$LINE" >/dev/null
pkg=$(cut -d' ' -f1 "$CACHE/kernels/$LINE/package")
kver=${pkg#linux-image-}
deb=$(ls "$CACHE"/debs/"${pkg}"_*_arm64.deb | head -1)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$deb" "$tmp"
has_modules() { compgen -G "$tmp/lib/modules/$kver/kernel" >/dev/null || compgen -G "$tmp/usr/lib/modules/$kver/kernel" >/dev/null; }
if ! has_modules; then
    # From 7.0 the modules are a package of their own.
    mpkg=linux-modules-$kver
    mdeb=$(ls "$CACHE"/debs/"${mpkg}"_*_arm64.deb 2>/dev/null | head -1 || true)
    if [[ -z $mdeb ]]; then
        (cd "$CACHE/debs" && "$HERE/debian-newer.sh" apt-get download -q "$mpkg:arm64" 2>&1 |
            grep -v -e '^W: Download is performed unsandboxed' -e '^Get:' -e '^Fetched' >&2 || true)
        mdeb=$(ls "$CACHE"/debs/"${mpkg}"_*_arm64.deb 2>/dev/null | head -1 || true)
    fi
    [[ -n $mdeb ]] || { echo "fetch-modules: no modules package for $kver" >&2; exit 1; }
    dpkg-deb -x "$mdeb" "$tmp"
fi
mdir=$(ls -d "$tmp"/lib/modules/"$kver" "$tmp"/usr/lib/modules/"$kver" 2>/dev/null | head -1 || true)
# Packages ship no modules.dep (depmod runs at install): each module's "depends" from modinfo.
path_of() { find "$mdir/kernel" -name "$1.ko" -o -name "$1.ko.xz" -o -name "$1.ko.zst" | head -1; }
plain() { # module file -> an uncompressed copy's path
    case $1 in *.xz) xz -dc "$1" >"$tmp/m.ko" ;; *.zst) zstd -qdc "$1" >"$tmp/m.ko" ;; *) cp "$1" "$tmp/m.ko" ;; esac
    echo "$tmp/m.ko"
}
mkdir -p "$OUT.new"
i=0
declare -A done_=()
add() { # module name: its dependencies first, then itself
    local name=${1//-/_} f d
    [[ -z ${done_[$name]:-} ]] || return 0
    done_[$name]=1
    f=$(path_of "$name")
    if [[ -z $f ]]; then
        # Built in (7.x packages keep modules.builtin elsewhere): nothing to load.
        echo "fetch-modules: $name is no module of $kver: taken as built in" >&2
        return 0
    fi
    for d in $(modinfo -F depends "$(plain "$f")" | tr ',' ' '); do add "$d"; done
    plain "$f" >/dev/null
    cp "$tmp/m.ko" "$OUT.new/$(printf '%02d' $i)-$name.ko"
    i=$((i + 1))
}
for want in "$@"; do add "$want"; done
rm -rf "$OUT"
mv "$OUT.new" "$OUT"
echo "$OUT"
