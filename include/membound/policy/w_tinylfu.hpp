// policy::w_tinylfu – Window TinyLFU (Einziger, Friedman & Manes), as in Caffeine.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "membound/detail/count_min_sketch.hpp"
#include "membound/detail/handle_list.hpp"
#include "membound/detail/reversal_guard.hpp"
#include "membound/detail/shadow_set.hpp"
#include "membound/policy/policy.hpp"

namespace membound::policy {

// A small LRU admission window in front of a main SLRU (probation + protected, 80 % of main),
// with a TinyLFU admission filter: every access (hit or miss) is counted in a 4-bit count-min
// sketch of depth 4 that halves itself every 10 × (expected entries) increments. New entries
// enter the window. When room is needed and the window is (or would be, with the incoming
// weight) over its share, the window's LRU entry (the candidate) competes with probation's LRU
// entry (the victim): the candidate is admitted into probation and the victim evicted only if the
// sketch says the candidate is strictly more frequent; otherwise the candidate is evicted. A
// probation hit promotes to protected, whose overflow is demoted back to probation. No doorkeeper
// and no random admission, so runs are deterministic.
// The window/main split (window starts at 1 %) adapts in one of three ways (see adaptation):
//   shadow (default): marginal-hit feedback. Two small shadow sets (5 % of the capacity each,
//     by evicted weight, but at least the last 24 evictions; lossy, see detail::shadow_set)
//     remember the keys most recently evicted from the window side (rejected candidates) and
//     from main. Every 50 shadow hits the side whose recent evictions came back 1.5× more often
//     gets 1 % of the capacity (decisions decay by 0.8). The window may take all of protected and then probation's share, up to 60 % of
//     the capacity. Reacts within a few hundred requests, which is what short recency-driven
//     traces (sprite, 2_pools) need. With it runs a reversal guard (detail::reversal_guard) over
//     the window shadow: when rejected candidates come back newest first (a back-and-forth
//     scan, where LRU is optimal and every admission replaces an entry the reversed sweep is
//     about to read) the next contest admits nothing, and after three such returns in a row main
//     is frozen (no admissions, the split holds still) until two returns in eviction order.
//   hill_climber: Caffeine's (BoundedLocalCache.climb), what its Efficiency charts show; the
//     window takes capacity from protected only.
//   none: the static split (Caffeine simulator's plain WindowTinyLfu with 1 %).
// Complexity: every operation O(1) (expected, for the shadow lists) except the sketch's periodic
// O(table) aging (amortised O(1)) and a window resize (at most 1000 moves, every 50 shadow hits).
// Thread-compatible. on_insert may throw std::bad_alloc (growth). Handles are the owner's;
// 24 bytes per slot plus the sketch (8 bytes per expected entry) plus, for shadow, two
// detail::shadow_set tables (16 bytes × bit_ceil(4 × 5 % of the resident entries) each, at least
// 128 slots = 2 KiB while 5 % is under 24 entries) and the 24-byte guard.
// Capacity: c sets the window/protected shares and sizes the sketch; the owner evicts while over
// capacity (0 allowed). With weights the sketch grows with the number of resident entries.
class w_tinylfu {
 public:
  static constexpr std::string_view name = "w_tinylfu";

  // How the window/main split moves (see the class comment).
  enum class adaptation : std::uint8_t { none, hill_climber, shadow };

  explicit w_tinylfu(std::uint64_t capacity = 0) : w_tinylfu(capacity, 0.01, adaptation::shadow) {}
  // window_fraction: the window's (initial) share of the capacity, in [0, 1] (Caffeine's
  // 1 - percent-main). adaptive: true = Caffeine's hill climber, false = static.
  w_tinylfu(std::uint64_t capacity, double window_fraction, bool adaptive)
      : w_tinylfu(capacity, window_fraction, adaptive ? adaptation::hill_climber : adaptation::none) {}
  w_tinylfu(std::uint64_t capacity, double window_fraction, adaptation a)
      : sketch_(static_cast<std::size_t>(std::min<std::uint64_t>(capacity, max_initial_sketch))),
        main_fraction_(1.0 - std::clamp(window_fraction, 0.0, 1.0)),
        adaptive_(a == adaptation::hill_climber),
        shadow_(a == adaptation::shadow) {
    set_capacity(capacity);
  }

