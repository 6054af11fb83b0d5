#include "armcache/util/file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "armcache/util/fd.h"

namespace armcache {

namespace {
Error read_error(const std::string& path, int err) {
  return Error::make(fmt::format("{}: cannot read: {}", path, std::strerror(err)), err);
}
}  // namespace

Result<std::string> read_file(const std::string& path, std::size_t max_bytes) {
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return read_error(path, errno);
  std::string data;
  struct stat st {};
  if (::fstat(fd.get(), &st) == 0 && st.st_size > 0 && std::size_t(st.st_size) <= max_bytes)
    data.reserve(std::size_t(st.st_size) + 1);  // +1: the read() that sees the end
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return read_error(path, errno);
    if (n == 0) break;
    if (std::size_t(n) > max_bytes - data.size())
      return Error::make(fmt::format("{}: larger than {} bytes", path, max_bytes), EFBIG);
    data.append(buf, std::size_t(n));
  }
  return data;
}

}  // namespace armcache
