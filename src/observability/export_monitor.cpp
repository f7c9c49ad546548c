// The exporters' link to pressure_monitor, in its own translation unit so that code using only the
// value-based exporters does not pull the monitor in.
#include "membound/observability/export.hpp"

namespace membound {

metrics_snapshot take_snapshot(const pressure_monitor& monitor) {
  metrics_snapshot s;
  s.monitor_name = monitor.options().name;
  s.thresholds = monitor.options().thresholds;
  s.sample = monitor.last_sample();
  s.stats = monitor.stats();
  s.level = monitor.level();
  s.containers = monitor.attached_stats();
  s.trend_bytes_per_min = monitor.trend_bytes_per_min();
  s.eviction_target_bytes = monitor.eviction_target_bytes();
  return s;
}

std::string to_prometheus(const pressure_monitor& monitor) {
  return to_prometheus(take_snapshot(monitor));
}

std::string to_json(const pressure_monitor& monitor) { return to_json(take_snapshot(monitor)); }

}  // namespace membound
