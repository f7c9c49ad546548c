// policy::s3fifo – S3-FIFO (Yang et al., SOSP'23) with an adaptive small queue;
// policy::s3fifo_static – the same algorithm exactly as libCacheSim implemented it in 2024.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "membound/detail/ghost_list.hpp"
#include "membound/detail/handle_list.hpp"
#include "membound/detail/reversal_guard.hpp"
#include "membound/detail/shadow_set.hpp"
#include "membound/policy/policy.hpp"

namespace membound::policy {

namespace detail_s3fifo {

// The shared engine. Three FIFO queues: a small FIFO S, a main FIFO M with a 2-bit access
// counter per entry, and a ghost FIFO G of keys evicted from S (90 % of the capacity, by weight).
// A miss whose key is in G is inserted into M, other misses into S. A hit only bumps the counter
// (saturating at 3). Evicting from S: an entry hit at least `threshold` times moves to M,
// otherwise it is evicted and its key enters G. Evicting from M (chosen while M is over its share
// or S is empty): an entry with a non-zero counter is reinserted at M's head with counter-1,
// otherwise it is evicted.
//   Adaptive = false: S is 10 % of the capacity and threshold 2, libCacheSim's 2024 S3-FIFO.
//   Adaptive = true: threshold 1 (the paper's blog / Caffeine variant) and S's share moves by
//   marginal hits, as libCacheSim's S3FIFOd does: two shadow sets (membound::detail::shadow_set,
//   lossy) remember the keys most recently evicted from S (25 % of the capacity, by evicted
//   weight) and from M (75 %); a miss on the first grows S by 6 average entries' weight, a miss on the second
//   shrinks it (S stays within [1 %, 100 %]). A
//   ghost hit goes to S instead of M while M is full. On loops S grows until the policy is a
//   FIFO; on frequency-skewed traces it shrinks toward the static split. A reversal guard
//   (detail::reversal_guard) watches S's shadow: when S's evicted keys come back newest first (a
//   back-and-forth scan, where LRU is optimal) the next S eviction moves nothing to M, and after
//   three such returns in a row M is frozen: S shrinks to its 1 % floor by handing its entries to
//   M, nothing moves from S or G into M and S's share holds still, until two returns in eviction
//   order. The resident set then stays as it is, which is optimal on such scans.
template <bool Adaptive>
class s3fifo_engine {
 public:
  explicit s3fifo_engine(std::uint64_t capacity = 0) { set_capacity(capacity); }

  // Optional admission check: libCacheSim never inserts an object heavier than S, so neither
  // does an owner that asks (the simulator does; a cache that does not ask still works). The
  // adaptive variant bounds by S's initial 10 % share (S itself moves).
  bool can_admit(std::uint64_t weight) const noexcept { return weight <= admit_cap_; }

