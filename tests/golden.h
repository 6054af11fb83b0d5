// Register values from docs/kvm-testbed.md and docs/host-discovery.md (QEMU ground truth and
// values from the field), with geometry worked out by hand from the Arm ARM
// field layouts; they match the cores' published cache sizes.
#pragma once

#include <cstdint>

namespace armcache::fixtures {

struct GoldenCcsidr {
  std::uint64_t raw;
  std::uint32_t line_bytes, ways, sets;
};

inline constexpr GoldenCcsidr kGolden32[] = {
    {0x700fe01a, 64, 4, 128},    // a35/a53 L1D 32K
    {0x201fe00a, 64, 2, 256},    // a35/a53 L1I 32K
    {0x703fe03a, 64, 8, 512},    // a35 L2 256K
    {0x707fe07a, 64, 16, 1024},  // a53/a72 L2 1M
    {0x701fe00a, 64, 2, 256},    // a57/a72/max L1D 32K
    {0x201fe012, 64, 3, 256},    // a57/a72/max L1I 48K
    {0x70ffe07a, 64, 16, 2048},  // a57/max L2 2M
    {0x701fe01a, 64, 4, 256},    // a76/n1 L1D 64K
    {0x201fe01a, 64, 4, 256},    // a76/n1 L1I 64K
    {0x707fe03a, 64, 8, 1024},   // a76 L2 512K
    {0x70ffe03a, 64, 8, 2048},   // n1 L2 1M
    {0x7007e01c, 256, 4, 64},    // a64fx L1D 64K
    {0x2007e01c, 256, 4, 64},    // a64fx L1I 64K
    {0x70ffe07c, 256, 16, 2048}, // a64fx L2 8M
    {0x200fe01a, 64, 4, 128},    // a55 L1I 32K
    {0x703fe07a, 64, 16, 512},   // a55 L2 512K
    {0x700fe03a, 64, 8, 128},    // M2 cluster A L1D 64K
    {0x203fe01a, 64, 4, 512},    // M2 cluster A L1I 128K
    {0x70ffe07b, 128, 16, 2048}, // M2 cluster A L2 4M
    {0x701fe03a, 64, 8, 256},    // M2 cluster B L1D 128K
    {0x203fe02a, 64, 6, 512},    // M2 cluster B L1I 192K
    {0x73ffe07b, 128, 16, 8192}, // M2 cluster B L2 16M
    {0x1a, 64, 4, 1},            // truncated CCIDX (V1/N2 on 6.1)
    {0x3a, 64, 8, 1},            // truncated CCIDX
    {0x2, 64, 1, 1},             // 6.3+ fabricated, 64-byte lines
    {0x4, 256, 1, 1},            // 6.3+ fabricated on a64fx
};

inline constexpr GoldenCcsidr kGoldenCcidx[] = {
    {0xff0000001a, 64, 4, 256},    // v1/n2/a710 L1D and L1I 64K
    {0x7ff0000003a, 64, 8, 2048},  // v1 L2 1M
    {0x3ff0000003a, 64, 8, 1024},  // n2/a710 L2 512K
};

struct GoldenClidr {
  std::uint64_t raw;
  unsigned ctype1, ctype2, louis, loc, louu, icb, ttype1, ttype2;
};

inline constexpr GoldenClidr kGoldenClidr[] = {
    {0x0a200023, 3, 4, 1, 2, 1, 0, 0, 0},  // a35/a53/a57/a72
    {0x82000023, 3, 4, 0, 2, 0, 2, 0, 0},  // a76/n1/a55/v1
    {0x80000023, 3, 4, 0, 0, 0, 2, 0, 0},  // a64fx
    {0x02000023, 3, 4, 0, 2, 0, 0, 0, 0},  // max
    {0x1482000023, 3, 4, 0, 2, 0, 2, 2, 2},  // n2/a710
    {0x03000123, 3, 4, 0, 3, 0, 0, 0, 0},  // a VMM's rewrite from sysfs on a 6.18 host (L3 too)
};

}  // namespace armcache::fixtures
