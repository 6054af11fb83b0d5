#!/usr/bin/env bash
# Checks an installed armcache (the Debian packages, installed into the
# machine, or `cmake --install` into PREFIX) using only the installed files:
#   scripts/check-installed.sh [PREFIX]     (default /usr)
# armcache --version says PROJECT_VERSION; man armcache and every page render
# without warnings; pkg-config --libs armcache; examples/vmm-apply.c (the
# installed copy) builds through pkg-config as strict C99 and, through the
# CMake package, against armcache::armcache and armcache::armcache_static; it
# links the installed libarmcache.so.N and prints the profile's view; the
# completion is installed; vmm-exec finds the installed interposer. Prints
# "N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=${1:-/usr}
VERSION=$(sed -nE 's/^project\(armcache VERSION ([0-9.]+).*/\1/p' "$ROOT/CMakeLists.txt")
MAJOR=${VERSION%%.*}
passed=0 failed=0
check() { if eval "$2"; then passed=$((passed + 1)); echo "ok: $1"; else failed=$((failed + 1)); echo "FAILED: $1"; fi; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

if [[ $PREFIX != /usr ]]; then
  multi=$(gcc -print-multiarch 2>/dev/null || true)
  libdir=$PREFIX/lib
  [[ -d $PREFIX/lib/$multi/pkgconfig ]] && libdir=$PREFIX/lib/$multi
  export PATH=$PREFIX/bin:$PATH PKG_CONFIG_PATH=$libdir/pkgconfig MANPATH=$PREFIX/share/man:
  export LD_LIBRARY_PATH=$libdir CMAKE_PREFIX_PATH=$PREFIX
  # armcache.pc names the prefix it was configured for; a staged install moves it.
  pkg-config() { command pkg-config --define-variable=prefix="$PREFIX" "$@"; }
fi
AC=$(command -v armcache || true)
check "armcache is installed at $PREFIX/bin ($AC)" '[[ $AC == "$PREFIX/bin/armcache" ]]'
check "armcache --version prints 'armcache $VERSION'" '[[ "$(armcache --version)" == "armcache $VERSION" ]]'

out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings armcache 2>"$W/man.err")
check "man armcache renders the installed page, without warnings" \
  '[[ -n $out && ! -s $W/man.err ]] && grep -q "EXIT STATUS" <<<"$out" && grep -q "armcache $VERSION" <<<"$out"'
