// detail::shadow_set (the lossy "recently evicted" set behind the adaptive policies) and the
// adaptive policies' direction of adaptation on scripted workloads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "membound/detail/flat_map.hpp"
#include "membound/detail/shadow_set.hpp"
#include "membound/policy/lru.hpp"
#include "membound/policy/s3fifo.hpp"
#include "membound/policy/w_tinylfu.hpp"

namespace membound {
namespace {

using detail::mix64;

TEST(ShadowSet, RemembersWithinTheBoundAndForgetsOnTake) {
  detail::shadow_set s;
  s.resize(64);
  s.set_bound(10);
  s.add(mix64(1), 1);
  EXPECT_TRUE(s.take(mix64(1)));
  EXPECT_FALSE(s.take(mix64(1)));  // taken
  EXPECT_FALSE(s.take(mix64(2)));  // never added
}

TEST(ShadowSet, ForgetsKeysOlderThanTheBound) {
  detail::shadow_set s;
  s.resize(64);
  s.set_bound(10);
  s.add(mix64(1), 1);
  for (std::uint64_t k = 100; k < 109; ++k) s.add(mix64(k), 1);  // 9 units later: still within
  EXPECT_TRUE(s.take(mix64(1)));
  s.add(mix64(2), 1);
  for (std::uint64_t k = 200; k < 210; ++k) s.add(mix64(k), 1);  // 10 units later: out
  EXPECT_FALSE(s.take(mix64(2)));
}

TEST(ShadowSet, WeightsCountTowardTheBoundAndHeavyKeysAreIgnored) {
  detail::shadow_set s;
  s.resize(64);
  s.set_bound(100);
  s.add(mix64(1), 101);  // heavier than the bound: not remembered
  EXPECT_FALSE(s.take(mix64(1)));
  s.add(mix64(2), 10);
  s.add(mix64(3), 90);
  EXPECT_TRUE(s.take(mix64(2)));  // 10 + 90: a ghost FIFO of 100 still holds it
  s.add(mix64(4), 10);
  s.add(mix64(5), 91);
  EXPECT_FALSE(s.take(mix64(4)));  // 10 + 91: beyond 100
  EXPECT_TRUE(s.take(mix64(5)));
}

TEST(ShadowSet, EmptyUntilSized) {
  detail::shadow_set s;
  s.set_bound(10);
  s.add(mix64(1), 1);
  EXPECT_FALSE(s.take(mix64(1)));
  EXPECT_EQ(s.memory_bytes(), 0u);
}

// A replay loop for entry capacities, as the simulator runs it.
template <class P>
std::uint64_t replay(P& p, std::uint64_t capacity, const std::vector<std::uint32_t>& keys) {
  std::vector<policy::handle> handle_of(1 + *std::max_element(keys.begin(), keys.end()), policy::no_handle);
  std::vector<std::uint32_t> key_of;
  std::vector<policy::handle> free;
  std::uint64_t hits = 0;
  for (const std::uint32_t k : keys) {
    if (handle_of[k] != policy::no_handle) {
      ++hits;
      p.on_hit(handle_of[k]);
      continue;
    }
    policy::notify_miss(p, mix64(k));
    while (p.size() >= capacity) {
      const policy::handle v = p.evict();
      handle_of[key_of[v]] = policy::no_handle;
      free.push_back(v);
    }
    policy::handle h;
    if (!free.empty()) {
      h = free.back();
      free.pop_back();
      key_of[h] = k;
    } else {
      h = static_cast<policy::handle>(key_of.size());
      key_of.push_back(k);
    }
    handle_of[k] = h;
    p.on_insert(h, mix64(k), 1);
  }
  return hits;
}

std::vector<std::uint32_t> zigzag(std::uint32_t n, int sweeps) {
  std::vector<std::uint32_t> keys;
  for (int s = 0; s < sweeps; ++s) {
    for (std::uint32_t i = 0; i < n; ++i) keys.push_back(s % 2 == 0 ? i : n - 1 - i);
  }
  return keys;
}

// On a zigzag (LRU-optimal) the adaptive S3-FIFO grows its small queue to a FIFO and matches
// LRU's hits; the static split does not.
TEST(AdaptiveS3Fifo, GrowsTheSmallQueueOnAZigzagAndMatchesLru) {
  const auto keys = zigzag(1000, 20);
  policy::s3fifo adaptive(100);
  policy::s3fifo_static fixed(100);
  policy::lru lru(100);
  const std::uint64_t lru_hits = replay(lru, 100, keys);
  EXPECT_EQ(lru_hits, 19u * 100u);  // each reversal hits the 100 most recent keys
  EXPECT_EQ(replay(adaptive, 100, keys), lru_hits);
  EXPECT_GT(adaptive.small_capacity(), 50u);
  EXPECT_LT(replay(fixed, 100, keys), lru_hits / 2);
  EXPECT_EQ(fixed.small_capacity(), 10u);
}

// On a loop larger than the cache W-TinyLFU keeps its small window (frequency wins there).
TEST(AdaptiveWTinyLfu, KeepsASmallWindowOnALoop) {
  std::vector<std::uint32_t> keys;
  for (int r = 0; r < 30; ++r) {
    for (std::uint32_t i = 0; i < 300; ++i) keys.push_back(i);
  }
  policy::w_tinylfu p(200);
  EXPECT_GT(replay(p, 200, keys), keys.size() / 3);
  EXPECT_LE(p.window_capacity(), 20u);
}

}  // namespace
}  // namespace membound
