// Fuzzes the interposer's hand-over (ARMCACHE_VMM_VIEW, and --compat's
// ARMCACHE_VMM_HIDE and ARMCACHE_VMM_IDREGS): whatever the text, each decoder
// fails with one line or yields values that encode back to text decoding to
// the same values.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "armcache/vmm/interposer.h"

using namespace armcache;

// Every input is also tried as a hidden-id list and as register writes.
namespace {
void check_ids_and_writes(std::string_view text) {
  if (auto ids = vmm::decode_ids(text); !ids) {
    if (ids.error().message.find('\n') != std::string::npos) abort();
  } else if (auto back = vmm::decode_ids(vmm::encode_ids(*ids)); !back || *back != *ids) {
    abort();
  }
  if (auto w = vmm::decode_writes(text); !w) {
    if (w.error().message.find('\n') != std::string::npos) abort();
  } else if (auto back = vmm::decode_writes(vmm::encode_writes(*w)); !back || *back != *w) {
    abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_ids_and_writes(text);
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
