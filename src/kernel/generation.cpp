#include "armcache/kernel/generation.h"

#include <fmt/format.h>

namespace armcache::kernel {

std::string_view generation_name(Generation g) {
  switch (g) {
    case Generation::kPre63: return "pre-6.3";
    case Generation::k63To69: return "6.3-6.9";
    case Generation::k610Plus: return "6.10+";
    case Generation::kNative: return "native";
  }
  return "?";
}

Result<KernelSpec> parse_kernel(std::string_view text) {
  KernelSpec k;
  k.label = std::string(text);
  if (text == "native") {
    // The v2 patch series applies to 6.12 (linux/ in this repository).
    k.generation = Generation::kNative;
    k.version = {6, 12};
    return k;
  }
  auto v = parse_kernel_version(text);
  if (!v) return Error::make(fmt::format("{} (or \"native\")", v.error().message));
  if (v->major < 4 || v->major > 99) return Error::make(fmt::format("kernel {} is not a Linux version KVM/arm64 has", text));
  k.version = *v;
  if (*v < KernelVersion{6, 3})
    k.generation = Generation::kPre63;
  else if (*v < KernelVersion{6, 10})
    k.generation = Generation::k63To69;
  else
    k.generation = Generation::k610Plus;
  return k;
}

}  // namespace armcache::kernel
