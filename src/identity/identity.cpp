#include "armcache/identity/identity.h"

#include "armcache/cache/selectors.h"

namespace armcache::identity {

const HostKind& boot_kind(const Host& host) {
  // Linux prints CPU lists in ascending order, so CPU 0 can only come first.
  auto lists_cpu0 = [](const std::string& l) { return l == "0" || l.starts_with("0-") || l.starts_with("0,"); };
  for (const HostKind& k : host.kinds)
    if (lists_cpu0(k.cpus)) return k;
  return host.kinds.front();
}

std::vector<std::uint32_t> identity_selectors(const GuestView& v) {
  std::vector<std::uint32_t> out;
  for (const auto& s : cache::clidr_shape(v.clidr).selectors) out.push_back(s.value());
  return out;
}

bool GuestView::same_guest_identity(const GuestView& o) const {
  if (clidr != o.clidr || ctr != o.ctr || mmfr2_ccidx != o.mmfr2_ccidx) return false;
  for (std::uint32_t sel : identity_selectors(*this))
    if (ccsidr_read(sel) != o.ccsidr_read(sel)) return false;
  return true;
}

}  // namespace armcache::identity