where=$(man -w armcache 2>/dev/null)
check "man -w armcache is under the prefix ($where)" '[[ $where == "$PREFIX"/share/man/* ]]'
pages=$(ls "$PREFIX"/share/man/man1/armcache*.1* 2>/dev/null | wc -l)
cmds=$(armcache --help | awk '/^Subcommands:/{s=1;next} s&&/^$/{s=0} s{n++} END{print n+0}')
check "one man page per command of armcache --help, plus armcache(1): $pages = $cmds + 1" '[[ $pages -eq $((cmds + 1)) ]]'
bad=0
for p in "$PREFIX"/share/man/man1/armcache*.1*; do
  [[ -z $(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$p" 2>&1 >/dev/null) ]] || { echo "  warnings: $p"; bad=1; }
done
check "every installed page renders without warnings" '[[ $bad -eq 0 ]]'
check "bash completion installed" '[[ -s $PREFIX/share/bash-completion/completions/armcache ]]'

libs=$(pkg-config --libs armcache 2>&1)
check "pkg-config --libs armcache: '$libs'" '[[ " $libs " == *" -larmcache "* ]]'
check "pkg-config --modversion armcache is $VERSION" '[[ "$(pkg-config --modversion armcache)" == "$VERSION" ]]'

example=$PREFIX/share/doc/armcache/examples/vmm-apply.c
check "the example is installed ($example)" '[[ -s $example ]]'
# shellcheck disable=SC2046
check "vmm-apply.c builds as C99 -Wall -Wextra -pedantic -Werror through pkg-config" \
  'cc -std=c99 -Wall -Wextra -pedantic -Werror $(pkg-config --cflags armcache) -o "$W/vmm-apply" "$example" $(pkg-config --libs armcache)'
so=$(ldd "$W/vmm-apply" 2>/dev/null | awk '/libarmcache/{print $3}')
real=$(readlink -f "$so")
# (with merged /usr, ldd may say /lib/...: compare real paths)
check "it links the installed libarmcache.so.$MAJOR ($so -> $real)" \
  '[[ -n $so && $real == "$(readlink -f "$PREFIX")"/lib/*libarmcache.so.$MAJOR.* ]]'
soname=$(readelf -d "$so" 2>/dev/null | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
check "SONAME libarmcache.so.$MAJOR ($soname)" '[[ $soname == "libarmcache.so.$MAJOR" ]]'

# A profile made by the installed tool; the example must print its view.
armcache kernel-view --kernel 6.1 --qemu-model neoverse-n1 --json >"$W/n1.json"
"$W/vmm-apply" "$W/n1.json" >"$W/out.txt" 2>"$W/err.txt"
rc=$?
# CLIDR and DEMUX as saved; CTR_EL0 is the saved ONE_REG value or, on
# kernels whose guests read the VM's CTR_EL0 (6.11+), the guest-read one.
want=$(python3 - "$W/n1.json" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))["guest"]
print(f"loaded CLIDR_EL1={int(g['clidr_reg'], 16):#x}")
for s, v in sorted(g["demux"].items(), key=lambda kv: int(kv[0])):
    print(f"loaded CCSIDR[{int(s)}]={int(v, 16):#x}")
print(f"CTR {int(g['ctr_reg'], 16):#x} {int(g['ctr_el0'], 16):#x}")
PY
)
ctrs=$(sed -n 's/^CTR //p' <<<"$want")
want=$(grep -v '^CTR ' <<<"$want")
got=$(grep '^loaded ' "$W/out.txt" | grep -v CTR_EL0)
ctr=$(sed -n 's/^loaded CTR_EL0=//p' "$W/out.txt")
check "vmm-apply prints the profile's CLIDR and DEMUX values" '[[ -n $want && "$got" == "$want" ]]'
check "vmm-apply prints CTR_EL0 $ctr, one of the profile's ($ctrs)" '[[ -n $ctr && " $ctrs " == *" $ctr "* ]]'
check "vmm-apply reports the library version $VERSION" 'grep -q "^armcache $VERSION (library)" "$W/out.txt"'
if [[ $(uname -m) != aarch64 ]]; then
  check "vmm-apply exits 3 without KVM/arm64 (rc $rc)" '[[ $rc -eq 3 ]] && grep -q "no KVM backend" "$W/err.txt"'
fi

# vmm-exec finds the installed interposer without --lib, and it exports ioctl() only.
env_out=$(env -u ARMCACHE_VMM_LIB armcache vmm-exec --view "$W/n1.json" --print-env 2>&1)
pre=$(sed -n 's/^LD_PRELOAD=//p' <<<"$env_out")
check "vmm-exec preloads the installed interposer ($pre)" \
  '[[ $pre == "$(readlink -f "$PREFIX")"/lib/*armcache/libarmcache-vmm.so && -r $pre ]]'
dyn=$(readelf --dyn-syms -W "$pre" 2>/dev/null |
  awk '$7 != "UND" && ($5 == "GLOBAL" || $5 == "WEAK") && $4 != "SECTION" {print $8}' | tr '\n' ' ')
check "the interposer exports ioctl and nothing else ($dyn)" '[[ $dyn == "ioctl " ]]'

# The CMake package: both imported targets.
mkdir -p "$W/cm"
cp "$example" "$W/cm/"
cat >"$W/cm/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.25)
project(use_armcache C CXX)
find_package(armcache $VERSION REQUIRED)
add_executable(shared vmm-apply.c)
target_link_libraries(shared PRIVATE armcache::armcache)
add_executable(static vmm-apply.c)
target_link_libraries(static PRIVATE armcache::armcache_static)
set_target_properties(static PROPERTIES LINKER_LANGUAGE CXX)
EOF
check "find_package(armcache $VERSION): armcache::armcache and armcache::armcache_static build the example" \
  'cmake -S "$W/cm" -B "$W/cm/b" >"$W/cm.log" 2>&1 && cmake --build "$W/cm/b" >>"$W/cm.log" 2>&1 || { tail -20 "$W/cm.log"; false; }'
check "the static one does not need libarmcache.so" '! ldd "$W/cm/b/static" | grep -q libarmcache'
check "the static one prints the same view" '[[ "$("$W/cm/b/static" "$W/n1.json" 2>/dev/null)" == "$(cat "$W/out.txt")" ]]'
echo "installed: ${passed} passed, ${failed} failed"
[[ $failed -eq 0 ]]
