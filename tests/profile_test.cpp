#include <gtest/gtest.h>

#include "armcache/identity/qemu_models.h"
#include "armcache/kernel/vcpu_model.h"
#include "armcache/plan/baseline.h"
#include "armcache/profile/profile.h"

namespace armcache::profile {
namespace {

Profile sample() {
  const auto host = *identity::qemu_model_host("neoverse-n2");
  kernel::VcpuModel m(*kernel::parse_kernel("6.1"), *kernel::host_input(host));
  Profile p;
  p.host = host;
  p.guest = GuestRecord{m.view(), "6.1", "pre-6.3"};
  return p;
}

// The record's generation name says what the writer meant; the kernel
// release is the fallback ("6.12.5" is 6.10-6.15 by the kernel history).
TEST(Profile, GenerationOfPrefersTheNamedGeneration) {
  const identity::GuestView v = sample().guest->view;
  EXPECT_EQ(generation_of(GuestRecord{v, "6.1.0-50-cloud-arm64", "6.16+"}), kernel::Generation::k616Plus);
  EXPECT_EQ(generation_of(GuestRecord{v, "6.12.5", ""}), kernel::Generation::k610To615);
  EXPECT_EQ(generation_of(GuestRecord{v, "native", "no such generation"}), kernel::Generation::kNative);
  EXPECT_EQ(generation_of(GuestRecord{v, "unknown", ""}), std::nullopt);
}

// From 6.11 the guest reads the VM's CTR_EL0, so the target writes the
// guest-read value there; an unparsable release changes nothing.
TEST(Profile, OneRegTargetForARelease) {
  identity::GuestView v = sample().guest->view;
  v.ctr = reg::Ctr(0x9444c004);
  v.ctr_reg = 0x8444c004;
  EXPECT_EQ(kernel::one_reg_target(v, "6.12.117+deb12-arm64").ctr_reg, 0x9444c004u);
  EXPECT_EQ(kernel::one_reg_target(v, "6.1.0-50-cloud-arm64").ctr_reg, 0x8444c004u);
  EXPECT_EQ(kernel::one_reg_target(v, "unknown").ctr_reg, 0x8444c004u);
}

// A fleet host's kernel: the host's own record, else its guest view's.
TEST(Profile, FleetHostTakesTheHostsKernelFirst) {
  Profile p = sample();
  p.host->kernel = "6.12.48+deb13-arm64";
  auto h = plan::fleet_host(p, "a.json");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->name, "a.json");
  EXPECT_EQ(h->kernel, "6.12.48+deb13-arm64");
  p.host->kernel.reset();
  EXPECT_EQ(plan::fleet_host(p, "a.json")->kernel, "6.1");
  p.guest.reset();
  EXPECT_EQ(plan::fleet_host(p, "a.json")->kernel, std::nullopt);
  p.host.reset();
  auto none = plan::fleet_host(p, "b.json");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message, "b.json: holds no \"host\"");
}

TEST(Profile, RoundTripKeepsEverything) {
  const Profile p = sample();
  auto back = from_json(to_json(p), "mem");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->host, p.host);
  EXPECT_EQ(back->guest->view, p.guest->view);
  EXPECT_EQ(back->guest->kernel, "6.1");
  EXPECT_EQ(to_json(*back), to_json(p));
}

TEST(Profile, VcpuSurfaceRoundTripsSorted) {
  Profile p = sample();
  p.surface = identity::VcpuSurface{"psci-0.2,pmu-v3", {0x603000000013c028, 0x6020000000110000}, {}};
  p.surface->values[0x603000000013c028] = 0x10305408;
  auto back = from_json(to_json(p), "mem");
  ASSERT_TRUE(back.ok()) << back.error().message;
  ASSERT_TRUE(back->surface);
  // Sorted on reading, as QEMU keeps its list.
  EXPECT_EQ(back->surface->reg_list, (std::vector<std::uint64_t>{0x6020000000110000, 0x603000000013c028}));
  EXPECT_EQ(back->surface->values.at(0x603000000013c028), 0x10305408u);
  EXPECT_EQ(back->surface->features, "psci-0.2,pmu-v3");
}

