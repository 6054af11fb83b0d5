// The VMM interposer: request decoding, the view hand-over, fail-closed
// behaviour on fake vCPUs behind a fake ioctl, and the real library preloaded
// into a real program through `armcache vmm-exec` (inert without KVM).
// Real vCPUs are tested by e2e/run-nested.sh.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "armcache/vcpu/apply.h"
#include "armcache/registers/kvm_reg_id.h"
#include "armcache/vmm/interposer.h"
#include "fake_regs.h"
#include "run.h"

namespace armcache::vmm {
namespace {

using fixtures::run_cli;
using identity::GuestView;

// ---- request decoding ----

TEST(VmmRequest, MatchesVcpuInitByItsLow32Bits) {
  // _IOW(0xae, 0xae, 32 bytes), as the arm64 uapi header defines it.
  constexpr unsigned long ior = (1ul << 30) | (32ul << 16) | (0xaeul << 8) | 0xae;
  EXPECT_EQ(ior, kKvmArmVcpuInit);
  EXPECT_TRUE(is_vcpu_init(0x4020aeae));
  // An `int` request passed to ioctl(unsigned long) arrives sign-extended
  // when bit 31 is set; the interposer looks at the low 32 bits only.
  EXPECT_TRUE(is_vcpu_init(0xffffffff00000000ul | kKvmArmVcpuInit));
  const int get_reg_list = int(0xc008aeb0u);  // KVM_GET_REG_LIST, bit 31 set
  EXPECT_EQ(static_cast<unsigned long>(get_reg_list), 0xffffffffc008aeb0ul);
  EXPECT_FALSE(is_vcpu_init(static_cast<unsigned long>(get_reg_list)));
  EXPECT_FALSE(is_vcpu_init(0x4020aeaf));
  EXPECT_FALSE(is_vcpu_init(0xaeab));  // KVM_ARM_PREFERRED_TARGET's number, other size
  EXPECT_FALSE(is_vcpu_init(0x8020aeae));
}

TEST(VmmRequest, VcpuFdLinks) {
  EXPECT_EQ(vcpu_index_from_link("anon_inode:kvm-vcpu:0"), 0u);
  EXPECT_EQ(vcpu_index_from_link("anon_inode:kvm-vcpu:17"), 17u);
  EXPECT_FALSE(vcpu_index_from_link("anon_inode:kvm-vm"));
  EXPECT_FALSE(vcpu_index_from_link("anon_inode:kvm-vcpu:"));
  EXPECT_FALSE(vcpu_index_from_link("anon_inode:kvm-vcpu:1x"));
  EXPECT_FALSE(vcpu_index_from_link("anon_inode:kvm-vcpu:99999999999"));
  EXPECT_FALSE(vcpu_index_from_link("/dev/kvm"));
  EXPECT_FALSE(vcpu_index_from_link("/tmp/anon_inode:kvm-vcpu:1"));
}

// ---- the view hand-over ----

using armcache::testing::n1_one_reg_view;

TEST(VmmView, EncodesAndDecodes) {
  const std::string text = encode_view(n1_one_reg_view());
  EXPECT_EQ(text, "ctr=0x9444c004 clidr=0x82000023 ccsidr0=0x701fe01a ccsidr1=0x201fe01a ccsidr2=0x70ffe03a");
  auto v = decode_view(text);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->clidr_reg, 0x82000023u);
  EXPECT_EQ(v->ctr_reg, 0x9444c004u);
  EXPECT_EQ(v->demux, n1_one_reg_view().demux);
  EXPECT_EQ(encode_view(*v), text);
}

TEST(VmmView, RefusesBadText) {
  for (const char* bad : {"", "clidr=0x1", "ctr=0x1", "ctr=0x1 clidr=0x2 clidr=0x2", "ctr=0x1 clidr=0x2 ccsidr14=0x1",
                          "ctr=0x1 clidr=0x2 ccsidr0=0x100000000", "ctr=0x1 clidr=zz", "ctr=0x1 clidr=0x2 x=1",
                          "ctr=0x1 clidr", "ctr=0x1 clidr=0x2 ccsidr=0x1", "ctr=0x1 clidr=0x2 ccsidr0=1 ccsidr0=2",
                          "ctr=0x1 clidr=0x2 ccsidr007=0x1", "\nr=0x1 ctr=0x1 clidr=0x2", "ctr=0x1\n clidr=0x2",
                          "ctr=0x1 clidr=0x2 cc\nsidr0=0x1"}) {
    auto v = decode_view(bad);
    EXPECT_FALSE(v) << bad;
    if (!v) {
      EXPECT_EQ(v.error().message.find('\n'), std::string::npos);
    }
  }
}

// ---- the interposer on fake vCPUs ----

// A vCPU of a 6.12 host: fabricated defaults, every id listed.
using FakeVcpu = armcache::testing::FakeRegs;

// A process with vCPU fds 10.. (fd 10+i is vCPU i), a fake KVM_ARM_VCPU_INIT
// that succeeds on them, and ENOTTY for every other fd.
struct FakeProcess {
  std::mutex mu;
  std::map<int, FakeVcpu> vcpus;
  std::vector<std::string> logs, errors;
  std::map<std::string, std::string> env;
  std::vector<unsigned long> requests;  // what reached the real ioctl
  int init_result = 0;

