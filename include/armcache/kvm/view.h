// Reading and applying a cache view through KVM's ONE_REG interface:
// CLIDR_EL1, CTR_EL0 and the DEMUX CCSIDR ids. Portable (works on any
// RegisterFile), so the transaction logic is tested without KVM.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "armcache/identity/identity.h"
#include "armcache/kernel/generation.h"
#include "armcache/kvm/kvm.h"

namespace armcache::kvm {

// Fills the ONE_REG fields of a GuestView (clidr_reg, ctr_reg, demux for
// every DEMUX CCSIDR id KVM_GET_REG_LIST lists). The guest-read fields are
// set from the same values (clidr, ctr, ccsidr[sel] for listed ids) as a
// first guess; the guest probe replaces them with what a guest reads.
Result<identity::GuestView> read_view(RegisterFile& regs);

// One register of a view, in the order apply_view writes them.
struct RegWrite {
  std::uint64_t id = 0;
  std::string name;
  std::uint64_t value = 0;   // what the view wants
  std::uint64_t before = 0;  // what was there
};

struct ApplyFailure {
  std::uint64_t id = 0;
  std::string name;
  std::uint64_t value = 0;
  int errnum = 0;           // errno of the failed ioctl; 0 for a read-back mismatch
  std::string message;      // one line
  std::optional<std::uint64_t> read_back;  // set when the write "worked" but read back differently
};

// CTR_EL0 first (from 6.11 it is per VM and bounds the CCSIDR line sizes KVM
// accepts), then the DEMUX CCSIDR values, then CLIDR_EL1 last so that a
// half-applied view never advertises levels whose CCSIDR is not set yet.
// Registers already holding the wanted value are left alone (not written),
// which keeps pre-6.3 "invariant" registers and a CTR_EL0 that is locked
// after the VM ran out of the way.
// A register that cannot be read (e.g. a DEMUX id this kernel does not
// have) ends the plan: `read_failure` names it, with the wanted value.
std::vector<RegWrite> plan_writes(const identity::GuestView& view, RegisterFile& regs, std::vector<RegWrite>& unchanged,
                                  std::optional<ApplyFailure>& read_failure);

struct ApplyReport {
  bool ok = false;
  std::vector<RegWrite> written;    // in write order (on failure: those done before it)
  std::vector<RegWrite> unchanged;  // already held the wanted value
  std::optional<ApplyFailure> failure;
  // After a failure: every register written (and the failed one) put back;
  // restore_errors lists those that could not be.
  bool restored = false;
  std::vector<std::string> restore_errors;
};

// Applies the view's ONE_REG fields (ctr_reg, demux, clidr_reg) to one
// vCPU as a transaction: write in the order above, read each back, and on
// the first failure put back what was there, in reverse order.
ApplyReport apply_view(const identity::GuestView& view, RegisterFile& regs);
// The same transaction with other registers written first, each (id, value)
// in the given order: the ID register values of a migration-compatibility
// plan (plan/compat.h), so that one failure undoes them too.
ApplyReport apply_view(const identity::GuestView& view, RegisterFile& regs,
                       const std::vector<std::pair<std::uint64_t, std::uint64_t>>& first);

// The ONE_REG values that make a guest on `kernel` read what the view's guest
// read. A view saved on a kernel whose guests read the raw CTR_EL0 (pre-6.3,
// or FEAT_EVT hosts) holds a sanitised ctr_reg; from 6.11 the guest reads the
// VM's CTR_EL0, so the guest-read value is the one to write there.
identity::GuestView one_reg_target(const identity::GuestView& view, const kernel::KernelSpec& kernel);

// "CLIDR_EL1: KVM_SET_ONE_REG ...: Invalid argument (EINVAL)" or "ok".
std::string describe(const ApplyReport& r);

}  // namespace armcache::kvm
