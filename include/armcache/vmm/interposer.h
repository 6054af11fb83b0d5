// The interposer for unmodified VMMs: after every successful
// KVM_ARM_VCPU_INIT (the first and each re-init a guest reboot causes) it
// applies a cache view to that vCPU with vcpu::apply_view, the code behind
// `armcache kvm apply`, and fails the VMM's KVM_ARM_VCPU_INIT when the vCPU
// cannot take the view. libarmcache-vmm.so wraps ioctl() around this class;
// `armcache vmm-exec` starts a VMM with it. Everything here is portable, so
// the decision logic is tested on any host with a fake ioctl and fake vCPUs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "armcache/identity/identity.h"
#include "armcache/kvm/kvm.h"
#include "armcache/util/result.h"

namespace armcache::vmm {

// _IOW(KVMIO, 0xae, struct kvm_vcpu_init): direction write, size 32, type
// 0xae, number 0xae. QEMU passes ioctl requests as `int`, so a request with
// bit 31 set arrives sign-extended in the unsigned long: only the low 32
// bits name the request.
inline constexpr std::uint32_t kKvmArmVcpuInit = 0x4020aeae;
constexpr bool is_vcpu_init(unsigned long request) { return std::uint32_t(request) == kKvmArmVcpuInit; }
// _IOWR(KVMIO, 0xb0, struct kvm_reg_list): struct kvm_reg_list is a u64 n
// followed by n ids; the kernel sets n and fails with E2BIG when n is short.
inline constexpr std::uint32_t kKvmGetRegList = 0xc008aeb0;
constexpr bool is_get_reg_list(unsigned long request) { return std::uint32_t(request) == kKvmGetRegList; }

// The environment `armcache vmm-exec` hands the library.
inline constexpr const char* kEnvView = "ARMCACHE_VMM_VIEW";    // encode_view()
inline constexpr const char* kEnvLabel = "ARMCACHE_VMM_LABEL";  // where the view came from, for the log
inline constexpr const char* kEnvLog = "ARMCACHE_VMM_LOG";      // log file (appended); unset: stderr
// vmm-exec --compat (plan/compat.h): ids hidden from KVM_GET_REG_LIST, and
// registers written before the view (ID register values).
inline constexpr const char* kEnvHide = "ARMCACHE_VMM_HIDE";      // encode_ids()
inline constexpr const char* kEnvIdRegs = "ARMCACHE_VMM_IDREGS";  // encode_writes()
inline constexpr const char* kLibraryName = "libarmcache-vmm.so";

// The ONE_REG values apply_view writes (CTR_EL0, DEMUX CCSIDR, CLIDR_EL1) as
// one line: "ctr=0x9444c004 clidr=0x82000023 ccsidr0=0x701fe01a ...".
std::string encode_view(const identity::GuestView& v);
// The inverse; every key once, ccsidrN for N 0..13, values hexadecimal.
// Only the ONE_REG fields of the result are meaningful.
Result<identity::GuestView> decode_view(std::string_view text);

// "0x6020000000110003,0x6030000000138012" and back; at most kMaxIds ids.
inline constexpr std::size_t kMaxIds = 1024;
std::string encode_ids(const std::vector<std::uint64_t>& ids);
Result<std::vector<std::uint64_t>> decode_ids(std::string_view text);
// "0x603000000013c028=0x10305406 ..." and back; every id once.
std::string encode_writes(const std::vector<std::pair<std::uint64_t, std::uint64_t>>& writes);
Result<std::vector<std::pair<std::uint64_t, std::uint64_t>>> decode_writes(std::string_view text);

// "anon_inode:kvm-vcpu:3" (readlink of /proc/self/fd/N) -> 3; anything else
// is not a KVM vCPU fd.
std::optional<unsigned> vcpu_index_from_link(std::string_view link);

// What the interposer needs of the process; the library fills it with the
// real ioctl, /proc/self/fd and kvm::Vcpu::borrow, tests with fakes.
struct Hooks {
  std::function<int(int fd, unsigned long request, void* arg)> real_ioctl;
  std::function<std::optional<unsigned>(int fd)> vcpu_index;  // nullopt: not a vCPU fd
  std::function<std::unique_ptr<vcpu::RegisterFile>(int fd)> registers;
  std::function<void(std::string_view line)> log;    // one line per vCPU init, no newline; thread-safe
  std::function<void(std::string_view line)> error;  // the one stderr line of a refused init (and the log)
  std::function<std::optional<std::string>(const char* name)> getenv;
  std::function<std::uint64_t()> now_ns;  // monotonic, for the per-init cost in the log
};

class Interposer {
 public:
  explicit Interposer(Hooks hooks) : hooks_(std::move(hooks)) {}

  // ioctl() as the VMM sees it. Requests other than KVM_ARM_VCPU_INIT, and
  // KVM_ARM_VCPU_INIT calls that fail or are not on a KVM vCPU fd, go to the
  // real ioctl untouched. After a successful one the view is applied; if
  // that fails (or no usable view was given) this returns -1 with errno set
  // and the vCPU holds what KVM_ARM_VCPU_INIT left, not a half-applied view.
  // Safe to call from many threads at once.
  int ioctl(int fd, unsigned long request, void* arg);
  // True for the requests ioctl() handles itself (KVM_ARM_VCPU_INIT, and
  // KVM_GET_REG_LIST); the library sends every other one straight through.
  static constexpr bool wants(unsigned long request) { return is_vcpu_init(request) || is_get_reg_list(request); }

 private:
  // The view, decoded once on first use (a process that never initialises
  // a vCPU never reads the environment).
  struct Config {
    std::optional<identity::GuestView> view;
    std::vector<std::uint64_t> hide;  // sorted
    std::vector<std::pair<std::uint64_t, std::uint64_t>> id_writes;
    std::string label;
    std::string problem;  // why there is no view
  };
  const Config& config();
  int after_init(int fd, unsigned vcpu);
  // KVM_GET_REG_LIST without the hidden ids, with the kernel's E2BIG
  // protocol kept: a short n gets the filtered count back.
  int reg_list(int fd, unsigned long request, void* arg);

  Hooks hooks_;
  std::once_flag once_;
  Config config_;  // written once under once_, then only read
};

}  // namespace armcache::vmm
