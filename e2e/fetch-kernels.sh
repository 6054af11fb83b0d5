#!/bin/bash
# Fetch Debian arm64 kernels, one per line (6.1, 6.12, 6.16, 6.18, 7.0, 7.3), and extract each
# Image + config into ~/.cache/armcache/kernels/LINE/. Idempotent: a cached Image is reused
# without network. Every line records what it used in kernels/LINE/package
# ("PACKAGE VERSION", then the packages the image and config came from).
# Usage: fetch-kernels.sh [LINE ...]        (default: every line above)
# Lines:
#   6.1, 6.12  the machine's own apt (Debian 12): the meta packages linux-image-cloud-arm64 and
#              linux-image-6.12-arm64 point at the newest ABI of each series.
#   newer      e2e/debian-newer.sh (trixie, trixie-backports, sid): the newest
#              linux-image-LINE.N+debX-cloud-arm64. Two layouts: up to 6.18 the package holds
#              /boot/vmlinuz-* and /boot/config-*; from 6.19 they only depend on
#              linux-binary-VER-cloud-arm64 (/boot/vmlinuz-VER on 6.19 and 7.0,
#              /usr/lib/modules/VER/vmlinuz from 7.1) and linux-base-VER-cloud-arm64 (the config
#              beside it; the archive has no linux-base for 7.0, so 7.0 has no config: its KVM is
#              checked by booting it).
# Env: REFRESH=1 re-resolves and re-downloads; PKG_<LINE with _ for .>=PACKAGE forces one
#      (PKG_6_1, PKG_6_12, PKG_7_3, ...).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${ARMCACHE_CACHE:-$HOME/.cache/armcache}
KDIR=$CACHE/kernels
DEBS=$CACHE/debs
mkdir -p "$KDIR" "$DEBS"
LINES=("$@")
[[ ${#LINES[@]} -gt 0 ]] || LINES=(6.1 6.12 6.16 6.18 7.0 7.3)

need_apt_update=0
# arm64 packages are only visible to the machine's apt once the foreign architecture is registered.
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64
    need_apt_update=1
fi

# The meta packages point at the newest ABI of each series; resolving through them avoids
# hard-coding an ABI number that the security archive will supersede.
resolve() { # meta-package -> concrete linux-image package
    apt-cache depends "$1" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -1
}

# apt_cache/apt_get LINE ARGS: the apt (machine's, or the private one for Debian's newer suites) for a line.
apt_cache() { if [[ $1 == 6.1 || $1 == 6.12 ]]; then shift; apt-cache "$@"; else shift; "$HERE/debian-newer.sh" apt-cache "$@"; fi; }
apt_get() { if [[ $1 == 6.1 || $1 == 6.12 ]]; then shift; apt-get "$@"; else shift; "$HERE/debian-newer.sh" apt-get "$@"; fi; }

download() { # line package -> path of the .deb (cached in $DEBS); prints "pkg ver path"
    local line=$1 pkg=${2%:arm64} ver
    ver=$(apt_cache "$line" policy "$pkg:arm64" | sed -n 's/^ *Candidate: //p')
    [[ -n $ver && $ver != "(none)" ]] || { echo "fetch-kernels: no candidate for $pkg" >&2; exit 1; }
    # apt-get download names files pkg_version_arch.deb with ':' (epoch) escaped as %3a.
    local deb=$DEBS/${pkg}_${ver//:/%3a}_arm64.deb
    if [[ ! -s $deb ]]; then
        # apt-get download as root warns that _apt cannot write the cache dir; harmless.
        (cd "$DEBS" && apt_get "$line" download -q "$pkg:arm64" 2>&1 | grep -v -e '^W: Download is performed unsandboxed' -e '^Get:' -e '^Fetched' >&2 || true)
        [[ -s $deb ]] || { echo "fetch-kernels: download of $pkg $ver failed" >&2; exit 1; }
    fi
    echo "$pkg $ver $deb"
}

# newest LINE: the newest linux-image-LINE.N+debX-cloud-arm64 of Debian's newer suites.
newest() {
    local re="^linux-image-${1//./\\.}\.[0-9]+\+deb[0-9]+(\.[0-9]+)?-cloud-arm64\$"
    apt_cache "$1" search --names-only "$re" | cut -d' ' -f1 | grep -E "$re" |
        sed -E 's/^linux-image-(.*)-cloud-arm64$/\1 &/' | sort -V | tail -1 | cut -d' ' -f2
}

fetch_one() { # line
    local line=$1 out=$KDIR/$1 forced_var=PKG_${1//./_}
    local forced=${!forced_var:-}
    if [[ -s $out/Image && ${REFRESH:-0} != 1 ]]; then
        echo "$line: cached $(head -1 "$out/package")" >&2
        return
    fi
    local pkg
    case $line in
        6.1|6.12)
            local meta=linux-image-cloud-arm64:arm64
            [[ $line == 6.1 ]] || meta=linux-image-6.12-arm64:arm64
            if [[ $need_apt_update == 1 ]] || ! apt-cache show "$meta" >/dev/null 2>&1; then
                apt-get update -qq
                need_apt_update=0
            fi
            pkg=${forced:-$(resolve "$meta")} ;;
        *) pkg=${forced:-$(newest "$line")} ;;
    esac
    [[ -n $pkg ]] || { echo "fetch-kernels: cannot resolve a kernel package for line $line" >&2; exit 1; }
    local got ver deb; got=$(download "$line" "$pkg"); read -r pkg ver deb <<<"$got"
    local tmp; tmp=$(mktemp -d)
    dpkg-deb -x "$deb" "$tmp"
    local record="$pkg $ver" vmlinuz config kver dep bpkg bver bdeb
    # The image and config: /boot/{vmlinuz,config}-VER of linux-image up to 6.18; from 6.19 in
    # packages linux-image depends on: linux-binary-VER (/boot/vmlinuz-VER on 6.19 and 7.0,
    # /usr/lib/modules/VER/vmlinuz later) and linux-base-VER (/usr/lib/modules/VER/config;
    # the archive has none for 7.0).
    find_in_tree() { ls "$tmp"/boot/"$1"-* "$tmp"/usr/lib/modules/*/"$1" 2>/dev/null | head -1 || true; }
    for dep in linux-binary linux-base; do
        [[ $dep == linux-binary && -z $(find_in_tree vmlinuz) || $dep == linux-base && -z $(find_in_tree config) ]] ||
            continue
        bpkg=$(apt_cache "$line" show "$pkg:arm64" | sed -n 's/^Depends: //p' | head -1 | tr ',' '\n' |
            sed -n "s/^ *\($dep-[^ ]*\).*/\1/p" | head -1)
        [[ -n $bpkg ]] || continue
        if [[ $dep == linux-base && $(apt_cache "$line" policy "$bpkg:arm64") != *"Candidate: "[0-9]* ]]; then
            record="$record; no $bpkg in the archive (no config)"
            continue
        fi
        got=$(download "$line" "$bpkg"); read -r bpkg bver bdeb <<<"$got"
        dpkg-deb -x "$bdeb" "$tmp"
        record="$record; $bpkg $bver"
    done
    vmlinuz=$(find_in_tree vmlinuz) config=$(find_in_tree config)
    [[ -n $vmlinuz ]] || { echo "fetch-kernels: $pkg: no vmlinuz in it or in its linux-binary dependency" >&2; exit 1; }
    case $vmlinuz in */boot/vmlinuz-*) kver=${vmlinuz##*/vmlinuz-} ;; *) kver=$(basename "$(dirname "$vmlinuz")") ;; esac
    mkdir -p "$out"
    # Debian's arm64 vmlinuz is a plain (EFI-stub) Image, not gzip/zboot, so QEMU -kernel
    # takes it as is; decompress only if a package ships it gzip'd.
    if gzip -t "$vmlinuz" 2>/dev/null; then gzip -dc "$vmlinuz" >"$out/Image.new"; else cp "$vmlinuz" "$out/Image.new"; fi
    if [[ -n $config ]]; then cp "$config" "$out/config"; else rm -f "$out/config"; fi
    rm -rf "$out/modules"
    # If KVM is modular, keep kvm.ko and what it needs so boot.sh can put them in the initramfs.
    if [[ -n $config ]] && grep -qx 'CONFIG_KVM=m' "$out/config"; then
        local mdir
        if [[ -d $tmp/lib/modules/$kver ]]; then mdir=$tmp/lib/modules/$kver; else
            local mpkg mver mdeb
            got=$(download "$line" "linux-modules-$kver"); read -r mpkg mver mdeb <<<"$got"
            dpkg-deb -x "$mdeb" "$tmp"
            record="$record; $mpkg $mver"
            mdir=$(ls -d "$tmp"/usr/lib/modules/"$kver" "$tmp"/lib/modules/"$kver" 2>/dev/null | head -1)
        fi
        mkdir -p "$out/modules"
        # modules.dep lists dependencies in load order reversed; emit deps first, kvm last.
        local line_; line_=$(grep -E '/kvm\.ko(\.xz|\.zst)?:' "$mdir/modules.dep")
        local order=(); for m in ${line_#*:}; do order=("$m" "${order[@]}"); done
        order+=("${line_%%:*}")
        local i=0
        for m in "${order[@]}"; do
            local dst; dst=$out/modules/$(printf '%02d' $i)-$(basename "${m%.xz}"); dst=${dst%.zst}
            case $m in *.xz) xz -dc "$mdir/$m" >"$dst";; *.zst) zstd -qdc "$mdir/$m" >"$dst";; *) cp "$mdir/$m" "$dst";; esac
            i=$((i+1))
        done
    fi
    mv "$out/Image.new" "$out/Image"
    echo "$record" >"$out/package"
    echo "$kver" >"$out/release"
    rm -rf "$tmp"
    echo "$line: extracted $record" >&2
}

for l in "${LINES[@]}"; do fetch_one "$l"; done

for l in "${LINES[@]}"; do
    kvm=$(grep -E '^CONFIG_KVM=' "$KDIR/$l/config" 2>/dev/null | cut -d= -f2 || true)
    echo "$l $KDIR/$l/Image ($(cat "$KDIR/$l/package"); CONFIG_KVM=${kvm:-unknown, no config})"
done
