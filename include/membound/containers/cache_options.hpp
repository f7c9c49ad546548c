// cache_options: the configuration of a concurrent_cache (and of its lru_cache alias).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "membound/clock.hpp"

namespace membound {

// Configuration of a concurrent_cache. Validated by the cache's constructor, which throws
// std::invalid_argument naming the offending field:
//   - max_entries == 0 && max_bytes == 0   ("max_entries": the cache needs at least one bound)
//   - min_entries > max_entries (when max_entries > 0), min_bytes > max_bytes (when max_bytes > 0)
//   - shards set explicitly to 0, or to more than max_entries (when max_entries > 0)
//   - ttl < 0
struct cache_options {
  // Name for logs, metrics and shrinkable::name().
  std::string name = "cache";
  // Hard limit on the number of entries (0 = no entry limit; then max_bytes must be set).
  std::size_t max_entries = 0;
  // Hard limit on the bytes charged to entries (0 = no byte limit). An entry is charged
  // Weigher(key, value) + the cache's fixed per-entry overhead (see concurrent_cache).
  std::size_t max_bytes = 0;
  // Pressure never lowers the entry capacity below this (CRITICAL shrinks to it).
  std::size_t min_entries = 0;
  // Pressure never lowers the byte capacity below this (only meaningful with max_bytes).
  std::size_t min_bytes = 0;
  // Time to live after each put (0 = entries never expire). Expired entries read as misses.
  std::chrono::nanoseconds ttl{0};
  // Number of shards. Unset = automatic: the smallest power of two >= 4 × hardware threads, halved
  // while a shard would get fewer than 64 entries (or 16 KiB when only max_bytes is set).
  std::optional<std::size_t> shards;
  // Time source for TTLs (empty = steady_clock). Tests pass a fake clock.
  clock_fn clock;
};

}  // namespace membound
