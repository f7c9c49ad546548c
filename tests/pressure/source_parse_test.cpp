// The strict parsers behind the Linux sources (src/pressure/linux_parse.hpp).
#include <cstdint>
#include <optional>
#include <vector>

#include <gtest/gtest.h>

#include "pressure/linux_file.hpp"
#include "pressure/linux_parse.hpp"
#include "source_test_support.hpp"

namespace membound::detail {
namespace {

TEST(SourceParseTest, U64AcceptsDigitsAndBlanksOnly) {
  std::uint64_t v = 0;
  EXPECT_EQ(parse_u64("  123\n", v), std::errc{});
  EXPECT_EQ(v, 123u);
  EXPECT_EQ(parse_u64("18446744073709551615", v), std::errc{});
  EXPECT_EQ(v, UINT64_MAX);
  EXPECT_EQ(parse_u64("18446744073709551616", v), std::errc::value_too_large);
  EXPECT_EQ(parse_u64("-1", v), std::errc::bad_message);
  EXPECT_EQ(parse_u64("+1", v), std::errc::bad_message);
  EXPECT_EQ(parse_u64("0x10", v), std::errc::bad_message);
  EXPECT_EQ(parse_u64("1 2", v), std::errc::bad_message);
  EXPECT_EQ(parse_u64("", v), std::errc::no_message_available);
  EXPECT_EQ(parse_u64(" \n", v), std::errc::no_message_available);
  EXPECT_EQ(v, UINT64_MAX);  // failures leave the output alone
}

TEST(SourceParseTest, LimitMaxMeansNone) {
  std::optional<std::uint64_t> l = 5;
  EXPECT_EQ(parse_limit("max\n", l), std::errc{});
  EXPECT_FALSE(l.has_value());
  EXPECT_EQ(parse_limit("4096\n", l), std::errc{});
  EXPECT_EQ(l, 4096u);
  EXPECT_EQ(parse_limit("MAX\n", l), std::errc::bad_message);
  EXPECT_EQ(parse_limit("max max\n", l), std::errc::bad_message);
}

TEST(SourceParseTest, StatValueMatchesWholeKeysAtLineStart) {
  const std::string_view stat =
      "inactive_file_extra 1\nactive_file 2\ninactive_file 3\ntotal_inactive_file 4\n";
  std::uint64_t v = 0;
  EXPECT_EQ(find_stat_value(stat, "inactive_file", v), std::errc{});
  EXPECT_EQ(v, 3u);
  EXPECT_EQ(find_stat_value(stat, "total_inactive_file", v), std::errc{});
  EXPECT_EQ(v, 4u);
  EXPECT_EQ(find_stat_value(stat, "missing", v), std::errc::bad_message);
  std::optional<std::uint64_t> o = 1;
  EXPECT_EQ(find_stat_value(stat, "missing", o), std::errc{});
  EXPECT_FALSE(o.has_value());
  EXPECT_EQ(find_stat_value("file 1\ninactive_file", "inactive_file", v), std::errc::bad_message);
}

TEST(SourceParseTest, MeminfoScalesKilobytes) {
  meminfo_values mi;
  EXPECT_EQ(parse_meminfo("MemTotal: 2 kB\nMemFree: 1 kB\nMemAvailable: 1 kB\n", mi), std::errc{});
  EXPECT_EQ(mi.total_bytes, 2048u);
  EXPECT_EQ(mi.available_bytes, 1024u);
  EXPECT_EQ(parse_meminfo("MemTotal: 4096\nMemAvailable: 1024\n", mi), std::errc{});  // no unit
  EXPECT_EQ(mi.total_bytes, 4096u);
  EXPECT_EQ(parse_meminfo("MemFree: 1 kB\nMemAvailable: 1 kB\n", mi), std::errc::bad_message);
}

TEST(SourceParseTest, StatmReadsTheSecondField) {
  std::uint64_t pages = 0;
  EXPECT_EQ(parse_statm_resident_pages("765 431 403 5 0 123 0\n", pages), std::errc{});
  EXPECT_EQ(pages, 431u);
  EXPECT_EQ(parse_statm_resident_pages("765\n", pages), std::errc::bad_message);
  EXPECT_EQ(parse_statm_resident_pages("x 431\n", pages), std::errc::bad_message);
}

TEST(SourceParseTest, PsiReadsAvg10OfSomeAndFull) {
  psi_values v;
  EXPECT_EQ(parse_psi("some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
                      "full avg10=99.99 avg60=0.00 avg300=0.00 total=0\n",
                      v),
            std::errc{});
  EXPECT_DOUBLE_EQ(v.some_avg10.value_or(-1), 0.0);
  EXPECT_DOUBLE_EQ(v.full_avg10.value_or(-1), 99.99);
  EXPECT_EQ(parse_psi("full avg10=1.00\n", v), std::errc::bad_message);  // no "some"
  EXPECT_EQ(parse_psi("some avg60=1.00\n", v), std::errc::bad_message);  // truncated
  EXPECT_EQ(parse_psi("some avg10=101.00\n", v), std::errc::bad_message);
  EXPECT_EQ(parse_psi("some avg10=-1\n", v), std::errc::bad_message);
  EXPECT_EQ(parse_psi("some avg10=nan\n", v), std::errc::bad_message);
  EXPECT_EQ(parse_psi("other avg10=1\n", v), std::errc::bad_message);
  EXPECT_EQ(parse_psi("", v), std::errc::no_message_available);
}

TEST(SourceParseTest, SelfCgroupKeepsColonsInPaths) {
  std::vector<cgroup_line> lines;
  EXPECT_EQ(parse_self_cgroup("4:memory:/a:b\n0::/\n", lines), std::errc{});
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].hierarchy_id, 4u);
  EXPECT_EQ(lines[0].controllers, "memory");
  EXPECT_EQ(lines[0].path, "/a:b");
  EXPECT_EQ(lines[1].hierarchy_id, 0u);
  EXPECT_EQ(lines[1].controllers, "");
  EXPECT_EQ(lines[1].path, "/");
}

