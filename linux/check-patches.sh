#!/usr/bin/env bash
# checkpatch --strict on the series, with the tree build-kernel.sh unpacked.
# Two checks are skipped because they cannot pass outside an upstream git
# tree, not because of the patches:
#   UNKNOWN_COMMIT_ID: Debian's source tarball has no history, so the
#     commit the series fixes (7af0c2534f4c) cannot be looked up;
#   FILE_PATH_CHANGES: asks whether MAINTAINERS needs a new entry for the
#     new selftest; "KERNEL VIRTUAL MACHINE FOR ARM64" already covers
#     tools/testing/selftests/kvm/*/aarch64/ and .../kvm/aarch64/.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../scripts/lib.sh"
apt_need python3-ply
tree=$ARMCACHE_CACHE/linux/tree
[ -x "$tree/scripts/checkpatch.pl" ] || "$HERE/build-kernel.sh" >/dev/null
cd "$tree"
fail=0
for p in "$HERE"/patches/*.patch; do
  if out=$(scripts/checkpatch.pl --strict --ignore UNKNOWN_COMMIT_ID,FILE_PATH_CHANGES "$p" 2>&1); then
    echo "checkpatch ok: $(basename "$p")"
  else
    echo "checkpatch FAILED: $(basename "$p")"
    printf '%s\n' "$out"
    fail=1
  fi
done
exit $fail
