// global_monitor(): kept in its own translation unit so that programs (and tests) that never call
// it do not need make_default_source() linked in.
#include "membound/log.hpp"
#include "membound/pressure/monitor.hpp"

namespace membound {
namespace {

monitor_options global_options() {
  monitor_options options;
  options.name = "membound-global";
  return options;
}

// Started in its constructor. The logger is touched first so that its statics finish
// construction earlier and are therefore destroyed later than the monitor, whose thread logs.
struct global_holder {
  global_holder() : monitor((static_cast<void>(logger()), make_default_source()), global_options()) {
    monitor.start();
  }
  pressure_monitor monitor;
};

}  // namespace

pressure_monitor& global_monitor() {
  // Thread-safe one-time initialization; destroyed (stopped and joined) during static destruction,
  // after every static constructed later than it, e.g. a static cache attached to it.
  static global_holder holder;
  return holder.monitor;
}

}  // namespace membound
