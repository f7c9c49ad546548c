// pressure_level: how much memory pressure the process is under.
#pragma once

#include <cstdint>
#include <string_view>

namespace membound {

// The four levels, in escalating order: compare with <, >=.
//   normal   – below the ELEVATED threshold; containers may regrow.
//   elevated – containers keep 75 % of their configured capacity.
//   high     – containers keep 50 %.
//   critical – containers drop to their minimum.
enum class pressure_level : std::uint8_t { normal = 0, elevated = 1, high = 2, critical = 3 };

// Returns "normal", "elevated", "high" or "critical" (static storage).
constexpr std::string_view to_string(pressure_level level) noexcept {
  switch (level) {
    case pressure_level::normal: return "normal";
    case pressure_level::elevated: return "elevated";
    case pressure_level::high: return "high";
    case pressure_level::critical: return "critical";
  }
  return "unknown";
}

// Returns the level one step up (critical stays critical) or down (normal stays normal).
constexpr pressure_level step_up(pressure_level level) noexcept {
  return level == pressure_level::critical ? level
                                           : static_cast<pressure_level>(static_cast<int>(level) + 1);
}
constexpr pressure_level step_down(pressure_level level) noexcept {
  return level == pressure_level::normal ? level
                                         : static_cast<pressure_level>(static_cast<int>(level) - 1);
}

}  // namespace membound
