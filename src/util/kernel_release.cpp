#include "armcache/util/kernel_release.h"

#include <sys/utsname.h>

namespace armcache {

std::optional<std::string> kernel_release() {
  utsname u{};
  if (::uname(&u) != 0) return std::nullopt;
  return std::string(u.release);
}

}  // namespace armcache
