#include "membound/observability/export.hpp"

#include <set>
#include <string>

#include "observability/json_fields.hpp"
#include "observability/prometheus_text.hpp"

namespace membound {
namespace {

void write_monitor(detail::prom_writer& w, const metrics_snapshot& s) {
  const auto& st = s.stats;
  const auto& sm = s.sample;
  w.family("membound_info", "gauge", "Constant 1; labels name the monitor and its memory source.");
  w.sample("membound_info", {{"monitor", s.monitor_name}, {"source", sm.source}},
           std::uint64_t{1});
  w.gauge("membound_memory_used_bytes", "Memory counted against the limit at the last sample.",
          sm.used_bytes);
  w.gauge("membound_memory_limit_bytes", "The limit the monitor classifies against (0 = unknown).",
          sm.limit_bytes);
  w.gauge("membound_memory_ratio", "used / limit at the last sample (0 when the limit is unknown).",
          sm.ratio());
  w.gauge("membound_memory_level",
          "Pressure level: 0 normal, 1 elevated, 2 high, 3 critical.",
          static_cast<std::uint64_t>(s.level));
  w.family("membound_memory_level_threshold_ratio", "gauge",
           "Entry ratio of each pressure level.");
  for (auto l : {pressure_level::elevated, pressure_level::high, pressure_level::critical}) {
    w.sample("membound_memory_level_threshold_ratio", {{"level", to_string(l)}},
             s.thresholds.entry(l));
  }
  if (sm.process_rss_bytes) {
    w.gauge("membound_process_resident_memory_bytes",
            "Resident set size of the process at the last sample.", *sm.process_rss_bytes);
  }
  if (sm.psi_some_avg10) {
    w.gauge("membound_psi_some_avg10_ratio", "Memory PSI 'some' avg10, as a ratio (0-1).",
            *sm.psi_some_avg10 / 100.0);
  }
  if (sm.psi_full_avg10) {
    w.gauge("membound_psi_full_avg10_ratio", "Memory PSI 'full' avg10, as a ratio (0-1).",
            *sm.psi_full_avg10 / 100.0);
  }
  w.gauge("membound_memory_trend_bytes_per_minute",
          "Growth of used bytes over the last minute of history.", s.trend_bytes_per_min);
  w.gauge("membound_eviction_target_bytes",
          "Bytes to free to get back under the ELEVATED exit line.", s.eviction_target_bytes);
  w.counter("membound_monitor_samples_total", "Samples taken by the monitor.", st.samples);
  w.counter("membound_monitor_read_errors_total", "Failed reads of the memory source.",
            st.read_errors);
  w.counter("membound_level_transitions_total", "Pressure level changes.",
            st.level_transitions);
  w.counter("membound_events_dispatched_total", "Pressure events delivered to subscribers.",
            st.events_dispatched);
  w.counter("membound_callback_errors_total",
            "Exceptions thrown by subscribers or shrinkables (caught).", st.callback_errors);
  w.counter("membound_shrink_passes_total", "Shrink passes over the attached containers.",
            st.shrink_passes);
  w.counter("membound_redispatches_suppressed_total",
            "Shrink passes skipped by the anti-spiral rule.", st.redispatches_suppressed);
  w.counter("membound_regrow_steps_total", "Capacity regrowth steps.", st.regrow_steps);
  w.counter("membound_entries_freed_total", "Entries removed by shrink passes.",
            st.entries_freed);
  w.counter("membound_bytes_freed_total",
            "Bytes freed by shrink passes, as the containers account them.", st.bytes_freed);
  w.counter("membound_os_releases_total", "Calls returning freed memory to the OS (malloc_trim).",
            st.os_releases);
  w.counter("membound_bytes_returned_to_os_total",
            "Resident memory the OS got back, measured around each release.",
            st.bytes_returned_to_os);
  w.counter("membound_os_release_seconds_total", "Time spent returning memory to the OS.",
            detail::seconds(st.release_time));
  w.counter("membound_poll_seconds_total", "Time spent in sample-classify-dispatch ticks.",
            detail::seconds(st.tick_time));
  w.gauge("membound_poll_max_seconds", "Longest sample-classify-dispatch tick.",
          detail::seconds(st.max_tick_time));
}

// Unique label values: the second "x" becomes "x#2", and so on (a name already taken moves on
// to the next number).
std::vector<std::string> unique_names(const std::vector<shrinkable_stats>& cs) {
  std::vector<std::string> names;
  std::set<std::string> used;
  names.reserve(cs.size());
  for (const auto& c : cs) {
    std::string name = c.name;
    for (int k = 2; !used.insert(name).second; ++k) name = c.name + "#" + std::to_string(k);
    names.push_back(std::move(name));
  }
  return names;
}

void write_containers(detail::prom_writer& w, const std::vector<shrinkable_stats>& cs) {
  if (cs.empty()) return;
  const auto names = unique_names(cs);
  auto each = [&](std::string_view name, std::string_view type, std::string_view help,
                  auto value_of) {
    w.family(name, type, help);
    for (std::size_t i = 0; i < cs.size(); ++i) {
      w.sample(name, {{"name", names[i]}, {"kind", cs[i].kind}}, value_of(cs[i]));
    }
  };
  using S = shrinkable_stats;
  each("membound_container_entries", "gauge", "Entries held by the container.",
       [](const S& s) { return s.size; });
  each("membound_container_capacity", "gauge",
       "Current capacity (entries, or bytes if byte-bounded); lowered under pressure.",
       [](const S& s) { return s.capacity; });
  each("membound_container_configured_capacity", "gauge", "Capacity the container regrows to.",
       [](const S& s) { return s.configured_capacity; });
  each("membound_container_bytes", "gauge", "Estimated footprint of the container.",
       [](const S& s) { return s.bytes; });
  each("membound_cache_hits_total", "counter", "Lookups that found their key.",
       [](const S& s) { return s.hits; });
  each("membound_cache_misses_total", "counter", "Lookups that did not find their key.",
       [](const S& s) { return s.misses; });
  each("membound_cache_hit_ratio", "gauge", "hits / (hits + misses) since creation.",
       [](const S& s) { return detail::ratio_of(s); });
  each("membound_cache_evictions_total", "counter", "Capacity evictions (not pressure).",
       [](const S& s) { return s.evictions; });
  each("membound_cache_pressure_evictions_total", "counter",
       "Entries removed by shrink requests under memory pressure.",
       [](const S& s) { return s.pressure_evictions; });
  each("membound_cache_expirations_total", "counter", "Entries removed by TTL expiry.",
       [](const S& s) { return s.expirations; });
  each("membound_bounded_list_dropped_total", "counter",
       "Elements a bounded list overwrote or rejected at its capacity.",
       [](const S& s) { return s.dropped; });
  each("membound_registry_live_instances", "gauge", "Instances alive in an object registry.",
       [](const S& s) { return s.live; });
}

}  // namespace

double hit_ratio(const shrinkable_stats& stats) noexcept { return detail::ratio_of(stats); }

std::string prometheus_escape_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  detail::append_escaped_label(out, value);
  return out;
}

