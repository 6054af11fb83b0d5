#include "armcache/util/affinity.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace armcache {

Result<CpuPin> CpuPin::pin(unsigned cpu) {
  cpu_set_t saved;
  CPU_ZERO(&saved);
  if (sched_getaffinity(0, sizeof saved, &saved) != 0)
    return Error::make(fmt::format("sched_getaffinity: {}", std::strerror(errno)), errno);
  if (cpu >= CPU_SETSIZE)
    return Error::make(fmt::format("sched_setaffinity(cpu {}): {}", cpu, std::strerror(EINVAL)), EINVAL);
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  if (sched_setaffinity(0, sizeof one, &one) != 0)
    return Error::make(fmt::format("sched_setaffinity(cpu {}): {}", cpu, std::strerror(errno)), errno);
  return CpuPin(saved, cpu);
}

CpuPin::~CpuPin() {
  // Best effort: the thread may only lose CPUs it was allowed before.
  if (active_) (void)sched_setaffinity(0, sizeof saved_, &saved_);
}

}  // namespace armcache
