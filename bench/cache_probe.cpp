// A plain loop of concurrent_cache get hits for instruction counting (T11): deterministic under
// `valgrind --tool=callgrind`, unlike the timed rows of cache_bench. Same keys as cache_bench
// (scrambled Zipf 0.99 over n resident entries, 25 % capacity headroom).
//
//   valgrind --tool=callgrind build/release/bench/cache_probe lru 1024 1000000
//   valgrind --tool=callgrind build/release/bench/cache_probe lru 1024 0   # setup only: subtract
//
// Policies: lru, sieve, fifo (fifo's on_hit is empty: the cost of the read path alone), map (the
// unordered_map floor). Prints the hits (and ns per get, which under valgrind means nothing).
//
// Also four models of the cheapest read path this design could have, to bound what tuning can
// reach (T1): keys and values inline in a linear-probing table (no node indirection, no tags), and
//   model-lookup  the probe alone (no synchronisation at all: the floor of an open-addressing index)
//   model-epoch   + the real epoch_guard announce/clear (what lock-free reads with reclamation cost)
//   model-lru     + recording each hit in a thread-local ring of handles, replayed every 128 hits
//                   into an exact LRU list of u32 links (what exact LRU order costs on top)
//   model-stdlru  no synchronisation, exact LRU the textbook way: unordered_map + std::list splice
//                 (the naive seed without its mutex: what exact LRU order costs with no thread
//                 safety at all)
// The models are single-threaded sketches, not caches: no shards, no writers, no stats.
#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <vector>

#include "membound/containers/concurrent_cache.hpp"
#include "membound/detail/cache_epoch.hpp"
#include "membound/detail/cache_table.hpp"
#include "membound/policy/fifo.hpp"
#include "membound/policy/lru.hpp"
#include "membound/policy/sieve.hpp"
#include "baselines.hpp"
#include "zipf_keys.hpp"

namespace {

using u64 = std::uint64_t;

using membound::bench::key_of;

using membound::bench::floor_map;

// See the file comment. Epoch and Lru select what the read path pays for beyond the probe.
template <bool Epoch, bool Lru>
class read_path_model {
 public:
  explicit read_path_model(std::size_t n)
      : slots_(std::bit_ceil(2 * n)), mask_(slots_.size() - 1), prev_(n + 1), next_(n + 1) {
    for (std::size_t i = 0; i <= n; ++i) {  // handle 0 is the list's sentinel
      prev_[i] = static_cast<std::uint32_t>(i == 0 ? n : i - 1);
      next_[i] = static_cast<std::uint32_t>(i == n ? 0 : i + 1);
    }
  }
  void put(u64 k, u64 v) {
    u64 i = membound::detail::mix_hash(k) & mask_;
    while (slots_[i].key != 0) i = (i + 1) & mask_;
    slots_[i] = {k, v, ++handles_};
  }
  std::optional<u64> get(u64 k) {
    std::optional<u64> out;
    std::uint32_t h = 0;
    {
      std::optional<membound::detail::epoch_guard> guard;
      if constexpr (Epoch) guard.emplace(membound::detail::this_thread_slot());
      for (u64 i = membound::detail::mix_hash(k) & mask_;; i = (i + 1) & mask_) {
        const slot& s = slots_[i];
        if (s.key == k) {
          out = s.value;
          h = s.handle;
          break;
        }
        if (s.key == 0) break;
      }
    }
    if constexpr (Lru) {
      if (out) {
        ring_[tail_++] = h;
        if (tail_ == ring_.size()) replay();
      }
    }
    return out;
  }

 private:
  struct slot {
    u64 key = 0;
    u64 value = 0;
    std::uint32_t handle = 0;
  };
  [[gnu::noinline]] void replay() {
    for (std::size_t j = 0; j < tail_; ++j) {  // move to the front, after the sentinel
      const std::uint32_t h = ring_[j];
      next_[prev_[h]] = next_[h];
      prev_[next_[h]] = prev_[h];
      const std::uint32_t first = next_[0];
      next_[0] = h;
      prev_[h] = 0;
      next_[h] = first;
      prev_[first] = h;
    }
    tail_ = 0;
  }
  std::vector<slot> slots_;
  u64 mask_;
  std::vector<std::uint32_t> prev_, next_;
  std::uint32_t handles_ = 0;
  std::array<std::uint32_t, 128> ring_{};
  std::size_t tail_ = 0;
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
    floor_map m(n);
    return probe(m, n, iters);
  }
  if (policy.starts_with("model-")) {
    if (policy == "model-lookup") {
      read_path_model<false, false> m(n);
      return probe(m, n, iters);
    }
    if (policy == "model-epoch") {
      read_path_model<true, false> m(n);
      return probe(m, n, iters);
    }
    if (policy == "model-stdlru") {
      membound::bench::basic_naive_lru<membound::bench::null_mutex> m(n);
      return probe(m, n, iters);
    }
    if (policy == "model-lru") {
      read_path_model<true, true> m(n);
      return probe(m, n, iters);
    }
  }
  std::fprintf(stderr, "usage: cache_probe lru|sieve|fifo|map|model-lookup|model-epoch|model-lru|model-stdlru [entries] [gets]\n");
  return 2;
}
