// concurrent_cache under concurrent use (run under TSan in CI): mixed operations while another
// thread moves the pressure level every millisecond, loader de-duplication, exception delivery.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <latch>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "membound/containers/concurrent_cache.hpp"
#include "membound/policy/lru.hpp"
#include "membound/policy/sieve.hpp"

namespace {

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int ops_per_thread = 20'000;
#else
constexpr int ops_per_thread = 200'000;
#endif

using membound::cache_options;
using membound::concurrent_cache;
using membound::pressure_level;
using membound::shrink_request;

// Value stored for key k: encodes k so a reader can tell a value belongs to its key.
std::uint64_t value_for(std::uint64_t k, std::uint64_t version) { return (k << 20) | (version & 0xfffff); }

template <class Policy>
void mixed_workload_under_pressure(int threads, std::optional<std::size_t> shards) {
  cache_options o;
  o.max_entries = 1000;
  o.min_entries = 40;
  o.shards = shards;
  concurrent_cache<std::uint64_t, std::uint64_t, Policy> cache(o);

  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> gets{0};
  std::atomic<std::uint64_t> bad_values{0};
  std::atomic<std::uint64_t> over_limit{0};
  std::latch start(threads + 1);

  // Changes the pressure level every millisecond by calling shrink() and regrow() directly
  // (cache_monitor_test.cpp does the same through a real pressure_monitor).
  std::thread pressure([&] {
    start.arrive_and_wait();
    const double fractions[] = {0.75, 0.5, 0.0};
    const pressure_level levels[] = {pressure_level::elevated, pressure_level::high,
                                     pressure_level::critical};
    int step = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      const int i = step++ % 4;
      if (i < 3) {
        shrink_request r;
        r.level = levels[i];
        r.keep_fraction = fractions[i];
        cache.shrink(r);
      } else {
        while (cache.regrow(0.25)) {
        }
      }
      if (cache.size() > o.max_entries) over_limit.fetch_add(1);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });

  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::mt19937_64 rng(static_cast<std::uint64_t>(t) * 7919 + 1);
      std::uint64_t my_gets = 0;
      start.arrive_and_wait();
      for (int i = 0; i < ops_per_thread; ++i) {
        const std::uint64_t k = rng() % 3000;
        const auto r = rng() % 100;
        if (r < 60) {
          ++my_gets;
          if (auto v = cache.get(k); v && (*v >> 20) != k) bad_values.fetch_add(1);
        } else if (r < 85) {
          cache.put(k, value_for(k, static_cast<std::uint64_t>(i)));
        } else if (r < 93) {
          cache.erase(k);
        } else if (r < 97) {
          ++my_gets;
          const std::uint64_t v = cache.get_or_load(k, [&] { return value_for(k, 0); });
          if ((v >> 20) != k) bad_values.fetch_add(1);
        } else {
          (void)cache.contains(k);
          if (cache.size() > o.max_entries) over_limit.fetch_add(1);
        }
      }
      gets.fetch_add(my_gets);
    });
  }
  for (auto& w : workers) w.join();
  stop = true;
  pressure.join();

  EXPECT_EQ(bad_values.load(), 0u);
  EXPECT_EQ(over_limit.load(), 0u);
  const auto st = cache.stats();
  EXPECT_EQ(st.hits + st.misses, gets.load());
  EXPECT_LE(cache.size(), cache.capacity());
  EXPECT_GT(st.pressure_evictions, 0u);
  // Every entry that went in is either still there or was removed by someone.
  EXPECT_LE(st.size, st.inserts);
}

TEST(CacheConcurrencyTest, LruMixedOperationsUnderChangingPressure) {
  mixed_workload_under_pressure<membound::policy::lru>(4, std::nullopt);
}

TEST(CacheConcurrencyTest, SieveMixedOperationsUnderChangingPressure) {
  mixed_workload_under_pressure<membound::policy::sieve>(2, 4);
}

