// The guest probe: a tiny aarch64 program run in a vCPU that reads the cache
// ID registers as the guest sees them and stores each value to an MMIO
// address, so every read reaches the VMM as a KVM_EXIT_MMIO.
// The payload and the decoding of its exits are portable (unit-tested on
// x86); running it needs the aarch64 backend.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "armcache/identity/identity.h"
#include "armcache/kvm/kvm.h"
#include "armcache/registers/id_regs.h"

namespace armcache::kvm::probe {

// Guest physical layout: RAM holds the exception vectors at 0 (VBAR_EL1) and
// the code at kCodeOffset; kMmioBase has no memslot, so stores there exit.
inline constexpr std::uint64_t kRamGpa = 0x0;
inline constexpr std::size_t kRamSize = 0x10000;
inline constexpr std::uint64_t kCodeOffset = 0x800;
inline constexpr std::uint64_t kMmioBase = 0x10000000;

// MMIO slots (address = kMmioBase + 8 * slot).
enum Slot : unsigned {
  kSlotMidr = 0,
  kSlotClidr = 1,
  kSlotCtr = 2,
  kSlotMmfr2 = 3,
  kSlotCcsidr = 4,    // + CSSELR value 0..31 (0..15 Level|InD, 16..31 with TnD)
  kSlotCsselr = 36,   // + the same: CSSELR read back after the write
  kSlotDone = 68,
  kSlotEsr = 69,      // an exception: ESR_EL1, then ELR_EL1
  kSlotElr = 70,
  kSlotStart = 71,    // x4, set by the first instruction: kStartMagic unless it was skipped
  kSlotCount = 72,
};
inline constexpr std::uint64_t kDoneMagic = 0xac0de;
inline constexpr std::uint64_t kStartMagic = 0x5a5a;
inline constexpr unsigned kSelectors = 32;

// Machine code for [kRamGpa, kRamGpa + size): vectors, then the probe.
std::vector<std::uint32_t> payload();
// Single-instruction encoders (A64), exposed for tests.
namespace a64 {
std::uint32_t mrs(unsigned rt, unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2);
std::uint32_t msr(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2, unsigned rt);
std::uint32_t movz(unsigned rd, std::uint16_t imm, unsigned shift);
std::uint32_t movk(unsigned rd, std::uint16_t imm, unsigned shift);
std::uint32_t str_imm(unsigned rt, unsigned rn, unsigned byte_offset);  // 64-bit, unsigned offset
inline constexpr std::uint32_t kIsb = 0xd5033fdf;
inline constexpr std::uint32_t kBranchSelf = 0x14000000;
}  // namespace a64

// What one run of the probe reported.
struct Reads {
  std::uint64_t midr = 0, clidr = 0, ctr = 0, mmfr2 = 0;
  std::uint64_t start = 0;  // kStartMagic when the vCPU began at the probe's first instruction
  std::array<std::uint64_t, kSelectors> ccsidr{};  // by CSSELR value written
  std::array<std::uint64_t, kSelectors> csselr{};  // CSSELR read back
  std::array<bool, kSlotCount> seen{};
  bool done = false;
  std::optional<std::uint64_t> esr, elr;  // the guest took an exception

  unsigned mmfr2_ccidx() const { return reg::Mmfr2{mmfr2}.ccidx(); }
  // Guest-read fields of a GuestView (clidr, ccsidr, ccsidr_tnd, ctr,
  // mmfr2_ccidx); the ONE_REG fields stay as in `base`.
  identity::GuestView to_view(identity::GuestView base = {}) const;
};

// Feeds exits to Reads; returns an error for exits the probe never makes.
class Collector {
 public:
  Status feed(const RunExit& e);
  const Reads& reads() const { return reads_; }
  bool finished() const { return reads_.done || reads_.elr.has_value(); }  // ELR comes after ESR

 private:
  Reads reads_;
};

// A scratch VM with N vCPUs and the probe loaded.
class ProbeVm {
 public:
  static Result<ProbeVm> create(System& sys, unsigned vcpus);
  // mte: KVM_CAP_ARM_MTE on the VM first (fails where the host has no MTE).
  static Result<ProbeVm> create(System& sys, unsigned vcpus, bool mte);
  unsigned size() const { return unsigned(vcpus_.size()); }
  // Requires i < size() (unchecked: callers index the vCPUs they created;
  // run() and reset() check and fail with EINVAL).
  Vcpu& vcpu(unsigned i) { return vcpus_[i]; }
  const VcpuInit& init() const { return init_; }
  // Sets the PC to the probe and runs vCPU i until it reports done (at
  // most timeout_ms; a guest exception is an error naming ESR/ELR). The
  // final MMIO store stays pending until reset() or the next run().
  Result<Reads> run(unsigned i, unsigned timeout_ms = 5000);
  // Completes the pending access, then a second KVM_ARM_VCPU_INIT.
  // complete_first = false (testing) skips the completion, to show what
  // docs/kvm-testbed.md warns about.
  Status reset(unsigned i, bool complete_first = true);

 private:
  System* sys_ = nullptr;
  Vm vm_;
  VcpuInit init_;
  std::vector<Vcpu> vcpus_;
};

}  // namespace armcache::kvm::probe
