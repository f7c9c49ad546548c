// concurrent_cache as a shrinkable: reaction to pressure levels, regrowth, memory accounting.
#include <malloc.h>

#include <cstdint>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "membound/containers/concurrent_cache.hpp"
#include "membound/containers/lru_cache.hpp"
#include "membound/policy/sieve.hpp"

namespace {

using membound::cache_options;
using membound::concurrent_cache;
using membound::lru_cache;
using membound::pressure_level;
using membound::shrink_request;

shrink_request request(pressure_level level, double keep, bool relative = false) {
  shrink_request r;
  r.level = level;
  r.keep_fraction = keep;
  r.relative_to_current = relative;
  return r;
}

// Fills every shard to its share (many more distinct keys than the capacity).
template <class Cache>
void fill(Cache& c, std::uint64_t first, std::uint64_t count) {
  for (std::uint64_t k = first; k < first + count; ++k) c.put(k, k);
}

TEST(CacheShrinkTest, LevelsShrinkCapacityTo75And50PercentThenToTheMinimum) {
  cache_options o;
  o.max_entries = 1000;
  o.min_entries = 100;
  o.shards = 4;
  lru_cache<std::uint64_t, std::uint64_t> c(o);
  fill(c, 0, 20'000);
  ASSERT_EQ(c.size(), 1000u);
  const std::size_t slack = c.shard_count();  // ±1 entry per shard

  auto r = c.shrink(request(pressure_level::elevated, 0.75));
  EXPECT_EQ(c.capacity(), 750u);
  EXPECT_NEAR(static_cast<double>(c.size()), 750.0, static_cast<double>(slack));
  EXPECT_EQ(r.entries, 1000u - c.size());
  EXPECT_GT(r.bytes, 0u);

  c.shrink(request(pressure_level::high, 0.50));
  EXPECT_EQ(c.capacity(), 500u);
  EXPECT_NEAR(static_cast<double>(c.size()), 500.0, static_cast<double>(slack));

  c.shrink(request(pressure_level::critical, 0.0));
  EXPECT_EQ(c.capacity(), 100u);
  EXPECT_NEAR(static_cast<double>(c.size()), 100.0, static_cast<double>(slack));
  EXPECT_EQ(c.stats().pressure_evictions, 1000u - c.size());
  EXPECT_EQ(c.stats().evictions, 20'000u - 1000u);  // capacity evictions are counted apart

  // The capacity, not only the contents, stays down: refilling does not grow past it.
  fill(c, 100'000, 5'000);
  EXPECT_EQ(c.size(), 100u);

  // NORMAL again: regrow in 5 % steps back to the configured capacity.
  int steps = 0;
  while (c.regrow(0.05)) ++steps;
  EXPECT_EQ(c.capacity(), 1000u);
  EXPECT_EQ(steps + 1, 18);  // 100 -> 1000 in steps of 50
  fill(c, 200'000, 20'000);
  EXPECT_EQ(c.size(), 1000u);
}

TEST(CacheShrinkTest, ShrinkNeverRaisesCapacityAndReappliesToTheCurrentCapacity) {
  cache_options o;
  o.max_entries = 1000;
  o.shards = 2;
  concurrent_cache<std::uint64_t, std::uint64_t, membound::policy::sieve> c(o);
  fill(c, 0, 10'000);
  c.shrink(request(pressure_level::high, 0.5));
  EXPECT_EQ(c.capacity(), 500u);
  c.shrink(request(pressure_level::elevated, 0.75));  // 750 > current 500: stays at 500
  EXPECT_EQ(c.capacity(), 500u);
  c.shrink(request(pressure_level::high, 0.5, /*relative=*/true));  // re-application
  EXPECT_EQ(c.capacity(), 250u);
  EXPECT_LE(c.size(), 250u);
  EXPECT_GE(c.size(), 248u);
}

TEST(CacheShrinkTest, ByteCapacityShrinksProportionally) {
  cache_options o;
  o.max_bytes = 1 << 20;
  o.shards = 2;
  lru_cache<std::uint64_t, std::string> c(o);
  for (std::uint64_t k = 0; k < 20'000; ++k) c.put(k, std::string(200, 'x'));
  const auto full = c.stats().charged_bytes;
  EXPECT_LE(full, std::uint64_t{1} << 20);
  EXPECT_GT(full, (std::uint64_t{1} << 20) * 9 / 10);
  c.shrink(request(pressure_level::high, 0.5));
  EXPECT_EQ(c.capacity_bytes(), std::size_t{1} << 19);
  EXPECT_LE(c.stats().charged_bytes, std::uint64_t{1} << 19);
  while (c.regrow(0.25)) {
  }
  EXPECT_EQ(c.capacity_bytes(), std::size_t{1} << 20);
}

TEST(CacheShrinkTest, ShrinkFreesMemory) {
  cache_options o;
  o.max_entries = 50'000;
  lru_cache<std::uint64_t, std::string> c(o);
  for (std::uint64_t k = 0; k < 50'000; ++k) c.put(k, std::string(100, 'x'));
  const std::size_t before = c.memory_bytes();
  c.shrink(request(pressure_level::critical, 0.0));
  EXPECT_EQ(c.size(), 0u);
  EXPECT_LT(c.memory_bytes(), before / 3);
}

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr bool sanitized = true;
#else
constexpr bool sanitized = false;
#endif

std::size_t heap_in_use() {
  const struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

// memory_bytes() within ±10 % of what malloc reports for the same cache.
template <class Key, class Value, class Make>
void expect_accounting_within_10_percent(std::size_t n, Make make) {
  if (sanitized) GTEST_SKIP() << "sanitizer allocators do not report through mallinfo2";
  cache_options o;
  o.max_entries = n;
  (void)make(0);  // warm up whatever the value construction allocates once
  const std::size_t before = heap_in_use();
  auto c = std::make_unique<lru_cache<Key, Value>>(o);
  for (std::size_t i = 0; i < n; ++i) c->put(static_cast<Key>(i), make(i));
  (void)c->get(static_cast<Key>(0));
  const std::size_t measured = heap_in_use() - before;
  const std::size_t estimated = c->memory_bytes();
  EXPECT_NEAR(static_cast<double>(estimated), static_cast<double>(measured),
              0.10 * static_cast<double>(measured))
      << "measured " << measured << " estimated " << estimated << " per entry "
      << static_cast<double>(measured) / static_cast<double>(n);
}

TEST(CacheShrinkTest, MemoryBytesMatchesMallocForU64Entries) {
  expect_accounting_within_10_percent<std::uint64_t, std::uint64_t>(
      200'000, [](std::size_t i) { return static_cast<std::uint64_t>(i); });
}

TEST(CacheShrinkTest, MemoryBytesMatchesMallocForStringEntries) {
  if (sanitized) GTEST_SKIP() << "sanitizer allocators do not report through mallinfo2";
  cache_options o;
  o.max_entries = 50'000;
  const std::size_t before = heap_in_use();
  auto c = std::make_unique<lru_cache<std::string, std::string>>(o);
  for (std::size_t i = 0; i < 50'000; ++i) c->put("key-" + std::to_string(i), std::string(100, 'v'));
  const std::size_t measured = heap_in_use() - before;
  const std::size_t estimated = c->memory_bytes();
  EXPECT_NEAR(static_cast<double>(estimated), static_cast<double>(measured),
              0.10 * static_cast<double>(measured))
      << "measured " << measured << " estimated " << estimated;
}

}  // namespace
