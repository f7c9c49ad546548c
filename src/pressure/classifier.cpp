#include "membound/pressure/classifier.hpp"

namespace membound {

pressure_classifier::pressure_classifier(const pressure_thresholds& thresholds)
    : thresholds_(thresholds) {
  thresholds_.validate();
}

pressure_level pressure_classifier::raw_level(const memory_sample& sample) const noexcept {
  const double ratio = sample.ratio();
  pressure_level level = pressure_level::normal;
  if (ratio >= thresholds_.critical) {
    level = pressure_level::critical;
  } else if (ratio >= thresholds_.high) {
    level = pressure_level::high;
  } else if (ratio >= thresholds_.elevated) {
    level = pressure_level::elevated;
  }
  // PSI only ever raises the ratio's level: "some" stalls by one step, "full" stalls to CRITICAL.
  if (sample.psi_full_avg10 && *sample.psi_full_avg10 >= thresholds_.psi_full_critical) {
    return pressure_level::critical;
  }
  if (sample.psi_some_avg10 && *sample.psi_some_avg10 >= thresholds_.psi_some_escalate) {
    level = step_up(level);
  }
  return level;
}

pressure_level pressure_classifier::update(const memory_sample& sample) noexcept {
  const pressure_level raw = raw_level(sample);
  if (raw > level_) {  // escalation is immediate, possibly by several steps
    level_ = raw;
    below_since_.reset();
    return level_;
  }
  if (level_ == pressure_level::normal) {
    return level_;
  }
  // Stepping down: the ratio must be below the current level's exit line, and PSI (through
  // `raw`) must not hold the level up, continuously for `dwell`.
  const double exit_line = thresholds_.entry(level_) - thresholds_.recovery_margin;
  const bool below = sample.ratio() < exit_line && raw < level_;
  if (!below) {
    below_since_.reset();  // noise back above the exit line restarts the dwell
    return level_;
  }
  if (!below_since_) {
    below_since_ = sample.time;
  }
  if (sample.time - *below_since_ >= thresholds_.dwell) {
    level_ = step_down(level_);
    // One level at a time: the next step needs its own full dwell, counted from now.
    below_since_ = sample.time;
  }
  return level_;
}

void pressure_classifier::reset() noexcept {
  level_ = pressure_level::normal;
  below_since_.reset();
}

}  // namespace membound
