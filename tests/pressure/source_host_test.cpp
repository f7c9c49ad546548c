// Host, process-budget, PSI and default sources against fixture trees (tests/pressure/fixtures).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

#include <gtest/gtest.h>

#include "support/fake_clock.hpp"
#include "membound/pressure/source.hpp"
#include "source_test_support.hpp"

namespace membound {
namespace {

using test::fixture_tree;
using test::gib;
using test::log_capture;
using test::mib;
using test::read_error;
using test::read_ok;

// ---- host

TEST(HostSourceTest, UsesMemAvailableNeverMemFree) {
  fixture_tree t("host");
  auto src = make_host_source(t.paths());
  EXPECT_EQ(src->name(), "host");
  const auto s = read_ok(*src);
  EXPECT_EQ(s.limit_bytes, 16 * gib);
  EXPECT_EQ(s.used_bytes, 4 * gib);  // 16 GiB − 12 GiB available (MemFree says 1 GiB: ignored)
  EXPECT_DOUBLE_EQ(s.ratio(), 0.25);
  EXPECT_EQ(s.source, "host");
  ASSERT_TRUE(s.process_rss_bytes.has_value());
  EXPECT_EQ(*s.process_rss_bytes, 2560 * test::page_bytes());
}

TEST(HostSourceTest, MeminfoChangesAreSeenOnTheNextRead) {
  fixture_tree t("host");
  auto src = make_host_source(t.paths());
  EXPECT_EQ(read_ok(*src).used_bytes, 4 * gib);
  t.write("proc/meminfo", "MemTotal: 1048576 kB\nMemFree: 1 kB\nMemAvailable: 262144 kB\n");
  const auto s = read_ok(*src);
  EXPECT_EQ(s.limit_bytes, 1 * gib);
  EXPECT_EQ(s.used_bytes, 768 * mib);
}

TEST(HostSourceTest, AvailableAboveTotalClampsUsedToZero) {
  fixture_tree t("host");
  t.write("proc/meminfo", "MemTotal: 1024 kB\nMemAvailable: 4096 kB\n");
  auto src = make_host_source(t.paths());
  const auto s = read_ok(*src);
  EXPECT_EQ(s.used_bytes, 0u);
  EXPECT_EQ(s.limit_bytes, 1024 * test::kib);
}

TEST(HostSourceTest, GarbageMeminfoIsAnError) {
  const struct {
    std::string_view content;
    std::errc expected;
  } cases[] = {
      {"abc", std::errc::bad_message},
      {"MemTotal: 16777216 kB\nMemFree: 1 kB\n", std::errc::bad_message},  // no MemAvailable
      {"MemTotal: 16777216 kB\nMemAvailable: -5 kB\n", std::errc::bad_message},
      {"MemTotal: 16777216 kB\nMemAvailable:\n", std::errc::bad_message},  // truncated line
      {"MemTotal: 16777216 kB\nMemAvailable: 12 MB\n", std::errc::bad_message},
      {"MemTotal: 99999999999999999999 kB\nMemAvailable: 1 kB\n", std::errc::value_too_large},
      {"", std::errc::no_message_available},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.content));
    fixture_tree t("host");
    t.write("proc/meminfo", c.content);
    auto src = make_host_source(t.paths());
    EXPECT_EQ(read_error(*src), c.expected);
  }
}

TEST(HostSourceTest, MissingMeminfoIsLoggedOnceAndPickedUpWhenItAppears) {
  fixture_tree t("host");
  const auto saved = t.path("proc/meminfo.saved");
  std::filesystem::rename(t.path("proc/meminfo"), saved);
  log_capture log;
  auto src = make_host_source(t.paths());
  EXPECT_EQ(read_error(*src), std::errc::no_such_file_or_directory);
  EXPECT_EQ(read_error(*src), std::errc::no_such_file_or_directory);
  EXPECT_EQ(log.warnings_with("meminfo"), 1);
  std::filesystem::rename(saved, t.path("proc/meminfo"));
  EXPECT_EQ(read_ok(*src).used_bytes, 4 * gib);
}

TEST(HostSourceTest, MissingStatmOnlyDropsTheRss) {
  fixture_tree t("host");
  t.remove("proc/self/statm");
  auto src = make_host_source(t.paths());
  const auto s = read_ok(*src);
  EXPECT_EQ(s.used_bytes, 4 * gib);
  EXPECT_FALSE(s.process_rss_bytes.has_value());
}

TEST(HostSourceTest, ReadsThisMachine) {
  auto src = make_host_source();
  const auto s = read_ok(*src);
  EXPECT_GT(s.limit_bytes, 0u);
  EXPECT_LE(s.used_bytes, s.limit_bytes);
  ASSERT_TRUE(s.process_rss_bytes.has_value());
  EXPECT_GT(*s.process_rss_bytes, 0u);
}

// ---- process budget

