#include "membound/containers/object_registry.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "membound/containers/containers.hpp"
#include "support/container_support.hpp"

// Every member compiled (and, under clang -Wthread-safety, checked), not only those a test calls.
template class membound::object_registry<std::string, std::string>;
template class membound::object_registry<int, std::array<char, 64>>;

namespace membound {
namespace {

struct Heavy {
  std::array<char, 1000> payload{};
};

struct Keyed {
  explicit Keyed(int k) : key(k) {}
  int key;
};

using test::request;

object_registry_options idle_bound(std::size_t max_idle, std::size_t min_idle = 0) {
  object_registry_options o;
  o.max_idle = max_idle;
  o.min_idle = min_idle;
  return o;
}

// Spins until `done()` holds; only used to wait for another thread to reach a state the registry
// reports (no sleeps, no timing assumptions).
template <class Predicate>
void spin_until(Predicate done) {
  while (!done()) std::this_thread::yield();
}

TEST(ObjectRegistryTest, OneInstancePerKey) {
  membound::object_registry<std::string, Heavy> registry;
  int calls = 0;
  auto factory = [&calls] {
    ++calls;
    return std::make_shared<Heavy>();
  };
  std::shared_ptr<Heavy> h = registry.get_or_create("agent", factory);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(registry.get_or_create("agent", factory), h);
  EXPECT_EQ(registry.get("agent"), h);
  EXPECT_NE(registry.get_or_create("other", factory), h);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(registry.size(), 2U);
  EXPECT_EQ(registry.misses(), 2U);
  EXPECT_EQ(registry.hits(), 2U);
}

TEST(ObjectRegistryTest, FactoryMayReturnUniquePtrOrValue) {
  object_registry<int, Keyed> registry;
  auto a = registry.get_or_create(1, [] { return std::make_unique<Keyed>(1); });
  auto b = registry.get_or_create(2, [] { return Keyed(2); });
  EXPECT_EQ(a->key, 1);
  EXPECT_EQ(b->key, 2);
  EXPECT_EQ(registry.get(2), b);
}

TEST(ObjectRegistryTest, GetDoesNotCreate) {
  object_registry<int, Keyed> registry;
  EXPECT_EQ(registry.get(7), nullptr);
  EXPECT_FALSE(registry.contains(7));
  EXPECT_EQ(registry.size(), 0U);
  EXPECT_EQ(registry.misses(), 1U);
}

TEST(ObjectRegistryTest, NullFactoryResultCreatesNothing) {
  object_registry<int, Keyed> registry;
  EXPECT_EQ(registry.get_or_create(1, [] { return std::shared_ptr<Keyed>(); }), nullptr);
  EXPECT_EQ(registry.size(), 0U);
  EXPECT_EQ(registry.get_or_create(1, [] { return std::make_shared<Keyed>(1); })->key, 1);
}

TEST(ObjectRegistryTest, ThrowingFactoryCreatesNothingAndCanBeRetried) {
  object_registry<int, Keyed> registry;
  EXPECT_THROW(registry.get_or_create(1, []() -> std::shared_ptr<Keyed> {
    throw std::runtime_error("boom");
  }),
               std::runtime_error);
  EXPECT_EQ(registry.size(), 0U);
  EXPECT_FALSE(registry.contains(1));
  EXPECT_EQ(registry.get_or_create(1, [] { return std::make_shared<Keyed>(1); })->key, 1);
}

TEST(ObjectRegistryTest, MinIdleAboveMaxIdleIsRejectedNamingTheField) {
  try {
    object_registry<int, Keyed> registry(idle_bound(2, 3));
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("min_idle"), std::string::npos);
  }
  EXPECT_NO_THROW((object_registry<int, Keyed>(idle_bound(0, 0))));
}

TEST(ObjectRegistryTest, RacingFactoriesRunOnce) {
  constexpr int kThreads = 8;
  object_registry<int, Keyed> registry;
  std::atomic<int> calls{0};
  std::vector<std::shared_ptr<Keyed>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      got[static_cast<std::size_t>(t)] = registry.get_or_create(42, [&] {
        calls.fetch_add(1);
        // Hold the creation open until every other thread is waiting on it.
        spin_until([&] { return registry.coalesced() == kThreads - 1; });
        return std::make_shared<Keyed>(42);
      });
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(calls.load(), 1);
  for (const auto& p : got) EXPECT_EQ(p, got[0]);
  EXPECT_EQ(got[0]->key, 42);
  EXPECT_EQ(registry.size(), 1U);
  EXPECT_EQ(registry.misses(), 1U);
  EXPECT_EQ(registry.hits(), static_cast<std::uint64_t>(kThreads - 1));
}

TEST(ObjectRegistryTest, FactoryExceptionReachesEveryWaiter) {
  constexpr int kThreads = 6;
  object_registry<int, Keyed> registry;
  std::atomic<int> calls{0};
  std::atomic<int> caught{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      try {
        registry.get_or_create(1, [&]() -> std::shared_ptr<Keyed> {
          calls.fetch_add(1);
          spin_until([&] { return registry.coalesced() == kThreads - 1; });
          throw std::runtime_error("factory failed");
        });
      } catch (const std::runtime_error& e) {
        if (std::string(e.what()) == "factory failed") caught.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(caught.load(), kThreads);
  EXPECT_EQ(registry.size(), 0U);
}

TEST(ObjectRegistryTest, IdleInstancesAreReleasedLeastRecentlyUsedFirst) {
  object_registry<int, Keyed> registry(idle_bound(10));
  for (int k = 0; k < 10; ++k) registry.get_or_create(k, [k] { return std::make_shared<Keyed>(k); });
  EXPECT_EQ(registry.idle(), 10U);
  registry.get(0);  // now the two most recently used
  registry.get_or_create(1, [] { return std::make_shared<Keyed>(-1); });

  const shrink_result r = registry.shrink(request(pressure_level::high, 0.5));
  EXPECT_EQ(r.entries, 5U);
  EXPECT_GT(r.bytes, 5 * sizeof(Keyed));
  EXPECT_EQ(registry.idle_capacity(), 5U);
  for (int k : {2, 3, 4, 5, 6}) EXPECT_FALSE(registry.contains(k)) << k;
  for (int k : {0, 1, 7, 8, 9}) EXPECT_TRUE(registry.contains(k)) << k;
  EXPECT_EQ(registry.pressure_evictions(), 5U);
  EXPECT_EQ(registry.evictions(), 0U);
}

TEST(ObjectRegistryTest, InstancesInUseAreNeverReleased) {
  object_registry<int, Keyed> registry(idle_bound(10));
  std::vector<std::shared_ptr<Keyed>> held;
  for (int k = 0; k < 10; ++k) {
    auto p = registry.get_or_create(k, [k] { return std::make_shared<Keyed>(k); });
    if (k % 2 == 0) held.push_back(p);
  }
  EXPECT_EQ(registry.live(), 5U);
  EXPECT_EQ(registry.shrink(request(pressure_level::critical, 0.0)).entries, 5U);
  EXPECT_EQ(registry.idle_capacity(), 0U);
  EXPECT_EQ(registry.size(), 5U);
  for (int k = 0; k < 10; k += 2) {
    EXPECT_EQ(registry.get_or_create(k, [] { return std::make_shared<Keyed>(-1); }),
              held[static_cast<std::size_t>(k / 2)]);
  }
  // Once dropped by its holders, an instance is idle and goes at the next check.
  held.clear();
  EXPECT_EQ(registry.idle(), 5U);
  EXPECT_EQ(registry.trim(), 5U);
  EXPECT_EQ(registry.size(), 0U);
}

TEST(ObjectRegistryTest, IdleBoundIsEnforcedOnCreation) {
  object_registry<int, Keyed> registry(idle_bound(2));
  for (int k = 0; k < 3; ++k) registry.get_or_create(k, [k] { return std::make_shared<Keyed>(k); });
  EXPECT_EQ(registry.size(), 3U);  // the third one was in use (by its creator) at the check
  registry.get_or_create(3, [] { return std::make_shared<Keyed>(3); });
  EXPECT_EQ(registry.size(), 3U);
  EXPECT_FALSE(registry.contains(0));  // least recently used idle one
  EXPECT_EQ(registry.evictions(), 1U);
  EXPECT_EQ(registry.pressure_evictions(), 0U);
}

TEST(ObjectRegistryTest, ZeroMaxIdleKeepsOnlyInstancesInUse) {
  object_registry<int, Keyed> registry(idle_bound(0));
  auto a = registry.get_or_create(1, [] { return std::make_shared<Keyed>(1); });
  registry.get_or_create(2, [] { return std::make_shared<Keyed>(2); });
  registry.get_or_create(3, [] { return std::make_shared<Keyed>(3); });
  EXPECT_EQ(registry.trim(), 1U);  // key 3; key 2 went when 3 was created; `a` holds key 1
  EXPECT_EQ(registry.size(), 1U);
  EXPECT_EQ(registry.get(1), a);
}

TEST(ObjectRegistryTest, ErasedInstanceStaysValidForItsHolder) {
  object_registry<int, Keyed> registry;
  auto a = registry.get_or_create(1, [] { return std::make_shared<Keyed>(1); });
  EXPECT_TRUE(registry.erase(1));
  EXPECT_FALSE(registry.erase(1));
  EXPECT_EQ(a->key, 1);
  EXPECT_EQ(a.use_count(), 1);
  auto b = registry.get_or_create(1, [] { return std::make_shared<Keyed>(1); });
  EXPECT_NE(a, b);
  registry.clear();
  EXPECT_EQ(registry.size(), 0U);
  EXPECT_EQ(b->key, 1);
}

TEST(ObjectRegistryTest, ShrinkAndRegrowFollowTheCapacityRule) {
  object_registry<int, Keyed> registry(idle_bound(100, 10));
  registry.shrink(request(pressure_level::elevated, 0.75));
  EXPECT_EQ(registry.idle_capacity(), 75U);
  registry.shrink(request(pressure_level::high, 0.5, true));
  EXPECT_EQ(registry.idle_capacity(), 37U);
  registry.shrink(request(pressure_level::critical, 0.0));
  EXPECT_EQ(registry.idle_capacity(), 10U);
  int steps = 0;
  while (registry.regrow(0.25)) ++steps;
  EXPECT_EQ(steps, 3);  // 35, 60, 85, then 100
  EXPECT_EQ(registry.idle_capacity(), 100U);
}

TEST(ObjectRegistryTest, StatsSnapshotDescribesTheRegistry) {
  object_registry_options o = idle_bound(4);
  o.name = "sessions";
  object_registry<int, Keyed> registry(o);
  auto held = registry.get_or_create(1, [] { return std::make_shared<Keyed>(1); });
  registry.get_or_create(2, [] { return std::make_shared<Keyed>(2); });
  registry.get(1);
  registry.shrink(request(pressure_level::critical, 0.0));
  const shrinkable_stats s = registry.stats_snapshot();
  EXPECT_EQ(s.kind, "object_registry");
  EXPECT_EQ(s.name, "sessions");
  EXPECT_EQ(s.size, 1U);
  EXPECT_EQ(s.live, 1U);
  EXPECT_EQ(s.capacity, 0U);
  EXPECT_EQ(s.configured_capacity, 4U);
  EXPECT_EQ(s.hits, 1U);
  EXPECT_EQ(s.misses, 2U);
  EXPECT_EQ(s.pressure_evictions, 1U);
  EXPECT_EQ(s.bytes, registry.memory_bytes());
}

#ifndef MEMBOUND_TEST_SANITIZED
using test::expect_within_ten_percent;
using test::heap_in_use;
#endif

TEST(ObjectRegistryTest, MemoryBytesMatchesMallinfo) {
#ifdef MEMBOUND_TEST_SANITIZED
  GTEST_SKIP() << "mallinfo2 does not see a sanitizer's allocator";
#else
  struct Fixed {
    std::array<std::uint64_t, 24> words{};  // 192 bytes
  };
  constexpr std::uint64_t kCount = 20000;
  const std::size_t base = heap_in_use();
  auto registry = std::make_unique<object_registry<std::uint64_t, Fixed>>(idle_bound(kCount));
  for (std::uint64_t k = 0; k < kCount; ++k) {
    registry->get_or_create(k, [] { return std::make_shared<Fixed>(); });
  }
  expect_within_ten_percent(registry->memory_bytes(), heap_in_use() - base);
  registry->shrink(request(pressure_level::high, 0.5));
  EXPECT_EQ(registry->size(), kCount / 2);
  expect_within_ten_percent(registry->memory_bytes(), heap_in_use() - base);
  registry.reset();
  // Everything goes back, give or take what libstdc++ and gtest keep for the process (~3 KiB).
  EXPECT_LE(heap_in_use(), base + 8192);
#endif
}

// Threads create and use instances over a small key space while another thread shrinks and
// regrows: every handed-out instance belongs to its key, and the factory never runs for a key
// that already has an instance.
TEST(ObjectRegistryTest, ConcurrentCreateWhileShrinking) {
  constexpr int kThreads = 4;
  constexpr int kKeys = 64;
  constexpr int kOps = 5000;
  object_registry<int, Keyed> registry(idle_bound(32, 4));
  std::atomic<std::uint64_t> calls{0};
  std::atomic<int> wrong{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t));
      std::uniform_int_distribution<int> key(0, kKeys - 1);
      std::shared_ptr<Keyed> keep;
      for (int i = 0; i < kOps; ++i) {
        const int k = key(rng);
        auto p = registry.get_or_create(k, [&calls, k] {
          calls.fetch_add(1);
          return std::make_shared<Keyed>(k);
        });
        if (p->key != k) wrong.fetch_add(1);
        if (i % 7 == 0) keep = p;  // hold some instances across shrinks
        if (i % 11 == 0) registry.erase(key(rng));
      }
    });
  }
  std::thread shrinker([&] {
    while (!done.load()) {
      registry.shrink(request(pressure_level::critical, 0.0));
      (void)registry.stats_snapshot();
      while (registry.regrow(0.25)) {
      }
    }
  });
  for (auto& th : threads) th.join();
  done.store(true);
  shrinker.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(calls.load(), registry.misses());
  EXPECT_EQ(registry.hits() + registry.misses(), static_cast<std::uint64_t>(kThreads * kOps));
  EXPECT_LE(registry.size(), static_cast<std::size_t>(kKeys));
}

}  // namespace
}  // namespace membound
