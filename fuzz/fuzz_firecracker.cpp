// Fuzzes the Firecracker readers: any bytes give a profile or a one-line
// error naming the file; an imported view that can be exported re-imports
// with the same fingerprint, and every import is a readable profile.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "armcache/profile/firecracker.h"

namespace {
void check_error(const armcache::Error& e) {
  if (e.message.rfind("fuzz.json: ", 0) != 0 || e.message.find('\n') != std::string::npos) abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace armcache::profile;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (bool fingerprint_format : {true, false}) {
    auto p = fingerprint_format ? firecracker::import_fingerprint(text, "fuzz.json")
                                : firecracker::import_template(text, "fuzz.json");
    if (!p) {
      check_error(p.error());
      continue;
    }
    auto again = from_json(to_json(*p), "again");
    if (!again || !(again->guest->view == p->guest->view) || again->guest->registers != p->guest->registers) abort();
    auto t = firecracker::export_template(*p, "fuzz.json");
    if (!t) {
      check_error(t.error());
      continue;
    }
    auto back = firecracker::import_template(t->dump(), "t");
    if (!back || fingerprint(back->guest->view) != fingerprint(p->guest->view)) abort();
  }
  return 0;
}
