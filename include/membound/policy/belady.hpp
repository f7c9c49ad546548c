// policy::belady – Belady's MIN (OPT): evicts the entry whose next access is farthest away.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "membound/policy/policy.hpp"

namespace membound::policy {

// The offline optimum for unit sizes, used by the simulator as a bound. It needs to know the
// future: the owner calls set_next_access(h, t) just before on_insert(h, …) or on_hit(h), where t
// is the index of the next request to that entry (belady::never if there is none). Admission is
// forced, as in libCacheSim's Belady: every miss is inserted, and the victim is chosen among the
// other residents. An entry whose next access was never set counts as `never`, so outside the
// simulator (no oracle) the policy degenerates to an arbitrary order.
// Complexity: on_insert/on_hit/on_remove/evict O(log n) (an indexed binary max-heap).
// Thread-compatible. Does not throw except std::bad_alloc from on_insert's growth.
// Handles are the owner's; 16 bytes per slot plus 4 per resident entry.
// Capacity is not used for ordering: the owner evicts while over capacity (0 allowed).
class belady {
 public:
  static constexpr std::string_view name = "belady";
  static constexpr std::uint64_t never = ~std::uint64_t{0};

  explicit belady(std::uint64_t capacity = 0) { (void)capacity; }

  // Records when h is requested next; applies to the following on_insert(h) / on_hit(h).
  void set_next_access(handle h, std::uint64_t next_vtime) noexcept {
    pending_handle_ = h;
    pending_next_ = next_vtime;
  }

  void on_insert(handle h, std::uint64_t /*hash*/, std::uint64_t /*weight*/) {
    if (h >= slots_.size()) slots_.resize(static_cast<std::size_t>(h) + 1);
    slots_[h].next = take_pending(h);
    slots_[h].pos = static_cast<std::uint32_t>(heap_.size());
    heap_.push_back(h);
    sift_up(slots_[h].pos);
  }
  void on_hit(handle h) noexcept {
    const std::uint64_t old = slots_[h].next;
    slots_[h].next = take_pending(h);
    if (slots_[h].next > old) sift_up(slots_[h].pos); else sift_down(slots_[h].pos);
  }
  void on_update(handle h, std::uint64_t /*weight*/) noexcept { on_hit(h); }
  void on_remove(handle h) noexcept { erase_at(slots_[h].pos); }
  handle evict() noexcept {
    assert(!heap_.empty());
    const handle victim = heap_.front();
    erase_at(0);
    return victim;
  }
  void set_capacity(std::uint64_t /*capacity*/) noexcept {}
  std::size_t size() const noexcept { return heap_.size(); }
  std::size_t memory_bytes() const noexcept {
    return slots_.capacity() * sizeof(slot) + heap_.capacity() * sizeof(handle);
  }

 private:
  struct slot {
    std::uint64_t next = never;
    std::uint32_t pos = 0;  // index in heap_
  };

  std::uint64_t take_pending(handle h) noexcept {
    const std::uint64_t n = pending_handle_ == h ? pending_next_ : never;
    pending_handle_ = no_handle;
    return n;
  }
  bool before(std::uint32_t a, std::uint32_t b) const noexcept {  // a should be nearer the top
    return slots_[heap_[a]].next > slots_[heap_[b]].next;
  }
  void swap_at(std::uint32_t a, std::uint32_t b) noexcept {
    std::swap(heap_[a], heap_[b]);
    slots_[heap_[a]].pos = a;
    slots_[heap_[b]].pos = b;
  }
  void sift_up(std::uint32_t i) noexcept {
    while (i > 0) {
      const std::uint32_t parent = (i - 1) / 2;
      if (!before(i, parent)) break;
      swap_at(i, parent);
      i = parent;
    }
  }
  void sift_down(std::uint32_t i) noexcept {
    const auto n = static_cast<std::uint32_t>(heap_.size());
    for (;;) {
      const std::uint32_t l = 2 * i + 1;
      if (l >= n) break;
      std::uint32_t best = l;
      if (l + 1 < n && before(l + 1, l)) best = l + 1;
      if (!before(best, i)) break;
      swap_at(i, best);
      i = best;
    }
  }
  void erase_at(std::uint32_t i) noexcept {
    const auto last = static_cast<std::uint32_t>(heap_.size() - 1);
    if (i != last) {
      swap_at(i, last);
      heap_.pop_back();
      sift_down(i);
      sift_up(i);
    } else {
      heap_.pop_back();
    }
  }

  std::vector<slot> slots_;
  std::vector<handle> heap_;
  handle pending_handle_ = no_handle;
  std::uint64_t pending_next_ = never;
};

static_assert(eviction_policy<belady>);

}  // namespace membound::policy
