#include "armcache/registers/midr.h"

namespace armcache::reg {
namespace {
struct Part {
  unsigned implementer;
  unsigned part;
  std::string_view name;
};
// From the Arm ARM implementer codes and vendors' published part numbers.
constexpr Part kParts[] = {
    {0x41, 0xd03, "Cortex-A53"},  {0x41, 0xd04, "Cortex-A35"},   {0x41, 0xd05, "Cortex-A55"},
    {0x41, 0xd07, "Cortex-A57"},  {0x41, 0xd08, "Cortex-A72"},   {0x41, 0xd09, "Cortex-A73"},
    {0x41, 0xd0a, "Cortex-A75"},  {0x41, 0xd0b, "Cortex-A76"},   {0x41, 0xd0c, "Neoverse N1"},
    {0x41, 0xd0d, "Cortex-A77"},  {0x41, 0xd40, "Neoverse V1"},  {0x41, 0xd41, "Cortex-A78"},
    {0x41, 0xd44, "Cortex-X1"},   {0x41, 0xd46, "Cortex-A510"},  {0x41, 0xd47, "Cortex-A710"},
    {0x41, 0xd48, "Cortex-X2"},   {0x41, 0xd49, "Neoverse N2"},  {0x41, 0xd4f, "Neoverse V2"},
    {0x41, 0xd80, "Cortex-A520"}, {0x41, 0xd81, "Cortex-A720"},  {0x41, 0xd82, "Cortex-X4"},
    {0x41, 0xd84, "Neoverse V3"}, {0x41, 0xd85, "Cortex-X925"},  {0x41, 0xd87, "Cortex-A725"},
    {0x41, 0xd8e, "Neoverse N3"}, {0x46, 0x001, "A64FX"},        {0x61, 0x032, "M2 Blizzard"},
    {0x61, 0x033, "M2 Avalanche"}, {0x51, 0xc00, "Falkor"},      {0x48, 0xd01, "TSV110"},
    {0xc0, 0xac3, "AmpereOne"},   {0x4e, 0x004, "Carmel"},   
};
}  // namespace

std::string_view implementer_name(unsigned implementer) {
  switch (implementer) {
    case 0x41: return "Arm";
    case 0x42: return "Broadcom";
    case 0x43: return "Cavium";
    case 0x46: return "Fujitsu";
    case 0x48: return "HiSilicon";
    case 0x4e: return "NVIDIA";
    case 0x50: return "APM";
    case 0x51: return "Qualcomm";
    case 0x61: return "Apple";
    case 0x6d: return "Microsoft";
    case 0xc0: return "Ampere";
    default: return {};
  }
}

std::string_view part_name(unsigned implementer, unsigned part_num) {
  for (const Part& p : kParts)
    if (p.implementer == implementer && p.part == part_num) return p.name;
  return {};
}

}  // namespace armcache::reg
