// Fuzzes the value and field parsers and the decoders they feed: whatever
// the bytes, a parse either fails with a message or yields a value that
// decodes and re-encodes to itself.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "armcache/cache/geometry.h"
#include "armcache/cache/selectors.h"
#include "armcache/registers/catalog.h"
#include "armcache/registers/codec.h"
#include "armcache/registers/kvm_reg_id.h"
#include "armcache/util/parse.h"

using namespace armcache;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto a = reg::parse_field_assignment(text); !a.ok() && a.error().message.find('\n') != std::string::npos) abort();
  (void)parse_kernel_version(text);
  (void)parse_uint(text);
  auto v = parse_hex(text);
  if (!v) return 0;
  for (const auto& info : reg::known_registers()) {
    for (bool ccidx : {false, true}) {
      const reg::Layout& layout = reg::decode_layout(info.kind, *v, ccidx);
      if (!reg::check_reserved(layout, *v).ok()) continue;
      std::vector<reg::FieldAssignment> fields;
      for (const auto& f : reg::decode(layout, *v)) fields.push_back({std::string(f.field->name), f.value});
      auto back = reg::encode(layout, fields, layout.res1_mask());
      if (!back.ok() || *back != *v) abort();
    }
  }
  (void)cache::clidr_shape(reg::Clidr(*v));
  (void)cache::convert(reg::Ccsidr(*v & 0x00ffffff00ffffffull, reg::CcsidrFormat::kCcidx), reg::CcsidrFormat::k32);
  (void)cache::check_truncated(std::uint32_t(*v), std::nullopt);
  if (auto id = reg::decode_reg_id(*v)) (void)reg::reg_id_problem(*id);
  return 0;
}
