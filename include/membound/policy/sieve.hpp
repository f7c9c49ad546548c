// policy::sieve – SIEVE (Zhang et al., NSDI'24): FIFO order plus a visited bit and a moving hand.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "membound/detail/handle_bits.hpp"
#include "membound/policy/policy.hpp"

namespace membound::policy {

// New entries go to the head with the visited bit clear; a hit only sets the bit (no reordering,
// which is what makes SIEVE cheap under concurrency). To evict, the hand walks from its position
// (initially the tail) toward the head, clearing set bits, wrapping to the tail, and evicts the
// first entry whose bit is clear; it then rests on that entry's neighbour toward the head.
// Semantics match libCacheSim's Sieve exactly (see shared/traces/README.md).
// Weakness (the algorithm's): with mostly one-hit keys the hand keeps its distance from the head,
// so it can settle a few entries from it and evict every new key within a few misses, whatever
// the capacity. Keys re-read a few dozen requests after first use then always miss (Corda's
// trace: 0.74 % at 1000 entries, LRU 33.33 %; docs/policies.md, "Held-out traces").
//
// Complexity: on_insert/on_hit/on_remove O(1); evict amortised O(1) (each bit is cleared once per
// set). Thread-compatible. Does not throw except std::bad_alloc from on_insert's growth.
// Capacity is not used for ordering: the owner evicts while over capacity.
class sieve {
 public:
  static constexpr std::string_view name = "sieve";

  explicit sieve(std::uint64_t capacity = 0) { (void)capacity; }

  void on_insert(handle h, std::uint64_t /*hash*/, std::uint64_t /*weight*/) {
    // Each grows on its own check, so a bad_alloc from either leaves both usable (basic).
    visited_.reserve_for(h);
    if (h >= nodes_.size()) nodes_.resize(static_cast<std::size_t>(h) + 1);
    nodes_[h] = {no_handle, head_};
    set_visited(h, false);
    if (head_ != no_handle) nodes_[head_].prev = h;
    head_ = h;
    if (tail_ == no_handle) tail_ = h;
    ++size_;
  }
  void on_hit(handle h) noexcept { set_visited(h, true); }
  void on_update(handle h, std::uint64_t /*weight*/) noexcept { on_hit(h); }
  static constexpr bool update_is_hit = true;
  void on_remove(handle h) noexcept {
    if (hand_ == h) hand_ = nodes_[h].prev;
    unlink(h);
    --size_;
  }
  handle evict() noexcept {
    return evict_marked([](handle) noexcept { return false; });
  }
  // evict() where take_mark(h) == true also means "visited" (policy.hpp: the owner's hit marks).
  template <class TakeMark>
  handle evict_marked(TakeMark&& take_mark) noexcept {
    assert(size_ > 0);
    handle h = hand_ != no_handle ? hand_ : tail_;
    for (;;) {
      const bool marked = take_mark(h);  // consumed whether or not visited is set
      if (!visited(h) && !marked) break;
      set_visited(h, false);
      h = nodes_[h].prev != no_handle ? nodes_[h].prev : tail_;
    }
    hand_ = nodes_[h].prev;
    unlink(h);
    --size_;
    return h;
  }
  void set_capacity(std::uint64_t /*capacity*/) noexcept {}
  std::size_t size() const noexcept { return size_; }
  std::size_t memory_bytes() const noexcept {
    return nodes_.capacity() * sizeof(node) + visited_.memory_bytes();
  }

 private:
  struct node {
    handle prev = no_handle;  // toward the head (newer)
    handle next = no_handle;  // toward the tail (older)
  };

  // The visited bits live in a bitmap beside the links: 8 bytes and a bit per entry, where a
  // bool in the node made it 12.
  bool visited(handle h) const noexcept { return visited_.get(h); }
  void set_visited(handle h, bool v) noexcept { visited_.set(h, v); }

  void unlink(handle h) noexcept {
    const node n = nodes_[h];
    if (n.prev != no_handle) nodes_[n.prev].next = n.next; else head_ = n.next;
    if (n.next != no_handle) nodes_[n.next].prev = n.prev; else tail_ = n.prev;
  }

  std::vector<node> nodes_;
  detail::handle_bits visited_;
  handle head_ = no_handle;  // newest
  handle tail_ = no_handle;  // oldest
  handle hand_ = no_handle;  // no_handle: start at the tail
  std::size_t size_ = 0;
};

static_assert(eviction_policy<sieve>);
static_assert(takes_hit_marks<sieve>);

}  // namespace membound::policy
