// Device-tree reader on arbitrary blobs, then the whole analysis on what it
// found, and the firmware merge (--into-dtb) into the same blob: must warn
// or fail, never crash or hang.
#include <cstddef>
#include <cstdint>
#include <span>

#include <nlohmann/json.hpp>

#include "armcache/firmware/firmware.h"
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
  // Merging the N1 hierarchy into whatever tree this is.
  armcache::identity::GuestView v;
  v.clidr = armcache::reg::Clidr(0x82000023);
  v.ccsidr[0] = 0x701fe01a;
  v.ccsidr[1] = 0x201fe01a;
  v.ccsidr[2] = 0x70ffe03a;
  if (auto m = armcache::firmware::merge_into_dtb(v, 1, std::span<const std::uint8_t>(blob.data(), blob.size())))
    if (!armcache::host::parse_dt_blob(m->blob)) __builtin_trap();  // what we write must read back
  return 0;
}
