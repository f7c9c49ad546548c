#include "membound/observability/sqlite_history.hpp"

#include <sqlite3.h>

#include <array>
#include <mutex>
#include <set>

#include "membound/log.hpp"

namespace membound {
namespace {

constexpr const char* schema = R"sql(
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '1');
CREATE TABLE IF NOT EXISTS samples(
  t_ms INTEGER NOT NULL, used_bytes INTEGER NOT NULL, limit_bytes INTEGER NOT NULL,
  ratio REAL NOT NULL, level INTEGER NOT NULL, rss_bytes INTEGER, source TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS samples_t ON samples(t_ms);
CREATE TABLE IF NOT EXISTS level_changes(
  t_ms INTEGER NOT NULL, previous INTEGER NOT NULL, level INTEGER NOT NULL,
  used_bytes INTEGER NOT NULL, limit_bytes INTEGER NOT NULL, target_bytes INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS level_changes_t ON level_changes(t_ms);
CREATE TABLE IF NOT EXISTS alerts(
  t_ms INTEGER NOT NULL, severity TEXT NOT NULL, state TEXT NOT NULL, used_bytes INTEGER NOT NULL,
  limit_bytes INTEGER NOT NULL, ratio REAL NOT NULL, threshold TEXT NOT NULL, message TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS alerts_t ON alerts(t_ms);
CREATE TABLE IF NOT EXISTS stages(
  t_ms INTEGER NOT NULL, start_ms INTEGER NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
  rss_start_bytes INTEGER NOT NULL, rss_end_bytes INTEGER NOT NULL, delta_bytes INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS stages_t ON stages(t_ms);
)sql";

constexpr std::array<const char*, 4> tables{"samples", "level_changes", "alerts", "stages"};

std::int64_t i64(std::uint64_t v) {
  return v > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(v);
}

}  // namespace

struct sqlite_history::impl {
  sqlite_history_options options;
  std::chrono::system_clock::duration offset{};  // wall − steady, fixed at open
  mutable std::mutex mu;
  sqlite3* db = nullptr;
  sqlite3_stmt* ins_sample = nullptr;
  sqlite3_stmt* ins_level = nullptr;
  sqlite3_stmt* ins_alert = nullptr;
  sqlite3_stmt* ins_stage = nullptr;
  std::int64_t newest_ms = INT64_MIN;
  std::int64_t last_prune_ms = INT64_MIN;
  std::uint64_t write_errors = 0;
  std::set<std::string> logged;  // distinct error messages already logged

  ~impl() {
    for (auto* s : {ins_sample, ins_level, ins_alert, ins_stage}) sqlite3_finalize(s);
    if (db != nullptr) sqlite3_close_v2(db);
  }

  void fail(const char* what) {
    ++write_errors;
    std::string msg = std::string(what) + ": " + sqlite3_errmsg(db);
    if (logged.size() < 64 && logged.insert(msg).second) {
      logger()->error("membound: sqlite history: {}", msg);
    }
  }

  // REQUIRES: mu held. Steps and resets a bound statement.
  void run(sqlite3_stmt* st, const char* what) {
    if (sqlite3_step(st) != SQLITE_DONE) fail(what);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
  }

  std::uint64_t prune_locked() {
    if (newest_ms == INT64_MIN) return 0;
    const auto cutoff =
        newest_ms - std::chrono::duration_cast<std::chrono::milliseconds>(options.retention).count();
    std::uint64_t deleted = 0;
    for (const char* t : tables) {
      const std::string sql = std::string("DELETE FROM ") + t + " WHERE t_ms < ?1";
      sqlite3_stmt* st = nullptr;
      if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
        fail("prepare prune");
        continue;
      }
      sqlite3_bind_int64(st, 1, cutoff);
      if (sqlite3_step(st) == SQLITE_DONE) {
        deleted += static_cast<std::uint64_t>(sqlite3_changes(db));
      } else {
        fail("prune");
      }
      sqlite3_finalize(st);
    }
    last_prune_ms = newest_ms;
    return deleted;
  }

  // REQUIRES: mu held. Notes a new time and prunes when prune_interval has passed.
  void advance(std::int64_t t_ms) {
    if (t_ms > newest_ms) newest_ms = t_ms;
    const auto every =
        std::chrono::duration_cast<std::chrono::milliseconds>(options.prune_interval).count();
    if (last_prune_ms == INT64_MIN) {
      last_prune_ms = newest_ms;
    } else if (newest_ms - last_prune_ms >= every) {
      prune_locked();
    }
  }
};

sqlite_history::sqlite_history(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
sqlite_history::~sqlite_history() = default;

std::unique_ptr<sqlite_history> sqlite_history::open(const std::string& path,
                                                     sqlite_history_options options,
                                                     std::string& error) {
  if (options.retention.count() <= 0) {
    error = "retention must be positive";
    return nullptr;
  }
  auto p = std::make_unique<impl>();
  const auto wall = options.wall_clock ? options.wall_clock() : std::chrono::system_clock::now();
  p->offset = wall.time_since_epoch() - std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                            membound::now(options.clock).time_since_epoch());
  p->options = std::move(options);
  const int rc = sqlite3_open_v2(path.c_str(), &p->db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    error = "cannot open " + path + ": " +
            (p->db != nullptr ? sqlite3_errmsg(p->db) : sqlite3_errstr(rc));
    return nullptr;
  }
  sqlite3_busy_timeout(p->db, 2000);
  char* msg = nullptr;
  if (sqlite3_exec(p->db, schema, nullptr, nullptr, &msg) != SQLITE_OK) {
    error = "cannot create the schema in " + path + ": " + (msg != nullptr ? msg : "?");
    sqlite3_free(msg);
    return nullptr;
  }
  auto prep = [&](const char* sql, sqlite3_stmt** st) {
    if (sqlite3_prepare_v2(p->db, sql, -1, st, nullptr) != SQLITE_OK) {
      error = std::string("cannot prepare: ") + sqlite3_errmsg(p->db);
      return false;
    }
    return true;
  };
  if (!prep("INSERT INTO samples VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &p->ins_sample) ||
      !prep("INSERT INTO level_changes VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &p->ins_level) ||
      !prep("INSERT INTO alerts VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", &p->ins_alert) ||
      !prep("INSERT INTO stages VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &p->ins_stage)) {
    return nullptr;
  }
  return std::unique_ptr<sqlite_history>(new sqlite_history(std::move(p)));
}

std::int64_t sqlite_history::to_unix_ms(time_point t) const noexcept {
  const auto wall = std::chrono::duration_cast<std::chrono::system_clock::duration>(
                        t.time_since_epoch()) +
                    impl_->offset;
  return std::chrono::duration_cast<std::chrono::milliseconds>(wall).count();
}

void sqlite_history::append(const memory_sample& s, pressure_level level) {
  const auto t = to_unix_ms(s.time);
  std::lock_guard lock(impl_->mu);
  auto* st = impl_->ins_sample;
  sqlite3_bind_int64(st, 1, t);
  sqlite3_bind_int64(st, 2, i64(s.used_bytes));
  sqlite3_bind_int64(st, 3, i64(s.limit_bytes));
  sqlite3_bind_double(st, 4, s.ratio());
  sqlite3_bind_int(st, 5, static_cast<int>(level));
  if (s.process_rss_bytes) {
    sqlite3_bind_int64(st, 6, i64(*s.process_rss_bytes));
  } else {
    sqlite3_bind_null(st, 6);
  }
  sqlite3_bind_text(st, 7, s.source.data(), static_cast<int>(s.source.size()), SQLITE_TRANSIENT);
  impl_->run(st, "insert sample");
  impl_->advance(t);
}

void sqlite_history::append_level_change(const pressure_event& e) {
  const auto t = to_unix_ms(e.sample.time);
  std::lock_guard lock(impl_->mu);
  auto* st = impl_->ins_level;
  sqlite3_bind_int64(st, 1, t);
  sqlite3_bind_int(st, 2, static_cast<int>(e.previous));
  sqlite3_bind_int(st, 3, static_cast<int>(e.level));
  sqlite3_bind_int64(st, 4, i64(e.sample.used_bytes));
  sqlite3_bind_int64(st, 5, i64(e.sample.limit_bytes));
  sqlite3_bind_int64(st, 6, i64(e.target_bytes));
  impl_->run(st, "insert level change");
  impl_->advance(t);
}

void sqlite_history::append(const alert_event& e) {
  const auto t = to_unix_ms(e.time);
  const auto sev = to_string(e.severity);
  const std::string_view state = e.firing ? "firing" : "resolved";
  std::lock_guard lock(impl_->mu);
  auto* st = impl_->ins_alert;
  sqlite3_bind_int64(st, 1, t);
  sqlite3_bind_text(st, 2, sev.data(), static_cast<int>(sev.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, state.data(), static_cast<int>(state.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 4, i64(e.used_bytes));
  sqlite3_bind_int64(st, 5, i64(e.limit_bytes));
  sqlite3_bind_double(st, 6, e.ratio);
  sqlite3_bind_text(st, 7, e.threshold.data(), static_cast<int>(e.threshold.size()),
                    SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 8, e.message.data(), static_cast<int>(e.message.size()), SQLITE_TRANSIENT);
  impl_->run(st, "insert alert");
  impl_->advance(t);
}

void sqlite_history::append(const scope_record& r) {
  const auto t = to_unix_ms(r.end);
  const auto start = to_unix_ms(r.start);
  const auto kind = to_string(r.kind);
  std::lock_guard lock(impl_->mu);
  auto* st = impl_->ins_stage;
  sqlite3_bind_int64(st, 1, t);
  sqlite3_bind_int64(st, 2, start);
  sqlite3_bind_text(st, 3, kind.data(), static_cast<int>(kind.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 4, r.name.data(), static_cast<int>(r.name.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 5, i64(r.rss_start_bytes));
  sqlite3_bind_int64(st, 6, i64(r.rss_end_bytes));
  sqlite3_bind_int64(st, 7, r.delta_bytes());
  impl_->run(st, "insert stage");
  impl_->advance(t);
}

std::uint64_t sqlite_history::prune() {
  std::lock_guard lock(impl_->mu);
  return impl_->prune_locked();
}

sqlite_history_counts sqlite_history::counts() const {
  std::lock_guard lock(impl_->mu);
  std::array<std::uint64_t, 4> n{};
  for (std::size_t i = 0; i < tables.size(); ++i) {
    const std::string sql = std::string("SELECT COUNT(*) FROM ") + tables[i];
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(impl_->db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      n[i] = static_cast<std::uint64_t>(sqlite3_column_int64(st, 0));
    }
    sqlite3_finalize(st);
  }
  return {n[0], n[1], n[2], n[3]};
}

std::uint64_t sqlite_history::write_errors() const {
  std::lock_guard lock(impl_->mu);
  return impl_->write_errors;
}

subscription_handle sqlite_history::record_alerts(alert_manager& alerts) {
  return alerts.subscribe([this](const alert_event& e) { append(e); });
}

subscription_handle sqlite_history::record_scopes(memory_tracker& tracker) {
  return tracker.subscribe([this](const scope_record& r) { append(r); });
}

}  // namespace membound
