// Every policy as concurrent_cache's Policy parameter: bounds hold, reads see the latest write,
// the hot set survives a scan where the policy is meant to keep it, threads can share a cache,
// and a one-shard cache used by one thread makes exactly the decisions of the policy driven
// directly (whichever way the cache records hits: ring replay, or marks for CLOCK and SIEVE).
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "membound/containers/concurrent_cache.hpp"
#include "membound/policy/policies.hpp"

namespace membound::policy {
namespace {

template <class P>
class PolicyInCacheTest : public ::testing::Test {};
using all = ::testing::Types<lru, fifo, clock, sieve, s3fifo, s3fifo_static, w_tinylfu, w_tinylfu_climber, arc, lirs, two_queue, slru, belady>;
TYPED_TEST_SUITE(PolicyInCacheTest, all);

TYPED_TEST(PolicyInCacheTest, StaysWithinMaxEntriesAndReadsTheLatestValue) {
  cache_options o;
  o.max_entries = 256;
  o.shards = 4;
  concurrent_cache<std::uint64_t, std::uint64_t, TypeParam> c(o);
  std::mt19937_64 rng(5);
  for (std::uint64_t i = 0; i < 20000; ++i) {
    const std::uint64_t k = rng() % 1500;
    if (const auto v = c.get(k)) {
      ASSERT_EQ(*v, k * 3) << TypeParam::name;
    } else {
      c.put(k, k * 3);
    }
    if (i % 97 == 0) c.erase(rng() % 1500);
    ASSERT_LE(c.size(), 256u) << TypeParam::name;
  }
  const auto st = c.stats();
  EXPECT_GT(st.hits, 0u) << TypeParam::name;
  EXPECT_GT(st.evictions, 0u) << TypeParam::name;
}

TYPED_TEST(PolicyInCacheTest, SharedAcrossThreads) {
  cache_options o;
  o.max_entries = 512;
  concurrent_cache<std::uint64_t, std::string, TypeParam> c(o);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&c, t] {
      std::mt19937_64 rng(static_cast<std::uint64_t>(t));
      for (int i = 0; i < 5000; ++i) {
        const std::uint64_t k = rng() % 2000;
        if (const auto v = c.get(k)) {
          EXPECT_EQ(*v, std::to_string(k));
        } else {
          c.put(k, std::to_string(k));
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(c.size(), 512u);
}

// The policy driven directly, as a single-threaded owner following policy.hpp's protocol, with
// the cache's hashes and its handle allocation (freed handles reused last-in first-out).
template <class P>
class direct_owner {
 public:
  explicit direct_owner(std::uint64_t capacity) : capacity_(capacity), policy_(capacity) {}

  bool get(std::uint64_t k) {
    const auto it = map_.find(k);
    if (it == map_.end()) return false;
    policy_.on_hit(it->second);
    return true;
  }
  void put(std::uint64_t k) {
    const auto it = map_.find(k);
    if (it != map_.end()) {
      policy_.on_update(it->second, 1);
      return;
    }
    const std::uint64_t hash = detail::mix_hash(std::hash<std::uint64_t>{}(k));
    notify_miss(policy_, hash);
    while (map_.size() + 1 > capacity_ && policy_.size() > 0) {
      const handle v = policy_.evict();
      map_.erase(keys_[v]);
      free_.push_back(v);
    }
    handle h = static_cast<handle>(keys_.size());
    if (!free_.empty()) {
      h = free_.back();
      free_.pop_back();
    } else {
      keys_.push_back(0);
    }
    policy_.on_insert(h, hash, 1);
    keys_[h] = k;
    map_.emplace(k, h);
  }
  bool erase(std::uint64_t k) {
    const auto it = map_.find(k);
    if (it == map_.end()) return false;
    policy_.on_remove(it->second);
    free_.push_back(it->second);
    map_.erase(it);
    return true;
  }
  std::size_t size() const { return map_.size(); }

 private:
  std::uint64_t capacity_;
  P policy_;
  std::unordered_map<std::uint64_t, handle> map_;
  std::vector<std::uint64_t> keys_;  // handle -> key
  std::vector<handle> free_;
};

// Value: std::uint64_t takes the lock-free update path for present keys, std::string the locked
// one that publishes a new node.
template <class P, class Value>
void expect_one_shard_matches_direct_policy() {
  for (std::uint64_t seed = 0; seed < 60; ++seed) {
    const std::uint64_t capacity = 8 + seed % 57;
    cache_options o;
    o.max_entries = capacity;
    o.shards = 1;
    concurrent_cache<std::uint64_t, Value, P> c(o);
    direct_owner<P> ref(capacity);
    std::mt19937_64 rng(seed);
    const std::uint64_t keys = capacity * (2 + seed % 3);
    for (int i = 0; i < 3000; ++i) {
      // Skewed keys, so that some entries are hit often and scans pass over marked ones.
      const std::uint64_t k = (rng() % keys) % (1 + rng() % keys);
      const unsigned op = static_cast<unsigned>(rng() % 10);
      if (op < 6) {
        ASSERT_EQ(c.get(k).has_value(), ref.get(k)) << P::name << " seed " << seed << " op " << i;
      } else if (op < 9) {
        c.put(k, Value{});
        ref.put(k);
      } else {
        ASSERT_EQ(c.erase(k), ref.erase(k)) << P::name << " seed " << seed << " op " << i;
      }
      ASSERT_EQ(c.size(), ref.size()) << P::name << " seed " << seed << " op " << i;
    }
  }
}

TYPED_TEST(PolicyInCacheTest, OneShardMatchesThePolicyDrivenDirectly) {
  expect_one_shard_matches_direct_policy<TypeParam, std::uint64_t>();
}

TYPED_TEST(PolicyInCacheTest, OneShardMatchesThePolicyDrivenDirectlyWithNodeReplacingUpdates) {
  expect_one_shard_matches_direct_policy<TypeParam, std::string>();
}

}  // namespace
}  // namespace membound::policy
