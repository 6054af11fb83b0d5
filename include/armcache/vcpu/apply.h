// Reading and applying a cache view through ONE_REG: CLIDR_EL1, CTR_EL0 and
// the DEMUX CCSIDR ids, on any RegisterFile. The one write order: `kvm
// apply` runs it on a real vCPU and the planner (plan/planner.h) on the
// destination's kernel model, so a plan is what apply will do.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "armcache/identity/identity.h"
#include "armcache/vcpu/register_file.h"

namespace armcache::vcpu {

// Fills the ONE_REG fields of a GuestView (clidr_reg, ctr_reg, demux for
// every DEMUX CCSIDR id KVM_GET_REG_LIST lists). The guest-read fields are
// set from the same values (clidr, ctr, ccsidr[sel] for listed ids) as a
// first guess; the guest probe replaces them with what a guest reads.
Result<identity::GuestView> read_view(RegisterFile& regs);

// One register of a view, in the order apply_view writes them.
struct RegWrite {
  std::uint64_t id = 0;
  std::string name;          // reg::one_reg_name(id)
  std::uint64_t value = 0;   // what the view wants
  std::uint64_t before = 0;  // what was there
};

struct ApplyFailure {
  std::uint64_t id = 0;
  std::string name;
  std::uint64_t value = 0;
  int errnum = 0;           // errno of the failed get/set; 0 for a read-back mismatch
  std::string message;      // one line: the register file's error, or the mismatch
  std::optional<std::uint64_t> read_back;  // set when the write "worked" but read back differently
  bool before_writes = false;              // the register could not be read: nothing was written
};

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

// Applies the view's ONE_REG fields to one vCPU as a transaction.
// 1. Every register is read first; one that cannot be read (a DEMUX id this
//    kernel does not list) fails the transaction before anything is written.
// 2. Registers already holding the wanted value are left alone, which keeps
//    pre-6.3 invariant registers and a CTR_EL0 locked after the VM ran out
//    of the way.
// 3. The rest are written in this order, each read back: `first` (the ID
//    register values of a migration-compatibility plan, plan/compat.h),
//    CTR_EL0, the DEMUX CCSIDR values, CLIDR_EL1. KVM checks CCSIDR line
//    sizes and CLIDR's IDC against the host's sanitised CTR_EL0, not the
//    VM's (docs/arm-cache-registers.md#per-kernel-behaviour), so the order
//    does not change what is accepted; CLIDR_EL1 goes last so that a
//    half-applied view never advertises levels whose CCSIDR is not set yet.
// 4. On the first failure everything written, and the failed register, is
//    put back in reverse order.
ApplyReport apply_view(const identity::GuestView& view, RegisterFile& regs,
                       const std::vector<std::pair<std::uint64_t, std::uint64_t>>& first = {});

// The view's ONE_REG fields as (id, value) in apply_view's write order.
std::vector<std::pair<std::uint64_t, std::uint64_t>> apply_order(const identity::GuestView& view);

// A ONE_REG id's place in that order (lower is written first): CTR_EL0, the
// DEMUX CCSIDR values by index, CLIDR_EL1; any other register before them
// all. apply_order sorts by it, and so does every other writer of a view
// (plan::write_nearest), so there is one order.
unsigned apply_rank(std::uint64_t id);

// Whether the registers hold the view's ONE_REG values: the first register,
// in apply_view's order, that differs (read_back set, errnum 0) or cannot be
// read (errnum set); nullopt when all are equal.
std::optional<ApplyFailure> first_difference(const identity::GuestView& view, RegisterFile& regs);

// "CLIDR_EL1 = 0x... refused: ...; previous values restored" or "ok (...)".
std::string describe(const ApplyReport& r);

}  // namespace armcache::vcpu
