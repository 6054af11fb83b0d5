// The ioctl layer. Everything that needs <asm/kvm.h> for arm64 is inside
// ARMCACHE_KVM_NATIVE; other hosts get the same API returning unsupported().
#include "armcache/kvm/kvm.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unistd.h>

#include <utility>

#include "armcache/registers/kvm_reg_id.h"
#include "armcache/registers/sysreg_names.h"

#if defined(__aarch64__) && defined(__linux__)
#define ARMCACHE_KVM_NATIVE 1
#include <asm/kvm.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#endif

namespace armcache::kvm {

bool backend_available() {
#ifdef ARMCACHE_KVM_NATIVE
  return true;
#else
  return false;
#endif
}

Error unsupported() {
#if defined(__x86_64__)
  constexpr const char* arch = "x86_64";
#else
  constexpr const char* arch = "this architecture";
#endif
  return Error::make(fmt::format("the KVM backend is built only for aarch64 Linux (this build: {})", arch), ENOSYS);
}

// No longer declared (armcache::errno_name in util/result.h is the one), but
// still exported: programs linked against libarmcache.so.0 may call it.
std::string errno_name(int err);
std::string errno_name(int err) { return armcache::errno_name(err); }

Error ioctl_error(std::string_view ioctl_name, std::string_view detail, int err) {
  return Error::make(fmt::format("{}{}{}: {} ({})", ioctl_name, detail.empty() ? "" : " ", detail, std::strerror(err),
                                 errno_name(err)),
                     err);
}

Vcpu::Vcpu(Vcpu&& o) noexcept { *this = std::move(o); }

Vcpu& Vcpu::operator=(Vcpu&& o) noexcept {
  if (this == &o) return *this;
  std::swap(fd_, o.fd_);  // o's destructor then releases what this held
  std::swap(borrowed_, o.borrowed_);
  std::swap(index_, o.index_);
  std::swap(run_, o.run_);
  std::swap(run_size_, o.run_size_);
  std::swap(mmio_pending_, o.mmio_pending_);
  return *this;
}

Vcpu Vcpu::borrow(int fd) {
  Vcpu v;
  v.borrowed_ = fd;
  return v;
}

#ifdef ARMCACHE_KVM_NATIVE

static_assert(kCapOneReg == KVM_CAP_ONE_REG && kCapArmVmIpaSize == KVM_CAP_ARM_VM_IPA_SIZE);
static_assert(kExitMmio == KVM_EXIT_MMIO);
static_assert(sizeof(VcpuInit) == sizeof(kvm_vcpu_init));

namespace {
template <typename T>
int xioctl(int fd, unsigned long req, T arg) {
  int r;
  do r = ::ioctl(fd, req, arg);
  while (r < 0 && errno == EINTR && req != KVM_RUN);  // KVM_RUN's EINTR means something
  return r;
}
}  // namespace

Vcpu::~Vcpu() {
  if (run_) ::munmap(run_, run_size_);
}

Status Vcpu::init(const VcpuInit& in) {
  kvm_vcpu_init k{};
  k.target = in.target;
  for (std::size_t i = 0; i < in.features.size(); ++i) k.features[i] = in.features[i];
  if (xioctl(fd(), KVM_ARM_VCPU_INIT, &k) < 0)
    return ioctl_error("KVM_ARM_VCPU_INIT", fmt::format("vCPU {}", index_), errno);
  return Ok{};
}

Result<std::vector<std::uint64_t>> Vcpu::reg_list() {
  // The first call with n = 0 fails with E2BIG and tells the count needed.
  kvm_reg_list probe{};
  probe.n = 0;
  if (xioctl(fd(), KVM_GET_REG_LIST, &probe) == 0) return std::vector<std::uint64_t>{};
  if (errno != E2BIG) return ioctl_error("KVM_GET_REG_LIST", "", errno);
  for (int attempt = 0; attempt < 3; ++attempt) {
    const std::uint64_t n = probe.n;
    std::vector<std::uint64_t> buf(1 + n);  // kvm_reg_list is {u64 n; u64 reg[]}
    buf[0] = n;
    if (xioctl(fd(), KVM_GET_REG_LIST, buf.data()) == 0) {
      const std::uint64_t got = buf[0];
      return std::vector<std::uint64_t>(buf.begin() + 1, buf.begin() + 1 + std::ptrdiff_t(got));
    }
    if (errno != E2BIG) return ioctl_error("KVM_GET_REG_LIST", "", errno);
    probe.n = buf[0];
  }
  return ioctl_error("KVM_GET_REG_LIST", "(list kept growing)", E2BIG);
}

Result<std::uint64_t> Vcpu::get(std::uint64_t id) {
  std::uint64_t v = 0;  // 32-bit registers land in the low half (little-endian)
  kvm_one_reg r{};
  r.id = id;
  r.addr = reinterpret_cast<std::uint64_t>(&v);
  if (xioctl(fd(), KVM_GET_ONE_REG, &r) < 0)
    return ioctl_error("KVM_GET_ONE_REG", fmt::format("{} ({:#x})", reg::one_reg_name(id), id), errno);
  return v;
}

Status Vcpu::set(std::uint64_t id, std::uint64_t value) {
  std::uint64_t v = value;
  kvm_one_reg r{};
  r.id = id;
  r.addr = reinterpret_cast<std::uint64_t>(&v);
  if (xioctl(fd(), KVM_SET_ONE_REG, &r) < 0)
    return ioctl_error("KVM_SET_ONE_REG", fmt::format("{} ({:#x}) = {:#x}", reg::one_reg_name(id), id, value), errno);
  return Ok{};
}

Status Vcpu::enable_cap(std::uint32_t cap, std::uint32_t flags, const std::array<std::uint64_t, 4>& args) {
  kvm_enable_cap c{};
  c.cap = cap;
  c.flags = flags;
  for (std::size_t i = 0; i < 4; ++i) c.args[i] = args[i];
  if (xioctl(fd(), KVM_ENABLE_CAP, &c) < 0)
    return ioctl_error("KVM_ENABLE_CAP", fmt::format("(vCPU, cap {})", cap), errno);
  return Ok{};
}

Status Vcpu::finalize(int feature) {
  if (xioctl(fd(), KVM_ARM_VCPU_FINALIZE, &feature) < 0)
    return ioctl_error("KVM_ARM_VCPU_FINALIZE", fmt::format("vCPU {}, feature {}", index_, feature), errno);
  return Ok{};
}

Status Vcpu::set_pc(std::uint64_t pc) {
  constexpr std::uint64_t kPcId = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(regs.pc);
  return set(kPcId, pc);
}

Result<RunExit> Vcpu::run() {
  if (!run_) return Error::make("KVM_RUN: this vCPU has no kvm_run mapping (a borrowed fd)", EBADF);
  auto* kr = static_cast<kvm_run*>(run_);
  mmio_pending_ = false;
  if (::ioctl(fd(), KVM_RUN, 0) < 0) return ioctl_error("KVM_RUN", fmt::format("vCPU {}", index_), errno);
  RunExit e;
  e.reason = kr->exit_reason;
  if (e.reason == KVM_EXIT_MMIO) {
    mmio_pending_ = true;
    e.mmio_addr = kr->mmio.phys_addr;
    e.mmio_len = kr->mmio.len;
    e.mmio_write = kr->mmio.is_write;
    std::uint64_t d = 0;
    std::memcpy(&d, kr->mmio.data, std::min<std::size_t>(kr->mmio.len, 8));
    e.mmio_data = d;
  } else if (e.reason == KVM_EXIT_FAIL_ENTRY) {
    e.detail = fmt::format("FAIL_ENTRY reason {:#x}", kr->fail_entry.hardware_entry_failure_reason);
  } else if (e.reason == KVM_EXIT_SYSTEM_EVENT) {
    e.detail = fmt::format("SYSTEM_EVENT type {}", kr->system_event.type);
  } else if (e.reason == KVM_EXIT_INTERNAL_ERROR) {
    e.detail = fmt::format("INTERNAL_ERROR suberror {}", kr->internal.suberror);
  }
  return e;
}

Status Vcpu::complete_pending() {
  if (!mmio_pending_) return Ok{};
  auto* kr = static_cast<kvm_run*>(run_);
  kr->immediate_exit = 1;
  const int r = ::ioctl(fd(), KVM_RUN, 0);
  const int err = errno;
  kr->immediate_exit = 0;
  if (r == 0 || err != EINTR)
    return r == 0 ? Error::make("KVM_RUN with immediate_exit entered the guest", 0)
                  : ioctl_error("KVM_RUN", "(immediate_exit)", err);
  mmio_pending_ = false;
  return Ok{};
}

Vm::~Vm() {
  for (auto& m : memory_) ::munmap(m.addr, m.size);
}

Result<int> Vm::check_extension(long cap) {
  int r = xioctl(fd(), KVM_CHECK_EXTENSION, cap);
  if (r < 0) return ioctl_error("KVM_CHECK_EXTENSION", fmt::format("(VM, cap {})", cap), errno);
  return r;
}

Status Vm::enable_cap(std::uint32_t cap, std::uint64_t arg0) {
  kvm_enable_cap c{};
  c.cap = cap;
  c.args[0] = arg0;
  if (xioctl(fd(), KVM_ENABLE_CAP, &c) < 0) return ioctl_error("KVM_ENABLE_CAP", fmt::format("(VM, cap {})", cap), errno);
  return Ok{};
}

Result<VcpuInit> Vm::preferred_target() {
  kvm_vcpu_init k{};
  if (xioctl(fd(), KVM_ARM_PREFERRED_TARGET, &k) < 0) return ioctl_error("KVM_ARM_PREFERRED_TARGET", "", errno);
  VcpuInit out;
  out.target = k.target;
  for (std::size_t i = 0; i < out.features.size(); ++i) out.features[i] = k.features[i];
  return out;
}

Result<Vcpu> Vm::create_vcpu(unsigned index) {
  int f = xioctl(fd(), KVM_CREATE_VCPU, static_cast<unsigned long>(index));
  if (f < 0) return ioctl_error("KVM_CREATE_VCPU", fmt::format("vCPU {}", index), errno);
  Vcpu v;
  v.fd_ = Fd(f);
  v.index_ = index;
  void* p = ::mmap(nullptr, run_size_, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
  if (p == MAP_FAILED) return ioctl_error("mmap kvm_run", fmt::format("vCPU {}", index), errno);
  v.run_ = p;
  v.run_size_ = run_size_;
  return v;
}

Result<std::uint8_t*> Vm::add_memory(std::uint32_t slot, std::uint64_t gpa, std::size_t size) {
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return ioctl_error("mmap guest memory", "", errno);
  memory_.push_back({p, size});
  kvm_userspace_memory_region r{};
  r.slot = slot;
  r.guest_phys_addr = gpa;
  r.memory_size = size;
  r.userspace_addr = reinterpret_cast<std::uint64_t>(p);
  if (xioctl(fd(), KVM_SET_USER_MEMORY_REGION, &r) < 0)
    return ioctl_error("KVM_SET_USER_MEMORY_REGION", fmt::format("slot {}", slot), errno);
  return static_cast<std::uint8_t*>(p);
}

Result<System> System::open(const char* path) {
  int f = ::open(path, O_RDWR | O_CLOEXEC);
  if (f < 0) return Error::make(fmt::format("open {}: {} ({})", path, std::strerror(errno), errno_name(errno)), errno);
  System s;
  s.fd_ = Fd(f);
  s.api_ = xioctl(f, KVM_GET_API_VERSION, 0);
  if (s.api_ < 0) return ioctl_error("KVM_GET_API_VERSION", "", errno);
  return s;
}

Result<int> System::check_extension(long cap) {
  int r = xioctl(fd(), KVM_CHECK_EXTENSION, cap);
  if (r < 0) return ioctl_error("KVM_CHECK_EXTENSION", fmt::format("(cap {})", cap), errno);
  return r;
}

Result<Vm> System::create_vm() {
  int ipa = xioctl(fd(), KVM_CHECK_EXTENSION, KVM_CAP_ARM_VM_IPA_SIZE);
  unsigned long type = (ipa > 0 && ipa < 40) ? KVM_VM_TYPE_ARM_IPA_SIZE(ipa) : 0;
  int mmap_size = xioctl(fd(), KVM_GET_VCPU_MMAP_SIZE, 0);
  if (mmap_size <= 0) return ioctl_error("KVM_GET_VCPU_MMAP_SIZE", "", errno);
  int f = xioctl(fd(), KVM_CREATE_VM, type);
  if (f < 0) return ioctl_error("KVM_CREATE_VM", fmt::format("(type {:#x})", type), errno);
  Vm vm;
  vm.fd_ = Fd(f);
  vm.run_size_ = std::size_t(mmap_size);
  vm.ipa_bits_ = (ipa > 0 && ipa < 40) ? unsigned(ipa) : 40;
  return vm;
}

#else  // !ARMCACHE_KVM_NATIVE: the API without a backend

Vcpu::~Vcpu() = default;
Status Vcpu::init(const VcpuInit&) { return unsupported(); }
Result<std::vector<std::uint64_t>> Vcpu::reg_list() { return unsupported(); }
Result<std::uint64_t> Vcpu::get(std::uint64_t) { return unsupported(); }
Status Vcpu::set(std::uint64_t, std::uint64_t) { return unsupported(); }
Status Vcpu::enable_cap(std::uint32_t, std::uint32_t, const std::array<std::uint64_t, 4>&) { return unsupported(); }
Status Vcpu::finalize(int) { return unsupported(); }
Status Vcpu::set_pc(std::uint64_t) { return unsupported(); }
Result<RunExit> Vcpu::run() { return unsupported(); }
Status Vcpu::complete_pending() { return unsupported(); }
Vm::~Vm() = default;
Result<int> Vm::check_extension(long) { return unsupported(); }
Status Vm::enable_cap(std::uint32_t, std::uint64_t) { return unsupported(); }
Result<VcpuInit> Vm::preferred_target() { return unsupported(); }
Result<Vcpu> Vm::create_vcpu(unsigned) { return unsupported(); }
Result<std::uint8_t*> Vm::add_memory(std::uint32_t, std::uint64_t, std::size_t) { return unsupported(); }
Result<System> System::open(const char*) { return unsupported(); }
Result<int> System::check_extension(long) { return unsupported(); }
Result<Vm> System::create_vm() { return unsupported(); }

#endif

}  // namespace armcache::kvm
