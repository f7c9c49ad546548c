// The baselines concurrent_cache is measured against (reference/cache-performance.md), shared by
// cache_bench (timed, with its other baselines) and cache_probe (instruction counts and models),
// so both measure the same code.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>

namespace membound::bench {

// Floor: the cost of hashing and one probe. Not thread-safe; used read-only.
struct floor_map {
  explicit floor_map(std::size_t n) { m.reserve(n); }
  [[gnu::always_inline]] std::optional<std::uint64_t> get(std::uint64_t k) const {
    const auto it = m.find(k);
    if (it == m.end()) return std::nullopt;
    return it->second;
  }
  void put(std::uint64_t k, std::uint64_t v) { m[k] = v; }
  std::unordered_map<std::uint64_t, std::uint64_t> m;
};

// A mutex that does nothing: basic_naive_lru<null_mutex> is the naive seed's data structure with
// no thread safety at all (what exact LRU order costs by itself).
struct null_mutex {
  void lock() noexcept {}
  void unlock() noexcept {}
};

// The naive seed: one mutex, std::list in recency order, std::unordered_map index.
template <class Mutex>
struct basic_naive_lru {
  using u64 = std::uint64_t;
  explicit basic_naive_lru(std::size_t n) : capacity(n) { index.reserve(n); }
  [[gnu::always_inline]] std::optional<u64> get(u64 k) {
    std::lock_guard<Mutex> g(mu);
    auto it = index.find(k);
    if (it == index.end()) return std::nullopt;
    order.splice(order.begin(), order, it->second);
    return it->second->second;
  }
  void put(u64 k, u64 v) {
    std::lock_guard<Mutex> g(mu);
    auto it = index.find(k);
    if (it != index.end()) {
      it->second->second = v;
      order.splice(order.begin(), order, it->second);
      return;
    }
    order.emplace_front(k, v);
    index.emplace(k, order.begin());
    if (index.size() > capacity) {
      index.erase(order.back().first);
      order.pop_back();
    }
  }
  // Shrinks to n entries in one lock hold; returns the hold time.
  std::chrono::nanoseconds shrink_to(std::size_t n) {
    std::lock_guard<Mutex> g(mu);
    const auto t0 = std::chrono::steady_clock::now();
    capacity = n;
    while (index.size() > n) {
      index.erase(order.back().first);
      order.pop_back();
    }
    return std::chrono::steady_clock::now() - t0;
  }
  Mutex mu;
  std::size_t capacity;
  std::list<std::pair<u64, u64>> order;
  std::unordered_map<u64, typename std::list<std::pair<u64, u64>>::iterator> index;
};
using naive_lru = basic_naive_lru<std::mutex>;

}  // namespace membound::bench