TEST(SourceParseTest, MountinfoDecodesEscapesAndOptionalFields) {
  std::vector<mount_line> mounts;
  EXPECT_EQ(parse_mountinfo("35 31 0:32 /a\\040b /sys/fs/cgroup/mem\\134x rw,relatime shared:14 "
                            "master:2 - cgroup cgroup rw,memory\n",
                            mounts),
            std::errc{});
  ASSERT_EQ(mounts.size(), 1u);
  EXPECT_EQ(mounts[0].root, "/a b");
  EXPECT_EQ(mounts[0].mount_point, "/sys/fs/cgroup/mem\\x");
  EXPECT_EQ(mounts[0].fs_type, "cgroup");
  EXPECT_EQ(mounts[0].super_options, "rw,memory");
}

TEST(SourceParseTest, ListContainsMatchesWholeEntries) {
  EXPECT_TRUE(list_contains("rw,memory", "memory"));
  EXPECT_TRUE(list_contains("memory", "memory"));
  EXPECT_FALSE(list_contains("rw,memory_recursiveprot", "memory"));
  EXPECT_FALSE(list_contains("", "memory"));
}

TEST(SourceParseTest, JoinPathAvoidsDoubleSlashes) {
  EXPECT_EQ(join_path("/proc/", "/self/statm"), "/proc/self/statm");
  EXPECT_EQ(join_path("/sys/fs/cgroup", ""), "/sys/fs/cgroup");
  EXPECT_EQ(join_path("/", "memory"), "/memory");
}

TEST(SourceParseTest, ProcFileGrowsForLongFilesAndHonoursItsCap) {
  test::fixture_tree t("");
  const std::string content(10000, 'x');
  t.write("long", content);
  proc_file f(t.path("long").string(), 1u << 20);
  std::error_code ec;
  EXPECT_EQ(f.read(ec), content);
  EXPECT_FALSE(ec);
  EXPECT_EQ(f.read(ec), content);  // re-read from offset 0 on the same descriptor
  proc_file capped(t.path("long").string(), 8192);
  EXPECT_TRUE(capped.read(ec).empty());
  EXPECT_EQ(ec, std::errc::file_too_large);  // reported, never silently truncated
  proc_file missing(t.path("missing").string());
  EXPECT_TRUE(missing.read(ec).empty());
  EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
}

}  // namespace
}  // namespace membound::detail
