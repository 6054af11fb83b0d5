#include "armcache/kernel/generation.h"

#include <fmt/format.h>

namespace armcache::kernel {

std::string_view generation_name(Generation g) {
  switch (g) {
    case Generation::kPre63: return "pre-6.3";
    case Generation::k63To69: return "6.3-6.9";
    case Generation::k610To615: return "6.10-6.15";
    case Generation::k616Plus: return "6.16+";
    case Generation::kNative: return "native";
  }
  return "?";
}

std::optional<Generation> generation_from_name(std::string_view name) {
  for (auto g : {Generation::kPre63, Generation::k63To69, Generation::k610To615, Generation::k616Plus,
                 Generation::kNative})
    if (name == generation_name(g)) return g;
  if (name == "6.10+") return Generation::k610To615;
  return std::nullopt;
}

std::optional<std::string> unproven_warning(const KernelSpec& k) {
  if (!k.newer_than_proven()) return std::nullopt;
  return fmt::format("kernel {} is newer than {}.{}, the newest line the kernel models were proven on against a "
                     "real kernel; the prediction follows {}.{}'s rules",
                     k.label, kNewestProvenLine.major, kNewestProvenLine.minor, kNewestProvenLine.major,
                     kNewestProvenLine.minor);
}

Result<KernelSpec> parse_kernel(std::string_view text) {
  KernelSpec k;
  k.label = std::string(text);
  if (text == "native") {
    // The v3 patch series (linux/ in this repository) applies to kNativeBase.
    k.generation = Generation::kNative;
    k.version = kNativeBase;
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
  else if (*v < KernelVersion{6, 16})
    k.generation = Generation::k610To615;
  else
    k.generation = Generation::k616Plus;
  return k;
}

}  // namespace armcache::kernel
