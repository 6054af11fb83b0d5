// The KVM backend's portable parts: the probe payload and the decoding of its
// exits, the transactional apply on a fake register file, view comparison,
// the C API and the CLI's behaviour without a backend. Real-KVM behaviour is
// tested by e2e/run-matrix.sh.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <tuple>

#include <nlohmann/json.hpp>

#include "armcache/armcache_kvm.h"
#include "armcache/kvm/kvm.h"
#include "armcache/kvm/native_cap.h"
#include "armcache/kvm/native_detect.h"
#include "armcache/kvm/native_view.h"
#include "armcache/identity/qemu_models.h"
#include "armcache/kernel/vcpu_model.h"
#include "armcache/kvm/probe.h"
#include "armcache/kvm/verify.h"
#include "armcache/kvm/verify_view.h"
#include "armcache/vcpu/apply.h"
#include "armcache/vcpu/counting_regs.h"
#include "armcache/registers/kvm_reg_id.h"
#include "fake_regs.h"

namespace armcache::kvm {
namespace {

using identity::GuestView;
namespace p = probe;
using armcache::testing::FakeRegs;

// ---- payload ----

TEST(VerifyReport, ProblemsAreTheFailedApplyOrEveryMismatch) {
  VerifyReport r;
  r.applies.resize(2);
  r.applies[0].ok = r.applies[1].ok = true;
  r.mismatches.push_back({1, "after-reset", "CLIDR_EL1", 0x1, 0x2});
  ASSERT_EQ(r.problems().size(), 1u);
  EXPECT_EQ(r.problems()[0], "vCPU 1 after-reset: CLIDR_EL1 expected 0x1 seen 0x2");
  EXPECT_FALSE(r.ok());
  r.mismatches.clear();
  EXPECT_TRUE(r.ok());
  r.applies[1].ok = false;
  ASSERT_EQ(r.problems().size(), 1u);
  EXPECT_EQ(r.problems()[0].rfind("vCPU 1 apply: ", 0), 0u);
}

TEST(NativeView, SourcesAreTheFirstCpuOfEveryKind) {
  identity::Host h;
  h.kinds.resize(2);
  h.kinds[0].cpus = "0-3";
  h.kinds[1].cpus = "4-7";
  const auto src = native_sources(h);
  ASSERT_EQ(src.size(), 2u);
  EXPECT_EQ(std::tie(src[0].cpu, src[0].cpus, src[0].kind), std::make_tuple(0u, std::string("0-3"), std::size_t{0}));
  EXPECT_EQ(std::tie(src[1].cpu, src[1].cpus, src[1].kind), std::make_tuple(4u, std::string("4-7"), std::size_t{1}));
  // Without CPU lists (or without discovery): CPU 0 alone.
  const auto none = native_sources(identity::Host{});
  ASSERT_EQ(none.size(), 1u);
  EXPECT_EQ(std::tie(none[0].cpu, none[0].cpus, none[0].kind), std::make_tuple(0u, std::string("0"), std::size_t{0}));
}

TEST(NativeView, SynthesizedFromTheHostsRegistersOrNamesTheMissingGeometry) {
  const identity::Host h = *identity::qemu_model_host("neoverse-n1");
  kernel::HostInput in = *kernel::host_input(h, 0);
  auto v = synthesized_native_view(in, "0-3");
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(v->ccsidr[0], in.current_cpu.ccsidr.at(0));
  in.current_cpu.ccsidr.erase(2);
  auto missing = synthesized_native_view(in, "0-3");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().errnum, ENODATA);
  EXPECT_NE(missing.error().message.find("no geometry for CSSELR 2 of cpus 0-3"), std::string::npos);
}

TEST(ProbePayload, EncodesLikeBinutils) {
  // Words from aarch64-linux-gnu-objdump of the instructions named.
  EXPECT_EQ(p::a64::mrs(1, 3, 0, 5, 2, 0), 0xd5385201u);    // mrs x1, esr_el1
  EXPECT_EQ(p::a64::msr(3, 0, 12, 0, 0, 0), 0xd518c000u);   // msr vbar_el1, x0
  EXPECT_EQ(p::a64::mrs(1, 3, 1, 0, 0, 0), 0xd5390001u);    // mrs x1, ccsidr_el1
  EXPECT_EQ(p::a64::msr(3, 2, 0, 0, 0, 0), 0xd51a0000u);    // msr csselr_el1, x0
  EXPECT_EQ(p::a64::mrs(1, 3, 3, 0, 0, 1), 0xd53b0021u);    // mrs x1, ctr_el0
  EXPECT_EQ(p::a64::mrs(1, 3, 0, 0, 7, 2), 0xd5380741u);    // mrs x1, id_aa64mmfr2_el1
  EXPECT_EQ(p::a64::movz(0, 1, 0), 0xd2800020u);            // mov x0, #1
  EXPECT_EQ(p::a64::movk(2, 0x1000, 16), 0xf2a20002u);      // movk x2, #0x1000, lsl #16
  EXPECT_EQ(p::a64::str_imm(1, 2, 552), 0xf9011441u);       // str x1, [x2, #552]
}

TEST(ProbePayload, LayoutAndSlots) {
  const auto code = p::payload();
  ASSERT_LE(code.size() * 4, p::kRamSize);
  ASSERT_GT(code.size(), p::kCodeOffset / 4);
  // Vectors: every 0x80-byte entry starts by loading the MMIO base.
  for (unsigned v = 0; v < 16; ++v) EXPECT_EQ(code[v * 32], p::a64::movz(2, 0, 0)) << v;
  EXPECT_EQ(code.back(), p::a64::kBranchSelf);
  // Every store goes to x2 + 8*slot with a slot the collector knows; each
  // slot below kSlotDone is reported once by the probe body.
  std::map<unsigned, int> stores;
  for (std::size_t i = p::kCodeOffset / 4; i < code.size(); ++i)
    if ((code[i] & 0xffc003e0u) == 0xf9000040u) stores[((code[i] >> 10) & 0xfff)]++;
  for (unsigned s = 0; s <= p::kSlotDone; ++s) EXPECT_EQ(stores[s], 1) << "slot " << s;
  EXPECT_EQ(stores[p::kSlotStart], 1);
  EXPECT_EQ(stores.size(), std::size_t(p::kSlotDone) + 2);
  EXPECT_EQ(code[p::kCodeOffset / 4], p::a64::movz(4, p::kStartMagic, 0));  // the entry marker
}

RunExit mmio(unsigned slot, std::uint64_t v) {
  RunExit e;
  e.reason = kExitMmio;
  e.mmio_addr = p::kMmioBase + 8 * slot;
  e.mmio_data = v;
  e.mmio_len = 8;
  e.mmio_write = true;
  return e;
}

void feed_full_run(p::Collector& c) {
  ASSERT_TRUE(c.feed(mmio(p::kSlotStart, p::kStartMagic)));
  ASSERT_TRUE(c.feed(mmio(p::kSlotMidr, 0x414fd0c1)));
  ASSERT_TRUE(c.feed(mmio(p::kSlotClidr, 0x82000023)));
  ASSERT_TRUE(c.feed(mmio(p::kSlotCtr, 0x8444c004)));
  ASSERT_TRUE(c.feed(mmio(p::kSlotMmfr2, 0x100000)));
  for (unsigned s = 0; s < p::kSelectors; ++s) {
    ASSERT_TRUE(c.feed(mmio(p::kSlotCcsidr + s, 0x1000 + s)));
    ASSERT_TRUE(c.feed(mmio(p::kSlotCsselr + s, s & 0xf)));
  }
}

TEST(ProbeCollector, DecodesARun) {
  p::Collector c;
  feed_full_run(c);
  EXPECT_FALSE(c.finished());
  ASSERT_TRUE(c.feed(mmio(p::kSlotDone, p::kDoneMagic)));
  EXPECT_TRUE(c.finished());
  const auto& r = c.reads();
  EXPECT_EQ(r.midr, 0x414fd0c1u);
  EXPECT_EQ(r.start, p::kStartMagic);
  EXPECT_EQ(r.mmfr2_ccidx(), 1u);
  EXPECT_EQ(r.csselr[0x12], 0x2u);
  GuestView base;
  base.clidr_reg = 0x99;
  const GuestView v = r.to_view(base);
  EXPECT_EQ(v.clidr.raw(), 0x82000023u);
  EXPECT_EQ(v.ctr.raw(), 0x8444c004u);
  EXPECT_EQ(v.mmfr2_ccidx, 1u);
  EXPECT_EQ(v.ccsidr[2], 0x1002u);
  EXPECT_EQ(v.ccsidr_tnd[2], 0x1012u);  // CSSELR 0x12
  EXPECT_EQ(v.clidr_reg, 0x99u);        // ONE_REG fields are kept
}

TEST(ProbeCollector, RejectsWhatTheProbeNeverDoes) {
  p::Collector c;
  EXPECT_FALSE(c.feed(mmio(p::kSlotDone, p::kDoneMagic)));  // done before all slots
  p::Collector c2;
  feed_full_run(c2);
  EXPECT_FALSE(c2.feed(mmio(p::kSlotDone, 1)));  // wrong marker
  RunExit read = mmio(0, 0);
  read.mmio_write = false;
  EXPECT_FALSE(c.feed(read));
  RunExit other;
  other.reason = 17;
  other.detail = "SYSTEM_EVENT type 1";
  auto st = c.feed(other);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("SYSTEM_EVENT"), std::string::npos);
  EXPECT_FALSE(c.feed(mmio(p::kSlotCount, 0)));  // beyond the last slot
}

