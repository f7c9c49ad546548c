// Export of the monitor's state and of every attached container's stats as JSON and as Prometheus
// text (exposition format 0.0.4).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "membound/containers/shrinkable.hpp"
#include "membound/pressure/level.hpp"
#include "membound/pressure/monitor.hpp"
#include "membound/pressure/sample.hpp"
#include "membound/pressure/thresholds.hpp"

namespace membound {

// Everything the exporters print, taken at one instant: a plain value, so exporters can be tested
// with hand-built values and a monitor is read once per scrape (take_snapshot()).
//
// Complexity: copying is O(containers).
// Thread-safety: thread-compatible (a value type).
// Exceptions: copying may throw std::bad_alloc (strong guarantee).
// Stability: a value; `sample.source` refers to static storage.
// Capacity: unbounded by itself; holds one entry per attached container.
struct metrics_snapshot {
  std::string monitor_name = "membound";
  memory_sample sample;  // the monitor's last sample
  pressure_level level = pressure_level::normal;
  pressure_thresholds thresholds;
  monitor_stats stats;
  std::vector<shrinkable_stats> containers;  // pressure_monitor::attached_stats()
  double trend_bytes_per_min = 0.0;
  std::uint64_t eviction_target_bytes = 0;
};

// Reads `monitor` once: last sample, level, stats, attached_stats(), trend and eviction target.
// Complexity: O(attached containers). Thread-safe as the monitor is.
metrics_snapshot take_snapshot(const pressure_monitor& monitor);

// Prometheus text exposition format 0.0.4: every family has HELP and TYPE lines and the prefix
// `membound_`; per-container families carry the labels {name="…", kind="…"} (label values escaped
// as the format requires: backslash, double quote, newline). Containers that share a name are
// told apart by a suffix "#2", "#3", … in the name label, so no two series collide.
// The metric list is documented in docs/operations.md. Throws: std::bad_alloc only.
std::string to_prometheus(const metrics_snapshot& snapshot);
std::string to_prometheus(const pressure_monitor& monitor);

// JSON (UTF-8, one object). Throws: std::bad_alloc only.
//   snapshot: {"monitor": …, "level": "high", "level_value": 2, "sample": {…}, "stats": {…},
//              "thresholds": {…}, "trend_bytes_per_min": …, "eviction_target_bytes": …,
//              "containers": [ {…}, … ]}
std::string to_json(const metrics_snapshot& snapshot);
std::string to_json(const pressure_monitor& monitor);
std::string to_json(const monitor_stats& stats);
std::string to_json(const memory_sample& sample);
std::string to_json(const shrinkable_stats& stats);
std::string to_json(const std::vector<shrinkable_stats>& containers);  // a JSON array
// The history as {"window_s": …, "points": [{"t": seconds relative to `now` (≤ 0), "used_bytes",
// "limit_bytes", "ratio", "level", "level_value"}, …], "thresholds": {…}}.
std::string history_to_json(const std::vector<history_point>& points, time_point now,
                            std::chrono::seconds window, const pressure_thresholds& thresholds);

// Returns `value` escaped for a Prometheus label value (\\, \", \n).
std::string prometheus_escape_label(std::string_view value);

// Returns hits / (hits + misses), or 0 when there were no lookups.
double hit_ratio(const shrinkable_stats& stats) noexcept;

}  // namespace membound
