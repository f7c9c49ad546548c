// Private to the membound CLI: what `membound watch` parses, validates and prints. Pure functions
// (no I/O, no monitor), so tests/cli/watch_format_test.cpp checks them directly.
#pragma once

#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "membound/detail/throw.hpp"
#include "membound/pressure/level.hpp"
#include "cli/admin_flags.hpp"
#include "membound/pressure/monitor.hpp"
#include "membound/pressure/sample.hpp"

namespace membound::cli::watch {

inline constexpr std::uint64_t max_interval_ms = 86'400'000;  // one day: beyond is a typo
inline constexpr std::uint64_t max_budget_mb = std::uint64_t{1} << 40;  // 1 EiB: keeps MiB×2^20 exact

struct options {
  bool once = false;
  bool json = false;
  std::uint64_t interval_ms = 1000;
  bool budget_set = false;
  std::uint64_t budget_mb = 0;
  std::string proc_root = "/proc";            // hidden flags: point the sources at fixture trees
  std::string cgroup_root = "/sys/fs/cgroup";
  admin_flags admin;  // --admin-port / --admin-bind / --db
};

// Throws: std::invalid_argument naming the flag when --interval-ms or --budget-mb is out of range.
inline void validate(const options& o) {
  if (o.interval_ms == 0 || o.interval_ms > max_interval_ms) {
    detail::throw_invalid_argument("watch", "--interval-ms",
                                   "must be between 1 and " + std::to_string(max_interval_ms) +
                                       ", got " + std::to_string(o.interval_ms));
  }
  if (o.budget_set && (o.budget_mb == 0 || o.budget_mb > max_budget_mb)) {
    detail::throw_invalid_argument("watch", "--budget-mb",
                                   "must be between 1 and " + std::to_string(max_budget_mb) +
                                       ", got " + std::to_string(o.budget_mb));
  }
}

// The source as users know it: a PSI wrapper's name without its "psi+" prefix ("cgroup-v1").
inline std::string_view display_source(std::string_view source) {
  constexpr std::string_view prefix = "psi+";
  if (source.substr(0, prefix.size()) == prefix) source.remove_prefix(prefix.size());
  return source;
}

// "512.0 MiB", "1.50 GiB", "900 B": binary units, three significant digits.
inline std::string format_bytes(std::uint64_t bytes) {
  static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024.0 && u < 6) {
    v /= 1024.0;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, v < 10.0 ? "%.2f %s" : v < 100.0 ? "%.1f %s" : "%.0f %s", v,
                units[u]);
  return buf;
}

// ISO 8601 UTC with milliseconds: "2026-11-22T21:55:01.123Z".
inline std::string format_time(std::chrono::system_clock::time_point t) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[96];  // room for any int fields, so -Wformat-truncation can prove it fits
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

// One line per sample: time, source, used, limit, ratio %, level (+ RSS and PSI when known).
inline std::string format_sample_line(const memory_sample& s, pressure_level level,
                                      std::string_view time) {
  std::string line(time);
  line.append("  ").append(display_source(s.source));
  line.append("  used ").append(format_bytes(s.used_bytes));
  line.append("  limit ").append(format_bytes(s.limit_bytes));
  char ratio[32];
  std::snprintf(ratio, sizeof ratio, "  ratio %.1f%%", s.ratio() * 100.0);
  line.append(ratio).append("  ").append(to_string(level));
  if (s.process_rss_bytes) line.append("  rss ").append(format_bytes(*s.process_rss_bytes));
  if (s.psi_some_avg10) {
    char psi[64];
    std::snprintf(psi, sizeof psi, "  psi some %.2f", *s.psi_some_avg10);
    line.append(psi);
    if (s.psi_full_avg10) {
      std::snprintf(psi, sizeof psi, " full %.2f", *s.psi_full_avg10);
      line.append(psi);
    }
  }
  return line;
}

// One line per level change: "<time>  level normal -> elevated (ratio 61.3%, free 12.0 MiB)".
inline std::string format_change_line(const pressure_event& e, std::string_view time) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "  level %s -> %s (ratio %.1f%%, free %s)",
                std::string(to_string(e.previous)).c_str(), std::string(to_string(e.level)).c_str(),
                e.sample.ratio() * 100.0, format_bytes(e.target_bytes).c_str());
  return std::string(time) + buf;
}

// The --json object of one sample. Optional fields appear only when the source knows them.
inline nlohmann::json sample_json(const memory_sample& s, pressure_level level,
                                  std::uint64_t target_bytes, std::string_view time) {
  nlohmann::json j;
  j["time"] = std::string(time);
  j["source"] = std::string(display_source(s.source));
  j["level"] = std::string(to_string(level));
  j["used_bytes"] = s.used_bytes;
  j["limit_bytes"] = s.limit_bytes;
  j["ratio"] = s.ratio();
  j["eviction_target_bytes"] = target_bytes;
  if (s.process_rss_bytes) j["rss_bytes"] = *s.process_rss_bytes;
  if (s.psi_some_avg10) j["psi_some_avg10"] = *s.psi_some_avg10;
  if (s.psi_full_avg10) j["psi_full_avg10"] = *s.psi_full_avg10;
  return j;
}

// Runs the command (src/cli/watch.cpp). Returns the exit code; throws std::invalid_argument for
// bad flag values.
int run(const options& o);

}  // namespace membound::cli::watch
