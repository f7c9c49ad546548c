// What membound::admin needs of pressure_monitor, in its own translation unit so that servers on
// other sources and histories without a monitor (tests) do not pull the monitor in.
#include "membound/observability/admin_server.hpp"
#include "membound/observability/sqlite_history.hpp"

namespace membound {

admin_sources monitor_sources(const pressure_monitor& monitor) {
  admin_sources s;
  s.snapshot = [&monitor] { return take_snapshot(monitor); };
  s.history = [&monitor](std::chrono::seconds window) { return monitor.history(window); };
  s.clock = monitor.options().clock;
  return s;
}

admin_server::admin_server(const pressure_monitor& monitor, admin_options options)
    : admin_server(monitor_sources(monitor), std::move(options)) {}

pressure_monitor::subscription sqlite_history::record_level_changes(pressure_monitor& monitor) {
  return monitor.subscribe([this](const pressure_event& e) {
    if (!e.repeat) append_level_change(e);
  });
}

}  // namespace membound
