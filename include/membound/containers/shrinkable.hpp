// shrinkable: the interface through which the pressure monitor asks a container for memory back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "membound/pressure/level.hpp"

namespace membound {

// What the monitor asks for. The container lowers its *capacity* (not only its contents, so it does
// not simply refill) to
//   new_capacity = max(minimum, min(current_capacity, floor(base × keep_fraction)))
// where base is the configured capacity when `relative_to_current` is false (the first dispatch on
// entering a level: 0.75 at ELEVATED, 0.50 at HIGH) and the current capacity when it is true (a
// re-application while the level holds). keep_fraction 0 (CRITICAL) means "down to the minimum".
struct shrink_request {
  pressure_level level = pressure_level::normal;
  double keep_fraction = 1.0;
  std::uint64_t target_bytes = 0;  // bytes the monitor would like freed in total (a hint)
  bool relative_to_current = false;
};

// What a shrink freed: entries removed and the bytes they were accounted at.
struct shrink_result {
  std::size_t entries = 0;
  std::size_t bytes = 0;
};

// A uniform view of any container's stats, for export (JSON, Prometheus) and logs.
struct shrinkable_stats {
  std::string kind;  // "cache", "bounded_list", "object_registry", or the user's own
  std::string name;
  std::uint64_t size = 0;                 // entries held
  std::uint64_t capacity = 0;             // current capacity (entries, or bytes if byte-bounded)
  std::uint64_t configured_capacity = 0;  // capacity it regrows to
  std::uint64_t bytes = 0;                // memory_bytes()
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t evictions = 0;           // capacity evictions (not pressure)
  std::uint64_t pressure_evictions = 0;  // removals by shrink()
  std::uint64_t expirations = 0;
  std::uint64_t dropped = 0;  // bounded_list: overwritten or rejected elements
  std::uint64_t live = 0;     // object_registry: instances alive
};

// Interface implemented by every membound container (and by user types that want to take part).
//
// Complexity: up to the implementation; the monitor calls shrink() once per shrink pass (on an
// escalation, then at most every redispatch_* while the level holds) and regrow() at most once
// per interval.
// Thread-safety: thread-safe (required of implementations): the monitor calls these from its own
// thread while the application uses the container. shrink() and regrow() must not call back into
// the monitor.
// Exceptions: anything shrink(), regrow() or stats_snapshot() throws is caught, logged and counted
// by the monitor; memory_bytes() must not throw.
// Stability: the monitor keeps a reference from attach() until the attachment is reset or
// destroyed (REQUIRES: the shrinkable outlives it), never a pointer into its contents.
// Capacity: shrink() lowers the capacity per shrink_request (never below the implementation's
// minimum, never above its current capacity); regrow() raises it, never above the configured one.
class shrinkable {
 public:
  virtual ~shrinkable() = default;

  // Returns the container's name (for logs and metrics).
  virtual std::string name() const = 0;

  // Returns an estimate of the container's footprint in bytes, entry overhead included.
  virtual std::size_t memory_bytes() const noexcept = 0;

  // Lowers capacity per `request` and evicts down to it. Returns what was removed.
  // Throws: nothing expected; the monitor catches, logs and counts anything thrown.
  virtual shrink_result shrink(const shrink_request& request) = 0;

  // Raises capacity by step_fraction × configured capacity, never above the configured capacity.
  // Returns true while the capacity is still below the configured capacity.
  virtual bool regrow(double step_fraction) = 0;

  // Returns a snapshot of the container's stats.
  virtual shrinkable_stats stats_snapshot() const = 0;
};

}  // namespace membound
