// policy::clock – CLOCK as FIFO-reinsertion with one reference bit (libCacheSim's "Clock").
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "membound/detail/handle_bits.hpp"
#include "membound/detail/handle_list.hpp"
#include "membound/policy/policy.hpp"

namespace membound::policy {

// New entries go to the head of a FIFO with the bit clear; a hit sets the bit (no reordering). To
// evict, look at the tail: an entry with its bit set is cleared and moved to the head, and the
// first entry with a clear bit is the victim. Unlike SIEVE, survivors lose their FIFO position.
// Matches libCacheSim's Clock (n-bit counter = 1) exactly (shared/traces/README.md).
// Complexity: on_insert/on_hit/on_remove O(1); evict amortised O(1) (each set bit is cleared once).
// Thread-compatible. Does not throw except std::bad_alloc from on_insert's growth.
// Handles are the owner's; 8 bytes of links and one reference bit per slot.
// Capacity is not used for ordering: the owner evicts while over capacity (0 allowed).
class clock {
 public:
  static constexpr std::string_view name = "clock";

  explicit clock(std::uint64_t capacity = 0) { (void)capacity; }

  void on_insert(handle h, std::uint64_t /*hash*/, std::uint64_t /*weight*/) {
    // Each grows on its own check, so a bad_alloc from either leaves both usable (basic).
    referenced_.reserve_for(h);
    if (h >= nodes_.size()) nodes_.resize(static_cast<std::size_t>(h) + 1);
    referenced_.set(h, false);
    queue_.push_front(nodes_, h, 0);
  }
  void on_hit(handle h) noexcept { referenced_.set(h, true); }
  void on_update(handle h, std::uint64_t /*weight*/) noexcept { on_hit(h); }
  static constexpr bool update_is_hit = true;
  void on_remove(handle h) noexcept { queue_.unlink(nodes_, h, 0); }
  handle evict() noexcept {
    return evict_marked([](handle) noexcept { return false; });
  }
  // evict() where take_mark(h) == true also means "referenced" (policy.hpp: the owner's hit marks).
  template <class TakeMark>
  handle evict_marked(TakeMark&& take_mark) noexcept {
    assert(!queue_.empty());
    handle h = queue_.back();
    for (;;) {
      const bool marked = take_mark(h);  // consumed whether or not referenced is set
      if (!referenced_.get(h) && !marked) break;
      referenced_.set(h, false);
      queue_.move_to_front(nodes_, h);
      h = queue_.back();
    }
    queue_.unlink(nodes_, h, 0);
    return h;
  }
  void set_capacity(std::uint64_t /*capacity*/) noexcept {}
  std::size_t size() const noexcept { return queue_.size(); }
  std::size_t memory_bytes() const noexcept {
    return nodes_.capacity() * sizeof(node) + referenced_.memory_bytes();
  }

 private:
  struct node {
    handle prev = no_handle;
    handle next = no_handle;
  };
  std::vector<node> nodes_;
  detail::handle_bits referenced_;  // beside the links: a bool in the node made a slot 12 bytes
  detail::handle_list queue_;
};

static_assert(eviction_policy<clock>);
static_assert(takes_hit_marks<clock>);

}  // namespace membound::policy
