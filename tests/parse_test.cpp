#include <gtest/gtest.h>

#include <sched.h>

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <string>

#include "armcache/registers/codec.h"
#include "armcache/util/affinity.h"
#include "armcache/util/file.h"
#include "armcache/util/parse.h"
#include "armcache/util/result.h"

namespace armcache {
namespace {

// More than the 64 KiB read() buffer, with a NUL and high bytes: every byte back.
TEST(ReadFile, ReadsEveryByteAndSaysWhyItCannot) {
  char tmpl[] = "/tmp/armcache-read-file-XXXXXX";
  const int fd = ::mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  ::close(fd);
  const std::string path = tmpl;
  std::string want(100000, 'x');
  want[7] = '\0';
  want[70000] = char(0xff);
  std::ofstream(path, std::ios::binary) << want;

  auto got = read_file(path);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(*got, want);
  EXPECT_TRUE(read_file(path, 100000).ok());  // the limit is inclusive

  auto big = read_file(path, 99999);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().errnum, EFBIG);
  EXPECT_EQ(big.error().message, path + ": larger than 99999 bytes");

  auto none = read_file("/nonexistent-armcache-file");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().errnum, ENOENT);
  EXPECT_EQ(none.error().message, "/nonexistent-armcache-file: cannot read: No such file or directory");

  auto dir = read_file("/tmp");  // open() takes a directory, read() refuses it
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.error().errnum, EISDIR);
  ::unlink(path.c_str());
}

TEST(CpuPin, PinsTheThreadAndGivesItsAffinityBack) {
  cpu_set_t before;
  ASSERT_EQ(sched_getaffinity(0, sizeof before, &before), 0);
  // The last CPU this thread may use: not 0 on a machine with two, so a pin
  // that loses its CPU number on the way out of pin() is seen.
  unsigned cpu = CPU_SETSIZE - 1;
  while (!CPU_ISSET(cpu, &before)) --cpu;
  {
    auto pin = CpuPin::pin(cpu);
    ASSERT_TRUE(pin.ok()) << pin.error().message;
    EXPECT_EQ(pin->cpu(), cpu);
    cpu_set_t now;
    ASSERT_EQ(sched_getaffinity(0, sizeof now, &now), 0);
    EXPECT_EQ(CPU_COUNT(&now), 1);
    EXPECT_TRUE(CPU_ISSET(cpu, &now));
  }
  cpu_set_t after;
  ASSERT_EQ(sched_getaffinity(0, sizeof after, &after), 0);
  EXPECT_TRUE(CPU_EQUAL(&before, &after));
}

TEST(CpuPin, NamesTheCpuItCannotPinTo) {
  auto pin = CpuPin::pin(CPU_SETSIZE);
  ASSERT_FALSE(pin.ok());
  EXPECT_EQ(pin.error().errnum, EINVAL);
  EXPECT_NE(pin.error().message.find("sched_setaffinity(cpu"), std::string::npos);
}

TEST(ParseHex, AcceptsWithAndWithoutPrefix) {
  EXPECT_EQ(*parse_hex("0x1482000023"), 0x1482000023ull);
  EXPECT_EQ(*parse_hex("1482000023"), 0x1482000023ull);
  EXPECT_EQ(*parse_hex("0XFF"), 0xffull);
  EXPECT_EQ(*parse_hex("0x00000000000000000001"), 1ull);  // leading zeros are not width
  EXPECT_EQ(*parse_hex("0xffffffffffffffff"), ~0ull);
}

TEST(ParseHex, RejectsGarbageAndWidth) {
  for (const char* bad : {"", "0x", "xyz", "0x12g", "-1", " 0x1", "0x1 ", "0x1_0"})
    EXPECT_FALSE(parse_hex(bad).ok()) << bad;
  auto wide = parse_hex("0x10000000000000000");
  ASSERT_FALSE(wide.ok());
  EXPECT_NE(wide.error().message.find("64 bits"), std::string::npos);
  EXPECT_FALSE(parse_hex("0x100000000", 32).ok());
  EXPECT_TRUE(parse_hex("0xffffffff", 32).ok());
}

TEST(ParseUint, DecimalAndHex) {
  EXPECT_EQ(*parse_uint("255"), 255u);
  EXPECT_EQ(*parse_uint("0xff"), 255u);
  EXPECT_EQ(*parse_uint("18446744073709551615"), ~0ull);
  EXPECT_FALSE(parse_uint("18446744073709551616").ok());
  EXPECT_FALSE(parse_uint("12a").ok());
  EXPECT_FALSE(parse_uint("").ok());
}

TEST(ParseField, NameEqualsValue) {
  auto a = reg::parse_field_assignment("Ctype2=4");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->name, "Ctype2");
  EXPECT_EQ(a->value, 4u);
  EXPECT_FALSE(reg::parse_field_assignment("Ctype2").ok());
  EXPECT_FALSE(reg::parse_field_assignment("=4").ok());
  EXPECT_FALSE(reg::parse_field_assignment("Ctype2=").ok());
  EXPECT_FALSE(reg::parse_field_assignment("Ctype2=four").ok());
}

TEST(ParseKernelVersion, DebianAndUpstreamStrings) {
  EXPECT_EQ(*parse_kernel_version("6.1.0-50-cloud-arm64"), (KernelVersion{6, 1}));
  EXPECT_EQ(*parse_kernel_version("6.12.100"), (KernelVersion{6, 12}));
  EXPECT_EQ(*parse_kernel_version("6.5"), (KernelVersion{6, 5}));
  EXPECT_EQ(*parse_kernel_version("6.12.117+deb12-arm64"), (KernelVersion{6, 12}));
  EXPECT_LT(*parse_kernel_version("6.2"), *parse_kernel_version("6.10"));
  for (const char* bad : {"", "6", "six.one", "6.", ".1", "native", "6.123456"})
    EXPECT_FALSE(parse_kernel_version(bad).ok()) << bad;
}

// One table of errno names for every message: the ones the KVM paths and the
// planner print (ERANGE is the native capability's "too big for 32 bits").
TEST(ErrnoName, NamesWhatKvmReturns) {
  EXPECT_EQ(errno_name(EINVAL), "EINVAL");
  EXPECT_EQ(errno_name(ERANGE), "ERANGE");
  EXPECT_EQ(errno_name(EACCES), "EACCES");
  EXPECT_EQ(errno_name(ENOSYS), "ENOSYS");
  EXPECT_EQ(errno_name(E2BIG), "E2BIG");
  EXPECT_EQ(errno_name(0x7fff), "errno 32767");
}

}  // namespace
}  // namespace armcache
