// Device-tree reader on arbitrary blobs, then the whole analysis on what it
// found: must warn or fail, never crash or hang.
#include <cstddef>
#include <cstdint>
#include <span>

#include <nlohmann/json.hpp>

#include "armcache/host/devicetree.h"
#include "armcache/host/discover.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // libfdt wants the blob 8-byte aligned, as a real one is in memory.
  std::vector<std::uint8_t> blob(data, data + size);
  auto r = armcache::host::parse_dt_blob(std::span<const std::uint8_t>(blob.data(), blob.size()));
  if (r) {
    // The JSON writer must give valid JSON for whatever the source held.
    const std::string text = armcache::host::report_to_json(armcache::host::analyze({*r}, std::nullopt));
    if (nlohmann::json::parse(text, nullptr, false).is_discarded()) __builtin_trap();
  }
  return 0;
}
