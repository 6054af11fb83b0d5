#include "armcache/kvm/probe.h"

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <ctime>

#include "armcache/registers/kvm_reg_id.h"

#if defined(__aarch64__) && defined(__linux__)
#include <pthread.h>
#endif

namespace armcache::kvm::probe {

namespace a64 {
std::uint32_t mrs(unsigned rt, unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2) {
  return 0xd5300000u | ((op0 - 2) << 19) | (op1 << 16) | (crn << 12) | (crm << 8) | (op2 << 5) | rt;
}
std::uint32_t msr(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2, unsigned rt) {
  return 0xd5100000u | ((op0 - 2) << 19) | (op1 << 16) | (crn << 12) | (crm << 8) | (op2 << 5) | rt;
}
std::uint32_t movz(unsigned rd, std::uint16_t imm, unsigned shift) {
  return 0xd2800000u | ((shift / 16) << 21) | (std::uint32_t{imm} << 5) | rd;
}
std::uint32_t movk(unsigned rd, std::uint16_t imm, unsigned shift) {
  return 0xf2800000u | ((shift / 16) << 21) | (std::uint32_t{imm} << 5) | rd;
}
std::uint32_t str_imm(unsigned rt, unsigned rn, unsigned byte_offset) {
  return 0xf9000000u | ((byte_offset / 8) << 10) | (rn << 5) | rt;
}
}  // namespace a64

namespace {

using reg::SysRegEncoding;
constexpr SysRegEncoding kEsrEl1{3, 0, 5, 2, 0};
constexpr SysRegEncoding kElrEl1{3, 0, 4, 0, 1};
constexpr SysRegEncoding kVbarEl1{3, 0, 12, 0, 0};

std::uint32_t mrs(unsigned rt, SysRegEncoding e) { return a64::mrs(rt, e.op0, e.op1, e.crn, e.crm, e.op2); }
std::uint32_t msr(SysRegEncoding e, unsigned rt) { return a64::msr(e.op0, e.op1, e.crn, e.crm, e.op2, rt); }

// x2 = kMmioBase (fits in 32 bits).
void load_base(std::vector<std::uint32_t>& c) {
  c.push_back(a64::movz(2, std::uint16_t(kMmioBase & 0xffff), 0));
  c.push_back(a64::movk(2, std::uint16_t(kMmioBase >> 16), 16));
}

// MMIO stores use "str x1, [x2, #imm]": a single register with an
// immediate offset and no writeback, which KVM can decode from the syndrome.
std::uint32_t report(unsigned slot) { return a64::str_imm(1, 2, slot * 8); }

}  // namespace

std::vector<std::uint32_t> payload() {
  std::vector<std::uint32_t> code(kCodeOffset / 4, a64::kBranchSelf);
  // 16 exception vectors of 0x80 bytes at 0: report ESR and ELR, then spin.
  for (unsigned v = 0; v < 16; ++v) {
    std::vector<std::uint32_t> h;
    load_base(h);
    h.push_back(mrs(1, kEsrEl1));
    h.push_back(report(kSlotEsr));
    h.push_back(mrs(1, kElrEl1));
    h.push_back(report(kSlotElr));
    h.push_back(a64::kBranchSelf);
    std::copy(h.begin(), h.end(), code.begin() + v * 32);
  }
  auto& c = code;
  // First instruction: a marker in x4 (zero after reset), reported below, so
  // a vCPU that starts one instruction late is seen.
  c.push_back(a64::movz(4, std::uint16_t(kStartMagic), 0));
  c.push_back(a64::movz(0, std::uint16_t(kRamGpa), 0));  // VBAR_EL1 = the vectors (RAM is below 64K)
  c.push_back(msr(kVbarEl1, 0));
  c.push_back(a64::kIsb);
  load_base(c);
  c.push_back(a64::str_imm(4, 2, kSlotStart * 8));
  c.push_back(mrs(1, reg::kMidrEl1));
  c.push_back(report(kSlotMidr));
  c.push_back(mrs(1, reg::kClidrEl1));
  c.push_back(report(kSlotClidr));
  c.push_back(mrs(1, reg::kCtrEl0));
  c.push_back(report(kSlotCtr));
  c.push_back(mrs(1, reg::kIdAa64Mmfr2El1));
  c.push_back(report(kSlotMmfr2));
  for (unsigned sel = 0; sel < kSelectors; ++sel) {
    c.push_back(a64::movz(0, std::uint16_t(sel), 0));
    c.push_back(msr(reg::kCsselrEl1, 0));
    c.push_back(a64::kIsb);
    // Zero first: a 6.3+ trap handler leaves the destination alone for Level 7.
    c.push_back(a64::movz(1, 0, 0));
    c.push_back(mrs(1, reg::kCcsidrEl1));
    c.push_back(report(kSlotCcsidr + sel));
    c.push_back(mrs(1, reg::kCsselrEl1));
    c.push_back(report(kSlotCsselr + sel));
  }
  c.push_back(a64::movz(1, std::uint16_t(kDoneMagic & 0xffff), 0));
  c.push_back(a64::movk(1, std::uint16_t(kDoneMagic >> 16), 16));
  c.push_back(report(kSlotDone));
  c.push_back(a64::kBranchSelf);
  return code;
}

identity::GuestView Reads::to_view(identity::GuestView base) const {
  base.clidr = reg::Clidr(clidr);
  base.ctr = reg::Ctr(ctr);
  base.mmfr2_ccidx = mmfr2_ccidx();
  for (unsigned i = 0; i < identity::kGuestSelectors; ++i) {
    base.ccsidr[i] = ccsidr[i];
    base.ccsidr_tnd[i] = ccsidr[0x10 | i];
  }
  return base;
}

Status Collector::feed(const RunExit& e) {
  if (e.reason != kExitMmio)
    return Error::make(fmt::format("unexpected KVM exit reason {}{}{}", e.reason, e.detail.empty() ? "" : ": ", e.detail));
  if (!e.mmio_write || e.mmio_len != 8 || e.mmio_addr < kMmioBase || e.mmio_addr >= kMmioBase + 8 * kSlotCount ||
      (e.mmio_addr - kMmioBase) % 8 != 0)
    return Error::make(fmt::format("unexpected MMIO {} of {} bytes at {:#x}", e.mmio_write ? "write" : "read",
                                   e.mmio_len, e.mmio_addr));
  const unsigned slot = unsigned((e.mmio_addr - kMmioBase) / 8);
  const std::uint64_t v = e.mmio_data;
  reads_.seen[slot] = true;
  if (slot == kSlotMidr) reads_.midr = v;
  else if (slot == kSlotClidr) reads_.clidr = v;
  else if (slot == kSlotCtr) reads_.ctr = v;
  else if (slot == kSlotMmfr2) reads_.mmfr2 = v;
  else if (slot >= kSlotCcsidr && slot < kSlotCcsidr + kSelectors) reads_.ccsidr[slot - kSlotCcsidr] = v;
  else if (slot >= kSlotCsselr && slot < kSlotCsselr + kSelectors) reads_.csselr[slot - kSlotCsselr] = v;
  else if (slot == kSlotDone) {
    if (v != kDoneMagic) return Error::make(fmt::format("probe done marker {:#x}, expected {:#x}", v, kDoneMagic));
    for (unsigned s = 0; s < kSlotCount; ++s)
      if (!reads_.seen[s] && s != kSlotDone && s != kSlotEsr && s != kSlotElr) return Error::make(fmt::format("probe finished without reporting slot {}", s));
    reads_.done = true;
  } else if (slot == kSlotEsr) reads_.esr = v;
  else if (slot == kSlotElr) reads_.elr = v;
  else if (slot == kSlotStart) reads_.start = v;
  return Ok{};
}

#if defined(__aarch64__) && defined(__linux__)

namespace {
void on_alarm(int) {}  // only there to make KVM_RUN return EINTR

// A one-shot timer that sends SIGALRM to this thread, so a guest that
// never exits cannot hang the caller.
class RunTimer {
 public:
  explicit RunTimer(unsigned ms) {
    struct sigaction sa{};
    sa.sa_handler = on_alarm;  // no SA_RESTART: the ioctl must fail with EINTR
    sigaction(SIGALRM, &sa, &old_);
    sigevent ev{};
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev.sigev_signo = SIGALRM;
    ev._sigev_un._tid = gettid();
    ok_ = timer_create(CLOCK_MONOTONIC, &ev, &timer_) == 0;
    if (ok_) {
      itimerspec its{};
      its.it_value.tv_sec = ms / 1000;
      its.it_value.tv_nsec = long(ms % 1000) * 1000000L;
      timer_settime(timer_, 0, &its, nullptr);
    }
  }
  ~RunTimer() {
    if (ok_) timer_delete(timer_);
    sigaction(SIGALRM, &old_, nullptr);
  }

