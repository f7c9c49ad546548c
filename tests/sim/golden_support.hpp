// Shared helpers of the golden tests: locate and load a trace from MEMBOUND_TRACES_DIR.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <utility>

#include "membound/sim/sim.hpp"

namespace membound::sim::testing {

// Loads `relative` (under the traces dir) once per process; nullptr when the dir is missing.
inline const trace* golden_trace(const std::string& relative, trace_format format) {
  static std::map<std::string, trace> cache;
  const auto it = cache.find(relative);
  if (it != cache.end()) return &it->second;
  const std::filesystem::path path = std::filesystem::path(MEMBOUND_TRACES_DIR) / relative;
  if (!std::filesystem::exists(path)) return nullptr;
  trace_options o;
  o.format = format;
  load_result r = load_trace(path.string(), o);
  EXPECT_TRUE(r.ok()) << r.error;
  if (!r.ok()) return nullptr;
  r.value.compute_next_access();
  return &cache.emplace(relative, std::move(r.value)).first->second;
}

#define MEMBOUND_GOLDEN_TRACE(var, relative, format)                                            \
  const ::membound::sim::trace* var = ::membound::sim::testing::golden_trace(relative, format); \
  if (var == nullptr) GTEST_SKIP() << "trace " << relative << " not found under " << MEMBOUND_TRACES_DIR

// Hit ratio in percent.
inline double hit_pct(const trace& t, const std::string& policy, std::uint64_t entries) {
  return 100.0 * simulate(t, policy, {entries, capacity_unit::entries}).hit_ratio();
}

}  // namespace membound::sim::testing
