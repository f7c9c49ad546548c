// alert_manager: warning / critical / emergency alerts on memory, with hysteresis and a cooldown so
// that a value hovering at a threshold does not produce an alert storm.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/circular_buffer.hpp>

#include "membound/clock.hpp"
#include "membound/detail/thread_annotations.hpp"
#include "membound/observability/subscription.hpp"
#include "membound/pressure/sample.hpp"

namespace membound {

enum class alert_severity : std::uint8_t { warning = 0, critical = 1, emergency = 2 };

// Returns "warning", "critical" or "emergency".
constexpr std::string_view to_string(alert_severity s) noexcept {
  switch (s) {
    case alert_severity::warning: return "warning";
    case alert_severity::critical: return "critical";
    case alert_severity::emergency: return "emergency";
  }
  return "unknown";
}

// A threshold on used bytes (given in bytes or MiB) or on used / limit. A disabled threshold
// (the default-constructed one) never fires.
struct alert_threshold {
  enum class unit : std::uint8_t { disabled, bytes, ratio };
  unit kind = unit::disabled;
  double value = 0.0;

  static alert_threshold disabled() noexcept { return {}; }
  static alert_threshold bytes(std::uint64_t b) noexcept {
    return {unit::bytes, static_cast<double>(b)};
  }
  static alert_threshold mib(double m) noexcept { return {unit::bytes, m * 1024.0 * 1024.0}; }
  static alert_threshold ratio(double r) noexcept { return {unit::ratio, r}; }
  bool enabled() const noexcept { return kind != unit::disabled; }
};

struct alert_options {
  alert_threshold warning = alert_threshold::ratio(0.80);
  alert_threshold critical = alert_threshold::ratio(0.90);
  alert_threshold emergency = alert_threshold::ratio(0.95);
  // An active alert resolves only once the value is below threshold − hysteresis.
  double hysteresis_ratio = 0.05;            // for ratio thresholds
  std::uint64_t hysteresis_bytes = 32ULL << 20;  // for byte thresholds
  // After an alert resolved, the same severity does not fire again for this long (the crossing is
  // counted as suppressed; it fires on the first sample after the cooldown if still above).
  std::chrono::milliseconds cooldown{60'000};
  std::size_t history = 256;  // alert events kept (storage reserved up front), oldest dropped; ≥ 1
};

struct alert_event {
  time_point time{};
  alert_severity severity = alert_severity::warning;
  bool firing = true;  // false: the alert resolved
  std::uint64_t used_bytes = 0;
  std::uint64_t limit_bytes = 0;
  double ratio = 0.0;
  std::string threshold;  // e.g. "ratio >= 0.90" or "used >= 512.0 MiB"
  std::string message;
};

struct alert_stats {
  std::uint64_t samples = 0;
  std::uint64_t fired = 0;
  std::uint64_t resolved = 0;
  std::uint64_t suppressed = 0;        // crossings inside the cooldown
  std::uint64_t callback_errors = 0;   // exceptions thrown by subscribers (caught)
  std::uint64_t dropped_history = 0;
};

// Evaluates each fed sample against the three thresholds independently: a severity fires when the
// value reaches its threshold (and its cooldown has passed) and resolves when the value drops below
// threshold − hysteresis. Each fire/resolve is an alert_event delivered to subscribers, logged
// through membound::logger() (warning → warn, critical → error, emergency → critical, resolved →
// info) and kept in a bounded history. A ratio threshold is not evaluated while the limit is 0.
//
// Complexity: feed() is O(1) plus the callbacks for each event.
// Thread-safety: thread-safe; callbacks run on the thread calling feed(), outside the lock.
// Exceptions: the constructor throws std::invalid_argument naming the field for a non-positive
// threshold, a ratio above 1, negative hysteresis or cooldown, history of 0, or enabled thresholds
// of one unit that do not increase with severity; subscribers' exceptions are caught and counted.
// Stability: history() returns copies; subscription handles may outlive it.
// Capacity: hard bound of `history` events (the oldest is dropped).
class alert_manager {
 public:
  explicit alert_manager(alert_options options = {});
  alert_manager(const alert_manager&) = delete;
  alert_manager& operator=(const alert_manager&) = delete;

  // Returns the events this sample produced (usually none).
  std::vector<alert_event> feed(const memory_sample& sample);

  [[nodiscard]] subscription_handle subscribe(std::function<void(const alert_event&)> callback);

  // Events, oldest first.
  std::vector<alert_event> history() const;
  // Returns the highest firing severity, if any.
  std::optional<alert_severity> active() const;
  bool active(alert_severity s) const;
  alert_stats stats() const;
  const alert_options& options() const noexcept { return options_; }

 private:
  struct state {
    bool active = false;
    std::optional<time_point> resolved_at;
    bool suppressed_episode = false;
  };
  const alert_threshold& threshold(alert_severity s) const noexcept;

  alert_options options_;
  mutable detail::mutex mu_;
  std::array<state, 3> states_ MEMBOUND_GUARDED_BY(mu_);
  boost::circular_buffer<alert_event> ring_ MEMBOUND_GUARDED_BY(mu_);  // the oldest is overwritten when full
  alert_stats stats_ MEMBOUND_GUARDED_BY(mu_);
  detail::event_channel<alert_event> channel_;
};

// JSON {"active": "critical"|null, "stats": {...}, "alerts": [oldest first]}; Prometheus:
// membound_alert_active{severity} (0/1), membound_alerts_fired_total{severity}… as documented in
// docs/operations.md.
std::string to_json(const alert_manager& alerts);
std::string to_prometheus(const alert_manager& alerts);

}  // namespace membound