std::string to_prometheus(const metrics_snapshot& snapshot) {
  std::string out;
  out.reserve(4096 + snapshot.containers.size() * 1024);
  detail::prom_writer w(out);
  write_monitor(w, snapshot);
  write_containers(w, snapshot.containers);
  return out;
}

std::string to_json(const metrics_snapshot& s) {
  nlohmann::json j = {
      {"monitor", s.monitor_name},
      {"level", std::string(to_string(s.level))},
      {"level_value", static_cast<int>(s.level)},
      {"sample", detail::json_of(s.sample)},
      {"stats", detail::json_of(s.stats)},
      {"thresholds", detail::json_of(s.thresholds)},
      {"trend_bytes_per_min", s.trend_bytes_per_min},
      {"eviction_target_bytes", s.eviction_target_bytes},
      {"containers", detail::json_of(s.containers)},
  };
  return detail::dump(j);
}

std::string to_json(const monitor_stats& stats) { return detail::dump(detail::json_of(stats)); }
std::string to_json(const memory_sample& sample) { return detail::dump(detail::json_of(sample)); }
std::string to_json(const shrinkable_stats& stats) { return detail::dump(detail::json_of(stats)); }
std::string to_json(const std::vector<shrinkable_stats>& containers) {
  return detail::dump(detail::json_of(containers));
}

std::string history_to_json(const std::vector<history_point>& points, time_point now,
                            std::chrono::seconds window, const pressure_thresholds& thresholds) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& p : points) {
    const double t = std::chrono::duration<double>(p.time - now).count();
    const double ratio = p.limit_bytes == 0 ? 0.0
                                            : static_cast<double>(p.used_bytes) /
                                                  static_cast<double>(p.limit_bytes);
    arr.push_back({{"t", t},
                   {"used_bytes", p.used_bytes},
                   {"limit_bytes", p.limit_bytes},
                   {"ratio", ratio},
                   {"level", std::string(to_string(p.level))},
                   {"level_value", static_cast<int>(p.level)}});
  }
  nlohmann::json j = {{"window_s", window.count()},
                      {"points", std::move(arr)},
                      {"thresholds", detail::json_of(thresholds)}};
  return detail::dump(j);
}

}  // namespace membound
