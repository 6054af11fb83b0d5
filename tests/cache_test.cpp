#include <gtest/gtest.h>

#include <random>

#include "armcache/cache/geometry.h"
#include "armcache/cache/idc.h"
#include "armcache/cache/selectors.h"
#include "golden.h"

namespace armcache::cache {
namespace {

using reg::Ccsidr;
using reg::CcsidrFormat;
using reg::Clidr;
using reg::Ctr;

std::vector<std::uint32_t> selector_values(std::uint64_t clidr) {
  std::vector<std::uint32_t> out;
  for (const auto& s : clidr_shape(Clidr(clidr)).selectors) out.push_back(s.value());
  return out;
}

TEST(Selectors, FactsClidrs) {
  using V = std::vector<std::uint32_t>;
  // Ground truth of every QEMU model: L1 split, L2 unified.
  for (std::uint64_t c : {0x0a200023ull, 0x82000023ull, 0x80000023ull, 0x02000023ull, 0x1482000023ull})
    EXPECT_EQ(selector_values(c), (V{0, 1, 2})) << std::hex << c;
  // 6.3+ fabrications.
  EXPECT_EQ(selector_values(0x09200003), (V{0, 1}));
  EXPECT_EQ(selector_values(0x09200002), (V{0}));
  EXPECT_EQ(selector_values(0x02000021), (V{1, 2}));
  EXPECT_EQ(selector_values(0x01000004), (V{0}));
  // A VMM's sysfs rewrite with an L3.
  EXPECT_EQ(selector_values(0x03000123), (V{0, 1, 2, 4}));
}

TEST(Selectors, TtypeOneAddsATagSelectorOthersDoNot) {
  // Ttype 2/3 share the unified lines (n2's 0x1482000023): no TnD selector.
  EXPECT_EQ(selector_values(0x1482000023), (std::vector<std::uint32_t>{0, 1, 2}));
  // Ttype1 = 1: a separate L1 tag cache, selected with TnD (0x10).
  const auto shape = clidr_shape(Clidr(0x0282000023ull));
  ASSERT_EQ(shape.selectors.size(), 4u);
  EXPECT_EQ(shape.selectors[2].value(), 0x10u);
  EXPECT_EQ(shape.selectors[2].kind, CacheKind::kTag);
  EXPECT_EQ(level_ind_selectors(Clidr(0x0282000023ull)), (std::vector<unsigned>{0, 1, 2}));
}

TEST(Selectors, StopsAtFirstCtypeZeroAndFlagsWhatIsIgnored) {
  // Ctype1 = 3, Ctype2 = 0, Ctype3 = 4.
  const auto shape = clidr_shape(Clidr(0x103));
  EXPECT_EQ(shape.levels.size(), 1u);
  EXPECT_EQ(selector_values(0x103), (std::vector<std::uint32_t>{0, 1}));
  ASSERT_EQ(shape.problems.size(), 1u);
  EXPECT_NE(shape.problems[0].find("Ctype3"), std::string::npos);
}

TEST(Selectors, ReservedCtypeIsFlagged) {
  const auto shape = clidr_shape(Clidr(0x2b));  // Ctype1 = 3, Ctype2 = 5
  EXPECT_EQ(shape.levels.size(), 2u);
  EXPECT_EQ(selector_values(0x2b), (std::vector<std::uint32_t>{0, 1}));
  ASSERT_FALSE(shape.problems.empty());
  EXPECT_NE(shape.problems[0].find("reserved"), std::string::npos);
}

TEST(Selectors, AllSevenLevels) {
  Clidr c;
  for (unsigned l = 1; l <= 7; ++l) c.set_ctype(l, 4);
  const auto sel = level_ind_selectors(c);
  EXPECT_EQ(sel, (std::vector<unsigned>{0, 2, 4, 6, 8, 10, 12}));
}

TEST(Geometry, Golden32) {
  for (const auto& g : fixtures::kGolden32) {
    const Geometry geo = geometry_of(Ccsidr(g.raw, CcsidrFormat::k32));
    EXPECT_EQ(geo, (Geometry{g.line_bytes, g.ways, g.sets})) << std::hex << g.raw;
    // Re-encoding keeps every architected field; only [31:28] (UNKNOWN) may differ.
    auto back = ccsidr_from_geometry(geo, CcsidrFormat::k32);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->raw(), g.raw & 0x0fffffffu);
  }
}

TEST(Geometry, GoldenCcidx) {
  for (const auto& g : fixtures::kGoldenCcidx) {
    const Ccsidr c(g.raw, CcsidrFormat::kCcidx);
    EXPECT_EQ(geometry_of(c), (Geometry{g.line_bytes, g.ways, g.sets})) << std::hex << g.raw;
    auto back = ccsidr_from_geometry(geometry_of(c), CcsidrFormat::kCcidx);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->raw(), g.raw);
    // All of them fit the 32-bit format, which is what a guest must see.
    auto as32 = convert(c, CcsidrFormat::k32);
    ASSERT_TRUE(as32.ok());
    EXPECT_EQ(geometry_of(*as32), geometry_of(c));
  }
  // n2's L2 (8 ways, 1024 sets, 64 B) in the 32-bit format: 0x7fe03a.
  EXPECT_EQ(convert(Ccsidr(0x3ff0000003a, CcsidrFormat::kCcidx), CcsidrFormat::k32)->raw(), 0x7fe03aull);
}