  void on_miss(std::uint64_t hash) noexcept {
    sketch_.increment(hash);
    ++sample_misses_;
    if (adaptive_) climb();
    if (shadow_) shadow_feedback(hash);
  }

  // Optional: the weight of the entry about to be inserted, so evict() knows whether the window
  // will overflow (the simulator calls it before evicting for an insert; default 1).
  void expect_insert(std::uint64_t weight) noexcept { incoming_ = weight; }

  void on_insert(handle h, std::uint64_t hash, std::uint64_t weight) {
    if (h >= nodes_.size()) nodes_.resize(static_cast<std::size_t>(h) + 1);
    node& n = nodes_[h];
    n.hash = hash;
    n.weight = static_cast<std::uint32_t>(weight);
    n.where = segment::window;
    window_.push_front(nodes_, h, weight);
    incoming_ = 1;
    // While the cache is filling, window overflow moves to probation without a contest.
    while (window_.weight() > window_cap_ && window_.size() > 1) {
      const handle c = window_.back();
      move(c, window_, probation_, segment::probation);
    }
    if (size() > sketch_.expected_entries() && size() <= max_grown_sketch) sketch_.resize(2 * size());
    if (shadow_) {
      const auto expected = static_cast<std::size_t>(static_cast<double>(size()) * shadow_fraction) + 1;
      const std::size_t slots = window_shadow_.slots();
      if ((4 * expected > slots || slots < 4 * (min_shadow_entries + 1)) && slots < max_shadow_slots) {
        grow_shadows(expected);
      }
    }
  }
  void on_hit(handle h) noexcept {
    node& n = nodes_[h];
    sketch_.increment(n.hash);
    ++sample_hits_;
    if (adaptive_) climb();
    switch (n.where) {
      case segment::window: window_.move_to_front(nodes_, h); break;
      case segment::probation:
        move(h, probation_, protected_, segment::protect);
        demote();
        break;
      case segment::protect: protected_.move_to_front(nodes_, h); break;
    }
  }
  void on_update(handle h, std::uint64_t weight) noexcept {
    node& n = nodes_[h];
    list_of(n.where).unlink(nodes_, h, n.weight);
    n.weight = static_cast<std::uint32_t>(weight);
    list_of(n.where).push_front(nodes_, h, weight);
    on_hit(h);
  }
  void on_remove(handle h) noexcept { list_of(nodes_[h].where).unlink(nodes_, h, nodes_[h].weight); }

  handle evict() noexcept {
    assert(size() > 0);
    const bool window_full = !window_.empty() && window_.weight() + incoming_ > window_cap_;
    const bool main_empty = probation_.empty() && protected_.empty();
    if (window_full || main_empty) {
      const handle candidate = window_.back();
      if (main_empty) return take_window(candidate);
      const handle victim = probation_.empty() ? protected_.back() : probation_.back();
      const bool held = guard_.take_hold();
      if (!held && sketch_.frequency(nodes_[candidate].hash) > sketch_.frequency(nodes_[victim].hash)) {
        move(candidate, window_, probation_, segment::probation);
        return take_main(victim);
      }
      return take_window(candidate);
    }
    return take_main(probation_.empty() ? protected_.back() : probation_.back());
  }
  void set_capacity(std::uint64_t capacity) noexcept {
    // Caffeine: main = (long)(c × 0.99), window = the rest, protected = (long)(main × 0.80).
    const auto main = static_cast<std::uint64_t>(static_cast<double>(capacity) * main_fraction_);
    capacity_ = capacity;
    window_cap_ = capacity - main;
    protected_cap_ = static_cast<std::uint64_t>(static_cast<double>(main) * 0.80);
    step_ = -climber_step * static_cast<double>(capacity);
    previous_hit_rate_ = 0;
    sample_hits_ = sample_misses_ = 0;
    window_hits_ = main_hits_ = 0;
    shadow_cap_ = static_cast<std::uint64_t>(static_cast<double>(capacity) * shadow_fraction);
    window_shadow_.set_bound(shadow_cap_);
    main_shadow_.set_bound(shadow_cap_);
    window_shadow_.set_min_entries(min_shadow_entries);
    main_shadow_.set_min_entries(min_shadow_entries);
    demote();
  }
  // The window's current share (moves when adaptive).
  std::uint64_t window_capacity() const noexcept { return window_cap_; }
  std::size_t size() const noexcept { return window_.size() + probation_.size() + protected_.size(); }
  std::size_t memory_bytes() const noexcept {
    return nodes_.capacity() * sizeof(node) + sketch_.memory_bytes() + window_shadow_.memory_bytes() +
           main_shadow_.memory_bytes();
  }

