// The CLI's --admin-port / --db helper (src/cli/admin_flags.cpp) on a monitor with a scripted
// source: flags parse, the endpoint serves, samples reach the SQLite file.
#include "cli/admin_flags.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>
#include <httplib.h>

#include "membound/pressure/source.hpp"

namespace membound {
namespace {

TEST(AdminFlagsTest, ServesAndRecordsWhatTheFlagsAsk) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("membound-admin-flags-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto db = (dir / "watch.db").string();

  CLI::App app;
  cli::admin_flags flags;
  cli::add_admin_flags(app, flags, true);
  std::vector<std::string> args{"--db", db, "--admin-port", "0"};
  std::reverse(args.begin(), args.end());  // CLI11 parses a reversed vector
  app.parse(args);
  EXPECT_EQ(flags.admin_port, 0);
  EXPECT_EQ(flags.db, db);

  auto src = std::make_unique<scripted_source>();
  scripted_source* s = src.get();
  monitor_options mo;
  mo.release_to_os = false;
  pressure_monitor mon(std::move(src), mo);
  auto started = cli::start_admin(flags, mon, "test");
  ASSERT_TRUE(started.ok);
  ASSERT_TRUE(started.session);

  s->set(85, 100);
  mon.poll_once();
  // Destroying the session joins its feeder thread, which feeds the last sample on its way out.
  started.session.reset();
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  std::int64_t rows = -1;
  {
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(h, "SELECT COUNT(*) FROM samples", -1, &st, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    rows = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  EXPECT_EQ(rows, 1);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(h, "SELECT level FROM level_changes", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 2);  // high
  sqlite3_finalize(st);
  sqlite3_close(h);
  std::filesystem::remove_all(dir);
}

TEST(AdminFlagsTest, NothingAskedStartsNothing) {
  cli::admin_flags flags;
  pressure_monitor mon(std::make_unique<scripted_source>(1, 100));
  auto started = cli::start_admin(flags, mon, "test");
  EXPECT_TRUE(started.ok);
  EXPECT_FALSE(started.session);
}

TEST(AdminFlagsTest, UnopenableDatabaseFails) {
  cli::admin_flags flags;
  flags.db = "/nonexistent-dir/x/y.db";
  pressure_monitor mon(std::make_unique<scripted_source>(1, 100));
  auto started = cli::start_admin(flags, mon, "test");
  EXPECT_FALSE(started.ok);
}

}  // namespace
}  // namespace membound