  Hooks hooks() {
    Hooks h;
    h.real_ioctl = [this](int fd, unsigned long req, void* arg) {
      std::lock_guard<std::mutex> l(mu);
      requests.push_back(req);
      if (fd < 10) {
        errno = ENOTTY;
        return -1;
      }
      if (is_vcpu_init(req) && init_result != 0) {
        errno = init_result;
        return -1;
      }
      if (is_get_reg_list(req) && arg != nullptr) {
        // KVM's protocol: n too small -> E2BIG with the count in n.
        auto* list = static_cast<std::uint64_t*>(arg);
        const std::vector<std::uint64_t> ids = *vcpus[fd].reg_list();
        const std::uint64_t room = list[0];
        list[0] = ids.size();
        if (room < ids.size()) {
          errno = E2BIG;
          return -1;
        }
        std::copy(ids.begin(), ids.end(), list + 1);
      }
      return 0;
    };
    h.vcpu_index = [](int fd) -> std::optional<unsigned> {
      if (fd < 10) return std::nullopt;
      return unsigned(fd - 10);
    };
    h.registers = [this](int fd) -> std::unique_ptr<vcpu::RegisterFile> {
      struct Ref : vcpu::RegisterFile {
        FakeVcpu* v;
        explicit Ref(FakeVcpu* p) : v(p) {}
        Result<std::vector<std::uint64_t>> reg_list() override { return v->reg_list(); }
        Result<std::uint64_t> get(std::uint64_t id) override { return v->get(id); }
        Status set(std::uint64_t id, std::uint64_t x) override { return v->set(id, x); }
      };
      std::lock_guard<std::mutex> l(mu);
      return std::make_unique<Ref>(&vcpus[fd]);
    };
    h.log = [this](std::string_view s) {
      std::lock_guard<std::mutex> l(mu);
      logs.emplace_back(s);
    };
    h.error = [this](std::string_view s) {
      std::lock_guard<std::mutex> l(mu);
      errors.emplace_back(s);
    };
    h.getenv = [this](const char* n) -> std::optional<std::string> {
      auto it = env.find(n);
      return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    h.now_ns = [] { return std::uint64_t(0); };
    return h;
  }
};

TEST(VmmInterposer, AppliesTheViewAfterEachInit) {
  FakeProcess p;
  p.env[kEnvView] = encode_view(n1_one_reg_view());
  p.env[kEnvLabel] = "n1-61.json";
  Interposer ip(p.hooks());
  char arg[32] = {};
  ASSERT_EQ(ip.ioctl(10, kKvmArmVcpuInit, arg), 0);
  EXPECT_EQ(p.vcpus[10].regs[reg::kClidrId], 0x82000023u);
  EXPECT_EQ(p.vcpus[10].regs[reg::demux_ccsidr_id(2)], 0x70ffe03au);
  EXPECT_EQ(p.vcpus[10].regs[reg::demux_ccsidr_id(3)], 0x2u);  // not in the view: left alone
  ASSERT_EQ(p.logs.size(), 1u);
  EXPECT_NE(p.logs[0].find("vCPU 0 (fd 10): view n1-61.json: CCSIDR_EL1[0] 0x701fe01a (was 0x2)"),
            std::string::npos)
      << p.logs[0];
  EXPECT_NE(p.logs[0].find("CLIDR_EL1 0x82000023 (was 0x2000021); 1 already equal"), std::string::npos) << p.logs[0];
  // A re-init (guest reboot): applied again, here nothing left to write.
  ASSERT_EQ(ip.ioctl(10, 0xffffffff00000000ul | kKvmArmVcpuInit, arg), 0);
  ASSERT_EQ(p.logs.size(), 2u);
  EXPECT_NE(p.logs[1].find("nothing to write; 5 already equal"), std::string::npos) << p.logs[1];
  EXPECT_TRUE(p.errors.empty());
}

TEST(VmmInterposer, TouchesNothingElse) {
  FakeProcess p;  // no view in the environment at all
  Interposer ip(p.hooks());
  char arg[32] = {};
  // Other requests on a vCPU go through, the view is never looked at.
  EXPECT_EQ(ip.ioctl(10, 0xae80 /* KVM_RUN */, arg), 0);
  errno = 0;
  EXPECT_EQ(ip.ioctl(10, 0xffffffffc008aeb0ul, arg), -1);  // KVM_GET_REG_LIST with n = 0: the kernel's E2BIG
  EXPECT_EQ(errno, E2BIG);
  // KVM_ARM_VCPU_INIT on something that is not a vCPU: the real result.
  errno = 0;
  EXPECT_EQ(ip.ioctl(3, kKvmArmVcpuInit, arg), -1);
  EXPECT_EQ(errno, ENOTTY);
  // A failed KVM_ARM_VCPU_INIT keeps its errno and nothing is applied.
  p.init_result = EINVAL;
  errno = 0;
  EXPECT_EQ(ip.ioctl(11, kKvmArmVcpuInit, arg), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(p.vcpus.count(11), 0u);
  EXPECT_TRUE(p.logs.empty());
  EXPECT_TRUE(p.errors.empty());
  // Requests reach the real ioctl unchanged (no truncation of the request).
  ASSERT_EQ(p.requests.size(), 4u);
  EXPECT_EQ(p.requests[1], 0xffffffffc008aeb0ul);
}

// ---- --compat: hidden ids and ID register writes ----

TEST(VmmCompat, IdsAndWritesEncodeAndDecode) {
  const std::vector<std::uint64_t> ids{0x6020000000110003, 0x603000000013c103};
  EXPECT_EQ(encode_ids(ids), "0x6020000000110003,0x603000000013c103");
  auto back = decode_ids(encode_ids(ids));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, ids);
  EXPECT_TRUE(decode_ids("")->empty());
  const std::vector<std::pair<std::uint64_t, std::uint64_t>> w{{0x603000000013c028, 0x10305406}};
  EXPECT_EQ(encode_writes(w), "0x603000000013c028=0x10305406");
  auto wb = decode_writes(encode_writes(w));
  ASSERT_TRUE(wb) << wb.error().message;
  EXPECT_EQ(*wb, w);
  for (const char* bad : {",", "0x1,", "0x1,,0x2", "zz", "0x1,0x1", "0x1\n"}) {
    auto r = decode_ids(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << bad;
    }
  }
  for (const char* bad : {"0x1", "0x1=", "=0x1", "0x1=0x2 0x1=0x3", "0x1=zz", "0x1=0x2\n=0x3"}) {
    auto r = decode_writes(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << bad;
    }
  }
}

// ID_AA64DFR0_EL1 of an emulated N1: 6.12 shows DebugVer 8, 6.1 shows 6
// (measured; e2e/run-migrate.sh and docs/migration-compat.md).
constexpr std::uint64_t kDfr0Id = 0x603000000013c028;

TEST(VmmCompat, HidesIdsFromTheRegisterListWithKvmsE2bigProtocol) {
  FakeProcess p;
  p.env[kEnvView] = encode_view(n1_one_reg_view());
  std::vector<std::uint64_t> hide;
  for (unsigned s = 3; s < 14; ++s) hide.push_back(reg::demux_ccsidr_id(s));
  p.env[kEnvHide] = encode_ids(hide);
  Interposer ip(p.hooks());
  std::vector<std::uint64_t> list(64, 0);
  // The count first (n = 0), as QEMU asks: the kernel's 16 ids less the 11 hidden.
  errno = 0;
  EXPECT_EQ(ip.ioctl(10, 0xffffffff00000000ul | kKvmGetRegList, list.data()), -1);
  EXPECT_EQ(errno, E2BIG);
  EXPECT_EQ(list[0], 5u);
  // Exactly that much room is enough.
  list[0] = 5;
  ASSERT_EQ(ip.ioctl(10, kKvmGetRegList, list.data()), 0);
  EXPECT_EQ(list[0], 5u);
  std::vector<std::uint64_t> got(list.begin() + 1, list.begin() + 6);
  for (std::uint64_t id : hide) EXPECT_EQ(std::count(got.begin(), got.end(), id), 0) << std::hex << id;
  EXPECT_EQ(std::count(got.begin(), got.end(), reg::demux_ccsidr_id(2)), 1);
  EXPECT_EQ(std::count(got.begin(), got.end(), reg::kClidrId), 1);
  // Not a vCPU: the real ioctl's answer, untouched.
  errno = 0;
  list[0] = 0;
  EXPECT_EQ(ip.ioctl(3, kKvmGetRegList, list.data()), -1);
  EXPECT_EQ(errno, ENOTTY);
}

TEST(VmmCompat, WritesIdRegistersInTheSameTransactionAsTheView) {
  FakeProcess p;
  p.env[kEnvView] = encode_view(n1_one_reg_view());
  p.env[kEnvIdRegs] = encode_writes({{kDfr0Id, 0x10305406}});
  p.vcpus[10].regs[kDfr0Id] = 0x10305408;
  p.vcpus[11].regs[kDfr0Id] = 0x10305408;
  // vCPU 1 refuses CLIDR_EL1: its ID register write is undone with the rest.
  p.vcpus[11].refuse = [](std::uint64_t id, std::uint64_t) { return id == reg::kClidrId ? EINVAL : 0; };
  Interposer ip(p.hooks());
  char arg[32] = {};
  ASSERT_EQ(ip.ioctl(10, kKvmArmVcpuInit, arg), 0);
  EXPECT_EQ(p.vcpus[10].regs[kDfr0Id], 0x10305406u);
  ASSERT_FALSE(p.vcpus[10].writes.empty());
  EXPECT_EQ(p.vcpus[10].writes.front().first, kDfr0Id);  // before the cache registers
  ASSERT_EQ(p.logs.size(), 1u);
  EXPECT_NE(p.logs[0].find("ID_AA64DFR0_EL1 0x10305406 (was 0x10305408)"), std::string::npos) << p.logs[0];
  EXPECT_EQ(ip.ioctl(11, kKvmArmVcpuInit, arg), -1);
  EXPECT_EQ(p.vcpus[11].regs[kDfr0Id], 0x10305408u);
  EXPECT_EQ(p.vcpus[11].regs[reg::kClidrId], 0x02000021u);
}

TEST(VmmCompat, BadCompatEnvironmentFailsEveryInit) {
  FakeProcess p;
  p.env[kEnvView] = encode_view(n1_one_reg_view());
  p.env[kEnvHide] = "0x1,zz";
  Interposer ip(p.hooks());
  char arg[32] = {};
  errno = 0;
  EXPECT_EQ(ip.ioctl(10, kKvmArmVcpuInit, arg), -1);
  EXPECT_EQ(errno, EINVAL);
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_NE(p.errors[0].find("ARMCACHE_VMM_HIDE"), std::string::npos) << p.errors[0];
  EXPECT_EQ(p.vcpus[10].writes.size(), 0u);
}

TEST(VmmInterposer, RefusedRegisterFailsTheInit) {
  FakeProcess p;
  p.env[kEnvView] = encode_view(n1_one_reg_view());
  Interposer ip(p.hooks());
  // vCPU 1 refuses CLIDR_EL1 (written last): everything before it is put back.
  p.vcpus[11].refuse = [](std::uint64_t id, std::uint64_t) { return id == reg::kClidrId ? EINVAL : 0; };
  char arg[32] = {};
  ASSERT_EQ(ip.ioctl(10, kKvmArmVcpuInit, arg), 0);
  errno = 0;
  EXPECT_EQ(ip.ioctl(11, kKvmArmVcpuInit, arg), -1);
  EXPECT_EQ(errno, EINVAL);
  ASSERT_EQ(p.errors.size(), 1u);
  const std::string& e = p.errors[0];
  EXPECT_EQ(e.find('\n'), std::string::npos);
  EXPECT_NE(e.find("vCPU 1"), std::string::npos) << e;
  EXPECT_NE(e.find("CLIDR_EL1 = 0x82000023"), std::string::npos) << e;
  EXPECT_NE(e.find("EINVAL"), std::string::npos) << e;
  EXPECT_NE(e.find("KVM_ARM_VCPU_INIT fails"), std::string::npos) << e;
  // Not half-applied: the DEMUX values written before CLIDR were put back.
  EXPECT_EQ(p.vcpus[11].regs[reg::demux_ccsidr_id(0)], 0x2u);
  EXPECT_EQ(p.vcpus[11].regs[reg::kClidrId], 0x02000021u);
}

TEST(VmmInterposer, MissingRegisterOrViewFailsClosed) {
  {
    FakeProcess p;
    p.env[kEnvView] = encode_view(n1_one_reg_view());
    Interposer ip(p.hooks());
    p.vcpus[10].regs.erase(reg::demux_ccsidr_id(2));  // a 6.1 host without that selector
    char arg[32] = {};
    errno = 0;
    EXPECT_EQ(ip.ioctl(10, kKvmArmVcpuInit, arg), -1);
    EXPECT_EQ(errno, ENOENT);
    ASSERT_EQ(p.errors.size(), 1u);
    EXPECT_NE(p.errors[0].find("CCSIDR_EL1[2] = 0x70ffe03a"), std::string::npos) << p.errors[0];
  }
  for (const char* env : {"", "ctr=0x1 clidr=junk"}) {
    FakeProcess p;
    if (*env) p.env[kEnvView] = env;
    Interposer ip(p.hooks());
    char arg[32] = {};
    errno = 0;
    EXPECT_EQ(ip.ioctl(10, kKvmArmVcpuInit, arg), -1);
    EXPECT_EQ(errno, EINVAL);
    ASSERT_EQ(p.errors.size(), 1u);
    EXPECT_NE(p.errors[0].find(kEnvView), std::string::npos) << p.errors[0];
    EXPECT_EQ(p.vcpus[10].regs[reg::kClidrId], 0x02000021u);
  }
}

TEST(VmmInterposer, ManyThreadsInitAtOnce) {
  FakeProcess p;
  p.env[kEnvView] = encode_view(n1_one_reg_view());
  for (int i = 0; i < 16; ++i) p.vcpus[10 + i];  // create before the threads touch the map
  Interposer ip(p.hooks());
  std::vector<std::thread> ts;
  std::vector<int> rc(16, -2);
  for (int i = 0; i < 16; ++i)
    ts.emplace_back([&, i] {
      char arg[32] = {};
      rc[std::size_t(i)] = ip.ioctl(10 + i, kKvmArmVcpuInit, arg);
    });
  for (auto& t : ts) t.join();
  for (int i = 0; i < 16; ++i) {
    EXPECT_EQ(rc[std::size_t(i)], 0) << i;
    EXPECT_EQ(p.vcpus[10 + i].regs[reg::kClidrId], 0x82000023u) << i;
  }
  EXPECT_EQ(p.logs.size(), 16u);
}

// ---- the library and vmm-exec, for real (x86: no KVM, so only inertness) ----
#ifdef ARMCACHE_VMM_LIB

std::string sh_out(const std::string& cmd) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) return out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  pclose(f);
  return out;
}

