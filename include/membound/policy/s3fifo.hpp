// policy::s3fifo – S3-FIFO (Yang et al., SOSP'23) as libCacheSim implemented it in 2024.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "membound/detail/ghost_list.hpp"
#include "membound/detail/handle_list.hpp"
#include "membound/policy/policy.hpp"

namespace membound::policy {

// Three FIFO queues: a small FIFO S (10 % of the capacity), a main FIFO M (the rest) with a
// 2-bit access counter per entry, and a ghost FIFO G of evicted keys (90 % of the capacity, by
// weight). A miss whose key is in G is inserted into M, other misses into S. A hit only bumps the
// counter (saturating at 3). Evicting from S: an entry hit at least twice moves to M,
// otherwise it is evicted and its key enters G. Evicting from M (chosen while M is over its share
// or S is empty): an entry with a non-zero counter is reinserted at M's head with counter-1,
// otherwise it is evicted. Entries heavier than S are not admitted (can_admit). This reproduces
// libCacheSim's S3-FIFO golden miss counts exactly (test_evictionAlgo.c @aa0fc40, move-to-main
// threshold 2); libCacheSim's later (Dec 2024) change that inserts into M before the first
// eviction once S is full is not applied (that is its `S3FIFO` now, this its `S3FIFOv0`).
// Complexity: on_insert/on_hit/on_remove expected O(1); evict amortised O(1).
// Thread-compatible. on_insert/evict may throw std::bad_alloc (ghost growth).
// Handles are the owner's; 24 bytes per slot plus ~40 bytes per ghost key.
// Capacity: c sets the S/M/G shares; the owner evicts while over capacity (0 allowed).
class s3fifo {
 public:
  static constexpr std::string_view name = "s3fifo";

  explicit s3fifo(std::uint64_t capacity = 0) { set_capacity(capacity); }

  // Optional admission check: libCacheSim never inserts an object heavier than S, so neither
  // does an owner that asks (the simulator does; a cache that does not ask still works).
  bool can_admit(std::uint64_t weight) const noexcept { return weight <= small_cap_; }

  void on_miss(std::uint64_t hash) {
    if (ghost_.erase(hash) != detail::ghost_list::absent) recent_.remember(hash, 1);
  }
  void on_insert(handle h, std::uint64_t hash, std::uint64_t weight) {
    if (h >= nodes_.size()) nodes_.resize(static_cast<std::size_t>(h) + 1);
    node& n = nodes_[h];
    n.hash = hash;
    n.weight = static_cast<std::uint32_t>(weight);
    n.freq = 0;
    const bool ghost_hit = recent_.take(hash) != 0 || ghost_.erase(hash) != detail::ghost_list::absent;
    n.main = ghost_hit;
    (n.main ? main_ : small_).push_front(nodes_, h, weight);
  }
  void on_hit(handle h) noexcept {
    std::uint8_t& f = nodes_[h].freq;
    if (f < 3) ++f;
  }
  void on_update(handle h, std::uint64_t weight) noexcept {
    node& n = nodes_[h];
    list_of(n).unlink(nodes_, h, n.weight);
    n.weight = static_cast<std::uint32_t>(weight);
    list_of(n).push_front(nodes_, h, weight);
    on_hit(h);
  }
  void on_remove(handle h) noexcept { list_of(nodes_[h]).unlink(nodes_, h, nodes_[h].weight); }
  handle evict() {
    assert(size() > 0);
    if (main_.weight() <= main_cap_ && !small_.empty()) {
      while (!small_.empty()) {
        const handle t = small_.back();
        node& n = nodes_[t];
        small_.unlink(nodes_, t, n.weight);
        if (n.freq >= 2) {  // libCacheSim's move-to-main-threshold=2
          n.freq = 0;
          n.main = true;
          main_.push_front(nodes_, t, n.weight);
          continue;
        }
        if (n.weight <= ghost_cap_) {
          while (!ghost_.empty() && ghost_.weight() + n.weight > ghost_cap_) ghost_.pop_tail();
          ghost_.push_front(n.hash, n.weight);
        }
        return t;
      }
    }
    for (;;) {
      const handle t = main_.back();
      node& n = nodes_[t];
      if (n.freq == 0) {
        main_.unlink(nodes_, t, n.weight);
        return t;
      }
      --n.freq;
      main_.move_to_front(nodes_, t);
    }
  }
  void set_capacity(std::uint64_t capacity) noexcept {
    // libCacheSim: small-size-ratio 0.10 and ghost-size-ratio 0.90, truncated from doubles.
    // Below 10 units libCacheSim refuses to build the cache; we keep S at least 1 unit instead.
    small_cap_ = std::max<std::uint64_t>(std::min<std::uint64_t>(capacity, 1),
                                         static_cast<std::uint64_t>(static_cast<double>(capacity) * 0.10));
    main_cap_ = capacity - small_cap_;
    ghost_cap_ = static_cast<std::uint64_t>(static_cast<double>(capacity) * 0.90);
    while (!ghost_.empty() && ghost_.weight() > ghost_cap_) ghost_.pop_tail();
  }
  std::size_t size() const noexcept { return small_.size() + main_.size(); }
  std::size_t memory_bytes() const noexcept { return nodes_.capacity() * sizeof(node) + ghost_.memory_bytes(); }

 private:
  struct node {
    handle prev = no_handle;
    handle next = no_handle;
    std::uint64_t hash = 0;
    std::uint32_t weight = 0;
    std::uint8_t freq = 0;
    bool main = false;
  };
  detail::handle_list& list_of(const node& n) noexcept { return n.main ? main_ : small_; }

  std::uint64_t small_cap_ = 0;
  std::uint64_t main_cap_ = 0;
  std::uint64_t ghost_cap_ = 0;
  std::vector<node> nodes_;
  detail::handle_list small_;
  detail::handle_list main_;
  detail::ghost_list ghost_;

  detail::ghost_hit_memory recent_;
};

static_assert(eviction_policy<s3fifo>);

}  // namespace membound::policy
