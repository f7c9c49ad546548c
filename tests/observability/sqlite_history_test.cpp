// sqlite_history: schema, appends, retention with a fake clock.
#include "membound/observability/sqlite_history.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "support/fake_clock.hpp"

namespace membound {
namespace {

namespace fs = std::filesystem;
constexpr std::uint64_t MiB = 1ULL << 20;

class SqliteHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("membound-sqlite-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "history.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<sqlite_history> open(sqlite_history_options o = {}) {
    o.clock = clock_.fn();
    o.wall_clock = [] {
      return std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 365 * 50);
    };
    std::string error;
    auto h = sqlite_history::open(path_, o, error);
    EXPECT_TRUE(h) << error;
    return h;
  }
  memory_sample sample(std::uint64_t used) const {
    memory_sample s;
    s.time = clock_.now();
    s.used_bytes = used;
    s.limit_bytes = 1000 * MiB;
    s.source = "scripted";
    return s;
  }
  std::int64_t query_int(const std::string& sql) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* st = nullptr;
    std::int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      v = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
  }

  fs::path dir_;
  std::string path_;
  test::fake_clock clock_;
};

TEST_F(SqliteHistoryTest, AppendsEveryKindOfRow) {
  auto h = open();
  ASSERT_TRUE(h);
  h->append(sample(500 * MiB), pressure_level::normal);
  pressure_event ev;
  ev.previous = pressure_level::normal;
  ev.level = pressure_level::high;
  ev.sample = sample(850 * MiB);
  ev.target_bytes = 300 * MiB;
  h->append_level_change(ev);
  alert_event a;
  a.time = clock_.now();
  a.severity = alert_severity::critical;
  a.message = "critical memory alert firing";
  a.threshold = "ratio >= 0.90";
  h->append(a);
  scope_record r;
  r.kind = scope_kind::component;
  r.name = "parser";
  r.start = clock_.now() - std::chrono::seconds(2);
  r.end = clock_.now();
  r.rss_start_bytes = 10 * MiB;
  r.rss_end_bytes = 14 * MiB;
  h->append(r);
  const auto c = h->counts();
  EXPECT_EQ(c.samples, 1U);
  EXPECT_EQ(c.level_changes, 1U);
  EXPECT_EQ(c.alerts, 1U);
  EXPECT_EQ(c.stages, 1U);
  EXPECT_EQ(h->write_errors(), 0U);
  h.reset();  // closed: read back with plain sqlite3
  EXPECT_EQ(query_int("SELECT level FROM level_changes"), 2);
  EXPECT_EQ(query_int("SELECT used_bytes FROM samples"), static_cast<std::int64_t>(500 * MiB));
  EXPECT_EQ(query_int("SELECT delta_bytes FROM stages"), static_cast<std::int64_t>(4 * MiB));
  EXPECT_EQ(query_int("SELECT COUNT(*) FROM alerts WHERE severity = 'critical' AND state = 'firing'"), 1);
  EXPECT_EQ(query_int("SELECT value FROM meta WHERE key = 'schema_version'"), 1);
  // Unix time: the wall clock at open plus the steady time since.
  const auto t = query_int("SELECT t_ms FROM samples");
  EXPECT_EQ(t, std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::hours(24 * 365 * 50)).count());
}

TEST_F(SqliteHistoryTest, PrunesRowsOlderThanRetention) {
  auto h = open();  // 48 h retention, pruned on append at most every 60 s
  ASSERT_TRUE(h);
  // One sample a minute for 50 hours.
  for (int m = 0; m < 50 * 60; ++m) {
    h->append(sample(MiB * static_cast<std::uint64_t>(m % 100)), pressure_level::normal);
    clock_.advance(std::chrono::minutes(1));
  }
  const auto c = h->counts();
  // The newest row is at minute 2999; rows older than 48 h before it are gone (within one prune
  // interval of slack).
  EXPECT_GE(c.samples, 48U * 60);
  EXPECT_LE(c.samples, 48U * 60 + 2);
  EXPECT_EQ(h->prune(), c.samples - (48U * 60 + 1));
  EXPECT_EQ(h->counts().samples, 48U * 60 + 1);
}

TEST_F(SqliteHistoryTest, ReopeningKeepsRows) {
  {
    auto h = open();
    h->append(sample(1), pressure_level::normal);
  }
  auto h = open();
  h->append(sample(2), pressure_level::normal);
  EXPECT_EQ(h->counts().samples, 2U);
}

TEST_F(SqliteHistoryTest, UnwritablePathIsAnErrorNotAnException) {
  std::string error;
  auto h = sqlite_history::open((dir_ / "no" / "such" / "dir" / "x.db").string(), {}, error);
  EXPECT_FALSE(h);
  EXPECT_NE(error.find("cannot open"), std::string::npos) << error;
}

TEST_F(SqliteHistoryTest, RecordsAlertsAndScopesThroughSubscriptions) {
  auto h = open();
  alert_manager alerts;
  memory_tracker_options to;
  to.log_scopes = false;
  to.rss = [] { return std::uint64_t{0}; };
  memory_tracker tracker(to);
  auto a = h->record_alerts(alerts);
  auto s = h->record_scopes(tracker);
  alerts.feed(sample(920 * MiB));  // warning + critical
  { stage_scope st(tracker, "x"); }
  EXPECT_EQ(h->counts().alerts, 2U);
  EXPECT_EQ(h->counts().stages, 1U);
}

}  // namespace
}  // namespace membound
