// sqlite_history: appends samples, level changes, alerts and stage/component records to an SQLite
// database file (library membound::admin, libsqlite3), pruning rows older than a retention.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "membound/clock.hpp"
#include "membound/observability/alerts.hpp"
#include "membound/observability/memory_tracker.hpp"
#include "membound/observability/subscription.hpp"
#include "membound/pressure/level.hpp"
#include "membound/pressure/monitor.hpp"
#include "membound/pressure/sample.hpp"

namespace membound {

struct sqlite_history_options {
  std::chrono::seconds retention = std::chrono::hours(48);  // rows older than this are pruned
  // Pruning runs on append at most this often (in sample time), and on prune().
  std::chrono::seconds prune_interval{60};
  clock_fn clock;  // the steady clock of the samples and events (the monitor's); empty = steady
  // Wall clock used once, at open, to map steady times to Unix times; empty = system_clock.
  std::function<std::chrono::system_clock::time_point()> wall_clock;
};

struct sqlite_history_counts {
  std::uint64_t samples = 0;
  std::uint64_t level_changes = 0;
  std::uint64_t alerts = 0;
  std::uint64_t stages = 0;
};

// Schema (version 1, in table meta: key 'schema_version'); t_ms is Unix time in milliseconds:
//   samples(t_ms, used_bytes, limit_bytes, ratio, level, rss_bytes NULL, source)
//   level_changes(t_ms, previous, level, used_bytes, limit_bytes, target_bytes)   levels 0..3
//   alerts(t_ms, severity, state, used_bytes, limit_bytes, ratio, threshold, message)
//   stages(t_ms, start_ms, kind, name, rss_start_bytes, rss_end_bytes, delta_bytes)
// Each table has an index on t_ms. The file is opened in WAL mode (synchronous=NORMAL).
//
// Complexity: an append is one prepared INSERT (plus, at most every prune_interval, one DELETE per
// table over the t_ms index).
// Thread-safety: thread-safe (one connection behind a mutex).
// Exceptions: open() returns nullptr and an error message instead of throwing (an unwritable
// path is an expected outcome); appends never throw on database errors: they are logged (once
// per distinct message) and counted in write_errors(). std::bad_alloc passes through.
// Stability: the subscriptions it returns reference it: they must be destroyed first.
// Capacity: bounded by time, not rows: rows older than `retention` (relative to the newest time
// appended) are deleted, at most one prune_interval late.
class sqlite_history {
 public:
  // Opens or creates the database at `path` and its tables. On failure returns nullptr and sets
  // `error`.
  static std::unique_ptr<sqlite_history> open(const std::string& path,
                                              sqlite_history_options options,
                                              std::string& error);
  ~sqlite_history();
  sqlite_history(const sqlite_history&) = delete;
  sqlite_history& operator=(const sqlite_history&) = delete;

  void append(const memory_sample& sample, pressure_level level);
  void append_level_change(const pressure_event& event);
  void append(const alert_event& event);
  void append(const scope_record& record);

  // Deletes rows older than newest − retention. Returns the number of rows deleted.
  std::uint64_t prune();
  // Row counts of the tables.
  sqlite_history_counts counts() const;
  std::uint64_t write_errors() const;

  // Subscribes to the monitor's level changes (repeats are skipped) / to the alerts / to the
  // tracker's records, appending each. REQUIRES: this history outlives the handle.
  [[nodiscard]] pressure_monitor::subscription record_level_changes(pressure_monitor& monitor);
  [[nodiscard]] subscription_handle record_alerts(alert_manager& alerts);
  [[nodiscard]] subscription_handle record_scopes(memory_tracker& tracker);

  // Returns the Unix time in ms that `t` (a time of options.clock) maps to.
  std::int64_t to_unix_ms(time_point t) const noexcept;

 private:
  struct impl;
  explicit sqlite_history(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace membound
