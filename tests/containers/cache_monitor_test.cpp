// concurrent_cache driven by a real pressure_monitor on a scripted source: level reaction (75 % /
// 50 % / minimum of capacity), pressure evictions, regrowth after NORMAL, and concurrent use while
// the level changes every millisecond.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <latch>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "membound/containers/lru_cache.hpp"
#include "membound/pressure/monitor.hpp"
#include "membound/pressure/source.hpp"
#include "support/fake_clock.hpp"

namespace {

using membound::cache_options;
using membound::lru_cache;
using membound::pressure_level;

struct monitored {
  membound::test::fake_clock clock;
  membound::scripted_source* source = nullptr;
  std::unique_ptr<membound::pressure_monitor> monitor;
  monitored() {
    auto src = std::make_unique<membound::scripted_source>(10, 100);
    src->set_clock(clock.fn());  // samples carry the fake time the classifier's dwell reads
    source = src.get();
    membound::monitor_options mo;
    mo.clock = clock.fn();
    mo.release_to_os = false;
    monitor = std::make_unique<membound::pressure_monitor>(std::move(src), mo);
  }
  pressure_level at(std::uint64_t used_percent) {
    source->set(used_percent, 100);
    return monitor->poll_once();
  }
};

TEST(CacheMonitorTest, LevelsShrinkToFractionsOfCapacityAndRegrowAfterNormal) {
  monitored m;
  cache_options o;
  o.max_entries = 1000;
  o.min_entries = 100;
  o.shards = 4;
  lru_cache<std::uint64_t, std::uint64_t> c(o);
  auto attachment = m.monitor->attach(c);
  for (std::uint64_t k = 0; k < 20'000; ++k) c.put(k, k);  // every shard full
  ASSERT_EQ(c.size(), 1000u);
  const double slack = static_cast<double>(c.shard_count());  // ±1 entry per shard

  EXPECT_EQ(m.at(10), pressure_level::normal);
  EXPECT_EQ(c.capacity(), 1000u);
  EXPECT_EQ(m.at(65), pressure_level::elevated);
  EXPECT_EQ(c.capacity(), 750u);
  EXPECT_NEAR(static_cast<double>(c.size()), 750.0, slack);
  EXPECT_EQ(m.at(85), pressure_level::high);
  EXPECT_EQ(c.capacity(), 500u);
  EXPECT_NEAR(static_cast<double>(c.size()), 500.0, slack);
  EXPECT_EQ(m.at(95), pressure_level::critical);
  EXPECT_EQ(c.capacity(), 100u);
  EXPECT_NEAR(static_cast<double>(c.size()), 100.0, slack);
  EXPECT_EQ(c.stats().pressure_evictions, 1000u - c.size());

  // Pressure gone: the monitor steps down with hysteresis, then regrows capacity in steps.
  int polls = 0;
  while (c.capacity() < 1000u && polls < 2000) {
    m.clock.advance(std::chrono::seconds(1));
    m.at(10);
    ++polls;
  }
  EXPECT_EQ(c.capacity(), 1000u);
  EXPECT_EQ(m.monitor->level(), pressure_level::normal);
  for (std::uint64_t k = 100'000; k < 120'000; ++k) c.put(k, k);
  EXPECT_EQ(c.size(), 1000u);
}

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int ops_per_thread = 20'000;
#else
constexpr int ops_per_thread = 200'000;
#endif

TEST(CacheMonitorTest, ConcurrentUseWhileTheMonitorChangesLevelsEveryMillisecond) {
  monitored m;
  cache_options o;
  o.max_entries = 2000;
  o.min_entries = 50;
  lru_cache<std::uint64_t, std::uint64_t> c(o);
  auto attachment = m.monitor->attach(c);
  constexpr int threads = 4;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> gets{0};
  std::atomic<std::uint64_t> wrong{0};
  std::atomic<std::uint64_t> over{0};
  std::latch start(threads + 1);
  std::thread pressure([&] {
    start.arrive_and_wait();
    const std::uint64_t script[] = {10, 65, 85, 95, 10, 10, 85, 10};
    for (int i = 0; !stop.load(); ++i) {
      m.clock.advance(std::chrono::seconds(20));  // enough for the hysteresis to step down
      m.at(script[i % 8]);
      if (c.size() > o.max_entries) over.fetch_add(1);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      std::mt19937_64 rng(static_cast<std::uint64_t>(t) + 99);
      std::uint64_t mine = 0;
      start.arrive_and_wait();
      for (int i = 0; i < ops_per_thread; ++i) {
        const std::uint64_t k = rng() % 5000;
        const auto r = rng() % 10;
        if (r < 6) {
          ++mine;
          if (auto v = c.get(k); v && *v != k * 3) wrong.fetch_add(1);
        } else if (r < 9) {
          c.put(k, k * 3);
        } else if (r == 9 && (i & 1) != 0) {
          c.erase(k);
        } else {
          ++mine;
          if (c.get_or_load(k, [k] { return k * 3; }) != k * 3) wrong.fetch_add(1);
        }
      }
      gets.fetch_add(mine);
    });
  }
  for (auto& th : ts) th.join();
  stop = true;
  pressure.join();
  EXPECT_EQ(wrong.load(), 0u);
  EXPECT_EQ(over.load(), 0u);
  const auto st = c.stats();
  EXPECT_EQ(st.hits + st.misses, gets.load());
  EXPECT_LE(c.size(), c.capacity());
  EXPECT_GT(st.pressure_evictions, 0u);
  EXPECT_GT(m.monitor->stats().shrink_passes, 0u);
}

}  // namespace
