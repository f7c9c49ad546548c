// Every policy under a tiny owner harness (the protocol of policy.hpp, with handle reuse, removes,
// updates and capacity changes): capacities are never exceeded, evict() returns a resident handle,
// size() matches the owner's count. Plus differential tests of lru/fifo against std models.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <list>
#include <random>
#include <unordered_map>
#include <vector>

#include "membound/detail/flat_map.hpp"
#include "membound/detail/ghost_list.hpp"
#include "membound/policy/policies.hpp"

namespace membound::policy {
namespace {

// A minimal cache shard: keys → handles, weights, a free list; the policy decides evictions.
template <class P>
class owner {
 public:
  explicit owner(std::uint64_t capacity) : capacity_(capacity), p_(capacity) {}

  // Returns true on a hit.
  bool access(std::uint64_t key, std::uint64_t weight, std::uint64_t next_access) {
    const auto it = index_.find(key);
    if (it != index_.end()) {
      if constexpr (requires { p_.set_next_access(it->second, next_access); }) p_.set_next_access(it->second, next_access);
      p_.on_hit(it->second);
      return true;
    }
    const std::uint64_t hash = detail::mix64(key);
    notify_miss(p_, hash);
    if (weight > capacity_) return false;
    if constexpr (requires { p_.can_admit(weight); }) {
      if (!p_.can_admit(weight)) return false;
    }
    if constexpr (requires { p_.expect_insert(weight); }) p_.expect_insert(weight);
    while (used_ + weight > capacity_ && p_.size() > 0) evict_one();
    handle h;
    if (!free_.empty()) {
      h = free_.back();
      free_.pop_back();
    } else {
      h = static_cast<handle>(keys_.size());
      keys_.push_back(0);
      weights_.push_back(0);
      resident_.push_back(false);
    }
    keys_[h] = key;
    weights_[h] = weight;
    resident_[h] = true;
    index_[key] = h;
    used_ += weight;
    if constexpr (requires { p_.set_next_access(h, next_access); }) p_.set_next_access(h, next_access);
    p_.on_insert(h, hash, weight);
    check();
    return false;
  }
  void update(std::uint64_t key, std::uint64_t weight) {
    const auto it = index_.find(key);
    if (it == index_.end() || weight > capacity_) return;
    const handle h = it->second;
    used_ = used_ - weights_[h] + weight;
    weights_[h] = weight;
    p_.on_update(h, weight);
    while (used_ > capacity_ && p_.size() > 0) evict_one();
    check();
  }
  void remove(std::uint64_t key) {
    const auto it = index_.find(key);
    if (it == index_.end()) return;
    const handle h = it->second;
    p_.on_remove(h);
    release(h);
    check();
  }
  void set_capacity(std::uint64_t c) {
    capacity_ = c;
    p_.set_capacity(c);
    while (used_ > capacity_ && p_.size() > 0) evict_one();
    check();
  }
  std::size_t size() const { return index_.size(); }
  std::uint64_t used() const { return used_; }
  const P& policy() const { return p_; }

 private:
  void evict_one() {
    const handle v = p_.evict();
    ASSERT_LT(v, resident_.size());
    ASSERT_TRUE(resident_[v]) << "evict() returned a handle that is not resident";
    release(v);
  }
  void release(handle h) {
    used_ -= weights_[h];
    resident_[h] = false;
    index_.erase(keys_[h]);
    free_.push_back(h);
  }
  void check() {
    ASSERT_LE(used_, capacity_) << P::name;
    ASSERT_EQ(p_.size(), index_.size()) << P::name;
  }

