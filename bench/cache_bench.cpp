// concurrent_cache benchmarks, with their baselines in the same binary (reference/cache-performance.md,
// "Suggested benchmark suite"): an unsynchronized std::unordered_map (the floor), the naive
// std::mutex + std::list + std::unordered_map LRU (the design to beat) and TBB's
// concurrent_lru_cache (off-the-shelf). Keys are precomputed scrambled-Zipf (s = 0.99) indexes so
// random-number generation stays outside the timed loops; 2-thread results are aggregate rates.
//
//   build/release/bench/cache_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#define TBB_PREVIEW_CONCURRENT_LRU_CACHE 1
#include <tbb/concurrent_lru_cache.h>

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "membound/containers/lru_cache.hpp"
#include "membound/policy/clock.hpp"
#include "membound/policy/sieve.hpp"
#include "baselines.hpp"
#include "zipf_keys.hpp"

namespace {

using u64 = std::uint64_t;

// --- workload ---------------------------------------------------------------------------------

using membound::bench::key_of;

constexpr std::size_t probe_len = std::size_t{1} << 16;  // per-size probe array (keys)

// Precomputed Zipf(0.99) keys over n items, one array per n for the whole run.
const std::vector<u64>& zipf_keys(std::size_t n) {
  static std::map<std::size_t, std::vector<u64>> cache;
  static std::mutex mu;
  std::lock_guard<std::mutex> g(mu);
  auto& v = cache[n];
  if (v.empty()) v = membound::bench::make_zipf_keys(n, probe_len);
  return v;
}

// --- implementations behind one adapter interface -----------------------------------------------

using membound::bench::floor_map;
using membound::bench::naive_lru;

u64 tbb_identity(u64 k) { return k; }

// TBB's preview LRU: lookup-or-compute only (no put). Capacity must be > 0 (Debian's 2021.8 header
// crashes at 0, oneTBB#265).
struct tbb_lru {
  explicit tbb_lru(std::size_t n) : c(&tbb_identity, std::max<std::size_t>(n, 1)) {}
  [[gnu::always_inline]] std::optional<u64> get(u64 k) { return c[k].value(); }
  void put(u64 k, u64 /*v*/) { (void)c[k].value(); }
  tbb::concurrent_lru_cache<u64, u64, u64 (*)(u64)> c;
};

template <class Policy>
struct membound_cache {
  // 25 % headroom: per-shard limits are hard, and hashing n keys into shards of n / shards each
  // would evict a few from the fuller shards (the benchmarks want 100 % hits on n resident keys).
  static membound::cache_options options(std::size_t n, bool exact) {
    membound::cache_options o;
    o.max_entries = exact ? n : n + n / 4;
    return o;
  }
  explicit membound_cache(std::size_t n, bool exact = false) : c(options(n, exact)) {}
  std::size_t size() const { return c.size(); }
  [[gnu::always_inline]] std::optional<u64> get(u64 k) { return c.get(k); }
  void put(u64 k, u64 v) { c.put(k, v); }
  membound::concurrent_cache<u64, u64, Policy> c;
};
using ours_lru = membound_cache<membound::policy::lru>;
using ours_sieve = membound_cache<membound::policy::sieve>;
using ours_clock = membound_cache<membound::policy::clock>;

// One pre-populated instance per (implementation, size), shared by the benchmark's threads.
template <class Impl>
Impl& populated(std::size_t n) {
  static std::map<std::size_t, std::unique_ptr<Impl>> instances;
  auto& p = instances[n];
  if (!p) {
    p = std::make_unique<Impl>(n);
    for (u64 r = 0; r < n; ++r) p->put(key_of(r), r);
  }
  return *p;
}

// --- benchmarks -----------------------------------------------------------------------------------

// Get on a present key (100 % hits), Zipf keys.
template <class Impl>
void BM_GetHit(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::vector<u64>& keys = zipf_keys(n);
  static Impl* impl = nullptr;
  if (state.thread_index() == 0) impl = &populated<Impl>(n);
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * (probe_len / 2);
  u64 found = 0;
  for (auto _ : state) {
    auto v = impl->get(keys[i++ & (probe_len - 1)]);
    found += v.has_value();
    benchmark::DoNotOptimize(v);
  }
  if (found != static_cast<u64>(state.iterations())) state.SkipWithError("a get missed");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// Get hit as above, but every thread reads its own private, pre-populated cache: no memory is
// shared between the threads at all. Its 2-thread scaling is the ceiling this machine allows the
// same code (the shared-cache rows above should come close to it).
template <class Impl>
void BM_GetHitPrivate(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::vector<u64>& keys = zipf_keys(n);
  Impl impl(n);
  for (u64 r = 0; r < n; ++r) impl.put(key_of(r), r);
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * (probe_len / 2);
  u64 found = 0;
  for (auto _ : state) {
    auto v = impl.get(keys[i++ & (probe_len - 1)]);
    found += v.has_value();
    benchmark::DoNotOptimize(v);
  }
  if (found != static_cast<u64>(state.iterations())) state.SkipWithError("a get missed");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// Put of a new key (100 % inserts, each evicting one entry once full).
template <class Impl>
void BM_PutMiss(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  static std::unique_ptr<Impl> impl;
  if (state.thread_index() == 0) impl = std::make_unique<Impl>(n);
  u64 k = (static_cast<u64>(state.thread_index()) << 40) + 1;
  for (auto _ : state) {
    impl->put(key_of(k), k);
    ++k;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// 75 % gets / 25 % puts (updates of present keys), Zipf keys, every thread doing both.
template <class Impl>
void BM_Mixed75(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::vector<u64>& keys = zipf_keys(n);
  static Impl* impl = nullptr;
  if (state.thread_index() == 0) impl = &populated<Impl>(n);
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * (probe_len / 2);
  for (auto _ : state) {
    const u64 k = keys[i & (probe_len - 1)];
    if ((i & 3) == 3) {
      impl->put(k, i);
    } else {
      auto v = impl->get(k);
      benchmark::DoNotOptimize(v);
    }
    ++i;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

std::size_t heap_in_use() {
  const struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

// Heap bytes per <u64,u64> entry after inserting 2^20 entries (mallinfo2 delta).
template <class Impl>
void BM_BytesPerEntry(benchmark::State& state) {
  constexpr std::size_t n = std::size_t{1} << 20;
  double per_entry = 0;
  double accounted_ratio = 0;
  for (auto _ : state) {
    const std::size_t before = heap_in_use();
    std::unique_ptr<Impl> impl;
    if constexpr (requires { Impl(n, true); }) {
      impl = std::make_unique<Impl>(n, /*exact=*/true);  // capacity exactly n
    } else {
      impl = std::make_unique<Impl>(n);
    }
    for (u64 r = 0; r < n; ++r) impl->put(key_of(r), r);
    const std::size_t used = heap_in_use() - before;
    std::size_t held = n;
    if constexpr (requires { impl->size(); }) held = impl->size();  // per entry actually held
    per_entry = static_cast<double>(used) / static_cast<double>(held);
    if constexpr (requires { impl->c.memory_bytes(); }) {
      accounted_ratio = static_cast<double>(impl->c.memory_bytes()) / static_cast<double>(used);
    }
  }
  state.counters["bytes_per_entry"] = per_entry;
  state.counters["overhead_per_entry"] = per_entry - 2 * sizeof(u64);
  if (accounted_ratio > 0) state.counters["accounted_over_measured"] = accounted_ratio;
}

// Same with <std::string key (SSO), std::string value of 100 bytes>; ours vs naive-like map.
void BM_BytesPerEntryString(benchmark::State& state) {
  constexpr std::size_t n = std::size_t{1} << 17;
  double per_entry = 0;
  double accounted_ratio = 0;
  for (auto _ : state) {
    const std::size_t before = heap_in_use();
    membound::cache_options o;
    o.max_entries = n;
    auto c = std::make_unique<membound::lru_cache<std::string, std::string>>(o);
    for (std::size_t r = 0; r < n; ++r) c->put("key-" + std::to_string(r), std::string(100, 'v'));
    const std::size_t used = heap_in_use() - before;
    per_entry = static_cast<double>(used) / static_cast<double>(n);
    accounted_ratio = static_cast<double>(c->memory_bytes()) / static_cast<double>(used);
  }
  state.counters["bytes_per_entry"] = per_entry;
  state.counters["accounted_over_measured"] = accounted_ratio;
}

// Shrinks 1M entries to 0: total time (manual time) and the longest single lock hold.
template <class Impl>
void BM_Shrink1M(benchmark::State& state) {
  constexpr std::size_t n = std::size_t{1} << 20;
  double longest_us = 0;
  for (auto _ : state) {
    auto impl = std::make_unique<Impl>(n);
    for (u64 r = 0; r < n; ++r) impl->put(key_of(r), r);
    const auto t0 = std::chrono::steady_clock::now();
    std::chrono::nanoseconds hold{0};
    if constexpr (std::is_same_v<Impl, naive_lru>) {
      hold = impl->shrink_to(0);
    } else {
      membound::shrink_request r;
      r.level = membound::pressure_level::critical;
      r.keep_fraction = 0.0;
      impl->c.shrink(r);
      hold = impl->c.longest_shrink_lock_hold();
      if (impl->c.size() != 0) state.SkipWithError("shrink left entries");
    }
    const auto t1 = std::chrono::steady_clock::now();
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    longest_us = std::max(longest_us, std::chrono::duration<double, std::micro>(hold).count());
  }
  state.counters["max_lock_hold_us"] = longest_us;
}

constexpr std::int64_t k1 = 1024;
constexpr std::int64_t k64 = 64 * 1024;

#define MB_GET(impl)                                                                    \
  BENCHMARK_TEMPLATE(BM_GetHit, impl)->Arg(k1)->Arg(k64)->Threads(1)->Threads(2)->UseRealTime()
MB_GET(floor_map);
MB_GET(naive_lru);
MB_GET(tbb_lru);
MB_GET(ours_lru);
MB_GET(ours_sieve);

BENCHMARK_TEMPLATE(BM_GetHitPrivate, ours_lru)->Arg(k1)->Arg(k64)->Threads(1)->Threads(2)->UseRealTime();

#define MB_PUT(impl)                                                                    \
  BENCHMARK_TEMPLATE(BM_PutMiss, impl)->Arg(k1)->Arg(k64)->Threads(1)->Threads(2)->UseRealTime()
MB_PUT(naive_lru);
MB_PUT(ours_lru);
MB_PUT(ours_sieve);

#define MB_MIXED(impl)                                                                  \
  BENCHMARK_TEMPLATE(BM_Mixed75, impl)->Arg(k1)->Arg(k64)->Threads(1)->Threads(2)->UseRealTime()
MB_MIXED(naive_lru);
MB_MIXED(ours_lru);
MB_MIXED(ours_sieve);

BENCHMARK_TEMPLATE(BM_BytesPerEntry, floor_map)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_BytesPerEntry, naive_lru)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_BytesPerEntry, tbb_lru)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_BytesPerEntry, ours_lru)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_BytesPerEntry, ours_sieve)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_BytesPerEntry, ours_clock)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BytesPerEntryString)->Iterations(1)->Unit(benchmark::kMillisecond);

BENCHMARK_TEMPLATE(BM_Shrink1M, naive_lru)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_Shrink1M, ours_lru)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
