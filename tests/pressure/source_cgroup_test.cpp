// cgroup source against fixture trees (tests/pressure/fixtures/cgroup_*; see each README).
#include <string>
#include <system_error>

#include <gtest/gtest.h>

#include "support/fake_clock.hpp"
#include "membound/pressure/source.hpp"
#include "pressure/linux_cgroup.hpp"
#include "source_test_support.hpp"

namespace membound {
namespace {

using test::fixture_tree;
using test::gib;
using test::log_capture;
using test::mib;
using test::read_ok;

constexpr std::string_view v2_leaf = "sys/fs/cgroup/kubepods.slice/pod1/ctr/";
constexpr std::string_view v2_pod = "sys/fs/cgroup/kubepods.slice/pod1/";
constexpr std::string_view v2_slice = "sys/fs/cgroup/kubepods.slice/";
constexpr std::string_view v1_leaf = "sys/fs/cgroup/memory/docker/abc/";
constexpr std::string_view v1_parent = "sys/fs/cgroup/memory/docker/";
constexpr std::uint64_t v1_unlimited = 9223372036854771712ULL;  // PAGE_COUNTER_MAX pages

std::string p(std::string_view dir, std::string_view file) {
  return std::string(dir) + std::string(file);
}

std::string v1_stat(std::uint64_t hierarchical, std::uint64_t total_inactive) {
  return "cache 1\nrss 2\ninactive_file 4096\nhierarchical_memory_limit " +
         std::to_string(hierarchical) + "\ntotal_inactive_file " + std::to_string(total_inactive) +
         "\n";
}

// ---- v2

TEST(CgroupSourceTest, V2TakesTightestLimitOverAllAncestors) {
  fixture_tree t("cgroup_v2");
  std::error_code ec;
  auto src = make_cgroup_source(ec, t.paths());
  ASSERT_TRUE(src) << ec.message();
  EXPECT_EQ(src->name(), "cgroup-v2");
  const auto s = read_ok(*src);
  EXPECT_EQ(s.limit_bytes, 1536 * mib);        // pod1 memory.high beats pod1 max and slice max
  EXPECT_EQ(s.used_bytes, 1 * gib - 256 * mib);  // memory.current − inactive_file
  EXPECT_EQ(s.source, "cgroup-v2");
  ASSERT_TRUE(s.process_rss_bytes.has_value());
  EXPECT_EQ(*s.process_rss_bytes, 2560 * test::page_bytes());
  EXPECT_FALSE(s.psi_some_avg10.has_value());
}

TEST(CgroupSourceTest, V2ChildTighterThanParentsWins) {
  fixture_tree t("cgroup_v2");
  t.write(p(v2_leaf, "memory.max"), "536870912\n");
  auto src = make_cgroup_source(t.paths());
  ASSERT_TRUE(src);
  EXPECT_EQ(read_ok(*src).limit_bytes, 512 * mib);
}

TEST(CgroupSourceTest, V2ParentTighterThanChildWins) {
  fixture_tree t("cgroup_v2");
  t.write(p(v2_leaf, "memory.max"), std::to_string(6 * gib));
  t.write(p(v2_pod, "memory.high"), "max\n");
  t.write(p(v2_pod, "memory.max"), "max\n");
  auto src = make_cgroup_source(t.paths());
  ASSERT_TRUE(src);
  EXPECT_EQ(read_ok(*src).limit_bytes, 6 * gib);  // leaf 6 GiB < slice 8 GiB
  t.write(p(v2_leaf, "memory.max"), std::to_string(10 * gib));
  EXPECT_EQ(read_ok(*src).limit_bytes, 8 * gib);  // now the grandparent is the tightest
}

TEST(CgroupSourceTest, V2MemoryHighAndMemoryMaxBothCount) {
  fixture_tree t("cgroup_v2");
  t.write(p(v2_leaf, "memory.high"), "734003200\n");  // 700 MiB
  t.write(p(v2_leaf, "memory.max"), "943718400\n");   // 900 MiB
  auto src = make_cgroup_source(t.paths());
  ASSERT_TRUE(src);
  EXPECT_EQ(read_ok(*src).limit_bytes, 700 * mib);
  t.write(p(v2_leaf, "memory.high"), "1048576000\n");  // 1000 MiB: now max is tighter
  EXPECT_EQ(read_ok(*src).limit_bytes, 900 * mib);
}

TEST(CgroupSourceTest, V2LimitChangesAreSeenOnTheNextRead) {
  fixture_tree t("cgroup_v2");
  auto src = make_cgroup_source(t.paths());
  ASSERT_TRUE(src);
  EXPECT_EQ(read_ok(*src).limit_bytes, 1536 * mib);
  t.write(p(v2_pod, "memory.high"), "1073741824\n");
  t.write(p(v2_leaf, "memory.current"), "2147483648\n");
  const auto s = read_ok(*src);
  EXPECT_EQ(s.limit_bytes, 1 * gib);
  EXPECT_EQ(s.used_bytes, 2 * gib - 256 * mib);
}

TEST(CgroupSourceTest, V2EverythingMaxMeansNoLimit) {
  fixture_tree t("cgroup_v2");
  for (auto dir : {v2_leaf, v2_pod, v2_slice}) {
    t.write(p(dir, "memory.max"), "max\n");
    t.write(p(dir, "memory.high"), "max\n");
  }
  std::error_code ec;
  EXPECT_EQ(make_cgroup_source(ec, t.paths()), nullptr);
  EXPECT_EQ(ec, std::errc::result_out_of_range);
}

TEST(CgroupSourceTest, V2LimitAtPhysicalRamMeansNoLimit) {
  fixture_tree t("cgroup_v2");
  t.write(p(v2_slice, "memory.max"), std::to_string(16 * gib));  // == MemTotal
  t.write(p(v2_pod, "memory.max"), std::to_string(64 * gib));    // above MemTotal
  t.write(p(v2_pod, "memory.high"), "max\n");
  std::error_code ec;
  EXPECT_EQ(make_cgroup_source(ec, t.paths()), nullptr);
  EXPECT_EQ(ec, std::errc::result_out_of_range);

  t.write(p(v2_slice, "memory.max"), std::to_string(16 * gib - 1));  // one byte below: a limit
  auto src = make_cgroup_source(ec, t.paths());
  ASSERT_TRUE(src) << ec.message();
  EXPECT_EQ(read_ok(*src).limit_bytes, 16 * gib - 1);
}

TEST(CgroupSourceTest, LimitRaisedAfterCreationReadsAsPhysicalRam) {
  fixture_tree t("cgroup_v2");
  auto src = make_cgroup_source(t.paths());
  ASSERT_TRUE(src);
  t.write(p(v2_slice, "memory.max"), "max\n");
  t.write(p(v2_pod, "memory.max"), "max\n");
  t.write(p(v2_pod, "memory.high"), "max\n");
  EXPECT_EQ(read_ok(*src).limit_bytes, 16 * gib);  // clamped to MemTotal, still a valid sample
}

TEST(CgroupSourceTest, V2MissingLimitFilesAtALevelMeanNoLimitThere) {
  fixture_tree t("cgroup_v2");
  t.remove(p(v2_pod, "memory.max"));
  t.remove(p(v2_pod, "memory.high"));
  auto src = make_cgroup_source(t.paths());
  ASSERT_TRUE(src);
  EXPECT_EQ(read_ok(*src).limit_bytes, 8 * gib);
}

TEST(CgroupSourceTest, UsageBelowInactiveFileClampsToZero) {
  fixture_tree t("cgroup_v2");
  t.write(p(v2_leaf, "memory.current"), "1000\n");
  auto src = make_cgroup_source(t.paths());
  ASSERT_TRUE(src);
  EXPECT_EQ(read_ok(*src).used_bytes, 0u);
}

TEST(CgroupSourceTest, SampleTimeComesFromTheClock) {
  fixture_tree t("cgroup_v2");
  test::fake_clock clock;
  auto paths = t.paths();
  paths.clock = clock.fn();
  auto src = make_cgroup_source(paths);
  ASSERT_TRUE(src);
  clock.advance(std::chrono::seconds(5));
  EXPECT_EQ(read_ok(*src).time, clock.now());
}

// ---- v1

TEST(CgroupSourceTest, V1TakesTightestOfLevelsAndHierarchicalLimit) {
  fixture_tree t("cgroup_v1");
  std::error_code ec;
  auto src = make_cgroup_source(ec, t.paths());
  ASSERT_TRUE(src) << ec.message();
  EXPECT_EQ(src->name(), "cgroup-v1");
  const auto s = read_ok(*src);
  EXPECT_EQ(s.limit_bytes, 4 * gib);
  EXPECT_EQ(s.used_bytes, 2 * gib);  // usage_in_bytes 3 GiB − total_inactive_file 1 GiB
  EXPECT_EQ(s.source, "cgroup-v1");
}

TEST(CgroupSourceTest, V1HierarchicalLimitTighterThanEveryLevelFile) {
  fixture_tree t("cgroup_v1");
  t.write(p(v1_leaf, "memory.stat"), v1_stat(3 * gib, 1 * gib));
  auto src = make_cgroup_source(t.paths());
  ASSERT_TRUE(src);
  EXPECT_EQ(read_ok(*src).limit_bytes, 3 * gib);
}

TEST(CgroupSourceTest, V1ChildTighterThanParentWins) {
  fixture_tree t("cgroup_v1");
  t.write(p(v1_leaf, "memory.limit_in_bytes"), "2147483648\n");
  auto src = make_cgroup_source(t.paths());
  ASSERT_TRUE(src);
  EXPECT_EQ(read_ok(*src).limit_bytes, 2 * gib);
}

TEST(CgroupSourceTest, V1ParentLimitCountsWithoutHierarchicalKey) {
  fixture_tree t("cgroup_v1");
  t.write(p(v1_leaf, "memory.stat"), "total_inactive_file 1073741824\n");
  auto src = make_cgroup_source(t.paths());
  ASSERT_TRUE(src);
  EXPECT_EQ(read_ok(*src).limit_bytes, 4 * gib);  // docker/memory.limit_in_bytes
}

TEST(CgroupSourceTest, V1UnlimitedValueMeansNoLimit) {
  fixture_tree t("cgroup_v1");
  t.write(p(v1_parent, "memory.limit_in_bytes"), std::to_string(v1_unlimited));
  t.write(p(v1_leaf, "memory.stat"), v1_stat(v1_unlimited, 1 * gib));
  std::error_code ec;
  EXPECT_EQ(make_cgroup_source(ec, t.paths()), nullptr);
  EXPECT_EQ(ec, std::errc::result_out_of_range);
}

// ---- hybrid and detection

TEST(CgroupSourceTest, HybridPrefersTheV1MemoryController) {
  fixture_tree t("cgroup_hybrid");
  detail::cgroup_location where;
  ASSERT_FALSE(detail::locate_memory_cgroup(t.paths(), where));
  EXPECT_EQ(where.version, detail::cgroup_version::v1);
  EXPECT_TRUE(where.hybrid);
  ASSERT_EQ(where.levels.size(), 3u);
  EXPECT_EQ(where.levels.front(), t.path("sys/fs/cgroup/memory/system.slice/svc.service").string());
  EXPECT_EQ(where.levels.back(), t.path("sys/fs/cgroup/memory").string());
  EXPECT_EQ(where.unified_dir, t.path("sys/fs/cgroup/unified/system.slice/svc.service").string());

  auto src = make_cgroup_source(t.paths());
  ASSERT_TRUE(src);
  EXPECT_EQ(src->name(), "cgroup-v1");
  const auto s = read_ok(*src);
  EXPECT_EQ(s.limit_bytes, 1 * gib);  // not the unified tree's 64 MiB decoy
  EXPECT_EQ(s.used_bytes, 500 * mib);
}

TEST(CgroupSourceTest, V2LevelsRunFromTheLeafToTheMountRoot) {
  fixture_tree t("cgroup_v2");
  detail::cgroup_location where;
  ASSERT_FALSE(detail::locate_memory_cgroup(t.paths(), where));
  EXPECT_EQ(where.version, detail::cgroup_version::v2);
  EXPECT_FALSE(where.hybrid);
  ASSERT_EQ(where.levels.size(), 4u);
  EXPECT_EQ(where.levels[0], t.path("sys/fs/cgroup/kubepods.slice/pod1/ctr").string());
  EXPECT_EQ(where.levels[3], t.path("sys/fs/cgroup").string());
  EXPECT_EQ(where.unified_dir, where.levels[0]);
}

TEST(CgroupSourceTest, MountRootIsSubtractedFromTheCgroupPath) {
  // Docker with cgroupns=host: the mount's root is the container's own cgroup.
  fixture_tree t("cgroup_v1");
  t.write("proc/self/mountinfo",
          "35 31 0:32 /docker/abc /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n");
  t.write("sys/fs/cgroup/memory/memory.usage_in_bytes", "1073741824\n");
  t.write("sys/fs/cgroup/memory/memory.stat", v1_stat(512 * mib, 0));
  t.write("sys/fs/cgroup/memory/memory.limit_in_bytes", "805306368\n");
  detail::cgroup_location where;
  ASSERT_FALSE(detail::locate_memory_cgroup(t.paths(), where));
  ASSERT_EQ(where.levels.size(), 1u);
  EXPECT_EQ(where.levels[0], t.path("sys/fs/cgroup/memory").string());
  auto src = make_cgroup_source(t.paths());
  ASSERT_TRUE(src);
  EXPECT_EQ(read_ok(*src).limit_bytes, 512 * mib);
}

TEST(CgroupSourceTest, PathOutsideTheMountRootFallsBackToTheMountPoint) {
  fixture_tree t("cgroup_v2");
  t.write("proc/self/cgroup", "0::/../../elsewhere\n");
  t.write("sys/fs/cgroup/memory.current", "100\n");
  t.write("sys/fs/cgroup/memory.stat", "inactive_file 0\n");
  t.write("sys/fs/cgroup/memory.max", "1048576\n");
  log_capture log;
  detail::cgroup_location where;
  ASSERT_FALSE(detail::locate_memory_cgroup(t.paths(), where));
  ASSERT_EQ(where.levels.size(), 1u);
  EXPECT_EQ(where.levels[0], t.path("sys/fs/cgroup").string());
  EXPECT_EQ(log.warnings_with("outside the cgroup mount"), 1);
}

TEST(CgroupSourceTest, MountPointsUnderSysFsCgroupResolveUnderCgroupRoot) {
  source_paths paths;
  paths.cgroup_root = "/tmp/fx/sys/fs/cgroup";
  EXPECT_EQ(detail::resolve_mount_point("/sys/fs/cgroup", paths), "/tmp/fx/sys/fs/cgroup");
  EXPECT_EQ(detail::resolve_mount_point("/sys/fs/cgroup/memory", paths),
            "/tmp/fx/sys/fs/cgroup/memory");
  EXPECT_EQ(detail::resolve_mount_point("/sys/fs/cgroupfoo", paths), "/sys/fs/cgroupfoo");
  EXPECT_EQ(detail::resolve_mount_point("/cgroup2", paths), "/cgroup2");
  EXPECT_EQ(detail::resolve_mount_point("/sys/fs/cgroup/unified", source_paths{}),
            "/sys/fs/cgroup/unified");
}

TEST(CgroupSourceTest, WithoutMountinfoTheCgroupRootIsProbed) {
  fixture_tree t("cgroup_v2");
  t.remove("proc/self/mountinfo");
  auto src = make_cgroup_source(t.paths());
  ASSERT_TRUE(src);
  EXPECT_EQ(read_ok(*src).limit_bytes, 1536 * mib);
}

TEST(CgroupSourceTest, NoMemoryCgroupIsNotSupported) {
  fixture_tree t("host");
  std::error_code ec;
  EXPECT_EQ(make_cgroup_source(ec, t.paths()), nullptr);
  EXPECT_EQ(ec, std::errc::not_supported);
}

TEST(CgroupSourceTest, V2HierarchyWithoutTheMemoryControllerIsAnError) {
  fixture_tree t("cgroup_hybrid");
  t.write("proc/self/cgroup", "0::/system.slice/svc.service\n");  // no v1 memory line
  std::error_code ec;
  EXPECT_EQ(make_cgroup_source(ec, t.paths()), nullptr);
  EXPECT_EQ(ec, std::errc::no_such_file_or_directory);  // unified/.../memory.current is missing
}

// ---- missing and garbage files

TEST(CgroupSourceTest, MissingFilesAreErrorsNotCrashes) {
  for (std::string_view file : {"proc/self/cgroup", "proc/meminfo",
                                "sys/fs/cgroup/kubepods.slice/pod1/ctr/memory.current",
                                "sys/fs/cgroup/kubepods.slice/pod1/ctr/memory.stat"}) {
    SCOPED_TRACE(file);
    fixture_tree t("cgroup_v2");
    t.remove(file);
    std::error_code ec;
    EXPECT_EQ(make_cgroup_source(ec, t.paths()), nullptr);
    EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
  }
}

struct garbage_case {
  std::string_view content;
  std::errc expected;
};

void expect_garbage_rejected(std::string_view fixture, std::string_view file,
                             std::initializer_list<garbage_case> cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(file) + " = '" + std::string(c.content) + "'");
    fixture_tree t(fixture);
    t.write(file, c.content);
    std::error_code ec;
    EXPECT_EQ(make_cgroup_source(ec, t.paths()), nullptr);
    EXPECT_EQ(ec, c.expected) << ec.message();
  }
}

