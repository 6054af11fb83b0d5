// The ID registers whose fields bear on the cache view: ID_AA64MMFR2_EL1
// (CCIDX) and ID_AA64PFR1_EL1 (MTE). The full field tables are given so that
// RES0 checks are exact; other fields are decoded without a description.
#pragma once

#include <cstdint>

#include "armcache/registers/describers.h"
#include "armcache/registers/field.h"

namespace armcache::reg {

namespace mmfr2 {
using enum FieldRole;
inline constexpr Field kCnP{"CnP", 3, 0};
inline constexpr Field kUAO{"UAO", 7, 4};
inline constexpr Field kLSM{"LSM", 11, 8};
inline constexpr Field kIESB{"IESB", 15, 12};
inline constexpr Field kVARange{"VARange", 19, 16};
inline constexpr Field kCCIDX{"CCIDX", 23, 20, kValue, describe::ccidx};
inline constexpr Field kNV{"NV", 27, 24};
inline constexpr Field kST{"ST", 31, 28};
inline constexpr Field kAT{"AT", 35, 32};
inline constexpr Field kIDS{"IDS", 39, 36};
inline constexpr Field kFWB{"FWB", 43, 40};
inline constexpr Field kRes0{"RES0", 47, 44, kReserved0};
inline constexpr Field kTTL{"TTL", 51, 48};
inline constexpr Field kBBM{"BBM", 55, 52};
inline constexpr Field kEVT{"EVT", 59, 56};
inline constexpr Field kE0PD{"E0PD", 63, 60};
inline constexpr Field kTable[] = {kCnP, kUAO, kLSM, kIESB, kVARange, kCCIDX, kNV, kST,
                                   kAT,  kIDS, kFWB, kRes0, kTTL,     kBBM,   kEVT, kE0PD};
}  // namespace mmfr2

namespace pfr1 {
using enum FieldRole;
inline constexpr Field kBT{"BT", 3, 0};
inline constexpr Field kSSBS{"SSBS", 7, 4};
inline constexpr Field kMTE{"MTE", 11, 8, kValue, describe::mte};
inline constexpr Field kRAS_frac{"RAS_frac", 15, 12};
inline constexpr Field kMPAM_frac{"MPAM_frac", 19, 16};
inline constexpr Field kRes0{"RES0", 23, 20, kReserved0};
inline constexpr Field kSME{"SME", 27, 24};
inline constexpr Field kRNDR_trap{"RNDR_trap", 31, 28};
inline constexpr Field kCSV2_frac{"CSV2_frac", 35, 32};
inline constexpr Field kNMI{"NMI", 39, 36};
inline constexpr Field kMTE_frac{"MTE_frac", 43, 40};
inline constexpr Field kGCS{"GCS", 47, 44};
inline constexpr Field kTHE{"THE", 51, 48};
inline constexpr Field kMTEX{"MTEX", 55, 52};
inline constexpr Field kDF2{"DF2", 59, 56};
inline constexpr Field kPFAR{"PFAR", 63, 60};
inline constexpr Field kTable[] = {kBT,  kSSBS,      kMTE,      kRAS_frac, kMPAM_frac, kRes0,
                                   kSME, kRNDR_trap, kCSV2_frac, kNMI,     kMTE_frac,  kGCS,
                                   kTHE, kMTEX,      kDF2,      kPFAR};
}  // namespace pfr1

inline constexpr Layout kMmfr2Layout{"ID_AA64MMFR2_EL1", 64, mmfr2::kTable};
inline constexpr Layout kPfr1Layout{"ID_AA64PFR1_EL1", 64, pfr1::kTable};

struct Mmfr2 {
  std::uint64_t raw = 0;
  constexpr unsigned ccidx() const { return unsigned(mmfr2::kCCIDX.get(raw)); }
};
struct Pfr1 {
  std::uint64_t raw = 0;
  constexpr unsigned mte() const { return unsigned(pfr1::kMTE.get(raw)); }
};

}  // namespace armcache::reg