TEST(ProbeCollector, ReportsAnException) {
  p::Collector c;
  ASSERT_TRUE(c.feed(mmio(p::kSlotMidr, 1)));
  ASSERT_TRUE(c.feed(mmio(p::kSlotEsr, 0x2000000)));
  EXPECT_FALSE(c.finished());  // waits for ELR
  ASSERT_TRUE(c.feed(mmio(p::kSlotElr, 0x830)));
  EXPECT_TRUE(c.finished());
  EXPECT_EQ(*c.reads().esr, 0x2000000u);
  EXPECT_FALSE(c.reads().done);
}

// ---- apply on a fake register file ----


using armcache::testing::n1_one_reg_view;

TEST(ApplyView, WritesInSafeOrderAndSkipsEqualRegisters) {
  FakeRegs f;
  GuestView v = n1_one_reg_view();
  v.ctr_reg = 0x8444c004;
  const auto rep = apply_view(v, f);
  ASSERT_TRUE(rep.ok) << describe(rep);
  ASSERT_EQ(f.writes.size(), 5u);
  EXPECT_EQ(f.writes[0].first, reg::kCtrId);
  EXPECT_EQ(f.writes[1].first, reg::demux_ccsidr_id(0));
  EXPECT_EQ(f.writes[3].first, reg::demux_ccsidr_id(2));
  EXPECT_EQ(f.writes[4].first, reg::kClidrId);
  EXPECT_EQ(f.regs[reg::kClidrId], 0x82000023u);
  // Already-equal registers are not written.
  f.writes.clear();
  const auto again = apply_view(v, f);
  EXPECT_TRUE(again.ok);
  EXPECT_TRUE(f.writes.empty());
  EXPECT_EQ(again.unchanged.size(), 5u);
}