TEST(ProcessBudgetSourceTest, RssFromStatmAgainstTheBudget) {
  fixture_tree t("host");
  auto src = make_process_budget_source(512 * mib, t.paths());
  EXPECT_EQ(src->name(), "process-budget");
  const auto s = read_ok(*src);
  EXPECT_EQ(s.used_bytes, 2560 * test::page_bytes());  // statm field 2 × page size
  EXPECT_EQ(s.limit_bytes, 512 * mib);
  EXPECT_EQ(s.process_rss_bytes, s.used_bytes);
  EXPECT_EQ(s.source, "process-budget");
}

TEST(ProcessBudgetSourceTest, ZeroBudgetThrowsNamingTheField) {
  try {
    make_process_budget_source(0);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("budget_bytes"), std::string::npos) << e.what();
  }
}

TEST(ProcessBudgetSourceTest, GarbageStatmIsAnError) {
  const struct {
    std::string_view content;
    std::errc expected;
  } cases[] = {
      {"abc def\n", std::errc::bad_message},
      {"262144\n", std::errc::bad_message},  // truncated: no resident field
      {"262144 -2560 0\n", std::errc::bad_message},
      {"262144 2560x 0\n", std::errc::bad_message},
      {"1 99999999999999999999 0\n", std::errc::value_too_large},
      {"1 18446744073709551615 0\n", std::errc::value_too_large},  // fits, but × page size does not
      {"", std::errc::no_message_available},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.content));
    fixture_tree t("host");
    t.write("proc/self/statm", c.content);
    auto src = make_process_budget_source(1 * gib, t.paths());
    EXPECT_EQ(read_error(*src), c.expected);
  }
}

TEST(ProcessBudgetSourceTest, ReadsThisProcess) {
  auto src = make_process_budget_source(64 * gib);
  const auto s = read_ok(*src);
  EXPECT_GT(s.used_bytes, 0u);
  EXPECT_EQ(s.limit_bytes, 64 * gib);
}

TEST(ProcessBudgetSourceTest, StatmOfAVanishedProcessIsAnError) {
  // <tmp>/proc/self -> /proc/<child>: the file disappears under the open descriptor when the
  // child is reaped, as a real /proc file of a gone task or a removed cgroup does.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    for (;;) ::pause();
  }
  fixture_tree t("");
  std::filesystem::create_directories(t.path("proc"));
  std::filesystem::create_directory_symlink("/proc/" + std::to_string(child), t.path("proc/self"));
  auto src = make_process_budget_source(1 * gib, t.paths());
  const auto s = read_ok(*src);
  EXPECT_GT(s.used_bytes, 0u);
  ::kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  std::error_code ec;
  src->read(ec);
  EXPECT_TRUE(ec);  // ESRCH from pread on the open descriptor
  EXPECT_EQ(ec, std::errc::no_such_process) << ec.message();
}

// ---- PSI

TEST(PsiSourceTest, HostBaseWithoutCgroup2ReadsProcPressure) {
  fixture_tree t("host");
  auto src = make_psi_source(make_host_source(t.paths()), t.paths());
  EXPECT_EQ(src->name(), "psi+host");
  const auto s = read_ok(*src);
  EXPECT_EQ(s.source, "psi+host");
  EXPECT_EQ(s.used_bytes, 4 * gib);  // the base's reading is untouched
  ASSERT_TRUE(s.psi_some_avg10.has_value());
  ASSERT_TRUE(s.psi_full_avg10.has_value());
  EXPECT_DOUBLE_EQ(*s.psi_some_avg10, 1.50);
  EXPECT_DOUBLE_EQ(*s.psi_full_avg10, 0.25);
}

TEST(PsiSourceTest, CgroupV2MemoryPressureIsPreferred) {
  fixture_tree t("cgroup_v2");
  auto src = make_psi_source(make_cgroup_source(t.paths()), t.paths());
  EXPECT_EQ(src->name(), "psi+cgroup-v2");
  const auto s = read_ok(*src);
  EXPECT_EQ(s.limit_bytes, 1536 * mib);
  EXPECT_DOUBLE_EQ(s.psi_some_avg10.value_or(-1), 12.34);
  EXPECT_DOUBLE_EQ(s.psi_full_avg10.value_or(-1), 3.21);
}

TEST(PsiSourceTest, HybridReadsTheUnifiedHierarchysMemoryPressure) {
  fixture_tree t("cgroup_hybrid");
  auto src = make_psi_source(make_cgroup_source(t.paths()), t.paths());
  EXPECT_EQ(src->name(), "psi+cgroup-v1");
  const auto s = read_ok(*src);
  EXPECT_EQ(s.limit_bytes, 1 * gib);
  EXPECT_DOUBLE_EQ(s.psi_some_avg10.value_or(-1), 12.34);
  EXPECT_DOUBLE_EQ(s.psi_full_avg10.value_or(-1), 3.21);
}

TEST(PsiSourceTest, NoCgroupPressureFileFallsBackToProc) {
  fixture_tree t("cgroup_v2");
  t.remove("sys/fs/cgroup/kubepods.slice/pod1/ctr/memory.pressure");
  auto src = make_psi_source(make_cgroup_source(t.paths()), t.paths());
  const auto s = read_ok(*src);
  EXPECT_DOUBLE_EQ(s.psi_some_avg10.value_or(-1), 1.50);
}