 private:
  // Entry-count capacities up to this size the sketch at construction; larger (byte) capacities
  // start here and grow with the resident count, up to max_grown_sketch entries.
  static constexpr std::uint64_t max_initial_sketch = std::uint64_t{1} << 20;
  static constexpr std::size_t max_grown_sketch = std::size_t{1} << 26;

  enum class segment : std::uint8_t { window, probation, protect };
  struct node {
    handle prev = no_handle;
    handle next = no_handle;
    std::uint64_t hash = 0;
    std::uint32_t weight = 0;
    segment where = segment::window;
  };

  detail::handle_list& list_of(segment s) noexcept {
    return s == segment::window ? window_ : s == segment::probation ? probation_ : protected_;
  }
  void move(handle h, detail::handle_list& from, detail::handle_list& to, segment s) noexcept {
    from.unlink(nodes_, h, nodes_[h].weight);
    nodes_[h].where = s;
    to.push_front(nodes_, h, nodes_[h].weight);
  }
  handle take(handle h, detail::handle_list& from) noexcept {
    from.unlink(nodes_, h, nodes_[h].weight);
    return h;
  }
  // Evicts h from the window side / from main, remembering it in that side's shadow set.
  handle take_window(handle h) noexcept {
    remember(window_shadow_, h);
    return take(h, window_);
  }
  handle take_main(handle h) noexcept {
    remember(main_shadow_, h);
    return take(h, list_of(nodes_[h].where));
  }
  // Sizes the shadows for 5 % of the resident entries (twice that, room to grow), or for the floor
  // while 5 % by weight holds fewer keys (resident weight / count is the mean entry weight: exactly
  // 1 without weights). Once a table has 4 × (floor + 1) slots the floor cannot raise it, so
  // on_insert then calls this only when 5 % outgrows the table.
  void grow_shadows(std::size_t expected) {
    const double resident = static_cast<double>(window_.weight() + probation_.weight() + protected_.weight());
    const bool floored = static_cast<double>(shadow_cap_) * static_cast<double>(size()) <
                         static_cast<double>(min_shadow_entries) * resident;
    std::size_t target = 0;
    if (floored) {
      const std::size_t e = std::max<std::size_t>(expected, min_shadow_entries + 1);
      if (4 * e > window_shadow_.slots()) target = e;  // sized exactly: the floor does not grow
    } else if (4 * expected > window_shadow_.slots()) {
      target = 2 * expected;
    }
    if (target == 0) return;
    window_shadow_.resize(target);
    main_shadow_.resize(target);
  }
  void remember(detail::shadow_set& shadow, handle h) noexcept {
    if (shadow_) shadow.add(nodes_[h].hash, nodes_[h].weight);
  }
  // Marginal-hit feedback (the idea of libCacheSim's S3FIFOd, applied to the window/main split):
  // a miss on a key the window side evicted recently says a bigger window would have hit; one on
  // a key main evicted recently says a bigger main would have. Every shadow_decision such misses
  // the clearly winning side (by shadow_ratio) gets shadow_step of the capacity.
  void shadow_feedback(std::uint64_t hash) noexcept {
    std::uint64_t at = 0;
    if (window_shadow_.take(hash, at)) {
      guard_.note_return(at, window_shadow_.last_position(),
                         window_.weight() + probation_.weight() + protected_.weight(), size());
      if (guard_.frozen()) return;
      window_hits_ += 1;
    } else if (!guard_.frozen() && main_shadow_.take(hash)) {
      main_hits_ += 1;
    } else {
      return;
    }
    if (window_hits_ + main_hits_ < shadow_decision) return;
    const auto q = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(static_cast<double>(capacity_) * shadow_step));
    if (window_hits_ > shadow_ratio * main_hits_) {
      if (static_cast<double>(window_cap_ + q) <= shadow_max_window * static_cast<double>(capacity_)) {
        grow_window(q, true);
      }
    } else if (main_hits_ > shadow_ratio * window_hits_) {
      shrink_window(q, true);
    }
    window_hits_ *= shadow_decay;
    main_hits_ *= shadow_decay;
  }
  // Caffeine's hill climber (BoundedLocalCache.climb): after each sample of sketch-sample-size
  // accesses, step the window size in the direction that raised the hit rate (reversing when it
  // fell); the step is 6.25 % of the capacity, decays by 0.98 per sample, and restarts at 6.25 %
  // when the hit rate moves by 5 points or more.
  void climb() noexcept {
    if (!warm_) {
      // Caffeine starts its sketch, and so the climber, once the cache is half full.
      if (window_.weight() + probation_.weight() + protected_.weight() < capacity_ / 2) {
        sample_hits_ = sample_misses_ = 0;
        return;
      }
      warm_ = true;
    }
    const std::uint64_t requests = sample_hits_ + sample_misses_;
    if (requests < sketch_.sample_size()) return;
    const double hit_rate = static_cast<double>(sample_hits_) / static_cast<double>(requests);
    const double change = hit_rate - previous_hit_rate_;
    const double amount = change >= 0 ? step_ : -step_;
    step_ = (change >= climber_restart || change <= -climber_restart)
                ? climber_step * static_cast<double>(capacity_) * (amount >= 0 ? 1 : -1)
                : climber_decay * amount;
    previous_hit_rate_ = hit_rate;
    sample_hits_ = sample_misses_ = 0;
    demote();
    const auto adjust = static_cast<std::int64_t>(amount);
    if (adjust > 0) grow_window(static_cast<std::uint64_t>(adjust), false);
    if (adjust < 0) shrink_window(static_cast<std::uint64_t>(-adjust), false);
  }
  // Moves `quota` of capacity from main to the window and refills the window from main's LRU
  // end (Caffeine's increaseWindow). Caffeine takes from protected only; with `whole_main` the
  // window may also take probation's share, up to the whole capacity (then it is plain LRU).
  void grow_window(std::uint64_t quota, bool whole_main) noexcept {
    const std::uint64_t from_protected = std::min(quota, protected_cap_);
    if (whole_main) {
      quota = std::min(quota, capacity_ - window_cap_);
    } else {
      quota = from_protected;
    }
    if (quota == 0) return;
    protected_cap_ -= from_protected;
    window_cap_ += quota;
    demote();
    for (int i = 0; i < transfer_limit; ++i) {
      handle c = probation_.back();
      bool from_probation = true;
      if (c == no_handle || quota < nodes_[c].weight) {
        c = protected_.back();
        from_probation = false;
      }
      if (c == no_handle || quota < nodes_[c].weight) break;
      quota -= nodes_[c].weight;
      move(c, from_probation ? probation_ : protected_, window_, segment::window);
    }
    // What could not be moved goes back (to protected first, as it came).
    protected_cap_ += std::min(quota, from_protected);
    window_cap_ -= quota;
  }
  // Moves `quota` from the window to main, the window's LRU entries into probation (Caffeine's
  // decreaseWindow). With `whole_main`, protected regrows only up to 80 % of main.
  void shrink_window(std::uint64_t quota, bool whole_main) noexcept {
    if (window_cap_ <= 1) return;
    quota = std::min(quota, window_cap_ - 1);
    protected_cap_ += quota;
    window_cap_ -= quota;
    if (whole_main) {
      protected_cap_ = std::min(protected_cap_, static_cast<std::uint64_t>(
                                                    static_cast<double>(capacity_ - window_cap_) * 0.80));
    }
    for (int i = 0; i < transfer_limit; ++i) {
      const handle c = window_.back();
      if (c == no_handle || quota < nodes_[c].weight) break;
      quota -= nodes_[c].weight;
      move(c, window_, probation_, segment::probation);
    }
    if (!whole_main) {
      protected_cap_ -= quota;
      window_cap_ += quota;
    }
  }

