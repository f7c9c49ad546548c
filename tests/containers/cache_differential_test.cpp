// concurrent_cache against a single-threaded model over thousands of random operation sequences:
// LRU with one shard must reproduce the reference model's every result, hit and miss; other
// policies and shard counts must keep the limits and return what was last put.
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>

#include <gtest/gtest.h>

#include "membound/containers/concurrent_cache.hpp"
#include "membound/policy/lru.hpp"
#include "membound/policy/sieve.hpp"
#include "support/reference_lru.hpp"

namespace {

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr std::uint32_t seeds = 150;
#else
constexpr std::uint32_t seeds = 3000;
#endif
constexpr int ops_per_seed = 400;

using membound::cache_options;
using membound::concurrent_cache;

enum class op { get, put, erase, contains, get_or_load };

struct sequence {
  std::mt19937_64 rng;
  std::size_t capacity;
  int key_space;
  explicit sequence(std::uint32_t seed)
      : rng(seed),
        capacity(1 + rng() % 48),
        key_space(1 + static_cast<int>(rng() % (3 * capacity + 2))) {}
  op next_op() {
    const auto r = rng() % 100;
    if (r < 40) return op::get;
    if (r < 70) return op::put;
    if (r < 80) return op::erase;
    if (r < 90) return op::contains;
    return op::get_or_load;
  }
  int key() { return static_cast<int>(rng() % static_cast<std::uint64_t>(key_space)); }
  int value() { return static_cast<int>(rng() % 1'000'000); }
};

TEST(CacheDifferentialTest, LruWithOneShardMatchesTheReferenceModel) {
  for (std::uint32_t seed = 0; seed < seeds; ++seed) {
    sequence seq(seed);
    cache_options o;
    o.max_entries = seq.capacity;
    o.shards = 1;
    concurrent_cache<int, int, membound::policy::lru> cache(o);
    membound::test::reference_lru<int, int> model(seq.capacity);
    for (int i = 0; i < ops_per_seed; ++i) {
      const int k = seq.key();
      switch (seq.next_op()) {
        case op::get:
          ASSERT_EQ(cache.get(k), model.get(k)) << "seed " << seed << " op " << i;
          break;
        case op::put: {
          const int v = seq.value();
          cache.put(k, v);
          model.put(k, v);
          break;
        }
        case op::erase:
          ASSERT_EQ(cache.erase(k), model.erase(k)) << "seed " << seed << " op " << i;
          break;
        case op::contains:
          ASSERT_EQ(cache.contains(k), model.contains(k)) << "seed " << seed << " op " << i;
          break;
        case op::get_or_load: {
          const int v = seq.value();
          ASSERT_EQ(cache.get_or_load(k, [v] { return v; }), model.get_or_load(k, [v] { return v; }))
              << "seed " << seed << " op " << i;
          break;
        }
      }
      ASSERT_EQ(cache.size(), model.size()) << "seed " << seed << " op " << i;
    }
    const auto st = cache.stats();
    ASSERT_EQ(st.hits, model.hits) << "seed " << seed;
    ASSERT_EQ(st.misses, model.misses) << "seed " << seed;
    ASSERT_EQ(st.evictions, model.evictions) << "seed " << seed;
  }
}

// Checks limits and value freshness for any policy and shard count.
template <class Policy>
void check_limits_and_freshness(std::size_t shards) {
  for (std::uint32_t seed = 0; seed < seeds / 3; ++seed) {
    sequence seq(seed ^ 0x9e3779b9U);
    cache_options o;
    o.max_entries = std::max(seq.capacity, shards);
    o.shards = shards;
    concurrent_cache<int, int, Policy> cache(o);
    std::unordered_map<int, int> last;  // what was last stored for each key not erased since
    std::uint64_t gets = 0;
    for (int i = 0; i < ops_per_seed; ++i) {
      const int k = seq.key();
      switch (seq.next_op()) {
        case op::get: {
          ++gets;
          const std::optional<int> v = cache.get(k);
          if (v) {
            ASSERT_TRUE(last.count(k)) << "seed " << seed;
            ASSERT_EQ(*v, last[k]) << "seed " << seed;
          }
          break;
        }
        case op::put: {
          const int v = seq.value();
          cache.put(k, v);
          last[k] = v;
          break;
        }
        case op::erase:
          if (cache.erase(k)) {
            ASSERT_TRUE(last.count(k));
          }
          last.erase(k);
          break;
        case op::contains:
          if (cache.contains(k)) {
            ASSERT_TRUE(last.count(k));
          }
          break;
        case op::get_or_load: {
          ++gets;
          const int v = seq.value();
          const int got = cache.get_or_load(k, [v] { return v; });
          if (got != v) {
            ASSERT_EQ(got, last[k]) << "seed " << seed;
          }
          last[k] = got;
          break;
        }
      }
      ASSERT_LE(cache.size(), o.max_entries) << "seed " << seed;
    }
    const auto st = cache.stats();
    ASSERT_EQ(st.hits + st.misses, gets) << "seed " << seed;
  }
}

TEST(CacheDifferentialTest, SieveKeepsLimitsAndFreshValues) {
  check_limits_and_freshness<membound::policy::sieve>(1);
}

TEST(CacheDifferentialTest, ShardedLruKeepsLimitsAndFreshValues) {
  check_limits_and_freshness<membound::policy::lru>(4);
}

TEST(CacheDifferentialTest, ShardedSieveKeepsLimitsAndFreshValues) {
  check_limits_and_freshness<membound::policy::sieve>(3);
}

// Strings exercise non-trivial node destruction through reclamation.
TEST(CacheDifferentialTest, StringValuesMatchTheReferenceModel) {
  for (std::uint32_t seed = 0; seed < seeds / 10; ++seed) {
    sequence seq(seed + 77);
    cache_options o;
    o.max_entries = seq.capacity;
    o.shards = 1;
    concurrent_cache<std::string, std::string> cache(o);
    membound::test::reference_lru<std::string, std::string> model(seq.capacity);
    for (int i = 0; i < ops_per_seed; ++i) {
      const std::string k = "key-" + std::to_string(seq.key());
      if (seq.rng() % 2 == 0) {
        ASSERT_EQ(cache.get(k), model.get(k)) << "seed " << seed;
      } else {
        const std::string v(static_cast<std::size_t>(seq.rng() % 64), 'v');
        cache.put(k, v);
        model.put(k, v);
      }
    }
    ASSERT_EQ(cache.stats().hits, model.hits);
  }
}

}  // namespace
