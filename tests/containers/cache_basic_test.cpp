// concurrent_cache: API behaviour on one thread, bad configuration, TTL, byte limits.
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "membound/containers/concurrent_cache.hpp"
#include "membound/containers/lru_cache.hpp"
#include "membound/detail/cache_epoch.hpp"
#include "membound/detail/cache_table.hpp"
#include "membound/membound.hpp"
#include "membound/policy/sieve.hpp"
#include "support/fake_clock.hpp"

namespace {

using membound::cache_options;
using membound::concurrent_cache;
using membound::lru_cache;

cache_options entries(std::size_t n, std::size_t shards = 1) {
  cache_options o;
  o.max_entries = n;
  o.shards = shards;
  return o;
}

// Returns the message of the std::invalid_argument that constructing with `o` throws.
std::string bad_config_message(const cache_options& o) {
  try {
    lru_cache<int, int> c(o);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no exception";
}

TEST(CacheTest, PutThenGetReturnsTheValue) {
  lru_cache<std::uint64_t, std::string> c(entries(10));
  EXPECT_FALSE(c.get(1).has_value());
  c.put(1, "one");
  ASSERT_TRUE(c.get(1).has_value());
  EXPECT_EQ(*c.get(1), "one");
  c.put(1, "uno");
  EXPECT_EQ(*c.get(1), "uno");
  EXPECT_EQ(c.size(), 1u);
  EXPECT_TRUE(c.contains(1));
  EXPECT_FALSE(c.contains(2));
  const auto st = c.stats();
  EXPECT_EQ(st.hits, 3u);
  EXPECT_EQ(st.misses, 1u);
  EXPECT_EQ(st.inserts, 1u);
  EXPECT_EQ(st.updates, 1u);
  EXPECT_DOUBLE_EQ(st.hit_rate(), 0.75);
}

TEST(CacheTest, EraseRemovesOnlyThatKey) {
  lru_cache<int, int> c(entries(10));
  c.put(1, 10);
  c.put(2, 20);
  EXPECT_TRUE(c.erase(1));
  EXPECT_FALSE(c.erase(1));
  EXPECT_FALSE(c.get(1).has_value());
  EXPECT_EQ(c.get(2).value_or(0), 20);
  EXPECT_EQ(c.size(), 1u);
}

TEST(CacheTest, LruEvictsTheLeastRecentlyUsed) {
  lru_cache<int, int> c(entries(3));
  c.put(1, 1);
  c.put(2, 2);
  c.put(3, 3);
  ASSERT_TRUE(c.get(1));  // 2 is now the least recently used
  c.put(4, 4);
  EXPECT_TRUE(c.contains(1));
  EXPECT_FALSE(c.contains(2));
  EXPECT_TRUE(c.contains(3));
  EXPECT_TRUE(c.contains(4));
  EXPECT_EQ(c.size(), 3u);
  EXPECT_EQ(c.stats().evictions, 1u);
}

TEST(CacheTest, SieveKeepsVisitedEntries) {
  concurrent_cache<int, int, membound::policy::sieve> c(entries(3));
  c.put(1, 1);
  c.put(2, 2);
  c.put(3, 3);
  ASSERT_TRUE(c.get(1));  // visited: survives the next eviction
  c.put(4, 4);
  EXPECT_TRUE(c.contains(1));
  EXPECT_FALSE(c.contains(2));
  EXPECT_EQ(c.size(), 3u);
}

TEST(CacheTest, EntryLimitHoldsAcrossShards) {
  lru_cache<int, int> c(entries(100, 8));
  for (int i = 0; i < 10'000; ++i) {
    c.put(i, i);
    ASSERT_LE(c.size(), 100u);
  }
  EXPECT_EQ(c.capacity(), 100u);
  EXPECT_EQ(c.size(), 100u);  // every shard is full (hash spread), shares sum to 100
}

TEST(CacheTest, ClearEmptiesButKeepsCapacity) {
  lru_cache<int, int> c(entries(50, 4));
  for (int i = 0; i < 50; ++i) c.put(i, i);
  c.clear();
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.capacity(), 50u);
  EXPECT_FALSE(c.get(3));
  for (int i = 0; i < 50; ++i) c.put(i, i);
  EXPECT_LE(c.size(), 50u);
  EXPECT_EQ(c.stats().evictions, 0u + c.stats().evictions);  // clear is not an eviction
}

TEST(CacheTest, GetOrLoadCallsTheLoaderOnlyOnAMiss) {
  lru_cache<int, std::string> c(entries(10));
  int calls = 0;
  auto loader = [&] {
    ++calls;
    return std::string("loaded");
  };
  EXPECT_EQ(c.get_or_load(7, loader), "loaded");
  EXPECT_EQ(c.get_or_load(7, loader), "loaded");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(c.get_or_load(8, [](int k) { return std::to_string(k); }), "8");
  const auto st = c.stats();
  EXPECT_EQ(st.loads, 2u);
  EXPECT_EQ(st.hits, 1u);
  EXPECT_EQ(st.misses, 2u);
}

TEST(CacheTest, ThrowingLoaderCachesNothing) {
  lru_cache<int, int> c(entries(10));
  EXPECT_THROW(c.get_or_load(1, []() -> int { throw std::runtime_error("boom"); }),
               std::runtime_error);
  EXPECT_FALSE(c.contains(1));
  EXPECT_EQ(c.stats().load_failures, 1u);
  EXPECT_EQ(c.get_or_load(1, [] { return 5; }), 5);
}

TEST(CacheTest, RejectsBadConfigurationNamingTheField) {
  cache_options none;
  EXPECT_NE(bad_config_message(none).find("max_entries"), std::string::npos);

  cache_options min_over = entries(10);
  min_over.min_entries = 11;
  EXPECT_NE(bad_config_message(min_over).find("min_entries"), std::string::npos);

  cache_options zero_shards = entries(10);
  zero_shards.shards = 0;
  EXPECT_NE(bad_config_message(zero_shards).find("shards"), std::string::npos);

  cache_options negative_ttl = entries(10);
  negative_ttl.ttl = std::chrono::seconds(-1);
  EXPECT_NE(bad_config_message(negative_ttl).find("ttl"), std::string::npos);

  cache_options bytes_min;
  bytes_min.max_bytes = 100;
  bytes_min.min_bytes = 200;
  EXPECT_NE(bad_config_message(bytes_min).find("min_bytes"), std::string::npos);

  cache_options fine = entries(10);
  fine.shards.reset();  // automatic
  EXPECT_NO_THROW((lru_cache<int, int>(fine)));
}

TEST(CacheTest, AutomaticShardsKeepAtLeast64EntriesEach) {
  cache_options o;
  o.max_entries = 100;
  lru_cache<int, int> small(o);
  EXPECT_EQ(small.shard_count(), 1u);
  o.max_entries = 1 << 20;
  lru_cache<int, int> big(o);
  EXPECT_GE(big.shard_count(), 4u);
  EXPECT_EQ(big.shard_count() & (big.shard_count() - 1), 0u);  // a power of two
}

TEST(CacheTest, ExpiredEntriesAreMissesAndCountAsExpirations) {
  membound::test::fake_clock clock;
  cache_options o = entries(10);
  o.ttl = std::chrono::seconds(5);
  o.clock = clock.fn();
  lru_cache<int, int> c(o);
  c.put(1, 1);
  clock.advance(std::chrono::seconds(4));
  EXPECT_TRUE(c.get(1));
  c.put(2, 2);
  clock.advance(std::chrono::seconds(1));  // 1 expires now (5 s after its put)
  EXPECT_FALSE(c.get(1));
  EXPECT_FALSE(c.contains(1));
  EXPECT_TRUE(c.contains(2));
  EXPECT_EQ(c.stats().expirations, 1u);
  EXPECT_EQ(c.size(), 1u);
  c.put(1, 11);  // a new put restarts the TTL
  clock.advance(std::chrono::seconds(4));
  EXPECT_EQ(c.get(1).value_or(0), 11);
  EXPECT_FALSE(c.get(2));
  EXPECT_EQ(c.get_or_load(2, [] { return 22; }), 22);
  EXPECT_EQ(c.stats().expirations, 2u);
}

TEST(CacheTest, UpdatingALiveEntryRestartsItsTtl) {
  membound::test::fake_clock clock;
  cache_options o = entries(10);
  o.ttl = std::chrono::seconds(5);
  o.clock = clock.fn();
  lru_cache<int, std::uint64_t> in_place(o);  // small trivially copyable: updated in place
  lru_cache<int, std::string> replaced(o);    // updated by publishing a new node
  in_place.put(3, 3);
  replaced.put(3, "3");
  clock.advance(std::chrono::seconds(4));
  in_place.put(3, 33);
  replaced.put(3, "33");
  clock.advance(std::chrono::seconds(4));  // 8 s after the first put, 4 s after the update
  EXPECT_EQ(in_place.get(3).value_or(0), 33u);
  EXPECT_EQ(replaced.get(3).value_or(""), "33");
  clock.advance(std::chrono::seconds(1));
  EXPECT_FALSE(in_place.get(3));
  EXPECT_FALSE(replaced.get(3));
  EXPECT_EQ(in_place.stats().updates, 1u);
  EXPECT_EQ(in_place.stats().expirations, 1u);
}

TEST(CacheTest, ByteLimitChargesWeightPlusOverhead) {
  cache_options o;
  o.max_bytes = 10'000;
  o.shards = 1;
  auto weigh = [](const int&, const std::string& v) { return v.size(); };
  concurrent_cache<int, std::string, membound::policy::lru, std::hash<int>, decltype(weigh)> c(
      o, {}, weigh);
  const std::size_t per = 100 + c.entry_overhead_bytes();
  for (int i = 0; i < 1000; ++i) {
    c.put(i, std::string(100, 'x'));
    ASSERT_LE(c.stats().charged_bytes, 10'000u);
  }
  EXPECT_EQ(c.size(), 10'000 / per);
  EXPECT_EQ(c.stats().charged_bytes, c.size() * per);
  // An entry heavier than the whole capacity is not stored.
  c.put(-1, std::string(20'000, 'y'));
  EXPECT_FALSE(c.contains(-1));
  EXPECT_EQ(c.stats().rejected, 1u);
  EXPECT_EQ(c.capacity(), 10'000u);
  EXPECT_EQ(c.capacity_bytes(), 10'000u);
}

TEST(CacheTest, InPlaceUpdatesRechargeTheEntry) {
  cache_options o;
  o.max_bytes = 100'000;
  o.shards = 1;
  auto weigh = [](const int&, const std::uint64_t& v) { return v; };  // the value is its weight
  concurrent_cache<int, std::uint64_t, membound::policy::lru, std::hash<int>, decltype(weigh)> c(
      o, {}, weigh);
  const std::size_t overhead = c.entry_overhead_bytes();
  c.put(1, 300);
  EXPECT_EQ(c.stats().charged_bytes, 300 + overhead);
  c.put(1, 5'000);  // updated in place (trivially copyable, 8 bytes), charged more
  EXPECT_EQ(c.stats().charged_bytes, 5'000 + overhead);
  EXPECT_EQ(c.get(1).value_or(0), 5'000u);
  const std::size_t with_entry = c.memory_bytes();
  EXPECT_TRUE(c.erase(1));
  EXPECT_EQ(c.stats().charged_bytes, 0u);
  EXPECT_LT(c.memory_bytes(), with_entry + 4096);  // no underflow from a stale footprint
  c.put(2, 200'000);  // heavier than the whole capacity
  EXPECT_FALSE(c.contains(2));
}

// Another thread that read the shard a lot became its drainer and exited: the next thread using
// the shard alone takes over and from then on every hit reaches the policy, in order.
TEST(CacheTest, ThreadUsingAShardAloneTakesOverFromAnIdleDrainer) {
  constexpr int n = 32;
  lru_cache<int, int> c(entries(n));
  for (int k = 0; k < n; ++k) c.put(k, k);
  std::thread other([&c] {
    for (int i = 0; i < 10'000; ++i) ASSERT_TRUE(c.get(i % n).has_value());
  });
  other.join();
  for (int i = 0; i < 10'000; ++i) ASSERT_TRUE(c.get(i % n).has_value());  // takes over
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(c.get(0).has_value());        // 0 most recent
  for (int k = 1; k < n; ++k) ASSERT_TRUE(c.get(k).has_value());          // then 0 least
  c.put(n, n);
  EXPECT_FALSE(c.contains(0));
  for (int k = 1; k <= n; ++k) EXPECT_TRUE(c.contains(k)) << k;
}

// Updates of present keys with in-place values skip the lock but count, read back and refresh
// the entry like a hit.
TEST(CacheTest, InPlaceUpdatesCountReadBackAndRefreshRecency) {
  lru_cache<int, std::uint64_t> c(entries(3));
  c.put(1, 10);
  c.put(2, 20);
  c.put(3, 30);
  c.put(1, 11);  // 1 becomes most recent: 2 is now the victim
  EXPECT_EQ(c.stats().updates, 1u);
  EXPECT_EQ(c.get(1), 11u);
  c.put(4, 40);
  EXPECT_FALSE(c.contains(2));
  EXPECT_TRUE(c.contains(1));
  EXPECT_TRUE(c.contains(3));
  c.erase(1);
  c.put(1, 12);  // absent again: a plain insert
  EXPECT_EQ(c.get(1), 12u);
  EXPECT_EQ(c.stats().updates, 1u);
}

// The index's 1-byte tag may be 0, the value an empty slot's tag also has (the slot's word tells
// them apart). Keys with tag 0 are found, updated, erased and reinserted like any other, beside
// keys with other tags in the same groups.
TEST(CacheTest, KeysWhoseIndexTagIsZeroBehaveLikeAnyOther) {
  std::vector<std::uint64_t> zero, other;
  for (std::uint64_t k = 1; zero.size() < 300 || other.size() < 300; ++k) {
    const std::uint64_t h = membound::detail::mix_hash(std::hash<std::uint64_t>{}(k));
    auto& v = membound::detail::cache_table::tag_of(h) == 0 ? zero : other;
    if (v.size() < 300) v.push_back(k);
  }
  concurrent_cache<std::uint64_t, std::uint64_t, membound::policy::sieve> c(entries(1000));
  for (std::size_t i = 0; i < 300; ++i) {
    c.put(zero[i], zero[i] + 1);
    c.put(other[i], other[i] + 1);
  }
  for (std::size_t i = 0; i < 300; ++i) {
    EXPECT_EQ(c.get(zero[i]), zero[i] + 1) << zero[i];
    EXPECT_EQ(c.get(other[i]), other[i] + 1) << other[i];
  }
  for (std::size_t i = 0; i < 300; i += 2) EXPECT_TRUE(c.erase(zero[i]));
  for (std::size_t i = 0; i < 300; ++i) {
    EXPECT_EQ(c.contains(zero[i]), i % 2 == 1) << zero[i];
    EXPECT_TRUE(c.contains(other[i])) << other[i];
  }
  for (std::size_t i = 0; i < 300; i += 2) c.put(zero[i], 7);  // back into the freed slots
  for (std::size_t i = 1; i < 300; i += 2) c.put(zero[i], 8);  // in-place updates
  for (std::size_t i = 0; i < 300; ++i) EXPECT_EQ(c.get(zero[i]), i % 2 == 0 ? 7u : 8u);
  EXPECT_EQ(c.size(), 600u);
  const auto st = c.stats();
  EXPECT_EQ(st.hits, 900u);
  EXPECT_EQ(st.misses, 0u);
}

// get()'s fast path needs the thread to have used this cache last and the cache to have no TTL.
// A thread's first get, gets alternating between two caches, and gets of a TTL cache take the
// slow path, with the same results and stats.
TEST(CacheTest, GetsFromNewThreadsAlternatingCachesAndTtlCachesAgree) {
  lru_cache<int, int> a(entries(10));
  lru_cache<int, int> b(entries(10));
  cache_options timed = entries(10);
  timed.ttl = std::chrono::hours(1);
  lru_cache<int, int> t(timed);
  a.put(1, 10);
  b.put(1, 20);
  t.put(1, 30);
  std::thread fresh([&] {  // its very first read of any cache is a get hit
    EXPECT_EQ(a.get(1), 10);
    EXPECT_EQ(a.get(2), std::nullopt);
  });
  fresh.join();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(a.get(1), 10);
    EXPECT_EQ(b.get(1), 20);
    EXPECT_EQ(t.get(1), 30);
    EXPECT_EQ(t.get(1), 30);
  }
  EXPECT_EQ(a.stats().hits, 6u);
  EXPECT_EQ(a.stats().misses, 1u);
  EXPECT_EQ(b.stats().hits, 5u);
  EXPECT_EQ(t.stats().hits, 10u);
}

// A value whose copy reads another cache twice (the second get takes the fast path, with its bare
// enter/exit pair): the inner read sections nest inside the outer one and must leave the outer
// one's epoch announced; once all end, the thread has no epoch announced (reclamation is not
// blocked).
struct reads_on_copy {
  static inline lru_cache<int, std::uint64_t>* inner = nullptr;
  static inline std::vector<std::uint64_t> epochs;  // announced after the inner gets, per copy
  int v = 0;
  explicit reads_on_copy(int x) : v(x) {}
  reads_on_copy(const reads_on_copy& o) : v(o.v) {
    if (inner == nullptr) return;
    EXPECT_EQ(inner->get(1), 1u);
    EXPECT_EQ(inner->get(1), 1u);
    epochs.push_back(membound::detail::this_thread_slot().epoch.load());
  }
  reads_on_copy& operator=(const reads_on_copy&) = default;
};
TEST(CacheTest, ReadSectionsNestAndEndWithNoEpochAnnounced) {
  lru_cache<int, std::uint64_t> inner(entries(10));
  inner.put(1, 1);
  lru_cache<int, reads_on_copy> outer(entries(10));
  outer.put(1, reads_on_copy(5));
  reads_on_copy::inner = &inner;
  reads_on_copy::epochs.clear();
  const std::optional<reads_on_copy> got = outer.get(1);
  reads_on_copy::inner = nullptr;
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->v, 5);
  ASSERT_FALSE(reads_on_copy::epochs.empty());
  EXPECT_NE(reads_on_copy::epochs[0], 0u);  // the first copy runs inside outer's read section
  EXPECT_EQ(membound::detail::this_thread_slot().epoch.load(), 0u);
  EXPECT_GE(inner.stats().hits, 2u);
}

TEST(CacheTest, ShrinkableSnapshotReportsKindCache) {
  cache_options o = entries(10);
  o.name = "users";
  lru_cache<int, int> c(o);
  c.put(1, 1);
  membound::shrinkable& s = c;
  EXPECT_EQ(s.name(), "users");
  const auto snap = s.stats_snapshot();
  EXPECT_EQ(snap.kind, "cache");
  EXPECT_EQ(snap.name, "users");
  EXPECT_EQ(snap.size, 1u);
  EXPECT_EQ(snap.capacity, 10u);
  EXPECT_EQ(snap.configured_capacity, 10u);
  EXPECT_GT(snap.bytes, 0u);
}

}  // namespace
