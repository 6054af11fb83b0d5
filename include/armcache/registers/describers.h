// Words for field values, shared by the register tables. Defined in
// src/registers/describers.cpp.
#pragma once

#include <cstdint>
#include <string>

namespace armcache::reg::describe {

std::string ctype(std::uint64_t v, std::uint64_t raw);
std::string ttype(std::uint64_t v, std::uint64_t raw);
std::string level_or_zero(std::uint64_t v, std::uint64_t raw);  // LoC/LoUU/LoUIS
std::string icb(std::uint64_t v, std::uint64_t raw);
std::string line_size(std::uint64_t v, std::uint64_t raw);      // CCSIDR LineSize
std::string plus_one_ways(std::uint64_t v, std::uint64_t raw);  // Associativity
std::string plus_one_sets(std::uint64_t v, std::uint64_t raw);  // NumSets
std::string sets(std::uint64_t v, std::uint64_t raw);           // CCSIDR2 NumSets
std::string policy_bit(std::uint64_t v, std::uint64_t raw);     // ARMv8.0 WT/WB/RA/WA
std::string ind(std::uint64_t v, std::uint64_t raw);
std::string csselr_level(std::uint64_t v, std::uint64_t raw);
std::string tnd(std::uint64_t v, std::uint64_t raw);
std::string log2_words(std::uint64_t v, std::uint64_t raw);     // CTR IminLine/DminLine
std::string l1ip(std::uint64_t v, std::uint64_t raw);
std::string granule_words(std::uint64_t v, std::uint64_t raw);  // CTR ERG/CWG
std::string idc(std::uint64_t v, std::uint64_t raw);
std::string dic(std::uint64_t v, std::uint64_t raw);
std::string tmin_line(std::uint64_t v, std::uint64_t raw);
std::string ccidx(std::uint64_t v, std::uint64_t raw);
std::string mte(std::uint64_t v, std::uint64_t raw);
std::string implementer(std::uint64_t v, std::uint64_t raw);
std::string part_num(std::uint64_t v, std::uint64_t raw);
std::string architecture(std::uint64_t v, std::uint64_t raw);
std::string reg_arch(std::uint64_t v, std::uint64_t raw);
std::string reg_size(std::uint64_t v, std::uint64_t raw);
std::string reg_coproc(std::uint64_t v, std::uint64_t raw);
std::string demux_id(std::uint64_t v, std::uint64_t raw);
std::string demux_index(std::uint64_t v, std::uint64_t raw);

}  // namespace armcache::reg::describe