TEST(CgroupSourceTest, GarbageInV2NumberFilesIsRejected) {
  for (std::string_view file : {"memory.current", "memory.max", "memory.high"}) {
    const std::string leaf = p(v2_leaf, file);
    expect_garbage_rejected("cgroup_v2", leaf,
                            {{"abc\n", std::errc::bad_message},
                             {"-5\n", std::errc::bad_message},
                             {"12 34\n", std::errc::bad_message},
                             {"1.5\n", std::errc::bad_message},
                             {"99999999999999999999999\n", std::errc::value_too_large},
                             {"", std::errc::no_message_available},
                             {"\n", std::errc::no_message_available}});
  }
  expect_garbage_rejected("cgroup_v2", p(v2_slice, "memory.max"),
                          {{"maxx\n", std::errc::bad_message}});
}

TEST(CgroupSourceTest, GarbageInV2MemoryStatIsRejected) {
  expect_garbage_rejected("cgroup_v2", p(v2_leaf, "memory.stat"),
                          {{"abc\n", std::errc::bad_message},
                           {"anon 5\ninactive_file -5\n", std::errc::bad_message},
                           {"anon 5\ninactive_file\n", std::errc::bad_message},
                           {"inactive_file 99999999999999999999999\n", std::errc::value_too_large},
                           {"anon 5\ninactive_file_x 3\n", std::errc::bad_message},
                           {"", std::errc::no_message_available}});
}

