// The simulator: libCacheSim's semantics on tiny traces, sizes, the TBB grid, pressure replay,
// the schedule parser and the SVG plot.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "membound/sim/sim.hpp"

namespace membound::sim {
namespace {

TEST(SimulatorTest, CountsHitsAndMissesLikeLibCacheSim) {
  const trace t = make_trace({1, 2, 3, 1, 4, 1, 2});
  const auto r = simulate(t, "lru", {3, capacity_unit::entries});
  EXPECT_EQ(r.requests, 7u);
  EXPECT_EQ(r.hits, 2u);  // 1 (4th), 1 (6th); 2 was evicted by 4
  EXPECT_EQ(r.misses(), 5u);
  EXPECT_NEAR(r.miss_ratio(), 5.0 / 7, 1e-12);
}

TEST(SimulatorTest, ObjectsLargerThanTheCacheAreNotInsertedButCountAsMisses) {
  const trace t = make_trace({1, 2, 1, 2}, {10, 100, 10, 100});
  const auto r = simulate(t, "lru", {50, capacity_unit::bytes});
  EXPECT_EQ(r.hits, 1u);  // 1 hits; 2 (100 B) never fits
  EXPECT_EQ(r.bytes_hit, 10u);
  EXPECT_EQ(r.bytes_requested, 220u);
}

TEST(SimulatorTest, ByteCapacityEvictsUntilTheNewObjectFits) {
  const trace t = make_trace({1, 2, 3, 1}, {30, 30, 50, 30});
  // 1 and 2 fill 60 of 100; 3 (50) needs 1 evicted (LRU), so the last request to 1 misses.
  EXPECT_EQ(simulate(t, "lru", {100, capacity_unit::bytes}).hits, 0u);
  EXPECT_EQ(simulate(t, "lru", {110, capacity_unit::bytes}).hits, 1u);
}

TEST(SimulatorTest, UnknownPolicyAndZeroSizeThrow) {
  const trace t = make_trace({1});
  EXPECT_THROW(simulate(t, "mru", {1, capacity_unit::entries}), std::invalid_argument);
  EXPECT_THROW(simulate(t, "lru", {0, capacity_unit::entries}), std::invalid_argument);
}

TEST(SimulatorTest, GridIsPolicyMajorAndMatchesSingleRuns) {
  std::vector<std::uint64_t> keys;
  for (int i = 0; i < 5000; ++i) keys.push_back((i * 7919) % 613 + (i % 3 == 0 ? i % 50 : 0));
  trace t = make_trace(keys);
  const std::vector<std::string> policies(policy_names().begin(), policy_names().end());
  const std::vector<cache_size> sizes{{16, capacity_unit::entries}, {128, capacity_unit::entries}};
  sim_options o;
  o.threads = 2;
  std::atomic<std::uint64_t> progress{0};
  o.progress = &progress;
  const auto grid = simulate_grid(t, policies, sizes, o);
  ASSERT_EQ(grid.size(), policies.size() * 2);
  EXPECT_EQ(progress.load(), t.size() * grid.size());
  for (std::size_t k = 0; k < grid.size(); ++k) {
    EXPECT_EQ(grid[k].policy, policies[k / 2]);
    EXPECT_EQ(grid[k].size, sizes[k % 2]);
    EXPECT_EQ(grid[k].hits, simulate(t, policies[k / 2], sizes[k % 2]).hits) << grid[k].policy;
  }
}

TEST(SimulatorTest, BeladyIsAnUpperBoundForEveryPolicy) {
  std::vector<std::uint64_t> keys;
  std::uint64_t x = 1;
  for (int i = 0; i < 20000; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    keys.push_back((x >> 33) % ((x >> 20) % 4 == 0 ? 2000 : 100));
  }
  trace t = make_trace(keys);
  for (const std::uint64_t c : {10u, 50u, 200u}) {
    const auto opt = simulate(t, "belady", {c, capacity_unit::entries}).hits;
    for (const auto p : policy_names()) {
      EXPECT_LE(simulate(t, p, {c, capacity_unit::entries}).hits, opt) << p << " c=" << c;
    }
  }
}

TEST(SizeSpecTest, ParsesEntriesPercentAndByteUnits) {
  const trace t = make_trace({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20});
  auto s = parse_size_spec("1000");
  ASSERT_TRUE(s);
  EXPECT_EQ(resolve(*s, t), (cache_size{1000, capacity_unit::entries}));
  s = parse_size_spec("10%");
  ASSERT_TRUE(s);
  EXPECT_EQ(resolve(*s, t), (cache_size{2, capacity_unit::entries}));
  s = parse_size_spec("0.1%");  // rounds to 0, kept at 1
  ASSERT_TRUE(s);
  EXPECT_EQ(resolve(*s, t), (cache_size{1, capacity_unit::entries}));
  EXPECT_EQ(resolve(*parse_size_spec("64MiB"), t), (cache_size{64u << 20, capacity_unit::bytes}));
  EXPECT_EQ(resolve(*parse_size_spec("1GB"), t), (cache_size{1000000000, capacity_unit::bytes}));
  EXPECT_EQ(resolve(*parse_size_spec("512kib"), t), (cache_size{512u << 10, capacity_unit::bytes}));
  EXPECT_EQ(resolve(*parse_size_spec("1.5KiB"), t), (cache_size{1536, capacity_unit::bytes}));
  EXPECT_EQ(resolve(*parse_size_spec("9007199254740992"), t), (cache_size{9007199254740992u, capacity_unit::entries}));
  EXPECT_EQ(resolve(*parse_size_spec("8192TiB"), t), (cache_size{9007199254740992u, capacity_unit::bytes}));
  // Above 2^53 a double is no longer exact, and past 2^64 converting it was undefined (it gave 0,
  // reported as "must be positive"); stod also took hex, exponents and "inf".
  for (const char* bad : {"0", "0%", "-5", "abc", "10x", "1.5", "", "150%", "0MiB", "MiB", "9007199254740993",
                          "99999999999999999999", "17179869184GiB", "0x10", "1e3", "inf", "nan", " 5", "+5",
                          "5.", ".5%", "1%%", "5KiBB", "0.5B", "8193TiB"}) {
    EXPECT_FALSE(parse_size_spec(bad).has_value()) << bad;
  }
}

class PressureTest : public ::testing::Test {
 protected:
  // A fresh directory for this test's schedule files, removed afterwards.
  std::filesystem::path temp_dir() {
    dir_ = std::filesystem::temp_directory_path() /
           ("membound_sched_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    return dir_;
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  static trace cycling(int n, int keys) {
    std::vector<std::uint64_t> k;
    for (int i = 0; i < n; ++i) k.push_back(static_cast<std::uint64_t>(i % keys));
    return make_trace(k);
  }

  std::filesystem::path dir_;
};

TEST_F(PressureTest, ShrinksToTheLevelsFractionsOfConfiguredCapacity) {
  const trace t = cycling(10000, 80);  // fits in 100 entries: every request after the first 80 hits
  pressure_schedule s;
  s.changes = {{1000, pressure_level::elevated}, {2000, pressure_level::high}};
  sim_options o;
  o.pressure = &s;
  const auto r = simulate(t, "lru", {100, capacity_unit::entries}, o);
  EXPECT_EQ(r.final_capacity, 50u);  // HIGH: 50 % of the configured 100
  EXPECT_EQ(r.pressure_evictions, 30u);  // 80 → 50 at HIGH (75 ≥ 80? no: 5 at ELEVATED, 25 at HIGH)
  EXPECT_LT(r.hits, 10000u - 80u);
}

TEST_F(PressureTest, CriticalDropsToTheMinimumAndNormalRegrowsInSteps) {
  const trace t = cycling(200000, 10);
  pressure_schedule s;
  s.changes = {{100, pressure_level::critical}, {1000, pressure_level::normal}};
  sim_options o;
  o.pressure = &s;
  auto r = simulate(t, "lru", {1000, capacity_unit::entries}, o);
  // CRITICAL: 1 % of 1000 = 10; regrowth starts 60 000 requests after NORMAL, 50 per 1 000
  // requests, back to 1000 after 20 steps — long before the trace ends.
  EXPECT_EQ(r.final_capacity, 1000u);
  s.changes = {{100, pressure_level::critical}};
  r = simulate(t, "lru", {1000, capacity_unit::entries}, o);
  EXPECT_EQ(r.final_capacity, 10u);
  s.changes = {{100, pressure_level::critical}, {150000, pressure_level::normal}};
  r = simulate(t, "lru", {1000, capacity_unit::entries}, o);
  EXPECT_EQ(r.final_capacity, 10u);  // NORMAL has held only 50 000 requests
  s.changes = {{100, pressure_level::critical}, {130000, pressure_level::normal}};
  r = simulate(t, "lru", {1000, capacity_unit::entries}, o);
  EXPECT_EQ(r.final_capacity, 10u + 50u * 10u);  // held 70 000: steps at +60k..+69k = 10 steps
}

TEST_F(PressureTest, SteppingDownBetweenNonNormalLevelsNeverShrinks) {
  const trace t = cycling(5000, 10);
  pressure_schedule s;
  s.changes = {{10, pressure_level::high}, {20, pressure_level::elevated}};
  sim_options o;
  o.pressure = &s;
  EXPECT_EQ(simulate(t, "sieve", {100, capacity_unit::entries}, o).final_capacity, 50u);
}

TEST_F(PressureTest, ScheduleFileParsesAndReportsBadLines) {
  const auto dir = temp_dir();
  const std::string good = (dir / "good").string();
  std::ofstream(good) << "# comment\n\n100 elevated\n200 HIGH\n300 normal\n";
  std::string error;
  const auto s = load_pressure_schedule(good, error);
  ASSERT_TRUE(s) << error;
  ASSERT_EQ(s->changes.size(), 3u);
  EXPECT_EQ(s->changes[1].level, pressure_level::high);
  const std::string bad = (dir / "bad").string();
  std::ofstream(bad) << "100 elevated\n50 high\n";
  EXPECT_FALSE(load_pressure_schedule(bad, error));
  EXPECT_NE(error.find("line 2"), std::string::npos) << error;
  std::ofstream(bad) << "100 panic\n";
  EXPECT_FALSE(load_pressure_schedule(bad, error));
  EXPECT_NE(error.find("line 1"), std::string::npos) << error;
  EXPECT_FALSE(load_pressure_schedule((dir / "missing").string(), error));
}

// sscanf's %llu used to turn an index past 2^64 into UINT64_MAX (a change that silently never
// applied) and echoed a line's bytes raw; a directory read as an empty schedule.
TEST_F(PressureTest, ScheduleRejectsOutOfRangeIndexesDirectoriesAndJunkAfterTheIndex) {
  const auto dir = temp_dir();
  const std::string f = (dir / "s").string();
  std::string error;
  std::ofstream(f) << "18446744073709551615 critical\n+20000000000000000000 normal\n";
  EXPECT_FALSE(load_pressure_schedule(f, error));
  EXPECT_NE(error.find("line 2: request index '20000000000000000000' is out of range"), std::string::npos) << error;
  std::ofstream(f) << "12abc high\n";
  EXPECT_FALSE(load_pressure_schedule(f, error));
  EXPECT_NE(error.find("line 1: expected 'request_index level'"), std::string::npos) << error;
  std::ofstream(f) << "1 \x1b[31mhigh\n";
  EXPECT_FALSE(load_pressure_schedule(f, error));
  EXPECT_EQ(error.find('\x1b'), std::string::npos) << error;
  EXPECT_NE(error.find("got '1 ?[31mhigh'"), std::string::npos) << error;
  std::ofstream(f) << "\t+7\tcritical\r\n";
  const auto s = load_pressure_schedule(f, error);
  ASSERT_TRUE(s) << error;
  ASSERT_EQ(s->changes.size(), 1u);
  EXPECT_EQ(s->changes[0].request_index, 7u);
  EXPECT_EQ(s->changes[0].level, pressure_level::critical);
  EXPECT_FALSE(load_pressure_schedule(dir.string(), error));
  EXPECT_NE(error.find("is a directory"), std::string::npos) << error;
}

TEST(SvgPlotTest, RendersAWellFormedCurveWithLegendAndAxes) {
  std::vector<sim_result> rs;
  for (const char* p : {"lru", "arc"}) {
    for (std::uint64_t c : {100u, 200u, 300u}) {
      sim_result r;
      r.policy = p;
      r.size = {c, capacity_unit::entries};
      r.requests = 1000;
      r.hits = c * (p[0] == 'a' ? 2 : 1);
      rs.push_back(r);
    }
  }
  const std::string svg = render_svg_plot(rs, "test <curve>");
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_NE(svg.find("test &lt;curve&gt;"), std::string::npos);
  EXPECT_NE(svg.find("miss ratio"), std::string::npos);
  EXPECT_NE(svg.find("cache size (entries)"), std::string::npos);
  EXPECT_NE(svg.find(">lru</text>"), std::string::npos);
  EXPECT_NE(svg.find(">arc</text>"), std::string::npos);
  std::size_t lines = 0;
  for (std::size_t at = svg.find("<polyline"); at != std::string::npos; at = svg.find("<polyline", at + 1)) ++lines;
  EXPECT_EQ(lines, 2u);
}

// A file name is any bytes on Linux; the title must still leave the SVG valid UTF-8 with no control
// characters (which XML 1.0 forbids), and valid UTF-8 must pass unchanged.
TEST(SvgPlotTest, TitleBytesThatAreNotValidXmlTextAreReplaced) {
  sim_result r;
  r.policy = "lru";
  r.size = {10, capacity_unit::entries};
  r.requests = 10;
  const std::string svg = render_svg_plot({r}, "caf\xe9 \x01 \xe2\x82 \xed\xa0\x80 \xf4\x90\x80\x80 \xc0\xaf caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  const std::string fffd = "\xef\xbf\xbd";
  EXPECT_NE(svg.find("caf" + fffd + " ? " + fffd + fffd + " " + fffd + fffd + fffd + " " + fffd + fffd + fffd + fffd +
                     " " + fffd + fffd + " caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80</text>"),
            std::string::npos)
      << svg.substr(0, 600);
}

}  // namespace
}  // namespace membound::sim
