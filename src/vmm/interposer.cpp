#include "armcache/vmm/interposer.h"

#include <fmt/format.h>

#include <array>
#include <cerrno>

#include "armcache/kvm/view.h"
#include "armcache/registers/csselr.h"
#include "armcache/util/parse.h"

namespace armcache::vmm {

namespace {
constexpr std::size_t kMaxViewText = 4096;  // 16 keys of at most 25 bytes each, with room
}  // namespace

std::string encode_view(const identity::GuestView& v) {
  std::string s = fmt::format("ctr={:#x} clidr={:#x}", v.ctr_reg, v.clidr_reg);
  for (auto [sel, val] : v.demux) s += fmt::format(" ccsidr{}={:#x}", sel, val);
  return s;
}

Result<identity::GuestView> decode_view(std::string_view text) {
  if (text.size() > kMaxViewText) return Error::make(fmt::format("view text is {} bytes, too long", text.size()));
  identity::GuestView v;
  bool have_ctr = false, have_clidr = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (text[pos] == ' ') {
      ++pos;
      continue;
    }
    std::size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view item = text.substr(pos, end - pos);
    pos = end;
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) return Error::make(fmt::format("view item {} is not key=value", quoted(item)));
    const std::string_view key = item.substr(0, eq), val = item.substr(eq + 1);
    auto dup = [&](std::string_view k) { return Error::make(fmt::format("view key {} given twice", quoted(k))); };
    if (key == "ctr" || key == "clidr") {
      auto n = parse_hex(val, 64);
      if (!n) return Error::make(fmt::format("view {}: {}", key, n.error().message));
      bool& have = key == "ctr" ? have_ctr : have_clidr;
      if (have) return dup(key);
      have = true;
      if (key == "ctr") {
        v.ctr_reg = *n;
        v.ctr = reg::Ctr(*n);
      } else {
        v.clidr_reg = *n;
        v.clidr = reg::Clidr(*n);
      }
    } else if (key.starts_with("ccsidr")) {
      auto sel = parse_uint(key.substr(6));
      if (!sel || *sel >= reg::kCsselrLevelInDCount || key.size() > 8)
        return Error::make(fmt::format("view key {}: CCSIDR selectors are ccsidr0 to ccsidr{}", quoted(key),
                                       reg::kCsselrLevelInDCount - 1));
      auto n = parse_hex(val, 32);
      if (!n) return Error::make(fmt::format("view {}: {}", key, n.error().message));
      if (!v.demux.emplace(unsigned(*sel), std::uint32_t(*n)).second) return dup(key);
    } else {
      return Error::make(fmt::format("unknown view key {} (ctr, clidr, ccsidrN)", quoted(key)));
    }
  }
  if (!have_ctr || !have_clidr) return Error::make("view lacks ctr= or clidr=");
  return v;
}

std::optional<unsigned> vcpu_index_from_link(std::string_view link) {
  constexpr std::string_view prefix = "anon_inode:kvm-vcpu:";
  if (!link.starts_with(prefix) || link.size() == prefix.size() || link.size() > prefix.size() + 10) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : link.substr(prefix.size())) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + unsigned(c - '0');
  }
  if (n > 0xffffffffu) return std::nullopt;
  return unsigned(n);
}

const Interposer::Config& Interposer::config() {
  std::call_once(once_, [this] {
    auto text = hooks_.getenv(kEnvView);
    if (auto label = hooks_.getenv(kEnvLabel)) config_.label = *label;
    if (!text) {
      config_.problem = fmt::format("{} is not set (start the VMM with armcache vmm-exec)", kEnvView);
      return;
    }
    auto v = decode_view(*text);
    if (!v) {
      config_.problem = fmt::format("{}: {}", kEnvView, v.error().message);
      return;
    }
    config_.view = std::move(*v);
  });
  return config_;
}

int Interposer::ioctl(int fd, unsigned long request, void* arg) {
  const int r = hooks_.real_ioctl(fd, request, arg);
  if (r != 0 || !is_vcpu_init(request)) return r;
  const auto vcpu = hooks_.vcpu_index(fd);
  if (!vcpu) return r;  // not a KVM vCPU: nothing of ours
  return after_init(fd, *vcpu);
}

int Interposer::after_init(int fd, unsigned vcpu) {
  const Config& c = config();
  auto fail = [&](int err, const std::string& why) {
    const std::string line = fmt::format("armcache-vmm: vCPU {}: {}; KVM_ARM_VCPU_INIT fails with {}", vcpu, why,
                                         kvm::errno_name(err));
    hooks_.error(line);
    errno = err;
    return -1;
  };
  if (!c.view) return fail(EINVAL, "no view to apply: " + c.problem);
  const std::unique_ptr<kvm::RegisterFile> regs = hooks_.registers(fd);
  const std::uint64_t t0 = hooks_.now_ns();
  const kvm::ApplyReport rep = kvm::apply_view(*c.view, *regs);
  const std::uint64_t t1 = hooks_.now_ns();
  if (!rep.ok) {
    const kvm::ApplyFailure& f = *rep.failure;
    // A value that "took" but reads back differently has no errno of its own.
    const int err = f.errnum ? f.errnum : EINVAL;
    std::string why = fmt::format("{} = {:#x} refused ({}): {}", f.name, f.value, kvm::errno_name(err), f.message);
    why += rep.restored ? "; registers put back" : fmt::format("; put back failed: {}", rep.restore_errors.front());
    return fail(err, why);
  }
  std::string what;
  for (const kvm::RegWrite& w : rep.written)
    what += fmt::format("{}{} {:#x} (was {:#x})", what.empty() ? "" : ", ", w.name, w.value, w.before);
  if (what.empty()) what = "nothing to write";
  hooks_.log(fmt::format("armcache-vmm: vCPU {} (fd {}): view {}: {}; {} already equal; {:.1f} us", vcpu, fd,
                         c.label.empty() ? "(unnamed)" : c.label, what, rep.unchanged.size(), double(t1 - t0) / 1000.0));
  return 0;
}

}  // namespace armcache::vmm
