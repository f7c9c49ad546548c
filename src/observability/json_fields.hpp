// Private helper: the JSON shape of membound's value types (nlohmann::json), shared by the exporters
// in membound and by membound_admin. Header-only; nlohmann never appears in a public header.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "membound/containers/shrinkable.hpp"
#include "membound/pressure/monitor.hpp"
#include "membound/pressure/sample.hpp"
#include "membound/pressure/thresholds.hpp"

namespace membound::detail {

inline double ratio_of(const shrinkable_stats& s) noexcept {
  const auto lookups = s.hits + s.misses;
  return lookups == 0 ? 0.0 : static_cast<double>(s.hits) / static_cast<double>(lookups);
}

inline nlohmann::json json_of(const memory_sample& s) {
  nlohmann::json j = {
      {"used_bytes", s.used_bytes},
      {"limit_bytes", s.limit_bytes},
      {"ratio", s.ratio()},
      {"source", std::string(s.source)},
      {"steady_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                        s.time.time_since_epoch())
                        .count()},
  };
  j["process_rss_bytes"] = s.process_rss_bytes ? nlohmann::json(*s.process_rss_bytes) : nullptr;
  j["psi_some_avg10"] = s.psi_some_avg10 ? nlohmann::json(*s.psi_some_avg10) : nullptr;
  j["psi_full_avg10"] = s.psi_full_avg10 ? nlohmann::json(*s.psi_full_avg10) : nullptr;
  return j;
}

inline nlohmann::json json_of(const monitor_stats& s) {
  auto secs = [](std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); };
  return {
      {"samples", s.samples},
      {"read_errors", s.read_errors},
      {"level_transitions", s.level_transitions},
      {"events_dispatched", s.events_dispatched},
      {"callback_errors", s.callback_errors},
      {"shrink_passes", s.shrink_passes},
      {"redispatches_suppressed", s.redispatches_suppressed},
      {"regrow_steps", s.regrow_steps},
      {"entries_freed", s.entries_freed},
      {"bytes_freed", s.bytes_freed},
      {"os_releases", s.os_releases},
      {"bytes_returned_to_os", s.bytes_returned_to_os},
      {"release_time_s", secs(s.release_time)},
      {"tick_time_s", secs(s.tick_time)},
      {"max_tick_time_s", secs(s.max_tick_time)},
      {"level", std::string(to_string(s.level))},
  };
}

inline nlohmann::json json_of(const shrinkable_stats& s) {
  return {
      {"kind", s.kind},
      {"name", s.name},
      {"size", s.size},
      {"capacity", s.capacity},
      {"configured_capacity", s.configured_capacity},
      {"bytes", s.bytes},
      {"hits", s.hits},
      {"misses", s.misses},
      {"hit_rate", ratio_of(s)},
      {"evictions", s.evictions},
      {"pressure_evictions", s.pressure_evictions},
      {"expirations", s.expirations},
      {"dropped", s.dropped},
      {"live", s.live},
  };
}

inline nlohmann::json json_of(const pressure_thresholds& t) {
  return {
      {"elevated", t.elevated},
      {"high", t.high},
      {"critical", t.critical},
      {"recovery_margin", t.recovery_margin},
      {"dwell_ms", t.dwell.count()},
  };
}

inline nlohmann::json json_of(const std::vector<shrinkable_stats>& v) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& s : v) a.push_back(json_of(s));
  return a;
}

// Dumps with invalid UTF-8 replaced rather than thrown on (container names are user strings).
inline std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace membound::detail
