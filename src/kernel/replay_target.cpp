#include "armcache/kernel/replay_target.h"

namespace armcache::kernel {

Status ModelReplayTarget::fresh() {
  model_.emplace(kernel_, host_, vm_);
  return Ok{};
}

Status ModelReplayTarget::enable(std::uint32_t flags, const std::array<std::uint64_t, 4>& args) {
  return model_->enable_native(flags, args, host_.current_cpu);
}

Status ModelReplayTarget::reset() {
  model_->reset();
  return Ok{};
}

Result<identity::GuestView> ModelReplayTarget::run() {
  model_->run();
  return model_->view();
}

}  // namespace armcache::kernel
