// pressure_thresholds: where the levels begin, and how the classifier steps back down.
#pragma once

#include <chrono>

#include "membound/pressure/level.hpp"

namespace membound {

// Entry ratios (used / limit) of each level, with hysteresis for stepping down: a level is left
// only after the ratio stayed below `entry − recovery_margin` for `dwell`, one level at a time.
// PSI only escalates: some avg10 ≥ psi_some_escalate raises the level by one step, full avg10 ≥
// psi_full_critical forces CRITICAL.
//
// A plain value type: thread-compatible; validate() has the strong guarantee.
struct pressure_thresholds {
  double elevated = 0.60;
  double high = 0.80;
  double critical = 0.90;
  double recovery_margin = 0.05;
  std::chrono::milliseconds dwell{10'000};
  double psi_some_escalate = 10.0;  // percent, PSI "some avg10"
  double psi_full_critical = 10.0;  // percent, PSI "full avg10"

  // Throws: std::invalid_argument naming the field when the entry ratios are not strictly
  // increasing, outside (0, 1], the margin is negative or not below `elevated`, the dwell is
  // negative, or a PSI threshold is outside (0, 100].
  void validate() const;

  // Returns the entry ratio of `level` (0 for normal).
  double entry(pressure_level level) const noexcept {
    switch (level) {
      case pressure_level::elevated: return elevated;
      case pressure_level::high: return high;
      case pressure_level::critical: return critical;
      default: return 0.0;
    }
  }
};

}  // namespace membound
