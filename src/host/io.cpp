#include "armcache/host/io.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "armcache/util/file.h"

namespace armcache::host {

Result<std::vector<std::uint8_t>> read_binary_file(const std::string& path, std::size_t max_bytes) {
  auto data = read_file(path, max_bytes);
  if (!data) return data.error();
  return std::vector<std::uint8_t>(data->begin(), data->end());
}

bool is_directory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace armcache::host