 private:
  struct sigaction old_{};
  timer_t timer_{};
  bool ok_ = false;
};

// run() and reset() take any index: one out of range is the caller's error, not an exception.
Status check_index(unsigned i, unsigned size) {
  if (i < size) return Ok{};
  return Error::make(fmt::format("vCPU {}: the probe VM has {} vCPUs", i, size), EINVAL);
}
}  // namespace

Result<ProbeVm> ProbeVm::create(System& sys, unsigned vcpus) { return create(sys, vcpus, false); }

Result<ProbeVm> ProbeVm::create(System& sys, unsigned vcpus, bool mte) {
  ProbeVm p;
  p.sys_ = &sys;
  auto vm = sys.create_vm();
  if (!vm) return vm.error();
  p.vm_ = std::move(*vm);
  if (mte)
    if (auto st = p.vm_.enable_cap(kKvmCapArmMte); !st) return st.error();
  auto mem = p.vm_.add_memory(0, kRamGpa, kRamSize);
  if (!mem) return mem.error();
  const auto code = payload();
  std::memcpy(*mem, code.data(), code.size() * 4);
  auto init = p.vm_.preferred_target();
  if (!init) return init.error();
  p.init_ = *init;
  for (unsigned i = 0; i < vcpus; ++i) {
    auto v = p.vm_.create_vcpu(i);
    if (!v) return v.error();
    if (auto st = v->init(p.init_); !st) return st.error();
    p.vcpus_.push_back(std::move(*v));
  }
  return p;
}

Result<Reads> ProbeVm::run(unsigned i, unsigned timeout_ms) {
  if (auto st = check_index(i, size()); !st) return st.error();
  Vcpu& v = vcpus_[i];
  if (auto st = v.complete_pending(); !st) return st.error();
  if (auto st = v.set_pc(kRamGpa + kCodeOffset); !st) return st.error();
  Collector col;
  RunTimer timer(timeout_ms);
  while (!col.finished()) {
    auto e = v.run();
    if (!e) {
      if (e.error().errnum == EINTR)
        return Error::make(fmt::format("vCPU {}: the probe did not finish within {} ms", i, timeout_ms), ETIMEDOUT);
      return e.error();
    }
    if (auto st = col.feed(*e); !st) return Error::make(fmt::format("vCPU {}: {}", i, st.error().message));
  }
  if (col.reads().esr)
    return Error::make(fmt::format("vCPU {}: the probe took an exception: ESR_EL1 {:#x} at ELR_EL1 {:#x}", i,
                                   *col.reads().esr, col.reads().elr.value_or(0)));
  return col.reads();
}

Status ProbeVm::reset(unsigned i, bool complete_first) {
  if (auto st = check_index(i, size()); !st) return st;
  Vcpu& v = vcpus_[i];
  if (complete_first) {
    if (auto st = v.complete_pending(); !st) return st;
  } else {
    v.forget_pending();
  }
  return v.init(init_);
}

#else

Result<ProbeVm> ProbeVm::create(System&, unsigned) { return unsupported(); }
Result<ProbeVm> ProbeVm::create(System&, unsigned, bool) { return unsupported(); }
Result<Reads> ProbeVm::run(unsigned, unsigned) { return unsupported(); }
Status ProbeVm::reset(unsigned, bool) { return unsupported(); }

#endif

}  // namespace armcache::kvm::probe