TEST(Geometry, Size) {
  EXPECT_EQ(geometry_of(Ccsidr(0x000007ff0000003aull, CcsidrFormat::kCcidx)).size_bytes(), 1048576u);
}

TEST(Geometry, ConversionFailsWithReasonWhenItDoesNotFit) {
  auto ways = ccsidr_from_geometry({64, 1025, 16}, CcsidrFormat::k32);
  ASSERT_FALSE(ways.ok());
  EXPECT_NE(ways.error().message.find("1025 ways"), std::string::npos) << ways.error().message;
  auto sets = convert(*ccsidr_from_geometry({64, 16, 32769}, CcsidrFormat::kCcidx), CcsidrFormat::k32);
  ASSERT_FALSE(sets.ok());
  EXPECT_NE(sets.error().message.find("32769 sets"), std::string::npos);
  EXPECT_TRUE(ccsidr_from_geometry({64, 1024, 32768}, CcsidrFormat::k32).ok());
  EXPECT_FALSE(ccsidr_from_geometry({48, 4, 4}, CcsidrFormat::k32).ok());
  EXPECT_FALSE(ccsidr_from_geometry({4096, 4, 4}, CcsidrFormat::k32).ok());
  EXPECT_FALSE(ccsidr_from_geometry({64, 0, 4}, CcsidrFormat::k32).ok());
  EXPECT_FALSE(ccsidr_from_geometry({64, 4, (1u << 24) + 1}, CcsidrFormat::kCcidx).ok());
}

// 32 <-> 64 conversion over random geometries: exact whenever the 32-bit
// format can hold the cache, refused otherwise.
TEST(Geometry, PropertyConversionRoundTrips) {
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    const Geometry g{16u << (rng() % 8), std::uint32_t(1 + rng() % (1u << 21)), std::uint32_t(1 + rng() % (1u << 24))};
    const bool fits32 = g.ways <= 1024 && g.sets <= 32768;
    auto x = ccsidr_from_geometry(g, CcsidrFormat::kCcidx);
    ASSERT_TRUE(x.ok());
    ASSERT_EQ(geometry_of(*x), g);
    auto y = convert(*x, CcsidrFormat::k32);
    ASSERT_EQ(y.ok(), fits32);
    if (fits32) {
      ASSERT_EQ(geometry_of(*y), g);
      ASSERT_EQ(convert(*y, CcsidrFormat::kCcidx)->raw(), x->raw());
    }
    // Small caches: always representable both ways.
    const Geometry s{16u << (rng() % 8), std::uint32_t(1 + rng() % 1024), std::uint32_t(1 + rng() % 32768)};
    auto a = ccsidr_from_geometry(s, CcsidrFormat::k32);
    ASSERT_TRUE(a.ok());
    ASSERT_EQ(geometry_of(*convert(*a, CcsidrFormat::kCcidx)), s);
  }
}

