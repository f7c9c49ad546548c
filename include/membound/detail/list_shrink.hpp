// The capacity arithmetic of shrinkable.hpp's rule, shared by bounded_list and object_registry.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "membound/containers/shrinkable.hpp"

namespace membound::detail {

// Returns the capacity after `request`:
//   max(minimum, min(current, floor(base × keep_fraction)))
// with base = current when request.relative_to_current, else configured. keep_fraction ≤ 0 (or
// NaN) means "down to the minimum"; ≥ 1 keeps the base. Never returns more than `current` (a
// shrink never grows), and never less than min(minimum, current).
inline std::size_t shrink_target(std::size_t current, std::size_t configured, std::size_t minimum,
                                 const shrink_request& request) noexcept {
  const double keep = request.keep_fraction;
  std::size_t target = minimum;
  if (keep > 0.0) {  // false for NaN as well
    const std::size_t base = request.relative_to_current ? current : configured;
    const double scaled = std::floor(static_cast<double>(base) * std::min(keep, 1.0));
    target = std::max(minimum, std::min(base, static_cast<std::size_t>(scaled)));
  }
  return std::min(current, target);
}

// Returns the capacity after one regrow step of step_fraction × configured (at least 1 when the
// step is positive), never above configured. A non-positive or NaN step changes nothing.
inline std::size_t regrow_target(std::size_t current, std::size_t configured,
                                 double step_fraction) noexcept {
  if (!(step_fraction > 0.0) || current >= configured) return current;
  const double scaled = std::floor(static_cast<double>(configured) * std::min(step_fraction, 1.0));
  const std::size_t step = std::max<std::size_t>(1, static_cast<std::size_t>(scaled));
  return configured - current <= step ? configured : current + step;
}

}  // namespace membound::detail
