// Device-tree reader on arbitrary blobs, then the whole analysis on what it
// found: must warn or fail, never crash or hang.
#include <cstddef>
#include <cstdint>
#include <span>

#include "armcache/host/devicetree.h"
#include "armcache/host/discover.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // libfdt wants the blob 8-byte aligned, as a real one is in memory.
  std::vector<std::uint8_t> blob(data, data + size);
  auto r = armcache::host::parse_dt_blob(std::span<const std::uint8_t>(blob.data(), blob.size()));
  if (r) (void)armcache::host::report_to_json(armcache::host::analyze({*r}, std::nullopt));
  return 0;
}
