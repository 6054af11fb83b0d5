// Fuzzes the interposer's view hand-over (ARMCACHE_VMM_VIEW): whatever the
// text, decode_view fails with one line or yields a view that encodes back
// to text decoding to the same registers.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "armcache/vmm/interposer.h"

using namespace armcache;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto v = vmm::decode_view(text);
  if (!v) {
    if (v.error().message.find('\n') != std::string::npos) abort();
    return 0;
  }
  auto back = vmm::decode_view(vmm::encode_view(*v));
  if (!back || back->clidr_reg != v->clidr_reg || back->ctr_reg != v->ctr_reg || back->demux != v->demux) abort();
  (void)vmm::vcpu_index_from_link(text);
  return 0;
}