TEST(Truncation, LowHalvesOfCcidxValuesAreFlagged) {
  // V1/N2 values as pre-6.3 DEMUX returns them.
  for (const auto& g : fixtures::kGoldenCcidx)
    EXPECT_EQ(check_truncated(std::uint32_t(g.raw), std::nullopt), Truncation::kLikely) << std::hex << g.raw;
  // Real 32-bit values and 6.3+ fabrications are not.
  for (const auto& g : fixtures::kGolden32) {
    if (g.raw == 0x1a || g.raw == 0x3a) continue;
    EXPECT_EQ(check_truncated(std::uint32_t(g.raw), std::nullopt), Truncation::kNo) << std::hex << g.raw;
  }
  EXPECT_EQ(check_truncated(0x1a, true), Truncation::kYes);
  EXPECT_EQ(check_truncated(0x1a, false), Truncation::kNo);
}

// The format a value is read in, and whether it looks cut short, from the
// layouts: 0xff0000001a is FEAT_CCIDX (4 ways, 256 sets: NumSets in [55:32]);
// 0x3a read as 32-bit is 8 ways x 1 set with [31:24] clear, the low half of
// V1's L2; 0x70ffe03a is N1's real 32-bit L2 (8 ways x 2048 sets).
TEST(Truncation, FormatAsReadAndLooksTruncated) {
  EXPECT_EQ(Ccsidr::as_read(0xff0000001aull, false).format(), CcsidrFormat::kCcidx) << "bits [63:32] decide";
  EXPECT_EQ(Ccsidr::as_read(0x1a, false).format(), CcsidrFormat::k32);
  EXPECT_EQ(Ccsidr::as_read(0x1a, true).format(), CcsidrFormat::kCcidx);
  EXPECT_TRUE(looks_truncated(0x3a, false));
  EXPECT_FALSE(looks_truncated(0x70ffe03a, false));
  EXPECT_TRUE(looks_truncated(0x1a, true)) << "a CCIDX value without its NumSets half";
  EXPECT_FALSE(looks_truncated(0xff0000001aull, true));
  EXPECT_FALSE(looks_truncated(0xff0000001aull, false));
}

TEST(Idc, FactsModels) {
  struct Case {
    std::uint64_t ctr, clidr;
    bool effective;
  };
  const Case cases[] = {
      {0x84448004, 0x0a200023, false},   // a35/a53: LoUIS = LoUU = 1
      {0x8444c004, 0x0a200023, false},   // a57/a72
      {0x8444c004, 0x82000023, true},    // a76/n1: LoUIS = LoUU = 0
      {0x86668006, 0x80000023, true},    // a64fx: LoC = 0
      {0x8444c004, 0x02000023, true},    // max
      {0xb444c004, 0x82000023, true},    // v1: IDC in hardware
      {0x84448004, 0x82000023, true},    // a55
      {0x8444c004, 0x0a000023, false},   // LoUU = 1 alone keeps IDC off
      {0x8444c004, 0x02200023, false},   // LoUIS = 1 alone keeps IDC off
  };
  for (const auto& c : cases) {
    EXPECT_EQ(effective_idc(Ctr(c.ctr), Clidr(c.clidr)), c.effective) << std::hex << c.ctr << " " << c.clidr;
    EXPECT_EQ(sanitised_ctr(Ctr(c.ctr), Clidr(c.clidr)).idc(), c.effective);
  }
  // The guest's CTR_EL0 on 6.12 n1, from docs/kvm-testbed.md.
  EXPECT_EQ(sanitised_ctr(Ctr(0x8444c004), Clidr(0x82000023)).raw(), 0x9444c004ull);
}

}  // namespace
}  // namespace armcache::cache
