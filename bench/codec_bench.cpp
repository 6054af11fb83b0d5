// Decode/encode and geometry throughput: these sit under every command that
// handles fleets of host files, so they should stay in the nanoseconds.
#include <benchmark/benchmark.h>

#include "armcache/cache/geometry.h"
#include "armcache/cache/selectors.h"
#include "armcache/registers/clidr.h"
#include "armcache/registers/codec.h"
#include "armcache/util/parse.h"

namespace {
using namespace armcache;

void BM_DecodeClidr(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(reg::decode(reg::kClidrLayout, 0x1482000023ull));
}
BENCHMARK(BM_DecodeClidr);

void BM_ClidrShape(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(cache::clidr_shape(reg::Clidr(0x1482000023ull)));
}
BENCHMARK(BM_ClidrShape);

void BM_ConvertCcidxTo32(benchmark::State& state) {
  const reg::Ccsidr c(0x7ff0000003aull, reg::CcsidrFormat::kCcidx);
  for (auto _ : state) benchmark::DoNotOptimize(cache::convert(c, reg::CcsidrFormat::k32));
}
BENCHMARK(BM_ConvertCcidxTo32);

void BM_ParseHex(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(parse_hex("0x000007ff0000003a"));
}
BENCHMARK(BM_ParseHex);
}  // namespace
