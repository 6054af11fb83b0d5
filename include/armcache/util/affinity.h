// Pinning the calling thread to one CPU: what the kernel shows a vCPU can
// depend on the CPU its ioctls run on (heterogeneous hosts), so a scratch VM
// that measures one CPU kind runs on a CPU of that kind.
#pragma once

#include <sched.h>

#include "armcache/util/result.h"

namespace armcache {

// Pins the calling thread to `cpu` while it lives; gives the thread back the
// affinity it had when it goes. Create and destroy it on the same thread.
class CpuPin {
 public:
  // Fails with sched_getaffinity's or sched_setaffinity's errno (EINVAL: no
  // such CPU, or not one this thread may run on).
  static Result<CpuPin> pin(unsigned cpu);

  CpuPin(CpuPin&& o) noexcept : saved_(o.saved_), cpu_(o.cpu_), active_(o.active_) { o.active_ = false; }
  CpuPin& operator=(CpuPin&&) = delete;
  CpuPin(const CpuPin&) = delete;
  CpuPin& operator=(const CpuPin&) = delete;
  ~CpuPin();

  unsigned cpu() const { return cpu_; }

 private:
  CpuPin(const cpu_set_t& saved, unsigned cpu) : saved_(saved), cpu_(cpu) {}

  cpu_set_t saved_;
  unsigned cpu_ = 0;
  bool active_ = true;
};

}  // namespace armcache
