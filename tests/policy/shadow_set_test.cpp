// detail::shadow_set (the lossy "recently evicted" set behind the adaptive policies) and the
// adaptive policies' direction of adaptation on scripted workloads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "membound/detail/flat_map.hpp"
#include "membound/detail/reversal_guard.hpp"
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

TEST(ShadowSet, MinEntriesRemembersTheLastEvictionsWhateverTheirWeight) {
  detail::shadow_set s;
  s.resize(64);
  s.set_bound(1);  // by weight, only the newest eviction of weight 1
  s.set_min_entries(4);
  s.add(mix64(1), 50);  // heavier than the bound: remembered anyway
  s.add(mix64(2), 50);
  s.add(mix64(3), 50);
  EXPECT_TRUE(s.take(mix64(1)));  // itself and two after it: within the last 4
  s.add(mix64(4), 1);
  for (std::uint64_t k = 100; k < 104; ++k) s.add(mix64(k), 1);  // key 4 is now 5th from the end
  EXPECT_FALSE(s.take(mix64(4)));
  EXPECT_TRUE(s.take(mix64(100)));  // 4th from the end
  s.set_min_entries(0);  // the weight bound alone again
  EXPECT_FALSE(s.take(mix64(101)));
  EXPECT_TRUE(s.take(mix64(103)));  // the newest, weight 1
}

TEST(ShadowSet, EmptyUntilSized) {
  detail::shadow_set s;
  s.set_bound(10);
  s.add(mix64(1), 1);
  EXPECT_FALSE(s.take(mix64(1)));
  EXPECT_EQ(s.memory_bytes(), 0u);
}

TEST(ShadowSet, TakeReportsTheEvictionPosition) {
  detail::shadow_set s;
  s.resize(64);
  s.set_bound(100);
  s.add(mix64(1), 1);
  s.add(mix64(2), 5);
  s.add(mix64(3), 1);
  EXPECT_EQ(s.last_position(), 6u);  // 1 + 5 units were evicted before key 3
  std::uint64_t at = 99;
  ASSERT_TRUE(s.take(mix64(2), at));
  EXPECT_EQ(at, 1u);
  ASSERT_TRUE(s.take(mix64(3), at));
  EXPECT_EQ(at, 6u);
  at = 99;
  EXPECT_FALSE(s.take(mix64(2), at));  // taken already
  EXPECT_EQ(at, 99u);                   // untouched on a miss
}

// Returns in reverse eviction order (a reversed sweep): the first reverse step holds one
// admission, the third in a row freezes, and two forward steps in a row thaw.
TEST(ReversalGuard, ReverseStepsHoldThenFreezeAndForwardStepsThaw) {
  detail::reversal_guard g;
  EXPECT_FALSE(g.take_hold());
  EXPECT_FALSE(g.note_return(10, 10, 1, 1));  // the newest eviction came back: reverse step 1
  EXPECT_TRUE(g.take_hold());
  EXPECT_FALSE(g.take_hold());  // a hold covers one decision
  EXPECT_FALSE(g.note_return(9, 11, 1, 1));  // just below the previous return: step 2
  EXPECT_FALSE(g.frozen());
  EXPECT_TRUE(g.note_return(8, 12, 1, 1));  // step 3: freezes
  EXPECT_TRUE(g.frozen());
  EXPECT_TRUE(g.take_hold());
  EXPECT_TRUE(g.take_hold());  // frozen: every decision holds
  EXPECT_FALSE(g.note_return(20, 30, 1, 1));  // forward step 1
  EXPECT_TRUE(g.frozen());
  EXPECT_FALSE(g.note_return(25, 31, 1, 1));  // forward step 2: thaws
  EXPECT_FALSE(g.frozen());
  EXPECT_FALSE(g.take_hold());
}

// Returns in eviction order (a loop), or far apart, never freeze.
TEST(ReversalGuard, ForwardOrFarReturnsDoNotFreeze) {
  detail::reversal_guard g;
  for (std::uint64_t at = 0; at < 100; ++at) g.note_return(at, 200, 1, 1);  // oldest first
  EXPECT_FALSE(g.frozen());
  EXPECT_FALSE(g.take_hold());
  // Decreasing, but more than two mean weights apart: random returns, not a reversal.
  for (std::uint64_t at = 1000; at > 100; at -= 10) g.note_return(at, 5000, 1, 1);
  EXPECT_FALSE(g.frozen());
  // The same returns with a wider gap (heavier entries) are a reversal.
  for (std::uint64_t at = 1000; at > 900; at -= 10) g.note_return(at, 5000, 10, 1);
  EXPECT_TRUE(g.frozen());
}