  std::uint64_t capacity_;
  P p_;
  std::uint64_t used_ = 0;
  std::unordered_map<std::uint64_t, handle> index_;
  std::vector<std::uint64_t> keys_;
  std::vector<std::uint64_t> weights_;
  std::vector<bool> resident_;
  std::vector<handle> free_;
};

template <class P>
class PolicyPropertyTest : public ::testing::Test {};
using all = ::testing::Types<lru, fifo, clock, sieve, s3fifo, s3fifo_static, w_tinylfu, w_tinylfu_climber, arc, lirs, two_queue, slru, belady>;
TYPED_TEST_SUITE(PolicyPropertyTest, all);

TYPED_TEST(PolicyPropertyTest, SatisfiesTheProtocolConcept) {
  static_assert(eviction_policy<TypeParam>);
  EXPECT_FALSE(TypeParam::name.empty());
}

TYPED_TEST(PolicyPropertyTest, UnitWeightsNeverExceedCapacity) {
  for (const std::uint64_t cap : {1u, 2u, 7u, 100u}) {
    owner<TypeParam> o(cap);
    std::mt19937_64 rng(cap);
    std::uniform_int_distribution<std::uint64_t> key(0, 300);
    std::uint64_t hits = 0;
    for (int i = 0; i < 20000; ++i) {
      hits += o.access(key(rng) % (i % 2 ? 40 : 300), 1, rng() % 1000);
      if (::testing::Test::HasFatalFailure()) return;
    }
    EXPECT_EQ(o.size(), std::min<std::uint64_t>(cap, o.size()));
    EXPECT_GT(hits, 0u) << TypeParam::name << " cap " << cap;
  }
}

TYPED_TEST(PolicyPropertyTest, WeightsRemovesUpdatesAndShrinksKeepTheInvariants) {
  owner<TypeParam> o(1000);
  std::mt19937_64 rng(42);
  for (int i = 0; i < 30000; ++i) {
    const std::uint64_t key = rng() % 500;
    switch (rng() % 20) {
      case 0: o.remove(key); break;
      case 1: o.update(key, 1 + rng() % 60); break;
      case 2: o.set_capacity(rng() % 3 == 0 ? 0 : 100 + rng() % 1500); break;
      default: o.access(key, 1 + rng() % 50, rng() % 5000);
    }
    if (::testing::Test::HasFatalFailure()) return;
  }
  o.set_capacity(0);
  EXPECT_EQ(o.size(), 0u);
  EXPECT_EQ(o.used(), 0u);
  EXPECT_GE(o.policy().memory_bytes(), 0u);
}

TEST(LruDifferentialTest, MatchesAStdListModel) {
  owner<lru> o(64);
  std::list<std::uint64_t> model;  // front = most recent
  std::mt19937_64 rng(7);
  for (int i = 0; i < 50000; ++i) {
    const std::uint64_t key = rng() % 200;
    const auto it = std::find(model.begin(), model.end(), key);
    const bool model_hit = it != model.end();
    if (model_hit) model.erase(it);
    else if (model.size() == 64) model.pop_back();
    model.push_front(key);
    ASSERT_EQ(o.access(key, 1, 0), model_hit) << i;
  }
}

TEST(FifoDifferentialTest, MatchesAStdDequeModel) {
  owner<fifo> o(50);
  std::deque<std::uint64_t> model;  // front = oldest
  std::mt19937_64 rng(9);
  for (int i = 0; i < 50000; ++i) {
    const std::uint64_t key = rng() % 150;
    const bool model_hit = std::find(model.begin(), model.end(), key) != model.end();
    if (!model_hit) {
      if (model.size() == 50) model.pop_front();
      model.push_back(key);
    }
    ASSERT_EQ(o.access(key, 1, 0), model_hit) << i;
  }
}

TEST(BeladyTest, EvictsTheEntryUsedFarthestInTheFuture) {
  belady b;
  for (handle h = 0; h < 3; ++h) {
    b.set_next_access(h, 10 + h * 5);  // next uses at 10, 15, 20
    b.on_insert(h, h, 1);
  }
  b.set_next_access(0, belady::never);
  b.on_hit(0);
  EXPECT_EQ(b.evict(), 0u);
  EXPECT_EQ(b.evict(), 2u);
  EXPECT_EQ(b.evict(), 1u);
}

TEST(TwoQueueTest, GhostHitSurvivesOtherMissesBeforeTheInsert) {
  two_queue q(4);  // Kin = 1, Kout = 2
  q.on_insert(0, 100, 1);
  q.on_insert(1, 101, 1);
  ASSERT_EQ(q.evict(), 0u);  // A1in over Kin: the oldest leaves, its key enters A1out
  q.on_miss(100);
  q.on_miss(555);  // a cache may see another miss before it inserts 100 again
  q.on_insert(0, 100, 1);
  EXPECT_EQ(q.evict(), 0u);  // 100 went to Am; A1in (just 101) is within Kin, so Am's LRU goes
}

TEST(ArcTest, GhostHitsMoveTheTargetBetweenRecencyAndFrequency) {
  arc a(4);
  for (handle h = 0; h < 4; ++h) a.on_insert(h, 100 + h, 1);
  a.on_hit(2);
  a.on_hit(3);  // T1 = {0, 1}, T2 = {2, 3}
  EXPECT_EQ(a.target_t1(), 0.0);
  a.on_miss(200);
  EXPECT_EQ(a.evict(), 0u);  // T1's LRU goes to B1
  a.on_insert(0, 200, 1);
  a.on_miss(100);  // a B1 hit: recency was evicted too early, so T1's target grows
  EXPECT_GT(a.target_t1(), 0.0);
}

TEST(FlatMapTest, MatchesStdUnorderedMapUnderChurn) {
  detail::flat_u64_map m;
  std::unordered_map<std::uint64_t, std::uint32_t> model;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 200000; ++i) {
    const std::uint64_t k = rng() % 3000;
    if (rng() % 3 == 0) {
      const auto it = model.find(k);
      ASSERT_EQ(m.erase(k), it == model.end() ? detail::flat_u64_map::npos : it->second);
      if (it != model.end()) model.erase(it);
    } else {
      const auto v = static_cast<std::uint32_t>(rng() % 1000);
      const auto [got, inserted] = m.try_emplace(k, v);
      const auto [it, model_inserted] = model.try_emplace(k, v);
      ASSERT_EQ(inserted, model_inserted);
      ASSERT_EQ(got, it->second);
    }
    ASSERT_EQ(m.size(), model.size());
  }
  for (const auto& [k, v] : model) ASSERT_EQ(m.find(k), v);
}

TEST(GhostListTest, KeepsOrderAndWeight) {
  detail::ghost_list g;
  g.push_front(1, 10);
  g.push_front(2, 20);
  g.push_front(3, 30);
  EXPECT_EQ(g.weight(), 60u);
  EXPECT_EQ(g.erase(2), 20u);
  EXPECT_EQ(g.erase(2), detail::ghost_list::absent);
  g.pop_tail();  // drops 1, the oldest
  EXPECT_FALSE(g.contains(1));
  EXPECT_TRUE(g.contains(3));
  EXPECT_EQ(g.weight(), 30u);
}

}  // namespace
}  // namespace membound::policy
