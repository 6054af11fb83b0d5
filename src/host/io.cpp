#include "armcache/host/io.h"

#include <sys/stat.h>

namespace armcache::host {

bool is_directory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace armcache::host
