// PPTT parser on arbitrary tables, then the whole analysis on what it found.
#include <cstddef>
#include <cstdint>
#include <span>

#include "armcache/host/discover.h"
#include "armcache/host/pptt.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto r = armcache::host::parse_pptt(std::span<const std::uint8_t>(data, size));
  if (r) (void)armcache::host::report_to_json(armcache::host::analyze({*r}, std::nullopt));
  return 0;
}
