#include "membound/observability/leak_detector.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "membound/detail/throw.hpp"
#include "membound/log.hpp"
#include "membound/observability/memory_tracker.hpp"
#include "observability/json_fields.hpp"
#include "observability/prometheus_text.hpp"

namespace membound {
namespace {

constexpr double mib(double bytes) { return bytes / (1024.0 * 1024.0); }

}  // namespace

leak_detector::leak_detector(leak_options options) : options_(options) {
  if (options_.growth_threshold_bytes == 0) {
    detail::throw_invalid_argument("leak_options", "growth_threshold_bytes", "must be positive");
  }
  if (options_.window.count() <= 0) {
    detail::throw_invalid_argument("leak_options", "window", "must be positive");
  }
  if (!(options_.min_trend_bytes_per_min >= 0.0)) {
    detail::throw_invalid_argument("leak_options", "min_trend_bytes_per_min",
                                   "must not be negative");
  }
  if (options_.max_points < 2) {
    detail::throw_invalid_argument("leak_options", "max_points", "must be at least 2");
  }
}

void leak_detector::set_tracker(const memory_tracker* tracker) {
  detail::lock_guard lock(mu_);
  tracker_ = tracker;
}

void leak_detector::set_containers(std::function<std::vector<shrinkable_stats>()> containers) {
  detail::lock_guard lock(mu_);
  containers_ = std::move(containers);
}

bool leak_detector::feed(const memory_sample& sample) {
  return feed(sample.time, sample.process_rss_bytes.value_or(sample.used_bytes));
}

// Least-squares slope of bytes over time (bytes per minute) of the points, 0 with < 2 points.
double leak_detector::slope_locked() const {
  const auto n = points_.size();
  if (n < 2) return 0.0;
  const auto t0 = points_.front().time;
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  const double y0 = static_cast<double>(points_.front().bytes);
  for (const auto& p : points_) {
    const double x = std::chrono::duration<double, std::ratio<60>>(p.time - t0).count();
    const double y = static_cast<double>(p.bytes) - y0;  // centred for precision
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const double dn = static_cast<double>(n);
  const double den = dn * sxx - sx * sx;
  return den <= 0.0 ? 0.0 : (dn * sxy - sx * sy) / den;
}

bool leak_detector::feed(time_point time, std::uint64_t bytes) {
  leak_event event;
  {
    detail::lock_guard lock(mu_);
    ++stats_.samples;
    stats_.current_bytes = bytes;
    if (!baseline_) {
      baseline_ = bytes;
      stats_.baseline_bytes = bytes;
    }
    points_.push_back({time, bytes});
    // Keep one point at or before the window's start, so "spans the window" can be checked.
    while (points_.size() > 2 && points_[1].time <= time - options_.window) points_.pop_front();
    while (points_.size() > options_.max_points) points_.pop_front();
    stats_.trend_bytes_per_min = slope_locked();
    if (stats_.suspected) return false;
    const bool grown = bytes > *baseline_ && bytes - *baseline_ > options_.growth_threshold_bytes;
    const bool spans = points_.size() >= 2 && time - points_.front().time >= options_.window;
    const bool rising = stats_.trend_bytes_per_min >= options_.min_trend_bytes_per_min &&
                        stats_.trend_bytes_per_min > 0.0;
    if (!(grown && spans && rising)) return false;
    stats_.suspected = true;
    ++stats_.raised;
    event.time = time;
    event.baseline_bytes = *baseline_;
    event.current_bytes = bytes;
    event.growth_bytes = bytes - *baseline_;
    event.trend_bytes_per_min = stats_.trend_bytes_per_min;
  }
  event.report = report(event);
  logger()->error("membound: leak suspected\n{}", event.report);
  {
    detail::lock_guard lock(mu_);
    last_ = event;
  }
  const auto errors = channel_.emit(event);
  if (errors != 0) {
    detail::lock_guard lock(mu_);
    stats_.callback_errors += errors;
  }
  return true;
}

std::string leak_detector::report(const leak_event& e) const {
  const memory_tracker* tracker = nullptr;
  std::function<std::vector<shrinkable_stats>()> containers;
  {
    detail::lock_guard lock(mu_);
    tracker = tracker_;
    containers = containers_;
  }
  std::string r = fmt::format(
      "memory grew {:.1f} MiB over the baseline ({:.1f} -> {:.1f} MiB), trend {:+.2f} MiB/min "
      "over the last {} s (threshold {:.1f} MiB)",
      mib(static_cast<double>(e.growth_bytes)), mib(static_cast<double>(e.baseline_bytes)),
      mib(static_cast<double>(e.current_bytes)), mib(e.trend_bytes_per_min),
      options_.window.count(), mib(static_cast<double>(options_.growth_threshold_bytes)));
  if (tracker != nullptr) {
    const auto totals = tracker->totals();  // largest growth first
    if (!totals.empty()) r += "\nstages and components by RSS growth:";
    std::size_t shown = 0;
    for (const auto& t : totals) {
      if (shown++ == 10) break;
      r += fmt::format("\n  {:<9} {:<24} {:+.1f} MiB over {} run(s)", to_string(t.kind), t.name,
                       mib(static_cast<double>(t.total_delta_bytes)), t.count);
    }
  }
  if (containers) {
    auto cs = containers();
    std::sort(cs.begin(), cs.end(), [](const shrinkable_stats& a, const shrinkable_stats& b) {
      return a.bytes > b.bytes;
    });
    if (!cs.empty()) r += "\ncontainers by bytes:";
    std::size_t shown = 0;
    for (const auto& c : cs) {
      if (shown++ == 10) break;
      r += fmt::format("\n  {:<15} {:<24} {:.1f} MiB, {} entries (capacity {})", c.kind, c.name,
                       mib(static_cast<double>(c.bytes)), c.size, c.capacity);
    }
  }
  return r;
}

subscription_handle leak_detector::subscribe(std::function<void(const leak_event&)> callback) {
  return channel_.subscribe(std::move(callback));
}

void leak_detector::reset() {
  detail::lock_guard lock(mu_);
  baseline_.reset();
  points_.clear();
  stats_.suspected = false;
  stats_.trend_bytes_per_min = 0.0;
}

bool leak_detector::suspected() const {
  detail::lock_guard lock(mu_);
  return stats_.suspected;
}

leak_stats leak_detector::stats() const {
  detail::lock_guard lock(mu_);
  return stats_;
}

std::optional<leak_event> leak_detector::last_event() const {
  detail::lock_guard lock(mu_);
  return last_;
}

std::string to_json(const leak_detector& d) {
  const auto s = d.stats();
  nlohmann::json j = {{"samples", s.samples},
                      {"raised", s.raised},
                      {"suspected", s.suspected},
                      {"baseline_bytes", s.baseline_bytes},
                      {"current_bytes", s.current_bytes},
                      {"trend_bytes_per_min", s.trend_bytes_per_min},
                      {"threshold_bytes", d.options().growth_threshold_bytes},
                      {"window_s", d.options().window.count()}};
  if (auto e = d.last_event()) {
    j["last_event"] = {{"baseline_bytes", e->baseline_bytes},
                       {"current_bytes", e->current_bytes},
                       {"growth_bytes", e->growth_bytes},
                       {"trend_bytes_per_min", e->trend_bytes_per_min},
                       {"report", e->report}};
  } else {
    j["last_event"] = nullptr;
  }
  return detail::dump(j);
}

std::string to_prometheus(const leak_detector& d) {
  const auto s = d.stats();
  std::string out;
  detail::prom_writer w(out);
  w.gauge("membound_leak_suspected", "1 while a leak is suspected (latched until reset).",
          std::uint64_t{s.suspected ? 1U : 0U});
  w.counter("membound_leak_events_total", "leak_suspected events raised.", s.raised);
  w.gauge("membound_leak_baseline_bytes", "Memory at the leak detector's baseline.",
          s.baseline_bytes);
  w.gauge("membound_leak_growth_bytes", "Memory above the leak detector's baseline.",
          static_cast<double>(s.current_bytes) - static_cast<double>(s.baseline_bytes));
  w.gauge("membound_leak_trend_bytes_per_minute", "Least-squares slope over the leak window.",
          s.trend_bytes_per_min);
  return out;
}

}  // namespace membound
