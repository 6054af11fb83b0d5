// Fuzzes the profile reader: any bytes give a profile or a one-line error
// naming the file; a profile that parses writes back to the same profile.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "armcache/profile/profile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace armcache;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto p = profile::parse(text, "fuzz.json");
  if (!p) {
    const auto& m = p.error().message;
    if (m.rfind("fuzz.json: ", 0) != 0 || m.find('\n') != std::string::npos) abort();
    return 0;
  }
  auto again = profile::from_json(profile::to_json(*p), "again");
  if (!again || !(again->host == p->host)) abort();
  if (p->guest && !(again->guest->view == p->guest->view)) abort();
  return 0;
}