  void on_miss(std::uint64_t hash) {
    if constexpr (Adaptive) {
      std::uint64_t at = 0;
      if (small_shadow_.take(hash, at)) {
        if (guard_.note_return(at, small_shadow_.last_position(), small_.weight() + main_.weight(), size())) {
          freeze_main();
        }
        if (!guard_.frozen()) resize_small(step());
      } else if (!guard_.frozen() && main_shadow_.take(hash)) {
        resize_small(-step());
      }
    }
    if (ghost_.erase(hash) != membound::detail::ghost_list::absent) recent_.remember(hash, 1);
  }
  void on_insert(handle h, std::uint64_t hash, std::uint64_t weight) {
    if (h >= nodes_.size()) nodes_.resize(static_cast<std::size_t>(h) + 1);
    node& n = nodes_[h];
    n.hash = hash;
    n.weight = static_cast<std::uint32_t>(weight);
    n.freq = 0;
    bool ghost_hit = recent_.take(hash) != 0 || ghost_.erase(hash) != membound::detail::ghost_list::absent;
    if constexpr (Adaptive) {
      if (ghost_hit && (guard_.frozen() || main_.weight() + weight > capacity_ - small_cap_)) ghost_hit = false;
    }
    n.main = ghost_hit;
    (n.main ? main_ : small_).push_front(nodes_, h, weight);
    if constexpr (Adaptive) {
      const std::size_t expected = size() / 4 + 1;  // the S shadow's share; M's is 3 × that
      if (4 * expected > small_shadow_.slots() && small_shadow_.slots() < max_shadow_slots) {
        small_shadow_.resize(2 * expected);
        main_shadow_.resize(6 * expected);
      }
    }
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
    if (main_.weight() <= capacity_ - small_cap_ && !small_.empty()) {
      bool held = false;
      if constexpr (Adaptive) held = guard_.take_hold();
      while (!small_.empty()) {
        const handle t = small_.back();
        node& n = nodes_[t];
        small_.unlink(nodes_, t, n.weight);
        if (n.freq >= threshold && !held) {
          n.freq = 0;
          n.main = true;
          main_.push_front(nodes_, t, n.weight);
          continue;
        }
        if (n.weight <= ghost_cap_) {
          while (!ghost_.empty() && ghost_.weight() + n.weight > ghost_cap_) ghost_.pop_tail();
          ghost_.push_front(n.hash, n.weight);
        }
        if constexpr (Adaptive) small_shadow_.add(n.hash, n.weight);
        return t;
      }
    }
    for (;;) {
      const handle t = main_.back();
      node& n = nodes_[t];
      if (n.freq == 0) {
        main_.unlink(nodes_, t, n.weight);
        if constexpr (Adaptive) main_shadow_.add(n.hash, n.weight);
        return t;
      }
      --n.freq;
      main_.move_to_front(nodes_, t);
    }
  }
  void set_capacity(std::uint64_t capacity) noexcept {
    // libCacheSim: small-size-ratio 0.10 and ghost-size-ratio 0.90, truncated from doubles.
    // Below 10 units libCacheSim refuses to build the cache; we keep S at least 1 unit instead.
    const std::uint64_t initial_small = std::max<std::uint64_t>(
        std::min<std::uint64_t>(capacity, 1), static_cast<std::uint64_t>(static_cast<double>(capacity) * 0.10));
    admit_cap_ = initial_small;
    if (Adaptive && capacity_ > 0) {
      // Keep the learnt share of S.
      small_cap_ = std::min(capacity, std::max<std::uint64_t>(
                                          min_small(capacity),
                                          static_cast<std::uint64_t>(static_cast<double>(small_cap_) *
                                                                     static_cast<double>(capacity) /
                                                                     static_cast<double>(capacity_))));
    } else {
      small_cap_ = initial_small;
    }
    capacity_ = capacity;
    ghost_cap_ = static_cast<std::uint64_t>(static_cast<double>(capacity) * 0.90);
    while (!ghost_.empty() && ghost_.weight() > ghost_cap_) ghost_.pop_tail();
    if constexpr (Adaptive) {
      small_shadow_.set_bound(static_cast<std::uint64_t>(static_cast<double>(capacity) * 0.25));
      main_shadow_.set_bound(static_cast<std::uint64_t>(static_cast<double>(capacity) * 0.75));
    }
  }
  // S's current share (moves when adaptive).
  std::uint64_t small_capacity() const noexcept { return small_cap_; }
  std::size_t size() const noexcept { return small_.size() + main_.size(); }
  std::size_t memory_bytes() const noexcept {
    return nodes_.capacity() * sizeof(node) + ghost_.memory_bytes() + small_shadow_.memory_bytes() +
           main_shadow_.memory_bytes();
  }

 private:
  static constexpr std::uint8_t threshold = Adaptive ? 1 : 2;  // libCacheSim's move-to-main-threshold
  static constexpr double small_step = 6;                       // S change per shadow hit (entries)
  static constexpr std::size_t max_shadow_slots = std::size_t{1} << 24;

  struct node {
    handle prev = no_handle;
    handle next = no_handle;
    std::uint64_t hash = 0;
    std::uint32_t weight = 0;
    std::uint8_t freq = 0;
    bool main = false;
  };
  membound::detail::handle_list& list_of(const node& n) noexcept { return n.main ? main_ : small_; }