  void demote() noexcept {
    while (protected_.weight() > protected_cap_ && !protected_.empty()) {
      move(protected_.back(), protected_, probation_, segment::probation);
    }
  }

  static constexpr double climber_step = 0.0625;
  static constexpr double climber_decay = 0.98;
  static constexpr double climber_restart = 0.05;
  static constexpr int transfer_limit = 1000;  // Caffeine's QUEUE_TRANSFER_THRESHOLD
  // Shadow feedback: list size (each), misses per decision, step, winning ratio, decay. Tuned on
  // the LIRS traces, OLTP and glimpse (docs/policies.md).
  static constexpr double shadow_fraction = 0.05;
  // Each shadow also remembers at least the last 24 evictions: below 480 entries 5 % is too few
  // keys to see a rejected candidate come back, the window never grows, and a recency-driven
  // trace gets almost no hits (Corda's vault service at 100 entries: 0.57 % without the floor,
  // 32.83 % with it, LRU 33.33 %).
  static constexpr std::uint32_t min_shadow_entries = 24;
  static constexpr double shadow_decision = 50;
  static constexpr double shadow_step = 0.01;
  static constexpr double shadow_ratio = 1.5;
  static constexpr double shadow_decay = 0.8;
  static constexpr double shadow_max_window = 0.6;  // without it Zipf(1.0) at 10 % falls to LRU's ratio
  static constexpr std::size_t max_shadow_slots = std::size_t{1} << 24;

