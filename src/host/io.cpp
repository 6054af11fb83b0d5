#include "armcache/host/io.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "armcache/util/fd.h"

namespace armcache::host {

Result<std::vector<std::uint8_t>> read_binary_file(const std::string& path, std::size_t max_bytes) {
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::make(fmt::format("{}: {}", path, std::strerror(errno)), errno);
  std::vector<std::uint8_t> data;
  std::uint8_t buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      return Error::make(fmt::format("{}: {}", path, std::strerror(e)), e);
    }
    if (n == 0) break;
    data.insert(data.end(), buf, buf + n);
    if (data.size() > max_bytes) return Error::make(fmt::format("{}: larger than {} bytes", path, max_bytes));
  }
  return data;
}

bool is_directory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace armcache::host