// Every call through CountingRegs is counted and reaches the inner file.
TEST(ApplyView, CountingRegsCountsEveryCall) {
  FakeRegs f;
  vcpu::CountingRegs regs(f);
  GuestView v = n1_one_reg_view();
  v.ctr_reg = 0x8444c004;
  ASSERT_TRUE(apply_view(v, regs).ok);
  EXPECT_EQ(regs.sets, f.writes.size());
  EXPECT_EQ(regs.sets, 5u);
  EXPECT_GE(regs.gets, 5u);  // each register read before, and read back after its write
}

// first_difference reads in apply_view's order and names the first register
// that differs (errnum 0) or cannot be read (errnum set).
TEST(ApplyView, FirstDifferenceInApplyOrder) {
  FakeRegs f;  // N1's 6.10+ defaults: CLIDR 0x02000021, CTR 0x9444c004, DEMUX 0x2
  GuestView v = n1_one_reg_view();
  v.ctr_reg = 0x9444c004;
  auto d = first_difference(v, f);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->id, reg::demux_ccsidr_id(0)) << "CTR_EL0 is equal, DEMUX 0 comes before CLIDR_EL1";
  EXPECT_EQ(d->errnum, 0);
  EXPECT_EQ(d->read_back, 0x2u);
  ASSERT_TRUE(apply_view(v, f).ok);
  EXPECT_FALSE(first_difference(v, f));
  f.regs.erase(reg::demux_ccsidr_id(1));
  d = first_difference(v, f);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->errnum, ENOENT);
  EXPECT_EQ(d->name, "CCSIDR_EL1[1]");
}

