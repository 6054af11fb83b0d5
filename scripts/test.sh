#!/usr/bin/env bash
# Runs every test: unit and CLI tests, the same under ASan+UBSan, the fuzz
# targets for a short while, then the emulated-host test bed: Debian's 6.1,
# 6.12, 6.16, 6.18, 7.0 and 7.3 kernels and the patched kernel of linux/ running real KVM under
# QEMU on every CPU model with EL2, compared with the kernel models.
# Installs what it needs; safe to rerun. Downloads and kernel builds are
# cached in ~/.cache/armcache (a run with them cached: about 27 minutes on 2
# cores). ARMCACHE_E2E=0 skips the test bed (not for CI).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ARMCACHE_ROOT"

FUZZ_SECONDS=${FUZZ_SECONDS:-20}
passed=0
failed=0

# run_ctest DIR: runs ctest and adds its counts to the totals.
run_ctest() {
  local out
  set +e
  out=$(cd "$1" && ctest --output-on-failure -j "$JOBS" 2>&1)
  local rc=$?
  set -e
  printf '%s\n' "$out" | tail -n 30
  local line
  line=$(printf '%s\n' "$out" | grep -E 'tests passed, [0-9]+ tests failed out of' | tail -n 1 || true)
  if [ -z "$line" ]; then
    failed=$((failed + 1))
    return
  fi
  local f total
  f=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line")
  total=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/' <<<"$line")
  passed=$((passed + total - f))
  failed=$((failed + f))
  [ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || failed=$((failed + 1))
}

log "dependencies"
apt_need $PKGS_BUILD $PKGS_FUZZ $PKGS_HOST $PKGS_DEB

log "build and unit tests"
build build
run_ctest build

log "ASan+UBSan build and unit tests"
build build-asan -DARMCACHE_SANITIZE=ON -DARMCACHE_BENCHMARKS=OFF -DCMAKE_BUILD_TYPE=Debug -DARMCACHE_UNITY_BUILD=OFF
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 run_ctest build-asan

log "fuzz targets, ${FUZZ_SECONDS}s each"
CC=clang CXX=clang++ build build-fuzz -DARMCACHE_FUZZ=ON -DARMCACHE_TESTS=OFF -DARMCACHE_BENCHMARKS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo
for target in build-fuzz/fuzz/fuzz_*; do
  [ -x "$target" ] || continue
  name=$(basename "$target")
  corpus=$(mktemp -d)
  cp fuzz/corpus/"$name"/* "$corpus"/ 2>/dev/null || true
  if "$target" -max_total_time="$FUZZ_SECONDS" -print_final_stats=0 "$corpus" >"$corpus.log" 2>&1; then
    echo "fuzz $name: ok ($(grep -c . <(ls "$corpus")) corpus entries)"
    passed=$((passed + 1))
  else
    echo "fuzz $name: FAILED"
    tail -n 30 "$corpus.log"
    failed=$((failed + 1))
  fi
  rm -rf "$corpus" "$corpus.log"
done

# stage NAME CMD...: runs a test-bed script; counts its "N passed, N failed"
# line when it prints one, else the stage as one test.
stage() {
  local name=$1 out rc line
  shift
  set +e
  out=$("$@" 2>&1)
  rc=$?
  set -e
  printf '%s\n' "$out" | tail -n 40
  line=$(printf '%s\n' "$out" | grep -E '[0-9]+ passed, [0-9]+ failed' | tail -n 1 || true)
  if [ -n "$line" ]; then
    passed=$((passed + $(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+')))
    failed=$((failed + $(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+')))
  elif [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
  fi
  if [ "$rc" -ne 0 ]; then
    echo "$name: FAILED (exit $rc)"
    [ -n "$line" ] && [ "$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+')" -gt 0 ] || failed=$((failed + 1))
  fi
}

log "Debian packages: build, lintian, install, check the installed files"
stage "debian packages (amd64)" bash scripts/build-debs.sh amd64
if ls build-deb/amd64/*.deb >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall ./build-deb/amd64/*.deb >/dev/null
fi
stage "installed packages" bash scripts/check-installed.sh /usr

if [ "${ARMCACHE_E2E:-1}" != 0 ]; then
  log "test bed: Debian 6.1, 6.12, 6.16, 6.18, 7.0, 7.3 and the patched 7.3 with real KVM on every EL2 CPU model"
  KERNELS="6.1 6.12 6.16 6.18 7.0 7.3 native" ARMCACHE=$ARMCACHE_ROOT/build/armcache stage "e2e matrix" e2e/run-matrix.sh
  ARMCACHE=$ARMCACHE_ROOT/build/armcache stage "profiles on real kernels" e2e/run-profiles.sh
  stage "C API example on a real 6.12" e2e/run-vmm-apply.sh
  log "nested guest: Debian's QEMU with KVM in emulated N1 and V1 hosts (6.1, 6.12, 7.3, patched), armcache vmm-exec, the guest's sysfs"
  stage "nested guest" e2e/run-nested.sh
  log "migration: QEMU live migration between emulated 6.1, 6.12 and 7.3 hosts, with and without vmm-exec --compat"
  ARMCACHE=$ARMCACHE_ROOT/build/armcache stage "migration" e2e/run-migrate.sh
  MODEL=neoverse-v1 ARMCACHE=$ARMCACHE_ROOT/build/armcache stage "migration (CCIDX model)" e2e/run-migrate.sh
  log "patched kernel: checkpatch --strict, build, kselftest, model agreement, ERANGE"
  stage checkpatch linux/check-patches.sh
  ARMCACHE=$ARMCACHE_ROOT/build/armcache stage "native kernel" e2e/run-native.sh
fi

echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