TEST(CacheConcurrencyTest, OneShardEightThreads) {
  mixed_workload_under_pressure<membound::policy::lru>(8, 1);
}

TEST(CacheConcurrencyTest, OneLoaderRunsPerKeyWhenThreadsRace) {
  constexpr int threads = 6;
  constexpr std::uint64_t keys = 200;
  cache_options o;
  o.max_entries = 10'000;  // nothing is evicted, so a second load would be a bug
  concurrent_cache<std::uint64_t, std::string> cache(o);
  std::vector<std::atomic<int>> calls(keys);
  std::latch start(threads);
  std::atomic<int> wrong{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      start.arrive_and_wait();
      for (std::uint64_t i = 0; i < keys; ++i) {
        const std::uint64_t k = (i * 7 + static_cast<std::uint64_t>(t)) % keys;
        const std::string v = cache.get_or_load(k, [&] {
          calls[k].fetch_add(1);
          std::this_thread::yield();  // widen the window in which others arrive
          return std::to_string(k);
        });
        if (v != std::to_string(k)) wrong.fetch_add(1);
      }
    });
  }
  for (auto& th : ts) th.join();
  for (std::uint64_t k = 0; k < keys; ++k) EXPECT_EQ(calls[k].load(), 1) << "key " << k;
  EXPECT_EQ(wrong.load(), 0);
  const auto st = cache.stats();
  EXPECT_EQ(st.loads, keys);
  EXPECT_EQ(st.hits + st.misses, static_cast<std::uint64_t>(threads) * keys);
}

TEST(CacheConcurrencyTest, LoaderExceptionReachesEveryWaiterAndNothingIsCached) {
  constexpr int threads = 6;
  cache_options o;
  o.max_entries = 100;
  concurrent_cache<int, int> cache(o);
  std::atomic<int> loader_calls{0};
  std::atomic<int> caught{0};
  std::atomic<int> caught_from_other{0};
  std::latch start(threads);
  // Every thread leaves its catch block only after all have caught: the exception object is shared
  // (exception_ptr) and libstdc++ frees it with an uninstrumented atomic refcount, which TSan would
  // otherwise report as a race between one thread's what() and another's free.
  std::latch all_caught(threads);
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      start.arrive_and_wait();
      bool threw = false;
      try {
        cache.get_or_load(42, [&]() -> int {
          loader_calls.fetch_add(1);
          std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let the others queue up
          throw std::runtime_error(std::to_string(t));
        });
      } catch (const std::runtime_error& e) {
        threw = true;
        caught.fetch_add(1);
        if (e.what() != std::to_string(t)) caught_from_other.fetch_add(1);
        all_caught.arrive_and_wait();
      }
      if (!threw) all_caught.arrive_and_wait();
    });
  }
  for (auto& th : ts) th.join();
  EXPECT_EQ(caught.load(), threads);  // every caller saw an exception
  // Every caller that did not run a loader got a leader's exception.
  EXPECT_EQ(caught_from_other.load(), threads - loader_calls.load());
  EXPECT_FALSE(cache.contains(42));
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.stats().load_failures, static_cast<std::uint64_t>(loader_calls.load()));
}

TEST(CacheConcurrencyTest, ReadersSeeWholeValuesWhileWritersReplaceThem) {
  cache_options o;
  o.max_entries = 64;
  o.shards = 2;
  concurrent_cache<int, std::string> cache(o);
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  std::thread writer([&] {
    for (int i = 0; i < ops_per_thread / 4; ++i) {
      const int k = i % 80;
      cache.put(k, std::string(static_cast<std::size_t>(16 + i % 100), static_cast<char>('a' + i % 26)));
    }
    stop = true;
  });
  std::thread reader([&] {
    int k = 0;
    while (!stop.load()) {
      if (auto v = cache.get(k++ % 80)) {
        for (char c : *v)
          if (c != (*v)[0]) torn.fetch_add(1);
      }
    }
  });
  writer.join();
  reader.join();
  EXPECT_EQ(torn.load(), 0);
}

}  // namespace
