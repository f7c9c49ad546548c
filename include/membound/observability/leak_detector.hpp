// leak_detector: notices memory that keeps growing — beyond a threshold over a baseline, with a
// sustained upward trend — and raises one leak_suspected event with a report.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "membound/clock.hpp"
#include "membound/containers/shrinkable.hpp"
#include "membound/detail/thread_annotations.hpp"
#include "membound/observability/subscription.hpp"
#include "membound/pressure/sample.hpp"

namespace membound {

class memory_tracker;

struct leak_options {
  std::uint64_t growth_threshold_bytes = 100ULL << 20;  // 100 MiB over the baseline
  // The trend is the least-squares slope of the points of the last `window`; it is "sustained"
  // when those points span the whole window and the slope is at least min_trend_bytes_per_min.
  std::chrono::seconds window{600};
  double min_trend_bytes_per_min = 1024.0 * 1024.0;  // 1 MiB/min: flat usage never qualifies
  std::size_t max_points = 4096;  // points kept for the trend (oldest dropped); ≥ 2
};

// What subscribers receive, once per arming.
struct leak_event {
  time_point time{};
  std::uint64_t baseline_bytes = 0;
  std::uint64_t current_bytes = 0;
  std::uint64_t growth_bytes = 0;
  double trend_bytes_per_min = 0.0;
  std::string report;  // multi-line: growth, top stages/components by growth, containers by bytes
};

struct leak_stats {
  std::uint64_t samples = 0;
  std::uint64_t raised = 0;           // leak_suspected events (one per arming)
  std::uint64_t callback_errors = 0;  // exceptions thrown by subscribers (caught)
  std::uint64_t baseline_bytes = 0;
  std::uint64_t current_bytes = 0;
  double trend_bytes_per_min = 0.0;
  bool suspected = false;  // raised and not yet reset
};

// Feed it samples (feed()); it takes the first as the baseline. When current − baseline exceeds
// growth_threshold_bytes while the trend over `window` is sustained (see leak_options), it raises
// leak_suspected: logs the report at error level through membound::logger(), counts it, and calls
// every subscriber — once. It stays latched (suspected() true, nothing raised again) until reset(),
// which re-arms it and takes the next sample as the new baseline. It never re-arms by itself: a
// leak that keeps growing is one incident, not one per sample.
// Memory measured: the sample's process_rss_bytes when present, else used_bytes.
//
// Complexity: feed() is O(points in the window) for the slope (≤ max_points), plus the report and
// the callbacks when raising.
// Thread-safety: thread-safe. Callbacks run on the thread calling feed(), outside the lock.
// Exceptions: the constructor throws std::invalid_argument for a zero threshold or window, a
// negative trend, or max_points < 2; feed() throws only std::bad_alloc; subscribers' exceptions are
// caught, logged and counted.
// Stability: stats() and last_event() return copies; subscription handles may outlive it.
// Capacity: hard bound of max_points points (the oldest is dropped first).
class leak_detector {
 public:
  explicit leak_detector(leak_options options = {});
  leak_detector(const leak_detector&) = delete;
  leak_detector& operator=(const leak_detector&) = delete;

  // Sources for the report (optional). REQUIRES: the tracker outlives the detector; the callable is
  // thread-safe (e.g. [&mon] { return mon.attached_stats(); }).
  void set_tracker(const memory_tracker* tracker);
  void set_containers(std::function<std::vector<shrinkable_stats>()> containers);

  // Feeds one observation. Returns true when this call raised leak_suspected.
  bool feed(const memory_sample& sample);
  bool feed(time_point time, std::uint64_t bytes);

  [[nodiscard]] subscription_handle subscribe(std::function<void(const leak_event&)> callback);

  // Re-arms: clears the latch and the points; the next feed() becomes the baseline.
  void reset();

  bool suspected() const;
  leak_stats stats() const;
  std::optional<leak_event> last_event() const;
  const leak_options& options() const noexcept { return options_; }

 private:
  struct point {
    time_point time;
    std::uint64_t bytes;
  };
  double slope_locked() const MEMBOUND_REQUIRES(mu_);
  std::string report(const leak_event& e) const;

  leak_options options_;
  mutable detail::mutex mu_;
  std::optional<std::uint64_t> baseline_ MEMBOUND_GUARDED_BY(mu_);
  std::deque<point> points_ MEMBOUND_GUARDED_BY(mu_);
  leak_stats stats_ MEMBOUND_GUARDED_BY(mu_);
  std::optional<leak_event> last_ MEMBOUND_GUARDED_BY(mu_);
  const memory_tracker* tracker_ MEMBOUND_GUARDED_BY(mu_) = nullptr;
  std::function<std::vector<shrinkable_stats>()> containers_ MEMBOUND_GUARDED_BY(mu_);
  detail::event_channel<leak_event> channel_;
};

// JSON of stats() and last_event(); Prometheus: membound_leak_suspected (0/1),
// membound_leak_events_total, membound_leak_growth_bytes, membound_leak_baseline_bytes,
// membound_leak_trend_bytes_per_minute.
std::string to_json(const leak_detector& detector);
std::string to_prometheus(const leak_detector& detector);

}  // namespace membound
