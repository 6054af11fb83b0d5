#include "armcache/identity/identity.h"

#include "armcache/cache/selectors.h"

namespace armcache::identity {

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