TEST(CgroupSourceTest, GarbageInV1FilesIsRejected) {
  expect_garbage_rejected("cgroup_v1", p(v1_leaf, "memory.usage_in_bytes"),
                          {{"abc", std::errc::bad_message},
                           {"-1\n", std::errc::bad_message},
                           {"18446744073709551616\n", std::errc::value_too_large},
                           {"", std::errc::no_message_available}});
  expect_garbage_rejected("cgroup_v1", p(v1_parent, "memory.limit_in_bytes"),
                          {{"abc\n", std::errc::bad_message}, {"-1\n", std::errc::bad_message}});
  expect_garbage_rejected(
      "cgroup_v1", p(v1_leaf, "memory.stat"),
      {{"total_inactive_file 1\nhierarchical_memory_limit abc\n", std::errc::bad_message},
       {"hierarchical_memory_limit 1073741824\n", std::errc::bad_message},  // total_inactive_file missing
       {"total_inactive_file 1\nhierarchical_memory_limit\n", std::errc::bad_message}});
}

TEST(CgroupSourceTest, GarbageInProcFilesIsRejected) {
  expect_garbage_rejected("cgroup_v2", "proc/self/cgroup",
                          {{"garbage\n", std::errc::bad_message},
                           {"x::/a\n", std::errc::bad_message},
                           {"0::\n", std::errc::bad_message},
                           {"", std::errc::no_message_available}});
  expect_garbage_rejected("cgroup_v2", "proc/self/mountinfo",
                          {{"31 23 0:28 / /sys/fs/cgroup rw\n", std::errc::bad_message},
                           {"31 23 0:28 / /sys/fs/cgroup rw - cgroup2\n", std::errc::bad_message}});
  expect_garbage_rejected("cgroup_v2", "proc/meminfo",
                          {{"MemTotal: abc kB\nMemAvailable: 1 kB\n", std::errc::bad_message},
                           {"MemTotal: 16777216 kB\n", std::errc::bad_message},
                           {"MemTotal: 0 kB\nMemAvailable: 0 kB\n", std::errc::bad_message},
                           {"MemTotal: 18446744073709551615 kB\nMemAvailable: 1 kB\n",
                            std::errc::value_too_large}});
}