TEST(Profile, FingerprintIgnoresWhatTheGuestCannotSee) {
  Profile p = sample();
  const std::string fp = fingerprint(p.guest->view);
  identity::GuestView v = p.guest->view;
  v.demux.clear();           // ONE_REG state
  v.ctr_reg = 0;
  v.ccsidr[9] = 0x1234;      // a selector CLIDR does not describe
  EXPECT_EQ(fingerprint(v), fp);
  v.ccsidr[2] ^= 8;          // a described one
  EXPECT_NE(fingerprint(v), fp);
  v = p.guest->view;
  v.ctr = reg::Ctr(v.ctr.raw() ^ (1u << 28));
  EXPECT_NE(fingerprint(v), fp);
  EXPECT_EQ(fp.rfind("fnv1a64:", 0), 0u);
  EXPECT_EQ(fp.size(), 8u + 16u);
}

// The reader recomputes the fingerprint: a view edited after it was written
// is refused, one without a fingerprint is taken as it is.
TEST(Profile, StoredFingerprintMustMatchTheView) {
  Json j = to_json(sample());
  ASSERT_TRUE(from_json(j, "mem").ok());
  Json edited = j;
  edited["guest"]["ccsidr"]["2"] = "0x70ffe03a";  // a described selector, changed by hand
  auto r = from_json(edited, "edited.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("edited.json"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("fingerprint"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
  edited.erase("fingerprint");
  EXPECT_TRUE(from_json(edited, "edited.json").ok());
  // What the fingerprint leaves out may change: an undescribed selector.
  Json undescribed = j;
  undescribed["guest"]["ccsidr"]["9"] = "0x1234";
  EXPECT_TRUE(from_json(undescribed, "mem").ok());
  j["fingerprint"] = 7;
  EXPECT_FALSE(from_json(j, "mem").ok());
}

TEST(Profile, MalformedInputNamesFileAndPath) {
  const std::pair<const char*, const char*> cases[] = {
      {"[]", "top level"},
      {"{}", "neither"},
      {R"({"guest": {"clidr": "0xzz"}})", "guest.clidr"},
      {R"({"guest": {"clidr": "0x1", "ctr_el0": "0x8444c004", "mmfr2_ccidx": 0, "ccsidr": {"0": "0x2"}}})",
       "guest.ccsidr"},
      {R"({"host": {"kinds": []}})", "host.kinds"},
      {R"({"host": {"kinds": [{"clidr": {"value": "0x82000023"}, "ccsidr": {"99": "0x1"}}]}})",
       "host.kinds[0].ccsidr.99"},
      {R"({"format": "other", "host": {}})", "format"},
      {R"({"version": 7})", "version"},
      {"not json", "not valid JSON"},
      {R"({"host": {"kinds": [{"clidr": {"value": "0x82000023"}}]}, "vcpu_surface": {}})", "vcpu_surface.reg_list"},
      {R"({"host": {"kinds": [{"clidr": {"value": "0x82000023"}}]}, "vcpu_surface": {"reg_list": ["0x1"]}})",
       "vcpu_surface.reg_list[0]"},
      {R"({"host": {"kinds": [{"clidr": {"value": "0x82000023"}}]},
           "vcpu_surface": {"reg_list": ["0x603000000013c028", "0x603000000013c028"]}})",
       "twice"},
      {R"({"host": {"kinds": [{"clidr": {"value": "0x82000023"}}]},
           "vcpu_surface": {"reg_list": ["0x603000000013c028"], "values": {"0x603000000013c020": "0x1"}}})",
       "not in vcpu_surface.reg_list"},
  };
  for (auto [text, where] : cases) {
    auto r = parse(text, "f.json");
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().message.rfind("f.json: ", 0), 0u) << r.error().message;
    EXPECT_NE(r.error().message.find(where), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
  }
}

}  // namespace
}  // namespace armcache::profile
