// The kernel models against what real kernels showed on QEMU's CPU models
// (docs/kvm-testbed.md, re-measured by e2e/). Expected values are the
// measurements, never the model's own output.
#include <gtest/gtest.h>

#include <cerrno>
#include <iterator>
#include <stdexcept>
#include <string>

#include "armcache/identity/qemu_models.h"
#include "armcache/kernel/vcpu_model.h"
#include "armcache/registers/kvm_reg_id.h"

namespace armcache::kernel {
namespace {

// The errno of a model call, 0 on success: the tests compare it with the
// errno the real kernel returned.
int errno_of(const Status& st) { return st ? 0 : st.error().errnum; }

// A vCPU of `model` on `kernel`. A name the library does not know ends the
// test with a failure naming it (a C++ exception, which gtest reports and
// survives) instead of dereferencing an empty result.
VcpuModel make(std::string_view kernel, std::string_view model, bool mte = false) {
  const auto spec = parse_kernel(kernel);
  if (!spec.ok())
    throw std::runtime_error("make(): kernel \"" + std::string(kernel) + "\": " + spec.error().message);
  const auto host = identity::qemu_model_host(model);
  if (!host) throw std::runtime_error("make(): no built-in QEMU model \"" + std::string(model) + "\"");
  const auto in = host_input(*host);
  if (!in.ok()) throw std::runtime_error("make(): host_input(" + std::string(model) + "): " + in.error().message);
  return VcpuModel(*spec, *in, VmConfig{mte});
}

TEST(KernelModel, MakeReportsAnUnknownNameInsteadOfCrashing) {
  EXPECT_THROW(make("6.12", "cortex-z9"), std::runtime_error);
  EXPECT_THROW(make("latest", "neoverse-n1"), std::runtime_error);
}

struct Measured {
  const char* model;
  std::uint64_t clidr_612;
  std::uint64_t ccsidr_612;  // every selector: LineSize only
};

// docs/kvm-testbed.md, "Debian 6.12 kernel".
constexpr Measured k612[] = {
    {"cortex-a35", 0x09200003, 0x2}, {"cortex-a53", 0x09200003, 0x2}, {"cortex-a57", 0x09200003, 0x2},
    {"cortex-a72", 0x09200003, 0x2}, {"cortex-a76", 0x02000021, 0x2}, {"neoverse-n1", 0x02000021, 0x2},
    {"a64fx", 0x02000021, 0x4},      {"max", 0x02000021, 0x2},        {"neoverse-v1", 0x01000004, 0x2},
    {"neoverse-n2", 0x01000004, 0x2}, {"cortex-a55", 0x02000021, 0x2}, {"cortex-a710", 0x02000021, 0x2},
};

TEST(KernelModel, Fabricated612MatchesMeasurement) {
  for (const auto& m : k612) {
    SCOPED_TRACE(m.model);
    const auto v = make("6.12.117+deb12-arm64", m.model).view();
    EXPECT_EQ(v.clidr.raw(), m.clidr_612);
    EXPECT_EQ(v.clidr_reg, m.clidr_612);
    EXPECT_EQ(v.mmfr2_ccidx, 0u);
    ASSERT_EQ(v.demux.size(), 14u);
    for (unsigned i = 0; i < 14; ++i) {
      EXPECT_EQ(v.ccsidr[i], m.ccsidr_612) << i;
      EXPECT_EQ(v.demux.at(i), m.ccsidr_612) << i;
      EXPECT_EQ(v.ccsidr_tnd[i], v.ccsidr[i]) << "TnD is masked";
    }
  }
}

TEST(KernelModel, EffectiveIdcInGuestCtrOn612) {
  // n1: raw 0x8444c004, guest reads IDC set (docs/kvm-testbed.md).
  EXPECT_EQ(make("6.12", "neoverse-n1").view().ctr.raw(), 0x9444c004ull);
  EXPECT_EQ(make("6.12", "neoverse-n1").view().ctr_reg, 0x9444c004ull);
  EXPECT_EQ(make("6.12", "a64fx").view().ctr_reg, 0x96668006ull);  // e2e: ONE_REG
  // a35: IDC not effective, CTR unchanged.
  EXPECT_EQ(make("6.12", "cortex-a35").view().ctr.raw(), 0x84448004ull);
}

// What the guest read on Debian's 6.1 (6.1.0-57-cloud-arm64) in VMs without
// MTE: docs/kvm-testbed.md, the "default guest view" column of the 6.1 rows
// (CLIDR / CCSIDR selectors 0, 1, 2 / CTR_EL0), equal to the host truth
// column there. DEMUX 0, 1, 2 are what ONE_REG gave: the same 32-bit values,
// and on the FEAT_CCIDX models (v1, n2, a710) their low 32 bits, measured as
// 0x1a / 0x1a / 0x3a ("What real KVM did", 6.1).
struct Measured61 {
  const char* model;
  std::uint64_t clidr;
  std::uint64_t ccsidr[3];
  std::uint64_t ctr;
  std::uint32_t demux[3];
};
constexpr Measured61 k61[] = {
    {"cortex-a35", 0xa200023, {0x700fe01a, 0x201fe00a, 0x703fe03a}, 0x84448004, {0x700fe01a, 0x201fe00a, 0x703fe03a}},
    {"cortex-a53", 0xa200023, {0x700fe01a, 0x201fe00a, 0x707fe07a}, 0x84448004, {0x700fe01a, 0x201fe00a, 0x707fe07a}},
    {"cortex-a57", 0xa200023, {0x701fe00a, 0x201fe012, 0x70ffe07a}, 0x8444c004, {0x701fe00a, 0x201fe012, 0x70ffe07a}},
    {"cortex-a72", 0xa200023, {0x701fe00a, 0x201fe012, 0x707fe07a}, 0x8444c004, {0x701fe00a, 0x201fe012, 0x707fe07a}},
    {"cortex-a76", 0x82000023, {0x701fe01a, 0x201fe01a, 0x707fe03a}, 0x8444c004, {0x701fe01a, 0x201fe01a, 0x707fe03a}},
    {"neoverse-n1", 0x82000023, {0x701fe01a, 0x201fe01a, 0x70ffe03a}, 0x8444c004, {0x701fe01a, 0x201fe01a, 0x70ffe03a}},
    {"a64fx", 0x80000023, {0x7007e01c, 0x2007e01c, 0x70ffe07c}, 0x86668006, {0x7007e01c, 0x2007e01c, 0x70ffe07c}},
    {"max", 0x2000023, {0x701fe00a, 0x201fe012, 0x70ffe07a}, 0x8444c004, {0x701fe00a, 0x201fe012, 0x70ffe07a}},
    {"cortex-a55", 0x82000023, {0x700fe01a, 0x200fe01a, 0x703fe07a}, 0x84448004, {0x700fe01a, 0x200fe01a, 0x703fe07a}},
    {"neoverse-v1", 0x82000023, {0xff0000001a, 0xff0000001a, 0x7ff0000003a}, 0xb444c004, {0x1a, 0x1a, 0x3a}},
    {"neoverse-n2", 0x1482000023, {0xff0000001a, 0xff0000001a, 0x3ff0000003a}, 0x4b444c004, {0x1a, 0x1a, 0x3a}},
    {"cortex-a710", 0x1482000023, {0xff0000001a, 0xff0000001a, 0x3ff0000003a}, 0x49444c004, {0x1a, 0x1a, 0x3a}},
};

TEST(KernelModel, Pre63ShowsHostValues) {
  // Every built-in model is measured above: a model added without a 6.1
  // measurement fails here instead of going unchecked.
  ASSERT_EQ(std::size(k61), identity::qemu_models().size());
  for (const auto& m : k61) {
    SCOPED_TRACE(m.model);
    const auto v = make("6.1.0-50-cloud-arm64", m.model).view();
    EXPECT_EQ(v.clidr.raw(), m.clidr);  // Ttype passed through on n2/a710
    EXPECT_EQ(v.ctr.raw(), m.ctr);      // guest reads raw CTR_EL0
    for (unsigned i = 0; i < 3; ++i) EXPECT_EQ(v.ccsidr[i], m.ccsidr[i]) << "selector " << i;
    // Only the valid selectors exist; their DEMUX value is the low 32 bits.
    ASSERT_EQ(v.demux.size(), 3u);
    for (unsigned i = 0; i < 3; ++i) EXPECT_EQ(v.demux.at(i), m.demux[i]) << "DEMUX " << i;
  }
  const auto v1 = make("6.1", "neoverse-v1").view();
  EXPECT_EQ(v1.demux.at(0), 0x1au);  // measured truncation
  EXPECT_EQ(v1.demux.at(2), 0x3au);
  EXPECT_EQ(v1.mmfr2_ccidx, 1u);
  // ONE_REG CTR_EL0 on 6.1 is the sanitised value (e2e: 0x9444c004 on n1,
  // 0xb444c004 on n2 with TminLine dropped).
  EXPECT_EQ(make("6.1", "neoverse-n1").view().ctr_reg, 0x9444c004ull);
  EXPECT_EQ(make("6.1", "neoverse-n2").view().ctr_reg, 0xb444c004ull);
}

TEST(KernelModel, MteVmGetsTtypeAtLoC) {
  // docs/kernel-generations.md: a VM with MTE gets Ttype(LoC) = 2.
  EXPECT_EQ(make("6.12", "neoverse-n1", true).view().clidr.raw(), 0x02000021ull | (2ull << 35));
  EXPECT_EQ(make("6.12", "cortex-a53", true).view().clidr.raw(), 0x09200003ull | (2ull << 33));
}

TEST(KernelModel, SetClidrRulesOn612) {
  auto a53 = make("6.12", "cortex-a53");  // CTR.IDC = 0
  EXPECT_EQ(errno_of(a53.set(reg::kClidrId, 0x0a200023)), 0);
  EXPECT_EQ(a53.view().clidr.raw(), 0x0a200023ull);
  EXPECT_EQ(errno_of(a53.set(reg::kClidrId, 0x82000023)), EINVAL);  // implies IDC
  EXPECT_EQ(errno_of(a53.set(reg::kClidrId, 0x80000023 | (1ull << 30))), EINVAL);  // LoC 0
  EXPECT_EQ(errno_of(a53.set(reg::kClidrId, 0x0a200023 | (1ull << 47))), EINVAL);  // RES0
  EXPECT_EQ(a53.view().clidr.raw(), 0x0a200023ull) << "a refused write changes nothing";
  auto n1 = make("6.12", "neoverse-n1");  // effective IDC: anything goes but RES0
  EXPECT_EQ(errno_of(n1.set(reg::kClidrId, 0x82000023)), 0);
  EXPECT_EQ(errno_of(n1.set(reg::kClidrId, 0x0a200023)), 0);
  EXPECT_EQ(errno_of(n1.set(reg::kClidrId, 0x7fff00000000ull)), 0);  // Ttype7 is not RES0
}

TEST(KernelModel, SetCcsidrRulesOn612) {
  auto n1 = make("6.12", "neoverse-n1");
  EXPECT_EQ(errno_of(n1.set(reg::demux_ccsidr_id(1), 0x201fe01a)), 0);
  EXPECT_EQ(n1.view().ccsidr[1], 0x201fe01aull);
  EXPECT_EQ(n1.view().ccsidr[0], 0x2ull) << "the others keep their fabricated values";
  const Status refused = n1.set(reg::demux_ccsidr_id(1), 0x201fe019);  // 32-byte lines
  EXPECT_EQ(errno_of(refused), EINVAL);
  EXPECT_EQ(refused.error().message, "L1I line size 32 below host minimum 64");
  EXPECT_EQ(errno_of(n1.set(reg::demux_ccsidr_id(13), 0x3)), 0);
  EXPECT_EQ(errno_of(n1.set(reg::demux_ccsidr_id(14), 0x2)), ENOENT);
  // Overrides survive reset; CLIDR is fabricated only once from 6.10.
  EXPECT_EQ(errno_of(n1.set(reg::kClidrId, 0x82000023)), 0);
  n1.reset();
  EXPECT_EQ(n1.view().ccsidr[1], 0x201fe01aull);
  EXPECT_EQ(n1.view().clidr.raw(), 0x82000023ull);
}

TEST(KernelModel, ResetWipesClidrOn63To69) {
  auto n1 = make("6.5", "neoverse-n1");
  EXPECT_EQ(errno_of(n1.set(reg::kClidrId, 0x82000023)), 0);
  EXPECT_EQ(errno_of(n1.set(reg::demux_ccsidr_id(2), 0x70ffe03a)), 0);
  n1.reset();
  EXPECT_EQ(n1.view().clidr.raw(), 0x02000021ull);
  EXPECT_EQ(n1.view().ccsidr[2], 0x70ffe03aull);
}

TEST(KernelModel, Pre63Invariants) {
  auto n1 = make("6.1", "neoverse-n1");
  EXPECT_EQ(errno_of(n1.set(reg::kClidrId, 0x82000023)), 0);
  EXPECT_EQ(errno_of(n1.set(reg::kClidrId, 0x02000021)), EINVAL);
  EXPECT_EQ(errno_of(n1.set(reg::demux_ccsidr_id(2), 0x70ffe03a)), 0);
  EXPECT_EQ(errno_of(n1.set(reg::demux_ccsidr_id(2), 0x2)), EINVAL);
  EXPECT_EQ(errno_of(n1.set(reg::demux_ccsidr_id(5), 0x2)), ENOENT);
  EXPECT_EQ(n1.get(reg::demux_ccsidr_id(5)).error().errnum, ENOENT);
  EXPECT_EQ(errno_of(n1.set(reg::kCtrId, 0x9444c004)), 0);
  EXPECT_EQ(errno_of(n1.set(reg::kCtrId, 0x8444c004)), EINVAL);
}

TEST(KernelModel, PerVmCtrFrom611) {
  auto n1 = make("6.12", "neoverse-n1");
  EXPECT_EQ(errno_of(n1.set(reg::kCtrId, 0x8444c004)), 0);       // IDC lowered
  EXPECT_EQ(n1.view().ctr.raw(), 0x8444c004ull);
  EXPECT_EQ(errno_of(n1.set(reg::kCtrId, 0x9444c005)), EINVAL);   // IminLine raised
  EXPECT_EQ(errno_of(n1.set(reg::kCtrId, 0x9544c004)), EINVAL);   // CWG is not writable
  n1.run();
  EXPECT_EQ(errno_of(n1.set(reg::kCtrId, 0x8443c004)), EBUSY);
  auto old = make("6.10", "neoverse-n1");
  EXPECT_EQ(errno_of(old.set(reg::kCtrId, 0x8444c004)), EINVAL);
}

TEST(KernelModel, NativeCapability) {
  std::array<std::uint64_t, 4> args{};
  // n2 without MTE: Ttype cleared, CCIDX values converted to 32 bits.
  auto n2 = make("native", "neoverse-n2");
  const auto host = *identity::qemu_model_host("neoverse-n2");
  EXPECT_EQ(errno_of(n2.enable_native(1, args, host.kinds[0])), EINVAL);
  args[3] = 1;
  EXPECT_EQ(errno_of(n2.enable_native(0, args, host.kinds[0])), EINVAL);
  args[3] = 0;
  ASSERT_EQ(errno_of(n2.enable_native(0, args, host.kinds[0])), 0);
  auto v = n2.view();
  EXPECT_EQ(v.clidr.raw(), 0x82000023ull);
  EXPECT_EQ(v.ccsidr[0], 0x1fe01aull);  // 64 B, 4 ways, 256 sets in the 32-bit format
  EXPECT_EQ(v.ccsidr[2], 0x7fe03aull);  // 8 ways, 1024 sets
  EXPECT_EQ(v.ccsidr[3], 0x2ull) << "undescribed selectors keep the fabricated value";
  n2.reset();
  EXPECT_TRUE(n2.view().same_guest_identity(v)) << "survives reset";
  EXPECT_EQ(errno_of(n2.set(reg::demux_ccsidr_id(2), 0x3)), 0) << "still overridable";
  // With MTE the Ttype fields stay.
  auto n2m = make("native", "neoverse-n2", true);
  ASSERT_EQ(errno_of(n2m.enable_native(0, args, host.kinds[0])), 0);
  EXPECT_EQ(n2m.view().clidr.raw(), 0x1482000023ull);
  // A separate tag cache (Ttype1 = 0b01) has no DEMUX slot: ERANGE with MTE, cleared without.
  auto tags = host.kinds[0];
  tags.clidr = reg::Clidr(0x1282000023ull);
  auto n2t = make("native", "neoverse-n2", true);
  const auto untouched = n2t.view();
  EXPECT_EQ(errno_of(n2t.enable_native(0, args, tags)), ERANGE);
  EXPECT_TRUE(n2t.view() == untouched);
  auto n2u = make("native", "neoverse-n2");
  ASSERT_EQ(errno_of(n2u.enable_native(0, args, tags)), 0);
  EXPECT_EQ(n2u.view().clidr.raw(), 0x82000023ull);
  // Too big for the 32-bit format: ERANGE, vCPU unchanged.
  auto big = host.kinds[0];
  big.ccsidr[2] = 0x7fff0000003aull;  // 32768 sets
  auto n2b = make("native", "neoverse-n2");
  const auto before = n2b.view();
  EXPECT_EQ(errno_of(n2b.enable_native(0, args, big)), 0) << "32768 sets still fit";
  auto n2c = make("native", "neoverse-n2");
  big.ccsidr[2] = 0xffff0000003aull;  // 65536 sets
  EXPECT_EQ(errno_of(n2c.enable_native(0, args, big)), ERANGE);
  EXPECT_TRUE(n2c.view() == before);
  // After the vCPU ran: EBUSY; before VCPU_INIT: ENOEXEC; other kernels: EINVAL.
  auto ran = make("native", "neoverse-n1");
  ran.run();
  EXPECT_EQ(errno_of(ran.enable_native(0, args, host.kinds[0])), EBUSY);
  auto uninit = make("native", "neoverse-n1");
  uninit.set_initialized(false);
  EXPECT_EQ(errno_of(uninit.enable_native(0, args, host.kinds[0])), ENOEXEC);
  auto stock = make("6.12", "neoverse-n1");
  EXPECT_EQ(errno_of(stock.enable_native(0, args, host.kinds[0])), EINVAL);
}

// The patched kernel gives the guest the host's own registers
// (docs/kvm-native-cache-config-v3.md, "Test evidence": the native view equals
// the ground truth on every model). The ground truth, read by a bare EL1
// program (e2e/groundtruth.sh): docs/kvm-testbed.md, "host truth" column.
TEST(KernelModel, NativeOn32BitHostsGivesGroundTruth) {
  const struct {
    const char* model;
    std::uint64_t clidr;
    std::uint64_t ccsidr[3];
  } truth[] = {
      {"cortex-a53", 0xa200023, {0x700fe01a, 0x201fe00a, 0x707fe07a}},
      {"neoverse-n1", 0x82000023, {0x701fe01a, 0x201fe01a, 0x70ffe03a}},
      {"a64fx", 0x80000023, {0x7007e01c, 0x2007e01c, 0x70ffe07c}},
      {"cortex-a72", 0xa200023, {0x701fe00a, 0x201fe012, 0x707fe07a}},
  };
  for (const auto& t : truth) {
    SCOPED_TRACE(t.model);
    const auto host = identity::qemu_model_host(t.model);
    ASSERT_TRUE(host.has_value());
    auto m = make("native", t.model);
    ASSERT_EQ(errno_of(m.enable_native(0, {}, host->kinds[0])), 0);
    const auto v = m.view();
    // ONE_REG reads the same vCPU registers the guest does (CLIDR_EL1 and
    // the 32-bit CCSIDR values as DEMUX 0, 1, 2).
    EXPECT_EQ(v.clidr.raw(), t.clidr);
    EXPECT_EQ(v.clidr_reg, t.clidr);
    for (unsigned i = 0; i < 3; ++i) {
      EXPECT_EQ(v.ccsidr[i], t.ccsidr[i]) << "selector " << i;
      EXPECT_EQ(v.demux.at(i), t.ccsidr[i]) << "DEMUX " << i;
    }
  }
}

TEST(KernelModel, SanitisedCtrAcrossKinds) {
  identity::HostKind big, little;
  big.clidr = reg::Clidr(0x82000023);    // effective IDC
  big.ctr = reg::Ctr(0x8444c004);
  little.clidr = reg::Clidr(0x0a200023);  // no IDC
  little.ctr = reg::Ctr(0x84448004);      // VIPT L1I
  const reg::Ctr s = sanitise_ctr({big, little});
  EXPECT_FALSE(s.idc()) << "IDC only when every CPU has it";
  EXPECT_EQ(s.l1ip(), 2u) << "L1Ip differs: VIPT is the safe value";
  EXPECT_EQ(s.raw(), 0x84448004ull);
}

TEST(KernelGeneration, FromVersionStrings) {
  EXPECT_EQ(parse_kernel("6.1.0-50-cloud-arm64")->generation, Generation::kPre63);
  EXPECT_EQ(parse_kernel("6.2")->generation, Generation::kPre63);
  EXPECT_EQ(parse_kernel("6.3")->generation, Generation::k63To69);
  EXPECT_EQ(parse_kernel("6.9.12")->generation, Generation::k63To69);
  EXPECT_EQ(parse_kernel("6.10")->generation, Generation::k610To615);
  EXPECT_EQ(parse_kernel("6.12.100")->generation, Generation::k610To615);
  EXPECT_EQ(parse_kernel("5.10.0-30-arm64")->generation, Generation::kPre63);
  EXPECT_EQ(parse_kernel("native")->generation, Generation::kNative);
  EXPECT_FALSE(parse_kernel("latest").ok());
}

TEST(KernelGeneration, DistributionReleaseStrings) {
  // uname -r of the test bed's kernels (e2e/fetch-kernels.sh) and of other distributions.
  EXPECT_EQ(parse_kernel("6.1.0-56-cloud-arm64")->generation, Generation::kPre63);
  EXPECT_EQ(parse_kernel("5.10.255-253.1008.amzn2.aarch64")->generation, Generation::kPre63);
  EXPECT_EQ(parse_kernel("6.1.172-216.329.amzn2023.aarch64")->generation, Generation::kPre63);
  EXPECT_EQ(parse_kernel("6.8.0-1031-aws")->generation, Generation::k63To69);
  EXPECT_EQ(parse_kernel("6.12.117+deb12-arm64")->generation, Generation::k610To615);
  EXPECT_EQ(parse_kernel("6.12.0-55.9.1.el10_0.aarch64")->generation, Generation::k610To615);
  EXPECT_EQ(parse_kernel("6.16.12+deb13-cloud-arm64")->generation, Generation::k616Plus);
  EXPECT_EQ(parse_kernel("6.18.15+deb13-cloud-arm64")->generation, Generation::k616Plus);
  EXPECT_EQ(parse_kernel("7.0.13+deb13-cloud-arm64")->generation, Generation::k616Plus);
  EXPECT_EQ(parse_kernel("7.3.4+deb13-cloud-arm64")->generation, Generation::k616Plus);
  EXPECT_EQ(parse_kernel("7.3.4+deb13-cloud-arm64")->version, (KernelVersion{7, 3}));
  EXPECT_FALSE(parse_kernel("7.3.4+deb13-cloud-arm64")->newer_than_proven());
  EXPECT_TRUE(parse_kernel("7.4.1")->newer_than_proven());
  EXPECT_TRUE(parse_kernel("8.0")->newer_than_proven());
  EXPECT_FALSE(parse_kernel("native")->newer_than_proven());
}

TEST(KernelGeneration, NamesRoundTripAndOldProfilesStillRead) {
  for (auto g : {Generation::kPre63, Generation::k63To69, Generation::k610To615, Generation::k616Plus,
                 Generation::kNative})
    EXPECT_EQ(generation_from_name(generation_name(g)), g);
  EXPECT_EQ(generation_from_name("6.10+"), Generation::k610To615);  // written before 6.16+ existed
  EXPECT_FALSE(generation_from_name("6.99").has_value());
}

// neoverse-n1, sanitised CTR_EL0 0x9444c004 (L1Ip 3, PIPT). Measured with
// e2e/run-matrix.sh (corpus "L1Ip 3 -> 2"): 6.12.117 EINVAL; 6.16.12,
// 7.0.13 and 7.3.4 accept it and the guest then reads it; TminLine set is
// EINVAL on all of them.
TEST(KernelModel, CtrL1IpWritableFrom616) {
  const std::uint64_t vipt = 0x94448004, tmin = 0x49444c004;
  EXPECT_EQ(errno_of(make("6.12.117+deb12-arm64", "neoverse-n1").set(reg::kCtrId, vipt)), EINVAL);
  for (const char* k : {"6.16.12+deb13-cloud-arm64", "7.0.13+deb13-cloud-arm64", "7.3.4+deb13-cloud-arm64"}) {
    SCOPED_TRACE(k);
    auto m = make(k, "neoverse-n1");
    EXPECT_EQ(errno_of(m.set(reg::kCtrId, tmin)), EINVAL);
    EXPECT_EQ(errno_of(m.set(reg::kCtrId, 0x94440004)), EINVAL) << "L1Ip 0 (VPIPT) is reserved";
    EXPECT_EQ(errno_of(m.set(reg::kCtrId, 0x94444004)), EINVAL) << "L1Ip 1 (AIVIVT) is reserved";
    EXPECT_EQ(errno_of(m.set(reg::kCtrId, vipt)), 0);
    EXPECT_EQ(m.view().ctr.raw(), vipt);
    EXPECT_EQ(errno_of(m.set(reg::kCtrId, 0x9444c004)), 0) << "back to the host's PIPT";
    m.run();
    EXPECT_EQ(errno_of(m.set(reg::kCtrId, vipt)), EBUSY);
    EXPECT_EQ(errno_of(m.set(reg::kCtrId, 0x94440004)), EINVAL) << "set_ctr_el0() refuses before the run check";
  }
  // cortex-a53: L1Ip 2 (VIPT) on the host; PIPT would be a raise.
  EXPECT_EQ(errno_of(make("7.3", "cortex-a53").set(reg::kCtrId, 0x8444c004)), EINVAL);
}

// Pre-6.3 KVM's invariant CLIDR_EL1 is the boot CPU's: on a big.LITTLE host
// whose big cores are listed first, that is the kind holding CPU 0, not kinds[0].
TEST(HostInput, BootCpuIsTheKindListingCpu0) {
  identity::Host h;
  h.kinds.resize(3);
  h.kinds[0].cpus = "4-7";
  h.kinds[1].cpus = "10,20";  // starts with "1", not CPU 0
  h.kinds[2].cpus = "0-3";
  for (unsigned i = 0; i < 3; ++i) h.kinds[i].clidr = reg::Clidr(0x100u + i);
  EXPECT_EQ(&identity::boot_kind(h), &h.kinds[2]);
  h.kinds[2].cpus = "0,8";
  EXPECT_EQ(&identity::boot_kind(h), &h.kinds[2]);
  h.kinds[2].cpus = "01";  // not a CPU list Linux writes, and not CPU 0
  EXPECT_EQ(&identity::boot_kind(h), &h.kinds[0]) << "none lists CPU 0: the first kind";
}

}  // namespace
}  // namespace armcache::kernel

namespace armcache::kernel {
namespace {

// Found by the differential corpus against real 6.1 and 6.12 (e2e/differential.py).
TEST(KernelModel, IdShapeAndDemuxWidthFollowTheRealKernels) {
  for (const char* k : {"6.1", "6.12"}) {
    SCOPED_TRACE(k);
    auto m = make(k, "cortex-a76");
    // guest.c: bits [51:32] set -> EINVAL before any lookup, for GET and SET.
    EXPECT_EQ(errno_of(m.set(0x6020000100110000ull, 0x2)), EINVAL);
    EXPECT_EQ(errno_of(m.set(0x603001000013c801ull, 0x82000023)), EINVAL);
    EXPECT_EQ(m.get(0x603001000013c801ull).error().errnum, EINVAL);
    // A DEMUX write carries 32 bits: bit 32 of the value is not seen.
    EXPECT_EQ(errno_of(m.set(reg::demux_ccsidr_id(0), 0x1701fe01aull)), 0);
  }
}

}  // namespace
}  // namespace armcache::kernel
