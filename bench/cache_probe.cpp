// A plain loop of concurrent_cache get hits for instruction counting (T11): deterministic under
// `valgrind --tool=callgrind`, unlike the timed rows of cache_bench. Same keys as cache_bench
// (scrambled Zipf 0.99 over n resident entries, 25 % capacity headroom).
//
//   valgrind --tool=callgrind build/release/bench/cache_probe lru 1024 1000000
//   valgrind --tool=callgrind build/release/bench/cache_probe lru 1024 0   # setup only: subtract
//
// Policies: lru, sieve, fifo (fifo's on_hit is empty: the cost of the read path alone), map (the
// unordered_map floor). Prints the hits (and ns per get, which under valgrind means nothing).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "membound/containers/concurrent_cache.hpp"
#include "membound/policy/fifo.hpp"
#include "membound/policy/lru.hpp"
#include "membound/policy/sieve.hpp"
#include "zipf_keys.hpp"

namespace {

using u64 = std::uint64_t;

using membound::bench::key_of;

struct floor_map {
  std::optional<u64> get(u64 k) const {
    const auto it = m.find(k);
    if (it == m.end()) return std::nullopt;
    return it->second;
  }
  void put(u64 k, u64 v) { m[k] = v; }
  std::unordered_map<u64, u64> m;
};

template <class C>
[[gnu::noinline]] u64 run(C& c, const std::vector<u64>& keys, std::size_t iters) {
  u64 found = 0;
  for (std::size_t i = 0; i < iters; ++i) found += c.get(keys[i & (keys.size() - 1)]).has_value();
  return found;
}

template <class C>
int probe(C& c, std::size_t n, std::size_t iters) {
  const std::vector<u64> keys = membound::bench::make_zipf_keys(n, std::size_t{1} << 16);
  for (u64 r = 0; r < n; ++r) c.put(key_of(r), r);
  (void)run(c, keys, 1000);
  const auto t0 = std::chrono::steady_clock::now();
  const u64 found = run(c, keys, iters);
  const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
  std::printf("hits %llu of %zu, %.2f ns per get\n", static_cast<unsigned long long>(found), iters,
              iters > 0 ? ns / static_cast<double>(iters) : 0.0);
  return found == iters ? 0 : 1;
}

template <class Policy>
int probe_cache(std::size_t n, std::size_t iters) {
  membound::cache_options o;
  o.max_entries = n + n / 4;
  membound::concurrent_cache<u64, u64, Policy> c(o);
  return probe(c, n, iters);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view policy = argc > 1 ? argv[1] : "lru";
  const std::size_t n = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1024;
  const std::size_t iters = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1'000'000;
  if (policy == "lru") return probe_cache<membound::policy::lru>(n, iters);
  if (policy == "sieve") return probe_cache<membound::policy::sieve>(n, iters);
  if (policy == "fifo") return probe_cache<membound::policy::fifo>(n, iters);
  if (policy == "map") {
    floor_map m;
    m.m.reserve(n);
    return probe(m, n, iters);
  }
  std::fprintf(stderr, "usage: cache_probe lru|sieve|fifo|map [entries] [gets]\n");
  return 2;
}