// ---- failures after creation

TEST(CgroupSourceTest, GarbageAfterCreationIsReportedAndLoggedOnce) {
  fixture_tree t("cgroup_v2");
  auto src = make_cgroup_source(t.paths());
  ASSERT_TRUE(src);
  log_capture log;
  t.write(p(v2_leaf, "memory.current"), "abc\n");
  for (int i = 0; i < 3; ++i) {
    std::error_code ec;
    src->read(ec);
    EXPECT_EQ(ec, std::errc::bad_message);
  }
  EXPECT_EQ(log.warnings_with("memory.current"), 1);
  t.write(p(v2_leaf, "memory.high"), "-1\n");
  t.write(p(v2_leaf, "memory.current"), "1073741824\n");
  std::error_code ec;
  src->read(ec);
  EXPECT_EQ(ec, std::errc::bad_message);
  EXPECT_EQ(log.warnings_with("memory.high"), 1);  // a second, distinct failure: logged too
  t.write(p(v2_leaf, "memory.high"), "max\n");
  EXPECT_EQ(read_ok(*src).limit_bytes, 1536 * mib);  // recovered
}

TEST(CgroupSourceTest, FileEmptiedAfterOpenIsAnError) {
  fixture_tree t("cgroup_v2");
  auto src = make_cgroup_source(t.paths());
  ASSERT_TRUE(src);
  t.write(p(v2_leaf, "memory.stat"), "");
  std::error_code ec;
  src->read(ec);
  EXPECT_EQ(ec, std::errc::no_message_available);
}

TEST(CgroupSourceTest, FileUnlinkedAfterOpenKeepsItsLastContent) {
  // The descriptor pins the inode: the source keeps working on what it opened (a removed cgroup,
  // by contrast, fails with ENODEV: see tests/cli/watch_cgroup_test.sh).
  fixture_tree t("cgroup_v2");
  auto src = make_cgroup_source(t.paths());
  ASSERT_TRUE(src);
  std::filesystem::remove_all(t.path(v2_leaf));
  const auto s = read_ok(*src);
  EXPECT_EQ(s.used_bytes, 1 * gib - 256 * mib);
}

}  // namespace
}  // namespace membound