TEST(ApplyView, RefusedWriteRestoresEverythingInReverse) {
  FakeRegs f;
  const auto before = f.regs;
  f.refuse = [](std::uint64_t id, std::uint64_t v) { return id == reg::kClidrId && v == 0x82000023 ? EINVAL : 0; };
  const auto rep = apply_view(n1_one_reg_view(), f);
  ASSERT_FALSE(rep.ok);
  ASSERT_TRUE(rep.failure);
  EXPECT_EQ(rep.failure->id, reg::kClidrId);
  EXPECT_EQ(rep.failure->name, "CLIDR_EL1");
  EXPECT_EQ(rep.failure->errnum, EINVAL);
  EXPECT_NE(rep.failure->message.find("EINVAL"), std::string::npos);
  EXPECT_TRUE(rep.restored);
  EXPECT_EQ(f.regs, before);
  // Undo order: DEMUX 2, 1, 0 after the three forward writes.
  ASSERT_EQ(f.writes.size(), 6u);
  EXPECT_EQ(f.writes[3], std::make_pair(reg::demux_ccsidr_id(2), std::uint64_t{0x2}));
  EXPECT_EQ(f.writes[5], std::make_pair(reg::demux_ccsidr_id(0), std::uint64_t{0x2}));
  EXPECT_NE(describe(rep).find("CLIDR_EL1 = 0x82000023 refused"), std::string::npos);
}

TEST(ApplyView, ReadBackMismatchIsAFailureAndIsUndone) {
  FakeRegs f;
  const auto before = f.regs;
  // A kernel that silently keeps only the low 16 bits of CCSIDR 1.
  f.store = [](std::uint64_t id, std::uint64_t v) { return id == reg::demux_ccsidr_id(1) ? (v & 0xffff) : v; };
  const auto rep = apply_view(n1_one_reg_view(), f);
  ASSERT_FALSE(rep.ok);
  EXPECT_EQ(rep.failure->id, reg::demux_ccsidr_id(1));
  EXPECT_EQ(rep.failure->errnum, 0);
  ASSERT_TRUE(rep.failure->read_back);
  EXPECT_EQ(*rep.failure->read_back, 0xe01au);
  EXPECT_TRUE(rep.restored);
  EXPECT_EQ(f.regs, before);
}

TEST(ApplyView, UnlistedRegisterFailsBeforeAnyWrite) {
  FakeRegs f;
  f.regs.erase(reg::demux_ccsidr_id(2));  // a 6.1 host whose CLIDR has no L2
  const auto rep = apply_view(n1_one_reg_view(), f);
  ASSERT_FALSE(rep.ok);
  EXPECT_EQ(rep.failure->errnum, ENOENT);
  // The report names the register and the value the view wanted there.
  EXPECT_EQ(rep.failure->id, reg::demux_ccsidr_id(2));
  EXPECT_EQ(rep.failure->name, "CCSIDR_EL1[2]");
  EXPECT_EQ(rep.failure->value, 0x70ffe03au);
  EXPECT_TRUE(rep.restored);
  EXPECT_NE(describe(rep).find("CCSIDR_EL1[2] = 0x70ffe03a"), std::string::npos) << describe(rep);
  EXPECT_TRUE(f.writes.empty());
}

TEST(ApplyView, ReportsARestoreThatFails) {
  FakeRegs f;
  f.refuse = [](std::uint64_t id, std::uint64_t v) {
    if (id == reg::kClidrId) return EINVAL;
    if (id == reg::kCtrId && v == 0x9444c004) return EBUSY;  // cannot go back
    return 0;
  };
  GuestView v = n1_one_reg_view();
  v.ctr_reg = 0x8444c004;
  const auto rep = apply_view(v, f);
  ASSERT_FALSE(rep.ok);
  EXPECT_FALSE(rep.restored);
  ASSERT_EQ(rep.restore_errors.size(), 1u);
  EXPECT_NE(rep.restore_errors[0].find("EBUSY"), std::string::npos);
}

TEST(ReadView, ListsOnlyListedDemuxIds) {
  FakeRegs f;
  for (unsigned i = 3; i < 14; ++i) f.regs.erase(reg::demux_ccsidr_id(i));
  auto v = read_view(f);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->demux.size(), 3u);
  EXPECT_EQ(v->clidr_reg, 0x02000021u);
  EXPECT_EQ(v->ctr_reg, 0x9444c004u);
}

// ---- compare ----

