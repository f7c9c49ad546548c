// The key workload shared by cache_bench and cache_probe, so both measure the same keys:
// scrambled Zipf (s = 0.99) ranks over n resident keys, precomputed so random-number generation
// stays outside timed loops.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace membound::bench {

// The key stored for rank r: scrambled so that popular ranks are spread over the key space.
inline std::uint64_t key_of(std::uint64_t rank) { return (rank + 1) * 0x9E3779B97F4A7C15ULL; }

// `len` keys drawn from Zipf(0.99) over n ranks (seed 42), each rank scrambled among the n
// resident keys as YCSB's ScrambledZipfian does.
inline std::vector<std::uint64_t> make_zipf_keys(std::size_t n, std::size_t len) {
  std::vector<double> cdf(n);
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sum += 1.0 / std::pow(static_cast<double>(i + 1), 0.99);
    cdf[i] = sum;
  }
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(0.0, sum);
  std::vector<std::uint64_t> v(len);
  for (auto& k : v) {
    const auto r =
        static_cast<std::uint64_t>(std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin());
    k = key_of((r * 2654435761ULL) % n);
  }
  return v;
}

}  // namespace membound::bench
