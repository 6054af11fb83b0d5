#include "armcache/cache/geometry.h"

#include <fmt/format.h>

#include <bit>

namespace armcache::cache {

using reg::Ccsidr;
using reg::CcsidrFormat;

namespace {
std::string_view format_name(CcsidrFormat f) {
  return f == CcsidrFormat::k32 ? "32-bit CCSIDR format" : "FEAT_CCIDX CCSIDR format";
}
}  // namespace

Result<Ccsidr> ccsidr_from_geometry(Geometry g, CcsidrFormat format) {
  if (g.line_bytes < 16 || g.line_bytes > 2048 || !std::has_single_bit(g.line_bytes))
    return Error::make(fmt::format("line size {} bytes is not a power of two from 16 to 2048", g.line_bytes));
  if (g.ways == 0 || g.sets == 0) return Error::make("a cache needs at least one way and one set");
  const FormatLimits lim = limits(format);
  if (g.ways > lim.max_ways)
    return Error::make(fmt::format("{} ways do not fit the {} (at most {})", g.ways, format_name(format), lim.max_ways));
  if (g.sets > lim.max_sets)
    return Error::make(fmt::format("{} sets do not fit the {} (at most {})", g.sets, format_name(format), lim.max_sets));
  const std::uint64_t line_size = std::countr_zero(g.line_bytes) - 4;
  std::uint64_t raw = 0;
  if (format == CcsidrFormat::k32) {
    raw = reg::ccsidr::kLineSize.with(raw, line_size);
    raw = reg::ccsidr::kAssociativity.with(raw, g.ways - 1);
    raw = reg::ccsidr::kNumSets.with(raw, g.sets - 1);
  } else {
    raw = reg::ccsidr::kLineSizeX.with(raw, line_size);
    raw = reg::ccsidr::kAssociativityX.with(raw, g.ways - 1);
    raw = reg::ccsidr::kNumSetsX.with(raw, g.sets - 1);
  }
  return Ccsidr(raw, format);
}

Result<Ccsidr> convert(Ccsidr c, CcsidrFormat to) {
  if (c.format() == to) return c;
  return ccsidr_from_geometry(geometry_of(c), to);
}

bool looks_truncated(std::uint64_t raw, bool ccidx) {
  const Ccsidr c = Ccsidr::as_read(raw, ccidx);
  if (c.format() == CcsidrFormat::k32) return check_truncated(std::uint32_t(raw), std::nullopt) != Truncation::kNo;
  return (raw >> 32) == 0 && c.num_sets() == 0;
}

std::string describe_ccsidr(std::uint64_t raw, bool ccidx) {
  if (raw == 0) return "0";
  const Geometry g = geometry_of_read(raw, ccidx);
  const std::uint64_t size = g.size_bytes();
  const std::string sz = size >= 1024 ? fmt::format("{} KiB", size / 1024) : fmt::format("{} B", size);
  return fmt::format("{:#x}  {}-byte lines x {} way{} x {} set{} = {}", raw, g.line_bytes, g.ways,
                     g.ways == 1 ? "" : "s", g.sets, g.sets == 1 ? "" : "s", sz);
}

Truncation check_truncated(std::uint32_t demux_value, std::optional<bool> host_ccidx) {
  if (host_ccidx.has_value()) return *host_ccidx ? Truncation::kYes : Truncation::kNo;
  const Ccsidr as32(demux_value, CcsidrFormat::k32);
  const bool ccidx_shaped = (demux_value >> 24) == 0;  // [31:24] are RES0 in the 64-bit format
  return (ccidx_shaped && as32.num_sets() == 0 && as32.associativity() != 0) ? Truncation::kLikely
                                                                             : Truncation::kNo;
}

}  // namespace armcache::cache
