#!/usr/bin/env bash
# The main job, for now: decode the cache registers of real machines and
# show what changed when Linux 6.3 began fabricating them. Installs what it
# needs and builds; safe to rerun.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ARMCACHE_ROOT"
apt_need $PKGS_BUILD
build build >/dev/null
ac=build/armcache

say() { printf '\n### %s\n' "$*"; }
run() { printf '$ armcache %s\n' "$*"; "$ac" "$@"; }

say "A Neoverse N1 host: the CLIDR its guests saw on Linux 6.1 (the real one)"
run decode clidr 0x82000023
say "...its L2 as 6.1 guests saw it (CCSIDR selector 2)"
run decode ccsidr 0x70ffe03a
say "The same host on Linux 6.12: KVM fabricates CLIDR from CTR_EL0..."
run decode clidr 0x02000021
say "...and every CCSIDR becomes one set of one way"
run decode ccsidr 0x2
say "A Neoverse N2 (FEAT_CCIDX): the real 64-bit L2 value, and the 32-bit form a guest needs"
run decode ccsidr 0x3ff0000003a
say "What 6.1 KVM hands a VMM on that host: the low half, geometry lost"
run decode ccsidr 0x3a
say "The one-reg id a VMM uses to restore that CCSIDR"
run decode reg-id 0x6020000000110002
