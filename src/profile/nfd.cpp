// Fleet labels for node-feature-discovery (docs/fleet-labels.md).
#include "armcache/profile/nfd.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

#include "armcache/kernel/generation.h"
#include "armcache/kernel/guest_view.h"
#include "armcache/kernel/vcpu_model.h"
#include "armcache/profile/profile.h"
#include "armcache/util/fnv1a.h"

namespace armcache::profile::nfd {
namespace {

constexpr std::size_t kMaxLabel = 63;

bool alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// "fnv1a64:30a329d2f00205ac" -> "30a329d2f00205ac": ':' is not allowed in a value.
std::string hex_of(const std::string& fp) {
  const auto colon = fp.find(':');
  return colon == std::string::npos ? fp : fp.substr(colon + 1);
}

// FNV-1a 64 over the kinds' identities in order: one value a node selector can match.
std::string combine(const std::vector<std::string>& parts) {
  Fnv1a64 h;
  for (const auto& p : parts) h.bytes(p).byte(';');
  return fmt::format("{:016x}", h.value());
}

// A label value cannot hold '+': "6.16+" is written "6.16-plus".
std::string generation_value(kernel::Generation g) {
  std::string v(kernel::generation_name(g));
  if (v.ends_with('+')) v.replace(v.size() - 1, 1, "-plus");
  return v;
}

}  // namespace

bool valid_label_value(std::string_view v) {
  if (v.empty()) return true;
  if (v.size() > kMaxLabel || !alnum(v.front()) || !alnum(v.back())) return false;
  return std::all_of(v.begin(), v.end(), [](char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; });
}

bool valid_label_name(std::string_view n) { return !n.empty() && valid_label_value(n); }

LabelSet labels(const NodeFacts& f) {
  LabelSet out;
  auto add = [&out](std::string name, std::string value) {
    if (valid_label_name(name) && valid_label_value(value))
      out.labels.push_back({std::move(name), std::move(value)});
    else
      out.notes.push_back(fmt::format("left out {}={}: not a valid label", name, value));
  };
  std::optional<kernel::KernelSpec> running;
  if (f.release) {
    if (auto k = kernel::parse_kernel(*f.release)) running = *k;
    else out.notes.push_back(fmt::format("kernel {}: {}", *f.release, k.error().message));
  }
  const auto native = kernel::parse_kernel("native");
  add("armcache.cpu-kinds", std::to_string(f.host.kinds.size()));
  std::vector<std::string> identities;
  bool complete = !f.host.kinds.empty();
  for (std::size_t i = 0; i < f.host.kinds.size(); ++i) {
    const std::string kind = fmt::format("armcache.kind{}", i);
    if (const auto& m = f.host.kinds[i].midr) add(kind + ".midr", fmt::format("{:#x}", *m));
    auto in = kernel::host_input(f.host, i);
    if (!in) {
      out.notes.push_back(fmt::format("kind {}: {}", i, in.error().message));
      complete = false;
      continue;
    }
    // The cache identity: the view the native capability gives a guest on
    // this kind, i.e. the hardware's registers as a guest would read them.
    if (auto view = kernel::initial_view(*native, *in); !view) {
      out.notes.push_back(fmt::format("kind {}: the discovered registers are incomplete ({}: {} from the native "
                                      "model): no cache identity",
                                      i, errno_name(view.error().errnum), view.error().message));
      complete = false;
    } else {
      const std::string id = hex_of(fingerprint(*view));
      identities.push_back(id);
      add(kind + ".cache-identity", id);
    }
    // What a guest gets here by default: differs between kernel generations.
    if (running) add(kind + ".default-identity", hex_of(fingerprint(kernel::VcpuModel(*running, *in).view())));
  }
  if (complete) add("armcache.cache-identity", combine(identities));
  if (running) add("armcache.kernel-generation", generation_value(running->generation));
  add("armcache.native-cache-config", f.native_cap.value_or(false) ? "true" : "false");
  return out;
}

std::string features_file(const LabelSet& set, std::string_view header) {
  std::string s;
  for (std::size_t b = 0; b < header.size();) {
    auto e = header.find('\n', b);
    if (e == std::string_view::npos) e = header.size();
    s += fmt::format("# {}\n", header.substr(b, e - b));
    b = e + 1;
  }
  for (const auto& n : set.notes) s += fmt::format("# {}\n", n);
  for (const auto& l : set.labels) s += fmt::format("{}={}\n", l.name, l.value);
  return s;
}

}  // namespace armcache::profile::nfd
