#include "armcache/vmm/interposer.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "armcache/vcpu/apply.h"
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

std::string encode_ids(const std::vector<std::uint64_t>& ids) {
  std::string s;
  for (std::uint64_t id : ids) s += fmt::format("{}{:#x}", s.empty() ? "" : ",", id);
  return s;
}

Result<std::vector<std::uint64_t>> decode_ids(std::string_view text) {
  std::vector<std::uint64_t> ids;
  if (text.empty()) return ids;
  std::size_t pos = 0;
  while (true) {
    const std::size_t end = std::min(text.find(',', pos), text.size());
    const std::string_view item = text.substr(pos, end - pos);
    auto n = parse_hex(item, 64);
    if (!n) return Error::make(fmt::format("hidden id {}: {}", quoted(item), n.error().message));
    if (ids.size() == kMaxIds) return Error::make(fmt::format("more than {} hidden ids", kMaxIds));
    ids.push_back(*n);
    if (end == text.size()) break;
    pos = end + 1;
  }
  std::sort(ids.begin(), ids.end());
  if (std::adjacent_find(ids.begin(), ids.end()) != ids.end()) return Error::make("a hidden id is given twice");
  return ids;
}

std::string encode_writes(const std::vector<std::pair<std::uint64_t, std::uint64_t>>& writes) {
  std::string s;
  for (auto [id, v] : writes) s += fmt::format("{}{:#x}={:#x}", s.empty() ? "" : " ", id, v);
  return s;
}

Result<std::vector<std::pair<std::uint64_t, std::uint64_t>>> decode_writes(std::string_view text) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (text[pos] == ' ') {
      ++pos;
      continue;
    }
    const std::size_t end = std::min(text.find(' ', pos), text.size());
    const std::string_view item = text.substr(pos, end - pos);
    pos = end;
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) return Error::make(fmt::format("register write {} is not ID=VALUE", quoted(item)));
    auto id = parse_hex(item.substr(0, eq), 64);
    if (!id) return Error::make(fmt::format("register write {}: {}", quoted(item), id.error().message));
    auto v = parse_hex(item.substr(eq + 1), 64);
    if (!v) return Error::make(fmt::format("register write {}: {}", quoted(item), v.error().message));
    if (std::any_of(out.begin(), out.end(), [&](const auto& w) { return w.first == *id; }))
      return Error::make(fmt::format("register {:#x} is written twice", *id));
    if (out.size() == kMaxIds) return Error::make(fmt::format("more than {} register writes", kMaxIds));
    out.emplace_back(*id, *v);
  }
  return out;
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
    // Every variable decodes, or none is used: the view stays unset and
    // every init fails with the first problem.
    auto v = decode_view(*text);
    auto hide = decode_ids(hooks_.getenv(kEnvHide).value_or(""));
    auto writes = decode_writes(hooks_.getenv(kEnvIdRegs).value_or(""));
    for (auto [name, err] : {std::pair{kEnvView, v ? nullptr : &v.error()},
                             std::pair{kEnvHide, hide ? nullptr : &hide.error()},
                             std::pair{kEnvIdRegs, writes ? nullptr : &writes.error()}}) {
      if (err) {
        config_.problem = fmt::format("{}: {}", name, err->message);
        return;
      }
    }
    config_.view = std::move(*v);
    config_.hide = std::move(*hide);
    config_.id_writes = std::move(*writes);
  });
  return config_;
}

int Interposer::ioctl(int fd, unsigned long request, void* arg) {
  if (is_get_reg_list(request)) return reg_list(fd, request, arg);
  const int r = hooks_.real_ioctl(fd, request, arg);
  if (r != 0 || !is_vcpu_init(request)) return r;
  const auto vcpu = hooks_.vcpu_index(fd);
  if (!vcpu) return r;  // not a KVM vCPU: nothing of ours
  return after_init(fd, *vcpu);
}

int Interposer::reg_list(int fd, unsigned long request, void* arg) {
  // Untouched unless there is something to hide, on a vCPU, with a usable
  // configuration (a broken one fails the vCPU's init instead).
  if (arg == nullptr || !hooks_.vcpu_index(fd) || config().hide.empty()) return hooks_.real_ioctl(fd, request, arg);
  const std::vector<std::uint64_t>& hide = config().hide;
  std::vector<std::uint64_t> buf{0};
  int r = hooks_.real_ioctl(fd, request, buf.data());
  if (r != 0 && errno != E2BIG) return r;
  if (r != 0) {
    const std::uint64_t n = buf[0];
    if (n > (std::uint64_t{1} << 20)) {
      errno = E2BIG;  // not a list any kernel gives; do not allocate for it
      return -1;
    }
    buf.assign(std::size_t(n) + 1, 0);
    buf[0] = n;
    if ((r = hooks_.real_ioctl(fd, request, buf.data())) != 0) return r;
  }
  std::vector<std::uint64_t> kept;
  for (std::size_t i = 1; i <= std::size_t(buf[0]) && i < buf.size(); ++i)
    if (!std::binary_search(hide.begin(), hide.end(), buf[i])) kept.push_back(buf[i]);
  auto* user = static_cast<std::uint64_t*>(arg);
  const std::uint64_t room = user[0];
  user[0] = kept.size();
  if (room < kept.size()) {
    errno = E2BIG;
    return -1;
  }
  std::copy(kept.begin(), kept.end(), user + 1);
  return 0;
}

int Interposer::after_init(int fd, unsigned vcpu) {
  const Config& c = config();
  auto fail = [&](int err, const std::string& why) {
    const std::string line = fmt::format("armcache-vmm: vCPU {}: {}; KVM_ARM_VCPU_INIT fails with {}", vcpu, why,
                                         errno_name(err));
    hooks_.error(line);
    errno = err;
    return -1;
  };
  if (!c.view) return fail(EINVAL, "no view to apply: " + c.problem);
  const std::unique_ptr<vcpu::RegisterFile> regs = hooks_.registers(fd);
  const std::uint64_t t0 = hooks_.now_ns();
  const vcpu::ApplyReport rep = vcpu::apply_view(*c.view, *regs, c.id_writes);
  const std::uint64_t t1 = hooks_.now_ns();
  if (!rep.ok) {
    const vcpu::ApplyFailure& f = *rep.failure;
    // A value that "took" but reads back differently has no errno of its own.
    const int err = f.errnum ? f.errnum : EINVAL;
    std::string why = fmt::format("{} = {:#x} refused ({}): {}", f.name, f.value, errno_name(err), f.message);
    why += rep.restored ? "; registers put back" : fmt::format("; put back failed: {}", rep.restore_errors.front());
    return fail(err, why);
  }
  std::string what;
  for (const vcpu::RegWrite& w : rep.written)
    what += fmt::format("{}{} {:#x} (was {:#x})", what.empty() ? "" : ", ", w.name, w.value, w.before);
  if (what.empty()) what = "nothing to write";
  if (!c.hide.empty()) what += fmt::format("; {} ids hidden from KVM_GET_REG_LIST", c.hide.size());
  hooks_.log(fmt::format("armcache-vmm: vCPU {} (fd {}): view {}: {}; {} already equal; {:.1f} us", vcpu, fd,
                         c.label.empty() ? "(unnamed)" : c.label, what, rep.unchanged.size(), double(t1 - t0) / 1000.0));
  return 0;
}

}  // namespace armcache::vmm
