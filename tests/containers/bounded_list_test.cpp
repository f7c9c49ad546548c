#include "membound/containers/bounded_list.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "membound/containers/containers.hpp"
#include "support/container_support.hpp"

// Every member compiled (and, under clang -Wthread-safety, checked), not only those a test calls.
template class membound::bounded_list<int>;
template class membound::bounded_list<std::string>;

namespace membound {
namespace {

std::vector<int> iota(int from, int to) {
  std::vector<int> v;
  for (int i = from; i <= to; ++i) v.push_back(i);
  return v;
}

using test::request;

std::string invalid_argument_of(const bounded_list_options& o) {
  try {
    bounded_list<int> list(o);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(BoundedListTest, ConstructsFromCapacity) {
  membound::bounded_list<int> metrics(4096);
  EXPECT_EQ(metrics.capacity(), 4096U);
  EXPECT_EQ(metrics.configured_capacity(), 4096U);
  EXPECT_EQ(metrics.size(), 0U);
  EXPECT_EQ(metrics.dropped(), 0U);
  EXPECT_TRUE(metrics.snapshot().empty());
}

TEST(BoundedListTest, ZeroCapacityIsRejectedNamingTheField) {
  EXPECT_THROW(bounded_list<int>(0), std::invalid_argument);
  bounded_list_options o;
  o.capacity = 0;
  EXPECT_NE(invalid_argument_of(o).find("capacity"), std::string::npos);
}

TEST(BoundedListTest, MinCapacityAboveCapacityIsRejectedNamingTheField) {
  bounded_list_options o;
  o.capacity = 4;
  o.min_capacity = 5;
  EXPECT_NE(invalid_argument_of(o).find("min_capacity"), std::string::npos);
  o.min_capacity = 4;
  EXPECT_EQ(invalid_argument_of(o), "");
}

TEST(BoundedListTest, CapacityOneIsAllowed) {
  bounded_list<int> list(1);
  EXPECT_TRUE(list.push(1));
  EXPECT_TRUE(list.push(2));
  EXPECT_EQ(list.snapshot(), std::vector<int>{2});
  EXPECT_EQ(list.dropped(), 1U);
}

TEST(BoundedListTest, OverflowOverwritesTheOldest) {
  bounded_list<int> list(3);
  for (int i = 1; i <= 5; ++i) EXPECT_TRUE(list.push(i));
  EXPECT_EQ(list.snapshot(), iota(3, 5));
  EXPECT_EQ(list.size(), 3U);
  EXPECT_EQ(list.dropped(), 2U);
  EXPECT_EQ(list.pushed(), 5U);
}

TEST(BoundedListTest, RejectPolicyRefusesWhenFull) {
  bounded_list_options o;
  o.capacity = 3;
  o.overflow = overflow_policy::reject;
  bounded_list<int> list(o);
  EXPECT_TRUE(list.push(1));
  EXPECT_TRUE(list.push(2));
  EXPECT_TRUE(list.push(3));
  EXPECT_FALSE(list.push(4));
  EXPECT_FALSE(list.push(5));
  EXPECT_EQ(list.snapshot(), iota(1, 3));
  EXPECT_EQ(list.dropped(), 2U);
  EXPECT_EQ(list.stats_snapshot().evictions, 0U);  // nothing overwritten
}

TEST(BoundedListTest, RecentReturnsNewestLast) {
  bounded_list<int> list(8);
  for (int i = 1; i <= 10; ++i) list.push(i);
  EXPECT_EQ(list.recent(3), iota(8, 10));
  EXPECT_EQ(list.recent(1), std::vector<int>{10});
  EXPECT_EQ(list.recent(100), iota(3, 10));
  EXPECT_TRUE(list.recent(0).empty());
  EXPECT_EQ(list.snapshot(), iota(3, 10));
}

TEST(BoundedListTest, MoveOnlyAndEmplacedElements) {
  bounded_list<std::string> list(2);
  list.emplace(3, 'a');
  list.push(std::string("bb"));
  list.push("ccc");
  EXPECT_EQ(list.snapshot(), (std::vector<std::string>{"bb", "ccc"}));
}

TEST(BoundedListTest, ClearKeepsCapacityAndDroppedCount) {
  bounded_list<int> list(2);
  for (int i = 0; i < 3; ++i) list.push(i);
  list.clear();
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.capacity(), 2U);
  EXPECT_EQ(list.dropped(), 1U);
}

TEST(BoundedListTest, ElevatedShrinkDropsOldestAndLowersCapacity) {
  bounded_list<int> list(100);
  for (int i = 1; i <= 100; ++i) list.push(i);
  const std::size_t before = list.memory_bytes();
  const shrink_result r = list.shrink(request(pressure_level::elevated, 0.75));
  EXPECT_EQ(r.entries, 25U);
  EXPECT_EQ(r.bytes, before - list.memory_bytes());
  EXPECT_EQ(list.capacity(), 75U);
  EXPECT_EQ(list.snapshot(), iota(26, 100));
  EXPECT_EQ(list.pressure_evictions(), 25U);
  EXPECT_EQ(list.dropped(), 0U);  // pressure removals are not overflow

  // It does not refill past the new capacity.
  for (int i = 101; i <= 200; ++i) list.push(i);
  EXPECT_EQ(list.size(), 75U);
  EXPECT_EQ(list.recent(1), std::vector<int>{200});
}

TEST(BoundedListTest, ShrinkFollowsTheCapacityRule) {
  bounded_list_options o;
  o.capacity = 100;
  o.min_capacity = 10;
  bounded_list<int> list(o);
  list.shrink(request(pressure_level::high, 0.5));
  EXPECT_EQ(list.capacity(), 50U);
  // A lower level's fraction of the configured capacity never grows it back.
  EXPECT_EQ(list.shrink(request(pressure_level::elevated, 0.75)).entries, 0U);
  EXPECT_EQ(list.capacity(), 50U);
  // Re-application is relative to the current capacity.
  list.shrink(request(pressure_level::high, 0.5, true));
  EXPECT_EQ(list.capacity(), 25U);
  // CRITICAL goes to the minimum, never below.
  list.shrink(request(pressure_level::critical, 0.0));
  EXPECT_EQ(list.capacity(), 10U);
  list.shrink(request(pressure_level::critical, 0.0, true));
  EXPECT_EQ(list.capacity(), 10U);
}

TEST(BoundedListTest, RegrowStepsBackToTheConfiguredCapacity) {
  bounded_list<int> list(100);  // min_capacity 1
  for (int i = 1; i <= 100; ++i) list.push(i);
  EXPECT_EQ(list.shrink(request(pressure_level::critical, 0.0)).entries, 99U);
  EXPECT_EQ(list.capacity(), 1U);
  EXPECT_EQ(list.snapshot(), std::vector<int>{100});
  int steps = 0;
  while (list.regrow(0.05)) {
    ++steps;
    EXPECT_EQ(list.capacity(), 1U + 5U * static_cast<unsigned>(steps));
  }
  EXPECT_EQ(steps, 19);  // 1, 6, ..., 96, then 100
  EXPECT_EQ(list.capacity(), 100U);
  EXPECT_FALSE(list.regrow(0.05));
  EXPECT_EQ(list.snapshot(), std::vector<int>{100});  // regrow keeps what is there
  for (int i = 0; i < 150; ++i) list.push(i);
  EXPECT_EQ(list.size(), 100U);
}

TEST(BoundedListTest, MinCapacityZeroDropsEveryPushUntilRegrown) {
  bounded_list_options o;
  o.capacity = 4;
  o.min_capacity = 0;
  bounded_list<int> list(o);
  list.push(1);
  list.shrink(request(pressure_level::critical, 0.0));
  EXPECT_EQ(list.capacity(), 0U);
  EXPECT_FALSE(list.push(2));
  EXPECT_TRUE(list.snapshot().empty());
  EXPECT_EQ(list.dropped(), 1U);
  EXPECT_TRUE(list.regrow(0.25));
  EXPECT_TRUE(list.push(3));
  EXPECT_EQ(list.snapshot(), std::vector<int>{3});
}

TEST(BoundedListTest, StatsSnapshotDescribesTheList) {
  bounded_list_options o;
  o.name = "latencies";
  o.capacity = 4;
  bounded_list<int> list(o);
  for (int i = 0; i < 6; ++i) list.push(i);
  list.shrink(request(pressure_level::high, 0.5));
  const shrinkable_stats s = list.stats_snapshot();
  EXPECT_EQ(s.kind, "bounded_list");
  EXPECT_EQ(s.name, "latencies");
  EXPECT_EQ(list.name(), "latencies");
  EXPECT_EQ(s.size, 2U);
  EXPECT_EQ(s.capacity, 2U);
  EXPECT_EQ(s.configured_capacity, 4U);
  EXPECT_EQ(s.dropped, 2U);
  EXPECT_EQ(s.evictions, 2U);
  EXPECT_EQ(s.pressure_evictions, 2U);
  EXPECT_EQ(s.bytes, list.memory_bytes());
}

TEST(BoundedListTest, IsShrinkable) {
  bounded_list<double> list(16);
  shrinkable& s = list;
  EXPECT_EQ(s.shrink(request(pressure_level::high, 0.5)).entries, 0U);
  EXPECT_EQ(list.capacity(), 8U);
}

#ifndef MEMBOUND_TEST_SANITIZED
using test::expect_within_ten_percent;
using test::heap_in_use;
#endif

TEST(BoundedListTest, MemoryBytesMatchesMallinfo) {
#ifdef MEMBOUND_TEST_SANITIZED
  GTEST_SKIP() << "mallinfo2 does not see a sanitizer's allocator";
#else
  for (std::size_t capacity : {std::size_t{512}, std::size_t{4096}, std::size_t{1} << 20}) {
    const std::size_t base = heap_in_use();
    auto list = std::make_unique<bounded_list<std::uint64_t>>(capacity);
    for (std::uint64_t i = 0; i < capacity + 10; ++i) list->push(i);
    expect_within_ten_percent(list->memory_bytes(), heap_in_use() - base);
    list->shrink(request(pressure_level::high, 0.5));
    expect_within_ten_percent(list->memory_bytes(), heap_in_use() - base);
    list.reset();
    EXPECT_LE(heap_in_use(), base + 1024);  // all of it back, give or take the runtime's own
  }
#endif
}

// Several threads push while others snapshot, shrink and regrow. Each element encodes its thread
// and sequence number; every snapshot must show each thread's elements in push order.
TEST(BoundedListTest, ConcurrentPushSnapshotAndShrink) {
  constexpr int kThreads = 4;
  constexpr std::uint64_t kPerThread = 20000;
  bounded_list<std::uint64_t> list(1024);
  std::atomic<bool> done{false};
  std::atomic<int> bad_snapshots{0};

  auto check = [&](const std::vector<std::uint64_t>& snap) {
    std::uint64_t last[kThreads] = {};
    bool seen[kThreads] = {};
    for (std::uint64_t v : snap) {
      const auto t = static_cast<int>(v >> 32);
      const std::uint64_t seq = v & 0xffffffffU;
      if (t < 0 || t >= kThreads || (seen[t] && seq <= last[t])) return false;
      seen[t] = true;
      last[t] = seq;
    }
    return true;
  };

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&list, t] {
      for (std::uint64_t i = 1; i <= kPerThread; ++i) {
        list.push((static_cast<std::uint64_t>(t) << 32) | i);
      }
    });
  }
  std::thread reader([&] {
    while (!done.load()) {
      if (!check(list.snapshot()) || !check(list.recent(100))) bad_snapshots.fetch_add(1);
      (void)list.size();
      (void)list.stats_snapshot();
    }
  });
  std::thread shrinker([&] {
    while (!done.load()) {
      list.shrink(request(pressure_level::high, 0.5));
      while (list.regrow(0.25)) {
      }
    }
  });
  for (auto& th : threads) th.join();
  done.store(true);
  reader.join();
  shrinker.join();

  EXPECT_EQ(bad_snapshots.load(), 0);
  EXPECT_EQ(list.pushed(), kThreads * kPerThread);
  EXPECT_EQ(list.dropped() + list.pressure_evictions() + list.size(), kThreads * kPerThread);
  EXPECT_TRUE(check(list.snapshot()));
}

}  // namespace
}  // namespace membound