  static std::uint64_t min_small(std::uint64_t capacity) noexcept {
    return std::max<std::uint64_t>(std::min<std::uint64_t>(capacity, 1), capacity / 100);
  }
  // The reversal guard froze: S shrinks to its floor by handing its oldest entries to M (nothing
  // is evicted), so the resident set stays as it is and only S's few entries turn over.
  void freeze_main() noexcept {
    small_cap_ = min_small(capacity_);
    acc_ = 0;
    while (small_.weight() > small_cap_) {
      const handle t = small_.back();
      node& n = nodes_[t];
      small_.unlink(nodes_, t, n.weight);
      n.main = true;
      main_.push_front(nodes_, t, n.weight);
    }
  }
  // S's change per shadow hit: 6 average entries' weight (6 units with unit weights). Only
  // shadow hits need it, so it is not computed on every miss.
  double step() const noexcept {
    return size() == 0 ? small_step
                       : small_step * static_cast<double>(small_.weight() + main_.weight()) /
                             static_cast<double>(size());
  }
  void resize_small(double delta) noexcept {
    acc_ += delta;
    if (acc_ >= 1) {
      const auto d = static_cast<std::uint64_t>(acc_);
      acc_ -= static_cast<double>(d);
      small_cap_ = std::min(capacity_, small_cap_ + d);
    } else if (acc_ <= -1) {
      const auto d = static_cast<std::uint64_t>(-acc_);
      acc_ += static_cast<double>(d);
      const std::uint64_t floor = min_small(capacity_);
      small_cap_ = small_cap_ > floor + d ? small_cap_ - d : floor;
    }
  }

  std::uint64_t capacity_ = 0;
  std::uint64_t small_cap_ = 0;
  std::uint64_t admit_cap_ = 0;
  std::uint64_t ghost_cap_ = 0;
  double acc_ = 0;
  std::vector<node> nodes_;
  membound::detail::handle_list small_;
  membound::detail::handle_list main_;
  membound::detail::ghost_list ghost_;
  membound::detail::shadow_set small_shadow_;
  membound::detail::shadow_set main_shadow_;
  membound::detail::ghost_hit_memory recent_;
  membound::detail::reversal_guard guard_;  // watches S's shadow (adaptive only)
};

}  // namespace detail_s3fifo

// S3-FIFO with the adaptive small queue and the reversal guard (detail_s3fifo::s3fifo_engine<true>):
// beats LRU wherever the static split does, and reaches LRU's (optimal) hits on back-and-forth
// scans (LIRS's zigzag and backf at every size). Not libCacheSim's numbers; for those use
// s3fifo_static.
// Complexity: on_insert/on_hit/on_remove expected O(1); evict amortised O(1); on_miss expected O(1)
// except when the guard freezes, which moves S's entries into M once (O(entries in S)).
// Thread-compatible. on_insert/evict may throw std::bad_alloc (ghost growth).
// Handles are the owner's; 24 bytes per slot plus ~40 bytes per ghost key (G: 90 % of the
// capacity) plus the shadow sets (16 bytes × bit_ceil(4 × 25 % / 75 % of the resident entries))
// plus the 24-byte guard.
// Capacity: c sets the initial S/M split and the G and shadow bounds; the owner evicts while
// over capacity (0 allowed). A capacity change keeps S's learnt share.
class s3fifo : public detail_s3fifo::s3fifo_engine<true> {
 public:
  static constexpr std::string_view name = "s3fifo";
  using s3fifo_engine::s3fifo_engine;
};

// S3-FIFO exactly as libCacheSim implemented it in 2024 (detail_s3fifo::s3fifo_engine<false>):
// S is 10 % of the capacity, move-to-main threshold 2, entries heavier than S are not admitted
// (can_admit). This reproduces libCacheSim's S3-FIFO golden miss counts exactly
// (test_evictionAlgo.c @aa0fc40); libCacheSim's later (Dec 2024) change that inserts into M
// before the first eviction once S is full is not applied (that is its `S3FIFO` now, this its
// `S3FIFOv0`).
// Complexity: on_insert/on_hit/on_remove expected O(1); evict amortised O(1).
// Thread-compatible. on_insert/evict may throw std::bad_alloc (ghost growth).
// Handles are the owner's; 24 bytes per slot plus ~40 bytes per ghost key.
// Capacity: c sets the S/M/G shares; the owner evicts while over capacity (0 allowed).
class s3fifo_static : public detail_s3fifo::s3fifo_engine<false> {
 public:
  static constexpr std::string_view name = "s3fifo_static";
  using s3fifo_engine::s3fifo_engine;
};

static_assert(eviction_policy<s3fifo>);
static_assert(eviction_policy<s3fifo_static>);

}  // namespace membound::policy