TEST(Compare, DescribedSelectorsAndOneReg) {
  GuestView want = n1_one_reg_view();
  want.clidr = reg::Clidr(0x82000023);
  want.ctr = reg::Ctr(0x8444c004);
  want.ccsidr[0] = want.ccsidr_tnd[0] = 0x701fe01a;
  want.ccsidr[1] = want.ccsidr_tnd[1] = 0x201fe01a;
  want.ccsidr[2] = want.ccsidr_tnd[2] = 0x70ffe03a;
  GuestView seen = want;
  seen.ccsidr[5] = 0x2;  // undescribed: ignored by default
  EXPECT_TRUE(compare(want, seen, 0, "boot").empty());
  CompareOptions all;
  all.all_selectors = true;
  EXPECT_EQ(compare(want, seen, 0, "boot", all).size(), 1u);
  EXPECT_EQ(compared_selectors(want, {}), (std::vector<unsigned>{0, 1, 2, 0x10, 0x11, 0x12}));

  seen.clidr = reg::Clidr(0x02000021);
  seen.demux.erase(2);
  auto m = compare(want, seen, 1, "after-reset");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].text(), "vCPU 1 after-reset: CLIDR_EL1 expected 0x82000023 seen 0x2000021");
  EXPECT_EQ(m[1].reg, "ONE_REG CCSIDR_EL1[2] (not listed)");
}

// ---- no backend (x86) ----

// ---- native capability detection ----

// The answers come from the e2e runs: 6.18.15 and 7.3.4 say 1 to
// KVM_CHECK_EXTENSION(239) (KVM_CAP_ARM_WRITABLE_IMP_ID_REGS) and EINVAL to a
// vCPU KVM_ENABLE_CAP; the patched kernel says ENOEXEC before VCPU_INIT
// (linux/patches/0002, kvm_arm_vcpu_enable_cap()).
TEST(NativeCap, OnlyEnoexecBeforeInitConfirmsIt) {
  const unsigned cap = kKvmCapArmNativeCacheConfig;
  auto patched = judge_native_cap(cap, 1, ENOEXEC);
  EXPECT_TRUE(patched.present);
  EXPECT_NE(patched.reason.find("ENOEXEC"), std::string::npos);

  auto other_cap = judge_native_cap(cap, 1, EINVAL);  // a stock >= 6.15 kernel
  EXPECT_FALSE(other_cap.present);
  EXPECT_NE(other_cap.reason.find("gave EINVAL"), std::string::npos) << other_cap.reason;
  EXPECT_NE(other_cap.reason.find("another one"), std::string::npos) << other_cap.reason;

  auto absent = judge_native_cap(cap, 0, 0);  // a stock kernel that does not know the number
  EXPECT_FALSE(absent.present);
  EXPECT_NE(absent.reason.find("= 0"), std::string::npos) << absent.reason;

  EXPECT_FALSE(judge_native_cap(cap, 1, 0).present);       // success before init: not the series
  EXPECT_FALSE(judge_native_cap(cap, 1, ENOTTY).present);
  EXPECT_FALSE(judge_native_cap(cap, -1, ENOEXEC).present);
  EXPECT_EQ(patched.cap, cap);
}

TEST(NoBackend, EveryEntryPointSaysSo) {
  if (backend_available()) GTEST_SKIP() << "aarch64 build";
  auto s = System::open();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().errnum, ENOSYS);
  EXPECT_NE(s.error().message.find("aarch64"), std::string::npos);
  Vcpu v = Vcpu::borrow(0);
  EXPECT_EQ(v.get(reg::kClidrId).error().errnum, ENOSYS);
  armcache_kvm_view view{};
  armcache_kvm_error err{};
  EXPECT_EQ(armcache_kvm_available(), 0);
  EXPECT_EQ(armcache_kvm_read_view(0, &view, &err), -1);
  EXPECT_EQ(err.errnum, ENOSYS);
  EXPECT_EQ(armcache_kvm_apply_view(0, &view, &err), -1);
  EXPECT_EQ(err.errnum, ENOSYS);
}

