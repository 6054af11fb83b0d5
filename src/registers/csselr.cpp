#include "armcache/registers/csselr.h"

#include <fmt/format.h>

namespace armcache::reg {

std::string ccsidr_name(Csselr sel) {
  return fmt::format("CCSIDR_EL1[{}{}]", sel.level_ind_index(), sel.tnd() ? ",TnD" : "");
}

}  // namespace armcache::reg
