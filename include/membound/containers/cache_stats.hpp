// cache_stats: a snapshot of a concurrent_cache's counters.
#pragma once

#include <cstdint>

namespace membound {

// Counters since construction (clear() does not reset them). Hits and misses are kept per thread
// and summed when read, so a snapshot taken while other threads run is approximate (each counter
// is exact once those threads are quiescent).
struct cache_stats {
  std::uint64_t hits = 0;                // get/get_or_load calls that found a live entry
  std::uint64_t misses = 0;              // get/get_or_load calls that did not (expired included)
  std::uint64_t inserts = 0;             // new entries stored (put and loads)
  std::uint64_t updates = 0;             // puts that replaced an existing entry's value
  std::uint64_t rejected = 0;            // puts not stored: heavier than the whole capacity
  std::uint64_t evictions = 0;           // removed by the policy to make room (capacity)
  std::uint64_t expirations = 0;         // removed because their TTL had passed
  std::uint64_t pressure_evictions = 0;  // removed by shrink()
  std::uint64_t loads = 0;               // loader calls made by get_or_load
  std::uint64_t load_failures = 0;       // loader calls that threw
  std::uint64_t size = 0;                // entries held now
  std::uint64_t capacity = 0;            // current entry capacity (byte capacity if no entry limit)
  std::uint64_t configured_capacity = 0;  // the capacity regrow() returns to
  std::uint64_t capacity_bytes = 0;      // current byte capacity (0 = no byte limit)
  std::uint64_t charged_bytes = 0;       // bytes charged to entries (byte-limited caches)
  std::uint64_t bytes = 0;               // memory_bytes(): estimated footprint, overhead included

  // Returns hits / (hits + misses), or 0 when nothing was read.
  double hit_rate() const noexcept {
    const std::uint64_t total = hits + misses;
    return total == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(total);
  }
};

}  // namespace membound