// A replay loop for entry capacities, as the simulator runs it.
// `weight`: every entry's weight (the policy's capacity is then capacity × weight).
template <class P>
std::uint64_t replay(P& p, std::uint64_t capacity, const std::vector<std::uint32_t>& keys,
                     std::uint64_t weight = 1) {
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
    p.on_insert(h, mix64(k), weight);
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

// On a zigzag (LRU-optimal) the adaptive S3-FIFO's reversal guard freezes M and shrinks S to its
// floor, and it matches LRU's hits; the static split does not.
TEST(AdaptiveS3Fifo, FreezesMainOnAZigzagAndMatchesLru) {
  const auto keys = zigzag(1000, 20);
  policy::s3fifo adaptive(100);
  policy::s3fifo_static fixed(100);
  policy::lru lru(100);
  const std::uint64_t lru_hits = replay(lru, 100, keys);
  EXPECT_EQ(lru_hits, 19u * 100u);  // each reversal hits the 100 most recent keys
  EXPECT_EQ(replay(adaptive, 100, keys), lru_hits);
  EXPECT_EQ(adaptive.small_capacity(), 1u);  // 1 % of the capacity
  EXPECT_LT(replay(fixed, 100, keys), lru_hits / 2);
  EXPECT_EQ(fixed.small_capacity(), 10u);
}

// Back-and-forth sweeps (LIRS's zigzag over 1000 keys at 100 entries, backf's 750 at 512): LRU is
// optimal, and both adaptive policies match it through the reversal guard. Without it (the
// static W-TinyLFU) admissions during the sweeps lose hits.
TEST(ReversalGuard, AdaptivePoliciesMatchLruOnBackAndForthSweeps) {
  struct cell {
    std::uint32_t keys;
    std::uint64_t capacity;
  };
  for (const cell c : {cell{1000, 100}, cell{750, 512}}) {
    const auto keys = zigzag(c.keys, 20);
    policy::lru lru(c.capacity);
    const std::uint64_t lru_hits = replay(lru, c.capacity, keys);
    EXPECT_EQ(lru_hits, 19u * c.capacity) << c.keys;  // each reversal hits the most recent entries
    policy::w_tinylfu w(c.capacity);
    EXPECT_GE(replay(w, c.capacity, keys), lru_hits) << c.keys;
    policy::s3fifo s(c.capacity);
    EXPECT_GE(replay(s, c.capacity, keys), lru_hits) << c.keys;
    policy::w_tinylfu unguarded(c.capacity, 0.01, policy::w_tinylfu::adaptation::none);
    EXPECT_LT(replay(unguarded, c.capacity, keys), lru_hits) << c.keys;
  }
}

// Each key read twice, 10 new keys apart (Corda's vault service at 100 entries in miniature): LRU
// hits every second read. A 100-entry W-TinyLFU rejects every candidate (frequency 1 against 1);
// a rejected key returns about 20 rejections later, when its 5 % shadow (5 keys) has forgotten
// it, so without the 24-eviction floor the window never grows and it hits almost nothing
// (Corda: 0.57 %).
TEST(AdaptiveWTinyLfu, GrowsItsWindowForReReadsAtSmallCapacities) {
  constexpr std::uint32_t gap = 10;
  std::vector<std::uint32_t> keys;
  for (std::uint32_t k = 0; k < 20000; ++k) {
    keys.push_back(k);
    if (k >= gap) keys.push_back(k - gap);
  }
  policy::lru lru(100);
  const std::uint64_t lru_hits = replay(lru, 100, keys);
  EXPECT_EQ(lru_hits, 20000u - gap);
  policy::w_tinylfu w(100);
  EXPECT_GE(replay(w, 100, keys), lru_hits * 9 / 10);
  EXPECT_GE(w.window_capacity(), gap);
  // The floor counts evictions, not weight: the same 100 entries of 4 KiB each.
  policy::w_tinylfu bytes(100 * 4096);
  EXPECT_GE(replay(bytes, 100, keys, 4096), lru_hits * 9 / 10);
  EXPECT_GE(bytes.window_capacity(), gap * 4096);
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
