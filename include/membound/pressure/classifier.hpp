// pressure_classifier: turns samples into levels with hysteresis. Pure and deterministic given
// (sample, time): no clock of its own, no I/O.
#pragma once

#include <optional>

#include "membound/clock.hpp"
#include "membound/pressure/level.hpp"
#include "membound/pressure/sample.hpp"
#include "membound/pressure/thresholds.hpp"

namespace membound {

// Escalation is immediate (to the highest level whose entry ratio the sample reaches, and PSI may
// raise it further); stepping down is one level at a time, only after the ratio stayed below
// `entry(current) − recovery_margin` for `dwell` (measured from sample times). PSI never lowers a
// level and never blocks a step down by itself unless it is above its escalation threshold.
//
// Complexity: O(1) per sample. Thread-compatible. update() does not throw.
class pressure_classifier {
 public:
  // Throws: std::invalid_argument from thresholds.validate().
  explicit pressure_classifier(const pressure_thresholds& thresholds = {});

  // Feeds one sample (taken at sample.time) and returns the level after it.
  pressure_level update(const memory_sample& sample) noexcept;

  // Returns the level a sample maps to with no hysteresis (ratio and PSI only).
  pressure_level raw_level(const memory_sample& sample) const noexcept;

  pressure_level level() const noexcept { return level_; }
  const pressure_thresholds& thresholds() const noexcept { return thresholds_; }

  // Returns to NORMAL and forgets the dwell timer.
  void reset() noexcept;

 private:
  pressure_thresholds thresholds_;
  pressure_level level_ = pressure_level::normal;
  std::optional<time_point> below_since_;  // when the ratio last went below the exit line
};

}  // namespace membound
