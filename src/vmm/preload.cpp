// libarmcache-vmm.so: loaded into a VMM with LD_PRELOAD (armcache vmm-exec),
// it exports one symbol, ioctl(). Every request but KVM_ARM_VCPU_INIT and
// KVM_GET_REG_LIST goes straight to the C library's ioctl after a compare;
// those two go through vmm::Interposer, which applies the view after a
// successful init (failing the call if the vCPU refuses it) and hides the
// ids of a --compat plan from the register list.
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

#include "armcache/util/fd.h"
#include "armcache/vmm/interposer.h"

namespace {

using IoctlFn = int (*)(int, unsigned long, ...);

IoctlFn real_ioctl() {
  // Resolved once, on the first ioctl of the process.
  static const IoctlFn fn = reinterpret_cast<IoctlFn>(dlsym(RTLD_NEXT, "ioctl"));
  return fn;
}

int call_real(int fd, unsigned long request, void* arg) {
  if (IoctlFn fn = real_ioctl()) return fn(fd, request, arg);
  return int(syscall(SYS_ioctl, fd, request, arg));
}

void write_line(int fd, std::string_view line) {
  std::string s(line);
  s += '\n';
  std::size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += std::size_t(n);
  }
}

// The process-wide state an LD_PRELOAD library cannot avoid (ioctl() has no
// context argument). Created on the first KVM_ARM_VCPU_INIT and never
// destroyed: VMM threads may still be in ioctl() while the process exits.
struct Process {
  std::mutex log_mu;
  armcache::Fd log_file;
  bool log_opened = false;
  armcache::vmm::Interposer interposer;

  Process() : interposer(hooks()) {}

  void log(std::string_view line) {
    const int saved = errno;
    std::lock_guard<std::mutex> lock(log_mu);
    if (!log_opened) {
      log_opened = true;
      if (const char* path = std::getenv(armcache::vmm::kEnvLog); path && *path)
        log_file = armcache::Fd(::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    }
    write_line(log_file ? log_file.get() : 2, line);
    errno = saved;
  }

  armcache::vmm::Hooks hooks() {
    armcache::vmm::Hooks h;
    h.real_ioctl = call_real;
    h.vcpu_index = [](int fd) -> std::optional<unsigned> {
      char path[64], link[128];
      std::snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
      const ssize_t n = ::readlink(path, link, sizeof link - 1);
      if (n <= 0) return std::nullopt;
      return armcache::vmm::vcpu_index_from_link(std::string_view(link, std::size_t(n)));
    };
    h.registers = [](int fd) -> std::unique_ptr<armcache::vcpu::RegisterFile> {
      return std::make_unique<armcache::kvm::Vcpu>(armcache::kvm::Vcpu::borrow(fd));
    };
    h.log = [this](std::string_view line) { log(line); };
    h.error = [this](std::string_view line) {
      write_line(2, line);
      if (std::getenv(armcache::vmm::kEnvLog)) log(line);  // the log tells the whole story too
    };
    h.getenv = [](const char* name) -> std::optional<std::string> {
      const char* v = std::getenv(name);
      return v ? std::optional<std::string>(v) : std::nullopt;
    };
    h.now_ns = [] {
      timespec ts{};
      clock_gettime(CLOCK_MONOTONIC, &ts);
      return std::uint64_t(ts.tv_sec) * 1000000000u + std::uint64_t(ts.tv_nsec);
    };
    return h;
  }
};

Process& process() {
  static Process* p = new Process;
  return *p;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int ioctl(int fd, unsigned long request, ...) {
  va_list ap;
  va_start(ap, request);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  if (!armcache::vmm::Interposer::wants(request)) return call_real(fd, request, arg);
  return process().interposer.ioctl(fd, request, arg);
}