  detail::count_min_sketch sketch_;
  double main_fraction_ = 0.99;
  bool adaptive_ = false;
  bool shadow_ = true;
  bool warm_ = false;
  std::uint64_t capacity_ = 0;
  double step_ = 0;
  double previous_hit_rate_ = 0;
  std::uint64_t sample_hits_ = 0;
  std::uint64_t sample_misses_ = 0;
  std::uint64_t window_cap_ = 0;
  std::uint64_t protected_cap_ = 0;
  std::uint64_t incoming_ = 1;
  std::uint64_t shadow_cap_ = 0;
  double window_hits_ = 0;
  double main_hits_ = 0;
  detail::reversal_guard guard_;  // watches the window shadow's returns (shadow adaptation only)
  std::vector<node> nodes_;
  detail::shadow_set window_shadow_;
  detail::shadow_set main_shadow_;
  detail::handle_list window_;
  detail::handle_list probation_;
  detail::handle_list protected_;
};

// W-TinyLFU with Caffeine's hill climber (adaptation::hill_climber): the design Caffeine ships and
// its Efficiency charts show, under its own name so `membound sim` and concurrent_cache can select
// it. Against the default (shadow) adaptation it is slower to follow short recency-driven traces
// (sprite, 2_pools: below LRU there) but better on large frequency-skewed ones (cloudPhysics at
// 1 GiB: 54174 misses against 62777; Zipf 1.0 at 100k: 81.6 % against 80.6 %). Same complexity,
// thread-safety, exceptions and capacity semantics as w_tinylfu.
class w_tinylfu_climber : public w_tinylfu {
 public:
  static constexpr std::string_view name = "w_tinylfu_climber";
  explicit w_tinylfu_climber(std::uint64_t capacity = 0)
      : w_tinylfu(capacity, 0.01, adaptation::hill_climber) {}
};

static_assert(eviction_policy<w_tinylfu>);
static_assert(eviction_policy<w_tinylfu_climber>);

}  // namespace membound::policy
