// monitor_history: the pressure monitor's bounded history (private to the library).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <boost/circular_buffer.hpp>

#include "membound/clock.hpp"
#include "membound/pressure/monitor.hpp"

namespace membound::detail {

// Two fixed rings of history_point: one point per second for the last hour (3600 points) and one
// point per minute for the last 48 hours (2880 points). Samples falling into the same bucket are
// aggregated into one point: the maximum used bytes and the maximum level (a spike must not vanish
// when downsampled), the latest limit. A point's time is the start of its bucket.
//
// Complexity: add() O(1) and never allocates (both rings are allocated by the constructor);
// points() O(returned points); trend_bytes_per_min() O(60).
// Not thread-safe (the monitor guards it with its state mutex). No exceptions except bad_alloc
// from the constructor and points(). Capacity: hard; the oldest point is overwritten when full.
class monitor_history {
 public:
  static constexpr std::size_t fine_points = 3600;   // 1 s resolution, 1 hour
  static constexpr std::size_t coarse_points = 2880;  // 1 min resolution, 48 hours
  static constexpr std::chrono::seconds fine_resolution{1};
  static constexpr std::chrono::seconds coarse_resolution{60};

  monitor_history() : fine_(fine_points), coarse_(coarse_points) {}

  void add(time_point time, std::uint64_t used, std::uint64_t limit, pressure_level level) noexcept {
    add_to(fine_, fine_resolution, time, used, limit, level);
    add_to(coarse_, coarse_resolution, time, used, limit, level);
  }

  // Returns the points whose bucket lies within `window` of the newest point, oldest first: the
  // 1 s points when window ≤ 1 hour, else the 1 min points (at most 48 hours).
  std::vector<history_point> points(std::chrono::seconds window) const {
    const ring& r = window <= std::chrono::hours(1) ? fine_ : coarse_;
    std::vector<history_point> out;
    if (r.empty() || window.count() <= 0) {
      return out;
    }
    const time_point newest = r.back().time;
    std::size_t first = r.size();
    while (first > 0 && newest - r[first - 1].time < window) {
      --first;
    }
    out.assign(r.begin() + static_cast<std::ptrdiff_t>(first), r.end());
    return out;
  }

  // Least-squares slope of used bytes over the 1 s points of the last minute (the newest point
  // and those less than 60 s older), in bytes per minute. 0 with fewer than two points.
  double trend_bytes_per_min() const noexcept {
    if (fine_.size() < 2) {
      return 0.0;
    }
    const time_point newest = fine_.back().time;
    double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (std::size_t i = fine_.size(); i > 0; --i) {
      const history_point& p = fine_[i - 1];
      if (newest - p.time >= std::chrono::minutes(1)) {
        break;
      }
      // Seconds relative to the newest point and bytes relative to it keep the sums small.
      const double x = std::chrono::duration<double>(p.time - newest).count();
      const double y = static_cast<double>(p.used_bytes) - static_cast<double>(fine_.back().used_bytes);
      n += 1;
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    const double denom = n * sxx - sx * sx;
    if (n < 2 || denom <= 0.0) {
      return 0.0;
    }
    return (n * sxy - sx * sy) / denom * 60.0;
  }

  std::size_t fine_size() const noexcept { return fine_.size(); }
  std::size_t coarse_size() const noexcept { return coarse_.size(); }

 private:
  using ring = boost::circular_buffer<history_point>;

  static time_point bucket_of(time_point t, std::chrono::seconds resolution) noexcept {
    const auto since = t.time_since_epoch();
    auto buckets = since / resolution;
    if (since < decltype(since)::zero() && since % resolution != decltype(since)::zero()) {
      --buckets;  // floor, not truncation, for times before the epoch
    }
    return time_point(std::chrono::duration_cast<time_point::duration>(buckets * resolution));
  }

  static void add_to(ring& r, std::chrono::seconds resolution, time_point time, std::uint64_t used,
                     std::uint64_t limit, pressure_level level) noexcept {
    const time_point bucket = bucket_of(time, resolution);
    if (!r.empty() && r.back().time == bucket) {
      history_point& p = r.back();
      p.used_bytes = std::max(p.used_bytes, used);
      p.limit_bytes = limit;
      p.level = std::max(p.level, level);
      return;
    }
    if (!r.empty() && bucket < r.back().time) {
      return;  // the clock went backwards: keep the history ordered, drop the point
    }
    r.push_back(history_point{bucket, used, limit, level});  // overwrites the oldest when full
  }

  ring fine_;
  ring coarse_;
};

}  // namespace membound::detail
