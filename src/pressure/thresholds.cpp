#include "membound/pressure/thresholds.hpp"

#include <cmath>

#include "membound/detail/throw.hpp"

namespace membound {
namespace {

void check_ratio(double value, const char* field) {
  if (!std::isfinite(value) || value <= 0.0 || value > 1.0) {
    detail::throw_invalid_argument("pressure_thresholds", field, "must be in (0, 1]");
  }
}

}  // namespace

void pressure_thresholds::validate() const {
  check_ratio(elevated, "elevated");
  check_ratio(high, "high");
  check_ratio(critical, "critical");
  if (!(elevated < high)) {
    detail::throw_invalid_argument("pressure_thresholds", "high", "must be greater than elevated");
  }
  if (!(high < critical)) {
    detail::throw_invalid_argument("pressure_thresholds", "critical", "must be greater than high");
  }
  if (!std::isfinite(recovery_margin) || recovery_margin < 0.0) {
    detail::throw_invalid_argument("pressure_thresholds", "recovery_margin", "must be >= 0");
  }
  if (recovery_margin >= elevated) {
    detail::throw_invalid_argument("pressure_thresholds", "recovery_margin",
                                   "must be smaller than elevated");
  }
  if (dwell.count() < 0) {
    detail::throw_invalid_argument("pressure_thresholds", "dwell", "must not be negative");
  }
  if (!std::isfinite(psi_some_escalate) || psi_some_escalate <= 0.0 || psi_some_escalate > 100.0) {
    detail::throw_invalid_argument("pressure_thresholds", "psi_some_escalate", "must be in (0, 100]");
  }
  if (!std::isfinite(psi_full_critical) || psi_full_critical <= 0.0 || psi_full_critical > 100.0) {
    detail::throw_invalid_argument("pressure_thresholds", "psi_full_critical", "must be in (0, 100]");
  }
}

}  // namespace membound