TEST(CApi, LoadsAProfile) {
  const std::string path = ::testing::TempDir() + "armcache_kvm_view.json";
  std::ofstream(path) << R"({"format":"armcache-profile","version":1,"guest":{"clidr":"0x82000023",
    "ctr_el0":"0x8444c004","mmfr2_ccidx":0,"ccsidr":{"0":"0x701fe01a","1":"0x0","2":"0x0","3":"0x0","4":"0x0",
    "5":"0x0","6":"0x0","7":"0x0","8":"0x0","9":"0x0","10":"0x0","11":"0x0","12":"0x0","13":"0x0","14":"0x0",
    "15":"0x0"},"demux":{"0":"0x701fe01a","2":"0x70ffe03a"},"clidr_reg":"0x82000023","ctr_reg":"0x9444c004"}})";
  armcache_kvm_view v{};
  armcache_kvm_error err{};
  ASSERT_EQ(armcache_kvm_load_view(path.c_str(), &v, &err), 0) << err.message;
  EXPECT_EQ(v.clidr, 0x82000023u);
  EXPECT_EQ(v.ctr, 0x9444c004u);
  EXPECT_EQ(v.demux_mask, 0x5u);
  EXPECT_EQ(v.demux[2], 0x70ffe03au);
  EXPECT_EQ(armcache_kvm_load_view("/nonexistent/x.json", &v, &err), -1);
  EXPECT_NE(std::string(err.message).find("/nonexistent/x.json"), std::string::npos);
  std::remove(path.c_str());
}

#ifdef ARMCACHE_CLI
// Runs `armcache ARGS` through the shell: exit status and stdout+stderr
// together (the serial-console contract counts lines of both).
std::pair<int, std::string> run(const std::string& args) {
  FILE* f = popen((std::string(ARMCACHE_CLI) + " " + args + " 2>&1").c_str(), "r");
  if (!f) return {-1, "popen failed"};
  std::string out;
  char buf[4096];
  while (fgets(buf, sizeof buf, f)) out += buf;
  return {WEXITSTATUS(pclose(f)), out};
}

TEST(KvmCli, WithoutBackendOneLineExit3) {
  if (backend_available()) GTEST_SKIP() << "aarch64 build";
  for (const char* args : {"kvm show", "kvm show --json", "kvm apply --view " ARMCACHE_FIXTURE_VIEW,
                           "kvm verify --view " ARMCACHE_FIXTURE_VIEW}) {
    const auto [st, out] = run(args);
    ASSERT_NE(st, -1) << out;
    EXPECT_EQ(st, 3) << args << ": " << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
    EXPECT_NE(out.find("only for aarch64 Linux"), std::string::npos) << out;
  }
}

// The test bed's differential corpus (e2e/differential.py): model-replay runs
// it on the kernel model and prints what `kvm replay` prints on real KVM.
TEST(ReplayCli, ModelReplayRecordsErrnoAndState) {
  const std::string corpus = "/tmp/armcache-replay-corpus.json";
  std::ofstream(corpus) << R"({"steps": [{"op": "fresh"},
    {"op": "set", "id": "0x603000000013c801", "value": "0x800082000023", "case": "CLIDR RES0 bit 47"},
    {"op": "set", "id": "0x602000000011000e", "value": "0x2", "case": "DEMUX index 14"},
    {"op": "set", "id": "0x6020000000110000", "value": "0x3"},
    {"op": "reset"}, {"op": "run"}, {"op": "fresh"}]})";
  auto [st, out] = run("model-replay --kernel 6.12 --qemu-model neoverse-n1 --json --corpus " + corpus);
  ASSERT_EQ(st, 0) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << "one line for the serial console";
  const auto j = nlohmann::json::parse(out);
  const auto& steps = j.at("steps");
  ASSERT_EQ(steps.size(), 7u);
  EXPECT_EQ(steps[1]["errno"], "EINVAL");
  EXPECT_EQ(steps[1]["state"]["clidr"], "0x2000021");  // the fabricated value stays
  EXPECT_EQ(steps[2]["errno"], "ENOENT");
  EXPECT_TRUE(steps[2]["state"]["target"].is_null());  // GET of index 14: ENOENT, recorded as absent
  EXPECT_EQ(steps[3]["errno"], "ok");
  EXPECT_EQ(steps[3]["state"]["demux"][0], "0x3");
  EXPECT_EQ(steps[3]["state"]["demux"].size(), 14u);
  EXPECT_EQ(steps[4]["state"]["demux"][0], "0x3");     // kept over reset
  EXPECT_EQ(steps[5]["guest"]["ccsidr"]["0"], "0x3");    // and read by the guest
  EXPECT_EQ(steps[5]["guest"]["ccsidr"].size(), 16u);
  EXPECT_EQ(steps[6]["state"]["demux"][0], "0x2");     // a fresh VM
  // pre-6.3: only the host's listed ids.
  std::tie(st, out) = run("model-replay --kernel 6.1 --qemu-model neoverse-n1 --json --corpus " + corpus);
  ASSERT_EQ(st, 0) << out;
  const auto k61 = nlohmann::json::parse(out);
  EXPECT_EQ(k61["steps"][3]["errno"], "EINVAL");
  EXPECT_TRUE(k61["steps"][3]["state"]["demux"][3].is_null());
  if (!backend_available()) {
    std::tie(st, out) = run("kvm replay --json --corpus " + corpus);
    EXPECT_EQ(st, 3) << out;
  }
  std::remove(corpus.c_str());
}

