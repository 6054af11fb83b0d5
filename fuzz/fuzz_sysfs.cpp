// sysfs reader on fuzzed trees. The input is a list of records
// {file selector, cpu, index, length, content} written into a fixed
// skeleton of 4 CPUs x 4 cache leaves in a private temporary directory;
// files not named by a record do not exist. Then the whole analysis runs.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "armcache/util/cpulist.h"
#include "armcache/host/discover.h"
#include "armcache/host/sysfs.h"

namespace {

constexpr const char* kLeafFiles[] = {"level", "type", "size", "ways_of_associativity", "number_of_sets",
                                      "coherency_line_size", "shared_cpu_list", "physical_line_partition",
                                      "allocation_policy", "write_policy", "id"};
constexpr const char* kCpuFiles[] = {"regs/identification/midr_el1", "regs/identification/revidr_el1",
                                     "topology/cluster_id", "topology/physical_package_id"};
constexpr unsigned kCpus = 4, kLeaves = 4;
constexpr unsigned kLeafCount = sizeof kLeafFiles / sizeof *kLeafFiles;
constexpr unsigned kCpuCount = sizeof kCpuFiles / sizeof *kCpuFiles;

std::string root;

std::string path_of(unsigned sel, unsigned cpu, unsigned index) {
  const std::string c = root + "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/";
  if (sel < kLeafCount) return c + "cache/index" + std::to_string(index) + "/" + kLeafFiles[sel];
  return c + kCpuFiles[sel - kLeafCount];
}

void setup() {
  char tmpl[] = "/tmp/fuzz-sysfs-XXXXXX";
  root = ::mkdtemp(tmpl);
  for (unsigned cpu = 0; cpu < kCpus; ++cpu) {
    const std::string c = root + "/sys/devices/system/cpu/cpu" + std::to_string(cpu);
    std::system(("mkdir -p " + c + "/regs/identification " + c + "/topology").c_str());
    for (unsigned i = 0; i < kLeaves; ++i) std::system(("mkdir -p " + c + "/cache/index" + std::to_string(i)).c_str());
  }
  std::atexit([] { std::system(("rm -rf " + root).c_str()); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (root.empty()) setup();
  for (unsigned cpu = 0; cpu < kCpus; ++cpu)
    for (unsigned sel = 0; sel < kLeafCount + kCpuCount; ++sel)
      for (unsigned i = 0; i < (sel < kLeafCount ? kLeaves : 1); ++i) ::unlink(path_of(sel, cpu, i).c_str());
  std::size_t p = 0;
  while (p + 4 <= size) {
    const unsigned sel = data[p] % (kLeafCount + kCpuCount), cpu = data[p + 1] % kCpus, index = data[p + 2] % kLeaves;
    std::size_t len = data[p + 3];
    p += 4;
    if (len > size - p) len = size - p;
    const int fd = ::open(path_of(sel, cpu, index).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      if (len) (void)!::write(fd, data + p, len);
      ::close(fd);
    }
    p += len;
  }
  auto r = armcache::host::read_sysfs(root);
  if (r) {
    // The JSON writer must give valid JSON for whatever the source held.
    const std::string text = armcache::host::report_to_json(armcache::host::analyze({*r}, std::nullopt));
    if (nlohmann::json::parse(text, nullptr, false).is_discarded()) __builtin_trap();
  }
  (void)armcache::parse_cpulist(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
