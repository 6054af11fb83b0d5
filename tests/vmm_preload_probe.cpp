// Run under `armcache vmm-exec` by vmm_test: shows that a program with the
// interposer preloaded runs normally (inert without KVM).
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

int main() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  bool mapped = false;
  while (std::getline(maps, line)) mapped |= line.find("libarmcache-vmm.so") != std::string::npos;
  std::printf("mapped %s\n", mapped ? "yes" : "no");
  const int fd = open("/dev/null", O_RDWR);
  unsigned char init[32] = {};
  errno = 0;
  const int r = ioctl(fd, 0x4020aeaeul, init);  // KVM_ARM_VCPU_INIT on /dev/null
  std::printf("vcpu_init %s\n", r == -1 && errno == ENOTTY ? "ENOTTY" : std::strerror(errno));
  int pipefd[2];
  if (pipe(pipefd) != 0) return 1;
  int avail = -1;
  if (ioctl(pipefd[0], FIONREAD, &avail) != 0 || avail != 0) return 2;  // an ordinary ioctl still works
  const char* v = std::getenv("ARMCACHE_VMM_VIEW");
  std::printf("view %s\n", v ? v : "(unset)");
  return 0;
}
