// Simulator throughput: requests/s replaying an in-memory trace on one thread, per policy, with
// a baseline std::unordered_map + std::list LRU replaying the same requests. The trace (ARC's
// OLTP, else a synthetic Zipf(1.0) trace) is loaded before any timed loop.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <list>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "membound/sim/sim.hpp"

namespace {

using namespace membound;

const sim::trace& oltp() {
  static const sim::trace t = [] {
    const char* dir = std::getenv("MEMBOUND_TRACES_DIR");  // overrides the build-time location
    const std::string path = std::string(dir != nullptr ? dir : MEMBOUND_TRACES_DIR) + "/arc/OLTP.lis";
    if (std::filesystem::exists(path)) {
      sim::trace_options o;
      o.format = sim::trace_format::arc;
      auto r = sim::load_trace(path, o);
      if (r.ok()) return std::move(r.value);
    }
    return sim::trace{};
  }();
  return t;
}

// Zipf(alpha = 1.0) over 1 M objects, 10 M requests (the S3-FIFO artifact's workload shape).
const sim::trace& zipf() {
  static const sim::trace t = [] {
    constexpr std::size_t objects = 1'000'000;
    constexpr std::size_t requests = 10'000'000;
    std::vector<double> cdf(objects);
    double sum = 0;
    for (std::size_t i = 0; i < objects; ++i) cdf[i] = (sum += 1.0 / static_cast<double>(i + 1));
    for (double& c : cdf) c /= sum;
    std::mt19937_64 rng(1);
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<std::uint64_t> keys(requests);
    for (auto& k : keys) k = static_cast<std::uint64_t>(std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin());
    return sim::make_trace(keys);
  }();
  return t;
}

const sim::trace& pick(int which) { return which == 0 ? oltp() : zipf(); }

void bm_policy(benchmark::State& state, std::string policy) {
  const sim::trace& t = pick(static_cast<int>(state.range(0)));
  if (t.size() == 0) {
    state.SkipWithError("OLTP trace not found under MEMBOUND_TRACES_DIR");
    return;
  }
  sim::trace copy;
  const sim::trace* use = &t;
  if (policy == "belady") {  // next-access information is computed once, outside the timing
    copy = t;
    copy.compute_next_access();
    use = &copy;
  }
  const sim::cache_size size{static_cast<std::uint64_t>(state.range(1)), sim::capacity_unit::entries};
  double hit_ratio = 0;
  for (auto _ : state) {
    const auto r = sim::simulate(*use, policy, size);
    hit_ratio = r.hit_ratio();
    benchmark::DoNotOptimize(hit_ratio);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * t.size()));
  state.counters["hit_ratio"] = hit_ratio;
}

// Baseline: the textbook LRU (std::unordered_map of std::list iterators) on the same requests.
void bm_baseline_std_lru(benchmark::State& state) {
  const sim::trace& t = pick(static_cast<int>(state.range(0)));
  if (t.size() == 0) {
    state.SkipWithError("OLTP trace not found under MEMBOUND_TRACES_DIR");
    return;
  }
  const auto capacity = static_cast<std::size_t>(state.range(1));
  std::uint64_t hits = 0;
  for (auto _ : state) {
    std::list<std::uint32_t> order;
    std::unordered_map<std::uint32_t, std::list<std::uint32_t>::iterator> index;
    hits = 0;
    for (const auto& r : t.requests) {
      const auto it = index.find(r.object);
      if (it != index.end()) {
        ++hits;
        order.splice(order.begin(), order, it->second);
        continue;
      }
      if (order.size() == capacity) {
        index.erase(order.back());
        order.pop_back();
      }
      order.push_front(r.object);
      index.emplace(r.object, order.begin());
    }
    benchmark::DoNotOptimize(hits);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * t.size()));
  state.counters["hit_ratio"] = static_cast<double>(hits) / static_cast<double>(t.size());
}

// Args: {trace (0 = OLTP, 1 = Zipf), cache entries}.
void args(benchmark::internal::Benchmark* b) {
  b->Args({0, 1000})->Args({0, 18688})->Args({1, 10000})->Args({1, 100000})->Unit(benchmark::kMillisecond);
}

BENCHMARK(bm_baseline_std_lru)->Apply(args);
BENCHMARK_CAPTURE(bm_policy, lru, std::string("lru"))->Apply(args);
BENCHMARK_CAPTURE(bm_policy, fifo, std::string("fifo"))->Apply(args);
BENCHMARK_CAPTURE(bm_policy, clock, std::string("clock"))->Apply(args);
BENCHMARK_CAPTURE(bm_policy, sieve, std::string("sieve"))->Apply(args);
BENCHMARK_CAPTURE(bm_policy, s3fifo, std::string("s3fifo"))->Apply(args);
BENCHMARK_CAPTURE(bm_policy, s3fifo_static, std::string("s3fifo_static"))->Apply(args);
BENCHMARK_CAPTURE(bm_policy, w_tinylfu, std::string("w_tinylfu"))->Apply(args);
BENCHMARK_CAPTURE(bm_policy, w_tinylfu_climber, std::string("w_tinylfu_climber"))->Apply(args);
BENCHMARK_CAPTURE(bm_policy, arc, std::string("arc"))->Apply(args);
BENCHMARK_CAPTURE(bm_policy, lirs, std::string("lirs"))->Apply(args);
BENCHMARK_CAPTURE(bm_policy, two_queue, std::string("two_queue"))->Apply(args);
BENCHMARK_CAPTURE(bm_policy, slru, std::string("slru"))->Apply(args);
BENCHMARK_CAPTURE(bm_policy, belady, std::string("belady"))->Apply(args);

}  // namespace

BENCHMARK_MAIN();
