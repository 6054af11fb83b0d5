// Helpers for the host discovery tests: run an oracle tool, find fixtures.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "armcache/host/types.h"

namespace armcache::host::test {

inline std::string fixture(const std::string& name) { return std::string(ARMCACHE_FIXTURES) + "/" + name; }

// stdout of a shell command; status in *rc.
inline std::string run(const std::string& cmd, int* rc = nullptr) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = ::pclose(p);
  if (rc) *rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

inline bool have(const std::string& tool) { return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0; }

// A test whose oracle is missing proves nothing, so it fails (in CI and
// everywhere else); ARMCACHE_ALLOW_MISSING_ORACLES=1 makes it skip instead,
// for a machine that cannot install the tool.
inline bool missing_oracles_allowed() {
  const char* v = std::getenv("ARMCACHE_ALLOW_MISSING_ORACLES");
  return v != nullptr && std::string(v) == "1";
}

}  // namespace armcache::host::test

// In a TEST body or a void helper: fails (or, when allowed, skips) unless
// `tool` is on PATH, naming the Debian package that installs it.
#define ARMCACHE_REQUIRE_ORACLE(tool, package)                                                        \
  do {                                                                                                \
    if (!::armcache::host::test::have(tool)) {                                                        \
      if (::armcache::host::test::missing_oracles_allowed()) {                                        \
        GTEST_SKIP() << "oracle " << (tool) << " (Debian package " << (package)                       \
                     << ") is missing; skipped because ARMCACHE_ALLOW_MISSING_ORACLES=1";             \
      }                                                                                               \
      FAIL() << "oracle " << (tool) << " is missing: install the Debian package " << (package)        \
             << " (or set ARMCACHE_ALLOW_MISSING_ORACLES=1 to skip the tests that need it)";          \
    }                                                                                                 \
  } while (0)

namespace armcache::host::test {

inline std::vector<std::uint8_t> slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

inline std::string temp_dir() {
  char tmpl[] = "/tmp/armcache-host-test-XXXXXX";
  const char* d = ::mkdtemp(tmpl);
  return d ? d : "/tmp";
}

// Whether a warning of `r` (a SourceDescription or a HostReport) contains `needle`.
template <typename Report>
bool has_warning(const Report& r, const std::string& needle) {
  for (const auto& w : r.warnings)
    if (w.find(needle) != std::string::npos) return true;
  return false;
}

// The cache of CPU `c` at `level` of kind `t`, or nullptr.
inline const CacheInfo* find_cache(const CpuInfo& c, unsigned level, cache::CacheKind t) {
  for (const auto& k : c.caches)
    if (k.level == level && k.type == t) return &k;
  return nullptr;
}

}  // namespace armcache::host::test