TEST(VmmLibrary, ExportsOnlyIoctl) {
  const std::string syms =
      sh_out(std::string("readelf --dyn-syms -W ") + ARMCACHE_VMM_LIB +
             " | awk '$7 != \"UND\" && ($5 == \"GLOBAL\" || $5 == \"WEAK\") && $4 != \"SECTION\" {print $8}'");
  EXPECT_EQ(syms, "ioctl\n");
  // No C++ runtime needed from the VMM.
  const std::string needed = sh_out(std::string("readelf -d -W ") + ARMCACHE_VMM_LIB + " | grep NEEDED");
  EXPECT_EQ(needed.find("libstdc++"), std::string::npos) << needed;
  EXPECT_EQ(needed.find("libgcc_s"), std::string::npos) << needed;
}

TEST(VmmExec, RunsTheCommandWithTheLibraryPreloaded) {
  // The probe checks that the library is mapped, that ioctl() still works
  // (terminal and KVM_ARM_VCPU_INIT on a non-KVM fd) and prints the env.
  const auto r = run_cli({"vmm-exec", "--view", ARMCACHE_FIXTURE_VIEW, "--lib", ARMCACHE_VMM_LIB, "--",
                          ARMCACHE_VMM_PROBE});
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("mapped yes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("vcpu_init ENOTTY"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("view ctr="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("clidr=0x82000023"), std::string::npos) << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;  // nothing logged: no vCPU was initialised
}

TEST(VmmExec, ExitStatusIsTheVmms) {
  const auto r = run_cli({"vmm-exec", "--view", ARMCACHE_FIXTURE_VIEW, "--lib", ARMCACHE_VMM_LIB, "--", "sh", "-c",
                          "exit 7"});
  EXPECT_EQ(r.status, 7) << r.err;
}

TEST(VmmExec, PrintEnv) {
  const auto r = run_cli({"vmm-exec", "--view", ARMCACHE_FIXTURE_VIEW, "--lib", ARMCACHE_VMM_LIB, "--print-env"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("LD_PRELOAD=/"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ARMCACHE_VMM_VIEW=ctr="), std::string::npos) << r.out;
}

TEST(VmmExec, BadInput) {
  struct Case {
    std::vector<std::string> args;
    int status;
    const char* says;
  } cases[] = {
      {{"vmm-exec", "--", "true"}, 2, "exactly one of"},
      {{"vmm-exec", "--view", ARMCACHE_FIXTURE_VIEW, "--native", "--", "true"}, 2, "exactly one of"},
      {{"vmm-exec", "--view", ARMCACHE_FIXTURE_VIEW, "--lib", ARMCACHE_VMM_LIB}, 2, "no VMM command"},
      {{"vmm-exec", "--native", "--closest", "--lib", ARMCACHE_VMM_LIB, "--", "true"}, 2,
       "--closest goes with --view or --kernel-view"},
      {{"vmm-exec", "--view", "/nonexistent.json", "--lib", ARMCACHE_VMM_LIB, "--", "true"}, 2, "nonexistent"},
      {{"vmm-exec", "--view", ARMCACHE_FIXTURE_VIEW, "--lib", "/nonexistent.so", "--", "true"}, 2, "cannot find"},
      {{"vmm-exec", "--view", ARMCACHE_FIXTURE_VIEW, "--lib", ARMCACHE_VMM_LIB, "--", "/nonexistent-vmm"}, 3,
       "exec /nonexistent-vmm"},
  };
  for (const auto& c : cases) {
    const auto r = run_cli(c.args);
    EXPECT_EQ(r.status, c.status) << c.args.back() << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
#if !defined(__aarch64__)
  // --native needs KVM: a system failure here, before any VMM starts.
  const auto r = run_cli({"vmm-exec", "--native", "--lib", ARMCACHE_VMM_LIB, "--", "true"});
  EXPECT_EQ(r.status, 3) << r.err;
  // So does --closest: the nearest view is found on a scratch vCPU first.
  const auto c = run_cli({"vmm-exec", "--view", ARMCACHE_FIXTURE_VIEW, "--closest", "--lib", ARMCACHE_VMM_LIB, "--", "true"});
  EXPECT_EQ(c.status, 3) << c.err;
  EXPECT_EQ(std::count(c.err.begin(), c.err.end(), '\n'), 1) << c.err;
#endif
}

#endif  // ARMCACHE_VMM_LIB

}  // namespace
}  // namespace armcache::vmm
