#include "armcache/util/result.h"

#include <cstring>

namespace armcache {

std::string errno_name(int err) {
  // glibc 2.32+: the names the C library itself defines.
  if (const char* name = ::strerrorname_np(err)) return name;
  return "errno " + std::to_string(err);
}

}  // namespace armcache