// The "enable" op: KVM_ENABLE_CAP(KVM_CAP_ARM_NATIVE_CACHE_CONFIG) on the model.
TEST(ReplayCli, ModelReplayMteVms) {
  // --mte makes every fresh VM one with MTE: 6.12 fabricates Ttype(LoC) = 2
  // there (sys_regs.c reset_clidr(); 0x1002000021 on N1), and not without.
  const std::string corpus = "/tmp/armcache-replay-mte.json";
  std::ofstream(corpus) << R"({"steps": [{"op": "fresh"}, {"op": "reset"}]})";
  auto [st, out] = run("model-replay --kernel 6.12 --qemu-model neoverse-n1 --json --mte --corpus " + corpus);
  ASSERT_EQ(st, 0) << out;
  EXPECT_EQ(nlohmann::json::parse(out).at("steps")[1]["state"]["clidr"], "0x1002000021");
  std::tie(st, out) = run("model-replay --kernel 6.12 --qemu-model neoverse-n1 --json --corpus " + corpus);
  ASSERT_EQ(st, 0) << out;
  EXPECT_EQ(nlohmann::json::parse(out).at("steps")[1]["state"]["clidr"], "0x2000021");
}

TEST(ReplayCli, ModelReplayEnablesTheNativeCapability) {
  const std::string corpus = "/tmp/armcache-replay-enable.json";
  std::ofstream(corpus) << R"({"steps": [{"op": "fresh"},
    {"op": "enable", "flags": 1}, {"op": "enable", "args": [0, 0, 0, "0x1"]},
    {"op": "enable"}, {"op": "run"}, {"op": "enable"}]})";
  auto [st, out] = run("model-replay --kernel native --qemu-model neoverse-n1 --json --corpus " + corpus);
  ASSERT_EQ(st, 0) << out;
  auto steps = nlohmann::json::parse(out).at("steps");
  EXPECT_EQ(steps[1]["errno"], "EINVAL");
  EXPECT_EQ(steps[2]["errno"], "EINVAL");
  EXPECT_EQ(steps[2]["state"]["clidr"], "0x2000021");  // unchanged by a refused enable
  EXPECT_EQ(steps[3]["errno"], "ok");
  EXPECT_EQ(steps[3]["state"]["clidr"], "0x82000023");  // the host's (N1) values
  EXPECT_EQ(steps[3]["state"]["demux"][2], "0x70ffe03a");
  EXPECT_EQ(steps[4]["guest"]["ccsidr"]["2"], "0x70ffe03a");
  EXPECT_EQ(steps[5]["errno"], "EBUSY");  // after the vCPU ran
  // A kernel without the capability refuses every enable.
  std::tie(st, out) = run("model-replay --kernel 6.12 --qemu-model neoverse-n1 --json --corpus " + corpus);
  ASSERT_EQ(st, 0) << out;
  steps = nlohmann::json::parse(out).at("steps");
  EXPECT_EQ(steps[3]["errno"], "EINVAL");
  EXPECT_EQ(steps[3]["state"]["clidr"], "0x2000021");
  // Malformed enable steps are bad input.
  for (const char* bad : {R"({"steps": [{"op": "enable", "flags": "0x100000000"}]})",
                          R"({"steps": [{"op": "enable", "args": [0, 0, 0, 0, 0]}]})",
                          R"({"steps": [{"op": "enable", "args": ["x"]}]})"}) {
    std::ofstream(corpus) << bad;
    std::tie(st, out) = run("model-replay --kernel native --qemu-model neoverse-n1 --json --corpus " + corpus);
    EXPECT_EQ(st, 2) << bad << ": " << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  }
  std::remove(corpus.c_str());
}
#endif

}  // namespace
}  // namespace armcache::kvm
