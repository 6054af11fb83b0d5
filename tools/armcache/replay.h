// Replaying a corpus of KVM_SET_ONE_REG attempts (with resets and runs) on
// a vCPU, recording after each step the errno and the cache registers as
// KVM_GET_ONE_REG returns them. The same engine drives a real vCPU
// (`kvm replay`) and the kernel model (`model-replay`), so both print the
// same JSON and e2e/differential.py compares them step by step.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "armcache/identity/identity.h"
#include "armcache/util/result.h"
#include "armcache/vcpu/replay_target.h"
#include "cli.h"

namespace armcache::cli::replay {

// Corpus file: {"steps": [{"op": "set", "id": "0x...", "value": "0x...", "case": "..."},
//                         {"op": "enable", "flags": 0, "args": [0, 0, 0, 0]},
//                         {"op": "reset"}, {"op": "run"}, {"op": "fresh"}, ...]}
//   set    KVM_SET_ONE_REG(id, value); value travels in an 8-byte buffer
//          (a U32 id takes its low half, as the kernel reads it)
//   enable vCPU KVM_ENABLE_CAP(KVM_CAP_ARM_NATIVE_CACHE_CONFIG, flags, args);
//          "flags" and "args" default to 0 (kernels without the
//          capability answer EINVAL)
//   reset  a second KVM_ARM_VCPU_INIT
//   run    KVM_RUN the guest probe; records what the guest reads
//   fresh  drop the VM and start over with a new 1-vCPU VM
struct Step {
  std::string op;
  std::uint64_t id = 0;
  std::uint64_t value = 0;
  std::uint32_t flags = 0;                // enable
  std::array<std::uint64_t, 4> args{};    // enable
  std::string label;  // "case": what the step tests
};

std::vector<Step> load_corpus(const std::string& path);

// Runs the steps on a fresh target; {"steps": [...]} with, per step, "errno"
// ("ok" or a name) and "state": CLIDR_EL1, CTR_EL0, DEMUX 0..13 (absent =
// ENOENT) and the set id read back; a run step adds "guest" (the view the
// guest read, as profile::guest_view_to_json writes it).
// A target that cannot make a fresh VM fails the command as a system
// failure (exit 3).
Json run(const std::vector<Step>& steps, vcpu::ReplayTarget& t);

// Prints run()'s result: one compact JSON line (json) or a table.
void print_result(const std::string& kernel, const char* source, const std::vector<Step>& steps, const Json& results,
                  bool json);

}  // namespace armcache::cli::replay
