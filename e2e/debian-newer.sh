#!/bin/bash
# apt for Debian's newer suites (trixie, trixie-updates, trixie-backports, trixie-security,
# sid) in a private state under ~/.cache/armcache/apt-newer, so the machine's own apt stays on
# Debian 12. It only downloads: nothing is ever installed from it. The mirror is the one the
# machine's apt already uses (read from /etc/apt/sources*), never a name written here.
# Usage: debian-newer.sh apt-get ARGS...     e.g. apt-get download linux-source-7.3
#        debian-newer.sh apt-cache ARGS...   e.g. apt-cache policy linux-image-cloud-arm64:arm64
#        debian-newer.sh update              refresh the package lists (also done when missing
#                                            or older than a day)
# Architectures: amd64 and arm64. Env: REFRESH=1 forces an update; ARMCACHE_CACHE.
set -euo pipefail
CACHE=${ARMCACHE_CACHE:-$HOME/.cache/armcache}
STATE=$CACHE/apt-newer

# The machine's mirrors: the first Debian archive URI and the first security URI.
uris() {
    sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | tr ' ' '\n'
    sed -n 's/^deb \(\[[^]]*\] \)\?\(http[^ ]*\) .*/\2/p' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true
}
archive=$(uris | grep -E '/debian/?$' | head -1 || true)
security=$(uris | grep -E '/debian-security/?$' | head -1 || true)
[[ -n $archive ]] || { echo "debian-newer.sh: no Debian mirror in the machine's apt sources" >&2; exit 3; }

mkdir -p "$STATE"/lists/partial "$STATE"/cache/archives/partial "$STATE"/etc/sources.list.d \
    "$STATE"/etc/preferences.d "$STATE"/etc/apt.conf.d
: >>"$STATE/status"
key=/usr/share/keyrings/debian-archive-keyring.gpg
{
    printf 'Types: deb\nURIs: %s\nSuites: trixie trixie-updates trixie-backports sid\nComponents: main\nArchitectures: amd64 arm64\nSigned-By: %s\n' "$archive" "$key"
    [[ -z $security ]] || printf '\nTypes: deb\nURIs: %s\nSuites: trixie-security\nComponents: main\nArchitectures: amd64 arm64\nSigned-By: %s\n' "$security" "$key"
} >"$STATE/etc/sources.list.d/newer.sources.new"
changed=0
cmp -s "$STATE/etc/sources.list.d/newer.sources.new" "$STATE/etc/sources.list.d/newer.sources" || changed=1
mv "$STATE/etc/sources.list.d/newer.sources.new" "$STATE/etc/sources.list.d/newer.sources"

opts=(-o "Dir::State=$STATE" -o "Dir::State::Lists=$STATE/lists" -o "Dir::State::status=$STATE/status"
      -o "Dir::Cache=$STATE/cache" -o "Dir::Etc::SourceList=/dev/null"
      -o "Dir::Etc::SourceParts=$STATE/etc/sources.list.d" -o "Dir::Etc::Preferences=/dev/null"
      -o "Dir::Etc::PreferencesParts=$STATE/etc/preferences.d" -o "Dir::Etc::Parts=$STATE/etc/apt.conf.d"
      -o "APT::Architecture=amd64" -o "APT::Architectures::=amd64" -o "APT::Architectures::=arm64"
      -o "Acquire::Languages=none" -o "APT::Sandbox::User=root")

update() { apt-get "${opts[@]}" -qq update >&2; touch "$STATE/updated"; }
stale=$(find "$STATE/updated" -mmin -1440 2>/dev/null || true)
if [[ $changed == 1 || -z $stale || ${REFRESH:-0} == 1 ]]; then update; fi

case ${1:-} in
    update) [[ $changed == 1 || -z $stale || ${REFRESH:-0} == 1 ]] || update ;;
    apt-get | apt-cache) cmd=$1; shift; exec "$cmd" "${opts[@]}" "$@" ;;
    *) echo "usage: debian-newer.sh update | apt-get ARGS... | apt-cache ARGS..." >&2; exit 2 ;;
esac