TEST(PsiSourceTest, MissingPsiIsNotAnError) {
  fixture_tree t("host");
  t.remove("proc/pressure/memory");
  log_capture log;
  auto src = make_psi_source(make_host_source(t.paths()), t.paths());
  const auto s = read_ok(*src);
  EXPECT_EQ(s.used_bytes, 4 * gib);
  EXPECT_FALSE(s.psi_some_avg10.has_value());
  EXPECT_FALSE(s.psi_full_avg10.has_value());
  EXPECT_EQ(log.warnings_with("pressure"), 0);
}

TEST(PsiSourceTest, SomeLineOnlyLeavesFullEmpty) {
  fixture_tree t("host");
  t.write("proc/pressure/memory", "some avg10=7.00 avg60=1.00 avg300=0.00 total=5\n");
  auto src = make_psi_source(make_host_source(t.paths()), t.paths());
  const auto s = read_ok(*src);
  EXPECT_DOUBLE_EQ(s.psi_some_avg10.value_or(-1), 7.0);
  EXPECT_FALSE(s.psi_full_avg10.has_value());
}

TEST(PsiSourceTest, GarbagePsiLeavesFieldsEmptyAndIsLoggedOnce) {
  fixture_tree t("host");
  t.write("proc/pressure/memory", "some avg10=abc avg60=0.00 avg300=0.00 total=0\n");
  log_capture log;
  auto src = make_psi_source(make_host_source(t.paths()), t.paths());
  for (int i = 0; i < 2; ++i) {
    const auto s = read_ok(*src);  // the base reading stands
    EXPECT_EQ(s.used_bytes, 4 * gib);
    EXPECT_FALSE(s.psi_some_avg10.has_value());
  }
  EXPECT_EQ(log.warnings_with("pressure/memory"), 1);
  t.write("proc/pressure/memory", "some avg10=2.5 avg60=0 avg300=0 total=0\nfull avg10=0.5\n");
  EXPECT_DOUBLE_EQ(read_ok(*src).psi_full_avg10.value_or(-1), 0.5);
}

TEST(PsiSourceTest, BaseErrorsPassThrough) {
  auto scripted = std::make_unique<scripted_source>(10, 100);
  scripted_source* s = scripted.get();
  fixture_tree t("host");
  auto src = make_psi_source(std::move(scripted), t.paths());
  EXPECT_EQ(src->name(), "psi+scripted");
  EXPECT_EQ(read_ok(*src).used_bytes, 10u);
  s->set_error(std::make_error_code(std::errc::io_error));
  EXPECT_EQ(read_error(*src), std::errc::io_error);
}

TEST(PsiSourceTest, NamesAreStaticPerBase) {
  fixture_tree t("host");
  EXPECT_EQ(make_psi_source(make_process_budget_source(1, t.paths()), t.paths())->name(),
            "psi+process-budget");
  EXPECT_EQ(make_psi_source(nullptr, t.paths())->name(), "psi+host");  // default: host here
}

// ---- default source

TEST(DefaultSourceTest, PicksTheCgroupWhenItHasALimit) {
  fixture_tree t("cgroup_v2");
  auto src = make_default_source(t.paths());
  EXPECT_EQ(src->name(), "cgroup-v2");
  EXPECT_EQ(read_ok(*src).limit_bytes, 1536 * mib);
}

TEST(DefaultSourceTest, PicksTheHostWhenTheCgroupIsUnlimited) {
  fixture_tree t("cgroup_v1");
  t.write("sys/fs/cgroup/memory/docker/memory.limit_in_bytes", "9223372036854771712\n");
  t.write("sys/fs/cgroup/memory/docker/abc/memory.stat",
          "hierarchical_memory_limit 9223372036854771712\ntotal_inactive_file 0\n");
  auto src = make_default_source(t.paths());
  EXPECT_EQ(src->name(), "host");
  EXPECT_EQ(read_ok(*src).limit_bytes, 16 * gib);
}

TEST(DefaultSourceTest, PicksTheHostWithoutAMemoryCgroup) {
  fixture_tree t("host");
  EXPECT_EQ(make_default_source(t.paths())->name(), "host");
}

TEST(DefaultSourceTest, PicksTheHostWhenTheCgroupIsUnreadable) {
  fixture_tree t("cgroup_v2");
  t.write("sys/fs/cgroup/kubepods.slice/pod1/ctr/memory.current", "garbage\n");
  EXPECT_EQ(make_default_source(t.paths())->name(), "host");
}

TEST(DefaultSourceTest, ClockStampsEverySample) {
  fixture_tree t("host");
  test::fake_clock clock;
  auto paths = t.paths();
  paths.clock = clock.fn();
  auto src = make_default_source(paths);
  clock.advance(std::chrono::milliseconds(1500));
  EXPECT_EQ(read_ok(*src).time, clock.now());
}

}  // namespace
}  // namespace membound
