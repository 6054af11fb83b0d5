// PPTT parser on arbitrary tables, then the whole analysis on what it found.
#include <cstddef>
#include <cstdint>
#include <span>

#include <nlohmann/json.hpp>

#include "armcache/host/discover.h"
#include "armcache/host/pptt.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto r = armcache::host::parse_pptt(std::span<const std::uint8_t>(data, size));
  if (r) {
    // The JSON writer must give valid JSON for whatever the source held.
    const std::string text = armcache::host::report_to_json(armcache::host::analyze({*r}, std::nullopt));
    if (nlohmann::json::parse(text, nullptr, false).is_discarded()) __builtin_trap();
  }
  return 0;
}
